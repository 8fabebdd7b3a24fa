import { describe, expect, it } from 'vitest';
import { divRoundHalfAwayFromZero, toMilli, toSafeNumber } from './rounding.ts';

describe('divRoundHalfAwayFromZero', () => {
  const table: Array<[bigint, bigint, bigint]> = [
    [10n, 2n, 5n],
    [7n, 2n, 4n], // 3.5
    [-7n, 2n, -4n], // -3.5
    [7n, -2n, -4n],
    [-7n, -2n, 4n],
    [5n, 3n, 2n], // 1.67
    [4n, 3n, 1n], // 1.33
    [-4n, 3n, -1n],
    [-5n, 3n, -2n],
    [499500n, 1000n, 500n], // 1.5 × 333
    [1851n, 10n, 185n], // 185.1
    [28136n, 100n, 281n], // 281.36
    [0n, 7n, 0n],
    [1n, 2n, 1n],
    [-1n, 2n, -1n],
    [1n, 3n, 0n],
    [10n ** 30n + 5n, 10n, 10n ** 29n + 1n],
  ];
  it.each(table)('%s / %s → %s', (n, d, expected) => {
    expect(divRoundHalfAwayFromZero(n, d)).toBe(expected);
  });

  it('refuses division by zero', () => {
    expect(() => divRoundHalfAwayFromZero(1n, 0n)).toThrow(RangeError);
  });
});

describe('toMilli', () => {
  const table: Array<[number, bigint]> = [
    [1.5, 1500n],
    [0.001, 1n],
    [8.5, 8500n],
    [1.005, 1005n], // 1.005 * 1000 is 1004.9999999999999 in floats
    [0.1, 100n],
    [0.3, 300n],
    [100, 100000n],
    [0, 0n],
    [-2.25, -2250n],
    [123456789.123, 123456789123n],
    [1e21, 10n ** 24n],
    [1.5e21, 15n * 10n ** 23n],
  ];
  it.each(table)('%s → %s', (x, expected) => {
    expect(toMilli(x)).toBe(expected);
  });

  const rejected: Array<[number, 'invalid_quantity' | 'invalid_rate']> = [
    [1.0005, 'invalid_quantity'],
    [1e-7, 'invalid_quantity'],
    [0.0001, 'invalid_rate'],
    [NaN, 'invalid_rate'],
    [Infinity, 'invalid_quantity'],
    [1 / 3, 'invalid_rate'],
  ];
  it.each(rejected)('rejects %s with %s', (x, code) => {
    // An input rule the schema cannot state: a validation failure naming the body field and the rule.
    expect(() => toMilli(x, code, 'f')).toThrow(
      expect.objectContaining({ code: 'validation_failed', fields: [{ in: 'body', path: 'f', message: expect.stringMatching(/^f .*, got /), rule: code }], facts: { field: 'f', value: x } }),
    );
  });

  it('defaults to invalid_quantity', () => {
    expect(() => toMilli(1.0005)).toThrow(expect.objectContaining({ code: 'validation_failed', fields: [expect.objectContaining({ path: '', rule: 'invalid_quantity' })] }));
  });
});

describe('toSafeNumber', () => {
  it('converts safe values and refuses larger ones', () => {
    expect(toSafeNumber(9007199254740991n, 'x')).toBe(9007199254740991);
    expect(() => toSafeNumber(9007199254740992n, 'x')).toThrow(RangeError);
    expect(() => toSafeNumber(-9007199254740992n, 'x', 'invalid_quantity')).toThrow(
      expect.objectContaining({ code: 'validation_failed', fields: [{ in: 'body', path: 'x', message: 'x exceeds Number.MAX_SAFE_INTEGER', rule: 'invalid_quantity' }] }),
    );
  });
});
