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
    for (const path of ['/oauth/token', '/public/pay/pl_unknown']) {
      const { result, ms } = await timed(() => s.call('POST', path, { key: null, rawBody, headers: form }));
      expect([result.status, result.body.code]).toEqual([400, 'validation_failed']);
      expect(ms).toBeLessThan(1000);
    }
    const token = await s.call('POST', '/oauth/token', { key: null, rawBody, headers: form });
    expect(token.body.errors).toEqual([{ pointer: '/body', message: 'must have at most 100 parameters', keyword: 'maxProperties' }]);
  });

  it('still accepts a form of up to 100 parameters, repeated keys included (refused by the schema)', async () => {
    const ok = await s.call('POST', '/oauth/token', { key: null, rawBody: 'grant_type=client_credentials&client_id=acme-client&client_secret=acme-secret', headers: form });
    expect(ok.status).toBe(200);
    const repeated = await s.call('POST', '/oauth/token', { key: null, rawBody: 'grant_type=client_credentials&' + Array(99).fill('scope=x').join('&'), headers: form });
    expect([repeated.status, repeated.body.errors[0].pointer]).toEqual([400, '/body/scope']);
  });
});
