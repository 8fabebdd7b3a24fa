// Reset, data sets, keys and the clock, as a user of `invoicekit serve` meets them: the server started
// with the default fixtures and the default clock (running on from the data set's reference time).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../config.ts';
import { controlContractPath, loadContract } from '../contract/load.ts';
import { ResponseValidator } from '../contract/responses.ts';
import type { Dataset } from '../dataset.ts';
import { keyFingerprint } from '../http/auth.ts';
import { defaultFixtures, startServer } from '../server.ts';

const ADMIN = 'adm_datasets_test';
const ENV_KEY = 'ik_env_acme_key';
const DAY = 86_400_000;
const controlCheck = new ResponseValidator(loadContract(controlContractPath));
const fixtures = JSON.parse(readFileSync(defaultFixtures, 'utf8')) as Dataset;
const REFERENCE = Date.parse(fixtures.reference_time!);
/** A demo invoice still open at the reference time, due within the month: P31D later it would be overdue. */
const openInvoice = fixtures.tenants[0]!.invoices.find((i) => i.status === 'sent' && i.deleted_at === null && Date.parse(i.due_date) < REFERENCE + 30 * DAY)!;

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function serve(flags: Record<string, string> = {}) {
  const running = await startServer(readConfig({}, { port: '0', adminToken: ADMIN, rateLimit: '0', apiKeys: `acme:${ENV_KEY}`, ...flags }));
  // What the banner prints (src/cli.ts): the first tenant's first key.
  const bannerKey = running.credentials.apiKeysOf(running.store.tenants()[0]!.id)[0]!;
  const call = async (method: string, url: string, body?: unknown, key = url.startsWith('/control') ? ADMIN : bannerKey) => {
    const res = await request(running.baseUrl + url, {
      method: method as 'GET',
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.body.text();
    const parsed = text ? JSON.parse(text) : undefined;
    if (url.startsWith('/control')) {
      const violations = controlCheck.check({ method, path: url, status: res.statusCode, contentType: String(res.headers['content-type'] ?? ''), body: parsed });
      expect(violations, `${method} ${url}`).toEqual([]);
    }
    return { status: res.statusCode, body: parsed };
  };
  const now = async () => Date.parse((await call('GET', '/control/clock')).body.now);
  return { running, bannerKey, call, now, stop: () => running.shutdown(1000) };
}

describe('with the default fixtures', () => {
  let s: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    s = await serve();
  });
  afterAll(() => s.stop());

  it('keeps the banner key and the environment key through a data set load and a reset', async () => {
    expect(s.bannerKey).toBe(fixtures.tenants[0]!.api_keys[0]);
    const works = async (key: string) => (await s.call('GET', '/api/v1/invoices?limit=1', undefined, key)).status;
    const loaded = await s.call('POST', '/control/dataset', { preset: 'small', seed: 7 });
    expect(loaded.body.source).toBe('generated (preset small, seed 7)');
    const acme = loaded.body.tenants.find((t: { id: string }) => t.id === 'acme');
    expect(acme.api_keys).toEqual(expect.arrayContaining([keyFingerprint(s.bannerKey), keyFingerprint(ENV_KEY)]));
    expect([await works(s.bannerKey), await works(ENV_KEY)]).toEqual([200, 200]);
    // The key reaches the loaded data (not an empty copy of the tenant, nor the start-up data).
    expect((await s.call('GET', '/api/v1/invoices?limit=1')).body.pagination.total).toBeGreaterThan(100);
    expect((await s.call('GET', `/api/v1/invoices/${openInvoice.id}`)).status).toBe(404);
    expect((await s.call('POST', '/control/reset')).status).toBe(200);
    expect([await works(s.bannerKey), await works(ENV_KEY)]).toEqual([200, 200]);
    // Keys of the data set loaded in between went with it.
    expect((await s.call('POST', '/control/dataset', { preset: 'small', seed: 7 })).status).toBe(200);
    const seven = s.running.credentials.apiKeysOf('acme').find((k) => k !== s.bannerKey && k !== ENV_KEY && !fixtures.tenants[0]!.api_keys.includes(k))!;
    expect(await works(seven)).toBe(200);
    await s.call('POST', '/control/reset');
    expect(await works(seven)).toBe(401);
  });

  it('resets to the data set the server started with, not to the one loaded since', async () => {
    await s.call('POST', '/control/dataset', { preset: 'small', seed: 7 });
    expect((await s.call('GET', `/api/v1/invoices/${openInvoice.id}`)).status).toBe(404);
    const reset = await s.call('POST', '/control/reset');
    expect([reset.body.source, reset.body.reset_to, reset.body.reference_time]).toEqual([defaultFixtures, defaultFixtures, fixtures.reference_time]);
    const acme = reset.body.tenants.find((t: { id: string }) => t.id === 'acme');
    expect([acme.customers, acme.invoices]).toEqual([fixtures.tenants[0]!.customers.length, fixtures.tenants[0]!.invoices.length]);
    expect((await s.call('GET', `/api/v1/invoices/${openInvoice.id}`)).body.status).toBe('sent');
  });

  it('returns to the data set\'s time after DELETE /control/clock, and reset puts the clock back too', async () => {
    expect((await s.call('GET', '/control/clock')).body.reference_time).toBe(fixtures.reference_time);
    // Real time: the demo data would be long overdue.
    expect((await s.call('DELETE', '/control/clock')).body.offset_ms).toBe(0);
    const back = await s.call('POST', '/control/clock/reference');
    expect(back.body.frozen).toBe(false);
    expect(Date.parse(back.body.now) - REFERENCE).toBeGreaterThanOrEqual(0);
    expect(Date.parse(back.body.now) - REFERENCE).toBeLessThan(5000);
    // A frozen clock stays frozen, at the reference time.
    await s.call('POST', '/control/clock/freeze', { at: '2030-01-01T00:00:00Z' });
    expect((await s.call('POST', '/control/clock/reference')).body).toMatchObject({ now: fixtures.reference_time, frozen: true });
    await s.call('POST', '/control/clock/resume');

    expect((await s.call('POST', '/control/clock/advance', { duration: 'P1M' })).status).toBe(200);
    expect((await s.call('GET', `/api/v1/invoices/${openInvoice.id}`)).body.status).toBe('overdue');
    expect((await s.call('POST', '/control/reset')).status).toBe(200);
    const clock = (await s.call('GET', '/control/clock')).body;
    expect(clock.frozen).toBe(false);
    expect(Date.parse(clock.now) - REFERENCE).toBeLessThan(5000);
    expect((await s.call('GET', `/api/v1/invoices/${openInvoice.id}`)).body.status).toBe('sent');
  });

  it('advances by calendar months and years, and refuses a bad duration with one message', async () => {
    await s.call('POST', '/control/clock/freeze', { at: '2026-01-31T12:00:00Z' });
    expect((await s.call('POST', '/control/clock/advance', { duration: 'P1M' })).body.now).toBe('2026-02-28T12:00:00.000Z');
    expect((await s.call('POST', '/control/clock/advance', { duration: 'P1Y1W' })).body.now).toBe('2027-03-07T12:00:00.000Z');
    expect((await s.call('POST', '/control/clock/advance', { duration: 'P1DT2H' })).body.now).toBe('2027-03-08T14:00:00.000Z');
    for (const duration of ['31 days', 'P', 'PT', 'P1DT', '-P1D', 'P1.5D', 'P1H']) {
      const refused = await s.call('POST', '/control/clock/advance', { duration });
      expect([refused.status, refused.body.code, refused.body.errors], duration).toEqual([400, 'validation_failed', [{ pointer: '/body/duration', keyword: 'duration', message: expect.stringMatching(/^is not an ISO 8601 duration such as P1Y, P1M/) }]]);
      // No regular expression in what a person reads.
      expect(refused.body.detail, duration).not.toMatch(/[\\^$]|pattern/);
    }
    expect((await s.call('GET', '/control/clock')).body.now).toBe('2027-03-08T14:00:00.000Z');
    const tooFar = await s.call('POST', '/control/clock/advance', { duration: 'P8000Y' });
    expect([tooFar.status, tooFar.body.errors[0].pointer]).toEqual([400, '/body/duration']);
    await s.call('POST', '/control/reset');
  });
});

describe('without a reference time', () => {
  it('POST /control/clock/reference answers 404 and leaves the clock as it was', async () => {
    const s = await serve({ fixtures: 'none' });
    try {
      expect((await s.call('GET', '/control/clock')).body.reference_time).toBeNull();
      await s.call('POST', '/control/clock/freeze', { at: '2026-05-01T00:00:00Z' });
      const refused = await s.call('POST', '/control/clock/reference');
      expect([refused.status, refused.body.code]).toEqual([404, 'not_found']);
      expect((await s.call('GET', '/control/clock')).body).toMatchObject({ now: '2026-05-01T00:00:00.000Z', frozen: true });
    } finally {
      await s.stop();
    }
  });
});

describe('with a data directory', () => {
  it('remembers across a restart what reset returns to and which keys it keeps', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'invoicekit-datasets-'));
    dirs.push(dir);
    const a = await serve({ dataDir: dir });
    expect((await a.call('POST', '/control/dataset', { preset: 'small', seed: 7 })).status).toBe(200);
    await a.stop();

    const b = await serve({ dataDir: dir });
    expect(b.running.resumed).toBe(true);
    const works = async (key: string) => (await b.call('GET', '/api/v1/invoices?limit=1', undefined, key)).status;
    expect(await works(fixtures.tenants[0]!.api_keys[0]!)).toBe(200);
    const reset = await b.call('POST', '/control/reset');
    expect([reset.body.source, reset.body.reset_to]).toEqual([defaultFixtures, defaultFixtures]);
    expect(reset.body.tenants.find((t: { id: string }) => t.id === 'acme').invoices).toBe(fixtures.tenants[0]!.invoices.length);
    expect(await works(fixtures.tenants[0]!.api_keys[0]!)).toBe(200);
    await b.stop();
  });
});
