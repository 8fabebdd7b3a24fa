// The project's own hostile suite (issue 10): seeded requests generated with fast-check from both
// contracts, over every operation, against in-process servers (createApp through the harness, and
// buildServer for the mock controls). For every answer: no 5xx; every error is in the format its
// operation documents (problem+json with a documented code and its status; RFC 6749 OAuth errors
// for the token endpoint) and a status the operation declares; a refused request changes
// nothing (store snapshot, outbox, clock); no answer to tenant acme carries tenant globex's data.
// Then: every documented limit at, and one past, its bound; the server is alive at the end.
import fc from 'fast-check';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../src/config.ts';
import { componentValidator, createContractAjv } from '../src/contract/ajv.ts';
import { errorFormatOf } from '../src/contract/error-format.ts';
import { controlContractPath, listOperations, loadContract } from '../src/contract/load.ts';
import { ResponseValidator } from '../src/contract/responses.ts';
import { PROBLEMS } from '../src/http/problem.ts';
import { hardenHttpServer } from '../src/http/node-server.ts';
import { buildServer } from '../src/server.ts';
import { startTestServer, type TestServer } from '../src/testing/harness.ts';
import { type Hostile, seenPath, type Pools, requestArb, mustRefuse } from './hostile-requests.test-helper.ts';

const SEED = Number(process.env.HOSTILE_SEED ?? 20261121);
const API_RUNS = 240; // per operation of the API (37 operations)
const CONTROL_RUNS = 110; // per operation of the mock controls (18 operations)

const api = loadContract();
const control = loadContract(controlContractPath);
const apiCheck = new ResponseValidator(api);
const controlCheck = new ResponseValidator(control);
const problemSchema = componentValidator(createContractAjv(), 'Problem');
const oauthErrorSchema = componentValidator(createContractAjv(), 'OAuthError');
/** Answered by the HTTP layer before any operation is known: problem+json on every path. */
const HTTP_LAYER_CODES = new Set(['malformed_request', 'headers_too_large', 'request_timeout']);
let sent = 0;

type Answer = { status: number; headers: Record<string, string>; text: string; body: any };

async function send(base: string, r: Hostile): Promise<Answer> {
  sent++;
  const res = await request(base + r.path + r.query, { method: r.method as any, headers: r.headers, body: r.body });
  const text = await res.body.text();
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
  const type = headers['content-type'] ?? '';
  let body: any = text;
  if (/json/.test(type) && text) body = JSON.parse(text); // a JSON answer that does not parse fails the suite here
  return { status: res.statusCode, headers, text, body };
}

/** The checks every answer must pass, whatever was sent. */
function checkAnswer(check: ResponseValidator, r: Hostile, a: Answer) {
  const where = `${r.method} ${r.path}${r.query} → ${a.status}: ${a.text.slice(0, 300)}`;
  expect(a.status, where).toBeLessThan(500);
  expect(a.text, where).not.toMatch(/\n\s+at |node_modules|\/work\/|\.ts:\d+/);
  const entry = check.operationOf(r.method, seenPath(r.path));
  const oauth = entry !== undefined && errorFormatOf(check === apiCheck ? api : control, entry) === 'oauth' && !HTTP_LAYER_CODES.has(a.body?.code);
  if (a.status >= 400) expect(a.headers['content-type'], where).toMatch(oauth ? /^application\/json/ : /^application\/problem\+json/);
  if (r.method === 'HEAD') return; // no body to check
  if (a.status >= 400 && oauth) {
    expect(oauthErrorSchema(a.body), where).toBe(true);
    expect([a.headers['cache-control'], a.headers.pragma], where).toEqual(['no-store', 'no-cache']);
  } else if (a.status >= 400) {
    expect(problemSchema(a.body), where).toBe(true);
    const code = a.body.code as keyof typeof PROBLEMS;
    expect(PROBLEMS[code]?.[0], where).toBe(a.status);
    expect(a.body.status, where).toBe(a.status);
  }
  expect(check.check({ method: r.method, path: seenPath(r.path), status: a.status, contentType: a.headers['content-type'], body: a.body }), where).toEqual([]);
}

// ---------- the API ----------

let s: TestServer;
const pools: Pools = { ids: {}, tokens: {}, cursors: [], keys: [] };
const globexSecrets: string[] = [];
const GLOBEX_MARK = 'GlobexOnlyMarker';

const fingerprint = () => JSON.stringify([s.store.snapshot(), s.outbox.list().length, s.clock.now().getTime()]);

beforeAll(async () => {
  s = await startTestServer();
  const seed = async (key: string, mark: string) => {
    const customers: string[] = [];
    const invoices: string[] = [];
    const shares: string[] = [];
    const pays: string[] = [];
    const payments: string[] = [];
    for (let c = 0; c < 3; c++) {
      customers.push((await s.post('/api/v1/customers', { name: `${mark} customer ${c}`, email: `c${c}@${mark.toLowerCase()}.example` }, { key })).body.id);
    }
    for (let i = 0; i < 6; i++) {
      const inv = (await s.post('/api/v1/invoices', { customer_id: customers[i % 3], title: `${mark} invoice ${i}`, line_items: [{ description: `${mark} work`, quantity: 2, unit_price: 12_500 }] }, { key })).body;
      invoices.push(inv.id);
      if (i >= 1) await s.post(`/api/v1/invoices/${inv.id}/mark-sent`, undefined, { key });
      if (i === 2) payments.push((await s.post(`/api/v1/invoices/${inv.id}/payments`, { amount: 1000 }, { key })).body.id);
      if (i === 3) {
        const published = (await s.post(`/api/v1/invoices/${inv.id}/publish`, undefined, { key })).body;
        shares.push(new URL(published.share_link.url).pathname.split('/').pop()!);
        pays.push(new URL((await s.get(`/api/v1/invoices/${inv.id}/payment-link`, { key })).body.url).pathname.split('/').pop()!);
      }
      if (i === 4) await s.post(`/api/v1/invoices/${inv.id}/void`, undefined, { key });
      if (i === 5) await s.del(`/api/v1/invoices/${inv.id}`, { key });
    }
    const pdf = new URL((await s.get(`/api/v1/invoices/${invoices[1]}/pdf-link`, { key })).body.url).pathname.split('/').pop()!;
    const cursor = (await s.get('/api/v1/invoices?limit=1', { key })).body.pagination.end_cursor as string;
    return { customers, invoices, shares, pays, payments, pdf, cursor };
  };
  const acme = await seed('ik_test_acme', 'Acme');
  const globex = await seed('ik_test_globex', GLOBEX_MARK);
  globexSecrets.push(...globex.customers, ...globex.invoices, ...globex.payments, GLOBEX_MARK);
  pools.ids = {
    customer_id: [...acme.customers, ...globex.customers, 'cus_unknown0000'],
    invoice_id: [...acme.invoices, ...acme.invoices, ...globex.invoices, 'inv_unknown0000'],
    payment_id: [...acme.payments, ...globex.payments, 'pay_unknown0000'],
  };
  // Public pages: acme's real tokens and forged ones (globex's real tokens would show globex's page, rightly).
  pools.tokens = {
    share_token: [...acme.shares, acme.shares[0]!.slice(0, -1) + 'x', 'sh_forged'],
    payment_token: [...acme.pays, acme.pays[0]!.slice(0, -1) + 'x', 'pl_forged'],
    signed_token: [acme.pdf, acme.pdf.slice(0, -2) + 'xx', acme.pdf.split('.')[0]!, globex.pdf.replace(/\.[^.]*$/, '.forged')],
  };
  pools.cursors = [acme.cursor, globex.cursor, acme.cursor.slice(0, -1) + 'A', 'eyJjIjoieCJ9.forged', acme.cursor.split('.')[0]!];
}, 60_000);
afterAll(() => s?.close());

const apiCredentials: fc.Arbitrary<Record<string, string>> = fc.oneof(
  { weight: 8, arbitrary: fc.constant<Record<string, string>>({ authorization: 'Bearer ik_test_acme' }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<Record<string, string>>(
      {},
      { authorization: 'Bearer ' },
      { authorization: 'Bearer ik_test_acme ik_test_globex' },
      { authorization: 'Bearer ik_forged' },
      { authorization: 'Basic YWNtZS1jbGllbnQ6YWNtZS1zZWNyZXQ=' },
      { authorization: `Basic ${Buffer.from('%E0%A4%A:x').toString('base64')}` },
      { authorization: `Basic ${Buffer.from('acme-client:%').toString('base64')}` },
      { authorization: 'Bearer at_expired_or_forged' },
      { authorization: 'bearer ik_test_acme' },
    ),
  },
);

describe('hostile requests to every operation of the API', () => {
  const operations = listOperations(api);
  it('covers every operation', () => expect(operations.length).toBeGreaterThan(30));

  it.each(operations.map((op, i) => [`${op.method.toUpperCase()} ${op.path}`, op, i] as const))('%s', async (_name, op, i) => {
    await fc.assert(
      fc.asyncProperty(requestArb(api, op, pools, apiCredentials), async (r) => {
        const before = fingerprint();
        const a = await send(s.base, r);
        checkAnswer(apiCheck, r, a);
        for (const why of mustRefuse(op, r, apiCheck)) expect(a.status, `${r.method} ${r.path}${r.query} → ${a.status}: ${why}`).toBeGreaterThanOrEqual(400);
        if (a.status >= 400) expect(fingerprint(), `${r.method} ${r.path}${r.query} → ${a.status} changed the state`).toBe(before);
        if (r.headers.authorization === 'Bearer ik_test_acme') {
          // Globex's ids may come back only as the request's own words (`No invoice 'inv_…'`).
          const asked = decodeURIComponentSafe(r.path + r.query) + (r.body ?? '');
          for (const secret of globexSecrets) if (!asked.includes(secret)) expect(a.text.includes(secret), `${r.method} ${r.path} leaked ${secret}`).toBe(false);
        }
      }),
      { seed: SEED + i, numRuns: API_RUNS, endOnFailure: true },
    );
  });
});

// ---------- the mock controls ----------

const ADMIN = 'adm_hostile';
let controlServer: Server;
let controlBase: string;
let built: ReturnType<typeof buildServer>;

describe('hostile requests to every operation of the mock controls', () => {
  beforeAll(async () => {
    built = buildServer(readConfig({}, { fixtures: 'none', adminToken: ADMIN, apiKeys: 'acme:ik_ctl_acme', rateLimit: '0', clock: '2026-03-01T12:00:00Z' }));
    controlServer = hardenHttpServer(built.app.listen(0, '127.0.0.1'));
    await new Promise<void>((resolve) => controlServer.once('listening', resolve));
    controlBase = `http://127.0.0.1:${(controlServer.address() as AddressInfo).port}`;
    expect((await send(controlBase, { method: 'POST', path: '/control/snapshots', query: '', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: '{"name":"base"}' })).status).toBe(201);
  });
  afterAll(async () => {
    // Alive and still guarding its door after every hostile request.
    expect((await send(controlBase, { method: 'GET', path: '/control/clock', query: '', headers: { authorization: `Bearer ${ADMIN}` } })).status).toBe(200);
    expect((await send(controlBase, { method: 'GET', path: '/control/clock', query: '', headers: {} })).status).toBe(401);
    await new Promise<void>((resolve) => controlServer.close(() => resolve()));
  });

  const controlPools: Pools = { ids: { name: ['base', 'missing', '..', 'a'.repeat(65)] }, tokens: {}, cursors: [], keys: [] };
  const adminCredentials: fc.Arbitrary<Record<string, string>> = fc.oneof(
    { weight: 8, arbitrary: fc.constant<Record<string, string>>({ authorization: `Bearer ${ADMIN}` }) },
    { weight: 2, arbitrary: fc.constantFrom<Record<string, string>>({}, { authorization: 'Bearer ik_ctl_acme' }, { authorization: `Bearer ${ADMIN}x` }, { authorization: `bearer ${ADMIN}` }, { authorization: `Basic ${ADMIN}` }) },
  );
  const controlState = () => JSON.stringify([built.store.snapshot(), built.outbox.list().length, built.clock.frozen ? built.clock.now().getTime() : 'running', built.disturbance.settings(), built.state.listSnapshots()]);
  // A valid body here would load large data sets, slow every answer or inject 5xx on purpose: these only get broken bodies.
  const sideEffects = new Set(['loadDataset', 'setDisturbance']);

  it.each(listOperations(control).map((op, i) => [`${op.method.toUpperCase()} ${op.path}`, op, i] as const))('%s', async (_name, op, i) => {
    await fc.assert(
      fc.asyncProperty(requestArb(control, op, controlPools, adminCredentials), async (r) => {
        if (sideEffects.has(op.operationId) && r.headers.authorization === `Bearer ${ADMIN}`) {
          r = { ...r, query: r.query || '?hostile=1' }; // always refused: the contract takes no such parameter
        }
        const before = controlState();
        const a = await send(controlBase, r);
        for (const why of mustRefuse(op, r, controlCheck)) expect(a.status, `${r.method} ${r.path}${r.query} → ${a.status}: ${why}`).toBeGreaterThanOrEqual(400);
        checkAnswer(r.path.startsWith('/control') ? controlCheck : apiCheck, r, a);
        if (a.status >= 400) expect(controlState(), `${r.method} ${r.path}${r.query} → ${a.status} changed the state`).toBe(before);
      }),
      { seed: SEED + 1000 + i, numRuns: CONTROL_RUNS, endOnFailure: true },
    );
  });
});

// ---------- limits, at and one past their bound ----------

describe('every documented limit, at and one past its bound', () => {
  const key = { authorization: 'Bearer ik_test_acme' };
  const json = { ...key, 'content-type': 'application/json' };
  const post = (path: string, body: string, headers: Record<string, string> = json) => send(s.base, { method: 'POST', path, query: '', headers, body });
  let fresh = '';
  beforeAll(async () => {
    fresh = (await s.post('/api/v1/customers', { name: 'Limits Ltd' })).body.id; // the suite may have deactivated the others
  });
  const customer = () => fresh;
  const invoice = (lines: number) => JSON.stringify({ customer_id: customer(), line_items: Array(lines).fill({ description: 'x', quantity: 1, unit_price: 1 }) });

  it.each([
    ['line_items', () => post('/api/v1/invoices', invoice(500)), () => post('/api/v1/invoices', invoice(501)), 201, '/body/line_items'],
    ['batch ids', () => post('/api/v1/invoices/batch', JSON.stringify({ action: 'void', ids: Array.from({ length: 100 }, (_, i) => `inv_n${i}`) })), () => post('/api/v1/invoices/batch', JSON.stringify({ action: 'void', ids: Array.from({ length: 101 }, (_, i) => `inv_n${i}`) })), 200, '/body/ids'],
    ['form parameters', () => post('/oauth/token', ['grant_type=client_credentials', 'client_id=acme-client', 'client_secret=acme-secret', ...Array(97).fill('scope=invoices:read')].join('&'), { 'content-type': 'application/x-www-form-urlencoded' }), () => post('/oauth/token', ['grant_type=client_credentials', ...Array(100).fill('scope=invoices:read')].join('&'), { 'content-type': 'application/x-www-form-urlencoded' }), 400, '/body'],
    ['notes length', () => post('/api/v1/customers', JSON.stringify({ name: 'n', notes: 'é'.repeat(2000) })), () => post('/api/v1/customers', JSON.stringify({ name: 'n', notes: 'é'.repeat(2001) })), 201, '/body/notes'],
    ['nesting depth', () => post('/api/v1/customers', JSON.stringify({ name: 'n', metadata: nest(31) })), () => post('/api/v1/customers', JSON.stringify({ name: 'n', metadata: nest(32) })), 400, '/body'],
    ['limit parameter', () => send(s.base, { method: 'GET', path: '/api/v1/invoices', query: '?limit=100', headers: key }), () => send(s.base, { method: 'GET', path: '/api/v1/invoices', query: '?limit=101', headers: key }), 200, '/query/limit'],
  ] as const)('%s', async (_name, at, past, atStatus, pointer) => {
    const ok = await at();
    expect(ok.status).toBe(atStatus);
    if (ok.status === 400) expect(ok.body.errors.some((e: any) => e.keyword === 'maxDepth' || e.keyword === 'maxProperties')).toBe(false);
    const refused = await past();
    expect(refused.status).toBe(400);
    expect(refused.body.errors.map((e: any) => e.pointer)).toContain(pointer);
  });

  it('body size: 1 MiB is read, one byte more is 413', async () => {
    const fill = (size: number) => {
      const head = JSON.stringify({ name: 'n', notes: '' });
      return head.slice(0, -2) + 'x'.repeat(size - head.length) + '"}';
    };
    expect(Buffer.byteLength(fill(1024 * 1024))).toBe(1024 * 1024);
    expect((await post('/api/v1/customers', fill(1024 * 1024))).status).toBe(400); // read, then refused by notes' maxLength
    expect((await post('/api/v1/customers', fill(1024 * 1024 + 1))).status).toBe(413);
  });

  it('listed errors: 100 listed at most, with the full count', async () => {
    const res = await post('/api/v1/invoices', JSON.stringify({ customer_id: customer(), line_items: Array(500).fill({}) }));
    expect([res.body.errors.length, res.body.detail]).toEqual([100, '1500 problems in the request (the first 100 are listed).']);
    const few = await post('/api/v1/invoices', JSON.stringify({ customer_id: customer(), line_items: Array(33).fill({}) }));
    expect([few.body.errors.length, few.body.detail]).toEqual([99, '99 problems in the request.']);
  });

  it('headers: 15 KiB pass, 17 KiB are 431', async () => {
    expect((await send(s.base, { method: 'GET', path: '/healthz', query: '', headers: { 'x-pad': 'a'.repeat(15 * 1024) } })).status).toBe(200);
    const big = await send(s.base, { method: 'GET', path: '/healthz', query: '', headers: { 'x-pad': 'a'.repeat(17 * 1024) } }).catch(() => undefined);
    // undici may see the connection close before reading; when it reads the answer, it is the problem.
    if (big) expect([big.status, big.body.code]).toEqual([431, 'headers_too_large']);
  });
});

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function nest(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

describe('after all that', () => {
  it('sent more than 10,000 hostile requests, and the server is alive and consistent', async () => {
    expect(sent).toBeGreaterThanOrEqual(10_000);
    const health = await send(s.base, { method: 'GET', path: '/healthz', query: '', headers: {} });
    expect(health.status).toBe(200);
    const list = await send(s.base, { method: 'GET', path: '/api/v1/invoices', query: '?limit=100', headers: { authorization: 'Bearer ik_test_acme' } });
    expect(list.status).toBe(200);
    expect(list.body.data.every((i: any) => !globexSecrets.includes(i.id))).toBe(true);
  });
});
