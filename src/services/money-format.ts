// Money as people read it on the public pages: Intl.NumberFormat per currency and locale
// ("$4,950.00", "¥3,798", "KWD 13.719"). Amounts are integer minor units; they reach Intl as the
// exact decimal string from formatMinor (Intl formats a numeric string without going through a
// binary float), so no amount is ever rounded on its way to the page.
import { formatMinor, minorUnits } from '../domain/currency.ts';

export const DEFAULT_LOCALE = 'en-US';

/** Intl.NumberFormat.format accepts an exact decimal string (ES2023 Intl); the ES2022 typings do not say so. */
type ExactFormat = (value: `${number}`) => string;

const LANGUAGE_TAG = /^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$/;
/** Accept-Language headers are the client's text: only this much of one is read. */
const MAX_LANGUAGES = 12;

/**
 * The locale to format numbers in: the client's most preferred language (Accept-Language, by q)
 * that Intl knows, else en-US. Malformed entries are skipped, never an error.
 */
export function localeFrom(acceptLanguage: string | undefined): string {
  if (!acceptLanguage) return DEFAULT_LOCALE;
  const ranked = acceptLanguage
    .slice(0, 1000)
    .split(',')
    .slice(0, MAX_LANGUAGES)
    .map((entry, index) => {
      const [tag = '', ...params] = entry.trim().split(';');
      const q = params.map((p) => /^\s*q=([01](?:\.\d{0,3})?)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag: tag.trim(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((e) => e.q > 0 && LANGUAGE_TAG.test(e.tag))
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { tag } of ranked) {
    try {
      const [supported] = Intl.NumberFormat.supportedLocalesOf(tag);
      if (supported) return supported;
    } catch {
      // A tag Intl cannot parse: try the next one.
    }
  }
  return DEFAULT_LOCALE;
}

export type MoneyFormatter = (amount: number) => string;

/** A formatter of minor-unit amounts in one currency and locale, with the currency's ISO decimals. */
export function moneyFormatter(currency: string, locale: string = DEFAULT_LOCALE): MoneyFormatter {
  const decimals = minorUnits(currency);
  // ICU's decimals differ from ISO 4217 for a few currencies (IQD: 0 against 3): ours win.
  const format = new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: decimals, maximumFractionDigits: decimals });
  const exact = format.format.bind(format) as unknown as ExactFormat;
  return (amount) => exact(formatMinor(amount, currency) as `${number}`);
}

/** One amount, formatted: `formatMoney(99999900, 'USD')` → "$999,999.00". */
export function formatMoney(amount: number, currency: string, locale: string = DEFAULT_LOCALE): string {
  return moneyFormatter(currency, locale)(amount);
}

/** What the amount field of the payment form accepts: digits, and exactly the currency's decimals at most. */
export function amountInputRules(currency: string): { pattern: string; inputmode: 'numeric' | 'decimal'; hint: string } {
  const decimals = minorUnits(currency);
  if (decimals === 0) return { pattern: '[0-9]{1,15}', inputmode: 'numeric', hint: `a whole number of ${currency}, without decimals` };
  return {
    pattern: `[0-9]{1,15}(\\.[0-9]{1,${decimals}})?`,
    inputmode: 'decimal',
    hint: `digits, with at most ${decimals} decimal${decimals === 1 ? '' : 's'} after a point`,
  };
}
