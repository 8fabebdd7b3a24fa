import type { Response } from 'express';
import { Refusal, type FieldPointer, type ProblemCode } from '../domain/errors.ts';
import { StorageError } from '../errors.ts';
import type { ApiResponse } from './types.ts';

export type { ProblemCode };

/**
 * The HTTP status and title of every problem code. Keyed by the contract's Problem `code` enum:
 * a code added to (or removed from) the contract without its status here fails to compile.
 */
export const PROBLEMS = {
  validation_failed: [400, 'Request validation failed'],
  malformed_json: [400, 'Malformed JSON'],
  malformed_request: [400, 'Malformed HTTP request'],
  invalid_cursor: [400, 'Invalid cursor'],
  invalid_pagination: [400, 'Invalid pagination'],
  unsupported_grant_type: [400, 'Unsupported grant type'],
  invalid_scope: [400, 'Invalid scope'],
  unauthenticated: [401, 'Authentication required'],
  invalid_token: [401, 'Invalid credentials'],
  invalid_client: [401, 'Invalid client'],
  insufficient_scope: [403, 'Insufficient scope'],
  plan_limit_reached: [403, 'Plan limit reached'],
  not_found: [404, 'Not found'],
  route_not_found: [404, 'No such route'],
  method_not_allowed: [405, 'Method not allowed'],
  invalid_transition: [409, 'Action not allowed in this status'],
  invoice_not_editable: [409, 'Invoice not editable'],
  invoice_in_trash: [409, 'Invoice is in the trash'],
  invoice_not_in_trash: [409, 'Invoice is not in the trash'],
  invoice_has_payments: [409, 'Invoice has payments'],
  duplicate_number: [409, 'Duplicate invoice number'],
  customer_has_invoices: [409, 'Customer has invoices'],
  not_published: [409, 'Invoice is not published'],
  idempotency_in_flight: [409, 'Request in progress'],
  nothing_due: [409, 'Nothing is due'],
  request_timeout: [408, 'Request timeout'],
  link_expired: [410, 'Link expired'],
  payload_too_large: [413, 'Payload too large'],
  unsupported_media_type: [415, 'Unsupported media type'],
  idempotency_key_reused: [422, 'Idempotency key reused'],
  overpayment: [422, 'Payment exceeds the amount due'],
  credit_exceeds_balance: [422, 'Credit exceeds the amount due'],
  discount_exceeds_subtotal: [422, 'Discount exceeds the subtotal'],
  unknown_customer: [422, 'Unknown customer'],
  customer_inactive: [422, 'Customer is inactive'],
  unknown_currency: [422, 'Unknown currency'],
  no_recipient: [422, 'No recipient'],
  date_out_of_range: [422, 'Date out of range'],
  rate_limited: [429, 'Too many requests'],
  headers_too_large: [431, 'Request headers too large'],
  internal_error: [500, 'Internal error'],
  injected_fault: [503, 'Injected fault'],
  storage_unavailable: [503, 'Storage unavailable'],
} as const satisfies Record<ProblemCode, readonly [status: number, title: string]>;

export type FieldError = { pointer: string; message: string; keyword?: string };

/**
 * A refusal only HTTP can make (routing, auth, validation of the raw request, limits), with what
 * only HTTP carries: headers (Allow, WWW-Authenticate, Retry-After), several field errors, or a
 * status other than the code's own (501 for an operation without a handler, an injected fault).
 */
export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    readonly extras: { errors?: FieldError[]; headers?: Record<string, string>; status?: number } = {},
  ) {
    super(detail);
    this.status = extras.status ?? PROBLEMS[code][0];
  }
}

/** A refused value as the problem's `errors[]` entry: a JSON pointer into the request. */
export function fieldError(field: FieldPointer): FieldError {
  const error: FieldError = { pointer: `/${field.in}${field.path ? `/${field.path}` : ''}`, message: field.message };
  if (field.rule !== undefined) error.keyword = field.rule;
  return error;
}

/** Any thrown value as an ApiError: refusals keep their code, the rest is internal. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof Refusal) return new ApiError(error.code, error.detail, error.fields.length ? { errors: error.fields.map(fieldError) } : {});
  if (error instanceof StorageError) {
    return new ApiError('storage_unavailable', error.reason === 'full' ? 'The data directory is full: the change was not kept. Nothing else changed; retry once space is freed.' : 'The data directory cannot be written: the change was not kept, and the server is stopping.');
  }
  return new ApiError('internal_error', 'The server failed to answer this request.');
}

/** The one place where a refusal becomes an HTTP response (RFC 9457 problem+json). */
export function problemResponse(thrown: ApiError | Refusal, requestId: string, instance: string): ApiResponse {
  const error = toApiError(thrown);
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
  const { status } = response;
  // What Express's res.status checks, without its call.
  if (!Number.isInteger(status) || status < 100 || status > 999) throw new RangeError(`Invalid status code: ${status}`);
  res.statusCode = status;
  if (response.headers) for (const name in response.headers) res.setHeader(name, response.headers[name]!);
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
