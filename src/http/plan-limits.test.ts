import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../config.ts';
import { generateDataset } from '../../fixtures/generate.ts';
import { buildServer } from '../server.ts';
import { startTestServer, type TestServer } from '../testing/harness.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
  s.store.putTenant({ ...s.store.tenant('acme')!, max_customers: 2, max_invoices: 2 });
});
afterAll(() => s.close());

describe('plan limits', () => {
  it('refuses the customer beyond the limit with 403 plan_limit_reached and stores nothing', async () => {
    const first = (await s.post('/api/v1/customers', { name: 'One' })).body.id;
    await s.post('/api/v1/customers', { name: 'Two' });
    const third = await s.post('/api/v1/customers', { name: 'Three' });
    expect([third.status, third.body.code]).toEqual([403, 'plan_limit_reached']);
    expect([...s.store.customers('acme')]).toHaveLength(2);
    // Another tenant has its own plan.
    expect((await s.post('/api/v1/customers', { name: 'Free' }, { key: 'ik_test_globex' })).status).toBe(201);

    const line = [{ description: 'x', quantity: 1, unit_price: 100 }];
    const inv = (await s.post('/api/v1/invoices', { customer_id: first, line_items: line })).body.id;
    await s.post(`/api/v1/invoices/${inv}/duplicate`);
    const over = await s.post('/api/v1/invoices', { customer_id: first, line_items: line });
    expect([over.status, over.body.code]).toEqual([403, 'plan_limit_reached']);
    const dup = await s.post(`/api/v1/invoices/${inv}/duplicate`);
    expect([dup.status, dup.body.code]).toEqual([403, 'plan_limit_reached']);
    expect(s.store.countInvoices('acme')).toBe(2);
  });

  it('are configured per tenant from the environment', () => {
    const built = buildServer(readConfig({ INVOICEKIT_PLAN_LIMITS: 'acme:10:0,solo:1:5' }, { seed: '1' }), { generateDataset });
    expect(built.store.tenant('acme')).toMatchObject({ max_customers: 10 });
    expect(built.store.tenant('acme')!.max_invoices).toBeUndefined();
    expect(built.store.tenant('solo')).toMatchObject({ max_customers: 1, max_invoices: 5 });
    expect(() => readConfig({ INVOICEKIT_PLAN_LIMITS: 'acme:ten:0' })).toThrow(/customers/);
  });
});
