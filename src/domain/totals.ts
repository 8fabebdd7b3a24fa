import { allocateLargestRemainder } from './allocation.ts';
import { minorUnits } from './currency.ts';
import { invalidInput, Refusal } from './errors.ts';
import { divRoundHalfAwayFromZero, toMilli, toSafeNumber } from './rounding.ts';

export interface TotalsLineInput {
  /** > 0, at most 3 decimals */
  quantity: number;
  /** integer minor units ≥ 0 */
  unit_price: number;
  /** percent 0–100, at most 3 decimals; absent → invoice default */
  tax_rate?: number | null;
}

export type DiscountInput =
  | { type: 'percentage'; percent: number }
  | { type: 'fixed'; amount: number };

export interface TotalsInput {
  currency: string;
  line_items: readonly TotalsLineInput[];
  /** invoice default percent for lines without their own */
  tax_rate?: number | null;
  discount?: DiscountInput | null;
}

export interface LineTotals {
  amount: number;
  discount_amount: number;
  tax_amount: number;
  total: number;
  /** the rate actually applied (line's own, else invoice default, else 0) */
  tax_rate: number;
}

export interface Totals {
  line_items: LineTotals[];
  subtotal: number;
  discount_total: number;
  tax_total: number;
  total: number;
}

// Percent in thousandths: 100% = 100_000, so x × rate / 100 = x × milli / 100_000.
const PERCENT_DENOM = 100_000n;
const MILLI = 1000n;

function percentMilli(value: number, field: string): bigint {
  const milli = toMilli(value, 'invalid_rate', field);
  if (milli < 0n || milli > PERCENT_DENOM) {
    throw invalidInput('invalid_rate', field, `${field} must be between 0 and 100, got ${value}`, { field, value });
  }
  return milli;
}

function minorAmount(value: number, field: string): bigint {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw invalidInput('invalid_quantity', field, `${field} must be a non-negative integer of minor units, got ${value}`, {
      field,
      value,
    });
  }
  return BigInt(value);
}

/** The contract's canonical totals formula, computed exactly in BigInt. */
export function computeTotals(input: TotalsInput): Totals {
  minorUnits(input.currency); // unknown currency is an input error even though the maths is unit-free

  const defaultRate =
    input.tax_rate == null ? 0n : percentMilli(input.tax_rate, 'tax_rate');

  const lines = input.line_items.map((line, i) => {
    const quantity = toMilli(line.quantity, 'invalid_quantity', `line_items[${i}].quantity`);
    if (quantity <= 0n) {
      throw invalidInput('invalid_quantity', `line_items[${i}].quantity`, `line_items[${i}].quantity must be > 0, got ${line.quantity}`, {
        field: `line_items[${i}].quantity`,
        value: line.quantity,
      });
    }
    const unitPrice = minorAmount(line.unit_price, `line_items[${i}].unit_price`);
    const rate = line.tax_rate == null ? defaultRate : percentMilli(line.tax_rate, `line_items[${i}].tax_rate`);
    return { amount: divRoundHalfAwayFromZero(quantity * unitPrice, MILLI), rate };
  });

  const subtotal = lines.reduce((a, l) => a + l.amount, 0n);
  const discounts = lineDiscounts(input.discount, lines.map((l) => l.amount), subtotal);

  const lineTotals = lines.map((l, i) => {
    const discount = discounts[i] ?? 0n;
    const tax = divRoundHalfAwayFromZero((l.amount - discount) * l.rate, PERCENT_DENOM);
    return { amount: l.amount, discount, tax, total: l.amount - discount + tax, rate: l.rate };
  });

  const discountTotal = lineTotals.reduce((a, l) => a + l.discount, 0n);
  const taxTotal = lineTotals.reduce((a, l) => a + l.tax, 0n);
  const safe = (v: bigint, what: string) => toSafeNumber(v, what, 'invalid_quantity');

  return {
    line_items: lineTotals.map((l, i) => ({
      amount: safe(l.amount, `line_items[${i}].amount`),
      discount_amount: safe(l.discount, `line_items[${i}].discount_amount`),
      tax_amount: safe(l.tax, `line_items[${i}].tax_amount`),
      total: safe(l.total, `line_items[${i}].total`),
      // Correctly rounded division yields the same double as the decimal literal (8500n → 8.5).
      tax_rate: Number(l.rate) / 1000,
    })),
    subtotal: safe(subtotal, 'subtotal'),
    discount_total: safe(discountTotal, 'discount_total'),
    tax_total: safe(taxTotal, 'tax_total'),
    total: safe(subtotal - discountTotal + taxTotal, 'total'),
  };
}

/** Discount is applied before tax, per line, so each line's tax base is known. */
function lineDiscounts(discount: DiscountInput | null | undefined, amounts: bigint[], subtotal: bigint): bigint[] {
  if (discount == null) return amounts.map(() => 0n);
  if (discount.type === 'percentage') {
    const pct = percentMilli(discount.percent, 'discount.percent');
    return amounts.map((a) => divRoundHalfAwayFromZero(a * pct, PERCENT_DENOM));
  }
  if (discount.type === 'fixed') {
    const fixed = minorAmount(discount.amount, 'discount.amount');
    if (fixed > subtotal) {
      throw new Refusal('discount_exceeds_subtotal', 'Fixed discount exceeds the subtotal', undefined, {
        discount: discount.amount,
        subtotal: Number(subtotal),
      });
    }
    return allocateLargestRemainder(fixed, amounts);
  }
  throw new RangeError(`Unknown discount type: ${(discount as { type?: unknown }).type}`);
}
