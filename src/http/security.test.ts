// Security headers on every kind of answer, and the last-resort error handler.
import { request } from 'undici';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { ControllableClock } from '../deps.ts';
import { MemoryStore } from '../store/memory.ts';
import { startTestServer, type TestServer } from '../testing/harness.ts';
import { docsContentSecurityPolicy } from './security.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

const raw = async (base: string, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) => {
  const res = await request(base + path, { method: (init.method ?? 'GET') as any, headers: init.headers, body: init.body });
  return { status: res.statusCode, headers: res.headers as Record<string, string>, text: await res.body.text() };
};

describe('security headers', () => {
  it('every answer: nosniff, no referrer, no framing, a CSP that allows nothing', async () => {
    for (const path of ['/api/v1/invoices', '/healthz', '/openapi.json', '/nope', '/public/pay/unknown']) {
      const res = await raw(s.base, path, { headers: { authorization: 'Bearer ik_test_acme' } });
      expect(res.headers['x-content-type-options'], path).toBe('nosniff');
      expect(res.headers['referrer-policy'], path).toBe('no-referrer');
      expect(res.headers['x-frame-options'], path).toBe('DENY');
      expect(res.headers['content-security-policy'], path).toMatch(/default-src 'none'.*frame-ancestors 'none'/);
      expect(res.headers['x-powered-by'], path).toBeUndefined();
    }
  });

  it('authenticated answers, refusals included, are Cache-Control: no-store', async () => {
    for (const key of ['ik_test_acme', 'wrong']) {
      const res = await raw(s.base, '/api/v1/invoices', { headers: { authorization: `Bearer ${key}` } });
      expect([res.status, res.headers['cache-control']]).toEqual([key === 'wrong' ? 401 : 200, 'no-store']);
    }
  });

  it('the payment page may not be framed and runs no script', async () => {
    const customer = (await s.post('/api/v1/customers', { name: 'Frame Ltd' })).body.id;
    const invoice = (await s.post('/api/v1/invoices', { customer_id: customer, line_items: [{ description: 'x', quantity: 1, unit_price: 100 }] })).body.id;
    await s.post(`/api/v1/invoices/${invoice}/mark-sent`);
    const link = (await s.get(`/api/v1/invoices/${invoice}/payment-link`)).body.url as string;
    const page = await raw(s.base, new URL(link).pathname);
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(page.headers['content-security-policy']).not.toMatch(/script-src/);
    expect(page.headers['x-frame-options']).toBe('DENY');
  });

  it('/docs answers the page under its own CSP, or a problem+json 404 when it is not built', async () => {
    const res = await raw(s.base, '/docs');
    if (res.status === 200) {
      expect(res.headers['content-security-policy']).toMatch(/script-src 'sha256-[^;]*; style-src 'unsafe-inline'/);
    } else {
      expect([res.status, res.headers['content-type'], JSON.parse(res.text).code]).toEqual([404, 'application/problem+json; charset=utf-8', 'route_not_found']);
    }
  });

  it('the docs CSP allows exactly the page’s own inline scripts, by hash', () => {
    const csp = docsContentSecurityPolicy('<html><script>alert(1)</script><script type="module">x()</script></html>');
    expect(csp).toContain(`script-src 'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI=' 'sha256-`);
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
  });
});

describe('last-resort error handler', () => {
  it('an unforeseen failure is a problem+json 500 without a stack or an internal path, and the server goes on', async () => {
    const clock = new ControllableClock();
    clock.freeze(new Date('2026-03-15T10:00:00Z'));
    const store = new MemoryStore();
    let broken = true;
    const failing = { now: () => (broken ? new Date(Number.NaN) : clock.now()) };
    const { app } = createApp({ clock: failing, store, settings: { rateLimit: 0 } });
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const res = await raw(base, '/healthz');
      expect(res.status).toBe(500);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(res.text)).toMatchObject({ status: 500, code: 'internal_error' });
      expect(res.text).not.toMatch(/RangeError|Invalid time|at |\/work\/|node_modules|\.ts/);
      broken = false;
      expect((await raw(base, '/healthz')).status).toBe(200);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
