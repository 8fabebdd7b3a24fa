import { createHash, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../deps.ts';
import { secureRandomText } from '../deps.ts';
import { ALL_SCOPES } from '../contract/scopes.ts';
import { ApiError } from './problem.ts';

// The scopes come from the contract's security schemes (src/contract/scopes.ts), never written here.
export { ALL_SCOPES, isScope, type Scope } from '../contract/scopes.ts';
/** An API key's scopes, built once: a key holds them all (hot path: not a new Set per request). */
const API_KEY_SCOPES: ReadonlySet<string> = new Set(ALL_SCOPES);

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

/** Text for an OAuth error description or challenge: printable ASCII without `"` or `\` (RFC 6749 §5.2, RFC 6750 §3). */
export const oauthText = (text: string) => text.replace(/"/g, "'").replace(/\\/g, '/').replace(/[^\x20-\x7E]/g, '?');

/**
 * The Bearer challenge of RFC 6750 §3: the realm alone when no Bearer credential was sent;
 * `invalid_token` with its description; `insufficient_scope` with the scopes the operation needs.
 */
export function bearerChallenge(problem?: { error: 'invalid_token'; description: string } | { error: 'insufficient_scope'; scope: string }): string {
  if (!problem) return 'Bearer realm="invoicekit"';
  if (problem.error === 'invalid_token') return `Bearer realm="invoicekit", error="invalid_token", error_description="${oauthText(problem.description)}"`;
  return `Bearer realm="invoicekit", error="insufficient_scope", scope="${oauthText(problem.scope)}"`;
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

  /**
   * The principal behind an Authorization header, or a 401 with the RFC 6750 §3.1 challenge: no
   * error attribute when no Bearer credential was sent (no header, or another scheme), else
   * `error="invalid_token"` with the reason.
   */
  authenticate(authorization: string | undefined): Principal {
    const refuse = (code: 'unauthenticated' | 'invalid_token', detail: string, bearerSent: boolean) =>
      new ApiError(code, detail, { headers: { 'WWW-Authenticate': bearerChallenge(bearerSent ? { error: 'invalid_token', description: detail } : undefined) } });
    if (!authorization) throw refuse('unauthenticated', "Send an API key or access token as 'Authorization: Bearer <token>'.", false);
    const m = /^Bearer[ ]+([\x21-\x7E]+)\s*$/i.exec(authorization);
    if (!m) throw refuse('unauthenticated', "The Authorization header must be 'Bearer <token>'.", /^Bearer(\s|$)/i.test(authorization));
    const token = m[1]!;
    const tenant = this.apiKeys.get(token);
    if (tenant !== undefined) return { tenant, scopes: API_KEY_SCOPES, credentialId: `key:${token}`, kind: 'api_key' };
    const issued = this.tokens.get(tokenHash(token));
    if (!issued) throw refuse('invalid_token', 'Unknown API key or access token.', true);
    // Left in place: a refusal writes nothing; the next token issued purges the expired ones.
    if (issued.expiresAt <= this.clock.now().getTime()) throw refuse('invalid_token', 'The access token has expired; ask for a new one.', true);
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
      headers: { 'WWW-Authenticate': bearerChallenge({ error: 'insufficient_scope', scope: needed[0]!.join(' ') }) },
    });
  }
}
