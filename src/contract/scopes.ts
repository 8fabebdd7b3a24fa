// The OAuth2 scopes, read from the contract's security schemes (components.securitySchemes.oauth2
// → flows.clientCredentials.scopes) instead of being written out by hand. The type comes from the
// bundled contract itself: TypeScript types a JSON module's object keys as literals, so a scope
// added to or removed from spec/ changes `Scope` at the next `npm run gen`.
import { loadContract, resolveRef, type OpenApiDocument } from './load.ts';

type Contract = typeof import('../generated/openapi.json');
type Flow = Contract['components']['securitySchemes']['oauth2']['flows']['clientCredentials'];

/** Every scope the contract defines, e.g. `invoices:write`. */
export type Scope = Extract<keyof Flow['scopes'], string>;

/** The scopes of the document's OAuth2 client-credentials scheme, in the contract's order. */
export function contractScopes(doc: OpenApiDocument): string[] {
  const schemes = (doc.components.securitySchemes ?? {}) as Record<string, unknown>;
  for (const raw of Object.values(schemes)) {
    const scheme = resolveRef<{ type?: string; flows?: { clientCredentials?: { scopes?: Record<string, string> } } }>(doc, raw);
    const scopes = scheme?.type === 'oauth2' ? scheme.flows?.clientCredentials?.scopes : undefined;
    if (scopes) return Object.keys(scopes);
  }
  return [];
}

/** Every scope named by an operation's (or the document's) security requirements, sorted. */
export function scopesRequiredByOperations(doc: OpenApiDocument): string[] {
  const found = new Set<string>();
  const collect = (security: unknown) => {
    for (const requirement of (Array.isArray(security) ? security : []) as Array<Record<string, string[]>>) for (const list of Object.values(requirement)) list.forEach((s) => found.add(s));
  };
  collect(doc.security);
  for (const item of Object.values(doc.paths)) for (const operation of Object.values(item)) if (operation && typeof operation === 'object') collect((operation as { security?: unknown }).security);
  return [...found].sort();
}

/** The canonical contract's scopes (a `:write` scope implies its `:read`; src/http/auth.ts applies that). */
export const ALL_SCOPES: readonly Scope[] = Object.freeze(contractScopes(loadContract()) as Scope[]);

export function isScope(value: string): value is Scope {
  return (ALL_SCOPES as readonly string[]).includes(value);
}
