import { describe, expect, it } from 'vitest';
import { computeTotals, type Totals, type TotalsInput } from './totals.ts';

// Expected values are worked out by hand (see comments), never by the code under test.
const cases: Array<[string, TotalsInput, Totals]> = [
  [
    'contract example: USD, tax 10, discount 10%',
    {
      currency: 'USD',
      line_items: [
        { quantity: 1, unit_price: 300000, tax_rate: 10 },
        { quantity: 8, unit_price: 25000, tax_rate: 10 },
      ],
      discount: { type: 'percentage', percent: 10 },
    },
    {
      line_items: [
        { amount: 300000, discount_amount: 30000, tax_amount: 27000, total: 297000, tax_rate: 10 },
        { amount: 200000, discount_amount: 20000, tax_amount: 18000, total: 198000, tax_rate: 10 },
      ],
      subtotal: 500000,
      discount_total: 50000,
      tax_total: 45000,
      total: 495000,
    },
  ],
  [
    'contract example: JPY, 3 × 1234, tax 8, discount 5%',
    {
      currency: 'JPY',
      line_items: [{ quantity: 3, unit_price: 1234, tax_rate: 8 }],
      discount: { type: 'percentage', percent: 5 },
    },
    // 3702; 5% = 185.1 → 185; 8% of 3517 = 281.36 → 281; 3702 − 185 + 281 = 3798
    {
      line_items: [{ amount: 3702, discount_amount: 185, tax_amount: 281, total: 3798, tax_rate: 8 }],
      subtotal: 3702,
      discount_total: 185,
      tax_total: 281,
      total: 3798,
    },
  ],
  [
    'half away from zero: 1.5 × 333 = 499.5 → 500',
    { currency: 'USD', line_items: [{ quantity: 1.5, unit_price: 333 }] },
    {
      line_items: [{ amount: 500, discount_amount: 0, tax_amount: 0, total: 500, tax_rate: 0 }],
      subtotal: 500,
      discount_total: 0,
      tax_total: 0,
      total: 500,
    },
  ],
  [
    'half away from zero in discount (0.5 → 1) and tax (0.45 → 0, 9.5 → 10)',
    {
      currency: 'USD',
      line_items: [
        { quantity: 1, unit_price: 10, tax_rate: 5 }, // discount 5% of 10 = 0.5 → 1; tax 5% of 9 = 0.45 → 0
        { quantity: 1, unit_price: 200, tax_rate: 5 }, // discount 10 → tax 5% of 190 = 9.5 → 10
      ],
      discount: { type: 'percentage', percent: 5 },
    },
    {
      line_items: [
        { amount: 10, discount_amount: 1, tax_amount: 0, total: 9, tax_rate: 5 },
        { amount: 200, discount_amount: 10, tax_amount: 10, total: 200, tax_rate: 5 },
      ],
      subtotal: 210,
      discount_total: 11,
      tax_total: 10,
      total: 209,
    },
  ],
  [
    'KWD (3 decimals): fractional quantities, 12.5% discount, 5% default tax',
    {
      currency: 'KWD',
      tax_rate: 5,
      line_items: [
        // 2.5 × 1.250 KWD = 3125; disc 390.625 → 391; tax 5% of 2734 = 136.7 → 137
        { quantity: 2.5, unit_price: 1250 },
        // 0.333 × 10.000 KWD = 3330; disc 416.25 → 416; tax 5% of 2914 = 145.7 → 146
        { quantity: 0.333, unit_price: 10000 },
      ],
      discount: { type: 'percentage', percent: 12.5 },
    },
    {
      line_items: [
        { amount: 3125, discount_amount: 391, tax_amount: 137, total: 2871, tax_rate: 5 },
        { amount: 3330, discount_amount: 416, tax_amount: 146, total: 3060, tax_rate: 5 },
      ],
      subtotal: 6455,
      discount_total: 807,
      tax_total: 283,
      total: 5931,
    },
  ],
  [
    'fixed discount 100 over three equal lines → 34, 33, 33 (tie to the earliest)',
    {
      currency: 'USD',
      line_items: [
        { quantity: 1, unit_price: 100 },
        { quantity: 1, unit_price: 100 },
        { quantity: 1, unit_price: 100 },
      ],
      discount: { type: 'fixed', amount: 100 },
    },
    {
      line_items: [
        { amount: 100, discount_amount: 34, tax_amount: 0, total: 66, tax_rate: 0 },
        { amount: 100, discount_amount: 33, tax_amount: 0, total: 67, tax_rate: 0 },
        { amount: 100, discount_amount: 33, tax_amount: 0, total: 67, tax_rate: 0 },
      ],
      subtotal: 300,
      discount_total: 100,
      tax_total: 0,
      total: 200,
    },
  ],
  [
    'fixed discount 101 over 1000/2000/7: largest remainder, then 20% tax',
    {
      currency: 'EUR',
      tax_rate: 20,
      line_items: [
        { quantity: 1, unit_price: 1000 },
        { quantity: 2, unit_price: 1000 },
        { quantity: 1, unit_price: 7 },
      ],
      discount: { type: 'fixed', amount: 101 },
    },
    // shares 33 r1769 / 67 r531 / 0 r707 (÷3007) → leftover 1 to line 0 → 34/67/0
    // tax 20%: 966 → 193.2 → 193; 1933 → 386.6 → 387; 7 → 1.4 → 1
    {
      line_items: [
        { amount: 1000, discount_amount: 34, tax_amount: 193, total: 1159, tax_rate: 20 },
        { amount: 2000, discount_amount: 67, tax_amount: 387, total: 2320, tax_rate: 20 },
        { amount: 7, discount_amount: 0, tax_amount: 1, total: 8, tax_rate: 20 },
      ],
      subtotal: 3007,
      discount_total: 101,
      tax_total: 581,
      total: 3487,
    },
  ],
  [
    'fixed discount equal to the subtotal',
    { currency: 'USD', tax_rate: 10, line_items: [{ quantity: 2, unit_price: 50 }], discount: { type: 'fixed', amount: 100 } },
    {
      line_items: [{ amount: 100, discount_amount: 100, tax_amount: 0, total: 0, tax_rate: 10 }],
      subtotal: 100,
      discount_total: 100,
      tax_total: 0,
      total: 0,
    },
  ],
  [
    'EUR: line rates 7 and 0 override the invoice default 19',
    {
      currency: 'EUR',
      tax_rate: 19,
      line_items: [
        { quantity: 2, unit_price: 1999, tax_rate: 7 }, // 3998; 7% = 279.86 → 280
        { quantity: 1, unit_price: 4999 }, // default 19%: 949.81 → 950
        { quantity: 0.5, unit_price: 1001, tax_rate: 0 }, // 500.5 → 501; own 0% beats the default
        { quantity: 3, unit_price: 100, tax_rate: null }, // null = no own rate: 300; 19% = 57
      ],
    },
    {
      line_items: [
        { amount: 3998, discount_amount: 0, tax_amount: 280, total: 4278, tax_rate: 7 },
        { amount: 4999, discount_amount: 0, tax_amount: 950, total: 5949, tax_rate: 19 },
        { amount: 501, discount_amount: 0, tax_amount: 0, total: 501, tax_rate: 0 },
        { amount: 300, discount_amount: 0, tax_amount: 57, total: 357, tax_rate: 19 },
      ],
      subtotal: 9798,
      discount_total: 0,
      tax_total: 1287,
      total: 11085,
    },
  ],
  [
    'fractional rate and quantity where floats go wrong: 1.005 × 999, tax 8.875%',
    { currency: 'USD', line_items: [{ quantity: 1.005, unit_price: 999, tax_rate: 8.875 }] },
    // 1003.995 → 1004; 8.875% of 1004 = 89.105 → 89
    {
      line_items: [{ amount: 1004, discount_amount: 0, tax_amount: 89, total: 1093, tax_rate: 8.875 }],
      subtotal: 1004,
      discount_total: 0,
      tax_total: 89,
      total: 1093,
    },
  ],
  [
    'subtotal 0: discounts are 0',
    { currency: 'USD', line_items: [{ quantity: 1, unit_price: 0, tax_rate: 10 }], discount: { type: 'percentage', percent: 50 } },
    {
      line_items: [{ amount: 0, discount_amount: 0, tax_amount: 0, total: 0, tax_rate: 10 }],
      subtotal: 0,
      discount_total: 0,
      tax_total: 0,
      total: 0,
    },
  ],
  [
    'subtotal 0 with fixed 0',
    { currency: 'USD', line_items: [{ quantity: 2, unit_price: 0 }], discount: { type: 'fixed', amount: 0 } },
    {
      line_items: [{ amount: 0, discount_amount: 0, tax_amount: 0, total: 0, tax_rate: 0 }],
      subtotal: 0,
      discount_total: 0,
      tax_total: 0,
      total: 0,
    },
  ],
  [
    'no lines',
    { currency: 'GBP', line_items: [], discount: { type: 'percentage', percent: 10 } },
    { line_items: [], subtotal: 0, discount_total: 0, tax_total: 0, total: 0 },
  ],
  [
    '100% discount and 100% tax',
    { currency: 'USD', tax_rate: 100, line_items: [{ quantity: 1, unit_price: 999 }], discount: { type: 'percentage', percent: 100 } },
    {
      line_items: [{ amount: 999, discount_amount: 999, tax_amount: 0, total: 0, tax_rate: 100 }],
      subtotal: 999,
      discount_total: 999,
      tax_total: 0,
      total: 0,
    },
  ],
  [
    'beyond 2^53 in the intermediate product, exact in the result',
    // quantity in thousandths: 3000 × 3002399751580330 ≈ 9e18 > 2^53, ÷ 1000 = 9007199254740990 exactly
    { currency: 'USD', line_items: [{ quantity: 3, unit_price: 3002399751580330 }] },
    {
      line_items: [{ amount: 9007199254740990, discount_amount: 0, tax_amount: 0, total: 9007199254740990, tax_rate: 0 }],
      subtotal: 9007199254740990,
      discount_total: 0,
      tax_total: 0,
      total: 9007199254740990,
    },
  ],
];

describe('computeTotals', () => {
  it.each(cases)('%s', (_name, input, expected) => {
    expect(computeTotals(input)).toEqual(expected);
  });

  const refused: Array<[string, TotalsInput, string]> = [
    ['unknown currency', { currency: 'XXX', line_items: [] }, 'unknown_currency'],
    ['lower-case currency', { currency: 'usd', line_items: [] }, 'unknown_currency'],
    ['quantity 0', { currency: 'USD', line_items: [{ quantity: 0, unit_price: 1 }] }, 'invalid_quantity'],
    ['negative quantity', { currency: 'USD', line_items: [{ quantity: -1, unit_price: 1 }] }, 'invalid_quantity'],
    ['4 decimals quantity', { currency: 'USD', line_items: [{ quantity: 1.0005, unit_price: 1 }] }, 'invalid_quantity'],
    ['tiny quantity 1e-7', { currency: 'USD', line_items: [{ quantity: 1e-7, unit_price: 1 }] }, 'invalid_quantity'],
    ['NaN quantity', { currency: 'USD', line_items: [{ quantity: NaN, unit_price: 1 }] }, 'invalid_quantity'],
    ['fractional unit price', { currency: 'USD', line_items: [{ quantity: 1, unit_price: 1.5 }] }, 'invalid_quantity'],
    ['negative unit price', { currency: 'USD', line_items: [{ quantity: 1, unit_price: -1 }] }, 'invalid_quantity'],
    ['tax rate above 100', { currency: 'USD', line_items: [{ quantity: 1, unit_price: 1, tax_rate: 100.001 }] }, 'invalid_rate'],
    ['negative tax rate', { currency: 'USD', line_items: [{ quantity: 1, unit_price: 1, tax_rate: -1 }] }, 'invalid_rate'],
    ['4 decimals tax rate', { currency: 'USD', line_items: [{ quantity: 1, unit_price: 1, tax_rate: 7.0001 }] }, 'invalid_rate'],
    ['bad default tax rate', { currency: 'USD', tax_rate: 101, line_items: [] }, 'invalid_rate'],
    [
      'discount percent above 100',
      { currency: 'USD', line_items: [{ quantity: 1, unit_price: 1 }], discount: { type: 'percentage', percent: 100.5 } },
      'invalid_rate',
    ],
    [
      'fixed discount above subtotal',
      { currency: 'USD', line_items: [{ quantity: 1, unit_price: 99 }], discount: { type: 'fixed', amount: 100 } },
      'discount_exceeds_subtotal',
    ],
    [
      'fixed discount on a zero subtotal',
      { currency: 'USD', line_items: [{ quantity: 1, unit_price: 0 }], discount: { type: 'fixed', amount: 1 } },
      'discount_exceeds_subtotal',
    ],
    [
      'fixed discount 100 over amounts 1, 1, 1',
      {
        currency: 'USD',
        line_items: [1, 1, 1].map((unit_price) => ({ quantity: 1, unit_price })),
        discount: { type: 'fixed', amount: 100 },
      },
      'discount_exceeds_subtotal',
    ],
    [
      'negative fixed discount',
      { currency: 'USD', line_items: [{ quantity: 1, unit_price: 5 }], discount: { type: 'fixed', amount: -1 } },
      'invalid_quantity',
    ],
    [
      'result beyond MAX_SAFE_INTEGER',
      { currency: 'USD', line_items: [{ quantity: 1000, unit_price: Number.MAX_SAFE_INTEGER }] },
      'invalid_quantity',
    ],
    [
      'sum beyond MAX_SAFE_INTEGER',
      {
        currency: 'USD',
        line_items: [
          { quantity: 1, unit_price: Number.MAX_SAFE_INTEGER },
          { quantity: 1, unit_price: 1 },
        ],
      },
      'invalid_quantity',
    ],
  ];
  it.each(refused)('refuses %s', (_name, input, code) => {
    // The input rules (quantities, rates) are validation failures that name the rule.
    const expected = code === 'invalid_quantity' || code === 'invalid_rate' ? { code: 'validation_failed', fields: [expect.objectContaining({ in: 'body', rule: code })] } : { code };
    expect(() => computeTotals(input)).toThrow(expect.objectContaining(expected));
  });

  it('names the offending field', () => {
    expect(() => computeTotals({ currency: 'USD', line_items: [{ quantity: 1, unit_price: 1 }, { quantity: 0.0001, unit_price: 1 }] })).toThrow(
      expect.objectContaining({ fields: [expect.objectContaining({ in: 'body', path: 'line_items[1].quantity' })], facts: expect.objectContaining({ field: 'line_items[1].quantity' }) }),
    );
  });
});
