import { describe, expect, it } from 'vitest';
import { loadContract, type OpenApiDocument } from './load.ts';
import { ALL_SCOPES, contractScopes, isScope, scopesRequiredByOperations, type Scope } from './scopes.ts';

// Compile-time: the type is the contract's literal scopes, not widened to string.
const literal: string extends Scope ? false : true = true;
const example: Scope = 'invoices:write';

describe('scopes from the contract', () => {
  it('are the oauth2 scheme scopes, typed as literals', () => {
    expect(literal).toBe(true);
    expect(isScope(example)).toBe(true);
    expect(ALL_SCOPES).toEqual(contractScopes(loadContract()));
    expect(ALL_SCOPES).toEqual(['customers:read', 'customers:write', 'invoices:read', 'invoices:write', 'payments:read', 'payments:write']);
    expect(isScope('admin:all')).toBe(false);
  });

  it('cover every scope an operation requires, and every scope is required by some operation', () => {
    const required = scopesRequiredByOperations(loadContract());
    expect(required.filter((s) => !isScope(s))).toEqual([]);
    expect([...ALL_SCOPES].sort()).toEqual(required);
  });

  it('a contract whose operation names an undefined scope is caught', () => {
    const doc = structuredClone(loadContract()) as OpenApiDocument;
    (doc.paths['/api/v1/customers']!.get as { security: unknown }).security = [{ oauth2: ['customers:admin'] }];
    expect(scopesRequiredByOperations(doc).filter((s) => !contractScopes(doc).includes(s))).toEqual(['customers:admin']);
  });
});
