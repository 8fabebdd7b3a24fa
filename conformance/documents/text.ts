/**
 * Finding amounts and numbers in the text of a document (a PDF page, an HTML page) without
 * insisting on one layout: a minor-unit amount may be written with or without digit grouping and
 * with either decimal mark, as long as its digits are exactly the amount's.
 */

/** Spaces of every width (no-break, narrow, thin) as plain ones, runs of them as one. */
export function normaliseSpaces(text: string): string {
  return text.replace(/[\u00a0\u2007\u2009\u202f\s]+/g, ' ');
}

/** The ways a document may write an integer amount of minor units with `exponent` decimals: 123450, 2 → 1234.50, 1,234.50, 1.234,50, 1 234,50 … */
export function amountForms(amount: number | bigint, exponent: number): string[] {
  const value = BigInt(amount);
  const sign = value < 0n ? '-' : '';
  const digits = (value < 0n ? -value : value).toString().padStart(exponent + 1, '0');
  const whole = exponent ? digits.slice(0, -exponent) : digits;
  const fraction = exponent ? digits.slice(-exponent) : '';
  const grouped = (separator: string) => whole.replace(/\B(?=(\d{3})+(?!\d))/g, separator);
  const forms = new Set<string>();
  for (const [group, mark] of [['', '.'], ['', ','], [',', '.'], ['.', ','], [' ', ','], [' ', '.'], ["'", '.']] as const) {
    forms.add(sign + grouped(group) + (fraction ? mark + fraction : ''));
  }
  return [...forms];
}

/** Whether `text` shows the amount in one of its forms, not as a piece of a longer number. */
export function containsAmount(text: string, amount: number | bigint, exponent: number): boolean {
  const flat = normaliseSpaces(text);
  return amountForms(amount, exponent).some((form) => new RegExp(`(?<![\\d.,])${escapeRegExp(form)}(?![\\d]|[.,]\\d)`).test(flat));
}

/** Whether `text` shows `token` (an invoice number) whole, not as a piece of a longer one. */
export function containsToken(text: string, token: string): boolean {
  return new RegExp(`(?<![\\w-])${escapeRegExp(token)}(?![\\w])`).test(normaliseSpaces(text));
}

export const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A token with one character of its signature changed (the part after the last dot, else the whole), in the middle where every bit counts. */
export function tamper(token: string): string {
  const dot = token.lastIndexOf('.');
  const start = dot >= 0 && dot < token.length - 1 ? dot + 1 : 0;
  const at = start + Math.floor((token.length - start) / 2);
  const current = token[at]!;
  const replacement = current === 'A' ? 'B' : current === '0' ? '1' : /[0-9]/.test(current) ? '0' : 'A';
  return token.slice(0, at) + replacement + token.slice(at + 1);
}

/** A date `days` after a YYYY-MM-DD date (negative for before), in UTC. */
export function addDays(date: string, days: number): string {
  const t = Date.parse(`${date}T00:00:00Z`) + days * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}
