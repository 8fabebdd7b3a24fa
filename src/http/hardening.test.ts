// Hostile-input defects of issue 10: each test here failed before its fix.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/harness.ts';

let s: TestServer;
const form = { 'content-type': 'application/x-www-form-urlencoded' };

beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

const timed = async <T>(f: () => Promise<T>) => {
  const start = performance.now();
  const result = await f();
  return { result, ms: performance.now() - start };
};

describe('form bodies', () => {
  it('refuses 20,000 repeated keys at once instead of parsing them in quadratic time', async () => {
    const rawBody = 'grant_type=client_credentials&' + Array(20_000).fill('a=').join('&');
    // The token endpoint answers RFC 6749 errors (invalid_request), the rest problem+json.
    for (const [path, code] of [['/oauth/token', 'invalid_request'], ['/public/pay/pl_unknown', 'validation_failed']] as const) {
      const { result, ms } = await timed(() => s.call('POST', path, { key: null, rawBody, headers: form }));
      expect([result.status, result.body.code ?? result.body.error]).toEqual([400, code]);
      expect(ms).toBeLessThan(1000);
    }
    const token = await s.call('POST', '/oauth/token', { key: null, rawBody, headers: form });
    expect(token.body.errors).toEqual([{ pointer: '/body', message: 'must have at most 100 parameters', keyword: 'maxProperties' }]);
  });

  it('still accepts a form of up to 100 parameters, repeated keys included (refused by the schema)', async () => {
    const ok = await s.call('POST', '/oauth/token', { key: null, rawBody: 'grant_type=client_credentials&client_id=acme-client&client_secret=acme-secret', headers: form });
    expect(ok.status).toBe(200);
    const repeated = await s.call('POST', '/oauth/token', { key: null, rawBody: 'grant_type=client_credentials&' + Array(99).fill('scope=x').join('&'), headers: form });
    expect([repeated.status, repeated.body.error, repeated.body.errors[0].pointer]).toEqual([400, 'invalid_request', '/body/scope']);
  });
});

describe('validation errors', () => {
  const customer = async () => (await s.post('/api/v1/customers', { name: 'Errors Ltd' })).body.id as string;

  it('refuses 64,000 empty line items at once, by their count, without listing them', async () => {
    const { result, ms } = await timed(async () => s.post('/api/v1/invoices', { customer_id: await customer(), line_items: Array(64_000).fill({}) }));
    expect([result.status, result.body.code]).toEqual([400, 'validation_failed']);
    expect(result.body.errors).toEqual([{ pointer: '/body/line_items', message: 'must NOT have more than 500 items', keyword: 'maxItems' }]);
    expect(ms).toBeLessThan(2000);
  });

  it('refuses 200,000 batch ids with a 400, not a 500', async () => {
    const res = await s.post('/api/v1/invoices/batch', { action: 'void', ids: Array(200_000).fill('') });
    expect([res.status, res.body.errors]).toEqual([400, [{ pointer: '/body/ids', message: 'must NOT have more than 100 items', keyword: 'maxItems' }]]);
  });

  it('lists at most 100 errors, and says how many there were', async () => {
    const res = await s.post('/api/v1/invoices', { customer_id: await customer(), line_items: Array(500).fill({}) });
    expect(res.status).toBe(400);
    expect(res.body.errors).toHaveLength(100);
    expect(res.body.detail).toBe('1500 problems in the request (the first 100 are listed).');
  });
});

describe('prototype keys', () => {
  const sentInvoice = async () => {
    const customer = (await s.post('/api/v1/customers', { name: 'Proto Ltd' })).body.id;
    const invoice = (await s.post('/api/v1/invoices', { customer_id: customer, line_items: [{ description: 'x', quantity: 1, unit_price: 100 }] })).body.id;
    expect((await s.post(`/api/v1/invoices/${invoice}/mark-sent`)).status).toBe(200);
    return invoice as string;
  };

  it('refuses ?__proto__=1 like any unknown query parameter, and the action does not run', async () => {
    const id = await sentInvoice();
    for (const key of ['__proto__', 'constructor', 'hasOwnProperty', '__proto__[x]']) {
      const res = await s.post(`/api/v1/invoices/${id}/void?${encodeURIComponent(key)}=1`);
      expect([res.status, res.body.errors?.[0]?.pointer]).toEqual([400, `/query/${key}`]);
    }
    expect((await s.get(`/api/v1/invoices/${id}`)).body.status).toBe('sent');
  });

  it('refuses __proto__ keys in JSON and form bodies', async () => {
    const json = await s.call('POST', '/api/v1/customers', { rawBody: '{"name":"P","__proto__":{"is_active":false}}', headers: { 'content-type': 'application/json' } });
    expect([json.status, json.body.errors[0].pointer]).toEqual([400, '/body/__proto__']);
    const formBody = await s.call('POST', '/oauth/token', { key: null, rawBody: 'grant_type=client_credentials&__proto__=x', headers: form });
    expect([formBody.status, formBody.body.error, formBody.body.errors[0].pointer]).toEqual([400, 'invalid_request', '/body/__proto__']);
  });
});

describe('integer parameters', () => {
  it('accept only decimal integer text within the bounds', async () => {
    const cases: Array<[string, string]> = [
      ['limit', 'Infinity'], ['limit', '-Infinity'], ['page', '-Infinity'], ['page', 'Infinity'], ['limit', '1e400'], ['limit', '1e1'],
      ['offset', '9'.repeat(400)], ['limit', '0x10'], ['limit', '0b11'], ['limit', ' 5'], ['limit', '5.0'], ['limit', ''], ['limit', 'NaN'],
      ['offset', '-1'], ['limit', '101'], ['page', '0'], ['offset', '10000001'],
    ];
    for (const [name, value] of cases) {
      const res = await s.call('GET', `/api/v1/invoices?${name}=${encodeURIComponent(value)}`);
      expect([name, value, res.status, res.body.errors?.[0]?.pointer]).toEqual([name, value, 400, `/query/${name}`]);
    }
    const ok = await s.call('GET', '/api/v1/invoices?limit=7&offset=0');
    expect([ok.status, ok.body.pagination.limit]).toEqual([200, 7]);
  });

  it('booleans are exactly true or false', async () => {
    expect((await s.get('/api/v1/customers?include_inactive=true')).status).toBe(200);
    for (const value of ['1', 'TRUE', 'yes', '']) expect((await s.get(`/api/v1/customers?include_inactive=${value}`)).status).toBe(400);
  });
});

describe('OAuth Basic credentials', () => {
  it('bad percent-encoding is 401 invalid_client, not 500', async () => {
    for (const pair of ['%E0%A4%A:x', 'client:%', '%ZZ:secret', 'acme-client:%E0%A4%A']) {
      const res = await s.call('POST', '/oauth/token', {
        key: null,
        rawBody: 'grant_type=client_credentials',
        headers: { ...form, authorization: `Basic ${Buffer.from(pair).toString('base64')}` },
      });
      expect([pair, res.status, res.body.error, res.headers['www-authenticate']]).toEqual([pair, 401, 'invalid_client', 'Basic realm="invoicekit"']);
    }
  });
});

describe('date arithmetic', () => {
  it('duplicating an invoice due 9999-12-31 reports that the copy would be due past the last date', async () => {
    const customer = (await s.post('/api/v1/customers', { name: 'Forever Ltd' })).body.id;
    const id = (await s.post('/api/v1/invoices', { customer_id: customer, issue_date: '2026-01-01', due_date: '9999-12-31', line_items: [{ description: 'x', quantity: 1, unit_price: 1 }] })).body.id;
    const count = s.store.countInvoices('acme');
    const res = await s.post(`/api/v1/invoices/${id}/duplicate`);
    expect([res.status, res.body.code]).toEqual([422, 'date_out_of_range']);
    expect(res.body.detail).toMatch(/due date of the copy .* past 9999-12-31/);
    expect(res.body.errors).toBeUndefined();
    expect(s.store.countInvoices('acme')).toBe(count);
  });
});

describe('NUL characters', () => {
  it('are refused in JSON strings and keys, form fields, query and path parameters, and nothing is stored', async () => {
    const customers = [...s.store.customers('acme')].length;
    const body = await s.post('/api/v1/customers', { name: 'Nul\u0000Corp', address: { line1: 'a\u0000' } });
    expect([body.status, body.body.errors.filter((e: any) => e.keyword === 'noNul').map((e: any) => e.pointer).sort()]).toEqual([400, ['/body/address/line1', '/body/name']]);
    const key = await s.call('POST', '/api/v1/customers', { rawBody: '{"name":"x","a\\u0000b":1}', headers: { 'content-type': 'application/json' } });
    expect(key.body.errors.map((e: any) => e.pointer)).toContain('/body/a\u0000b');
    expect([...s.store.customers('acme')].length).toBe(customers);
    const query = await s.get('/api/v1/invoices?search=a%00b');
    expect([query.status, query.body.errors[0]]).toEqual([400, { pointer: '/query/search', message: 'must not contain the NUL character (U+0000)', keyword: 'noNul' }]);
    const path = await s.call('GET', '/public/invoices/abc%00def', { key: null });
    expect([path.status, path.body.errors[0].pointer]).toEqual([400, '/path/share_token']);
    const formBody = await s.call('POST', '/oauth/token', { key: null, rawBody: 'grant_type=client_credentials&client_id=acme-client%00&client_secret=acme-secret', headers: form });
    expect([formBody.status, formBody.body.error, formBody.body.errors[0].pointer]).toEqual([400, 'invalid_request', '/body/client_id']);
  });
});
