// Every documented generic error status of every operation, driven by the contract itself:
// 400 (unknown query parameter), 401, 403, 404 (unknown id), 413, 415 and 429. The
// operation-specific 409 and 422 answers are covered beside each capability.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listOperations } from '../contract/load.ts';
import { startTestServer, type TestServer } from '../testing/harness.ts';

let s: TestServer;
const operations = listOperations().filter((o) => o.path.startsWith('/api/v1/'));
const concrete = (path: string) =>
  path.replace('{invoice_id}', 'inv_unknown000').replace('{customer_id}', 'cus_unknown000').replace('{payment_id}', 'pay_unknown000');
const documented = (op: (typeof operations)[number], status: number) => String(status) in op.operation.responses;
const scopesOf = (op: (typeof operations)[number]) => (op.operation.security as Array<Record<string, string[]>>)[0]!.apiKey!;
const bodyFor = (op: (typeof operations)[number]) => (op.operation.requestBody ? {} : undefined);

beforeAll(async () => {
  s = await startTestServer();
  s.credentials.addClient({ client_id: 'narrow', client_secret: 'narrow-secret', tenant: 'acme', scopes: ['customers:read', 'payments:read', 'invoices:read'] });
});
afterAll(() => s.close());

describe.each(operations.map((o) => [`${o.method.toUpperCase()} ${o.path}`, o] as const))('%s', (_name, op) => {
  const path = concrete(op.path);
  const method = op.method.toUpperCase();

  it('401 without credentials', async () => {
    const res = await s.call(method, path, { key: null, body: bodyFor(op) });
    expect([res.status, res.body.code]).toEqual([401, 'unauthenticated']);
  });

  it('403 with a token that lacks the scope', async () => {
    // A token holding every read scope except those the operation needs.
    const needed = scopesOf(op);
    const granted = ['customers:read', 'payments:read', 'invoices:read'].filter((s) => !needed.some((n) => n.split(':')[0] === s.split(':')[0] && (n === s || n.endsWith(':write'))));
    const token = await s.call('POST', '/oauth/token', { key: null, body: { grant_type: 'client_credentials', client_id: 'narrow', client_secret: 'narrow-secret', scope: granted.join(' ') } });
    const res = await s.call(method, path, { key: token.body.access_token, body: bodyFor(op) });
    expect([res.status, res.body.code]).toEqual([403, 'insufficient_scope']);
  });

  if (documented(op, 400)) it('400 for an unknown query parameter', async () => {
    const res = await s.call(method, `${path}?no_such_parameter=1`, { body: bodyFor(op) });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: any) => e.pointer)).toContain('/query/no_such_parameter');
  });

  if (documented(op, 404) && /\{(invoice|customer|payment)_id\}/.test(op.path)) it('404 for an unknown id', async () => {
    const valid: Record<string, unknown> = {
      updateCustomer: { name: 'x' },
      updateInvoice: { notes: 'x' },
      replaceInvoice: { customer_id: 'cus_x', line_items: [{ description: 'x', quantity: 1, unit_price: 1 }] },
      recordPayment: { amount: 1 },
    };
    const res = await s.call(method, path, { body: valid[op.operationId] ?? bodyFor(op) });
    expect([res.status, res.body.code]).toEqual([404, 'not_found']);
  });

  if (documented(op, 413)) it('413 for a body over 1 MiB', async () => {
    const res = await s.call(method, path, { rawBody: JSON.stringify({ notes: 'x'.repeat(1100 * 1024) }), headers: { 'content-type': 'application/json' } });
    expect([res.status, res.body.code]).toEqual([413, 'payload_too_large']);
  });

  if (documented(op, 415)) it('415 for a body that is not JSON', async () => {
    const res = await s.call(method, path, { rawBody: '<xml/>', headers: { 'content-type': 'application/xml' } });
    expect([res.status, res.body.code]).toEqual([415, 'unsupported_media_type']);
  });

  it('429 once the credential has spent its rate limit', async () => {
    const key = `ik_limit_${op.operationId}`;
    s.credentials.addApiKey('acme', key);
    s.settings.rateLimit = 1;
    try {
      await s.call(method, path, { key, body: bodyFor(op) });
      const res = await s.call(method, path, { key, body: bodyFor(op) });
      expect([res.status, res.body.code]).toEqual([429, 'rate_limited']);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      s.settings.rateLimit = 0;
    }
  });
});
