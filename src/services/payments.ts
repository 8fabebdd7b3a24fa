// Payments against an invoice. Every change rebuilds the invoice's money figures from its
// payments and credit notes and recomputes the status with the domain's rules.
import type { components } from '../generated/api-types.ts';
import { amountDue, assertAllowed, assertPayment, checkAction, invoiceAmountDue, nextStatusAfterAction, type InvoiceAction } from '../domain/lifecycle.ts';
import { Refusal } from '../domain/errors.ts';
import type { CreditNote, InvoiceRecord, Payment } from '../store/types.ts';
import { nowIso, today, type ServiceContext } from './context.ts';
import { actionContext, loadInvoice, statusOf } from './invoices.ts';
import { paginate, sortItems, type PageRequest, type SortSpec } from './pagination.ts';

type PaymentCreate = components['schemas']['PaymentCreate'];
export type PaymentSource = Payment['source'];
export type PaymentInput = PaymentCreate & { source?: PaymentSource };

const sum = (items: ReadonlyArray<{ amount: number }>) => items.reduce((total, item) => total + item.amount, 0);

/**
 * The invoice with new payments and/or credit notes: amounts rebuilt from the lists, status from
 * the action's rule (`recomputed` for money actions, `paid` for mark-paid), `paid_at` kept while
 * paid, set when it becomes paid, cleared when it no longer is.
 */
export function withMoney(
  ctx: ServiceContext,
  current: InvoiceRecord,
  action: InvoiceAction,
  change: { payments?: Payment[]; credit_notes?: CreditNote[] },
): InvoiceRecord {
  const payments = change.payments ?? current.payments;
  const credit_notes = change.credit_notes ?? current.credit_notes;
  const amount_paid = sum(payments);
  const amount_credited = sum(credit_notes);
  const stored_status = nextStatusAfterAction(action, current.stored_status, {
    total: current.total,
    amount_paid,
    amount_credited,
    viewed_at: current.viewed_at,
  });
  const now = nowIso(ctx);
  return {
    ...current,
    payments,
    credit_notes,
    amount_paid,
    amount_credited,
    amount_due: invoiceAmountDue({ stored_status, total: current.total, amount_paid, amount_credited }),
    stored_status,
    paid_at: stored_status === 'paid' ? (current.stored_status === 'paid' ? current.paid_at : null) ?? now : null,
    updated_at: now,
  };
}

/** A payment record for this invoice (not stored yet). */
export function newPayment(ctx: ServiceContext, invoice: InvoiceRecord, input: PaymentInput): Payment {
  return {
    id: ctx.ids('pay'),
    invoice_id: invoice.id,
    amount: input.amount,
    currency: invoice.currency,
    method: input.method ?? 'bank_transfer',
    reference: input.reference ?? null,
    date: input.date ?? today(ctx),
    notes: input.notes ?? null,
    source: input.source ?? 'api',
    created_at: nowIso(ctx),
  };
}

/** Records a payment: allowed from sent, viewed, partially paid and overdue; never above the amount due. */
export function recordPayment(ctx: ServiceContext, invoiceId: string, input: PaymentInput): { payment: Payment; invoice: InvoiceRecord } {
  const current = loadInvoice(ctx, invoiceId);
  assertAllowed('record_payment', statusOf(ctx, current), actionContext(current));
  assertPayment(input.amount, current.amount_due);
  const payment = newPayment(ctx, current, input);
  const invoice = withMoney(ctx, current, 'record_payment', { payments: [...current.payments, payment] });
  ctx.store.putInvoice(ctx.tenant.id, invoice);
  return { payment, invoice };
}

/** Deletes a payment recorded in error; the status goes back to what the remaining money says. */
export function deletePayment(ctx: ServiceContext, invoiceId: string, paymentId: string): InvoiceRecord {
  const current = loadInvoice(ctx, invoiceId);
  assertAllowed('delete_payment', statusOf(ctx, current), actionContext(current));
  const remaining = current.payments.filter((p) => p.id !== paymentId);
  if (remaining.length === current.payments.length) throw new Refusal('not_found', `No payment '${paymentId}' on invoice '${invoiceId}'.`);
  const invoice = withMoney(ctx, current, 'delete_payment', { payments: remaining });
  ctx.store.putInvoice(ctx.tenant.id, invoice);
  return invoice;
}

const OLDEST_FIRST: SortSpec<{ created_at: string; id: string }> = { name: 'created_at', key: (x) => [x.created_at, x.id], descending: false };

/** A page of a list embedded in an invoice (payments, credit notes), oldest first. */
export function pageOfInvoiceItems<T extends { created_at: string; id: string }>(ctx: ServiceContext, kind: string, invoice: InvoiceRecord, items: T[], req: PageRequest) {
  const sorted = sortItems(items, OLDEST_FIRST as SortSpec<T>);
  const context = JSON.stringify([kind, ctx.tenant.id, invoice.id]);
  return paginate(sorted, OLDEST_FIRST as SortSpec<T>, { limit: req.limit, offset: req.offset, page: req.page, after: req.after, before: req.before }, ctx.cursors, context);
}

export function listPayments(ctx: ServiceContext, invoiceId: string, req: PageRequest) {
  const invoice = loadInvoice(ctx, invoiceId);
  return pageOfInvoiceItems(ctx, 'payments', invoice, invoice.payments, req);
}

/**
 * Whether the customer can pay the invoice online (payment link and hosted page):
 * the record_payment rule, except that a paid invoice, like any invoice with nothing left to pay,
 * is `409 nothing_due` (the contract's payment-link description).
 */
export function assertPayable(ctx: ServiceContext, invoice: InvoiceRecord): void {
  const status = statusOf(ctx, invoice);
  const refusal = checkAction('record_payment', status, actionContext(invoice));
  if (refusal && !(refusal.code === 'invalid_transition' && status === 'paid')) throw refusal;
  if (status === 'paid' || invoice.amount_due <= 0) {
    throw new Refusal('nothing_due', `Invoice ${invoice.number} has nothing left to pay.`);
  }
}
