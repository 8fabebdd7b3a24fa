// Hostile-input defects of issue 10 that go through the mock controls.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../config.ts';
import { controlContractPath, loadContract } from '../contract/load.ts';
import { ResponseValidator } from '../contract/responses.ts';
import { buildServer } from '../server.ts';

const ADMIN = 'adm_test_token';
const KEY = 'ik_test_hard';
let built: ReturnType<typeof buildServer>;
let server: Server;
let base: string;
const apiCheck = new ResponseValidator();
const controlCheck = new ResponseValidator(loadContract(controlContractPath));

async function call(method: string, path: string, opts: { body?: unknown; raw?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { authorization: `Bearer ${path.startsWith('/control') ? ADMIN : KEY}`, ...opts.headers };
  if (opts.body !== undefined || opts.raw !== undefined) headers['content-type'] ??= 'application/json';
  const res = await request(base + path, { method: method as any, headers, body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)) });
  const text = await res.body.text();
  const type = String(res.headers['content-type'] ?? '');
  const body = /json/.test(type) && text ? JSON.parse(text) : text;
  if (path.startsWith('/control') || path.startsWith('/api/')) {
    const check = path.startsWith('/control') ? controlCheck : apiCheck;
    expect(check.check({ method, path: path.split('?')[0]!, status: res.statusCode, contentType: type, body }), `${method} ${path} → ${res.statusCode}`).toEqual([]);
  }
  return { status: res.statusCode, body, text, headers: res.headers };
}

beforeAll(async () => {
  built = buildServer(readConfig({}, { fixtures: 'none', adminToken: ADMIN, apiKeys: `acme:${KEY}`, rateLimit: '0', clock: '2026-03-01T12:00:00Z' }));
  server = built.app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('snapshot restore', () => {
  it('lists and CSV show the restored data, not a stale cache', async () => {
    const customer = (await call('POST', '/api/v1/customers', { body: { name: 'Cache Ltd' } })).body.id;
    const titles = async () => (await call('GET', '/api/v1/invoices?limit=100')).body.data.map((i: any) => i.title);
    await titles();
    const id = (await call('POST', '/api/v1/invoices', { body: { customer_id: customer, title: 'first', due_date: '2026-04-01', line_items: [{ description: 'x', quantity: 1, unit_price: 1 }] } })).body.id;
    expect(await titles()).toContain('first'); // cached now, at the tenant's version of this moment
    await call('PATCH', `/api/v1/invoices/${id}`, { body: { title: 'second', due_date: '2026-05-02' } });
    expect((await call('POST', '/control/snapshots', { body: { name: 'cache' } })).status).toBe(201);
    await call('PATCH', `/api/v1/invoices/${id}`, { body: { title: 'third', due_date: '2026-06-03' } });
    expect((await call('POST', '/control/snapshots/cache/restore')).status).toBe(200);
    expect((await call('GET', `/api/v1/invoices/${id}`)).body.title).toBe('second');
    expect(await titles()).toContain('second');
    expect(await titles()).not.toContain('first');
    const csv = await call('GET', '/api/v1/invoices/export');
    expect(csv.text).toContain('2026-05-02');
    expect(csv.text).not.toMatch(/2026-04-01|2026-06-03/);
  });
});

describe('clock controls', () => {
  it('refuse a move the server cannot represent, change nothing, and every route keeps working', async () => {
    const before = (await call('GET', '/control/clock')).body;
    for (const duration of ['P99999999999999999999W', 'P3000000W', 'PT99999999999999999999999999S']) {
      const res = await call('POST', '/control/clock/advance', { body: { duration } });
      expect([duration, res.status, res.body.errors?.[0]?.pointer]).toEqual([duration, 400, '/body/duration']);
    }
    for (const at of ['9999-12-31T23:59:59Z', '1969-12-31T23:59:59Z', '0000-01-01T00:00:00Z']) {
      const res = await call('POST', '/control/clock/freeze', { body: { at } });
      expect([at, res.status, res.body.errors?.[0]?.pointer]).toEqual([at, 400, '/body/at']);
    }
    expect((await call('GET', '/control/clock')).body.now).toBe(before.now);
    expect((await call('GET', '/healthz')).status).toBe(200);
    expect((await call('GET', '/api/v1/invoices')).status).toBe(200);
  });

  it('at the latest instant it can show, the invoice endpoints still answer', async () => {
    expect((await call('POST', '/control/clock/freeze', { body: { at: '9999-12-31T00:00:00Z' } })).status).toBe(200);
    try {
      const customer = (await call('POST', '/api/v1/customers', { body: { name: 'Far Future' } })).body.id;
      const inv = await call('POST', '/api/v1/invoices', { body: { customer_id: customer, line_items: [{ description: 'x', quantity: 1, unit_price: 1 }] } });
      expect(inv.status).toBe(201);
      expect((await call('GET', `/api/v1/invoices/${inv.body.id}/pdf-link`)).status).toBe(200);
      expect((await call('GET', '/api/v1/invoices/next-number')).status).toBe(200);
      expect((await call('GET', '/healthz')).status).toBe(200);
    } finally {
      await call('POST', '/control/clock/freeze', { body: { at: '2026-03-01T12:00:00Z' } });
    }
  });
});

describe('control API strictness', () => {
  it('validates parameters and bodies as strictly as the public API', async () => {
    const cases: Array<[string, string, unknown, string]> = [
      ['GET', '/control/requests?limit=Infinity', undefined, '/query/limit'],
      ['GET', '/control/requests?status=0x1F4', undefined, '/query/status'],
      ['GET', '/control/requests?__proto__=1', undefined, '/query/__proto__'],
      ['GET', '/control/clock?x=1', undefined, '/query/x'],
      ['PUT', '/control/disturbance', '{"latency":{"operations":{"__proto__":{"fixed_ms":1}}}}', '/body/latency'],
      ['PUT', '/control/disturbance', { faults: { rate: 0.1, operations: Array(1000).fill('createInvoice') } }, '/body/faults'],
      ['POST', '/control/snapshots', { name: 'a\u0000b' }, '/body/name'],
    ];
    for (const [method, path, body, pointer] of cases) {
      const res = await call(method, path, body === undefined ? {} : { raw: typeof body === 'string' ? body : JSON.stringify(body) });
      expect([method, path, res.status, res.body.errors?.some((e: any) => e.pointer.startsWith(pointer))]).toEqual([method, path, 400, true]);
    }
    expect((await call('GET', '/control/disturbance')).body.latency).toBeNull();
  });

  it('answers are never cached', async () => {
    expect((await call('GET', '/control/clock')).headers['cache-control']).toBe('no-store');
  });
});
