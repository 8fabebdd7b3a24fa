import type { Request, RequestHandler, Response } from 'express';

export type CorsOptions = {
  /** `*` reflects any origin; a list allows exactly those. */
  origins: '*' | string[];
  exposedHeaders: string[];
  allowedHeaders: string[];
  maxAgeSeconds: number;
};

const ALLOWED_METHODS = 'GET,HEAD,PUT,PATCH,POST,DELETE';

/**
 * CORS as the `cors` package answers with these options (origin reflected when allowed, `Vary:
 * Origin`, preflights answered 204 with no body), its header values joined once at start rather
 * than on every request.
 */
export function corsHeaders(options: CorsOptions): RequestHandler {
  const apply = corsStep(options);
  return (req, res, next) => {
    if (!apply(req, res)) next();
  };
}

/** corsHeaders as a step of a larger middleware: sets the headers, and answers a preflight itself (then true). */
export function corsStep(options: CorsOptions): (req: Request, res: Response) => boolean {
  const exposed = options.exposedHeaders.join(',');
  const allowed = options.allowedHeaders.join(',');
  const maxAge = String(options.maxAgeSeconds);
  const listed = options.origins === '*' ? undefined : new Set(options.origins);
  return (req, res) => {
    const origin = req.headers.origin;
    if (origin && (listed === undefined || listed.has(origin))) res.setHeader('Access-Control-Allow-Origin', origin);
    if (res.hasHeader('Vary')) res.vary('Origin');
    else res.setHeader('Vary', 'Origin');
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', ALLOWED_METHODS);
      res.setHeader('Access-Control-Allow-Headers', allowed);
      res.setHeader('Access-Control-Max-Age', maxAge);
      res.setHeader('Access-Control-Expose-Headers', exposed);
      res.statusCode = 204;
      res.setHeader('Content-Length', '0');
      res.end();
      return true;
    }
    res.setHeader('Access-Control-Expose-Headers', exposed);
    return false;
  };
}
