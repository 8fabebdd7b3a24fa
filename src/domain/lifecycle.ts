import { amountDue } from './balance.ts';
import { DomainError, type DomainErrorCode } from './errors.ts';

export { amountDue, assertCredit, assertPayment } from './balance.ts';

export const INVOICE_STATUSES = ['draft', 'sent', 'viewed', 'partially_paid', 'paid', 'overdue', 'void'] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

/** `overdue` is never stored: it depends on "today", which the domain does not own. */
export type StoredStatus = Exclude<InvoiceStatus, 'overdue'>;
export const STORED_STATUSES: readonly StoredStatus[] = ['draft', 'sent', 'viewed', 'partially_paid', 'paid', 'void'];

export const INVOICE_ACTIONS = [
  'update', 'send', 'mark_sent', 'publish', 'unpublish', 'void', 'mark_paid',
  'record_payment', 'delete_payment', 'credit_note', 'duplicate', 'delete', 'restore', 'permanent_delete',
] as const;
export type InvoiceAction = (typeof INVOICE_ACTIONS)[number];

/** How refusals name an action: as the API does (paths `mark-paid`, batch `permanent-delete`), not as the code does. */
export const ACTION_WORDING: Readonly<Record<InvoiceAction, string>> = {
  update: 'update', send: 'send', mark_sent: 'mark-sent', publish: 'publish', unpublish: 'unpublish', void: 'void',
  mark_paid: 'mark-paid', record_payment: 'record a payment on', delete_payment: 'delete a payment of',
  credit_note: 'issue a credit note for', duplicate: 'duplicate', delete: 'delete', restore: 'restore', permanent_delete: 'permanent-delete',
};

/**
 * What an allowed action does to the stored status:
 * a fixed status; `sent_if_draft` (draft → sent, others unchanged: a reminder/re-publish);
 * `recomputed` (from payments/credits, see recomputeStatus); `new_draft` (a copy is created);
 * `trashed`/`restored`/`gone` (status untouched, trash flag or row changes).
 */
export type TransitionResult =
  | 'sent' | 'draft' | 'void' | 'paid' | 'sent_if_draft' | 'unchanged'
  | 'recomputed' | 'new_draft' | 'trashed' | 'restored' | 'gone';

export interface TransitionRule {
  readonly allowedFrom: readonly InvoiceStatus[];
  /** Refusal codes that are more specific than invalid_transition. */
  readonly refusedWith?: Readonly<Partial<Record<InvoiceStatus, DomainErrorCode>>>;
  readonly requiresPublished?: boolean;
  /** Refused with this code when the invoice has payments, whatever its status (an overdue one may). */
  readonly refusedWithPayments?: DomainErrorCode;
  /** restore/permanent_delete work only on trashed invoices; everything else only on live ones. */
  readonly requiresTrashed?: boolean;
  readonly result: TransitionResult;
}

const ALL = INVOICE_STATUSES;

// The contract's action table, as data so docs and conformance tests can compare against it.
export const TRANSITIONS: Readonly<Record<InvoiceAction, TransitionRule>> = deepFreeze({
  update: {
    allowedFrom: ['draft', 'sent', 'viewed', 'partially_paid', 'overdue'],
    refusedWith: { paid: 'invoice_not_editable', void: 'invoice_not_editable' },
    result: 'unchanged',
  },
  send: { allowedFrom: ['draft', 'sent', 'viewed', 'partially_paid', 'overdue'], result: 'sent_if_draft' },
  mark_sent: { allowedFrom: ['draft'], result: 'sent' },
  publish: {
    allowedFrom: ['draft', 'sent', 'viewed', 'partially_paid', 'paid', 'overdue'],
    result: 'sent_if_draft',
  },
  unpublish: { allowedFrom: ['sent', 'viewed', 'overdue'], refusedWithPayments: 'invalid_transition', requiresPublished: true, result: 'draft' },
  void: { allowedFrom: ['sent', 'viewed', 'partially_paid', 'paid', 'overdue'], result: 'void' },
  mark_paid: { allowedFrom: ['sent', 'viewed', 'partially_paid', 'overdue'], result: 'paid' },
  record_payment: { allowedFrom: ['sent', 'viewed', 'partially_paid', 'overdue'], result: 'recomputed' },
  delete_payment: { allowedFrom: ['sent', 'viewed', 'partially_paid', 'paid', 'overdue'], result: 'recomputed' },
  credit_note: { allowedFrom: ['sent', 'viewed', 'partially_paid', 'overdue'], result: 'recomputed' },
  duplicate: { allowedFrom: ALL, result: 'new_draft' },
  delete: {
    allowedFrom: ['draft', 'sent', 'viewed', 'overdue', 'void'],
    refusedWith: { partially_paid: 'invoice_has_payments', paid: 'invoice_has_payments' },
    refusedWithPayments: 'invoice_has_payments',
    result: 'trashed',
  },
  restore: { allowedFrom: ALL, requiresTrashed: true, result: 'restored' },
  permanent_delete: { allowedFrom: ALL, requiresTrashed: true, result: 'gone' },
});

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** ISO dates compare correctly as strings, so no Date (and no time zone) is involved. */
export function effectiveStatus(stored: StoredStatus, dueDate: string | null | undefined, today: string): InvoiceStatus {
  if (!DATE.test(today)) throw new RangeError(`today must be YYYY-MM-DD, got ${today}`);
  if (dueDate == null) return stored;
  if (!DATE.test(dueDate)) throw new RangeError(`dueDate must be YYYY-MM-DD, got ${dueDate}`);
  const open = stored === 'sent' || stored === 'viewed' || stored === 'partially_paid';
  return open && today > dueDate ? 'overdue' : stored;
}

export interface ActionContext {
  trashed: boolean;
  published: boolean;
  /** Whether payments are recorded (an overdue invoice may be partially paid underneath). */
  hasPayments?: boolean;
}

/** The refusal for an action, or undefined when it is allowed. Order: trash, status, payments, publication. */
export function checkAction(action: InvoiceAction, status: InvoiceStatus, ctx: ActionContext): DomainError | undefined {
  const rule = TRANSITIONS[action];
  const verb = ACTION_WORDING[action];
  if (ctx.trashed && !rule.requiresTrashed) {
    return new DomainError('invoice_in_trash', `Cannot ${verb} an invoice in the trash; restore it first`, {
      action,
      status,
    });
  }
  if (!ctx.trashed && rule.requiresTrashed) {
    return new DomainError('invoice_not_in_trash', `Cannot ${verb} an invoice that is not in the trash`, {
      action,
      status,
    });
  }
  if (!rule.allowedFrom.includes(status)) {
    const code = rule.refusedWith?.[status] ?? 'invalid_transition';
    return new DomainError(code, `Cannot ${verb} an invoice that is ${status}; allowed from ${rule.allowedFrom.join(', ')}`, {
      action,
      status,
      allowed: [...rule.allowedFrom],
    });
  }
  if (rule.refusedWithPayments && ctx.hasPayments) {
    return new DomainError(rule.refusedWithPayments, `Cannot ${verb} an invoice that has payments; delete them first`, { action, status });
  }
  if (rule.requiresPublished && !ctx.published) {
    return new DomainError('not_published', `Cannot ${verb} an invoice that is not published`, { action, status });
  }
  return undefined;
}

/** `status` is the *effective* status (see effectiveStatus), so overdue rules apply. */
export function assertAllowed(action: InvoiceAction, status: InvoiceStatus, ctx: ActionContext): void {
  const error = checkAction(action, status, ctx);
  if (error) throw error;
}

/** Every action currently allowed; handy for hypermedia links or UI buttons. */
export function allowedActions(status: InvoiceStatus, ctx: ActionContext): InvoiceAction[] {
  return INVOICE_ACTIONS.filter((a) => checkAction(a, status, ctx) === undefined);
}

export interface RecomputeInput {
  stored: StoredStatus;
  total: number;
  amount_paid: number;
  amount_credited: number;
  viewed_at?: string | null;
}

/** Status after payments/credits change. Drafts and voids are never moved by money. */
export function recomputeStatus(input: RecomputeInput): StoredStatus {
  if (input.stored === 'draft' || input.stored === 'void') return input.stored;
  if (amountDue(input.total, input.amount_paid, input.amount_credited) <= 0) return 'paid';
  if (input.amount_paid > 0) return 'partially_paid';
  return input.viewed_at ? 'viewed' : 'sent';
}

/**
 * Stored status once an (already allowed) action has run. For `duplicate` this is the
 * status of the new copy (draft); for trash actions the status is untouched.
 * `recomputed` actions need the money figures *after* the change.
 */
export function nextStatusAfterAction(
  action: InvoiceAction,
  stored: StoredStatus,
  money?: Omit<RecomputeInput, 'stored'>,
): StoredStatus {
  const result = TRANSITIONS[action].result;
  switch (result) {
    case 'sent':
    case 'draft':
    case 'void':
    case 'paid':
      return result;
    case 'sent_if_draft':
      return stored === 'draft' ? 'sent' : stored;
    case 'new_draft':
      return 'draft';
    case 'recomputed':
      if (!money) throw new RangeError(`${action} needs the money figures to recompute the status`);
      return recomputeStatus({ stored, ...money });
    case 'unchanged':
    case 'trashed':
    case 'restored':
    case 'gone':
      return stored;
  }
}

/** Fields still editable once an invoice has left draft: nothing that changes the amounts. */
export const POST_SEND_EDITABLE_FIELDS = ['notes', 'internal_notes', 'due_date', 'payment_terms'] as const;
export type PostSendEditableField = (typeof POST_SEND_EDITABLE_FIELDS)[number];

export function editableFields(status: InvoiceStatus): 'all' | readonly PostSendEditableField[] {
  switch (status) {
    case 'draft':
      return 'all';
    case 'sent':
    case 'viewed':
    case 'partially_paid':
    case 'overdue':
      return POST_SEND_EDITABLE_FIELDS;
    case 'paid':
    case 'void':
      return [];
  }
}

/** Throws invoice_not_editable naming the offending fields of an update. */
export function assertEditable(status: InvoiceStatus, fields: Iterable<string>): void {
  const editable = editableFields(status);
  if (editable === 'all') return;
  const requested = [...fields];
  const rejected = requested.filter((f) => !(editable as readonly string[]).includes(f));
  if (status === 'paid' || status === 'void' || rejected.length > 0) {
    throw new DomainError('invoice_not_editable', `Invoice is ${status}; cannot edit ${rejected.join(', ') || 'it'}`, {
      status,
      fields: rejected,
      editable: [...editable],
    });
  }
}
