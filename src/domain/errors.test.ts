import { describe, expect, it } from 'vitest';
import { invalidInput, Refusal } from './errors.ts';

describe('Refusal', () => {
  it('carries code, detail and facts, and no field unless given', () => {
    const e = new Refusal('overpayment', 'too much', undefined, { amount: 5 });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('Refusal');
    expect(e.code).toBe('overpayment');
    expect(e.detail).toBe('too much');
    expect(e.message).toBe('too much');
    expect(e.fields).toEqual([]);
    expect(e.facts).toEqual({ amount: 5 });
  });

  it('names the refused value by where it is in the request, not by an HTTP pointer', () => {
    const one = new Refusal('unknown_customer', 'No customer.', { in: 'body', path: 'customer_id', message: 'unknown customer', rule: 'exists' });
    expect(one.fields).toEqual([{ in: 'body', path: 'customer_id', message: 'unknown customer', rule: 'exists' }]);
    const two = new Refusal('invalid_pagination', 'One way.', [
      { in: 'query', path: 'offset', message: 'a' },
      { in: 'query', path: 'page', message: 'b' },
    ]);
    expect(two.fields.map((f) => f.path)).toEqual(['offset', 'page']);
  });

  it('invalidInput: a validation failure naming the body field and the rule it breaks', () => {
    const e = invalidInput('invalid_rate', 'tax_rate', 'tax_rate must be between 0 and 100, got 101', { value: 101 });
    expect(e).toMatchObject({ code: 'validation_failed', detail: 'tax_rate must be between 0 and 100, got 101', facts: { value: 101 } });
    expect(e.fields).toEqual([{ in: 'body', path: 'tax_rate', message: 'tax_rate must be between 0 and 100, got 101', rule: 'invalid_rate' }]);
    expect(invalidInput('invalid_quantity', undefined, 'x').fields[0]!.path).toBe('');
  });

  it('is not confused with plain errors', () => {
    expect(new Error('x')).not.toBeInstanceOf(Refusal);
  });
});
