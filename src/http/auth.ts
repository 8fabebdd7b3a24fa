import { createHash, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../deps.ts';
import { secureRandomText } from '../deps.ts';
import { ApiError } from './problem.ts';

export const ALL_SCOPES = ['customers:read', 'customers:write', 'invoices:read', 'invoices:write', 'payments:read', 'payments:write'] as const;
export type Scope = (typeof ALL_SCOPES)[number];

export type Principal = {
  tenant: string;
  scopes: ReadonlySet<string>;
  /** What rate limits and idempotency keys are counted against. */
  credentialId: string;
  kind: 'api_key' | 'access_token';
};

export type OAuthClient = { client_id: string; client_secret: string; tenant: string; scopes: string[] };
/** An access token as kept: its holder, scopes and expiry (epoch ms, from the injected clock). */
export type IssuedToken = { tenant: string; scopes: string[]; clientId: string; expiresAt: number };

/** Where issued tokens are also kept (the `--data-dir` database), keyed by the token's hash, in the request's commit. */
export interface TokenSink {
  save(hash: string, token: IssuedToken): void;
  remove(hash: string): void;
  clear(): void;
}

/** Tokens are known by their SHA-256 only: the database, like memory, never holds a usable token. */
const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

export const TOKEN_LIFETIME_SECONDS = 3600;

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * What the control API shows of an API key: its kind prefix and last four characters
 * (`ik_test_…8i4r`), enough to tell keys apart, never enough to use one. A key too short
 * to keep eight characters hidden shows its prefix only.
 */
export function keyFingerprint(key: string): string {
  const prefix = /^[A-Za-z]{1,8}_(?:(?:test|live)_)?/.exec(key)?.[0] ?? '';
  const secret = key.slice(prefix.length);
  return `${prefix}…${secret.length >= 12 ? secret.slice(-4) : ''}`;
}

/** True when the granted scopes cover the needed one (`:write` implies `:read`). */
export function hasScope(granted: ReadonlySet<string>, needed: string): boolean {
  return granted.has(needed) || (needed.endsWith(':read') && granted.has(needed.replace(/:read$/, ':write')));
}

/** API keys, OAuth clients and the access tokens issued to them; every credential belongs to one tenant. */
export class Credentials {
  private readonly apiKeys = new Map<string, string>();
  private readonly clients = new Map<string, OAuthClient>();
  /** By token hash. */
  private readonly tokens = new Map<string, IssuedToken>();

  constructor(
    private readonly clock: Clock,
    private readonly sink?: TokenSink,
  ) {}

  /** Puts back tokens read from the sink (not written to it again); only those of a known client and not expired. */
  loadTokens(tokens: Iterable<[string, IssuedToken]>) {
    const now = this.clock.now().getTime();
    for (const [hash, issued] of tokens) if (issued.expiresAt > now && this.clients.has(issued.clientId)) this.tokens.set(hash, issued);
  }

  addApiKey(tenant: string, key: string) {
    this.apiKeys.set(key, tenant);
  }
  addClient(client: OAuthClient) {
    this.clients.set(client.client_id, client);
  }
  apiKeysOf(tenant: string): string[] {
    return [...this.apiKeys].filter(([, t]) => t === tenant).map(([k]) => k);
  }
  clear() {
    this.forget();
    this.sink?.clear();
  }
  /** Empties memory only (the sink keeps what it has), before everything is read back from it. */
  forget() {
    this.apiKeys.clear();
    this.clients.clear();
    this.tokens.clear();
  }

  /** Client-credentials grant: checks the client and the scopes asked for, issues a token. */
  issueToken(clientId: string | undefined, clientSecret: string | undefined, scope: string | undefined) {
    const client = clientId !== undefined ? this.clients.get(clientId) : undefined;
    if (!client || clientSecret === undefined || !sameSecret(client.client_secret, clientSecret)) {
      throw new ApiError('invalid_client', 'Unknown client or wrong secret.', { headers: { 'WWW-Authenticate': 'Basic realm="invoicekit"' } });
    }
    const asked = scope?.split(' ').filter(Boolean) ?? client.scopes;
    const refused = asked.filter((s) => !client.scopes.some((own) => own === s || (s.endsWith(':read') && own === s.replace(/:read$/, ':write'))));
    if (refused.length) {
      throw new ApiError('invalid_scope', `This client may not ask for ${refused.join(', ')}.`, { errors: [{ pointer: '/body/scope', message: `not granted to this client: ${refused.join(' ')}`, keyword: 'scope' }] });
    }
    this.purgeExpired();
    const token = `at_${secureRandomText(32)}`;
    const issued: IssuedToken = { tenant: client.tenant, scopes: asked, clientId: client.client_id, expiresAt: this.clock.now().getTime() + TOKEN_LIFETIME_SECONDS * 1000 };
    const hash = tokenHash(token);
    this.tokens.set(hash, issued);
    this.sink?.save(hash, issued);
    return { access_token: token, token_type: 'Bearer' as const, expires_in: TOKEN_LIFETIME_SECONDS, scope: asked.join(' ') };
  }

  private purgeExpired() {
    const now = this.clock.now().getTime();
    for (const [hash, issued] of this.tokens) {
      if (issued.expiresAt > now) continue;
      this.tokens.delete(hash);
      this.sink?.remove(hash);
    }
  }

  /** The principal behind an Authorization header, or a 401. */
  authenticate(authorization: string | undefined): Principal {
    const challenge = (error?: string) => ({ headers: { 'WWW-Authenticate': `Bearer realm="invoicekit"${error ? `, error="${error}"` : ''}` } });
    if (!authorization) throw new ApiError('unauthenticated', "Send an API key or access token as 'Authorization: Bearer <token>'.", challenge());
    const m = /^Bearer[ ]+([\x21-\x7E]+)\s*$/i.exec(authorization);
    if (!m) throw new ApiError('unauthenticated', "The Authorization header must be 'Bearer <token>'.", challenge('invalid_request'));
    const token = m[1]!;
    const tenant = this.apiKeys.get(token);
    if (tenant !== undefined) return { tenant, scopes: new Set(ALL_SCOPES), credentialId: `key:${token}`, kind: 'api_key' };
    const issued = this.tokens.get(tokenHash(token));
    if (!issued) throw new ApiError('invalid_token', 'Unknown API key or access token.', challenge('invalid_token'));
    // Left in place: a refusal writes nothing; the next token issued purges the expired ones.
    if (issued.expiresAt <= this.clock.now().getTime()) {
      throw new ApiError('invalid_token', 'The access token has expired; ask for a new one.', challenge('invalid_token'));
    }
    return { tenant: issued.tenant, scopes: new Set(issued.scopes), credentialId: `client:${issued.clientId}`, kind: 'access_token' };
  }

  /** 403 unless the principal holds every scope of one of the operation's security requirements. */
  authorize(principal: Principal, requirements: Array<Record<string, string[]>>): void {
    const relevant = requirements.filter((r) => (principal.kind === 'api_key' ? 'apiKey' in r : 'oauth2' in r));
    const needed = relevant.map((r) => Object.values(r)[0] ?? []);
    if (needed.length === 0 || needed.some((scopes) => scopes.every((s) => hasScope(principal.scopes, s)))) return;
    const missing = needed[0]!.filter((s) => !hasScope(principal.scopes, s));
    // RFC 6750 §3.1: the challenge names the scope the token lacks.
    throw new ApiError('insufficient_scope', `This operation needs the scope${missing.length > 1 ? 's' : ''} ${missing.map((s) => `'${s}'`).join(', ')}.`, {
      headers: { 'WWW-Authenticate': `Bearer realm="invoicekit", error="insufficient_scope", scope="${needed[0]!.join(' ')}"` },
    });
  }
}
