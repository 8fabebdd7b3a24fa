import { Refusal } from './errors.ts';

/** The latest calendar date the contract's `YYYY-MM-DD` can carry. */
export const LAST_DATE = '9999-12-31';

/** `date` plus `days` as `YYYY-MM-DD`; refused when the result leaves the four-digit years. */
export function addDays(date: string, days: number, field = 'date'): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const result = new Date(Date.UTC(y, m - 1, d + days));
  const year = result.getUTCFullYear();
  if (!Number.isFinite(result.getTime()) || year < 1 || year > 9999) {
    throw new Refusal('date_out_of_range', `The ${field} would be ${days} days after ${date}, past ${LAST_DATE}, the last date an invoice can carry.`, undefined, { field, date, days });
  }
  return result.toISOString().slice(0, 10);
}

/** Whole days from one `YYYY-MM-DD` to another. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}
