import { DomainError, type DomainErrorCode } from './domain/errors.ts';

/** Every problem code the API can answer with: its HTTP status and title. Mirrors the contract's Problem.code enum. */
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
} as const satisfies Record<string, readonly [number, string]>;

export type ProblemCode = keyof typeof PROBLEMS;

export type FieldError = { pointer: string; message: string; keyword?: string };

/** A refusal with a stable code; turned into problem+json in one place (http/problem.ts). */
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

/**
 * A change the data directory could not take (a failed commit). `full`: the database refused to
 * grow and is otherwise intact; `unusable`: it cannot be trusted any more (I/O error, read-only...).
 */
export class StorageError extends Error {
  constructor(
    readonly reason: 'full' | 'unusable',
    message: string,
  ) {
    super(message);
  }
}

const DOMAIN_TO_PROBLEM: Record<DomainErrorCode, ProblemCode> = {
  invalid_transition: 'invalid_transition',
  invoice_not_editable: 'invoice_not_editable',
  invoice_in_trash: 'invoice_in_trash',
  invoice_not_in_trash: 'invoice_not_in_trash',
  invoice_has_payments: 'invoice_has_payments',
  duplicate_number: 'duplicate_number',
  customer_has_invoices: 'customer_has_invoices',
  not_published: 'not_published',
  overpayment: 'overpayment',
  credit_exceeds_balance: 'credit_exceeds_balance',
  discount_exceeds_subtotal: 'discount_exceeds_subtotal',
  invalid_quantity: 'validation_failed',
  invalid_rate: 'validation_failed',
  unknown_currency: 'unknown_currency',
  date_out_of_range: 'date_out_of_range',
};

/** Any thrown value as an ApiError: domain refusals keep their code, the rest is internal. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof DomainError) {
    const code = DOMAIN_TO_PROBLEM[error.code];
    const field = typeof error.details?.field === 'string' ? error.details.field : undefined;
    return new ApiError(code, error.message, code === 'validation_failed' ? { errors: [{ pointer: `/body/${field ?? ''}`.replace(/\/$/, ''), message: error.message, keyword: error.code }] } : {});
  }
  if (error instanceof StorageError) {
    return new ApiError('storage_unavailable', error.reason === 'full' ? 'The data directory is full: the change was not kept. Nothing else changed; retry once space is freed.' : 'The data directory cannot be written: the change was not kept, and the server is stopping.');
  }
  return new ApiError('internal_error', 'The server failed to answer this request.');
}
