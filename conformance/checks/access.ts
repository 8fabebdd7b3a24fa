import { resolveRef, type OperationEntry } from '../../src/contract/load.ts';
import { exampleDrafts, shapeOf, toRequest } from '../generation/cases.ts';
import { bindRequest, prepare, type Prepared } from '../plan.ts';
import type { AuthChoice, CheckContext, Exchange, RequestSpec } from '../types.ts';

/** Shared by the access checks (idempotency, tenant isolation, scopes): requests bound to real resources, tokens, ids. */

export const isJsonObject = (value: unknown): value is Record<string, any> => !!value && typeof value === 'object' && !Array.isArray(value) && !Buffer.isBuffer(value);

/** The POST operations whose contract entry declares an `Idempotency-Key` header. */
export function idempotentOperations(ctx: CheckContext): OperationEntry[] {
  return ctx.contract.operations.filter((o) => o.method === 'post' && o.parameters.some((p) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key'));
}

export type BoundRequest = { entry: OperationEntry; prepared: Prepared; spec: RequestSpec };

/**
 * A valid request for the operation, from its first documented example, bound to resources
 * prepared for it (or to `prepared` when given). Undefined when the example cannot be bound.
 */
export async function boundRequest(ctx: CheckContext, entry: OperationEntry, prepared?: Prepared): Promise<BoundRequest | undefined> {
  const shape = shapeOf(ctx.contract, entry);
  const draft = exampleDrafts(ctx.contract, shape)[0] ?? { label: 'no body', query: {}, headers: {} };
  const bound = prepared ?? (await prepare(entry.operationId, shape.pathParams, ctx.resources, { query: draft.query }));
  const spec = toRequest(shape, { ...draft, query: {} }, bound.pathParams);
  if (entry.operationId === 'batchInvoices' || entry.operationId === 'batchTrashedInvoices') {
    // The prepared invoice stands in for the example's ids (binding would create new ones).
    if (prepared && isJsonObject(spec.json)) {
      spec.json.ids = [prepared.invoice?.id ?? 'missing'];
      return { entry, prepared: bound, spec };
    }
  }
  const ok = await bindRequest(entry.operationId, spec, bound, ctx.resources, { clientId: ctx.options.oauthClientId, clientSecret: ctx.options.oauthClientSecret });
  return ok ? { entry, prepared: bound, spec } : undefined;
}

/** Sends a request spec as a probe of the check. */
export function sendSpec(ctx: CheckContext, checkId: string, operationId: string, spec: RequestSpec, label: string, extra: { headers?: Record<string, string>; auth?: AuthChoice; rawRateLimit?: boolean } = {}): Promise<Exchange> {
  const request: RequestSpec = {
    ...spec,
    ...(spec.query ? { query: { ...spec.query } } : {}),
    ...(spec.json !== undefined ? { json: structuredClone(spec.json) } : {}),
    headers: { ...spec.headers, ...extra.headers },
    ...(extra.auth ? { auth: extra.auth } : {}),
    ...(extra.rawRateLimit ? { rawRateLimit: true } : {}),
  };
  return ctx.send({ origin: 'probe', operationId, label: `${checkId}: ${label}`, request });
}

/** The scopes of the contract's OAuth2 client-credentials scheme, and its token URL. */
export function oauthScheme(ctx: CheckContext): { schemeName: string; scopes: string[]; tokenUrl?: string } | undefined {
  const schemes = (ctx.contract.doc.components.securitySchemes ?? {}) as Record<string, any>;
  for (const [name, raw] of Object.entries(schemes)) {
    const scheme = resolveRef<any>(ctx.contract.doc, raw);
    const flow = scheme?.type === 'oauth2' ? scheme.flows?.clientCredentials : undefined;
    if (flow) return { schemeName: name, scopes: Object.keys(flow.scopes ?? {}), ...(typeof flow.tokenUrl === 'string' ? { tokenUrl: flow.tokenUrl } : {}) };
  }
  return undefined;
}

/** Asks the token endpoint for an access token (client credentials), with the scopes given or the client's own. */
export async function requestToken(ctx: CheckContext, checkId: string, scope?: string): Promise<{ exchange: Exchange; token?: string; expiresIn?: number; scope?: string }> {
  const tokenOp = ctx.contract.operations.find((o) => o.method === 'post' && o.path === (ctx.contract.tokenUrl ?? '/oauth/token'));
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: ctx.options.oauthClientId ?? '', client_secret: ctx.options.oauthClientSecret ?? '', ...(scope ? { scope } : {}) });
  let path = tokenOp?.path ?? ctx.contract.tokenUrl ?? '/oauth/token';
  if (ctx.options.tokenUrl) path = new URL(ctx.options.tokenUrl, ctx.options.root + '/').pathname;
  const exchange = await ctx.send({
    origin: 'probe',
    ...(tokenOp ? { operationId: tokenOp.operationId } : {}),
    label: `${checkId}: token${scope ? ` for '${scope}'` : ''}`,
    request: { method: 'POST', path, raw: { contentType: 'application/x-www-form-urlencoded', text: form.toString() }, auth: 'none' },
  });
  const body = exchange.response?.body;
  if (exchange.response?.status !== 200 || !isJsonObject(body) || typeof body.access_token !== 'string') return { exchange };
  return { exchange, token: body.access_token, ...(typeof body.expires_in === 'number' ? { expiresIn: body.expires_in } : {}), ...(typeof body.scope === 'string' ? { scope: body.scope } : {}) };
}

/**
 * An id shaped like a real one (same prefix, length and alphabet) that no tenant should have:
 * each character after the prefix moves on by a fixed step in its own class.
 */
export function madeUpId(real: string): string {
  const cut = real.lastIndexOf('_') + 1;
  const rotate = (c: string) => {
    if (/[0-9]/.test(c)) return String((Number(c) + 7) % 10);
    if (/[a-z]/.test(c)) return String.fromCharCode(((c.charCodeAt(0) - 97 + 13) % 26) + 97);
    if (/[A-Z]/.test(c)) return String.fromCharCode(((c.charCodeAt(0) - 65 + 13) % 26) + 65);
    return c;
  };
  return real.slice(0, cut) + [...real.slice(cut)].map(rotate).join('');
}

/** The path parameters that name a tenant's resources (`{…_id}`), as opposed to public tokens. */
export const idParams = (entry: OperationEntry) => entry.parameters.filter((p) => p.in === 'path' && /_id$/.test(p.name)).map((p) => p.name);

/** The data items of a list answer, or undefined when the answer is not a list. */
export function listItems(exchange: Exchange): Array<Record<string, any>> | undefined {
  const body = exchange.response?.body;
  return exchange.response?.status === 200 && isJsonObject(body) && Array.isArray(body.data) ? (body.data as Array<Record<string, any>>) : undefined;
}
