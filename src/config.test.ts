import { describe, expect, it } from 'vitest';
import { ConfigError, readConfig } from './config.ts';
import { buildServer } from './server.ts';

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
  ])('refuses %o with a clear message', (flags, message) => {
    expect(() => readConfig({}, flags)).toThrow(ConfigError);
    expect(() => readConfig({}, flags)).toThrow(message);
  });
});

describe('clock at start', () => {
  it("runs on from the data set's reference time by default, so the demo data stays coherent", () => {
    const built = buildServer(readConfig({}, { seed: '3', rateLimit: '0' }));
    const offset = built.clock.now().getTime() - Date.parse('2026-06-30T12:00:00.000Z');
    expect(offset).toBeGreaterThanOrEqual(0);
    expect(offset).toBeLessThan(10_000);
    expect(built.clock.frozen).toBe(false);
  });
  it("'real' keeps real time; an instant freezes it", () => {
    expect(Math.abs(buildServer(readConfig({}, { seed: '3', clock: 'real' })).clock.now().getTime() - Date.now())).toBeLessThan(10_000);
    const frozen = buildServer(readConfig({}, { fixtures: 'none', clock: '2030-01-01T00:00:00Z' })).clock;
    expect([frozen.frozen, frozen.now().toISOString()]).toEqual([true, '2030-01-01T00:00:00.000Z']);
  });
});
