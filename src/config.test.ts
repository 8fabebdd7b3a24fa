import { describe, expect, it } from 'vitest';
import { ConfigError, readConfig } from './config.ts';
import { request } from 'undici';
import { generateDataset } from '../fixtures/generate.ts';
import { buildServer, startServer } from './server.ts';

describe('configuration', () => {
  it('has sensible defaults', () => {
    const c = readConfig({});
    expect(c).toMatchObject({ host: '127.0.0.1', port: 4010, apiKeys: [], fixtures: undefined, clock: undefined, settings: { rateLimit: 120, corsOrigins: '*' } });
  });

  it('reads the environment, and flags win', () => {
    const env = { PORT: '5000', HOST: '0.0.0.0', INVOICEKIT_API_KEYS: 'acme:k1, beta:k2', INVOICEKIT_RATE_LIMIT: '0', INVOICEKIT_CORS_ORIGINS: 'https://a.example,https://b.example', INVOICEKIT_OAUTH_CLIENTS: 'acme:cli:sec' };
    const c = readConfig(env, { port: '6000' });
    expect(c.port).toBe(6000);
    expect(c.host).toBe('0.0.0.0');
    expect(c.apiKeys).toEqual([{ tenant: 'acme', key: 'k1' }, { tenant: 'beta', key: 'k2' }]);
    expect(c.oauthClients).toEqual([{ tenant: 'acme', client_id: 'cli', client_secret: 'sec' }]);
    expect(c.settings).toMatchObject({ rateLimit: 0, corsOrigins: ['https://a.example', 'https://b.example'] });
    expect(readConfig({ INVOICEKIT_CORS_ORIGINS: 'off' }).settings.corsOrigins).toBe(false);
  });

  it.each([
    [{ latency: '150' }, { latency: { fixed_ms: 150 } }],
    [{ latency: '50-300' }, { latency: { min_ms: 50, max_ms: 300 } }],
    [{ faults: '0.1' }, { faults: { rate: 0.1, mode: 'status' } }],
    [{ faults: '0.25:502@9' }, { faults: { rate: 0.25, mode: 'status', status: 502, seed: 9 } }],
    [{ faults: '1:drop' }, { faults: { rate: 1, mode: 'drop' } }],
  ])('parses disturbance flags %o', (flags, expected) => {
    expect(readConfig({}, flags).disturbance).toEqual(expected);
  });

  it.each([
    [{ port: '70000' }, /PORT/],
    [{ apiKeys: 'no-colon' }, /tenant:key/],
    [{ rateLimit: '-1' }, /RATE_LIMIT/],
    [{ clock: 'yesterday' }, /clock/],
    [{ clock: '+275760-09-13T00:00:00Z' }, /clock must lie between/],
    [{ clock: '1969-12-31T23:59:59Z' }, /clock must lie between/],
    [{ latency: 'fast' }, /latency/],
    [{ latency: '300-50' }, /min above max/],
    [{ faults: '2' }, /faults/],
    [{ faults: '0.1:200' }, /status/],
    [{ preset: 'huge' }, /preset/],
    [{ oauthClients: 'acme:cli' }, /tenant:client_id:secret/],
    [{ oauthClients: 'acme:cli:sec:' }, /tenant:client_id:secret/],
    [{ oauthClients: 'acme:cli:sec:invoices:delete' }, /unknown scope invoices:delete/],
  ])('refuses %o with a clear message', (flags, message) => {
    expect(() => readConfig({}, flags)).toThrow(ConfigError);
    expect(() => readConfig({}, flags)).toThrow(message);
  });
});

describe('OAuth clients limited to some scopes', () => {
  it('reads a scope list after the secret; a client without one gets none set', () => {
    expect(readConfig({}, { oauthClients: 'acme:cli:sec:invoices:read  customers:read,beta:all:sec2' }).oauthClients).toEqual([
      { tenant: 'acme', client_id: 'cli', client_secret: 'sec', scopes: ['invoices:read', 'customers:read'] },
      { tenant: 'beta', client_id: 'all', client_secret: 'sec2' },
    ]);
  });

  it('refuses a token for a scope the client does not hold (invalid_scope), grants the ones it holds', async () => {
    const server = await startServer(readConfig({}, { port: '0', fixtures: 'none', rateLimit: '0', oauthClients: 'acme:reader:s3cret:invoices:read,acme:full:s3cret' }));
    const token = async (client: string, scope?: string) => {
      const res = await request(`${server.baseUrl}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client, client_secret: 's3cret', ...(scope ? { scope } : {}) }).toString(),
      });
      return { status: res.statusCode, body: (await res.body.json()) as any };
    };
    try {
      const refused = await token('reader', 'invoices:read customers:write');
      expect([refused.status, refused.body.error, refused.body.error_description]).toEqual([400, 'invalid_scope', 'This client may not ask for customers:write.']);
      expect((await token('reader')).body.scope).toBe('invoices:read');
      const granted = await token('reader', 'invoices:read');
      expect([granted.status, granted.body.scope]).toEqual([200, 'invoices:read']);
      const customers = await request(`${server.baseUrl}/api/v1/customers`, { headers: { authorization: `Bearer ${granted.body.access_token}` } });
      await customers.body.dump();
      expect(customers.statusCode).toBe(403);
      expect((await token('full', 'customers:write')).status).toBe(200);
    } finally {
      await server.shutdown();
    }
  });
});

describe('clock at start', () => {
  it("runs on from the data set's reference time by default, so the demo data stays coherent", () => {
    const built = buildServer(readConfig({}, { seed: '3', rateLimit: '0' }), { generateDataset });
    const offset = built.clock.now().getTime() - Date.parse('2026-06-30T12:00:00.000Z');
    expect(offset).toBeGreaterThanOrEqual(0);
    expect(offset).toBeLessThan(10_000);
    expect(built.clock.frozen).toBe(false);
  });
  it("'real' keeps real time; an instant freezes it", () => {
    expect(Math.abs(buildServer(readConfig({}, { seed: '3', clock: 'real' }), { generateDataset }).clock.now().getTime() - Date.now())).toBeLessThan(10_000);
    const frozen = buildServer(readConfig({}, { fixtures: 'none', clock: '2030-01-01T00:00:00Z' })).clock;
    expect([frozen.frozen, frozen.now().toISOString()]).toEqual([true, '2030-01-01T00:00:00.000Z']);
  });
});
