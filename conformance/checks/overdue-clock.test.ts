import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../src/testing/harness.ts';
import { ADMIN_TOKEN, PRIMARY_KEY } from '../broken-server.test-helper.ts';
import { runConformance } from '../runner.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ tenants: { acme: PRIMARY_KEY }, adminToken: ADMIN_TOKEN });
});
afterAll(() => server.close());

const runClockCheck = () => runConformance({ baseUrl: server.base, apiKey: PRIMARY_KEY, adminToken: ADMIN_TOKEN, only: ['overdue_clock'], include: ['createCustomer', 'createInvoice', 'markInvoiceSent', 'getInvoice', 'listInvoices', 'recordPayment'], maxExamples: 1 });
const DAY = 86_400_000;

describe('overdue_clock puts the server clock back as it found it', () => {
  it('a frozen clock, at its instant', async () => {
    server.clock.freeze(new Date('2026-05-31T23:30:00.000Z'));
    const result = await runClockCheck();
    expect(result.failures).toEqual([]);
    expect(result.results.find((r) => r.checkId === 'overdue_clock')?.outcome).toBe('passed');
    expect([server.clock.frozen, server.clock.now().toISOString()]).toEqual([true, '2026-05-31T23:30:00.000Z']);
  }, 30_000);

  it.each([
    ['ahead of', 3 * DAY],
    ['behind', -200 * DAY],
  ])('a clock running %s real time, running with its offset', async (_, offset) => {
    server.clock.reset();
    server.clock.advance(offset);
    const result = await runClockCheck();
    expect(result.failures).toEqual([]);
    expect(result.results.find((r) => r.checkId === 'overdue_clock')?.outcome).toBe('passed');
    expect(server.clock.frozen).toBe(false);
    expect(Math.abs(server.clock.now().getTime() - (Date.now() + offset))).toBeLessThan(2000);
  }, 30_000);
});
