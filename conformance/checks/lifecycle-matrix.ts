// The lifecycle matrix's setups and its driver: invoices brought into every status and fact the
// contract's lifecycle data depends on, through the API only.
import { isDeepStrictEqual } from 'node:util';
import { findAction, LIFECYCLE_EXTENSION, lifecycleOracle, type ActionFacts, type ExpectedOutcome, type LifecycleAction, type LifecycleOracle } from '../../src/contract/lifecycle.ts';
import { shapeOf } from '../generation/cases.ts';
import { PrerequisiteError } from '../resources.ts';
import { Scenario, type CallOptions } from '../scenario.ts';
import type { CheckContext, Exchange } from '../types.ts';
import { statusText } from './util.ts';

const RULE = `contract: ${LIFECYCLE_EXTENSION}`;
/** Invoices prepared at once: enough to hide latency, few enough not to crowd a small server. */
export const POOL = 4;
/** The invoice every setup starts from: one line of 100.00, so partial amounts are easy. */
export const LINE = { description: 'Lifecycle probe', quantity: 1, unit_price: 10000 };
/** The part of the total a setup "with payments" pays: leaves a balance, so the invoice stays partially paid. */
const PARTIAL_SHARE = 0.4;

type Facts = ActionFacts & { status: string; pastDue: boolean };
/** A step towards a setup: a lifecycle action of the data, or a view of the public share page. */
type Step = { action: string; amount?: 'part' } | { view: true };
export type Setup = { name: string; facts: Facts; how: string; steps: Step[] };

/** Every status of the data, and each fact its refusals depend on, reached with and without it. */
export const SETUPS: Setup[] = [
  { name: 'draft', facts: { status: 'draft', hasPayments: false, published: false, trashed: false, pastDue: false }, how: 'created', steps: [] },
  { name: 'sent', facts: { status: 'sent', hasPayments: false, published: true, trashed: false, pastDue: false }, how: 'published', steps: [{ action: 'publish' }] },
  { name: 'sent_unpublished', facts: { status: 'sent', hasPayments: false, published: false, trashed: false, pastDue: false }, how: 'marked as sent', steps: [{ action: 'mark_sent' }] },
  { name: 'viewed', facts: { status: 'viewed', hasPayments: false, published: true, trashed: false, pastDue: false }, how: 'published, then its share page viewed', steps: [{ action: 'publish' }, { view: true }] },
  { name: 'partially_paid', facts: { status: 'partially_paid', hasPayments: true, published: true, trashed: false, pastDue: false }, how: 'published, then paid in part', steps: [{ action: 'publish' }, { action: 'record_payment', amount: 'part' }] },
  { name: 'paid', facts: { status: 'paid', hasPayments: true, published: true, trashed: false, pastDue: false }, how: 'published, then marked as paid', steps: [{ action: 'publish' }, { action: 'mark_paid' }] },
  { name: 'overdue', facts: { status: 'overdue', hasPayments: false, published: true, trashed: false, pastDue: true }, how: 'created with a past due date, then published', steps: [{ action: 'publish' }] },
  { name: 'overdue_unpublished', facts: { status: 'overdue', hasPayments: false, published: false, trashed: false, pastDue: true }, how: 'created with a past due date, then marked as sent', steps: [{ action: 'mark_sent' }] },
  { name: 'overdue_with_payments', facts: { status: 'overdue', hasPayments: true, published: true, trashed: false, pastDue: true }, how: 'created with a past due date, published, then paid in part', steps: [{ action: 'publish' }, { action: 'record_payment', amount: 'part' }] },
  { name: 'void', facts: { status: 'void', hasPayments: false, published: true, trashed: false, pastDue: false }, how: 'published, then voided', steps: [{ action: 'publish' }, { action: 'void' }] },
  { name: 'void_with_payments', facts: { status: 'void', hasPayments: true, published: true, trashed: false, pastDue: false }, how: 'published, paid in part, then voided', steps: [{ action: 'publish' }, { action: 'record_payment', amount: 'part' }, { action: 'void' }] },
  { name: 'trashed_draft', facts: { status: 'draft', hasPayments: false, published: false, trashed: true, pastDue: false }, how: 'created, then moved to the trash', steps: [{ action: 'delete' }] },
  { name: 'trashed_sent', facts: { status: 'sent', hasPayments: false, published: true, trashed: true, pastDue: false }, how: 'published, then moved to the trash', steps: [{ action: 'publish' }, { action: 'delete' }] },
  { name: 'trashed_void', facts: { status: 'void', hasPayments: false, published: true, trashed: true, pastDue: false }, how: 'published, voided, then moved to the trash', steps: [{ action: 'publish' }, { action: 'void' }, { action: 'delete' }] },
];

/** The operations the matrix drives in the bundled contract (setups and every action of its data). */
export const LIFECYCLE_OPERATIONS = [
  'createCustomer', 'createInvoice', 'getInvoice', 'viewSharedInvoice',
  'updateInvoice', 'replaceInvoice', 'sendInvoice', 'markInvoiceSent', 'publishInvoice', 'unpublishInvoice', 'voidInvoice', 'markInvoicePaid',
  'recordPayment', 'deletePayment', 'createCreditNote', 'duplicateInvoice', 'deleteInvoice', 'restoreInvoice',
];

export type Invoice = Record<string, any> & { id: string; status: string; payments: Array<{ id: string; amount: number }> };
export const isInvoice = (body: unknown): body is Invoice => typeof body === 'object' && body !== null && typeof (body as Invoice).id === 'string' && typeof (body as Invoice).status === 'string';
export const paymentsOf = (inv: Invoice): Array<{ id: string; amount: number }> => (Array.isArray(inv.payments) ? inv.payments : []);
export const num = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) ? v : undefined);

export const refusalText = (r: { httpStatus: number; code: string }) => `${r.httpStatus} ${r.code}`;
const extrasOf = (f: Facts) => [f.trashed ? 'in the trash' : '', f.hasPayments ? 'with payments' : '', f.published ? '' : 'not published'].filter(Boolean);
/** `overdue (with payments)`: the status and the facts the data's refusals depend on. */
export function factsText(f: Facts): string {
  const extras = extrasOf(f);
  return extras.length ? `${f.status} (${extras.join(', ')})` : f.status;
}
const RESULT_TEXT: Record<string, string> = {
  sent_if_draft: 'sent from draft, its status otherwise unchanged',
  unchanged: 'its status unchanged',
  recomputed: 'the status its money gives',
  new_draft: 'a new draft, the original unchanged',
  trashed: 'the trash, its status kept',
  restored: 'out of the trash, its status kept',
  gone: 'its removal for good',
};
export function allowedRule(action: LifecycleAction): string {
  const conditions = [action.requiresTrashed ? 'in the trash' : 'not in the trash', action.refusedWithPayments && 'without payments', action.requiresPublished && 'while published'].filter(Boolean);
  return `${action.label} is allowed from ${action.allowedFrom.join(', ')} (${conditions.join(', ')}) and leads to ${RESULT_TEXT[action.result] ?? action.result} (${RULE})`;
}
export function refusedRule(action: LifecycleAction, expected: Extract<ExpectedOutcome, { allowed: false }>, facts: Facts): string {
  const why =
    expected.kind === 'status'
      ? `from ${factsText(facts)}`
      : `${{ trash: facts.trashed ? 'for an invoice in the trash' : 'for an invoice not in the trash', payments: 'for an invoice with payments', publication: 'for an invoice that is not published' }[expected.kind]} (${[facts.status, ...extrasOf(facts)].join(', ')})`;
  return `${action.label} is refused ${why} with ${refusalText(expected)} and changes nothing (${RULE})`;
}

/** The fields of two invoice bodies that differ, for messages. */
export function changedFields(before: Invoice, after: unknown): string[] {
  if (!isInvoice(after)) return ['(the body is not an invoice)'];
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => !isDeepStrictEqual(before[k], (after as Invoice)[k])).map((k) => `${k}: ${JSON.stringify(before[k])?.slice(0, 60)} → ${JSON.stringify((after as Invoice)[k])?.slice(0, 60)}`);
}

function isoDay(day: string, offsetDays: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + offsetDays);
  return d.toISOString().slice(0, 10);
}

export class Matrix {
  readonly s: Scenario;
  readonly oracle: LifecycleOracle;
  customer = '';
  /** The server's date, learned from the issue date it gives an invoice created without one. */
  today = '';
  /** Setups the server could not be brought into, with the reason: their rows are skipped. */
  readonly unreachable = new Map<string, string>();

  constructor(
    readonly ctx: CheckContext,
    checkId: string,
  ) {
    this.s = new Scenario(ctx, checkId);
    this.oracle = lifecycleOracle(ctx.contract.doc);
  }

  private action(name: string): LifecycleAction {
    try {
      return findAction(this.oracle.lifecycle, name);
    } catch {
      throw new PrerequisiteError(`the contract's lifecycle has no action '${name}' to prepare invoices with`);
    }
  }

  async get(id: string, label: string): Promise<Exchange> {
    return this.s.call('getInvoice', { params: this.invoiceParams(id), label });
  }

  private invoiceParams(id: string): Record<string, string> {
    const entry = this.s.operation('getInvoice');
    const name = entry.parameters.find((p) => p.in === 'path')?.name ?? 'invoice_id';
    return { [name]: id };
  }

  /**
   * The request that performs `operationId` (one of an action's operations) on `invoice`: path
   * parameters bound to its id and first payment, the body from the operation's example with
   * amounts, dates and ids bound to real ones. A string says why it cannot be sent.
   */
  request(action: LifecycleAction, operationId: string, invoice: Invoice, amount?: number): { options: CallOptions; amount?: number; amountExceedsDue: boolean; paymentId?: string } | string {
    if (!this.s.has(operationId)) return `the contract has no operation '${operationId}'`;
    const entry = this.s.operation(operationId);
    const params: Record<string, string> = {};
    let paymentId: string | undefined;
    for (const p of entry.parameters.filter((x) => x.in === 'path')) {
      if (/payment/i.test(p.name)) {
        paymentId = paymentsOf(invoice)[0]?.id;
        if (!paymentId) return 'it needs a payment on the invoice';
        params[p.name] = paymentId;
      } else params[p.name] = invoice.id;
    }
    const shape = shapeOf(this.ctx.contract, entry);
    let json: Record<string, unknown> | undefined;
    const example = shape.examples[0];
    if (example && typeof example === 'object' && !Array.isArray(example)) json = structuredClone(example) as Record<string, unknown>;
    else if (shape.bodyRequired) return `${operationId} has no request example to send`;
    let amountExceedsDue = false;
    let sentAmount: number | undefined;
    if (json) {
      // Recipients of the example are someone else's: the invoice goes to its own customer.
      for (const k of ['to', 'cc', 'bcc']) delete json[k];
      if ('customer_id' in json) json.customer_id = this.customer;
      if ('issue_date' in json) json.issue_date = invoice.issue_date ?? this.today;
      if ('due_date' in json) json.due_date = invoice.due_date ?? this.today;
      if ('date' in json) json.date = this.today;
      if ('number' in json) delete json.number;
      if ('amount' in json) {
        const due = num(invoice.amount_due) ?? 0;
        sentAmount = amount ?? Math.max(1, Math.floor(due / 4));
        amountExceedsDue = sentAmount > due;
        json.amount = sentAmount;
      }
      if (action.editableFields && entry.method.toLowerCase() === 'patch') {
        // Only the fields every allowed status accepts; never the due date, which would move an
        // overdue invoice out of overdue ("overdue follows a new due date").
        const keep = new Set(action.editableFields.otherwise.filter((f) => f !== 'due_date'));
        json = Object.fromEntries(Object.entries(json).filter(([k]) => keep.has(k)));
        if (!Object.keys(json).length) json = { notes: this.ctx.resources.label('lifecycle edit') };
      }
    }
    const options: CallOptions = { params, ...(action.query ? { query: action.query } : {}), ...(json ? { json } : {}) };
    return { options, ...(sentAmount !== undefined ? { amount: sentAmount } : {}), amountExceedsDue, ...(paymentId ? { paymentId } : {}) };
  }

  /** A fresh invoice brought into `setup` through the API, read back; undefined (with a failure or a skip recorded) when it cannot be. */
  async prepare(setup: Setup): Promise<Invoice | undefined> {
    if (this.unreachable.has(setup.name)) return undefined;
    const dates = setup.facts.pastDue ? { issue_date: isoDay(this.today, -60), due_date: isoDay(this.today, -30) } : { issue_date: this.today, due_date: isoDay(this.today, 30) };
    const created = await this.s.call('createInvoice', {
      json: { customer_id: this.customer, currency: 'USD', title: this.ctx.resources.label(`lifecycle ${setup.name}`), ...dates, line_items: [LINE] },
      label: `create an invoice for the ${setup.name} setup`,
    });
    if (created.response?.status !== 201 || !isInvoice(created.response.body)) {
      const why = created.response ? statusText(created.response) : 'no answer';
      this.skipSetup(setup, `creating its invoice${setup.facts.pastDue ? ' with past issue and due dates' : ''} answered ${why}`);
      return undefined;
    }
    let invoice = created.response.body;
    let last = created;
    for (const step of setup.steps) {
      let exchange: Exchange;
      if ('view' in step) {
        const token = this.shareToken(invoice);
        if (!token) {
          this.failSetup(setup, created, `the invoice has no share link to view (share_link ${JSON.stringify(invoice.share_link)})`);
          return undefined;
        }
        exchange = await this.s.call('viewSharedInvoice', { params: token, auth: 'none', label: `view the share page (${setup.name} setup)` });
      } else {
        const action = this.action(step.action);
        const total = num(invoice.total) ?? 0;
        const req = this.request(action, action.operations[0]!, invoice, step.amount === 'part' ? Math.max(1, Math.floor(total * PARTIAL_SHARE)) : undefined);
        if (typeof req === 'string') throw new PrerequisiteError(`the lifecycle check cannot ${action.label}: ${req}`);
        exchange = await this.s.call(action.operations[0]!, { ...req.options, label: `${action.label} (${setup.name} setup)` });
      }
      if (!exchange.response || exchange.response.status >= 300) {
        this.failSetup(setup, exchange, `${exchange.case.label.replace(/^lifecycle: /, '')} answered ${exchange.response ? statusText(exchange.response) : 'nothing'}`);
        return undefined;
      }
      // A step that answers with the invoice (publish gives its share link) saves a read.
      const answer = exchange.response.body;
      if (isInvoice(answer) && answer.id === invoice.id) invoice = answer;
      last = exchange;
    }
    // One read at the end: the exact body every later comparison starts from.
    const read = await this.get(invoice.id, `read back (${setup.name} setup)`);
    if (!isInvoice(read.response?.body) || read.response.status !== 200) {
      this.failSetup(setup, read.response ? read : last, `the invoice could not be read back: ${read.response ? statusText(read.response) : 'no answer'}`);
      return undefined;
    }
    invoice = read.response.body;
    last = read;
    const f = setup.facts;
    const got = { status: invoice.status, trashed: invoice.deleted_at != null, published: invoice.share_link != null, hasPayments: paymentsOf(invoice).length > 0 };
    const wrong = (['status', 'trashed', 'published', 'hasPayments'] as const).filter((k) => got[k] !== f[k]);
    if (wrong.length) {
      this.failSetup(setup, last, wrong.map((k) => `${k} ${JSON.stringify(got[k])}`).join(', '));
      return undefined;
    }
    return invoice;
  }

  private skipSetup(setup: Setup, reason: string): void {
    this.unreachable.set(setup.name, reason);
    this.ctx.skip('*', `the ${setup.name} rows are skipped: ${reason}`);
  }

  /** The server could not be brought into a setup by the data's own allowed actions: a broken rule of the lifecycle. */
  private failSetup(setup: Setup, exchange: Exchange, got: string): void {
    if (this.unreachable.has(setup.name)) return;
    this.unreachable.set(setup.name, got);
    const f = setup.facts;
    this.s.fail(exchange, {
      rule: `An invoice ${setup.how} is ${factsText(f)} (${RULE})`,
      cause: `setup ${setup.name} not kept`,
      expected: `status ${f.status}, ${f.trashed ? 'in' : 'not in'} the trash, ${f.published ? 'with' : 'without'} a share link, ${f.hasPayments ? 'with' : 'without'} payments`,
      got,
    });
  }

  /** The share token of a published invoice, from its `share_link.url` matched against the contract's public route. */
  shareToken(invoice: Invoice): Record<string, string> | undefined {
    const url = invoice.share_link?.url;
    if (typeof url !== 'string') return undefined;
    let path: string;
    try {
      path = new URL(url, 'http://server.invalid').pathname;
    } catch {
      return undefined;
    }
    const parts = path.split('/').filter(Boolean);
    for (let i = 0; i < parts.length; i++) {
      const match = this.ctx.contract.routes.match('GET', '/' + parts.slice(i).join('/'));
      if (match.kind === 'operation' && match.entry.operationId === 'viewSharedInvoice') return match.params;
    }
    return undefined;
  }
}

