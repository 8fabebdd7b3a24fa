import { describe, expect, it } from 'vitest';
import { amountDueIn } from './balance.ts';
import { amountDue, assertCredit, assertPayment, invoiceAmountDue, OWES_NOTHING } from './lifecycle.ts';

describe('amountDue', () => {
  const table: Array<[number, number, number, number]> = [
    [1000, 0, 0, 1000],
    [1000, 250, 0, 750],
    [1000, 250, 750, 0],
    [1000, 0, 300, 700],
    [0, 0, 0, 0],
  ];
  it.each(table)('total %i − paid %i − credited %i = %i', (total, paid, credited, expected) => {
    expect(amountDue(total, paid, credited)).toBe(expected);
  });
});

describe('amount_due of an invoice', () => {
  it('is 0 in a status that owes nothing (void, from the contract), the balance otherwise', () => {
    expect([...OWES_NOTHING]).toEqual(['void']);
    expect(amountDueIn(true, 1000, 250, 0)).toBe(0);
    expect(amountDueIn(false, 1000, 250, 0)).toBe(750);
    const invoice = { total: 1000, amount_paid: 250, amount_credited: 100 };
    expect(invoiceAmountDue({ ...invoice, stored_status: 'void' })).toBe(0);
    expect(invoiceAmountDue({ ...invoice, stored_status: 'partially_paid' })).toBe(650);
    expect(invoiceAmountDue({ ...invoice, stored_status: 'draft' })).toBe(650);
  });
});

describe('assertPayment / assertCredit', () => {
  const table: Array<[number, number, string | null, string | null]> = [
    // amount, due, payment error, credit error
    [500, 1000, null, null],
    [1000, 1000, null, null],
    [1001, 1000, 'overpayment', 'credit_exceeds_balance'],
    [1, 0, 'overpayment', 'credit_exceeds_balance'],
    [0, 1000, 'invalid_quantity', 'invalid_quantity'],
    [-5, 1000, 'invalid_quantity', 'invalid_quantity'],
    [1.5, 1000, 'invalid_quantity', 'invalid_quantity'],
  ];
  it.each(table)('amount %s against due %i', (amount, due, paymentCode, creditCode) => {
    // invalid_quantity is an input rule: a validation failure of the body's amount that names it.
    const refusal = (code: string) => (code === 'invalid_quantity' ? { code: 'validation_failed', fields: [expect.objectContaining({ in: 'body', path: 'amount', rule: code })] } : { code });
    const check = (fn: () => void, code: string | null) =>
      code === null ? expect(fn).not.toThrow() : expect(fn).toThrow(expect.objectContaining(refusal(code)));
    check(() => assertPayment(amount, due), paymentCode);
    check(() => assertCredit(amount, due), creditCode);
  });

  it('reports amount and amount_due', () => {
    expect(() => assertPayment(11, 10)).toThrow(expect.objectContaining({ facts: { amount: 11, amount_due: 10 } }));
  });
});
