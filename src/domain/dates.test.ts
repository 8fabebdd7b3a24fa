import { describe, expect, it } from 'vitest';
import { addDays, daysBetween } from './dates.ts';
import { Refusal } from './errors.ts';

describe('dates', () => {
  it('adds days across months and leap years', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('9999-12-30', 1)).toBe('9999-12-31');
    expect(daysBetween('2026-01-01', '9999-12-31')).toBe(2912442);
  });

  it('refuses a result past 9999-12-31 instead of writing +010000-…', () => {
    expect(() => addDays('9999-12-31', 1, 'due date')).toThrow(Refusal);
    expect(() => addDays('2026-03-15', 2912442)).toThrow(/past 9999-12-31/);
    expect(() => addDays('2026-03-15', Number.MAX_SAFE_INTEGER)).toThrow(expect.objectContaining({ code: 'date_out_of_range' }));
  });
});
