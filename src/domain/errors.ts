// Stable machine-readable codes. The HTTP layer maps them to statuses;
// the domain only says *what* went wrong, never how to transport it.
export type DomainErrorCode =
  | 'invalid_transition'
  | 'invoice_not_editable'
  | 'invoice_in_trash'
  | 'invoice_not_in_trash'
  | 'invoice_has_payments'
  | 'duplicate_number'
  | 'customer_has_invoices'
  | 'not_published'
  | 'overpayment'
  | 'credit_exceeds_balance'
  | 'discount_exceeds_subtotal'
  | 'invalid_quantity'
  | 'invalid_rate'
  | 'unknown_currency'
  | 'date_out_of_range';

export const DOMAIN_ERROR_CODES: readonly DomainErrorCode[] = [
  'invalid_transition',
  'invoice_not_editable',
  'invoice_in_trash',
  'invoice_not_in_trash',
  'invoice_has_payments',
  'duplicate_number',
  'customer_has_invoices',
  'not_published',
  'overpayment',
  'credit_exceeds_balance',
  'discount_exceeds_subtotal',
  'invalid_quantity',
  'invalid_rate',
  'unknown_currency',
  'date_out_of_range',
] as const;

export class DomainError extends Error {
  override readonly name = 'DomainError';

  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export function isDomainError(e: unknown): e is DomainError {
  return e instanceof DomainError;
}
