// The invoice actions of the contract's state machine. Each one loads the invoice, asks the
// domain whether the action is allowed from its effective status (src/domain/lifecycle.ts),
// builds the new record and stores it once: a refused action changes nothing.
import { addDays, daysBetween } from '../domain/dates.ts';
import type { components, operations } from '../generated/api-types.ts';
import { assertAllowed, assertPayment, invoiceAmountDue, nextStatusAfterAction, type InvoiceAction, type InvoiceStatus } from '../domain/lifecycle.ts';
import { Refusal } from '../domain/errors.ts';
import type { InvoiceRecord } from '../store/types.ts';
import { nowIso, today, type ServiceContext } from './context.ts';
import { actionContext, deleteInvoice, inputLines, insertDraft, loadInvoice, presentInvoice, restoreInvoice, statusOf } from './invoices.ts';
import { issuePdfToken, newPaymentToken, newShareToken } from './links.ts';
import type { Outbox } from './outbox.ts';
import { assertPayable, newPayment, withMoney } from './payments.ts';
import { pdfFilename, renderInvoicePdf } from './pdf.ts';
import { displayAmount } from './public-pages.ts';

type SendInvoiceRequest = components['schemas']['SendInvoiceRequest'];
type MarkPaidRequest = components['schemas']['MarkPaidRequest'];

/** Loads, checks the action against the state machine, builds the next record and stores it once. */
function runAction(ctx: ServiceContext, id: string, action: InvoiceAction, build: (current: InvoiceRecord, status: InvoiceStatus) => InvoiceRecord): InvoiceRecord {
  const current = loadInvoice(ctx, id);
  const status = statusOf(ctx, current);
  assertAllowed(action, status, actionContext(current));
  const next = build(current, status);
  if (next !== current) ctx.store.putInvoice(ctx.tenant.id, next);
  return next;
}

/** The invoice PDF as it stands now. */
export function invoicePdf(ctx: ServiceContext, record: InvoiceRecord): Promise<Buffer> {
  return renderInvoicePdf({
    invoice: presentInvoice(ctx, record),
    customer: ctx.store.getCustomer(ctx.tenant.id, record.customer_id),
    issuer: ctx.tenant.name,
    createdAt: ctx.clock.now(),
  });
}

// ---------- send / mark as sent ----------

function recipientOf(ctx: ServiceContext, record: InvoiceRecord, input: SendInvoiceRequest): string {
  const to = input.to ?? ctx.store.getCustomer(ctx.tenant.id, record.customer_id)?.email ?? null;
  if (!to) {
    throw new Refusal('no_recipient', `Invoice ${record.number} has no recipient: its customer has no email; pass 'to'.`, {
      in: 'body', path: 'to', message: 'required when the customer has no email', rule: 'recipient',
    });
  }
  return to;
}

function checkSend(ctx: ServiceContext, record: InvoiceRecord, input: SendInvoiceRequest): string {
  assertAllowed('send', statusOf(ctx, record), actionContext(record));
  return recipientOf(ctx, record, input);
}

function defaultMessage(ctx: ServiceContext, record: InvoiceRecord, reminder: boolean): string {
  const customer = ctx.store.getCustomer(ctx.tenant.id, record.customer_id);
  const shareUrl = record.share_token ? `${ctx.baseUrl}/public/invoices/${record.share_token}` : undefined;
  return [
    `Hello ${customer?.name ?? ''},`.replace(/ ,$/, ','),
    '',
    reminder
      ? `This is a reminder that invoice ${record.number} for ${displayAmount(record.amount_due, record.currency)} is due on ${record.due_date}.`
      : `Please find attached invoice ${record.number} for ${displayAmount(record.amount_due, record.currency)}, due on ${record.due_date}.`,
    ...(shareUrl ? ['', `You can also view it online: ${shareUrl}`] : []),
    '',
    'Thank you,',
    ctx.tenant.name,
  ].join('\n');
}

/**
 * Emails the invoice with its PDF attached (into the outbox). Draft → sent; later statuses stay
 * as they are (a reminder). Rendering the PDF is asynchronous, so the invoice is read again
 * afterwards and the checks repeated on what is stored then.
 */
export async function sendInvoice(ctx: ServiceContext, id: string, outbox: Outbox, input: SendInvoiceRequest = {}): Promise<InvoiceRecord> {
  let current = loadInvoice(ctx, id);
  checkSend(ctx, current, input);
  let pdf = await invoicePdf(ctx, current);
  for (let attempt = 0; attempt < 3; attempt++) {
    const fresh = loadInvoice(ctx, id);
    if (fresh === current) break;
    // Changed while the PDF was drawn: check again and draw what is stored now.
    current = fresh;
    checkSend(ctx, current, input);
    pdf = await invoicePdf(ctx, current);
  }
  current = loadInvoice(ctx, id);
  const to = checkSend(ctx, current, input);
  const now = nowIso(ctx);
  const reminder = current.stored_status !== 'draft';
  const next: InvoiceRecord = {
    ...current,
    stored_status: nextStatusAfterAction('send', current.stored_status),
    sent_at: current.sent_at ?? now,
    sent_via_email: true,
    last_notification_at: now,
    updated_at: now,
  };
  ctx.store.putInvoice(ctx.tenant.id, next);
  outbox.add({
    id: ctx.ids('msg'),
    tenant: ctx.tenant.id,
    invoice_id: current.id,
    to,
    cc: [...(input.cc ?? [])],
    subject: input.subject ?? `${reminder ? 'Reminder: invoice' : 'Invoice'} ${current.number} from ${ctx.tenant.name}`,
    body: input.message ?? defaultMessage(ctx, current, reminder),
    attachments: [{ filename: pdfFilename(current.number), contentType: 'application/pdf', content: pdf }],
    created_at: now,
  });
  return next;
}

/** Draft → sent without an email (it went out another way). */
export function markSent(ctx: ServiceContext, id: string): InvoiceRecord {
  return runAction(ctx, id, 'mark_sent', (current) => {
    const now = nowIso(ctx);
    return { ...current, stored_status: nextStatusAfterAction('mark_sent', current.stored_status), sent_at: current.sent_at ?? now, updated_at: now };
  });
}

// ---------- publish / unpublish ----------

/** Creates the share link (kept when already published); a draft becomes sent. */
export function publishInvoice(ctx: ServiceContext, id: string): InvoiceRecord {
  return runAction(ctx, id, 'publish', (current) => {
    const stored_status = nextStatusAfterAction('publish', current.stored_status);
    if (current.share_token && stored_status === current.stored_status) return current; // already published: nothing changes
    const now = nowIso(ctx);
    return {
      ...current,
      stored_status,
      share_token: current.share_token ?? newShareToken(),
      published_at: current.published_at ?? now,
      sent_at: current.sent_at ?? now,
      updated_at: now,
    };
  });
}

/**
 * Revokes the share link and returns the invoice to draft. The contract allows it only without
 * payments: an overdue invoice that is partially paid underneath is refused like partially_paid.
 */
export function unpublishInvoice(ctx: ServiceContext, id: string): InvoiceRecord {
  return runAction(ctx, id, 'unpublish', (current) => {
    const now = nowIso(ctx);
    return {
      ...current,
      stored_status: nextStatusAfterAction('unpublish', current.stored_status),
      share_token: null,
      published_at: null,
      // Views of the revoked page belong to the revoked link; a new link starts unviewed.
      viewed_at: null,
      updated_at: now,
    };
  });
}

/** The first view of a published invoice's share page: records `viewed_at`, sent → viewed. */
export function recordShareView(ctx: ServiceContext, record: InvoiceRecord): InvoiceRecord {
  if (record.stored_status === 'void' || record.stored_status === 'draft') return record;
  if (record.viewed_at !== null && record.stored_status !== 'sent') return record;
  const now = nowIso(ctx);
  const next: InvoiceRecord = {
    ...record,
    viewed_at: record.viewed_at ?? now,
    stored_status: record.stored_status === 'sent' ? 'viewed' : record.stored_status,
    updated_at: now,
  };
  ctx.store.putInvoice(ctx.tenant.id, next);
  return next;
}

// ---------- void / mark as paid ----------

/** Voids the invoice for good. */
export function voidInvoice(ctx: ServiceContext, id: string): InvoiceRecord {
  return runAction(ctx, id, 'void', (current) => {
    const now = nowIso(ctx);
    const stored_status = nextStatusAfterAction('void', current.stored_status);
    // Nothing is owed on a void invoice (contract: Invoice.amount_due); its total stays as issued.
    return { ...current, stored_status, amount_due: invoiceAmountDue({ ...current, stored_status }), voided_at: now, updated_at: now };
  });
}

/** Records a payment of the whole amount due (source mark_paid) and sets the invoice to paid. */
export function markPaid(ctx: ServiceContext, id: string, input: MarkPaidRequest = {}): InvoiceRecord {
  return runAction(ctx, id, 'mark_paid', (current) => {
    const due = current.amount_due;
    if (due <= 0) return withMoney(ctx, current, 'mark_paid', {}); // nothing left: paid without a payment
    assertPayment(due, due);
    const payment = newPayment(ctx, current, { amount: due, method: input.method, reference: input.reference, date: input.date, source: 'mark_paid' });
    return withMoney(ctx, current, 'mark_paid', { payments: [...current.payments, payment] });
  });
}

// ---------- duplicate ----------

/**
 * A new draft with the same customer, currency, lines, tax and discount, the next number,
 * today as issue date and the same payment period.
 */
export function duplicateInvoice(ctx: ServiceContext, id: string): InvoiceRecord {
  const current = loadInvoice(ctx, id);
  assertAllowed('duplicate', statusOf(ctx, current), actionContext(current));
  const customer = ctx.store.getCustomer(ctx.tenant.id, current.customer_id);
  if (!customer) throw new Refusal('unknown_customer', `The customer '${current.customer_id}' of invoice ${current.number} no longer exists.`);
  if (!customer.is_active) throw new Refusal('customer_inactive', `Customer '${customer.id}' is deactivated; reactivate it to invoice it again.`);
  const issue = today(ctx);
  const content: Parameters<typeof insertDraft>[1] = {
    customer_id: current.customer_id,
    title: current.title,
    description: current.description,
    currency: current.currency,
    issue_date: issue,
    due_date: addDays(issue, Math.max(0, daysBetween(current.issue_date, current.due_date)), 'due date of the copy'),
    payment_terms: current.payment_terms,
    payment_method: current.payment_method,
    notes: current.notes,
    internal_notes: current.internal_notes,
    tax_rate: current.tax_rate,
    discount: current.discount,
    exclude_from_autopay: current.exclude_from_autopay,
    line_items: inputLines(current),
  };
  return insertDraft(ctx, content);
}

// ---------- links ----------

/** A signed link that serves the PDF without credentials for 15 minutes. */
export function pdfLink(ctx: ServiceContext, id: string, secret: string): { url: string; expires_at: string } {
  const invoice = loadInvoice(ctx, id);
  const { token, expiresAt } = issuePdfToken(secret, ctx.tenant.id, invoice.id, ctx.clock.now());
  return { url: `${ctx.baseUrl}/public/pdf/${token}`, expires_at: expiresAt.toISOString() };
}

/** The hosted payment page's URL; its token is created on the first request and reused afterwards. */
export function paymentLink(ctx: ServiceContext, id: string): { url: string; expires_at: null } {
  const current = loadInvoice(ctx, id);
  assertPayable(ctx, current);
  let token = current.payment_token;
  if (!token) {
    token = newPaymentToken();
    ctx.store.putInvoice(ctx.tenant.id, { ...current, payment_token: token });
  }
  return { url: `${ctx.baseUrl}/public/pay/${token}`, expires_at: null };
}

// ---------- the action table ----------

/** What an action gets besides the invoice id: the request body, and where emails go. */
export type ActionInput = { body: Record<string, any>; outbox: Outbox };
type Run<Result> = (ctx: ServiceContext, id: string, input: ActionInput) => Result;

/**
 * One invoice action, described once: its lifecycle entry (spec/lifecycle.yaml, which decides
 * from which statuses it runs and what it does to the status, and so what the operation answers),
 * the contract operation that performs it, its name as the API writes it (the path segment
 * `/invoices/{invoice_id}/<name>` and the batch action), the batch endpoint that offers it, and
 * the service function. The HTTP handlers, the batch endpoints and the tests derive from this.
 */
export type InvoiceActionRow = {
  action: InvoiceAction;
  operationId: keyof operations;
  name: string;
} & (
  | { batch?: undefined; run: Run<InvoiceRecord | void | Promise<InvoiceRecord>> }
  // A batch runs each id to the end before the next: its service function is synchronous.
  | { batch: 'invoices' | 'trash'; run: (ctx: ServiceContext, id: string, input: Pick<ActionInput, 'body'>) => InvoiceRecord | void }
);

export const INVOICE_ACTION_TABLE = [
  { action: 'send', operationId: 'sendInvoice', name: 'send', run: (ctx, id, input) => sendInvoice(ctx, id, input.outbox, input.body) },
  { action: 'mark_sent', operationId: 'markInvoiceSent', name: 'mark-sent', batch: 'invoices', run: (ctx, id) => markSent(ctx, id) },
  { action: 'publish', operationId: 'publishInvoice', name: 'publish', run: (ctx, id) => publishInvoice(ctx, id) },
  { action: 'unpublish', operationId: 'unpublishInvoice', name: 'unpublish', run: (ctx, id) => unpublishInvoice(ctx, id) },
  { action: 'void', operationId: 'voidInvoice', name: 'void', batch: 'invoices', run: (ctx, id) => voidInvoice(ctx, id) },
  { action: 'mark_paid', operationId: 'markInvoicePaid', name: 'mark-paid', batch: 'invoices', run: (ctx, id, input) => markPaid(ctx, id, input.body) },
  { action: 'duplicate', operationId: 'duplicateInvoice', name: 'duplicate', run: (ctx, id) => duplicateInvoice(ctx, id) },
  { action: 'delete', operationId: 'deleteInvoice', name: 'delete', batch: 'invoices', run: (ctx, id) => deleteInvoice(ctx, id, false) },
  { action: 'restore', operationId: 'restoreInvoice', name: 'restore', batch: 'trash', run: (ctx, id) => restoreInvoice(ctx, id) },
  { action: 'permanent_delete', operationId: 'deleteInvoice', name: 'permanent-delete', batch: 'trash', run: (ctx, id) => deleteInvoice(ctx, id, true) },
] as const satisfies readonly InvoiceActionRow[];

/** The operations the table performs (deleteInvoice performs two actions: the query says which). */
export type InvoiceActionOperation = (typeof INVOICE_ACTION_TABLE)[number]['operationId'];
