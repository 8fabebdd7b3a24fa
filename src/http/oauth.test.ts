// OAuth answers as the RFCs say (issue 11 item 5), seen the way an OAuth client library reads them:
// token-endpoint errors are RFC 6749 §5.2 JSON (never problem+json), and every 401/403 of the API
// carries the RFC 6750 §3 Bearer challenge. Every answer is also checked against the contract by
// the harness (the OAuthError schema, the documented headers and their patterns).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from './problem.ts';
import { startTestServer, type TestResponse, type TestServer } from '../testing/harness.ts';
import { oauthErrorResponse } from './handlers/auth.ts';

let s: TestServer;
const form = { 'content-type': 'application/x-www-form-urlencoded' };
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const token = (rawBody: string, headers: Record<string, string> = {}) => s.call('POST', '/oauth/token', { key: null, rawBody, headers: { ...form, ...headers } });

beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

/** What an RFC 6749 client reads from a refused token request: the status, the error object and the caching headers. */
function oauthView(res: TestResponse) {
  return {
    status: res.status,
    type: res.headers['content-type'],
    cache: [res.headers['cache-control'], res.headers.pragma],
    challenge: res.headers['www-authenticate'],
    body: res.body,
  };
}
const NO_STORE = ['no-store', 'no-cache'];
const JSON_TYPE = 'application/json; charset=utf-8';

describe('token endpoint errors (RFC 6749 §5.2)', () => {
  it('invalid_client: 401 with a Basic challenge, whether the client authenticated with HTTP Basic or in the body', async () => {
    for (const res of [await token('grant_type=client_credentials', { authorization: basic('acme-client', 'wrong') }), await token('grant_type=client_credentials&client_id=acme-client&client_secret=wrong'), await token('grant_type=client_credentials')]) {
      expect(oauthView(res)).toEqual({
        status: 401,
        type: JSON_TYPE,
        cache: NO_STORE,
        challenge: 'Basic realm="invoicekit"',
        body: { error: 'invalid_client', error_description: 'Unknown client or wrong secret.', request_id: res.headers['x-request-id'] },
      });
    }
  });

  it('unsupported_grant_type: 400 for another grant', async () => {
    const res = await token('grant_type=password&client_id=acme-client&client_secret=acme-secret');
    expect(oauthView(res)).toEqual({
      status: 400,
      type: JSON_TYPE,
      cache: NO_STORE,
      challenge: undefined,
      body: {
        error: 'unsupported_grant_type',
        error_description: "Grant type 'password' is not supported; use client_credentials.",
        request_id: res.headers['x-request-id'],
        errors: [{ pointer: '/body/grant_type', message: 'must be client_credentials', keyword: 'const' }],
      },
    });
  });

  it('invalid_scope: 400 for a scope the client does not hold', async () => {
    const res = await token('grant_type=client_credentials&scope=invoices:read%20admin:all', { authorization: basic('acme-client', 'acme-secret') });
    expect(oauthView(res)).toEqual({
      status: 400,
      type: JSON_TYPE,
      cache: NO_STORE,
      challenge: undefined,
      body: {
        error: 'invalid_scope',
        error_description: 'This client may not ask for admin:all.',
        request_id: res.headers['x-request-id'],
        errors: [{ pointer: '/body/scope', message: 'not granted to this client: admin:all', keyword: 'scope' }],
      },
    });
  });

  it('invalid_request: 400 for a request that breaks the contract (missing or repeated parameter), with the violations', async () => {
    const missing = await token('client_id=acme-client&client_secret=acme-secret');
    expect(oauthView(missing)).toEqual({
      status: 400,
      type: JSON_TYPE,
      cache: NO_STORE,
      challenge: undefined,
      body: {
        error: 'invalid_request',
        error_description: "1 problem in the request: /body/grant_type must have required property 'grant_type'.",
        request_id: missing.headers['x-request-id'],
        errors: [{ pointer: '/body/grant_type', message: "must have required property 'grant_type'", keyword: 'required' }],
      },
    });
    const repeated = await token('grant_type=client_credentials&grant_type=client_credentials&client_id=acme-client&client_secret=acme-secret');
    expect([repeated.status, repeated.body.error, repeated.body.errors.map((e: { pointer: string }) => e.pointer)]).toEqual([400, 'invalid_request', ['/body/grant_type', '/body/grant_type']]);
    const json = await s.call('POST', '/oauth/token', { key: null, body: { grant_type: 'client_credentials', client_id: '' } });
    expect([json.status, json.body.error, json.body.errors[0].pointer, json.headers['content-type']]).toEqual([400, 'invalid_request', '/body/client_id', JSON_TYPE]);
  });

  it('invalid_request for malformed JSON, another media type (415) and a body over 1 MiB (413)', async () => {
    const malformed = await s.call('POST', '/oauth/token', { key: null, rawBody: '{"grant_', headers: { 'content-type': 'application/json' } });
    expect(oauthView(malformed)).toEqual({
      status: 400,
      type: JSON_TYPE,
      cache: NO_STORE,
      challenge: undefined,
      body: { error: 'invalid_request', error_description: expect.stringMatching(/^The body is not valid JSON: /), request_id: malformed.headers['x-request-id'] },
    });
    const text = await s.call('POST', '/oauth/token', { key: null, rawBody: 'grant_type=client_credentials', headers: { 'content-type': 'text/plain' } });
    expect(oauthView(text)).toEqual({
      status: 415,
      type: JSON_TYPE,
      cache: NO_STORE,
      challenge: undefined,
      body: { error: 'invalid_request', error_description: 'Send the body as application/x-www-form-urlencoded or application/json.', request_id: text.headers['x-request-id'] },
    });
    const large = await token(`grant_type=client_credentials&scope=${'x'.repeat(1024 * 1024)}`);
    expect(oauthView(large)).toEqual({
      status: 413,
      type: JSON_TYPE,
      cache: NO_STORE,
      challenge: undefined,
      body: { error: 'invalid_request', error_description: 'The body may not exceed 1048576 bytes.', request_id: large.headers['x-request-id'] },
    });
  });

  it('error_description stays printable ASCII without quote or backslash, whatever the request echoes', async () => {
    const res = await token(`grant_type=${encodeURIComponent('pässw"or\\d')}&client_id=acme-client&client_secret=acme-secret`);
    expect([res.status, res.body.error, res.body.error_description]).toEqual([400, 'unsupported_grant_type', "Grant type 'p?ssw'or/d' is not supported; use client_credentials."]);
  });

  it('a token answer is never cached either', async () => {
    const res = await token('grant_type=client_credentials', { authorization: basic('acme-client', 'acme-secret') });
    expect([res.status, res.headers['cache-control'], res.headers.pragma, res.headers['content-type']]).toEqual([200, 'no-store', 'no-cache', JSON_TYPE]);
  });

  it('routing errors of the token path stay problem+json: no operation answers them', async () => {
    const res = await s.call('GET', '/oauth/token', { key: null });
    expect([res.status, res.headers['content-type'], res.body.code]).toEqual([405, 'application/problem+json; charset=utf-8', 'method_not_allowed']);
  });
});

describe('oauthErrorResponse', () => {
  it('names a 5xx of the token endpoint (a failure, an injected fault) with the RFC 6749 server codes', () => {
    const headers = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };
    expect(oauthErrorResponse(new ApiError('injected_fault', 'Injected fault.'), 'req_1')).toEqual({ status: 503, contentType: 'application/json', headers, body: { error: 'temporarily_unavailable', error_description: 'Injected fault.', request_id: 'req_1' } });
    expect(oauthErrorResponse(new ApiError('injected_fault', 'Injected fault.', { status: 500 }), 'req_2').body).toEqual({ error: 'server_error', error_description: 'Injected fault.', request_id: 'req_2' });
    expect(oauthErrorResponse(new ApiError('storage_unavailable', 'Full — retry.'), 'req_3').body).toEqual({ error: 'temporarily_unavailable', error_description: 'Full ? retry.', request_id: 'req_3' });
  });
});

describe('Bearer challenges on the API (RFC 6750 §3.1)', () => {
  const challengeOf = async (authorization?: string) => {
    const res = await s.get('/api/v1/customers', { key: null, headers: authorization ? { authorization } : {} });
    expect([res.status, res.headers['content-type']]).toEqual([401, 'application/problem+json; charset=utf-8']);
    return [res.body.code, res.headers['www-authenticate']];
  };

  it('no error attribute when no Bearer credential was sent (no header, or another scheme)', async () => {
    expect(await challengeOf()).toEqual(['unauthenticated', 'Bearer realm="invoicekit"']);
    expect(await challengeOf('Basic YWNtZTpzZWNyZXQ=')).toEqual(['unauthenticated', 'Bearer realm="invoicekit"']);
    expect(await challengeOf('NotBearer conform')).toEqual(['unauthenticated', 'Bearer realm="invoicekit"']);
  });

  it('invalid_token with a description for a malformed, unknown or expired Bearer credential', async () => {
    expect(await challengeOf('Bearer')).toEqual(['unauthenticated', `Bearer realm="invoicekit", error="invalid_token", error_description="The Authorization header must be 'Bearer <token>'."`]);
    expect(await challengeOf('Bearer two words')).toEqual(['unauthenticated', `Bearer realm="invoicekit", error="invalid_token", error_description="The Authorization header must be 'Bearer <token>'."`]);
    expect(await challengeOf('Bearer ik_test_nobody')).toEqual(['invalid_token', 'Bearer realm="invoicekit", error="invalid_token", error_description="Unknown API key or access token."']);
    const issued = (await token('grant_type=client_credentials', { authorization: basic('acme-client', 'acme-secret') })).body.access_token;
    s.clock.advance(3600_000);
    try {
      expect(await challengeOf(`Bearer ${issued}`)).toEqual(['invalid_token', 'Bearer realm="invoicekit", error="invalid_token", error_description="The access token has expired; ask for a new one."']);
    } finally {
      s.clock.freeze(new Date('2026-03-15T10:00:00.000Z'));
    }
  });

  it('403 insufficient_scope names the scopes the operation needs', async () => {
    const reader = (await token('grant_type=client_credentials&scope=invoices:read', { authorization: basic('acme-client', 'acme-secret') })).body.access_token;
    const res = await s.post('/api/v1/invoices/inv_missing/payments', { amount: 1 }, { key: reader });
    expect([res.status, res.body.code, res.headers['www-authenticate']]).toEqual([403, 'insufficient_scope', 'Bearer realm="invoicekit", error="insufficient_scope", scope="payments:write"']);
  });
});
