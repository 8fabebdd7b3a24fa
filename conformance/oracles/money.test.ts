import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConformanceContract, type LoadedContract } from '../contract.ts';
import { amountDue, computeTotals, divRoundHalfAway, formatMinor, largestRemainder, RefusedByContract, statusAfterMoney, textShowsAmount, toScaled, type InvoiceInput } from './money.ts';

let contract: LoadedContract;
let description: string;
beforeAll(async () => {
  contract = await loadConformanceContract();
  description = String(contract.doc.info?.description ?? '');
});

type WorkedRow = { name: string; quantity: string; unitPrice: number; amount: number; discount: number; tax: number; total: number; shown?: { currency: string; text: string } };
type WorkedExample = { currency: string; discountPercent: string; taxPercent: string; lines: WorkedRow[]; invoice?: WorkedRow };

/** The integer a worked-example cell ends on: `round(185.1) = 185` → 185, `**495000** (USD 4,950.00)` → 495000. */
function cellInteger(cell: string): number {
  const text = cell.replace(/\*\*/g, '');
  const tail = text.includes('=') ? text.slice(text.lastIndexOf('=') + 1) : text;
  const m = /^\s*(-?\d+)/.exec(tail);
  if (!m) throw new Error(`no integer in worked-example cell ${JSON.stringify(cell)}`);
  return Number(m[1]);
}

/** The worked examples of the contract's Money section, parsed from its tables. */
function workedExamples(text: string): WorkedExample[] {
  const out: WorkedExample[] = [];
  const heading = /\*\*Worked example, ([A-Z]{3})\*\* \(([^)]*)\):\s*\n((?:\s*\|.*\|\s*\n?)+)/g;
  for (const m of text.matchAll(heading)) {
    const [, currency, terms, table] = m;
    const discountPercent = /([\d.]+) % discount/.exec(terms!)?.[1] ?? '0';
    const taxPercent = /([\d.]+) % tax/.exec(terms!)?.[1] ?? '0';
    const rows = table!
      .trim()
      .split('\n')
      .map((line) => line.trim().replace(/^\||\|$/g, '').split('|').map((c) => c.trim()))
      .filter((cells) => cells.length === 6 && !/^-+$/.test(cells[0]!) && cells[0] !== 'line');
    const example: WorkedExample = { currency: currency!, discountPercent, taxPercent, lines: [] };
    for (const cells of rows) {
      const shownMatch = /\(([A-Z]{3}) ([\d,.]+)\)/.exec(cells[5]!);
      const product = /([\d.]+)\s*×\s*(\d+)/.exec(cells[1]!);
      const row: WorkedRow = {
        name: cells[0]!.replace(/\*\*/g, ''),
        quantity: product?.[1] ?? '',
        unitPrice: product ? Number(product[2]) : NaN,
        amount: cellInteger(cells[2]!),
        discount: cellInteger(cells[3]!),
        tax: cellInteger(cells[4]!),
        total: cellInteger(cells[5]!),
        ...(shownMatch ? { shown: { currency: shownMatch[1]!, text: shownMatch[2]! } } : {}),
      };
      if (row.name === 'invoice') example.invoice = row;
      else example.lines.push(row);
    }
    out.push(example);
  }
  return out;
}

describe('the money oracle against the contract', () => {
  it('finds the worked examples of the contract (USD and JPY at least)', () => {
    const examples = workedExamples(description);
    expect(examples.map((e) => e.currency)).toEqual(expect.arrayContaining(['USD', 'JPY']));
    for (const e of examples) expect(e.lines.length).toBeGreaterThan(0);
  });

  it('gives every amount of every worked example, line by line and for the invoice', () => {
    for (const example of workedExamples(description)) {
      const input: InvoiceInput = {
        tax_rate: example.taxPercent,
        discount: { type: 'percentage', percent: example.discountPercent },
        line_items: example.lines.map((l) => ({ quantity: l.quantity, unit_price: l.unitPrice })),
      };
      const got = computeTotals(input);
      example.lines.forEach((line, i) => {
        expect({ example: example.currency, line: line.name, ...pick(got.lines[i]!) }).toEqual({ example: example.currency, line: line.name, amount: line.amount, discount_amount: line.discount, tax_amount: line.tax, total: line.total });
      });
      const invoice = example.invoice ?? { amount: sum(example.lines, 'amount'), discount: sum(example.lines, 'discount'), tax: sum(example.lines, 'tax'), total: sum(example.lines, 'total') };
      expect({ subtotal: got.subtotal, discount_total: got.discount_total, tax_total: got.tax_total, total: got.total }).toEqual({ subtotal: invoice.amount, discount_total: invoice.discount, tax_total: invoice.tax, total: invoice.total });
      // The amounts as the contract prints them, with grouping: `USD 4,950.00`, `JPY 3,798`.
      for (const row of [...example.lines, ...(example.invoice ? [example.invoice] : [])]) {
        if (row.shown) expect(formatMinor(row.total, row.shown.currency, { grouping: true })).toBe(row.shown.text);
      }
    }
  });

  it('rounds the contract’s half-way example away from zero', () => {
    const m = /`([\d.]+) × (\d+) = ([\d.]+) → (\d+)`/.exec(description);
    expect(m, 'the contract’s rounding example').not.toBeNull();
    const [, quantity, price, , rounded] = m!;
    expect(computeTotals({ line_items: [{ quantity: quantity!, unit_price: Number(price) }] }).lines[0]!.amount).toBe(Number(rounded));
  });

  it('gives every amount of the contract’s Invoice example, amount due included', () => {
    const example = (contract.doc.components as any).examples.invoice.value;
    const got = computeTotals(example);
    expect(got.lines.map(pick)).toEqual(example.line_items.map(pick));
    expect(got.lines.map((l) => Number(l.taxRateScaled) / 1000)).toEqual(example.line_items.map((l: { tax_rate: number }) => l.tax_rate));
    expect({ subtotal: got.subtotal, discount_total: got.discount_total, tax_total: got.tax_total, total: got.total }).toEqual({ subtotal: example.subtotal, discount_total: example.discount_total, tax_total: example.tax_total, total: example.total });
    expect(amountDue(got.total, example.amount_paid, example.amount_credited)).toBe(example.amount_due);
    expect(statusAfterMoney(example, 'sent')).toBe(example.status);
  });

  it('formats amounts as the contract’s CSV export example shows them', () => {
    const exportOp = contract.operations.find((o) => o.operationId === 'exportInvoices')!;
    const csv = String((exportOp.operation as any).responses['200'].content['text/csv'].example);
    const [header, row] = csv.trim().split('\n').map((l) => l.split(','));
    const cell = (name: string) => row![header!.indexOf(name)]!;
    const invoice = (contract.doc.components as any).examples.invoice.value;
    for (const name of ['subtotal', 'discount_total', 'tax_total', 'total', 'amount_paid', 'amount_credited', 'amount_due']) {
      expect({ name, text: formatMinor(invoice[name], cell('currency')) }).toEqual({ name, text: cell(name) });
    }
    // The export operation's own words: `3798` for JPY.
    expect(exportOp.operation.description).toContain('`3798` for JPY');
    expect(formatMinor(3798, 'JPY')).toBe('3798');
  });
});

describe('the money oracle on its own', () => {
  it('rounds half away from zero, never half to even', () => {
    const amount = (quantity: number | string, unit_price: number) => computeTotals({ line_items: [{ quantity, unit_price }] }).lines[0]!.amount;
    expect(amount(0.5, 5)).toBe(3); // 2.5 → 3 (half to even would give 2)
    expect(amount(2.5, 1)).toBe(3);
    expect(amount(0.5, 1)).toBe(1);
    expect(amount(0.001, 499)).toBe(0); // 0.499
    expect(amount(0.001, 500)).toBe(1); // 0.5
    expect(amount(1.005, 100)).toBe(101); // 100.5 (a float would say 100.49999…)
    expect(divRoundHalfAway(-5n, 2n)).toBe(-3n);
    expect(divRoundHalfAway(-4n, 3n)).toBe(-1n);
  });

  it('reads decimals exactly, never as binary floats', () => {
    expect(toScaled(0.1)).toBe(100n);
    expect(toScaled(1.005)).toBe(1005n);
    expect(toScaled('8.5')).toBe(8500n);
    expect(toScaled(1e9)).toBe(1_000_000_000_000n);
    expect(toScaled('1.5000')).toBe(1500n);
    expect(() => toScaled(0.0001)).toThrow(/more than 3 decimals/);
    fc.assert(fc.property(fc.integer({ min: 0, max: 1_000_000_000_000 }), (thousandths) => toScaled(thousandths / 1000) === BigInt(thousandths)));
  });

  it('matches a float-free rounding reference on small numbers', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.integer({ min: 1, max: 100_000 }), (n, d) => {
        const reference = Math.sign(n) * Math.floor(Math.abs(n) / d + 0.5);
        return Number(divRoundHalfAway(BigInt(n), BigInt(d))) === (reference === 0 ? 0 : reference);
      }),
    );
  });

  it('spreads a fixed discount by the largest remainder: exact sum, ties to the earlier line', () => {
    expect(largestRemainder(10n, [1n, 1n, 1n])).toEqual([4n, 3n, 3n]);
    expect(largestRemainder(2n, [1n, 1n, 1n])).toEqual([1n, 1n, 0n]);
    expect(largestRemainder(100n, [0n, 0n])).toEqual([0n, 0n]);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10_000_000 }), { minLength: 1, maxLength: 12 }), fc.double({ min: 0, max: 1, noNaN: true }), (weights, fraction) => {
        const total = weights.reduce((a, b) => a + b, 0);
        const fixed = Math.floor(total * fraction);
        const shares = largestRemainder(BigInt(fixed), weights.map(BigInt));
        const sumOk = total === 0 || shares.reduce((a, b) => a + b, 0n) === BigInt(fixed);
        // Each share is the floor of its exact share or one more, never above the line.
        const boundsOk = shares.every((s, i) => total === 0 || (s * BigInt(total) >= BigInt(fixed) * BigInt(weights[i]!) - BigInt(total) && s <= BigInt(weights[i]!)));
        return sumOk && boundsOk;
      }),
    );
  });

  it('takes the line’s tax rate, else the invoice’s, else none', () => {
    const got = computeTotals({ tax_rate: 20, line_items: [{ quantity: 1, unit_price: 1000, tax_rate: 5 }, { quantity: 1, unit_price: 1000 }, { quantity: 1, unit_price: 1000, tax_rate: null }, { quantity: 1, unit_price: 1000, tax_rate: 0 }] });
    expect(got.lines.map((l) => l.tax_amount)).toEqual([50, 200, 200, 0]);
    expect(computeTotals({ line_items: [{ quantity: 1, unit_price: 1000 }] }).tax_total).toBe(0);
  });

  it('applies the discount before tax, and refuses a fixed discount above the subtotal', () => {
    const got = computeTotals({ tax_rate: 10, discount: { type: 'fixed', amount: 100 }, line_items: [{ quantity: 1, unit_price: 300 }, { quantity: 1, unit_price: 700 }] });
    expect(got.lines.map(pick)).toEqual([
      { amount: 300, discount_amount: 30, tax_amount: 27, total: 297 },
      { amount: 700, discount_amount: 70, tax_amount: 63, total: 693 },
    ]);
    expect(() => computeTotals({ discount: { type: 'fixed', amount: 1001 }, line_items: [{ quantity: 1, unit_price: 1000 }] })).toThrow(RefusedByContract);
  });

  it('keeps the invoice identities for any generated invoice', () => {
    const line = fc.record({ quantity: fc.integer({ min: 1, max: 100_000 }).map((t) => t / 1000), unit_price: fc.integer({ min: 0, max: 10_000_000 }), tax_rate: fc.option(fc.integer({ min: 0, max: 100_000 }).map((t) => t / 1000)) });
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 8 }), fc.option(fc.integer({ min: 0, max: 100_000 }).map((t) => t / 1000)), fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 100_000 }).map((t) => ({ type: 'percentage' as const, percent: t / 1000 })), fc.double({ min: 0, max: 1, noNaN: true }).map((f) => ({ type: 'fixed' as const, fraction: f }))), (lines, taxRate, discountSpec) => {
        const subtotal = lines.reduce((a, l) => a + Number(divRoundHalfAway(BigInt(Math.round(l.quantity * 1000)) * BigInt(l.unit_price), 1000n)), 0);
        const discount = discountSpec && 'fraction' in discountSpec ? { type: 'fixed' as const, amount: Math.floor(subtotal * discountSpec.fraction) } : discountSpec;
        const got = computeTotals({ tax_rate: taxRate, discount, line_items: lines });
        const sumOf = (k: 'amount' | 'discount_amount' | 'tax_amount' | 'total') => got.lines.reduce((a, l) => a + l[k], 0);
        return (
          got.subtotal === subtotal &&
          got.subtotal === sumOf('amount') &&
          got.discount_total === sumOf('discount_amount') &&
          got.tax_total === sumOf('tax_amount') &&
          got.total === sumOf('total') &&
          got.total === got.subtotal - got.discount_total + got.tax_total &&
          (discount?.type !== 'fixed' || got.discount_total === discount.amount) &&
          got.lines.every((l) => l.discount_amount >= 0 && l.discount_amount <= l.amount && l.tax_amount >= 0)
        );
      }),
    );
  });

  it('formats minor units by the currency’s ISO exponent', () => {
    expect(formatMinor(495000, 'USD')).toBe('4950.00');
    expect(formatMinor(495000, 'USD', { grouping: true })).toBe('4,950.00');
    expect(formatMinor(3798, 'JPY')).toBe('3798');
    expect(formatMinor(1234, 'KWD')).toBe('1.234');
    expect(formatMinor(5, 'KWD')).toBe('0.005');
    expect(formatMinor(-5, 'EUR')).toBe('-0.05');
    expect(() => formatMinor(1, 'XXX')).toThrow();
  });

  it('finds an amount in document text only as a whole number', () => {
    expect(textShowsAmount('Total USD 4950.00\nAmount due', 495000, 'USD')).toBe(true);
    expect(textShowsAmount('Total $4,950.00', 495000, 'USD')).toBe(true);
    expect(textShowsAmount('Total USD 14950.00', 495000, 'USD')).toBe(false);
    expect(textShowsAmount('Total USD 4950.001', 495000, 'USD')).toBe(false);
    expect(textShowsAmount('JPY 3798.', 3798, 'JPY')).toBe(true);
    expect(textShowsAmount('JPY 3798.5', 3798, 'JPY')).toBe(false);
  });
});

const pick = (l: { amount: number; discount_amount: number; tax_amount: number; total: number }) => ({ amount: l.amount, discount_amount: l.discount_amount, tax_amount: l.tax_amount, total: l.total });
const sum = (rows: WorkedRow[], k: 'amount' | 'discount' | 'tax' | 'total') => rows.reduce((a, r) => a + r[k], 0);
