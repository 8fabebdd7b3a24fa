import { parse as parseCsv } from 'csv-parse/sync';
import { computeTotals, formatMinor, minorUnitsOf, RefusedByContract, textShowsAmount, toScaled, type InvoiceAmounts, type InvoiceInput } from '../oracles/money.ts';
import { seededRandom, type Random } from '../oracles/random.ts';
import { PrerequisiteError } from '../resources.ts';
import { Scenario } from '../scenario.ts';
import type { Exchange, ScenarioCheck } from '../types.ts';
import { statusText } from './util.ts';
import { extractPdfText, warmUpPdfText } from '../documents/pdf.ts';

const MONEY_RULE = 'Every amount follows the contract’s formula: round(quantity × unit_price), the discount before tax, tax per line, rounded half away from zero to the minor unit (contract: Money)';
const SAME_EVERYWHERE = 'An invoice shows the same amounts in the list, the detail, the CSV export and the PDF (contract: Money; exportInvoices; getInvoicePdf)';
const RECOMPUTED = 'Editing a draft recomputes its totals (contract: Invoice lifecycle, “edit every field … totals recomputed”)';

/** Always JPY (no minor unit) and KWD (three decimals), then two-decimal ones, then a seeded pick. */
const CURRENCIES = ['JPY', 'KWD', 'USD', 'EUR'];
const EXTRA_CURRENCIES = ['GBP', 'BHD', 'CHF', 'JPY', 'KWD', 'USD'];
const INVOICES = 6;
const AMOUNT_FIELDS = ['subtotal', 'discount_total', 'tax_total', 'total', 'amount_paid', 'amount_credited', 'amount_due'] as const;

type Draft = InvoiceInput & { currency: string };
type Created = { draft: Draft; id: string; number: string; exchange: Exchange; body: any };

/** A price scale per currency, so that amounts are of a realistic size in each. */
const priceCeiling = (currency: string) => (minorUnitsOf(currency) === 0 ? 50_000 : minorUnitsOf(currency) === 3 ? 900_000 : 250_000);

/** A percentage with up to three decimals, e.g. 8.875. */
const percent = (random: Random, max: number) => random.int(0, max * 1000) / 1000;

function generateLines(random: Random, currency: string, withOwnRate: boolean): Draft['line_items'] {
  const count = random.int(2, 4);
  const lines: Array<Draft['line_items'][number] & { description: string }> = [];
  // First line: an exact half (k + 0.5) × odd price with an even integer part, where half-to-even and half-away-from-zero differ.
  let whole = random.int(1, 20);
  const odd = random.int(0, Math.floor(priceCeiling(currency) / 2)) * 2 + 1;
  if ((whole * odd + (odd - 1) / 2) % 2 !== 0) whole += 1;
  lines.push({ description: 'Half-way line', quantity: whole + 0.5, unit_price: odd, ...(withOwnRate ? { tax_rate: percent(random, 25) } : {}) });
  for (let i = 1; i < count; i++) {
    const ownRate = random.int(0, 1) === 1;
    lines.push({ description: `Line ${i + 1}`, quantity: random.int(1, 40_000) / 1000, unit_price: random.int(1, priceCeiling(currency)), ...(ownRate ? { tax_rate: percent(random, 25) } : {}) });
  }
  return lines;
}

/** The seeded invoices: every currency kind, percentage and fixed discounts, per-line and invoice-level tax, decimal quantities. */
export function generateDrafts(seed: number): Draft[] {
  const random = seededRandom(seed, 'totals');
  const currencies = [...CURRENCIES, ...Array.from({ length: INVOICES - CURRENCIES.length }, () => random.pick(EXTRA_CURRENCIES))];
  return currencies.map((currency, i) => {
    const invoiceRate = i % 2 === 0 ? percent(random, 25) : null;
    const line_items = generateLines(random, currency, invoiceRate === null || random.int(0, 1) === 1);
    // Discounts cycle percentage → fixed → none, so both kinds are in every run whatever the seed.
    let discount: Draft['discount'] = null;
    if (i % 3 === 0) discount = { type: 'percentage', percent: percent(random, 40) };
    if (i % 3 === 1) {
      const subtotal = computeTotals({ line_items }).subtotal;
      discount = { type: 'fixed', amount: Math.max(1, Math.floor((subtotal * random.int(10, 500)) / 1000)) };
    }
    return { currency, tax_rate: invoiceRate, discount, line_items };
  });
}

/** Where the body's amounts differ from the oracle's (at most a few, for the message). */
export function amountDifferences(expected: InvoiceAmounts, body: any, currency: string): string[] {
  const out: string[] = [];
  if (!body || typeof body !== 'object' || !Array.isArray(body.line_items)) return ['the answer has no line_items'];
  if (body.currency !== currency) out.push(`currency: ${currency} expected, ${JSON.stringify(body.currency)} given`);
  if (body.line_items.length !== expected.lines.length) out.push(`${body.line_items.length} lines instead of ${expected.lines.length}`);
  expected.lines.forEach((line, i) => {
    const got = body.line_items[i] ?? {};
    for (const k of ['amount', 'discount_amount', 'tax_amount', 'total'] as const) if (got[k] !== line[k]) out.push(`line ${i + 1} ${k}: ${line[k]} expected, ${JSON.stringify(got[k])} given`);
    let rate: bigint | undefined;
    try {
      rate = toScaled(got.tax_rate);
    } catch {
      rate = undefined;
    }
    if (rate !== line.taxRateScaled) out.push(`line ${i + 1} tax_rate: ${Number(line.taxRateScaled) / 1000} applied, ${JSON.stringify(got.tax_rate)} given`);
  });
  for (const k of ['subtotal', 'discount_total', 'tax_total', 'total'] as const) if (body[k] !== expected[k]) out.push(`${k}: ${expected[k]} expected, ${JSON.stringify(body[k])} given`);
  if (body.amount_paid !== 0 || body.amount_credited !== 0) out.push(`amount_paid/amount_credited of an invoice without payments: 0/0 expected, ${JSON.stringify(body.amount_paid)}/${JSON.stringify(body.amount_credited)} given`);
  if (body.amount_due !== expected.total) out.push(`amount_due: ${expected.total} expected (total − paid − credited), ${JSON.stringify(body.amount_due)} given`);
  return out.slice(0, 6);
}

/** The field names of the differences, for a stable failure cause. */
const causeOf = (where: string, diffs: string[]) => `${where}: ${[...new Set(diffs.map((d) => d.replace(/^line \d+ /, 'line ').split(':')[0]))].slice(0, 3).join(', ')} not by the formula`;

export const totals: ScenarioCheck = {
  id: 'totals',
  kind: 'scenario',
  inline: false,
  severity: 'critical',
  description: 'Seeded invoices in JPY, KWD, USD, EUR and more have every line and invoice amount by the contract’s money formula, the same in the list, the detail, the CSV export and the PDF, and recomputed after PATCH and PUT.',
  requires: ['writes'],
  operations: ['createCustomer', 'createInvoice', 'getInvoice', 'listInvoices', 'exportInvoices', 'getInvoicePdf', 'updateInvoice', 'replaceInvoice'],
  async run(ctx) {
    const s = new Scenario(ctx, 'totals');
    const pdfReady = warmUpPdfText(); // pdf.js loads while the invoices are created
    const customer = await ctx.resources.customer();
    const drafts = generateDrafts(ctx.options.seed);
    const expectedOf = (draft: Draft) => {
      try {
        return computeTotals(draft);
      } catch (error) {
        if (error instanceof RefusedByContract) return undefined; // never generated: the fixed discount is at most the subtotal
        throw error;
      }
    };
    const body = (draft: Draft, what: string) => ({ customer_id: customer, currency: draft.currency, title: ctx.resources.label(`totals ${what}`), tax_rate: draft.tax_rate, discount: draft.discount, line_items: draft.line_items });

    /** Judges one answer by the oracle; true when every amount is right. */
    const judge = (exchange: Exchange, draft: Draft, where: string, rule = MONEY_RULE): boolean => {
      const expected = expectedOf(draft);
      if (!expected) return true; // never generated: a draft the contract refuses
      if (exchange.response?.status !== 200 && exchange.response?.status !== 201) {
        s.fail(exchange, { rule, cause: `${where}: no invoice to judge`, expected: 'the invoice with its amounts' });
        return false;
      }
      const diffs = amountDifferences(expected, exchange.response.body, draft.currency);
      if (diffs.length) s.fail(exchange, { rule, cause: causeOf(where, diffs), expected: 'every amount by the formula', got: diffs.join('; ') });
      return diffs.length === 0;
    };

    // 1. Create, and judge each answer.
    const created: Created[] = [];
    const answers = await Promise.all(drafts.map((draft, i) => s.call('createInvoice', { json: body(draft, `${draft.currency} ${i + 1}`), label: `create a seeded ${draft.currency} invoice` })));
    answers.forEach((exchange, i) => {
      const b = exchange.response?.body as any;
      if (exchange.response?.status === 201 && typeof b?.id === 'string') {
        ctx.resources.track('invoice', b.id);
        created.push({ draft: drafts[i]!, id: b.id, number: String(b.number), exchange, body: b });
      }
    });
    if (!created.length) {
      const first = answers[0]!;
      throw new PrerequisiteError(`totals could not set up: createInvoice ${first.toolError ? first.toolError.message : `answered ${first.response ? statusText(first.response) : '(nothing)'}`}`);
    }
    let ok = true;
    // Some created, some refused: a valid invoice in an ISO 4217 currency may not be refused.
    for (const [i, exchange] of answers.entries()) {
      if (exchange.response && exchange.response.status !== 201) {
        ok = false;
        s.fail(exchange, { rule: MONEY_RULE, cause: 'createInvoice: a valid seeded invoice refused', expected: `201 with the ${drafts[i]!.currency} invoice` });
      }
    }
    for (const c of created) ok = judge(c.exchange, c.draft, 'createInvoice') && ok;

    // 2. The detail.
    const details = await Promise.all(created.map((c) => s.call('getInvoice', { params: { invoice_id: c.id }, label: 'read a seeded invoice' })));
    details.forEach((exchange, i) => {
      ok = judge(exchange, created[i]!.draft, 'getInvoice') && ok;
      if (exchange.response?.status === 200) created[i]!.body = exchange.response.body;
    });
    if (ok) s.pass('createInvoice');

    // 3. The list: the same amounts as the detail.
    const amountsOf = (b: any) => Object.fromEntries(AMOUNT_FIELDS.map((k) => [k, b?.[k]]));
    const list = await s.call('listInvoices', { query: { customer_id: customer, limit: '100' }, label: 'list the seeded invoices' });
    const items: any[] = Array.isArray((list.response?.body as any)?.data) ? (list.response!.body as any).data : [];
    let listOk = list.response?.status === 200;
    if (!listOk) s.fail(list, { rule: SAME_EVERYWHERE, cause: 'listInvoices: no list to compare', expected: '200 with the invoices' });
    for (const c of listOk ? created : []) {
      const item = items.find((x) => x?.id === c.id);
      const diffs = item ? differingAmounts(amountsOf(c.body), amountsOf(item)) : ['missing from the list filtered by its customer'];
      const lineDiffs = item && Array.isArray(item.line_items) ? lineAmountDiffs(c.body.line_items, item.line_items) : [];
      if (diffs.length || lineDiffs.length) {
        listOk = false;
        s.fail(list, { rule: SAME_EVERYWHERE, cause: item ? 'listInvoices: amounts differ from the detail' : 'listInvoices: a created invoice is missing', expected: `invoice ${c.number} with the detail's amounts`, got: [...diffs, ...lineDiffs].slice(0, 6).join('; ') });
      }
    }
    if (listOk) s.pass('listInvoices');

    // 4. The CSV export: the row of each invoice, amounts as decimal text in the currency's minor unit.
    const csv = await s.call('exportInvoices', { query: { customer_id: customer }, label: 'export the seeded invoices as CSV' });
    let csvOk = csv.response?.status === 200;
    let rows: Record<string, string>[] = [];
    if (csvOk) {
      try {
        rows = parseCsv(csv.response!.text, { columns: true, skip_empty_lines: true, bom: true, relax_column_count: true });
      } catch (error) {
        csvOk = false;
        s.fail(csv, { rule: SAME_EVERYWHERE, cause: 'exportInvoices: the CSV does not parse', expected: 'RFC 4180 CSV with a header row', got: (error as Error).message.slice(0, 200) });
      }
    } else s.fail(csv, { rule: SAME_EVERYWHERE, cause: 'exportInvoices: no CSV to compare', expected: '200 with the CSV' });
    for (const c of csvOk ? created : []) {
      const row = rows.find((r) => r.id === c.id);
      const diffs = row
        ? AMOUNT_FIELDS.filter((k) => unquote(row[k]) !== formatMinor(c.body[k], c.draft.currency)).map((k) => `${k}: ${formatMinor(c.body[k], c.draft.currency)} expected, ${JSON.stringify(row[k])} given`)
        : ['no row with its id'];
      if (diffs.length) {
        csvOk = false;
        s.fail(csv, { rule: SAME_EVERYWHERE, cause: row ? 'exportInvoices: CSV amounts differ from the detail' : 'exportInvoices: a created invoice has no row', expected: `the row of ${c.number} (${c.draft.currency}) with the detail's amounts as decimal text`, got: diffs.slice(0, 4).join('; ') });
      }
    }
    if (csvOk) s.pass('exportInvoices');

    // 5. The PDF: its text carries the number and the total.
    await pdfReady;
    const pdfs = await Promise.all(created.map((c) => s.call('getInvoicePdf', { params: { invoice_id: c.id }, label: 'download a seeded invoice PDF' })));
    let pdfOk = true;
    for (const [i, exchange] of pdfs.entries()) {
      const c = created[i]!;
      const bytes = exchange.response?.body;
      if (exchange.response?.status !== 200 || !Buffer.isBuffer(bytes) || bytes.subarray(0, 5).toString('latin1') !== '%PDF-') {
        pdfOk = false;
        s.fail(exchange, { rule: SAME_EVERYWHERE, cause: 'getInvoicePdf: not a PDF', expected: '200 application/pdf starting with %PDF-', got: exchange.response ? `${exchange.response.status} ${exchange.response.contentType ?? ''} ${exchange.response.text.slice(0, 20)}` : '(no answer)' });
        continue;
      }
      const text = await extractPdfText(bytes);
      if (typeof text !== 'string') {
        pdfOk = false;
        s.fail(exchange, { rule: SAME_EVERYWHERE, cause: 'getInvoicePdf: the PDF does not parse', expected: 'a PDF whose text can be extracted', got: text.error });
        continue;
      }
      const missing = [...(text.includes(c.number) ? [] : [`the number ${c.number}`]), ...(textShowsAmount(text, c.body.total, c.draft.currency) ? [] : [`the total ${formatMinor(c.body.total, c.draft.currency)} (${c.draft.currency})`])];
      if (missing.length) {
        pdfOk = false;
        s.fail(exchange, { rule: SAME_EVERYWHERE, cause: 'getInvoicePdf: the PDF lacks the number or the total', expected: `text with ${missing.join(' and ')}`, got: `text: ${JSON.stringify(text.replace(/\s+/g, ' ').slice(0, 300))}` });
      }
    }
    if (pdfOk) s.pass('getInvoicePdf');

    // 6. Edits of a draft: PATCH of the lines alone, PATCH of the discount and tax alone, PUT of everything (in another currency).
    const random = seededRandom(ctx.options.seed, 'totals-edits');
    const [first, second, third] = [created[0], created[1] ?? created[0], created[2] ?? created[0]] as [Created, Created, Created];
    const edits: Array<{ op: string; target: Created; what: string; make: (current: Draft) => { draft: Draft; json: unknown } }> = [
      {
        op: 'updateInvoice',
        target: first,
        what: 'PATCH of the lines',
        make: (current) => {
          const line_items = generateLines(random, current.currency, true);
          return { draft: { ...current, line_items }, json: { line_items } };
        },
      },
      {
        op: 'updateInvoice',
        target: second,
        what: 'PATCH of the discount and tax rate',
        make: (current) => {
          const changes = { tax_rate: percent(random, 25), discount: { type: 'percentage' as const, percent: percent(random, 50) } };
          return { draft: { ...current, ...changes }, json: changes };
        },
      },
      {
        op: 'replaceInvoice',
        target: third,
        what: 'PUT of the whole invoice in another currency',
        make: (current) => {
          const currency = current.currency === 'KWD' ? 'JPY' : 'KWD';
          const draft: Draft = { currency, tax_rate: percent(random, 25), discount: { type: 'fixed', amount: 1 }, line_items: generateLines(random, currency, true) };
          return { draft, json: body(draft, 'replaced') };
        },
      },
    ];
    // One after another: two of them edit the same invoice when few could be created.
    let editsOk = true;
    for (const edit of edits) {
      const { draft, json } = edit.make(edit.target.draft);
      const answer = await s.call(edit.op, { params: { invoice_id: edit.target.id }, json, label: `${edit.what} (a draft)` });
      editsOk = judge(answer, draft, `${edit.op} answer`, RECOMPUTED) && editsOk;
      const after = await s.call('getInvoice', { params: { invoice_id: edit.target.id }, label: `read back after the ${edit.what}` });
      editsOk = judge(after, draft, `getInvoice after ${edit.op}`, RECOMPUTED) && editsOk;
      edit.target.draft = draft;
    }
    if (editsOk) {
      s.pass('updateInvoice');
      s.pass('replaceInvoice');
    }
    if (ok && editsOk) s.pass('getInvoice');
  },
};

/** A cell guarded against spreadsheet formulas carries a leading quote (contract: exportInvoices). */
const unquote = (cell: string | undefined) => (cell && /^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell);

function differingAmounts(detail: Record<string, unknown>, listed: Record<string, unknown>): string[] {
  return Object.keys(detail)
    .filter((k) => detail[k] !== listed[k])
    .map((k) => `${k}: ${JSON.stringify(detail[k])} in the detail, ${JSON.stringify(listed[k])} in the list`);
}

function lineAmountDiffs(detail: any[], listed: any[]): string[] {
  if (!Array.isArray(detail)) return [];
  const out: string[] = [];
  detail.forEach((line, i) => {
    for (const k of ['amount', 'discount_amount', 'tax_amount', 'total']) if (line?.[k] !== listed[i]?.[k]) out.push(`line ${i + 1} ${k}: ${line?.[k]} in the detail, ${JSON.stringify(listed[i]?.[k])} in the list`);
  });
  return out;
}
