// The money oracle: the contract's totals formula (info.description, "Money"), written from the
// contract text alone. It never imports the server's totals code, so a defect in one is caught by
// the other. Everything is exact: amounts are integer minor units, quantities and rates are
// decimals with at most three places, scaled to BigInt before any arithmetic.

/** Quantities and percentages carry at most three decimals (contract: LineItemInput.quantity, Percent). */
const SCALE = 3;
const ONE = 10n ** BigInt(SCALE);

/**
 * ISO 4217 minor units (the exponent) of the currencies the runner invoices in, kept here on
 * purpose rather than read from the server's code: the contract names USD/EUR (2), JPY (0) and
 * KWD (3); the others are from the ISO 4217 list.
 */
const ISO_MINOR_UNITS: Readonly<Record<string, number>> = {
  USD: 2, EUR: 2, GBP: 2, CHF: 2, CAD: 2, AUD: 2, SEK: 2, INR: 2, BRL: 2, MXN: 2,
  JPY: 0, KRW: 0, ISK: 0, CLP: 0, VND: 0,
  KWD: 3, BHD: 3, JOD: 3, OMR: 3, TND: 3,
};

export function minorUnitsOf(currency: string): number | undefined {
  return ISO_MINOR_UNITS[currency];
}

/**
 * A decimal (a JSON number or its text) as an integer scaled by 10^scale, exactly: the number's
 * shortest decimal text is parsed, never multiplied as a float. Throws when it has more decimals.
 */
export function toScaled(value: number | string, scale = SCALE): bigint {
  const text = typeof value === 'number' ? numberText(value) : value.trim();
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m || (m[2] === '' && !m[3])) throw new RangeError(`not a decimal: ${JSON.stringify(value)}`);
  const [, sign, int = '', frac = '', exp = '0'] = m;
  let digits = int + frac;
  let decimals = frac.length - Number(exp);
  if (decimals < 0) {
    digits += '0'.repeat(-decimals);
    decimals = 0;
  }
  while (decimals > scale && digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    decimals--;
  }
  if (decimals > scale) throw new RangeError(`${JSON.stringify(value)} has more than ${scale} decimals`);
  const scaled = BigInt(digits || '0') * 10n ** BigInt(scale - decimals);
  return sign === '-' ? -scaled : scaled;
}

function numberText(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`not a finite number: ${n}`);
  return String(n); // the shortest round-trip text: 1.5 → "1.5", 0.1 → "0.1", 1e-7 → "1e-7"
}

/** n / d rounded half away from zero (d > 0). */
export function divRoundHalfAway(n: bigint, d: bigint): bigint {
  if (d <= 0n) throw new RangeError('divisor must be positive');
  const negative = n < 0n;
  const abs = negative ? -n : n;
  let q = abs / d;
  if ((abs % d) * 2n >= d) q += 1n;
  return negative ? -q : q;
}

export type DiscountInput = { type: 'percentage'; percent: number | string } | { type: 'fixed'; amount: number } | null | undefined;
export type LineInput = { quantity: number | string; unit_price: number; tax_rate?: number | string | null };
export type InvoiceInput = { tax_rate?: number | string | null; discount?: DiscountInput; line_items: readonly LineInput[] };

export type LineAmounts = { amount: number; discount_amount: number; tax_amount: number; total: number; /** The rate applied, scaled by 1000. */ taxRateScaled: bigint };
export type InvoiceAmounts = { lines: LineAmounts[]; subtotal: number; discount_total: number; tax_total: number; total: number };

/** Thrown for an input the contract refuses (a fixed discount above the subtotal: `422 discount_exceeds_subtotal`). */
export class RefusedByContract extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/** Spreads `total` over `weights` in proportion by the largest-remainder method, ties to the earlier index. */
export function largestRemainder(total: bigint, weights: readonly bigint[]): bigint[] {
  const sum = weights.reduce((a, b) => a + b, 0n);
  if (sum === 0n) return weights.map(() => 0n);
  const shares = weights.map((w) => (total * w) / sum);
  const remainders = weights.map((w, i) => ({ i, r: (total * w) % sum }));
  let leftover = total - shares.reduce((a, b) => a + b, 0n);
  // Stable sort: equal remainders keep index order, so ties go to the earlier line.
  remainders.sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (const { i } of remainders) {
    if (leftover <= 0n) break;
    shares[i] = shares[i]! + 1n;
    leftover -= 1n;
  }
  return shares;
}

const toNumber = (v: bigint): number => {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new RangeError(`amount ${v} is beyond a safe integer`);
  return n;
};

/** The contract's formula, steps 1 to 5. */
export function computeTotals(invoice: InvoiceInput): InvoiceAmounts {
  // 1. line.amount = round(quantity × unit_price)
  const amounts = invoice.line_items.map((l) => divRoundHalfAway(toScaled(l.quantity) * BigInt(l.unit_price), ONE));
  const subtotal = amounts.reduce((a, b) => a + b, 0n);

  // 2. Discount before tax.
  let discounts: bigint[];
  const d = invoice.discount;
  if (d && d.type === 'percentage') {
    const percent = toScaled(d.percent);
    discounts = amounts.map((a) => divRoundHalfAway(a * percent, 100n * ONE));
  } else if (d && d.type === 'fixed') {
    const fixed = BigInt(d.amount);
    if (fixed > subtotal) throw new RefusedByContract('discount_exceeds_subtotal', `a fixed discount of ${fixed} exceeds the subtotal ${subtotal}`);
    discounts = largestRemainder(fixed, amounts);
  } else {
    discounts = amounts.map(() => 0n);
  }

  // 3. Tax per line: the line's own rate, else the invoice's, else 0.
  const invoiceRate = invoice.tax_rate === null || invoice.tax_rate === undefined ? 0n : toScaled(invoice.tax_rate);
  const lines = invoice.line_items.map((l, i): LineAmounts => {
    const rate = l.tax_rate === null || l.tax_rate === undefined ? invoiceRate : toScaled(l.tax_rate);
    const amount = amounts[i]!;
    const discount = discounts[i]!;
    const tax = divRoundHalfAway((amount - discount) * rate, 100n * ONE);
    // 4. line.total = amount − discount + tax
    return { amount: toNumber(amount), discount_amount: toNumber(discount), tax_amount: toNumber(tax), total: toNumber(amount - discount + tax), taxRateScaled: rate };
  });

  // 5. Sums.
  const discountTotal = discounts.reduce((a, b) => a + b, 0n);
  const taxTotal = lines.reduce((a, l) => a + BigInt(l.tax_amount), 0n);
  return { lines, subtotal: toNumber(subtotal), discount_total: toNumber(discountTotal), tax_total: toNumber(taxTotal), total: toNumber(subtotal - discountTotal + taxTotal) };
}

/** 6. amount_due = total − amount_paid − amount_credited */
export function amountDue(total: number, amountPaid: number, amountCredited: number): number {
  return toNumber(BigInt(total) - BigInt(amountPaid) - BigInt(amountCredited));
}

/**
 * The status after a payment or credit-note change (contract: Invoice lifecycle): amount_due ≤ 0
 * → paid; amount_paid > 0 → partially_paid; otherwise the status it had before payments
 * (`sent`, `viewed`, or `overdue` past the due date), passed as `unpaid`.
 */
export function statusAfterMoney(amount: { amount_due: number; amount_paid: number }, unpaid: string): string {
  if (amount.amount_due <= 0) return 'paid';
  if (amount.amount_paid > 0) return 'partially_paid';
  return unpaid;
}

/**
 * An amount of minor units as decimal text in its currency: `495000` USD → `4950.00`, `3798` JPY
 * → `3798`, `1234` KWD → `1.234`. With `grouping`, thousands are separated by commas (`4,950.00`).
 */
export function formatMinor(amount: number, currency: string, options: { grouping?: boolean } = {}): string {
  const exponent = minorUnitsOf(currency);
  if (exponent === undefined) throw new RangeError(`no minor unit known for ${currency}`);
  const negative = amount < 0;
  const digits = String(Math.abs(amount)).padStart(exponent + 1, '0');
  let int = exponent ? digits.slice(0, -exponent) : digits;
  const frac = exponent ? digits.slice(-exponent) : '';
  if (options.grouping) int = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}${int}${frac ? `.${frac}` : ''}`;
}

/** Every way a document may reasonably print the amount: plain or grouped decimal text. */
export function amountSpellings(amount: number, currency: string): string[] {
  return [...new Set([formatMinor(amount, currency), formatMinor(amount, currency, { grouping: true })])];
}

/** True when `text` contains the amount as a whole number (not as part of a longer one). */
export function textShowsAmount(text: string, amount: number, currency: string): boolean {
  return amountSpellings(amount, currency).some((s) => new RegExp(`(?<![\\d.,])${s.replace(/[.,]/g, '\\$&')}(?![\\d]|[.,]\\d)`).test(text));
}
