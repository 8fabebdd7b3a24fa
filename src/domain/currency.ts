import { Refusal } from './errors.ts';

// ISO 4217 minor units (exponent). Only the exceptions are listed explicitly;
// everything in TWO_DECIMALS uses 2. Funds/metals without an exponent (XAU,
// XDR, ...) are deliberately absent: they cannot be invoiced in minor units.
const ZERO_DECIMALS = [
  'BIF', 'CLP', 'DJF', 'GNF', 'ISK', 'JPY', 'KMF', 'KRW', 'PYG', 'RWF',
  'UGX', 'UYI', 'VND', 'VUV', 'XAF', 'XOF', 'XPF',
] as const;

const THREE_DECIMALS = ['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND'] as const;

const FOUR_DECIMALS = ['CLF', 'UYW'] as const;

const TWO_DECIMALS = [
  'AED', 'AFN', 'ALL', 'AMD', 'ANG', 'AOA', 'ARS', 'AUD', 'AWG', 'AZN',
  'BAM', 'BBD', 'BDT', 'BGN', 'BMD', 'BND', 'BOB', 'BOV', 'BRL', 'BSD',
  'BTN', 'BWP', 'BYN', 'BZD', 'CAD', 'CDF', 'CHE', 'CHF', 'CHW', 'CNY',
  'COP', 'COU', 'CRC', 'CUP', 'CVE', 'CZK', 'DKK', 'DOP', 'DZD', 'EGP',
  'ERN', 'ETB', 'EUR', 'FJD', 'FKP', 'GBP', 'GEL', 'GHS', 'GIP', 'GMD',
  'GTQ', 'GYD', 'HKD', 'HNL', 'HTG', 'HUF', 'IDR', 'ILS', 'INR', 'IRR',
  'JMD', 'KES', 'KGS', 'KHR', 'KPW', 'KYD', 'KZT', 'LAK', 'LBP', 'LKR',
  'LRD', 'LSL', 'MAD', 'MDL', 'MGA', 'MKD', 'MMK', 'MNT', 'MOP', 'MRU',
  'MUR', 'MVR', 'MWK', 'MXN', 'MXV', 'MYR', 'MZN', 'NAD', 'NGN', 'NIO',
  'NOK', 'NPR', 'NZD', 'PAB', 'PEN', 'PGK', 'PHP', 'PKR', 'PLN', 'QAR',
  'RON', 'RSD', 'RUB', 'SAR', 'SBD', 'SCR', 'SDG', 'SEK', 'SGD', 'SHP',
  'SLE', 'SOS', 'SRD', 'SSP', 'STN', 'SVC', 'SYP', 'SZL', 'THB', 'TJS',
  'TMT', 'TOP', 'TRY', 'TTD', 'TWD', 'TZS', 'UAH', 'USD', 'USN', 'UYU',
  'UZS', 'VED', 'VES', 'WST', 'XCD', 'XCG', 'YER', 'ZAR', 'ZMW', 'ZWG',
] as const;

export const MINOR_UNITS: ReadonlyMap<string, number> = new Map<string, number>([
  ...ZERO_DECIMALS.map((c) => [c, 0] as const),
  ...TWO_DECIMALS.map((c) => [c, 2] as const),
  ...THREE_DECIMALS.map((c) => [c, 3] as const),
  ...FOUR_DECIMALS.map((c) => [c, 4] as const),
]);

/** Codes are matched exactly (upper case): the contract uses canonical ISO codes. */
export function isKnownCurrency(currency: string): boolean {
  return MINOR_UNITS.has(currency);
}

export function minorUnits(currency: string): number {
  const units = MINOR_UNITS.get(currency);
  if (units === undefined) {
    throw new Refusal('unknown_currency', `Unknown currency: ${currency}`, undefined, { currency });
  }
  return units;
}

/** Plain decimal text, no grouping, no symbol: 123456 USD → "1234.56". */
export function formatMinor(amount: number, currency: string): string {
  if (!Number.isSafeInteger(amount)) {
    throw new RangeError(`Money must be a safe integer of minor units, got ${amount}`);
  }
  const exp = minorUnits(currency);
  const sign = amount < 0 ? '-' : '';
  const digits = String(Math.abs(amount));
  if (exp === 0) return sign + digits;
  const padded = digits.padStart(exp + 1, '0');
  return `${sign}${padded.slice(0, -exp)}.${padded.slice(-exp)}`;
}

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * Inverse of formatMinor. Works on the text, never via floats, so it is exact.
 * Fewer decimals than the currency allows are fine ("12.5" USD → 1250);
 * more are refused rather than silently rounded.
 */
export function parseDecimal(text: string, currency: string): number {
  const exp = minorUnits(currency);
  const m = DECIMAL.exec(text.trim());
  if (!m) throw new RangeError(`Not a decimal amount: ${JSON.stringify(text)}`);
  const [, sign, int = '', frac = ''] = m;
  if (frac.length > exp) {
    throw new RangeError(`${currency} allows at most ${exp} decimals, got ${JSON.stringify(text)}`);
  }
  const minor = BigInt(int + frac.padEnd(exp, '0'));
  const signed = sign === '-' ? -minor : minor;
  if (signed > BigInt(Number.MAX_SAFE_INTEGER) || signed < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`Amount out of safe integer range: ${text}`);
  }
  // `+ 0` turns a possible -0 into 0.
  return Number(signed) + 0;
}
