import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../src/testing/harness.ts';
import { ADMIN_TOKEN, brokenProxy, PRIMARY_KEY as KEY, SECOND_KEY } from './broken-server.test-helper.ts';
import { PLANTED } from './planted/index.ts';
import { CHECKS } from './registry.ts';
import { runConformance } from './runner.ts';
import type { ConformanceOptions } from './types.ts';

let server: TestServer;

beforeAll(async () => {
  // The rate limit is off (0) except in the rate-limit tests, with a 2 s window so that a 429 ends quickly.
  server = await startTestServer({ tenants: { acme: KEY, globex: SECOND_KEY }, rateLimitWindowSeconds: 2, adminToken: ADMIN_TOKEN });
});
afterAll(() => server.close());

const options = (baseUrl: string, extra: Partial<ConformanceOptions> = {}): ConformanceOptions => ({ baseUrl, apiKey: KEY, maxExamples: 3, workers: 4, ...extra });
const failingChecks = (result: Awaited<ReturnType<typeof runConformance>>) => [...new Set(result.failures.map((f) => f.checkId))].sort();

describe('against the reference server', () => {
  it.each([1, 7])('passes every check with no false positive (seed %i)', async (seed) => {
    const result = await runConformance(options(`${server.base}/api/v1`, { seed, maxExamples: 4, oauthClientId: 'acme-client', oauthClientSecret: 'acme-secret', secondApiKey: SECOND_KEY, adminToken: ADMIN_TOKEN }));
    expect(result.failures.map((f) => `${f.checkId} ${f.operationId}: ${f.message} (${f.got})`)).toEqual([]);
    expect(result.toolErrors).toEqual([]);
    expect(result.exitCode).toBe(0);
    // Every check judged something: none passed by having nothing to look at.
    const judged = new Set(result.results.filter((r) => r.outcome === 'passed').map((r) => r.checkId));
    // (Rate limits are judged against a rate-limited server below.)
    expect(CHECKS.filter((c) => !c.requires?.includes('rate-limit-check')).map((c) => c.id).filter((id) => !judged.has(id))).toEqual([]);
    expect(result.coverage.exercised).toBeGreaterThan(100);
  }, 120_000);

  it('passes the rate-limit check when the server limits requests', async () => {
    server.settings.rateLimit = 40;
    try {
      const result = await runConformance(options(`${server.base}/api/v1`, { only: ['rate_limits'], include: ['listCustomers'], rateLimitCheck: true }));
      expect(result.failures.map((f) => `${f.checkId}: ${f.message} (${f.got})`)).toEqual([]);
      expect(result.results.find((r) => r.checkId === 'rate_limits')?.outcome).toBe('passed');
    } finally {
      server.settings.rateLimit = 0;
    }
  }, 60_000);

  it('sends the same requests for the same seed, and never prints the key', async () => {
    const urls = async () => {
      const result = await runConformance(options(server.base, { seed: 5, workers: 1, include: ['createCustomer', 'listInvoices'] }));
      return { result, text: JSON.stringify(result) };
    };
    const a = await urls();
    const b = await urls();
    expect(a.result.summary.requests).toBe(b.result.summary.requests);
    expect(a.text).not.toContain(KEY);
  }, 60_000);

  it('creates nothing in read-only mode and removes what it created otherwise', async () => {
    const before = (await server.get('/api/v1/customers', { query: { limit: 1 } })).body.pagination.total;
    const readOnly = await runConformance(options(server.base, { readOnly: true, include: ['Customers', 'Invoices'] }));
    expect(readOnly.failures).toEqual([]);
    expect(readOnly.skipped.map((s) => s.checkId)).toEqual(expect.arrayContaining(['created_resource_readable', 'deleted_resource_gone', 'method_not_allowed', 'refused_write_leaves_nothing']));
    expect((await server.get('/api/v1/customers', { query: { limit: 1 } })).body.pagination.total).toBe(before);
    const writes = await runConformance(options(server.base, { include: ['createCustomer'] }));
    expect(writes.cleanup.removed).toBeGreaterThan(0);
    expect((await server.get('/api/v1/customers', { query: { limit: 1 } })).body.pagination.total).toBe(before);
  }, 60_000);
});

describe('every check fails on a server broken in the way it names, and only the checks concerned do', () => {
  it('has a variant for every check', () => {
    expect(new Set(PLANTED.flatMap((v) => v.checks))).toEqual(new Set(CHECKS.map((c) => c.id)));
  });

  it.each(PLANTED)('$name → $checks', async ({ checks, include, only, extra, breakage, rateLimit }) => {
    const proxy = await brokenProxy(server.base, breakage);
    // A fresh rate-limit window (2 s): an earlier test's burst must not carry over.
    if (rateLimit) await new Promise((resolve) => setTimeout(resolve, 2_100));
    server.settings.rateLimit = rateLimit ?? 0;
    try {
      const result = await runConformance(options(proxy.url, { include, ...(only ? { only } : {}), ...extra }));
      expect(failingChecks(result), JSON.stringify(result.failures.map((f) => [f.checkId, f.message, f.got, f.curl]), null, 1)).toEqual([...checks].sort());
      expect(result.exitCode).toBe(1);
      for (const failure of result.failures) {
        expect(failure.curl).toMatch(/^curl /);
        expect(failure.curl).not.toContain(KEY);
        expect(failure.message.length).toBeGreaterThan(10);
      }
    } finally {
      server.settings.rateLimit = 0;
      await proxy.close();
    }
  }, 60_000);
});
