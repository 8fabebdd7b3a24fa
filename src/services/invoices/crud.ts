// Create, update, replace, trash, restore and delete invoices.
import { Refusal } from '../../domain/errors.ts';
import { assertAllowed, assertEditable } from '../../domain/lifecycle.ts';
import type { InvoiceRecord } from '../../store/types.ts';
import { nowIso, type ServiceContext } from '../context.ts';
import { contentFromCreate, defaultFor, inputLines, resolveCustomer, withTotals, type Editable, type InvoiceCreate, type InvoiceUpdate } from './build.ts';
import { allocateNumber, claimExplicitNumber } from './numbering.ts';
import { actionContext, loadInvoice, statusOf } from './present.ts';

/** A new draft invoice from already validated content; shared by create and duplicate. */
export function insertDraft(ctx: ServiceContext, content: Editable, explicitNumber?: string): InvoiceRecord {
  const limit = ctx.tenant.max_invoices;
  if (limit !== undefined && ctx.store.countInvoices(ctx.tenant.id) >= limit) {
    throw new Refusal('plan_limit_reached', `The plan of this tenant allows ${limit} invoices; delete some permanently or upgrade.`);
  }
  const amounts = withTotals(ctx, content);
  if (explicitNumber !== undefined) claimExplicitNumber(ctx, explicitNumber);
  const number = explicitNumber ?? allocateNumber(ctx);
  const now = nowIso(ctx);
  const record: InvoiceRecord = {
    id: ctx.ids('inv'),
    number,
    stored_status: 'draft',
    ...content,
    ...amounts,
    amount_paid: 0,
    amount_credited: 0,
    amount_due: amounts.total,
    payments: [],
    credit_notes: [],
    share_token: null,
    published_at: null,
    payment_token: null,
    sent_via_email: false,
    sent_at: null,
    viewed_at: null,
    paid_at: null,
    voided_at: null,
    last_notification_at: null,
    deleted_at: null,
    created_at: now,
    updated_at: now,
  };
  ctx.store.putInvoice(ctx.tenant.id, record);
  return record;
}

export function createInvoice(ctx: ServiceContext, input: InvoiceCreate): InvoiceRecord {
  return insertDraft(ctx, contentFromCreate(ctx, input), input.number);
}

export function updateInvoice(ctx: ServiceContext, id: string, patch: InvoiceUpdate): InvoiceRecord {
  const current = loadInvoice(ctx, id);
  const status = statusOf(ctx, current);
  assertAllowed('update', status, actionContext(current));
  assertEditable(status, Object.keys(patch));
  const content: Editable = { ...current, line_items: inputLines(current) };
  for (const [key, value] of Object.entries(patch)) {
    if (key === 'number') continue;
    (content as Record<string, unknown>)[key] = value ?? defaultFor(key, current);
  }
  if (patch.customer_id !== undefined && patch.customer_id !== current.customer_id) resolveCustomer(ctx, patch.customer_id);
  if (patch.number !== undefined) claimExplicitNumber(ctx, patch.number, current.id);
  const amounts = withTotals(ctx, content, current.line_items);
  const next: InvoiceRecord = { ...current, ...content, ...amounts, number: patch.number ?? current.number, updated_at: nowIso(ctx) } as InvoiceRecord;
  next.amount_due = next.total - next.amount_paid - next.amount_credited;
  ctx.store.putInvoice(ctx.tenant.id, next);
  return next;
}

export function replaceInvoice(ctx: ServiceContext, id: string, input: InvoiceCreate): InvoiceRecord {
  const current = loadInvoice(ctx, id);
  const status = statusOf(ctx, current);
  assertAllowed('update', status, actionContext(current));
  if (status !== 'draft') throw new Refusal('invoice_not_editable', `Only a draft can be replaced; this invoice is ${status}.`, undefined, { status });
  const content = contentFromCreate(ctx, input);
  if (input.number !== undefined) claimExplicitNumber(ctx, input.number, current.id);
  const amounts = withTotals(ctx, content, current.line_items);
  const next: InvoiceRecord = { ...current, ...content, ...amounts, number: input.number ?? current.number, amount_due: amounts.total - current.amount_paid - current.amount_credited, updated_at: nowIso(ctx) };
  ctx.store.putInvoice(ctx.tenant.id, next);
  return next;
}

export function deleteInvoice(ctx: ServiceContext, id: string, permanent: boolean): void {
  const current = loadInvoice(ctx, id);
  const status = statusOf(ctx, current);
  if (permanent) {
    assertAllowed('permanent_delete', status, actionContext(current));
    ctx.store.removeInvoice(ctx.tenant.id, id);
    return;
  }
  assertAllowed('delete', status, actionContext(current));
  const now = nowIso(ctx);
  ctx.store.putInvoice(ctx.tenant.id, { ...current, deleted_at: now, updated_at: now });
}

export function restoreInvoice(ctx: ServiceContext, id: string): InvoiceRecord {
  const current = loadInvoice(ctx, id);
  assertAllowed('restore', statusOf(ctx, current), actionContext(current));
  const next = { ...current, deleted_at: null, updated_at: nowIso(ctx) };
  ctx.store.putInvoice(ctx.tenant.id, next);
  return next;
}
