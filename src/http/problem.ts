import type { Response } from 'express';
import { ApiError, PROBLEMS } from '../errors.ts';
import type { ApiResponse } from './types.ts';

/** The one place where an ApiError becomes an HTTP response (RFC 9457 problem+json). */
export function problemResponse(error: ApiError, requestId: string, instance: string): ApiResponse {
  const body: Record<string, unknown> = {
    type: `https://invoicekit.dev/problems/${error.code}`,
    title: PROBLEMS[error.code][1],
    status: error.status,
    code: error.code,
    detail: error.detail,
    instance,
    request_id: requestId,
  };
  if (error.extras.errors?.length) body.errors = error.extras.errors;
  return { status: error.status, body, contentType: 'application/problem+json', headers: error.extras.headers ?? {} };
}

export function writeResponse(res: Response, response: ApiResponse): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.status(response.status);
  for (const [name, value] of Object.entries(response.headers ?? {})) res.setHeader(name, value);
  if (response.stream) {
    if (response.contentType) res.setHeader('Content-Type', response.contentType);
    response.stream.on('error', () => res.destroy());
    response.stream.pipe(res);
    return;
  }
  if (response.body === undefined) {
    res.end();
    return;
  }
  if (Buffer.isBuffer(response.body) || typeof response.body === 'string') {
    res.setHeader('Content-Type', response.contentType ?? 'text/plain; charset=utf-8');
    res.end(response.body);
    return;
  }
  res.setHeader('Content-Type', `${response.contentType ?? 'application/json'}; charset=utf-8`);
  res.end(JSON.stringify(response.body));
}
