import { describe, expect, it } from 'vitest';
import { DOMAIN_ERROR_CODES, DomainError, isDomainError } from './errors.ts';

describe('DomainError', () => {
  it('carries code, message and details', () => {
    const e = new DomainError('overpayment', 'too much', { amount: 5 });
    expect(e).toBeInstanceOf(Error);
    expect(isDomainError(e)).toBe(true);
    expect(e.name).toBe('DomainError');
    expect(e.code).toBe('overpayment');
    expect(e.message).toBe('too much');
    expect(e.details).toEqual({ amount: 5 });
  });

  it('has exactly the stable codes', () => {
    expect([...DOMAIN_ERROR_CODES].sort()).toEqual(
      [
        'invalid_transition', 'invoice_not_editable', 'invoice_in_trash', 'invoice_not_in_trash',
        'invoice_has_payments', 'duplicate_number', 'customer_has_invoices', 'not_published',
        'overpayment', 'credit_exceeds_balance', 'discount_exceeds_subtotal', 'invalid_quantity',
        'invalid_rate', 'unknown_currency', 'date_out_of_range',
      ].sort(),
    );
  });

  it('is not confused with plain errors', () => {
    expect(isDomainError(new Error('x'))).toBe(false);
  });
});
