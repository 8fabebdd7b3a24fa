import type { AppSettings } from './app.ts';

export type ServerConfig = {
  host: string;
  port: number;
  apiKeys: Array<{ tenant: string; key: string }>;
  oauthClients: Array<{ tenant: string; client_id: string; client_secret: string }>;
  settings: AppSettings;
  fixtures: string | null;
  adminToken: string | undefined;
  secret: string | undefined;
};

export class ConfigError extends Error {}

function pairs(value: string | undefined, name: string, parts: number): string[][] {
  if (!value?.trim()) return [];
  return value.split(',').map((item) => {
    const fields = item.trim().split(':');
    if (fields.length !== parts || fields.some((f) => !f)) throw new ConfigError(`${name}: '${item}' must have the form ${parts === 2 ? 'tenant:key' : 'tenant:client_id:secret'}`);
    return fields;
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
  const cors = pick('cors', 'INVOICEKIT_CORS_ORIGINS') ?? '*';
  const fixtures = pick('fixtures', 'INVOICEKIT_FIXTURES');
  return {
    host: pick('host', 'HOST') ?? '127.0.0.1',
    port: integer(pick('port', 'PORT'), 'PORT', 4010, 0, 65535),
    apiKeys: pairs(pick('apiKeys', 'INVOICEKIT_API_KEYS'), 'INVOICEKIT_API_KEYS', 2).map(([tenant, key]) => ({ tenant: tenant!, key: key! })),
    oauthClients: pairs(pick('oauthClients', 'INVOICEKIT_OAUTH_CLIENTS'), 'INVOICEKIT_OAUTH_CLIENTS', 3).map(([tenant, client_id, client_secret]) => ({ tenant: tenant!, client_id: client_id!, client_secret: client_secret! })),
    settings: {
      rateLimit: integer(pick('rateLimit', 'INVOICEKIT_RATE_LIMIT'), 'INVOICEKIT_RATE_LIMIT', 120, 0, 1_000_000),
      corsOrigins: cors === 'off' ? false : cors === '*' ? '*' : cors.split(',').map((o) => o.trim()).filter(Boolean),
      publicUrl: pick('publicUrl', 'INVOICEKIT_PUBLIC_URL')?.replace(/\/$/, ''),
    },
    fixtures: fixtures === 'none' ? null : (fixtures ?? 'fixtures/data/default.json'),
    adminToken: pick('adminToken', 'INVOICEKIT_ADMIN_TOKEN'),
    secret: env.INVOICEKIT_SECRET,
  };
}
