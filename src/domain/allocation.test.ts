import { describe, expect, it } from 'vitest';
import { allocateLargestRemainder } from './allocation.ts';

describe('allocateLargestRemainder', () => {
  const table: Array<[string, bigint, bigint[], bigint[]]> = [
    ['100 over 1,1,1: tie goes to the earliest', 100n, [1n, 1n, 1n], [34n, 33n, 33n]],
    ['exact split', 60n, [1n, 2n, 3n], [10n, 20n, 30n]],
    // 101×1000/3007 = 33 r1769, 101×2000/3007 = 67 r531, 101×7/3007 = 0 r707
    ['largest remainder wins', 101n, [1000n, 2000n, 7n], [34n, 67n, 0n]],
    // 10/4 = 2 r2 each: the 2 leftovers go to lines 0 and 1
    ['two leftovers, ties in order', 10n, [1n, 1n, 1n, 1n], [3n, 3n, 2n, 2n]],
    // 5×3/7 = 2 r1, 5×4/7 = 2 r6 → leftover 1 to the second
    ['later line with bigger remainder', 5n, [3n, 4n], [2n, 3n]],
    ['zero weight gets nothing', 7n, [0n, 5n, 0n], [0n, 7n, 0n]],
    ['zero total', 0n, [5n, 5n], [0n, 0n]],
    ['zero weights, zero total', 0n, [0n, 0n], [0n, 0n]],
    ['empty', 0n, [], []],
    ['whole total to one line', 3n, [9n], [3n]],
  ];
  it.each(table)('%s', (_name, total, weights, expected) => {
    const parts = allocateLargestRemainder(total, weights);
    expect(parts).toEqual(expected);
    expect(parts.reduce((a, p) => a + p, 0n)).toBe(total);
  });

  it('refuses impossible inputs', () => {
    expect(() => allocateLargestRemainder(1n, [0n, 0n])).toThrow(RangeError);
    expect(() => allocateLargestRemainder(-1n, [1n])).toThrow(RangeError);
    expect(() => allocateLargestRemainder(1n, [-1n, 2n])).toThrow(RangeError);
  });
});
