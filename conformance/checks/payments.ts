import { amountDue, statusAfterMoney } from '../oracles/money.ts';
import { PrerequisiteError } from '../resources.ts';
import { Scenario } from '../scenario.ts';
import type { Exchange, ScenarioCheck } from '../types.ts';
import { problemCode } from './util.ts';

const PARTIAL = 'A payment below the amount due leaves the invoice partially_paid with amount_due = total − amount_paid − amount_credited (contract: Invoice lifecycle, record a payment; Money)';
const FULL = 'A payment of the whole amount due makes the invoice paid with nothing left due (contract: Invoice lifecycle, record a payment)';
const OVERPAYMENT = 'A payment above the amount due is refused with the documented problem and changes nothing (contract: Invoice lifecycle, record a payment)';
const DELETE = 'Deleting a payment recomputes the status and the amount due (contract: Invoice lifecycle, delete a payment)';
const CREDIT = 'A credit note reduces the amount due and recomputes the status (contract: Invoice lifecycle, issue a credit note; Money)';
const CREDIT_SERIES = 'Credit notes have their own number series, distinct from invoice numbers and sequential (contract: Numbering)';
const MARK_PAID = 'Mark-paid records a payment of the balance and makes the invoice paid (contract: Invoice lifecycle, mark as paid)';

type Money = { status: string; total: number; amount_paid: number; amount_credited: number; amount_due: number; payments: Array<{ id?: string; amount?: number; source?: string }>; credit_notes: Array<{ id?: string }> };

/** The money-related state of an invoice answer, or undefined when the answer is not an invoice. */
function moneyOf(body: any): Money | undefined {
  if (!body || typeof body !== 'object' || typeof body.status !== 'string') return undefined;
  for (const k of ['total', 'amount_paid', 'amount_credited', 'amount_due']) if (!Number.isInteger(body[k])) return undefined;
  return { status: body.status, total: body.total, amount_paid: body.amount_paid, amount_credited: body.amount_credited, amount_due: body.amount_due, payments: Array.isArray(body.payments) ? body.payments : [], credit_notes: Array.isArray(body.credit_notes) ? body.credit_notes : [] };
}

const describeMoney = (m: Money | undefined) =>
  m ? `status ${m.status}, total ${m.total}, amount_paid ${m.amount_paid}, amount_credited ${m.amount_credited}, amount_due ${m.amount_due}, ${m.payments.length} payment(s), ${m.credit_notes.length} credit note(s)` : 'not an invoice';

/** A `{TOKEN}` numbering pattern of the contract as a regular expression: `CN-{YYYY}-{SEQ4}` → /^CN-\d{4}-\d{4,}$/. */
export function patternRegex(pattern: string): RegExp {
  const source = pattern
    .split(/(\{[A-Z]+\d*\})/)
    .map((part) => {
      const token = /^\{([A-Z]+?)(\d*)\}$/.exec(part);
      if (!token) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      if (token[1] === 'YYYY') return '\\d{4}';
      if (token[1] === 'SEQ') return `\\d{${token[2] || 1},}`;
      return '\\d{2}'; // YY, MM, DD
    })
    .join('');
  return new RegExp(`^${source}$`);
}

/** The trailing sequence of a number (`CN-2026-0007` → prefix `CN-2026-`, 7). */
const sequenceOf = (number: string) => {
  const m = /^(.*?)(\d+)$/.exec(number);
  return m ? { prefix: m[1]!, seq: Number(m[2]) } : undefined;
};

export const payments: ScenarioCheck = {
  id: 'payments',
  kind: 'scenario',
  inline: false,
  // Alone: the credit-note sequence and the invoice-number preview must not move under other checks' writes.
  exclusive: true,
  severity: 'critical',
  description: 'Payments and credit notes: partial → partially_paid, full → paid, an overpayment refused without effect, a deleted payment recomputed, credit notes in their own sequential series reducing the amount due, mark-paid recording the balance.',
  requires: ['writes'],
  operations: ['createCustomer', 'createInvoice', 'markInvoiceSent', 'getInvoice', 'recordPayment', 'deletePayment', 'listPayments', 'createCreditNote', 'markInvoicePaid', 'previewNextInvoiceNumber'],
  async run(ctx) {
    const s = new Scenario(ctx, 'payments');
    const customer = await ctx.resources.customer();
    const documentedRefusal = (operationId: string, code: string, fallback: number) => {
      const text = String(s.operation(operationId).operation.description ?? '') + String(ctx.contract.doc.info?.description ?? '');
      const m = new RegExp('`(\\d{3}) ' + code + '`').exec(text);
      return { status: m ? Number(m[1]) : fallback, code };
    };

    // Due years ahead: `overdue` (past the due date) must not stand in for the statuses under test.
    const now = new Date();
    const issueDate = now.toISOString().slice(0, 10);
    const dueDate = `${now.getUTCFullYear() + 3}-12-31`;
    /** A sent invoice of a few lines (USD); its total is whatever the server computed (the totals check judges that). */
    const sentInvoice = async (what: string) => {
      const created = await s.must('createInvoice', { json: { customer_id: customer, currency: 'USD', issue_date: issueDate, due_date: dueDate, title: ctx.resources.label(`payments ${what}`), tax_rate: 10, line_items: [{ description: 'Payments probe', quantity: 3, unit_price: 33_333 }, { description: 'Payments review', quantity: 1.25, unit_price: 10_001 }] } });
      if (typeof created?.id !== 'string') throw new PrerequisiteError('payments could not set up: createInvoice answered without an id');
      ctx.resources.track('invoice', created.id);
      const sent = await s.must('markInvoiceSent', { params: { invoice_id: created.id } });
      const money = moneyOf(sent);
      return { id: String(created.id), number: String(created.number), money };
    };
    const read = async (id: string, label: string) => {
      const exchange = await s.call('getInvoice', { params: { invoice_id: id }, label });
      return { exchange, money: exchange.response?.status === 200 ? moneyOf(exchange.response.body) : undefined };
    };
    /** Compares what was read with what the rule expects; fails with the rule when they differ. */
    const expectMoney = (seen: { exchange: Exchange; money: Money | undefined }, expected: Partial<Money>, rule: string, cause: string, operationId: string): boolean => {
      const m = seen.money;
      const wrong = !m || Object.entries(expected).some(([k, v]) => (k === 'payments' || k === 'credit_notes' ? (m as any)[k].length !== (v as unknown[]).length : (m as any)[k] !== v));
      if (wrong) {
        const shown = Object.entries(expected).map(([k, v]) => `${k} ${Array.isArray(v) ? `${v.length} item(s)` : v}`).join(', ');
        s.fail(seen.exchange, { rule, cause, expected: shown, got: describeMoney(m), operationId });
      }
      return !wrong;
    };

    // A: partial, refused overpayment, full, then both payments deleted.
    const a = await sentInvoice('A');
    if (!a.money || a.money.total < 10) {
      const seen = await read(a.id, 'read the sent invoice');
      s.fail(seen.exchange, { rule: PARTIAL, cause: 'no usable total on a sent invoice', expected: 'a sent invoice with a positive total', got: describeMoney(seen.money) });
      return;
    }
    const total = a.money.total;
    const unpaidStatus = a.money.status; // sent (or overdue, if a server's clock says so)
    const partial = Math.floor(total / 3);
    const first = await s.call('recordPayment', { params: { invoice_id: a.id }, json: { amount: partial, reference: ctx.resources.label('partial') }, label: 'a partial payment' });
    const firstId = (first.response?.body as any)?.id;
    if (first.response?.status !== 201 || typeof firstId !== 'string') {
      s.fail(first, { rule: PARTIAL, cause: 'a partial payment was not recorded', expected: `201 with the payment of ${partial}` });
      return;
    }
    let ok = expectMoney(await read(a.id, 'read after a partial payment'), { status: 'partially_paid', amount_paid: partial, amount_due: amountDue(total, partial, 0) }, PARTIAL, 'partial payment: wrong status or amount due', 'recordPayment');

    const before = await read(a.id, 'read before an overpayment');
    const refusal = documentedRefusal('recordPayment', 'overpayment', 422);
    const over = await s.call('recordPayment', { params: { invoice_id: a.id }, json: { amount: (before.money?.amount_due ?? total) + 1 }, label: 'an overpayment by one minor unit' });
    if (over.response?.status !== refusal.status || problemCode(over.response) !== refusal.code) {
      ok = false;
      s.fail(over, { rule: OVERPAYMENT, cause: 'overpayment not refused as documented', expected: `${refusal.status} ${refusal.code}` });
    }
    const afterOver = await read(a.id, 'read after the refused overpayment');
    if (before.money) ok = expectMoney(afterOver, { status: before.money.status, amount_paid: before.money.amount_paid, amount_due: before.money.amount_due, payments: before.money.payments }, OVERPAYMENT, 'overpayment changed the invoice', 'recordPayment') && ok;

    const rest = amountDue(total, partial, 0);
    const second = await s.call('recordPayment', { params: { invoice_id: a.id }, json: { amount: rest }, label: 'a payment of the rest' });
    const secondId = (second.response?.body as any)?.id;
    if (second.response?.status !== 201 || typeof secondId !== 'string') {
      s.fail(second, { rule: FULL, cause: 'a payment of the amount due was not recorded', expected: `201 with the payment of ${rest}` });
      return;
    }
    ok = expectMoney(await read(a.id, 'read after the full payment'), { status: 'paid', amount_paid: total, amount_due: 0 }, FULL, 'full payment: not paid', 'recordPayment') && ok;
    if (ok) s.pass('recordPayment');

    let deleteOk = true;
    const del2 = await s.call('deletePayment', { params: { invoice_id: a.id, payment_id: secondId }, label: 'delete the payment that paid it' });
    if (del2.response?.status !== 204) {
      deleteOk = false;
      s.fail(del2, { rule: DELETE, cause: 'a payment could not be deleted', expected: '204' });
    }
    deleteOk = expectMoney(await read(a.id, 'read after deleting the second payment'), { status: statusAfterMoney({ amount_due: rest, amount_paid: partial }, unpaidStatus), amount_paid: partial, amount_due: rest }, DELETE, 'payment deleted: status or amount due not recomputed', 'deletePayment') && deleteOk;
    const del1 = await s.call('deletePayment', { params: { invoice_id: a.id, payment_id: firstId }, label: 'delete the partial payment' });
    if (del1.response?.status !== 204) {
      deleteOk = false;
      s.fail(del1, { rule: DELETE, cause: 'a payment could not be deleted', expected: '204' });
    }
    const cleared = await read(a.id, 'read after deleting every payment');
    deleteOk = expectMoney(cleared, { status: unpaidStatus, amount_paid: 0, amount_due: total, payments: [] }, DELETE, 'every payment deleted: status or amount due not recomputed', 'deletePayment') && deleteOk;
    if (deleteOk) s.pass('deletePayment');

    // B: credit notes, in their own series, taking no invoice number.
    const b = await sentInvoice('B');
    const previewBefore = await s.must('previewNextInvoiceNumber', { label: 'the next invoice number before credit notes' });
    const bTotal = b.money?.total ?? total;
    const credit = Math.floor(bTotal / 4);
    const notes: Array<{ exchange: Exchange; number: string }> = [];
    let creditOk = true;
    for (const n of [1, 2]) {
      const exchange = await s.call('createCreditNote', { params: { invoice_id: b.id }, json: { amount: credit, reason: ctx.resources.label(`credit ${n}`) }, label: `credit note ${n}` });
      const number = (exchange.response?.body as any)?.number;
      if (exchange.response?.status !== 201 || typeof number !== 'string') {
        s.fail(exchange, { rule: CREDIT, cause: 'a credit note within the balance was not issued', expected: `201 with a credit note of ${credit}` });
        return;
      }
      notes.push({ exchange, number });
      creditOk = expectMoney(await read(b.id, `read after credit note ${n}`), { status: unpaidStatus, amount_credited: credit * n, amount_due: amountDue(bTotal, 0, credit * n), credit_notes: Array(n).fill({}) }, CREDIT, 'credit note: amount due or status not recomputed', 'createCreditNote') && creditOk;
    }
    const seriesText = /`(CN[^`]*)`/.exec(String(s.operation('createCreditNote').operation.description ?? '') + String(ctx.contract.doc.info?.description ?? ''))?.[1];
    const series = seriesText ? patternRegex(seriesText) : undefined;
    const invoiceNumbers = [a.number, b.number, String(previewBefore?.number)];
    const invoicePrefix = sequenceOf(b.number)?.prefix;
    const [n1, n2] = [sequenceOf(notes[0]!.number), sequenceOf(notes[1]!.number)];
    const seriesProblems = [
      ...notes.filter((n) => series && !series.test(n.number)).map((n) => `${n.number} is not of the series ${seriesText}`),
      ...notes.filter((n) => invoiceNumbers.includes(n.number) || (invoicePrefix && sequenceOf(n.number)?.prefix === invoicePrefix)).map((n) => `${n.number} is in the invoice series (${b.number})`),
      ...(n1 && n2 && (n1.prefix !== n2.prefix || n2.seq !== n1.seq + 1) ? [`${notes[1]!.number} does not follow ${notes[0]!.number}`] : []),
    ];
    const previewAfter = await s.call('previewNextInvoiceNumber', { label: 'the next invoice number after credit notes' });
    const afterNumber = (previewAfter.response?.body as any)?.number;
    if (previewAfter.response?.status === 200 && afterNumber !== previewBefore?.number) seriesProblems.push(`the next invoice number moved from ${previewBefore?.number} to ${afterNumber}: credit notes took invoice numbers`);
    const problems = [...new Set(seriesProblems)];
    if (problems.length) {
      creditOk = false;
      s.fail(notes[1]!.exchange, { rule: CREDIT_SERIES, cause: 'credit note numbers not in their own sequential series', expected: `${seriesText ?? 'their own series'}, consecutive, apart from invoice numbers`, got: problems.join('; '), operationId: 'createCreditNote' });
    }
    if (creditOk) s.pass('createCreditNote');

    // C: mark-paid after a partial payment records the balance.
    const c = await sentInvoice('C');
    const cTotal = c.money?.total ?? total;
    const down = Math.floor(cTotal / 5);
    await s.must('recordPayment', { params: { invoice_id: c.id }, json: { amount: down }, label: 'a down payment before mark-paid' });
    const marked = await s.call('markInvoicePaid', { params: { invoice_id: c.id }, json: {}, label: 'mark paid' });
    let markOk = true;
    if (marked.response?.status !== 200) {
      markOk = false;
      s.fail(marked, { rule: MARK_PAID, cause: 'mark-paid refused on a partially paid invoice', expected: '200 with the paid invoice' });
    }
    const paid = await read(c.id, 'read after mark-paid');
    markOk = expectMoney(paid, { status: 'paid', amount_paid: cTotal, amount_due: 0, payments: [{}, {}] }, MARK_PAID, 'mark-paid: balance not recorded as a payment', 'markInvoicePaid') && markOk;
    const listed = await s.call('listPayments', { params: { invoice_id: c.id }, label: 'the payments after mark-paid' });
    const data: Array<{ amount?: unknown }> = Array.isArray((listed.response?.body as any)?.data) ? (listed.response!.body as any).data : [];
    const balance = cTotal - down;
    if (listed.response?.status !== 200 || data.length !== 2 || !data.some((p) => p?.amount === balance)) {
      markOk = false;
      s.fail(listed, { rule: MARK_PAID, cause: 'mark-paid: no payment of the balance listed', expected: `2 payments: ${down} and the balance ${balance}`, got: listed.response?.status === 200 ? `${data.length} payment(s): ${data.map((p) => p?.amount).join(', ')}` : undefined, operationId: 'listPayments' });
    }
    if (markOk) {
      s.pass('markInvoicePaid');
      s.pass('listPayments');
    }
    if (ok && deleteOk && creditOk && markOk) s.pass('getInvoice');
  },
};
