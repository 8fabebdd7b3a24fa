import { describe, expect, it } from 'vitest';
import { formatMinor, isKnownCurrency, MINOR_UNITS, minorUnits, parseDecimal } from './currency.ts';
import { Refusal } from './errors.ts';

describe('minorUnits', () => {
  const table: Array<[string, number]> = [
    ...'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF'.split(' ').map((c) => [c, 0] as [string, number]),
    ...'BHD IQD JOD KWD LYD OMR TND'.split(' ').map((c) => [c, 3] as [string, number]),
    ['CLF', 4],
    ['UYW', 4],
    ...('USD EUR GBP CAD AUD CHF CNY SEK NOK DKK PLN CZK HUF INR BRL MXN ZAR NZD SGD HKD AED SAR TRY ILS ' +
      'THB MYR PHP IDR RUB NGN KES EGP COP PEN ARS')
      .split(' ')
      .map((c) => [c, 2] as [string, number]),
  ];
  it.each(table)('%s has %i decimals', (code, units) => {
    expect(minorUnits(code)).toBe(units);
    expect(isKnownCurrency(code)).toBe(true);
  });

  it('knows at least 60 codes', () => {
    expect(MINOR_UNITS.size).toBeGreaterThanOrEqual(60);
  });

  it.each(['XXX', 'usd', '', 'US', 'XAU'])('rejects %j with unknown_currency', (code) => {
    expect(isKnownCurrency(code)).toBe(false);
    expect(() => minorUnits(code)).toThrow(expect.objectContaining({ code: 'unknown_currency' }));
    expect(() => minorUnits(code)).toThrow(Refusal);
  });
});

describe('formatMinor / parseDecimal', () => {
  const table: Array<[number, string, string]> = [
    [123456, 'USD', '1234.56'],
    [-5, 'USD', '-0.05'],
    [0, 'USD', '0.00'],
    [5, 'USD', '0.05'],
    [100, 'EUR', '1.00'],
    [-123456, 'EUR', '-1234.56'],
    [1234, 'JPY', '1234'],
    [-7, 'JPY', '-7'],
    [1234567, 'KWD', '1234.567'],
    [1, 'KWD', '0.001'],
    [12345, 'CLF', '1.2345'],
    [9007199254740991, 'USD', '90071992547409.91'],
  ];
  it.each(table)('%i %s ↔ %s', (minor, currency, text) => {
    expect(formatMinor(minor, currency)).toBe(text);
    expect(parseDecimal(text, currency)).toBe(minor);
  });

  const parseOnly: Array<[string, string, number]> = [
    ['12.5', 'USD', 1250],
    ['12', 'USD', 1200],
    ['-0', 'USD', 0],
    ['-0.00', 'USD', 0],
    ['0.1', 'KWD', 100],
    [' 3.14 ', 'USD', 314],
  ];
  it.each(parseOnly)('parses %j %s → %i', (text, currency, minor) => {
    expect(Object.is(parseDecimal(text, currency), minor)).toBe(true);
  });

  const bad: Array<[string, string]> = [
    ['1.234', 'USD'],
    ['1.230', 'USD'],
    ['1.5', 'JPY'],
    ['1.0001', 'KWD'],
    ['abc', 'USD'],
    ['1,000.00', 'USD'],
    ['1e3', 'USD'],
    ['.5', 'USD'],
    ['', 'USD'],
    ['99999999999999999', 'USD'],
  ];
  it.each(bad)('refuses %j %s', (text, currency) => {
    expect(() => parseDecimal(text, currency)).toThrow(RangeError);
  });

  it('refuses non-integer or unsafe amounts in formatMinor', () => {
    expect(() => formatMinor(1.5, 'USD')).toThrow(RangeError);
    expect(() => formatMinor(2 ** 53, 'USD')).toThrow(RangeError);
  });

  it('refuses unknown currencies', () => {
    expect(() => formatMinor(1, 'XXX')).toThrow(expect.objectContaining({ code: 'unknown_currency' }));
    expect(() => parseDecimal('1', 'XXX')).toThrow(expect.objectContaining({ code: 'unknown_currency' }));
  });
});
