import { amountDue, amountDueIn } from './balance.ts';
import { Refusal, type ProblemCode } from './errors.ts';
import { ACTION_NAMES, lifecycleData, PROBLEM_CODES, type ActionData, type ActionName, type LifecycleData, type RecomputeCondition, type RefusalKind } from './lifecycle-data.ts';

export { amountDue, assertCredit, assertPayment } from './balance.ts';

// The literal lists give the types; the contract's x-invoicekit-lifecycle data gives the rules,
// and must name exactly these (checked at load: a contract edit cannot silently drift).
export const INVOICE_STATUSES = ['draft', 'sent', 'viewed', 'partially_paid', 'paid', 'overdue', 'void'] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

/** `overdue` is never stored: it depends on "today", which the domain does not own. */
export type StoredStatus = Exclude<InvoiceStatus, 'overdue'>;
export const STORED_STATUSES: readonly StoredStatus[] = ['draft', 'sent', 'viewed', 'partially_paid', 'paid', 'void'];

/** The actions of the contract's lifecycle data: a new one there is a new InvoiceAction here. */
export const INVOICE_ACTIONS: readonly InvoiceAction[] = ACTION_NAMES;
export type InvoiceAction = ActionName;

/**
 * How refusals name an action: as the API does (paths `mark-paid`, batch `permanent-delete`), not
 * as the code does. An action is worded as its name with dashes unless it is worded here.
 */
const WORDING: Readonly<Partial<Record<InvoiceAction, string>>> = {
  record_payment: 'record a payment on', delete_payment: 'delete a payment of', credit_note: 'issue a credit note for',
};
export const ACTION_WORDING: Readonly<Record<InvoiceAction, string>> = Object.fromEntries(
  INVOICE_ACTIONS.map((a) => [a, WORDING[a] ?? a.replace(/_/g, '-')]),
) as Record<InvoiceAction, string>;

/**
 * What an allowed action does to the stored status:
 * a stored status it sets; `sent_if_draft` (draft → sent, others unchanged: a reminder/re-publish);
 * `recomputed` (from payments/credits, see recomputeStatus); `new_draft` (a copy is created);
 * `trashed`/`restored`/`gone` (status untouched, trash flag or row changes).
 */
export type TransitionEffect = 'sent_if_draft' | 'unchanged' | 'recomputed' | 'new_draft' | 'trashed' | 'restored' | 'gone';
export type TransitionResult = StoredStatus | TransitionEffect;
const TRANSITION_EFFECTS: readonly TransitionEffect[] = ['sent_if_draft', 'unchanged', 'recomputed', 'new_draft', 'trashed', 'restored', 'gone'];
const TRANSITION_RESULTS: readonly TransitionResult[] = [...STORED_STATUSES, ...TRANSITION_EFFECTS];

export interface TransitionRule {
  readonly allowedFrom: readonly InvoiceStatus[];
  /** The refusal when the status is not allowed, unless refusedWith names a more specific one. */
  readonly refusal: ProblemCode;
  readonly refusedWith?: Readonly<Partial<Record<InvoiceStatus, ProblemCode>>>;
  /** Refused with this code when not published. */
  readonly requiresPublished?: ProblemCode;
  /** Refused with this code when the invoice has payments, whatever its status (an overdue one may). */
  readonly refusedWithPayments?: ProblemCode;
  /** restore/permanent_delete work only on trashed invoices; everything else only on live ones. */
  readonly requiresTrashed?: boolean;
  readonly result: TransitionResult;
  /** The query parameters that make its operation mean this action (permanent_delete: permanent=true). */
  readonly query?: Readonly<Record<string, string>>;
}

function sameMembers(what: string, fromContract: readonly string[], expected: readonly string[]): void {
  if (fromContract.join() !== expected.join()) {
    throw new Error(`x-invoicekit-lifecycle ${what} are [${fromContract.join(', ')}], the domain knows [${expected.join(', ')}]`);
  }
}
function domainCode(code: string, where: string): ProblemCode {
  if (!PROBLEM_CODES.includes(code)) throw new Error(`x-invoicekit-lifecycle ${where}: '${code}' is not a problem code of the contract`);
  return code as ProblemCode;
}

function findAction(lifecycle: LifecycleData, name: string): ActionData {
  const action = lifecycle.actions.find((a) => a.name === name);
  if (!action) throw new Error(`x-invoicekit-lifecycle has no action '${name}'`);
  return action;
}

/** The domain's rules, from the contract's data; throws when the data names what the domain does not know. */
export function rulesFrom(lifecycle: LifecycleData): Readonly<Record<InvoiceAction, TransitionRule>> {
  sameMembers('statuses', lifecycle.statuses.map((s) => s.name), INVOICE_STATUSES);
  sameMembers('stored statuses', lifecycle.statuses.filter((s) => s.stored).map((s) => s.name), STORED_STATUSES);
  sameMembers('actions', lifecycle.actions.map((a) => a.name), INVOICE_ACTIONS);
  for (const [where, refusal] of [['trash.in_trash', lifecycle.trash.inTrash], ['trash.not_in_trash', lifecycle.trash.notInTrash]] as const) domainCode(refusal.code, where);
  const rules = {} as Record<InvoiceAction, TransitionRule>;
  for (const name of INVOICE_ACTIONS) {
    const a = findAction(lifecycle, name);
    if (!(TRANSITION_RESULTS as readonly string[]).includes(a.result)) throw new Error(`x-invoicekit-lifecycle ${name}: unknown result '${a.result}'`);
    const refusedWith = Object.fromEntries(Object.entries(a.refusalByStatus).map(([s, r]) => [s, domainCode(r.code, `${name}.refusal_by_status.${s}`)]));
    rules[name] = {
      allowedFrom: a.allowedFrom as InvoiceStatus[],
      refusal: domainCode(a.refusal.code, `${name}.refusal`),
      ...(Object.keys(refusedWith).length ? { refusedWith } : {}),
      ...(a.requiresPublished ? { requiresPublished: domainCode(a.requiresPublished.code, `${name}.requires_published`) } : {}),
      ...(a.refusedWithPayments ? { refusedWithPayments: domainCode(a.refusedWithPayments.code, `${name}.refused_with_payments`) } : {}),
      ...(a.requiresTrashed ? { requiresTrashed: true } : {}),
      result: a.result as TransitionResult,
      ...(a.query ? { query: a.query } : {}),
    };
  }
  return deepFreeze(rules);
}

/** The contract's lifecycle data (src/generated/openapi.json), read once at load. */
export const LIFECYCLE: LifecycleData = deepFreeze(lifecycleData());

// The contract's action table, as the domain applies it.
export const TRANSITIONS: Readonly<Record<InvoiceAction, TransitionRule>> = rulesFrom(LIFECYCLE);

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Statuses in which nothing is owed (void), from the lifecycle data's `owes_nothing`. */
export const OWES_NOTHING: ReadonlySet<StoredStatus> = new Set(LIFECYCLE.statuses.filter((s) => s.owesNothing).map((s) => s.name as StoredStatus));

/** An invoice's `amount_due` as the contract defines it: 0 in a status that owes nothing (void), else total − paid − credited. */
export function invoiceAmountDue(invoice: { stored_status: StoredStatus; total: number; amount_paid: number; amount_credited: number }): number {
  return amountDueIn(OWES_NOTHING.has(invoice.stored_status), invoice.total, invoice.amount_paid, invoice.amount_credited);
}

const OVERDUE_FROM: readonly StoredStatus[] = LIFECYCLE.statuses.find((x) => x.name === 'overdue')?.derivedFrom as StoredStatus[] ?? [];

/** ISO dates compare correctly as strings, so no Date (and no time zone) is involved. */
export function effectiveStatus(stored: StoredStatus, dueDate: string | null | undefined, today: string): InvoiceStatus {
  if (!DATE.test(today)) throw new RangeError(`today must be YYYY-MM-DD, got ${today}`);
  if (dueDate == null) return stored;
  if (!DATE.test(dueDate)) throw new RangeError(`dueDate must be YYYY-MM-DD, got ${dueDate}`);
  return OVERDUE_FROM.includes(stored) && today > dueDate ? 'overdue' : stored;
}

export interface ActionContext {
  trashed: boolean;
  published: boolean;
  /** Whether payments are recorded (an overdue invoice may be partially paid underneath). */
  hasPayments?: boolean;
}

const IN_TRASH = domainCode(LIFECYCLE.trash.inTrash.code, 'trash.in_trash');
const NOT_IN_TRASH = domainCode(LIFECYCLE.trash.notInTrash.code, 'trash.not_in_trash');

/** The refusal for an action, or undefined when it is allowed; the contract's refusal_order says which wins. */
export function checkAction(action: InvoiceAction, status: InvoiceStatus, ctx: ActionContext): Refusal | undefined {
  const rule = TRANSITIONS[action];
  for (const kind of LIFECYCLE.refusalOrder) {
    const error = refusalOf(kind, rule, action, status, ctx);
    if (error) return error;
  }
  return undefined;
}

function refusalOf(kind: RefusalKind, rule: TransitionRule, action: InvoiceAction, status: InvoiceStatus, ctx: ActionContext): Refusal | undefined {
  const verb = ACTION_WORDING[action];
  switch (kind) {
    case 'trash':
      if (ctx.trashed && !rule.requiresTrashed) {
        return new Refusal(IN_TRASH, `Cannot ${verb} an invoice in the trash; restore it first`, undefined, { action, status });
      }
      if (!ctx.trashed && rule.requiresTrashed) {
        return new Refusal(NOT_IN_TRASH, `Cannot ${verb} an invoice that is not in the trash`, undefined, { action, status });
      }
      return undefined;
    case 'status':
      if (rule.allowedFrom.includes(status)) return undefined;
      return new Refusal(rule.refusedWith?.[status] ?? rule.refusal, `Cannot ${verb} an invoice that is ${status}; allowed from ${rule.allowedFrom.join(', ')}`, undefined, {
        action,
        status,
        allowed: [...rule.allowedFrom],
      });
    case 'payments':
      if (!rule.refusedWithPayments || !ctx.hasPayments) return undefined;
      return new Refusal(rule.refusedWithPayments, `Cannot ${verb} an invoice that has payments; delete them first`, undefined, { action, status });
    case 'publication':
      if (!rule.requiresPublished || ctx.published) return undefined;
      return new Refusal(rule.requiresPublished, `Cannot ${verb} an invoice that is not published`, undefined, { action, status });
  }
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

/** Status after payments/credits change, by the contract's `recomputed` rules (first match wins). */
export function recomputeStatus(input: RecomputeInput): StoredStatus {
  if ((LIFECYCLE.recomputed.keeps as string[]).includes(input.stored)) return input.stored;
  const holds: Record<RecomputeCondition, boolean> = {
    nothing_due: amountDue(input.total, input.amount_paid, input.amount_credited) <= 0,
    partly_paid: input.amount_paid > 0,
    viewed: Boolean(input.viewed_at),
    always: true,
  };
  return LIFECYCLE.recomputed.rules.find((rule) => holds[rule.when])!.status as StoredStatus;
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
    default:
      return result; // a stored status the action sets
  }
}

const EDITABLE = findAction(LIFECYCLE, 'update').editableFields;
if (!EDITABLE) throw new Error('x-invoicekit-lifecycle update: editable_fields is missing');

/** Fields still editable once an invoice has left draft: nothing that changes the amounts. */
export const POST_SEND_EDITABLE_FIELDS: readonly string[] = EDITABLE.otherwise;
export type PostSendEditableField = string;

export function editableFields(status: InvoiceStatus): 'all' | readonly PostSendEditableField[] {
  if (EDITABLE!.everyFieldFrom.includes(status)) return 'all';
  return TRANSITIONS.update.allowedFrom.includes(status) ? POST_SEND_EDITABLE_FIELDS : [];
}

/** Throws invoice_not_editable naming the offending fields of an update. */
export function assertEditable(status: InvoiceStatus, fields: Iterable<string>): void {
  const editable = editableFields(status);
  if (editable === 'all') return;
  const requested = [...fields];
  const rejected = requested.filter((f) => !(editable as readonly string[]).includes(f));
  if (!TRANSITIONS.update.allowedFrom.includes(status) || rejected.length > 0) {
    throw new Refusal(TRANSITIONS.update.refusal, `Invoice is ${status}; cannot edit ${rejected.join(', ') || 'it'}`, undefined, {
      status,
      fields: rejected,
      editable: [...editable],
    });
  }
}
