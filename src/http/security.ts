// Security headers (helmet) and the last-resort error handler shared by the API, the public
// pages, the docs and the mock controls.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';
import { secureRandomText } from '../deps.ts';
import { ApiError, toApiError } from './problem.ts';
import { problemResponse, writeResponse } from './problem.ts';

/**
 * Every answer: nosniff, no referrer, no framing, and a CSP that allows nothing (JSON, CSV and
 * PDF need none); the HTML pages and the docs replace the CSP with what each of them needs.
 * No HSTS: the reference server speaks plain HTTP.
 */
export function securityHeaders(): RequestHandler {
  return helmet(HELMET_OPTIONS);
}

const HELMET_OPTIONS: Parameters<typeof helmet>[0] = {
  contentSecurityPolicy: { useDefaults: false, directives: { 'default-src': ["'none'"], 'frame-ancestors': ["'none'"], 'base-uri': ["'none'"], 'form-action': ["'none'"] } },
  crossOriginResourcePolicy: { policy: 'cross-origin' }, // a CORS API: other origins may read it
  referrerPolicy: { policy: 'no-referrer' },
  xFrameOptions: { action: 'deny' },
  strictTransportSecurity: false,
};

/**
 * securityHeaders() as one function that sets them: helmet's answer to these options does not
 * depend on the request, so it is taken once from a recording response and replayed (twelve
 * nested middleware calls less on every request).
 */
export function securityHeaderSetter(): (res: Response) => void {
  const headers: Array<[string, string]> = [];
  const recorder = {
    setHeader: (name: string, value: unknown) => void headers.push([name, String(value)]),
    removeHeader: () => undefined,
    getHeader: () => undefined,
  };
  let called = false;
  securityHeaders()({} as Request, recorder as unknown as Response, () => (called = true));
  if (!called) throw new Error('helmet did not pass the request on synchronously');
  return (res) => {
    for (const [name, value] of headers) res.setHeader(name, value);
  };
}

/** The CSP of a self-contained Redocly page: its own inline scripts (by hash), inline styles, a search worker from a blob. */
export function docsContentSecurityPolicy(html: string): string {
  const hashes = new Set<string>();
  for (const m of html.matchAll(/<script(?:\s[^>]*)?>([\s\S]*?)<\/script\s*>/gi)) {
    if (m[1]) hashes.add(`'sha256-${createHash('sha256').update(m[1], 'utf8').digest('base64')}'`);
  }
  return [
    "default-src 'none'",
    `script-src ${[...hashes].join(' ') || "'none'"}`,
    "style-src 'unsafe-inline'",
    'img-src data:',
    'font-src data:',
    'worker-src blob:',
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const docsCache = new Map<string, { mtimeMs: number; html: string; csp: string }>();

/** A built docs page and its CSP, read again only when the file changes. */
export function readDocsPage(file: string): { html: string; csp: string } {
  const { mtimeMs } = statSync(file);
  let cached = docsCache.get(file);
  if (!cached || cached.mtimeMs !== mtimeMs) {
    const html = readFileSync(file, 'utf8');
    docsCache.set(file, (cached = { mtimeMs, html, csp: docsContentSecurityPolicy(html) }));
  }
  return cached;
}

/** Whatever escaped every other handler: a problem+json 500 (or 400 for an unreadable request), never a stack or a path. */
export const lastResort: ErrorRequestHandler = (error, req, res, _next) => {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const status = (error as { status?: unknown })?.status;
  const problem = typeof status === 'number' && status >= 400 && status < 500 ? new ApiError('malformed_request', 'The request could not be read.') : toApiError(error);
  sendProblem(req, res, problem);
};

/** A problem+json answer outside the contract pipeline (docs, health), with a request id. */
export function sendProblem(req: Request, res: Response, problem: ApiError): void {
  const requestId = (res.getHeader('X-Request-Id') as string | undefined) ?? `req_${secureRandomText(24)}`;
  res.setHeader('X-Request-Id', requestId);
  writeResponse(res, problemResponse(problem, requestId, req.path));
}
