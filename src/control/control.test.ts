import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../config.ts';
import { ResponseValidator } from '../contract/responses.ts';
import { controlContractPath, loadContract } from '../contract/load.ts';
import { keyFingerprint } from '../http/auth.ts';
import { buildServer } from '../server.ts';
import { assertAnswerShape, assertConforms, testClient } from '../testing/harness.ts';
import { addDuration, parseDuration } from './duration.ts';
import { Disturbance } from './disturbance.ts';

const ADMIN = 'adm_test_token';
const KEY = 'ik_test_ctl';
let built: ReturnType<typeof buildServer>;
let server: Server;
let base: string;
const controlCheck = new ResponseValidator(loadContract(controlContractPath));

let call: ReturnType<typeof testClient>['call'];

beforeAll(async () => {
  built = buildServer(readConfig({}, { fixtures: 'none', adminToken: ADMIN, apiKeys: `acme:${KEY}`, rateLimit: '0', clock: '2026-03-01T12:00:00Z' }));
  server = built.app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  ({ call } = testClient(base, {
    keyFor: (path) => (path.startsWith('/control') ? ADMIN : KEY),
    // An injected fault is off-contract on purpose (still problem+json with a request id); everything else must conform.
    check: (method, path, res) => (res.body?.code === 'injected_fault' ? assertAnswerShape(method, path, res) : assertConforms(method, path, res, path.startsWith('/control') ? controlCheck : undefined)),
  }));
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function sentInvoice(due: string) {
  const customer = (await call('POST', '/api/v1/customers', { body: { name: 'Clocked Ltd', email: 'ap@clocked.example' } })).body.id;
  const invoice = (await call('POST', '/api/v1/invoices', { body: { customer_id: customer, due_date: due, line_items: [{ description: 'x', quantity: 1, unit_price: 5000 }] } })).body;
  expect((await call('POST', `/api/v1/invoices/${invoice.id}/mark-sent`)).status).toBe(200);
  return invoice.id as string;
}

describe('admin token', () => {
  it('guards the control API, and neither credential works on the other API', async () => {
    expect((await call('GET', '/control/clock', { key: null })).status).toBe(401);
    expect((await call('GET', '/control/clock', { key: KEY })).status).toBe(401);
    expect((await call('GET', '/api/v1/invoices', { key: ADMIN })).status).toBe(401);
  });
});

describe('clock', () => {
  it('reads, freezes, advances (turning due invoices overdue) and returns to real time', async () => {
    expect((await call('GET', '/control/clock')).body).toMatchObject({ now: '2026-03-01T12:00:00.000Z', frozen: true });
    const id = await sentInvoice('2026-03-20');
    expect((await call('GET', `/api/v1/invoices/${id}`)).body.status).toBe('sent');
    const advanced = await call('POST', '/control/clock/advance', { body: { duration: 'P31D' } });
    expect(advanced.body.now).toBe('2026-04-01T12:00:00.000Z');
    expect((await call('GET', `/api/v1/invoices/${id}`)).body.status).toBe('overdue');
    expect((await call('GET', '/api/v1/invoices', { headers: {} })).body.data.find((i: any) => i.id === id).status).toBe('overdue');
    await call('POST', '/control/clock/freeze', { body: { at: '2026-03-01T12:00:00Z' } });
    expect((await call('GET', `/api/v1/invoices/${id}`)).body.status).toBe('sent');
    const real = await call('DELETE', '/control/clock');
    expect(real.body.frozen).toBe(false);
    expect(Math.abs(Date.parse(real.body.now) - Date.now())).toBeLessThan(5000);
    await call('POST', '/control/clock/freeze', { body: { at: '2026-03-01T12:00:00Z' } });
  });

  it('lets a frozen clock run on from where it stands, behind real time too', async () => {
    const behind = '2026-03-01T12:00:00.000Z';
    await call('POST', '/control/clock/freeze', { body: { at: behind } });
    const resumed = (await call('POST', '/control/clock/resume')).body;
    expect(resumed.frozen).toBe(false);
    expect(Math.abs(resumed.offset_ms - (Date.parse(behind) - Date.now()))).toBeLessThan(5000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const later = Date.parse((await call('GET', '/control/clock')).body.now);
    expect(later).toBeGreaterThan(Date.parse(behind));
    expect(later - Date.parse(behind)).toBeLessThan(5000);
    // A running clock is left as it is.
    expect((await call('POST', '/control/clock/resume')).body.frozen).toBe(false);
    await call('POST', '/control/clock/freeze', { body: { at: behind } });
  });

  it('refuses a malformed duration', async () => {
    const res = await call('POST', '/control/clock/advance', { body: { duration: '31 days' } });
    expect([res.status, res.body.errors[0].pointer]).toEqual([400, '/body/duration']);
  });

  it.each([
    ['P31D', 31 * 86_400_000],
    ['PT2H30M', 9_000_000],
    ['P1W', 604_800_000],
    ['P1DT1S', 86_401_000],
  ])('parses %s', (text, ms) => expect(addDuration(0, parseDuration(text))).toBe(ms));
});

describe('snapshots, reset and data sets', () => {
  it('restores exactly the state saved', async () => {
    await sentInvoice('2026-05-01');
    const before = { customers: (await call('GET', '/api/v1/customers?limit=100&include_inactive=true')).body, invoices: (await call('GET', '/api/v1/invoices?limit=100')).body, store: built.store.snapshot() };
    expect((await call('POST', '/control/snapshots', { body: { name: 'before' } })).status).toBe(201);
    await call('POST', '/api/v1/customers', { body: { name: 'Added later' } });
    const victim = before.invoices.data[0].id;
    await call('POST', `/api/v1/invoices/${victim}/void`);
    expect((await call('GET', '/control/snapshots')).body.data.map((s: any) => s.name)).toEqual(['before']);
    const restored = await call('POST', '/control/snapshots/before/restore');
    expect(restored.status).toBe(200);
    expect(built.store.snapshot()).toEqual(before.store);
    expect((await call('GET', '/api/v1/customers?limit=100&include_inactive=true')).body.data).toEqual(before.customers.data);
    expect((await call('GET', '/api/v1/invoices?limit=100')).body.data).toEqual(before.invoices.data);
    expect((await call('POST', '/control/snapshots/nope/restore')).status).toBe(404);
    expect((await call('DELETE', '/control/snapshots/before')).status).toBe(204);
  });

  it('loads a generated data set, and reset returns to the one the server started with', async () => {
    const loaded = await call('POST', '/control/dataset', { body: { preset: 'small', seed: 7 } });
    expect(loaded.body.source).toBe('generated (preset small, seed 7)');
    expect([loaded.body.reset_to, loaded.body.reference_time]).toEqual(['empty', '2026-06-30T12:00:00.000Z']);
    const acme = loaded.body.tenants.find((t: any) => t.id === 'acme');
    expect(acme.invoices).toBeGreaterThan(100);
    // Environment keys survive a load; only their fingerprints are shown.
    expect(acme.api_keys).toContain(keyFingerprint(KEY));
    expect(JSON.stringify(loaded.body)).not.toMatch(/ik_test_(ctl|acme_)/);
    await call('POST', '/api/v1/customers', { body: { name: 'Temporary' } });
    const reset = await call('POST', '/control/reset');
    // Started with --fixtures none: only the tenant of the environment key, empty, with its key.
    expect(reset.body).toEqual({ source: 'empty', reset_to: 'empty', reference_time: null, tenants: [{ id: 'acme', customers: 0, invoices: 0, api_keys: [keyFingerprint(KEY)] }] });
    expect((await call('GET', '/api/v1/customers?search=Temporary')).body.data).toEqual([]);
    // …and the clock where --clock put it.
    expect((await call('GET', '/control/clock')).body).toMatchObject({ now: '2026-03-01T12:00:00.000Z', frozen: true, reference_time: null });
    expect((await call('POST', '/control/dataset', { body: { name: 'no-such-set' } })).status).toBe(404);
    const named = await call('POST', '/control/dataset', { body: { name: 'default' } });
    expect(named.body.source).toMatch(/fixtures\/data\/default\.json$/);
  });
});

describe('outbox and journal', () => {
  it('shows the emails sent, with the PDF attached', async () => {
    await call('DELETE', '/control/outbox');
    const customer = (await call('POST', '/api/v1/customers', { body: { name: 'Mail Me', email: 'mail@me.example' } })).body.id;
    const invoice = (await call('POST', '/api/v1/invoices', { body: { customer_id: customer, line_items: [{ description: 'x', quantity: 1, unit_price: 100 }] } })).body;
    await call('POST', `/api/v1/invoices/${invoice.id}/send`);
    const outbox = (await call('GET', `/control/outbox?to=mail%40me.example`)).body.data;
    expect(outbox).toHaveLength(1);
    expect(outbox[0]).toMatchObject({ to: 'mail@me.example', invoice_id: invoice.id, tenant: 'acme' });
    expect(Buffer.from(outbox[0].attachments[0].content_base64, 'base64').subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('records requests with their responses, filterable by path, status and credential', async () => {
    await call('DELETE', '/control/requests');
    await call('POST', '/api/v1/customers', { body: { name: 'Journaled' } });
    await call('POST', '/api/v1/customers', { body: { name: '' } });
    await call('GET', '/api/v1/invoices?limit=1');
    const all = (await call('GET', '/control/requests')).body.data;
    expect(all.map((e: any) => `${e.method} ${e.path} ${e.status}`)).toEqual(['GET /api/v1/invoices 200', 'POST /api/v1/customers 400', 'POST /api/v1/customers 201']);
    expect(all[2]).toMatchObject({ tenant: 'acme', credential: 'ik_test_…', request_body: '{"name":"Journaled"}' });
    expect(all[2].request_headers.authorization).toBe('Bearer [redacted]');
    expect(JSON.parse(all[2].response_body).name).toBe('Journaled');
    expect(all[0].query).toBe('limit=1');
    const failed = (await call('GET', '/control/requests?status=400')).body.data;
    expect(failed).toHaveLength(1);
    expect((await call('GET', '/control/requests?path=/api/v1/invoices')).body.data).toHaveLength(1);
    expect((await call('GET', '/control/requests?credential=acme')).body.data).toHaveLength(3);
    expect((await call('GET', `/control/requests?credential=${KEY}`)).body.data).toHaveLength(3);
    expect((await call('GET', '/control/requests?credential=someone-else')).body.data).toHaveLength(0);
  });
});

describe('journal limits', () => {
  it('keeps the first 64 KiB of a large answer and says how large it was', async () => {
    await call('DELETE', '/control/requests');
    const contract = await call('GET', '/openapi.json', { key: null });
    expect(contract.text.length).toBeGreaterThan(64 * 1024);
    const [entry] = (await call('GET', '/control/requests')).body.data;
    expect(entry).toMatchObject({ method: 'GET', path: '/openapi.json', status: 200 });
    expect(entry.response_body).toMatch(new RegExp(`… \\(${Buffer.byteLength(contract.text)} bytes\\)$`));
    expect(entry.response_body.startsWith(contract.text.slice(0, 1000))).toBe(true);
  });

  it('records a request whose caller hung up before the answer with status 0 and no answer', async () => {
    await call('DELETE', '/control/requests');
    await call('PUT', '/control/disturbance', { body: { latency: { operations: { listCustomers: { fixed_ms: 300 } } } } });
    await expect(request(`${base}/api/v1/customers`, { headers: { authorization: `Bearer ${KEY}` }, signal: AbortSignal.timeout(50) })).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 400)); // the handler runs on and answers no one
    await call('PUT', '/control/disturbance', { body: { latency: null } });
    const dropped = (await call('GET', '/control/requests?path=/api/v1/customers')).body.data;
    expect(dropped).toHaveLength(1);
    expect(dropped[0]).toMatchObject({ status: 0, response_body: null, tenant: 'acme' });
  });
});

describe('one request-id step', () => {
  it('gives the control API and the API the same rule: a printable id sent is kept, anything else replaced', async () => {
    for (const path of ['/control/clock', '/api/v1/customers?limit=1']) {
      expect((await call('GET', path, { headers: { 'x-request-id': 'trace-42' } })).headers['x-request-id']).toBe('trace-42');
      const fresh = (await call('GET', path, { headers: { 'x-request-id': 'has space' } })).headers['x-request-id'];
      expect(fresh).toMatch(/^req_[A-Za-z0-9]{24}$/);
    }
    const refused = await call('GET', '/control/nowhere', { headers: { 'x-request-id': 'trace-43' } });
    expect([refused.status, refused.body.request_id, refused.headers['cache-control']]).toEqual([404, 'trace-43', 'no-store']);
  });
});

describe('credentials shown by the control API', () => {
  it('fingerprints an API key: its prefix and last four characters, or the prefix alone when short', () => {
    expect(keyFingerprint('ik_test_acme_5d2k9m3x8q1w7e4r6t0y2u8i')).toBe('ik_test_…2u8i');
    expect(keyFingerprint('cinv_0123456789abcdef')).toBe('cinv_…cdef');
    expect(keyFingerprint('ik_test_ctl')).toBe('ik_test_…');
    expect(keyFingerprint('0123456789abcdefgh')).toBe('…efgh');
  });

  it('never shows a key in full in the journal', async () => {
    const long = 'ik_test_acme_5d2k9m3x8q1w7e4r6t0y2u8i';
    built.credentials.addApiKey('acme', long);
    await call('DELETE', '/control/requests');
    await call('GET', '/api/v1/customers?limit=1', { key: long });
    const journal = await call('GET', '/control/requests');
    expect(journal.body.data[0]).toMatchObject({ tenant: 'acme', credential: 'ik_test_…2u8i' });
    expect(JSON.stringify(journal.body)).not.toContain(long);
    expect((await call('GET', `/control/requests?credential=${long}`)).body.data).toHaveLength(1);
    expect((await call('GET', `/control/requests?credential=${encodeURIComponent('ik_test_…2u8i')}`)).body.data).toHaveLength(1);
  });

  it('never shows a client secret or an access token in the journal', async () => {
    built.credentials.addClient({ tenant: 'acme', client_id: 'journal-client', client_secret: 'journal-secret-0123456789', scopes: ['customers:read'] });
    await call('DELETE', '/control/requests');
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: 'journal-client', client_secret: 'journal-secret-0123456789' }).toString();
    const issued = await call('POST', '/oauth/token', { key: null, rawBody: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const token = issued.body.access_token as string;
    expect(token).toBeTruthy();
    const journal = JSON.stringify((await call('GET', '/control/requests')).body);
    expect(journal).toContain('journal-client');
    expect(journal).not.toContain('journal-secret-0123456789');
    expect(journal).not.toContain(token);
  });
});

describe('latency, faults and rate limits', () => {
  it('delays a chosen operation', async () => {
    await call('PUT', '/control/disturbance', { body: { latency: { operations: { listCustomers: { fixed_ms: 300 } } } } });
    const started = Date.now();
    await call('GET', '/api/v1/customers?limit=1');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    const quick = Date.now();
    await call('GET', '/api/v1/invoices?limit=1');
    expect(Date.now() - quick).toBeLessThan(290);
    await call('PUT', '/control/disturbance', { body: { latency: null } });
  });

  it('injects faults reproducibly from a seed', async () => {
    const run = async () => {
      await call('PUT', '/control/disturbance', { body: { faults: { rate: 0.5, status: 503, seed: 7 } } });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await call('GET', '/api/v1/customers?limit=1')).status);
      return statuses;
    };
    const first = await run();
    expect(first).toContain(503);
    expect(first).toContain(200);
    expect(await run()).toEqual(first);
    const res = await call('PUT', '/control/disturbance', { body: { faults: { rate: 1, status: 500 } } });
    expect(res.body.faults).toMatchObject({ rate: 1, status: 500, mode: 'status' });
    const failed = await request(`${base}/api/v1/customers`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(failed.statusCode).toBe(500);
    expect(((await failed.body.json()) as any).code).toBe('injected_fault');
    await call('PUT', '/control/disturbance', { body: { faults: { rate: 1, mode: 'drop' } } });
    await expect(request(`${base}/api/v1/customers`, { headers: { authorization: `Bearer ${KEY}` } })).rejects.toThrow();
    await call('PUT', '/control/disturbance', { body: { faults: null } });
    expect((await call('GET', '/api/v1/customers?limit=1')).status).toBe(200);
  });

  it('changes the rate limit at run time', async () => {
    await call('PUT', '/control/disturbance', { body: { rate_limit: 2 } });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call('GET', '/api/v1/invoices?limit=1')).status);
    expect(statuses).toEqual([200, 200, 429]);
    expect((await call('GET', '/control/disturbance')).body.rate_limit).toBe(2);
    await call('PUT', '/control/disturbance', { body: { rate_limit: 0 } });
    expect((await call('GET', '/api/v1/invoices?limit=1')).status).toBe(200);
  });

  it('random latency stays within its range and repeats with its seed', async () => {
    const slept: number[] = [];
    let limit = 0;
    const d = new Disturbance({ get: () => limit, set: (n) => (limit = n) }, async (ms) => void slept.push(ms));
    d.update({ latency: { min_ms: 10, max_ms: 50, seed: 3 } });
    for (let i = 0; i < 20; i++) await d.beforeHandler({} as any, 'listInvoices');
    expect(slept.every((ms) => ms >= 10 && ms <= 50)).toBe(true);
    expect(new Set(slept).size).toBeGreaterThan(3);
    const first = [...slept];
    slept.length = 0;
    d.update({ latency: { min_ms: 10, max_ms: 50, seed: 3 } });
    for (let i = 0; i < 20; i++) await d.beforeHandler({} as any, 'listInvoices');
    expect(slept).toEqual(first);
  });
});

describe('control refusals for people', () => {
  it.each([
    [{ faults: { rate: 1.5 } }, '/body/faults/rate', 'must be <= 1'],
    [{ faults: { rate: 'lots' } }, '/body/faults/rate', 'must be number'],
    [{ faults: { rate: 0.1, mode: 'explode' } }, '/body/faults/mode', 'must be one of: status, drop'],
    [{ latency: { fixed_ms: -1 } }, '/body/latency/fixed_ms', 'must be >= 0'],
  ])('%o gives one clear message, not oneOf noise', async (body, pointer, message) => {
    const res = await call('PUT', '/control/disturbance', { body });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ pointer, message, keyword: expect.any(String) }]);
    expect(res.body.detail).toBe(`1 problem in the request: ${pointer} ${message}.`);
  });
});
