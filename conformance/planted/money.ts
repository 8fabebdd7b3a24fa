import { parse as parseCsv } from 'csv-parse/sync';
import { stringify as stringifyCsv } from 'csv-stringify/sync';
import { json, withJson, type Answer, type Forwarded, type PlantedDefect } from '../broken-server.test-helper.ts';

const TOTALS_OPS = ['createCustomer', 'createInvoice', 'getInvoice', 'listInvoices', 'exportInvoices', 'getInvoicePdf', 'updateInvoice', 'replaceInvoice'];
const PAYMENTS_OPS = ['createCustomer', 'createInvoice', 'markInvoiceSent', 'getInvoice', 'recordPayment', 'deletePayment', 'listPayments', 'createCreditNote', 'markInvoicePaid', 'previewNextInvoiceNumber'];

const INVOICE_PATH = /^\/api\/v1\/invoices\/(inv_[A-Za-z0-9]+)(\/[a-z-]+)?$/;
const isInvoice = (v: any) => v && typeof v === 'object' && typeof v.id === 'string' && v.id.startsWith('inv_') && Array.isArray(v.line_items);

/** Rewrites every invoice in a JSON answer (a single invoice or a list of them). */
function eachInvoice(answer: Answer, rewrite: (invoice: any, req?: Forwarded) => any, req?: Forwarded): Answer {
  if (!(answer.headers['content-type'] ?? '').includes('json') || answer.status >= 300) return answer;
  const body = json(answer);
  if (isInvoice(body)) return withJson(answer, rewrite(body, req));
  if (Array.isArray(body?.data) && body.data.some(isInvoice)) return withJson(answer, { ...body, data: body.data.map((v: any) => (isInvoice(v) ? rewrite(v, req) : v)) });
  return answer;
}

/** The line amount rounded half to even instead of half away from zero: differs only on exact halves with an even integer part. */
function halfToEven(invoice: any): any {
  let shift = 0;
  const line_items = invoice.line_items.map((line: any) => {
    const thousandths = BigInt(Math.round(line.quantity * 1000)) * BigInt(line.unit_price);
    if (thousandths % 1000n !== 500n || line.amount % 2 === 0) return line;
    shift -= 1;
    return { ...line, amount: line.amount - 1, total: line.total - 1 };
  });
  return shift ? { ...invoice, line_items, subtotal: invoice.subtotal + shift, total: invoice.total + shift, amount_due: invoice.amount_due + shift } : invoice;
}

/** One minor unit more on the total of JPY invoices only: a currency-specific slip. */
const jpyOffByOne = (invoice: any) => (invoice.currency === 'JPY' ? { ...invoice, total: invoice.total + 1, amount_due: invoice.amount_due + 1 } : invoice);

/** The CSV export's total column one cent (or yen, or fil) off the detail. */
function csvTotalOff(answer: Answer): Answer {
  if (answer.status !== 200) return answer;
  const rows: string[][] = parseCsv(answer.body, { skip_empty_lines: true });
  const at = rows[0]?.indexOf('total') ?? -1;
  if (at < 0) return answer;
  const bumped = rows.map((row, i) => (i === 0 ? row : row.map((cell, j) => (j === at ? cell.replace(/\d$/, (d) => String((Number(d) + 1) % 10)) : cell))));
  return { ...answer, body: stringifyCsv(bumped) };
}

/** KWD amounts in the CSV export with two decimals instead of three (the currency's minor unit ignored). */
function csvKwdTwoDecimals(answer: Answer): Answer {
  if (answer.status !== 200) return answer;
  const rows: string[][] = parseCsv(answer.body, { skip_empty_lines: true });
  const header = rows[0] ?? [];
  const currency = header.indexOf('currency');
  const amounts = ['subtotal', 'discount_total', 'tax_total', 'total', 'amount_paid', 'amount_credited', 'amount_due'].map((k) => header.indexOf(k));
  const wrong = (cell: string) => {
    const minor = cell.replace('.', '');
    return `${minor.slice(0, -2) || '0'}.${minor.slice(-2)}`;
  };
  const out = rows.map((row, i) => (i === 0 || row[currency] !== 'KWD' ? row : row.map((cell, j) => (amounts.includes(j) ? wrong(cell) : cell))));
  return { ...answer, body: stringifyCsv(out) };
}

/** PATCH keeps the totals the invoice had before, also in later reads (a server that forgot to recompute). */
function staleAfterPatch(): PlantedDefect['breakage'] {
  const lastSeen = new Map<string, any>();
  const stale = new Map<string, any>();
  const keepOld = (invoice: any) => {
    const old = stale.get(invoice.id);
    if (!old) {
      lastSeen.set(invoice.id, invoice);
      return invoice;
    }
    const line_items = invoice.line_items.map((l: any, i: number) => (old.line_items[i] ? { ...l, amount: old.line_items[i].amount, discount_amount: old.line_items[i].discount_amount, tax_amount: old.line_items[i].tax_amount, total: old.line_items[i].total } : l));
    return { ...invoice, line_items, subtotal: old.subtotal, discount_total: old.discount_total, tax_total: old.tax_total, total: old.total, amount_due: old.amount_due };
  };
  return {
    response: (req, answer) => {
      const m = INVOICE_PATH.exec(req.path);
      if (req.method === 'PATCH' && m && !m[2] && answer.status === 200 && lastSeen.has(m[1]!) && !stale.has(m[1]!)) stale.set(m[1]!, lastSeen.get(m[1]!));
      return eachInvoice(answer, keepOld);
    },
  };
}

/** Remembers, per invoice, the status of the last answer that showed it. */
function statusTracker() {
  const last = new Map<string, string>();
  return { seen: (invoice: any) => (last.set(invoice.id, invoice.status), invoice), of: (id: string) => last.get(id) };
}

/** After a payment is deleted, the invoice keeps the status it had (paid), amounts recomputed but not the status. */
function deleteKeepsStatus(): PlantedDefect['breakage'] {
  const tracker = statusTracker();
  const frozen = new Map<string, string>();
  return {
    response: (req, answer) => {
      const m = INVOICE_PATH.exec(req.path.replace(/\/pay_[A-Za-z0-9]+$/, ''));
      if (req.method === 'DELETE' && m?.[2] === '/payments' && answer.status === 204 && !frozen.has(m[1]!) && tracker.of(m[1]!)) frozen.set(m[1]!, tracker.of(m[1]!)!);
      return eachInvoice(answer, (invoice) => (frozen.has(invoice.id) ? { ...invoice, status: frozen.get(invoice.id) } : tracker.seen(invoice)));
    },
  };
}

/** Mark-paid sets the status but records no payment: amount_paid and the payments list stay as they were. */
function markPaidWithoutPayment(): PlantedDefect['breakage'] {
  const marked = new Set<string>();
  const strip = (invoice: any) => {
    if (!marked.has(invoice.id)) return invoice;
    const recorded = invoice.payments.filter((p: any) => p.source === 'mark_paid').reduce((a: number, p: any) => a + p.amount, 0);
    return { ...invoice, payments: invoice.payments.filter((p: any) => p.source !== 'mark_paid'), amount_paid: invoice.amount_paid - recorded, amount_due: invoice.amount_due + recorded };
  };
  return {
    response: (req, answer) => {
      const m = INVOICE_PATH.exec(req.path);
      if (req.method === 'POST' && m?.[2] === '/mark-paid' && answer.status === 200) marked.add(m[1]!);
      if (req.method === 'GET' && m?.[2] === '/payments' && marked.has(m[1]!) && answer.status === 200) {
        const body = json(answer);
        return withJson(answer, { ...body, data: body.data.filter((p: any) => p.source !== 'mark_paid') });
      }
      return eachInvoice(answer, strip);
    },
  };
}

export const MONEY_DEFECTS: PlantedDefect[] = [
  // Totals.
  { name: 'a JPY total one yen off (other currencies right)', checks: ['totals'], include: TOTALS_OPS, only: ['totals'], breakage: { response: (_req, a) => eachInvoice(a, jpyOffByOne) } },
  { name: 'line amounts rounded half to even instead of half away from zero', checks: ['totals'], include: TOTALS_OPS, only: ['totals'], breakage: { response: (_req, a) => eachInvoice(a, halfToEven) } },
  { name: 'a CSV export whose total differs from the detail', checks: ['totals'], include: TOTALS_OPS, only: ['totals'], breakage: { response: (req, a) => (req.method === 'GET' && req.path === '/api/v1/invoices/export' ? csvTotalOff(a) : a) } },
  { name: 'KWD amounts exported with two decimals instead of three', checks: ['totals'], include: TOTALS_OPS, only: ['totals'], breakage: { response: (req, a) => (req.method === 'GET' && req.path === '/api/v1/invoices/export' ? csvKwdTwoDecimals(a) : a) } },
  { name: 'totals not recomputed after PATCH', checks: ['totals'], include: TOTALS_OPS, only: ['totals'], breakage: staleAfterPatch() },
  // Payments and credit notes.
  {
    name: 'an overpayment accepted (the amount due recorded instead)',
    checks: ['payments'],
    include: PAYMENTS_OPS,
    only: ['payments'],
    breakage: {
      response: async (req, answer, forward) => {
        const m = INVOICE_PATH.exec(req.path);
        if (req.method !== 'POST' || m?.[2] !== '/payments' || answer.status !== 422) return answer;
        const invoice = json(await forward({ ...req, method: 'GET', path: `/api/v1/invoices/${m[1]}`, body: '' }));
        const paid = await forward({ ...req, body: JSON.stringify({ ...JSON.parse(req.body), amount: invoice.amount_due }) });
        return paid.status === 201 ? withJson(paid, { ...json(paid), amount: JSON.parse(req.body).amount }) : answer;
      },
    },
  },
  { name: 'a partial payment reported as paid', checks: ['payments'], include: PAYMENTS_OPS, only: ['payments'], breakage: { response: (_req, a) => eachInvoice(a, (v) => (v.status === 'partially_paid' ? { ...v, status: 'paid' } : v)) } },
  { name: 'a deleted payment that leaves the invoice paid', checks: ['payments'], include: PAYMENTS_OPS, only: ['payments'], breakage: deleteKeepsStatus() },
  {
    name: 'a credit note numbered in the invoice series',
    checks: ['payments'],
    include: PAYMENTS_OPS,
    only: ['payments'],
    breakage: {
      response: async (req, answer, forward) => {
        const m = INVOICE_PATH.exec(req.path);
        if (req.method !== 'POST' || m?.[2] !== '/credit-notes' || answer.status !== 201) return answer;
        const next = json(await forward({ ...req, method: 'GET', path: '/api/v1/invoices/next-number', body: '' }));
        return withJson(answer, { ...json(answer), number: next.number });
      },
    },
  },
  { name: 'mark-paid without a payment recorded', checks: ['payments'], include: PAYMENTS_OPS, only: ['payments'], breakage: markPaidWithoutPayment() },
];
