// Credit notes: they reduce what is due on an issued invoice and have their own number series.
import type { components } from '../generated/api-types.ts';
import { assertAllowed, assertCredit } from '../domain/lifecycle.ts';
import { nextFree, scopeKey } from '../domain/numbering.ts';
import { Refusal } from '../domain/errors.ts';
import type { CreditNote, InvoiceRecord } from '../store/types.ts';
import { nowIso, today, type ServiceContext } from './context.ts';
import { actionContext, loadInvoice, statusOf } from './invoices.ts';
import type { PageRequest } from './pagination.ts';
import { pageOfInvoiceItems, withMoney } from './payments.ts';

type CreditNoteCreate = components['schemas']['CreditNoteCreate'];

/**
 * Credit-note sequences live in their own scopes, so they can never advance (or be advanced by)
 * the invoice series, even when a tenant gives both series the same pattern.
 */
export const CREDIT_NOTE_SCOPE_PREFIX = 'credit_note:';

function creditNoteScope(ctx: ServiceContext) {
  const pattern = ctx.tenant.credit_note_pattern;
  const date = today(ctx);
  return { pattern, date, scope: CREDIT_NOTE_SCOPE_PREFIX + scopeKey(pattern, date) };
}

function nextCreditNote(ctx: ServiceContext) {
  const { pattern, date, scope } = creditNoteScope(ctx);
  const next = nextFree(pattern, date, ctx.store.sequence(ctx.tenant.id, scope), (n) => ctx.store.creditNoteNumberTaken(ctx.tenant.id, n));
  return { ...next, scope };
}

/** The number the next credit note of the tenant will get. */
export function previewCreditNoteNumber(ctx: ServiceContext): string {
  return nextCreditNote(ctx).number;
}

/**
 * Issues a credit note (the whole amount due when `amount` is absent). Synchronous from the
 * number allocation to the store write, so concurrent requests never share a number.
 */
export function createCreditNote(ctx: ServiceContext, invoiceId: string, input: CreditNoteCreate = {}): { creditNote: CreditNote; invoice: InvoiceRecord } {
  const current = loadInvoice(ctx, invoiceId);
  assertAllowed('credit_note', statusOf(ctx, current), actionContext(current));
  const amount = input.amount ?? current.amount_due;
  if (input.amount === undefined && amount <= 0) {
    throw new Refusal('nothing_due', `Invoice ${current.number} has nothing left to credit.`);
  }
  assertCredit(amount, current.amount_due);
  const next = nextCreditNote(ctx);
  const creditNote: CreditNote = {
    id: ctx.ids('cn'),
    number: next.number,
    invoice_id: current.id,
    customer_id: current.customer_id,
    currency: current.currency,
    amount,
    reason: input.reason ?? null,
    issue_date: today(ctx),
    created_at: nowIso(ctx),
  };
  const invoice = withMoney(ctx, current, 'credit_note', { credit_notes: [...current.credit_notes, creditNote] });
  ctx.store.setSequence(ctx.tenant.id, next.scope, next.seq);
  ctx.store.putInvoice(ctx.tenant.id, invoice);
  return { creditNote, invoice };
}

export function listCreditNotes(ctx: ServiceContext, invoiceId: string, req: PageRequest) {
  const invoice = loadInvoice(ctx, invoiceId);
  return pageOfInvoiceItems(ctx, 'credit_notes', invoice, invoice.credit_notes, req);
}
