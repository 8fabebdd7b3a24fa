import { ApiError, type ProblemCode } from '../problem.ts';
import { oauthText, type Credentials } from '../auth.ts';
import type { ApiResponse, HandlerRegistry } from '../types.ts';

/** Token answers are never cached, errors included (RFC 6749 §5.1, §5.2). */
const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' } as const;

/** Client id and secret from HTTP Basic (RFC 6749 §2.3.1) or from the body. */
function clientCredentials(authorization: string | undefined, body: { client_id?: string; client_secret?: string }) {
  const m = authorization && /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
  if (m) {
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      try {
        return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
      } catch {
        // Bad percent-encoding (RFC 6749 §2.3.1 form-encodes both parts): no such client.
        return { id: undefined, secret: undefined };
      }
    }
  }
  return { id: body.client_id, secret: body.client_secret };
}

export function authHandlers(credentials: Credentials): HandlerRegistry<'createAccessToken'> {
  return {
    createAccessToken: (req) => {
      const body = req.input.body as { grant_type: string; client_id?: string; client_secret?: string; scope?: string };
      const client = clientCredentials(req.raw.get('authorization'), body);
      const token = credentials.issueToken(client.id, client.secret, body.scope);
      return { status: 200, body: token, headers: { ...NO_STORE } };
    },
  };
}

/** RFC 6749 names a wrong grant type `unsupported_grant_type`; say so before generic validation. */
export function checkGrantType(body: unknown): void {
  const grant = (body as { grant_type?: unknown } | undefined)?.grant_type;
  if (typeof grant === 'string' && grant !== 'client_credentials') {
    throw new ApiError('unsupported_grant_type', `Grant type '${grant}' is not supported; use client_credentials.`, {
      errors: [{ pointer: '/body/grant_type', message: 'must be client_credentials', keyword: 'const' }],
    });
  }
}

/** The RFC 6749 §5.2 codes the refusals of the token endpoint carry; every other 4xx is `invalid_request`. */
const OAUTH_ERROR_CODES: Partial<Record<ProblemCode, string>> = {
  invalid_client: 'invalid_client',
  unsupported_grant_type: 'unsupported_grant_type',
  invalid_scope: 'invalid_scope',
};

/**
 * An error of the token endpoint as RFC 6749 §5.2 says (the contract's OAuthError), so that OAuth
 * client libraries can read it: `error`, `error_description`, plus `request_id` and the field
 * violations of a request that breaks the contract. The status and headers (the Basic challenge
 * of invalid_client) are the error's own.
 */
export function oauthErrorResponse(error: ApiError, requestId: string): ApiResponse {
  const code = OAUTH_ERROR_CODES[error.code] ?? (error.status >= 500 ? (error.status === 503 ? 'temporarily_unavailable' : 'server_error') : 'invalid_request');
  const body: Record<string, unknown> = { error: code, error_description: oauthText(error.detail), request_id: requestId };
  if (error.extras.errors?.length) body.errors = error.extras.errors;
  return { status: error.status, body, contentType: 'application/json', headers: { ...error.extras.headers, ...NO_STORE } };
}
