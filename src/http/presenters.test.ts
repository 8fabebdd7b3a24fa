import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/harness.ts';

// The pipeline's per-operation error presentation point: an operation may answer its errors in
// its own form; every other operation, and every error its presenter declines, stays problem+json.
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({
    deps: {
      presenters: {
        getInvoice: (error, req) => (error.code === 'not_found' ? { status: error.status, body: `<p>No invoice at ${req.path}</p>`, contentType: 'text/html; charset=utf-8' } : undefined),
      },
    },
  });
});
afterAll(() => s.close());

describe('error presenters', () => {
  it("answer their operation's errors in their own form", async () => {
    const res = await request(`${s.base}/api/v1/invoices/inv_missing`, { headers: { authorization: 'Bearer ik_test_acme' } });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(await res.body.text()).toBe('<p>No invoice at /api/v1/invoices/inv_missing</p>');
  });

  it('leave the errors they decline, and other operations, as problem+json', async () => {
    expect((await s.get('/api/v1/invoices/inv_missing', { key: null })).body.code).toBe('unauthenticated');
    expect((await s.get('/api/v1/customers/cus_missing')).body.code).toBe('not_found');
  });
});
