import { invalidInput, Refusal } from './errors.ts';

/** What the customer still owes. Not clamped: a negative value reveals a bug upstream. */
export function amountDue(total: number, paid: number, credited: number): number {
  return total - paid - credited;
}

/**
 * The `amount_due` an invoice shows: 0 when its status owes nothing (void: the invoice is
 * cancelled, though its total, payments and credits stay as they were), else what is still owed.
 */
export function amountDueIn(owesNothing: boolean, total: number, paid: number, credited: number): number {
  return owesNothing ? 0 : amountDue(total, paid, credited);
}

function assertPositiveMinor(amount: number, field: string): void {
  if (!Number.isSafeInteger(amount) || amount <= 0) {
    throw invalidInput('invalid_quantity', field, `${field} must be a positive integer of minor units, got ${amount}`, {
      field,
      value: amount,
    });
  }
}

/** A payment must be > 0 and may not exceed what is due (no silent overpayment/credit balance). */
export function assertPayment(amount: number, due: number): void {
  assertPositiveMinor(amount, 'amount');
  if (amount > due) {
    throw new Refusal('overpayment', `Payment of ${amount} exceeds the amount due ${due}`, undefined, {
      amount,
      amount_due: due,
    });
  }
}

/** A credit note may reduce the balance to zero, never below. */
export function assertCredit(amount: number, due: number): void {
  assertPositiveMinor(amount, 'amount');
  if (amount > due) {
    throw new Refusal('credit_exceeds_balance', `Credit of ${amount} exceeds the amount due ${due}`, undefined, {
      amount,
      amount_due: due,
    });
  }
}
