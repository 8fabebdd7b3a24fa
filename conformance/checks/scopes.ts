import type { OperationEntry } from '../../src/contract/load.ts';
import type { Prepared } from '../plan.ts';
import { PrerequisiteError } from '../resources.ts';
import type { AuthChoice, CheckContext, Exchange, ScenarioCheck } from '../types.ts';
import { boundRequest, isJsonObject, oauthScheme, requestToken, sendSpec } from './access.ts';
import { problemCode, statusText } from './util.ts';

const ID = 'scopes';
const RULE = 'contract: Authentication and scopes';
const PARALLEL = 4;

/** The scopes the operation's OAuth2 requirement names (the first requirement of that scheme). */
function scopesOf(entry: OperationEntry, schemeName: string): string[] | undefined {
  const requirements = (entry.operation.security ?? []) as Array<Record<string, string[]>>;
  return requirements.find((r) => schemeName in r)?.[schemeName];
}

/** `:write` implies its `:read` (the contract says so); anything else must be granted as such. */
const covers = (granted: Set<string>, scope: string) => granted.has(scope) || (scope.endsWith(':read') && granted.has(scope.replace(/:read$/, ':write')));

/** The parameters of a Bearer challenge (RFC 6750 §3): `Bearer realm="x", error="insufficient_scope", scope="a b"`. */
export function bearerChallenge(header: string | undefined): { scheme: string; params: Record<string, string> } | undefined {
  if (!header) return undefined;
  const m = /^\s*(\S+)\s*(.*)$/.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  for (const p of m[2]!.matchAll(/([A-Za-z_][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)) params[p[1]!.toLowerCase()] = p[2] ?? p[3] ?? '';
  return { scheme: m[1]!, params };
}

export const scopes: ScenarioCheck = {
  id: ID,
  kind: 'scenario',
  inline: false,
  // The clock moves (with --admin-token) to expire a token: nothing else may run meanwhile.
  exclusive: true,
  severity: 'critical',
  description: 'An OAuth token with read scopes only gets 403 insufficient_scope with a WWW-Authenticate naming the missing scope on every write, and works on every read; an unknown or expired token gets 401.',
  requires: ['writes', 'oauth'],
  operations: ['createCustomer', 'createInvoice'],
  async run(ctx) {
    const scheme = oauthScheme(ctx);
    if (!scheme) throw new PrerequisiteError('the contract has no OAuth2 client-credentials scheme');
    const readScopes = scheme.scopes.filter((s) => /:read$/.test(s));
    if (!readScopes.length) throw new PrerequisiteError('the contract names no read scope (…:read)');
    const fail = (exchange: Exchange, rule: string, cause: string, expected: string, got?: string) =>
      ctx.fail({ exchange, operationId: exchange.case.operationId ?? '(no operation)', cause, message: `${rule} (${RULE})`, expected, got: got ?? (exchange.response ? statusText(exchange.response) : '(no answer)') });

    const issued = await requestToken(ctx, ID, readScopes.join(' '));
    if (!issued.token) throw new PrerequisiteError(`${ID} could not set up: the token endpoint refused the read scopes (${issued.exchange.response ? statusText(issued.exchange.response) : 'no answer'})`);
    const reader: AuthChoice = { authorization: `Bearer ${issued.token}`, label: 'read-only token' };
    const granted = new Set(readScopes);

    // Resources of the tenant, made with the primary credential, for the requests that take ids.
    const customerId = await ctx.resources.customer();
    const invoice = await ctx.resources.invoice('partially_paid', customerId);
    const pathParams: Record<string, string> = { customer_id: customerId, invoice_id: invoice.id, ...(invoice.paymentId ? { payment_id: invoice.paymentId } : {}) };
    const prepared: Prepared = { pathParams, invoice, customerId, context: {} };

    const secured = ctx.contract.operations.filter((o) => scopesOf(o, scheme.schemeName) !== undefined && !o.path.startsWith('/public/'));
    const probe = async (entry: OperationEntry) => {
      const op = entry.operationId;
      const needed = scopesOf(entry, scheme.schemeName) ?? [];
      const missing = needed.filter((s) => !covers(granted, s));
      const params = entry.parameters.filter((p) => p.in === 'path').map((p) => p.name);
      if (!params.every((p) => p in pathParams)) return ctx.skip(op, `the runner cannot fill '${params.join("', '")}'`);
      const bound = await boundRequest(ctx, entry, { ...prepared, pathParams: Object.fromEntries(params.map((p) => [p, pathParams[p]!])), context: {} });
      if (!bound) return ctx.skip(op, 'the example cannot be bound to real resources');
      if (entry.method === 'delete' && bound.spec.query) delete bound.spec.query.permanent;
      const exchange = await sendSpec(ctx, ID, op, bound.spec, missing.length ? `write with a token of read scopes (lacks ${missing.join(' ')})` : 'read with a token of read scopes', {
        auth: reader,
        ...(entry.method === 'post' ? { headers: { 'Idempotency-Key': `ikc-${ctx.options.runTag}-${ID}-${op}` } } : {}),
      });
      const got = exchange.response;
      if (!got) return;
      if (!missing.length) {
        if (got.status === 401 || got.status === 403) return fail(exchange, `A token holding the scopes an operation needs (${needed.join(' ')}) may call it`, `read refused to a read-scoped token`, '2xx', statusText(got));
        return ctx.pass(op);
      }
      if (got.status !== 403 || problemCode(got) !== 'insufficient_scope') {
        return fail(exchange, `A token without the scope an operation needs (${missing.join(' ')}) gets 403 insufficient_scope, and nothing happens`, 'write allowed to a read-scoped token', '403 insufficient_scope', statusText(got));
      }
      const challenge = bearerChallenge(got.headers['www-authenticate']);
      const named = new Set((challenge?.params.scope ?? '').split(/\s+/).filter(Boolean));
      if (!challenge || challenge.scheme.toLowerCase() !== 'bearer' || challenge.params.error !== 'insufficient_scope' || !missing.every((s) => named.has(s))) {
        return fail(exchange, 'A 403 insufficient_scope carries WWW-Authenticate: Bearer error="insufficient_scope", scope="…" naming the missing scope (RFC 6750 §3.1)', '403 without a challenge naming the scope', `Bearer error="insufficient_scope", scope="${missing.join(' ')}"`, got.headers['www-authenticate'] ?? '(no WWW-Authenticate)');
      }
      ctx.pass(op);
    };
    const queue = [...secured];
    await Promise.all(Array.from({ length: PARALLEL }, async () => {
      for (let entry = queue.shift(); entry; entry = queue.shift()) await probe(entry);
    }));

    // Tokens that are not (or no longer) valid: 401 with a challenge.
    const read = secured.find((o) => o.method === 'get' && !o.path.includes('{') && (scopesOf(o, scheme.schemeName) ?? []).every((s) => covers(granted, s)));
    if (!read) return;
    const refused = async (auth: AuthChoice, what: string) => {
      const exchange = await ctx.send({ origin: 'probe', operationId: read.operationId, label: `${ID}: ${what}`, request: { method: 'GET', path: read.path, auth } });
      const got = exchange.response;
      if (!got) return;
      if (got.status !== 401) return fail(exchange, `${what} is refused with 401`, `${what} → ${got.status}`, '401', statusText(got));
      if (bearerChallenge(got.headers['www-authenticate'])?.scheme.toLowerCase() !== 'bearer') return fail(exchange, `A 401 to ${what} carries WWW-Authenticate: Bearer …`, `401 to ${what} without a Bearer challenge`, 'WWW-Authenticate: Bearer …', got.headers['www-authenticate'] ?? '(absent)');
      ctx.pass(read.operationId);
    };
    await refused({ authorization: `Bearer at_unknown${ctx.options.runTag.replace(/[^A-Za-z0-9]/g, '')}`, label: 'unknown token' }, 'An unknown access token');
    await expiredToken(ctx, issued.expiresIn, (auth) => refused(auth, 'An expired access token'));
  },
};

/** With --admin-token: a token outlives its lifetime once the server's clock moves past it; the clock is put back after. */
async function expiredToken(ctx: CheckContext, lifetime: number | undefined, judge: (auth: AuthChoice) => Promise<void>): Promise<void> {
  const what = '(expired token)';
  if (!ctx.options.adminToken) return ctx.skip(what, 'an expired token can only be made by moving the clock of an invoicekit server (--admin-token): not judged');
  const admin: AuthChoice = { authorization: `Bearer ${ctx.options.adminToken}`, label: 'admin token' };
  const control = (method: string, path: string, json?: unknown) => ctx.send({ origin: 'setup', label: `${ID}: control ${method} ${path}`, request: { method, path, ...(json !== undefined ? { json } : {}), auth: admin } });
  const clock = await control('GET', '/control/clock');
  const was = clock.response?.body;
  if (clock.response?.status !== 200 || !isJsonObject(was) || typeof was.now !== 'string') return ctx.skip(what, `the control API did not show the clock (${clock.response ? statusText(clock.response) : 'no answer'}): not judged`);
  const token = await requestToken(ctx, ID);
  if (!token.token) return ctx.skip(what, 'no token to expire: not judged');
  const seconds = (token.expiresIn ?? lifetime ?? 3600) + 1;
  const moved = await control('POST', '/control/clock/advance', { duration: `PT${seconds}S` });
  if (!moved.response || moved.response.status >= 300) return ctx.skip(what, `the control API did not move the clock (${moved.response ? statusText(moved.response) : 'no answer'}): not judged`);
  try {
    await judge({ authorization: `Bearer ${token.token}`, label: 'expired token' });
  } finally {
    // A frozen clock is frozen again where it was; a running one goes back to its former offset (to the second).
    if (was.frozen === true) await control('POST', '/control/clock/freeze', { at: was.now });
    else {
      await control('DELETE', '/control/clock');
      const offset = Math.round(Number(was.offset_ms ?? 0) / 1000);
      if (offset > 0) await control('POST', '/control/clock/advance', { duration: `PT${offset}S` });
    }
  }
}
