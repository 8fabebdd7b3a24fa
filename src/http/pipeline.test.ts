import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { readConfig } from '../config.ts';
import { startServer } from '../server.ts';
import { assertConforms, startTestServer, type TestServer } from '../testing/harness.ts';

let s: TestServer;
const token = async (scope?: string, tenant = 'acme') => {
  const res = await s.call('POST', '/oauth/token', {
    key: null,
    rawBody: new URLSearchParams({ grant_type: 'client_credentials', client_id: `${tenant}-client`, client_secret: `${tenant}-secret`, ...(scope ? { scope } : {}) }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  expect(res.status).toBe(200);
  return res.body.access_token as string;
};
const customerCount = () => [...s.store.customers('acme')].length;

beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

describe('authentication', () => {
  it('401 without credentials, with a wrong scheme or an unknown key, with WWW-Authenticate', async () => {
    for (const headers of [{}, { authorization: 'Basic abc' }, { authorization: 'Bearer nope' }] as Array<Record<string, string>>) {
      const res = await s.get('/api/v1/customers', { key: null, headers });
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="invoicekit"/);
      expect(['unauthenticated', 'invalid_token']).toContain(res.body.code);
    }
  });

  it('issues client-credentials tokens (form, JSON, HTTP Basic) that expire after an hour', async () => {
    const json = await s.call('POST', '/oauth/token', { key: null, body: { grant_type: 'client_credentials', client_id: 'acme-client', client_secret: 'acme-secret', scope: 'invoices:read' } });
    expect(json.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'invoices:read' });
    expect(json.headers['cache-control']).toBe('no-store');
    const basic = await s.call('POST', '/oauth/token', {
      key: null,
      rawBody: 'grant_type=client_credentials',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('acme-client:acme-secret').toString('base64')}` },
    });
    expect(basic.status).toBe(200);
    expect(basic.body.scope.split(' ')).toContain('payments:write');
    const access = json.body.access_token;
    expect((await s.get('/api/v1/invoices', { key: access })).status).toBe(200);
    s.clock.advance(3600_000);
    const expired = await s.get('/api/v1/invoices', { key: access });
    expect([expired.status, expired.body.code]).toEqual([401, 'invalid_token']);
    s.clock.freeze(new Date('2026-03-15T10:00:00.000Z'));
  });

  it('refuses a wrong secret, an unknown grant type and scopes the client does not hold', async () => {
    const secret = await s.call('POST', '/oauth/token', { key: null, body: { grant_type: 'client_credentials', client_id: 'acme-client', client_secret: 'wrong' } });
    // RFC 6749 §5.2 errors (exact bodies and headers in oauth.test.ts).
    expect([secret.status, secret.body.error, secret.headers['www-authenticate']]).toEqual([401, 'invalid_client', 'Basic realm="invoicekit"']);
    const grant = await s.call('POST', '/oauth/token', { key: null, body: { grant_type: 'password', client_id: 'acme-client', client_secret: 'acme-secret' } });
    expect([grant.status, grant.body.error]).toEqual([400, 'unsupported_grant_type']);
    const scope = await s.call('POST', '/oauth/token', { key: null, body: { grant_type: 'client_credentials', client_id: 'acme-client', client_secret: 'acme-secret', scope: 'admin:all' } });
    expect([scope.status, scope.body.error]).toEqual([400, 'invalid_scope']);
  });
});

describe('scopes', () => {
  it('403 when the token lacks the scope; write implies read', async () => {
    const readOnly = await token('customers:read');
    expect((await s.get('/api/v1/customers', { key: readOnly })).status).toBe(200);
    const denied = await s.post('/api/v1/customers', { name: 'X' }, { key: readOnly });
    expect([denied.status, denied.body.code]).toEqual([403, 'insufficient_scope']);
    expect(denied.body.detail).toContain('customers:write');
    // RFC 6750 §3.1: the challenge names the scope the operation needs.
    expect(denied.headers['www-authenticate']).toBe('Bearer realm="invoicekit", error="insufficient_scope", scope="customers:write"');
    const otherResource = await s.get('/api/v1/invoices', { key: readOnly });
    expect(otherResource.status).toBe(403);
    const writer = await token('customers:write');
    expect((await s.get('/api/v1/customers', { key: writer })).status).toBe(200);
    expect((await s.post('/api/v1/customers', { name: 'Y' }, { key: writer })).status).toBe(201);
  });
});

describe('tenant isolation', () => {
  it("another tenant's id is a 404, and lists never mix tenants", async () => {
    const mine = (await s.post('/api/v1/customers', { name: 'Acme Only' })).body.id;
    const inv = (await s.post('/api/v1/invoices', { customer_id: mine, line_items: [{ description: 'x', quantity: 1, unit_price: 1 }] })).body.id;
    const globex = { key: 'ik_test_globex' };
    expect((await s.get(`/api/v1/customers/${mine}`, globex)).status).toBe(404);
    expect((await s.get(`/api/v1/invoices/${inv}`, globex)).status).toBe(404);
    expect((await s.patch(`/api/v1/invoices/${inv}`, { notes: 'x' }, globex)).status).toBe(404);
    expect((await s.del(`/api/v1/invoices/${inv}`, globex)).status).toBe(404);
    expect((await s.get('/api/v1/customers', globex)).body.data).toEqual([]);
    const viaToken = await token(undefined, 'globex');
    expect((await s.get(`/api/v1/invoices/${inv}`, { key: viaToken })).status).toBe(404);
    const crossInvoice = await s.post('/api/v1/invoices', { customer_id: mine, line_items: [{ description: 'x', quantity: 1, unit_price: 1 }] }, globex);
    expect([crossInvoice.status, crossInvoice.body.code]).toEqual([422, 'unknown_customer']);
  });
});

describe('rate limits', () => {
  it('429 with Retry-After and RateLimit headers per credential', async () => {
    const limited = await startTestServer({ rateLimit: 3 });
    try {
      for (let i = 0; i < 3; i++) {
        const ok = await limited.get('/api/v1/customers');
        expect(ok.status).toBe(200);
        expect(ok.headers['ratelimit']).toBe(`limit=3, remaining=${2 - i}, reset=60`);
        expect(ok.headers['ratelimit-policy']).toBe('3;w=60');
      }
      const refused = await limited.get('/api/v1/customers');
      expect([refused.status, refused.body.code]).toEqual([429, 'rate_limited']);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      // Another credential has its own budget.
      expect((await limited.get('/api/v1/customers', { key: 'ik_test_globex' })).status).toBe(200);
      // Changing the limit at run time applies at once; 0 turns it off.
      limited.settings.rateLimit = 0;
      expect((await limited.get('/api/v1/customers')).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe('idempotency', () => {
  it('replays the first response for the same key and body', async () => {
    const body = { name: 'Idempotent Ltd' };
    const headers = { 'idempotency-key': 'key-1' };
    const first = await s.post('/api/v1/customers', body, { headers });
    const count = customerCount();
    const again = await s.post('/api/v1/customers', body, { headers });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(customerCount()).toBe(count);
    const otherBody = await s.post('/api/v1/customers', { name: 'Different' }, { headers });
    expect([otherBody.status, otherBody.body.code]).toEqual([422, 'idempotency_key_reused']);
    // Keys belong to a credential: the same key elsewhere is a new request.
    expect((await s.post('/api/v1/customers', body, { headers, key: 'ik_test_globex' })).headers['idempotent-replayed']).toBeUndefined();
  });

  it('409 while the first request with the key is still running', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = await startTestServer({ deps: { beforeHandler: async (_req, op) => (op === 'createCustomer' ? gate : undefined) } });
    try {
      const headers = { 'idempotency-key': 'slow-1' };
      const first = slow.post('/api/v1/customers', { name: 'Slow' }, { headers });
      await new Promise((r) => setTimeout(r, 100));
      const second = await slow.post('/api/v1/customers', { name: 'Slow' }, { headers });
      expect([second.status, second.body.code]).toEqual([409, 'idempotency_in_flight']);
      release();
      expect((await first).status).toBe(201);
      expect((await slow.post('/api/v1/customers', { name: 'Slow' }, { headers })).headers['idempotent-replayed']).toBe('true');
    } finally {
      release();
      await slow.close();
    }
  });

  it('refuses a malformed key', async () => {
    const res = await s.post('/api/v1/customers', { name: 'K' }, { headers: { 'idempotency-key': 'has space' } });
    expect([res.status, res.body.errors[0].pointer]).toEqual([400, '/header/idempotency-key']);
  });
});

describe('routing and CORS', () => {
  it('404 problem for an unknown route, 405 with Allow for a wrong method', async () => {
    const unknown = await s.get('/api/v1/nope');
    expect([unknown.status, unknown.body.code]).toEqual([404, 'route_not_found']);
    const wrong = await s.call('PATCH', '/api/v1/invoices');
    expect([wrong.status, wrong.headers.allow]).toEqual([405, 'GET, POST']);
  });

  it('answers preflights and exposes headers to any origin by default', async () => {
    const pre = await request(`${s.base}/api/v1/invoices`, { method: 'OPTIONS', headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,idempotency-key' } });
    await pre.body.text();
    expect(pre.statusCode).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('http://localhost:3000');
    expect(String(pre.headers['access-control-allow-headers']).toLowerCase()).toContain('idempotency-key');
    const res = await s.get('/api/v1/customers', { headers: { origin: 'http://localhost:3000' } });
    expect(res.headers['access-control-expose-headers']).toContain('RateLimit');
  });

  it('restricts origins when configured', async () => {
    const strict = await startTestServer({ deps: { settings: { rateLimit: 0, corsOrigins: ['https://app.example'] } } });
    try {
      const denied = await strict.get('/api/v1/customers', { headers: { origin: 'https://evil.example' } });
      expect(denied.headers['access-control-allow-origin']).toBeUndefined();
      const allowed = await strict.get('/api/v1/customers', { headers: { origin: 'https://app.example' } });
      expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example');
    } finally {
      await strict.close();
    }
  });

  it('serves the bundled contract', async () => {
    const json = await request(`${s.base}/openapi.json`);
    expect(((await json.body.json()) as any).openapi).toBe('3.1.0');
    const yaml = await request(`${s.base}/openapi.yaml`);
    expect(await yaml.body.text()).toContain('openapi:');
  });

  it('names the server it is served from in the served contract', async () => {
    const json = (await (await request(`${s.base}/openapi.json`)).body.json()) as any;
    expect(json.servers[0].url).toBe(s.base);
    expect(json.paths['/api/v1/invoices']).toBeDefined();
    const yaml = await (await request(`${s.base}/openapi.yaml`)).body.text();
    expect(yaml).toContain(`servers:\n  - url: "${s.base}"\n`);
    // A Host that is not a plain host[:port] is never reflected.
    const hostile = (await (await request(`${s.base}/openapi.json`, { headers: { host: 'evil.example/"><x' } })).body.json()) as any;
    expect(hostile.servers[0].url).toBe('http://127.0.0.1:4010');
  });

  it('names the public URL in the served contract when one is set', async () => {
    const proxied = await startTestServer({ deps: { settings: { rateLimit: 0, publicUrl: 'https://invoices.example.com/ik' } } });
    try {
      const json = (await (await request(`${proxied.base}/openapi.json`)).body.json()) as any;
      expect(json.servers[0].url).toBe('https://invoices.example.com/ik');
      expect(await (await request(`${proxied.base}/openapi.yaml`)).body.text()).toContain('- url: "https://invoices.example.com/ik"');
    } finally {
      await proxied.close();
    }
  });

  it('names the listen address, not the Host asked for, when the server listens on one address', async () => {
    const server = await startServer(readConfig({}, { port: '0', fixtures: 'none', rateLimit: '0' }));
    try {
      expect(server.baseUrl).not.toBe('http://127.0.0.1:4010');
      const json = (await (await request(`${server.baseUrl}/openapi.json`, { headers: { host: 'elsewhere.example:8080' } })).body.json()) as any;
      expect(json.servers[0].url).toBe(server.baseUrl);
    } finally {
      await server.shutdown();
    }
  });
});

describe('bad input gets a clear 4xx and changes nothing', () => {
  const cases: Array<[string, { rawBody?: string | Buffer; body?: unknown; headers?: Record<string, string> }, number, string]> = [
    ['malformed JSON', { rawBody: '{"name": "x",', headers: { 'content-type': 'application/json' } }, 400, 'malformed_json'],
    ['wrong content type', { rawBody: 'name=x', headers: { 'content-type': 'text/plain' } }, 415, 'unsupported_media_type'],
    ['form body where JSON is expected', { rawBody: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 415, 'unsupported_media_type'],
    ['over-large body', { rawBody: JSON.stringify({ name: 'x'.repeat(1100 * 1024) }), headers: { 'content-type': 'application/json' } }, 413, 'payload_too_large'],
    ['deep nesting', { rawBody: '{"name":"x","notes":' + '['.repeat(5000) + ']'.repeat(5000) + '}', headers: { 'content-type': 'application/json' } }, 400, 'validation_failed'],
    ['__proto__ key', { rawBody: '{"name":"x","__proto__":{"is_active":false}}', headers: { 'content-type': 'application/json' } }, 400, 'validation_failed'],
    ['constructor key', { body: { name: 'x', constructor: { prototype: { polluted: true } } } }, 400, 'validation_failed'],
    ['unknown field', { body: { name: 'x', nickname: 'y' } }, 400, 'validation_failed'],
    ['wrong type', { body: { name: 42 } }, 400, 'validation_failed'],
    ['empty string', { body: { name: '' } }, 400, 'validation_failed'],
    ['array body', { body: [{ name: 'x' }] }, 400, 'validation_failed'],
    ['null body', { rawBody: 'null', headers: { 'content-type': 'application/json' } }, 400, 'validation_failed'],
    ['empty body', { rawBody: '', headers: { 'content-type': 'application/json' } }, 400, 'validation_failed'],
    ['invalid UTF-8', { rawBody: Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0xff, 0xfe, 0x7d]), headers: { 'content-type': 'application/json' } }, 400, 'malformed_json'],
  ];
  it.each(cases)('%s', async (_name, opts, status, code) => {
    const before = customerCount();
    const res = await s.call('POST', '/api/v1/customers', opts);
    expect([res.status, res.body.code]).toEqual([status, code]);
    expect(res.body.detail).toBeTruthy();
    expect(customerCount()).toBe(before);
    expect(({} as any).polluted).toBeUndefined();
    expect(({} as any).is_active).toBeUndefined();
  });

  it('huge numbers and non-integer money are refused on invoices', async () => {
    const c = (await s.post('/api/v1/customers', { name: 'Numbers' })).body.id;
    for (const unit_price of [1e300, 12.5, -1, 1e15]) {
      const res = await s.post('/api/v1/invoices', { customer_id: c, line_items: [{ description: 'x', quantity: 1, unit_price }] });
      expect(res.status, String(unit_price)).toBe(400);
      expect(res.body.errors[0].pointer).toBe('/body/line_items/0/unit_price');
    }
    const big = await s.post('/api/v1/invoices', { customer_id: c, line_items: [{ description: 'x', quantity: 1000000000, unit_price: 999999999999 }] });
    expect(big.status).toBeLessThan(500);
    expect(big.status).toBeGreaterThanOrEqual(400);
  });

  it('lists every violation with its pointer', async () => {
    const res = await s.post('/api/v1/invoices', { line_items: [{ quantity: -1, unit_price: 'x' }], discount: { type: 'percentage', percent: 101 } }, { query: { foo: 1 } as any });
    expect(res.status).toBe(400);
    const pointers = res.body.errors.map((e: any) => e.pointer);
    for (const p of ['/body/customer_id', '/body/line_items/0/description', '/body/line_items/0/quantity', '/body/line_items/0/unit_price', '/query/foo']) expect(pointers).toContain(p);
  });
});

describe('the shared response check', () => {
  it('rejects a response that departs from the contract', () => {
    const bad = { status: 200, headers: { 'content-type': 'application/json', 'x-request-id': 'r' }, body: { data: [{ id: 1 }] }, text: '' };
    expect(() => assertConforms('GET', '/api/v1/customers', bad)).toThrow(/departs from the contract/);
    const undocumented = { status: 418, headers: { 'content-type': 'application/problem+json', 'x-request-id': 'r' }, body: {}, text: '' };
    expect(() => assertConforms('GET', '/api/v1/customers', undocumented)).toThrow(/does not document status 418/);
  });
});
