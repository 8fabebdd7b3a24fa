// Which format an operation's errors take, as its documented responses say: RFC 9457
// problem+json (the rule), or RFC 6749 §5.2 OAuth errors (application/json with the OAuthError
// schema: the token endpoint), so that OAuth client libraries can read them.
import { resolveRef, type OpenApiDocument, type OperationEntry } from './load.ts';

export const OAUTH_ERROR_SCHEMA_REF = '#/components/schemas/OAuthError';

export type ErrorFormat = 'problem' | 'oauth';

type ResponseObject = { content?: Record<string, { schema?: { $ref?: string } }> };

/** `oauth` when a 4xx response of the operation documents application/json with the OAuthError schema; `problem` otherwise. */
export function errorFormatOf(doc: OpenApiDocument, entry: OperationEntry): ErrorFormat {
  const responses = (entry.operation.responses ?? {}) as Record<string, unknown>;
  for (const [status, raw] of Object.entries(responses)) {
    if (!/^4[0-9X]{2}$/i.test(status)) continue;
    const response = resolveRef<ResponseObject>(doc, raw);
    if (response?.content?.['application/json']?.schema?.$ref === OAUTH_ERROR_SCHEMA_REF) return 'oauth';
  }
  return 'problem';
}
