import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeTotals, divRoundHalfAway, minorUnitsOf, toScaled } from '../oracles/money.ts';
import { patternRegex } from './payments.ts';
import { generateDrafts } from './totals.ts';

describe('the seeded invoices of the totals check', () => {
  it('cover, whatever the seed, what the issue asks for', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const drafts = generateDrafts(seed);
        const currencies = new Set(drafts.map((d) => d.currency));
        const lines = drafts.flatMap((d) => d.line_items);
        const halfWayWhereEvenDiffers = drafts.every((d) => {
          const first = d.line_items[0]!;
          const exact = toScaled(first.quantity) * BigInt(first.unit_price);
          return exact % 1000n === 500n && divRoundHalfAway(exact, 1000n) % 2n === 1n; // half to even would give the even neighbour
        });
        return (
          currencies.size >= 4 &&
          currencies.has('JPY') &&
          currencies.has('KWD') &&
          [...currencies].every((c) => minorUnitsOf(c) !== undefined) &&
          drafts.some((d) => d.discount?.type === 'percentage') &&
          drafts.some((d) => d.discount?.type === 'fixed' && d.discount.amount > 0) &&
          drafts.some((d) => d.tax_rate !== null) &&
          lines.some((l) => l.tax_rate !== undefined && l.tax_rate !== null) &&
          lines.some((l) => l.tax_rate === undefined) &&
          lines.some((l) => !Number.isInteger(Number(l.quantity))) &&
          halfWayWhereEvenDiffers &&
          drafts.every((d) => computeTotals(d).subtotal > 0)
        );
      }),
      { numRuns: 200 },
    );
  });

  it('are the same for the same seed and differ between seeds', () => {
    expect(generateDrafts(7)).toEqual(generateDrafts(7));
    expect(generateDrafts(7)).not.toEqual(generateDrafts(8));
  });
});

describe('the credit-note series of the contract as a pattern', () => {
  it('matches the numbers of the series and nothing else', () => {
    const cn = patternRegex('CN-{YYYY}-{SEQ4}');
    expect(cn.test('CN-2026-0001')).toBe(true);
    expect(cn.test('CN-2026-12345')).toBe(true);
    expect(cn.test('INV-2026-0001')).toBe(false);
    expect(cn.test('CN-26-0001')).toBe(false);
    expect(patternRegex('F.{YY}{MM}/{SEQ3}').test('F.2604/007')).toBe(true);
    expect(patternRegex('F.{YY}{MM}/{SEQ3}').test('Fx2604/007')).toBe(false);
  });
});
