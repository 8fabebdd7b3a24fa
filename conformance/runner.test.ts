import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../src/testing/harness.ts';
import { brokenProxy, json, withJson, type Answer, type Breakage } from './broken-server.test-helper.ts';
import { CHECKS } from './registry.ts';
import { runConformance } from './runner.ts';
import type { ConformanceOptions } from './types.ts';

const KEY = 'ik_test_acme_conformance';
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ tenants: { acme: KEY, globex: 'ik_test_globex_conformance' } });
});
afterAll(() => server.close());

const options = (baseUrl: string, extra: Partial<ConformanceOptions> = {}): ConformanceOptions => ({ baseUrl, apiKey: KEY, maxExamples: 3, workers: 4, ...extra });
const failingChecks = (result: Awaited<ReturnType<typeof runConformance>>) => [...new Set(result.failures.map((f) => f.checkId))].sort();

describe('against the reference server', () => {
  it.each([1, 7])('passes every check with no false positive (seed %i)', async (seed) => {
    const result = await runConformance(options(`${server.base}/api/v1`, { seed, maxExamples: 4, oauthClientId: 'acme-client', oauthClientSecret: 'acme-secret' }));
    expect(result.failures.map((f) => `${f.checkId} ${f.operationId}: ${f.message} (${f.got})`)).toEqual([]);
    expect(result.toolErrors).toEqual([]);
    expect(result.exitCode).toBe(0);
    // Every check judged something: none passed by having nothing to look at.
    const judged = new Set(result.results.filter((r) => r.outcome === 'passed').map((r) => r.checkId));
    expect(CHECKS.map((c) => c.id).filter((id) => !judged.has(id))).toEqual([]);
    expect(result.coverage.exercised).toBeGreaterThan(100);
  }, 120_000);

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

const problem = (status: number, code: string) => ({ type: `https://invoicekit.dev/problems/${code}`, title: code, status, code, detail: 'broken on purpose', request_id: 'req_broken' });
const isPath = (path: string, re: RegExp) => re.test(path);

/** Each variant breaks one rule; only the checks named must fail. */
const VARIANTS: Array<{ name: string; checks: string[]; include: string[]; breakage: Breakage }> = [
  {
    name: 'a 500 on the next-number preview',
    checks: ['server_error'],
    include: ['previewNextInvoiceNumber'],
    breakage: { response: (req, a) => (req.path.endsWith('/next-number') && req.method === 'GET' ? { ...withJson(a, problem(500, 'internal_error'), 500), headers: { ...a.headers, 'content-type': 'application/problem+json' } } : a) },
  },
  {
    name: 'an undocumented 203 on reading a customer',
    checks: ['status_documented'],
    include: ['getCustomer'],
    breakage: { response: (req, a) => (req.method === 'GET' && isPath(req.path, /^\/api\/v1\/customers\/[^/]+$/) && a.status === 200 ? { ...a, status: 203 } : a) },
  },
  {
    name: 'the next-number preview served as text/plain',
    checks: ['content_type_documented'],
    include: ['previewNextInvoiceNumber'],
    breakage: { response: (req, a) => (req.method === 'GET' && req.path.endsWith('/next-number') && a.status === 200 ? { ...a, headers: { ...a.headers, 'content-type': 'text/plain' } } : a) },
  },
  {
    name: 'no Location on a created customer',
    checks: ['response_headers'],
    include: ['createCustomer'],
    breakage: { response: (_req, a) => (a.status === 201 ? { ...a, headers: Object.fromEntries(Object.entries(a.headers).filter(([k]) => k !== 'location')) } : a) },
  },
  {
    name: 'a PDF link whose expiry is a number',
    checks: ['response_schema'],
    include: ['getInvoicePdfLink'],
    breakage: { response: (req, a) => (req.path.endsWith('/pdf-link') && a.status === 200 ? withJson(a, { ...json(a), expires_at: 12 }) : a) },
  },
  {
    name: 'a problem code the contract does not list',
    checks: ['problem_details'],
    include: ['voidInvoice'],
    breakage: { response: (_req, a) => (a.status === 409 ? withJson(a, { ...json(a), code: 'mystery_conflict' }) : a) },
  },
  {
    name: 'an out-of-range limit quietly clamped',
    checks: ['invalid_input_rejected'],
    include: ['listCustomers'],
    breakage: {
      request: (req) => {
        const limit = req.query.get('limit');
        if (limit !== null && !/^(100|[1-9]\d?)$/.test(limit)) req.query.set('limit', '20');
        return req;
      },
    },
  },
  {
    name: 'a refused invoice create that stores a draft anyway',
    checks: ['refused_write_leaves_nothing'],
    include: ['createInvoice'],
    breakage: {
      response: async (req, a, forward) => {
        if (req.method !== 'POST' || req.path !== '/api/v1/invoices' || a.status !== 400) return a;
        const customer = (() => {
          try {
            return JSON.parse(req.body).customer_id;
          } catch {
            return undefined;
          }
        })();
        if (typeof customer === 'string') await forward({ ...req, body: JSON.stringify({ customer_id: customer, line_items: [{ description: 'leftover', quantity: 1, unit_price: 100 }] }) });
        return a;
      },
    },
  },
  {
    name: 'customers with a phone refused as invalid',
    checks: ['valid_input_accepted'],
    include: ['createCustomer'],
    breakage: {
      response: (req, a) => {
        if (req.method !== 'POST' || req.path !== '/api/v1/customers' || a.status !== 201 || !('phone' in JSON.parse(req.body))) return a;
        return { ...withJson(a, { ...problem(400, 'validation_failed'), errors: [{ pointer: '/body/phone', message: 'not allowed', keyword: 'broken' }] }, 400), headers: { 'content-type': 'application/problem+json', 'x-request-id': 'req_broken' } };
      },
    },
  },
  {
    name: 'customer lists served without a credential',
    checks: ['auth_required'],
    include: ['listCustomers'],
    breakage: { request: (req) => (req.path === '/api/v1/customers' && req.method === 'GET' ? { ...req, headers: { ...req.headers, authorization: `Bearer ${KEY}` } } : req) },
  },
  {
    name: 'a 404 instead of 405 for DELETE on the customer collection',
    checks: ['method_not_allowed'],
    include: ['listCustomers'],
    breakage: { response: (req, a) => (req.method === 'DELETE' && req.path === '/api/v1/customers' ? { ...withJson(a, problem(404, 'route_not_found'), 404), headers: { ...a.headers, 'content-type': 'application/problem+json' } } : a) },
  },
  {
    name: 'unknown routes answered 400',
    checks: ['unknown_route'],
    include: ['getCustomer'],
    breakage: { response: (_req, a) => (a.status === 404 && a.body.includes('route_not_found') ? withJson(a, problem(400, 'validation_failed'), 400) : a) },
  },
  {
    name: 'a customer read back with another name than it was created with',
    checks: ['created_resource_readable'],
    include: ['createCustomer'],
    breakage: { response: (req, a) => (req.method === 'GET' && isPath(req.path, /^\/api\/v1\/customers\/[^/]+$/) && a.status === 200 ? withJson(a, { ...json(a), name: `${json(a).name} (stale)` }) : a) },
  },
  {
    name: 'a payment delete acknowledged but not done',
    checks: ['deleted_resource_gone'],
    include: ['deletePayment'],
    breakage: { request: (req) => (req.method === 'DELETE' && /\/payments\/pay_[A-Za-z0-9]+$/.test(req.path) ? { ...req, method: 'GET', path: req.path.replace(/\/payments\/[^/]+$/, ''), headers: { ...req.headers, 'x-broken-delete': '1' } } : req), response: (req, a) => (req.method === 'GET' && a.status === 200 && /^\/api\/v1\/invoices\/[^/]+$/.test(req.path) && req.headers['x-broken-delete'] ? { status: 204, headers: { 'x-request-id': 'req_broken' }, body: '' } : a) },
  },
];

describe('every check fails on a server broken in the way it names, and only the checks concerned do', () => {
  it('has a variant for every check', () => {
    expect(new Set(VARIANTS.flatMap((v) => v.checks))).toEqual(new Set(CHECKS.map((c) => c.id)));
  });

  it.each(VARIANTS)('$name → $checks', async ({ checks, include, breakage }) => {
    const proxy = await brokenProxy(server.base, breakage);
    try {
      const result = await runConformance(options(proxy.url, { include }));
      expect(failingChecks(result), JSON.stringify(result.failures.map((f) => [f.checkId, f.message, f.got, f.curl]), null, 1)).toEqual([...checks].sort());
      expect(result.exitCode).toBe(1);
      for (const failure of result.failures) {
        expect(failure.curl).toMatch(/^curl /);
        expect(failure.curl).not.toContain(KEY);
        expect(failure.message.length).toBeGreaterThan(10);
      }
    } finally {
      await proxy.close();
    }
  }, 60_000);
});
