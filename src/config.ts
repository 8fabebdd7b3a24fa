import { isIP } from 'node:net';
import { clockCanShow } from './control/duration.ts';
import type { AppSettings } from './app.ts';
import type { DisturbanceSettings } from './control/disturbance.ts';
import { ALL_SCOPES, type Scope } from './http/auth.ts';

export type ServerConfig = {
  host: string;
  port: number;
  apiKeys: Array<{ tenant: string; key: string }>;
  /** Without scopes, a client may ask for every scope. */
  oauthClients: Array<{ tenant: string; client_id: string; client_secret: string; scopes?: Scope[] }>;
  /** Plan limits per tenant (0 = unlimited). */
  planLimits: Array<{ tenant: string; customers: number; invoices: number }>;
  settings: AppSettings;
  /** Fixtures file; null for none; undefined for the committed default set. */
  fixtures: string | null | undefined;
  /** Generate the data set from this seed instead of reading a file. */
  seed: number | undefined;
  preset: 'small' | 'medium' | 'large' | undefined;
  /** An instant to freeze the clock at, 'real' for real time, or undefined: run from the data set's reference time. */
  clock: string | undefined;
  disturbance: Partial<DisturbanceSettings> | undefined;
  adminToken: string | undefined;
  secret: string | undefined;
  /** Keep the whole state in an SQLite database in this directory; undefined: in memory only. */
  dataDir: string | undefined;
  /** With dataDir: load the data set again instead of resuming what the directory holds. */
  reset: boolean;
};

/** A start-up failure the user can fix; the CLI prints its message as one line and exits 2. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly code: 'invalid_config' | 'fixtures_missing' | 'fixtures_malformed' | 'port_in_use' | 'port_forbidden' | 'bad_host' = 'invalid_config',
  ) {
    super(message);
  }
}

/** An http(s) URL with a host, and nothing after its path (links are built by appending to it). */
function publicUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !/^https?:$/.test(url.protocol) || !url.hostname || !/^https?:\/\/[^/]/i.test(value) || url.search || url.hash || url.username || url.password) {
    throw new ConfigError(`INVOICEKIT_PUBLIC_URL (--public-url) must be an http(s) URL such as https://invoices.example.com, not '${value}'`);
  }
  return value.replace(/\/$/, '');
}

/** '*', 'off' or a comma list of origins (scheme://host[:port], as browsers send in Origin). */
function corsOrigins(value: string): AppSettings['corsOrigins'] {
  if (value === 'off') return false;
  if (value === '*') return '*';
  const origins = value.split(',').map((o) => o.trim()).filter(Boolean);
  for (const origin of origins) {
    let parsed: string | undefined;
    try {
      parsed = new URL(origin).origin;
    } catch {
      parsed = undefined;
    }
    if (parsed !== origin.replace(/\/$/, '') || !/^https?:/.test(origin)) {
      throw new ConfigError(`INVOICEKIT_CORS_ORIGINS (--cors): '${origin}' is not an origin; give '*', 'off' or a comma list such as https://app.example.com,http://localhost:3000`);
    }
  }
  if (!origins.length) throw new ConfigError(`INVOICEKIT_CORS_ORIGINS (--cors) is empty; give '*', 'off' or a comma list of origins`);
  return origins.map((o) => o.replace(/\/$/, ''));
}

/** An IP address or a host name (resolution is checked when the server listens). */
function host(value: string | undefined): string {
  if (value === undefined || value === '') return '127.0.0.1';
  if (isIP(value) || /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i.test(value)) return value;
  throw new ConfigError(`HOST (--host) must be an IP address or a host name, such as 127.0.0.1 (this machine only) or 0.0.0.0 (every interface), not '${value}'`);
}

function pairs(value: string | undefined, name: string, parts: number): string[][] {
  if (!value?.trim()) return [];
  return value.split(',').map((item) => {
    const fields = item.trim().split(':');
    if (fields.length !== parts || fields.some((f) => !f)) throw new ConfigError(`${name}: '${item}' must have the form ${parts === 2 ? 'tenant:key' : 'tenant:customers:invoices'}`);
    return fields;
  });
}

const CLIENT_FORM = "tenant:client_id:secret, optionally followed by ':' and space-separated scopes (tenant:client_id:secret:invoices:read customers:read)";

/** Scopes hold colons themselves, so everything after the third colon is the client's scope list. */
function oauthClients(value: string | undefined): ServerConfig['oauthClients'] {
  if (!value?.trim()) return [];
  return value.split(',').map((item) => {
    const [tenant, client_id, client_secret, ...rest] = item.trim().split(':');
    const scopeText = rest.join(':').trim();
    if (!tenant || !client_id || !client_secret || (rest.length && !scopeText)) throw new ConfigError(`INVOICEKIT_OAUTH_CLIENTS: '${item}' must have the form ${CLIENT_FORM}`);
    if (!rest.length) return { tenant, client_id, client_secret };
    const scopes = scopeText.split(/\s+/);
    const unknown = scopes.filter((s) => !(ALL_SCOPES as readonly string[]).includes(s));
    if (unknown.length) throw new ConfigError(`INVOICEKIT_OAUTH_CLIENTS: '${item}' names unknown scope${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; the scopes are ${ALL_SCOPES.join(' ')}`);
    return { tenant, client_id, client_secret, scopes: [...new Set(scopes)] as Scope[] };
  });
}

function integer(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name} must be an integer from ${min} to ${max}, not '${value}'`);
  return n;
}

/** Server configuration from the environment, overridden by command-line flags. */
export function readConfig(env: NodeJS.ProcessEnv, flags: Partial<Record<string, string | undefined>> = {}): ServerConfig {
  const pick = (flag: string, variable: string) => flags[flag] ?? env[variable];
  const cors = pick('cors', 'INVOICEKIT_CORS_ORIGINS') || '*';
  const fixtures = pick('fixtures', 'INVOICEKIT_FIXTURES');
  return {
    host: host(pick('host', 'HOST')),
    port: integer(pick('port', 'PORT'), 'PORT', 4010, 0, 65535),
    apiKeys: pairs(pick('apiKeys', 'INVOICEKIT_API_KEYS'), 'INVOICEKIT_API_KEYS', 2).map(([tenant, key]) => ({ tenant: tenant!, key: key! })),
    oauthClients: oauthClients(pick('oauthClients', 'INVOICEKIT_OAUTH_CLIENTS')),
    planLimits: pairs(pick('planLimits', 'INVOICEKIT_PLAN_LIMITS'), 'INVOICEKIT_PLAN_LIMITS', 3).map(([tenant, customers, invoices]) => ({
      tenant: tenant!,
      customers: integer(customers, 'INVOICEKIT_PLAN_LIMITS customers', 0, 0, 1e9),
      invoices: integer(invoices, 'INVOICEKIT_PLAN_LIMITS invoices', 0, 0, 1e9),
    })),
    settings: {
      rateLimit: integer(pick('rateLimit', 'INVOICEKIT_RATE_LIMIT'), 'INVOICEKIT_RATE_LIMIT', 120, 0, 1_000_000),
      corsOrigins: corsOrigins(cors),
      publicUrl: publicUrl(pick('publicUrl', 'INVOICEKIT_PUBLIC_URL') || undefined),
    },
    fixtures: fixtures === 'none' ? null : fixtures,
    seed: pick('seed', 'INVOICEKIT_SEED') === undefined ? undefined : integer(pick('seed', 'INVOICEKIT_SEED'), 'INVOICEKIT_SEED', 42, 0, 4294967295),
    preset: preset(pick('preset', 'INVOICEKIT_PRESET')),
    clock: instant(pick('clock', 'INVOICEKIT_CLOCK')),
    disturbance: disturbance(pick('latency', 'INVOICEKIT_LATENCY'), pick('faults', 'INVOICEKIT_FAULTS')),
    adminToken: pick('adminToken', 'INVOICEKIT_ADMIN_TOKEN'),
    secret: env.INVOICEKIT_SECRET,
    dataDir: pick('dataDir', 'INVOICEKIT_DATA_DIR') || undefined,
    reset: flags.reset !== undefined && String(flags.reset) !== 'false',
  };
}

function preset(value: string | undefined): ServerConfig['preset'] {
  if (value === undefined) return undefined;
  if (value === 'small' || value === 'medium' || value === 'large') return value;
  throw new ConfigError(`preset must be small, medium or large, not '${value}'`);
}

function instant(value: string | undefined): string | undefined {
  if (value === undefined || value === 'real') return value;
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new ConfigError(`clock must be an ISO 8601 instant or 'real', not '${value}'`);
  if (!clockCanShow(time)) throw new ConfigError(`clock must lie between 1970-01-01T00:00:00Z and 9999-12-31T00:00:00Z, not '${value}'`);
  return new Date(time).toISOString();
}

/** `--latency 100` or `--latency 50-200`; `--faults 0.1` or `--faults 0.1:503` or `--faults 0.05:drop`, optionally `@seed`. */
function disturbance(latency: string | undefined, faults: string | undefined): Partial<DisturbanceSettings> | undefined {
  const out: Partial<DisturbanceSettings> = {};
  if (latency !== undefined) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(latency);
    if (!m) throw new ConfigError(`latency must be <ms> or <min>-<max>, not '${latency}'`);
    out.latency = m[2] === undefined ? { fixed_ms: Number(m[1]) } : { min_ms: Number(m[1]), max_ms: Number(m[2]) };
    if ((out.latency.min_ms ?? 0) > (out.latency.max_ms ?? Infinity)) throw new ConfigError('latency: min above max');
  }
  if (faults !== undefined) {
    const m = /^(0(?:\.\d+)?|1(?:\.0+)?)(?::(\d{3}|drop))?(?:@(\d+))?$/.exec(faults);
    if (!m) throw new ConfigError(`faults must be <rate>[:<status>|:drop][@seed] with rate 0–1, not '${faults}'`);
    const status = m[2] && m[2] !== 'drop' ? Number(m[2]) : undefined;
    if (status !== undefined && (status < 400 || status > 599)) throw new ConfigError('faults: status must be 400–599');
    out.faults = { rate: Number(m[1]), mode: m[2] === 'drop' ? 'drop' : 'status', ...(status ? { status } : {}), ...(m[3] ? { seed: Number(m[3]) } : {}) };
  }
  return Object.keys(out).length ? out : undefined;
}
