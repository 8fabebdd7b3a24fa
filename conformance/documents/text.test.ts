import { describe, expect, it } from 'vitest';
import { documentedColumns } from '../checks/documents.ts';
import { addDays, amountForms, containsAmount, containsToken, tamper } from './text.ts';

describe('amounts in document text', () => {
  it('knows the usual layouts of a minor-unit amount', () => {
    expect(amountForms(126449, 2)).toEqual(expect.arrayContaining(['1264.49', '1264,49', '1,264.49', '1.264,49', '1 264,49', "1'264.49"]));
    expect(amountForms(3798, 0)).toEqual(expect.arrayContaining(['3798', '3,798', '3.798']));
    expect(amountForms(5, 3)).toContain('0.005');
    expect(amountForms(-1250, 2)).toContain('-12.50');
  });

  it('finds the amount whole, and not inside a longer number or with other digits', () => {
    expect(containsAmount('Total USD 1,264.49\nAmount due', 126449, 2)).toBe(true);
    expect(containsAmount('Total\u00a0USD 1\u202f264,49', 126449, 2)).toBe(true);
    expect(containsAmount('Total USD 11264.49', 126449, 2)).toBe(false);
    expect(containsAmount('Total USD 1264.499', 126449, 2)).toBe(false);
    expect(containsAmount('Total USD 1264.48', 126449, 2)).toBe(false);
    expect(containsAmount('Total USD 12644.9', 126449, 2)).toBe(false);
  });

  it('finds an invoice number whole', () => {
    expect(containsToken('Invoice INV-2026-0042\n', 'INV-2026-0042')).toBe(true);
    expect(containsToken('Invoice INV-2026-00421', 'INV-2026-0042')).toBe(false);
    expect(containsToken('Invoice XINV-2026-0042', 'INV-2026-0042')).toBe(false);
  });
});

describe('tampering and dates', () => {
  it('changes exactly one character, in the signature', () => {
    const token = 'eyJ0IjoiYWNtZSJ9.Jm5Qb3Z0a1dFcXhPbGQ4';
    const forged = tamper(token);
    expect(forged).not.toBe(token);
    expect(forged.length).toBe(token.length);
    expect([...forged].filter((c, i) => c !== token[i])).toHaveLength(1);
    expect(forged.split('.')[0]).toBe(token.split('.')[0]);
    expect(tamper('AAAA')).not.toBe('AAAA');
  });

  it('moves dates across months and years in UTC', () => {
    expect(addDays('2026-02-27', 2)).toBe('2026-03-01');
    expect(addDays('2026-01-02', -3)).toBe('2025-12-30');
  });
});

describe('the export columns the contract documents', () => {
  it('reads the backquoted list of the description, else the example header', () => {
    expect(documentedColumns({ description: 'CSV with a header row: `id, number, total`. Amounts …' })).toEqual(['id', 'number', 'total']);
    expect(documentedColumns({ responses: { '200': { content: { 'text/csv': { example: 'id,number\ninv_1,INV-1\n' } } } } })).toEqual(['id', 'number']);
    expect(documentedColumns({})).toBeUndefined();
  });
});
