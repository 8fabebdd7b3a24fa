import { ApiError } from '../problem.ts';
import type { Credentials } from '../auth.ts';
import type { HandlerRegistry } from '../types.ts';

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
      return { status: 200, body: token, headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache' } };
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
