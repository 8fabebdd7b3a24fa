// The invoice state machine as the contract states it (`x-invoicekit-lifecycle`, written in
// spec/lifecycle.yaml). Pure: it reads any loaded contract document, so the conformance runner
// can use it as its oracle against any server, and imports nothing from the server (nor from
// src/domain, which is built from it: an oracle that shared the domain's code could not catch
// the domain's mistakes).

export const LIFECYCLE_EXTENSION = 'x-invoicekit-lifecycle';

/** Results that are not a status: what happens to the invoice instead. */
export const LIFECYCLE_EFFECTS = ['sent_if_draft', 'unchanged', 'recomputed', 'new_draft', 'trashed', 'restored', 'gone'] as const;
export type LifecycleEffect = (typeof LIFECYCLE_EFFECTS)[number];
/** A stored status, or an effect. */
export type LifecycleResult = string;

export const REFUSAL_KINDS = ['trash', 'status', 'payments', 'publication'] as const;
export type RefusalKind = (typeof REFUSAL_KINDS)[number];

export const RECOMPUTE_CONDITIONS = ['nothing_due', 'partly_paid', 'viewed', 'always'] as const;
export type RecomputeCondition = (typeof RECOMPUTE_CONDITIONS)[number];

export type Refusal = { httpStatus: number; code: string };

export interface LifecycleStatus {
  name: string;
  stored: boolean;
  /** For a derived status (overdue): the stored statuses it replaces, and when. */
  derivedFrom?: string[];
  when?: 'past_due';
  /** Nothing is owed in this status (void): `amount_due` is 0 whatever the totals, which stay as they were. */
  owesNothing?: boolean;
}

export interface LifecycleAction {
  name: string;
  label: string;
  /** The operationIds that perform the action (with `query` added, for permanent_delete). */
  operations: string[];
  query?: Record<string, string>;
  allowedFrom: string[];
  result: LifecycleResult;
  note?: string;
  /** When the status is not in allowedFrom. */
  refusal: Refusal;
  refusalByStatus: Record<string, Refusal>;
  refusedWithPayments?: Refusal;
  requiresPublished?: Refusal;
  requiresTrashed: boolean;
  /** Refusals that depend on the request, not on the invoice's state (documentation only). */
  otherRefusals: Array<Refusal & { when: string }>;
  editableFields?: { everyFieldFrom: string[]; otherwise: string[] };
}

export interface Lifecycle {
  statuses: LifecycleStatus[];
  recomputed: { keeps: string[]; rules: Array<{ when: RecomputeCondition; status: string }> };
  refusalOrder: RefusalKind[];
  trash: { inTrash: Refusal; notInTrash: Refusal };
  /** In the contract's order. */
  actions: LifecycleAction[];
}

export interface ActionFacts {
  hasPayments: boolean;
  published: boolean;
  trashed: boolean;
}

export type ExpectedOutcome =
  | { allowed: true; result: LifecycleResult }
  | { allowed: false; httpStatus: number; code: string; kind: RefusalKind };

export class LifecycleDataError extends Error {
  override readonly name = 'LifecycleDataError';
}

// ---------------------------------------------------------------------------------------------
// Reading and checking the data

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function fail(at: string, message: string): never {
  throw new LifecycleDataError(`${LIFECYCLE_EXTENSION}${at}: ${message}`);
}
function obj(v: unknown, at: string): Obj {
  if (!isObj(v)) fail(at, 'must be an object');
  return v;
}
function str(v: unknown, at: string): string {
  if (typeof v !== 'string' || v === '') fail(at, 'must be a non-empty string');
  return v;
}
function strings(v: unknown, at: string): string[] {
  if (!Array.isArray(v)) fail(at, 'must be a list');
  return v.map((s, i) => str(s, `${at}/${i}`));
}
function oneOf<T extends string>(v: unknown, allowed: readonly T[], at: string): T {
  if (!allowed.includes(v as T)) fail(at, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
}
function refusal(v: unknown, at: string): Refusal {
  const o = obj(v, at);
  const status = o.status;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 400 || status > 499) fail(`${at}/status`, 'must be a 4xx status');
  return { httpStatus: status, code: str(o.code, `${at}/code`) };
}
function statusList(v: unknown, at: string, known: readonly string[]): string[] {
  const list = strings(v, at);
  list.forEach((s, i) => oneOf(s, known, `${at}/${i}`));
  return list;
}

/**
 * The lifecycle data of a contract document (bundled, so `x-invoicekit-lifecycle` is inline),
 * checked and typed. Throws LifecycleDataError naming the first bad place.
 */
export function readLifecycle(doc: unknown): Lifecycle {
  const root = obj(obj(doc, '')[LIFECYCLE_EXTENSION], '');
  if ('$ref' in root) fail('', 'is an unresolved $ref: pass the bundled contract');

  const statuses = (Array.isArray(root.statuses) ? root.statuses : fail('/statuses', 'must be a list')).map((s, i): LifecycleStatus => {
    const at = `/statuses/${i}`;
    const o = obj(s, at);
    if (typeof o.stored !== 'boolean') fail(`${at}/stored`, 'must be a boolean');
    const status: LifecycleStatus = { name: str(o.name, `${at}/name`), stored: o.stored };
    if (o.owes_nothing !== undefined) {
      if (typeof o.owes_nothing !== 'boolean') fail(`${at}/owes_nothing`, 'must be a boolean');
      if (o.owes_nothing) status.owesNothing = true;
    }
    if (!o.stored) {
      status.derivedFrom = strings(o.derived_from, `${at}/derived_from`);
      status.when = oneOf(o.when, ['past_due'] as const, `${at}/when`);
    }
    return status;
  });
  const names = statuses.map((s) => s.name);
  if (new Set(names).size !== names.length) fail('/statuses', 'has duplicate names');
  const stored = statuses.filter((s) => s.stored).map((s) => s.name);
  statuses.forEach((s, i) => s.derivedFrom?.forEach((d, j) => oneOf(d, stored, `/statuses/${i}/derived_from/${j}`)));

  const rc = obj(root.recomputed, '/recomputed');
  const rules = (Array.isArray(rc.rules) ? rc.rules : fail('/recomputed/rules', 'must be a list')).map((r, i) => {
    const o = obj(r, `/recomputed/rules/${i}`);
    return { when: oneOf(o.when, RECOMPUTE_CONDITIONS, `/recomputed/rules/${i}/when`), status: oneOf(o.status, stored, `/recomputed/rules/${i}/status`) };
  });
  if (rules.at(-1)?.when !== 'always') fail('/recomputed/rules', "must end with an 'always' rule");
  const recomputed = { keeps: statusList(rc.keeps, '/recomputed/keeps', stored), rules };

  const refusalOrder = strings(root.refusal_order, '/refusal_order').map((k, i) => oneOf(k, REFUSAL_KINDS, `/refusal_order/${i}`));
  if ([...refusalOrder].sort().join() !== [...REFUSAL_KINDS].sort().join()) fail('/refusal_order', `must list each of ${REFUSAL_KINDS.join(', ')} once`);

  const t = obj(root.trash, '/trash');
  const trash = { inTrash: refusal(t.in_trash, '/trash/in_trash'), notInTrash: refusal(t.not_in_trash, '/trash/not_in_trash') };

  const results: readonly string[] = [...stored, ...LIFECYCLE_EFFECTS];
  const actions = Object.entries(obj(root.actions, '/actions')).map(([name, value]): LifecycleAction => {
    const at = `/actions/${name}`;
    const o = obj(value, at);
    const allowedFrom = statusList(o.allowed_from, `${at}/allowed_from`, names);
    const refusalByStatus: Record<string, Refusal> = {};
    for (const [status, r] of Object.entries(o.refusal_by_status === undefined ? {} : obj(o.refusal_by_status, `${at}/refusal_by_status`))) {
      oneOf(status, names.filter((n) => !allowedFrom.includes(n)), `${at}/refusal_by_status/${status}`);
      refusalByStatus[status] = refusal(r, `${at}/refusal_by_status/${status}`);
    }
    if (o.requires_trashed !== undefined && typeof o.requires_trashed !== 'boolean') fail(`${at}/requires_trashed`, 'must be a boolean');
    const action: LifecycleAction = {
      name,
      label: str(o.label, `${at}/label`),
      operations: strings(o.operations, `${at}/operations`),
      allowedFrom,
      result: oneOf(o.result, results, `${at}/result`),
      refusal: refusal(o.refusal, `${at}/refusal`),
      refusalByStatus,
      requiresTrashed: o.requires_trashed === true,
      otherRefusals: (o.other_refusals === undefined ? [] : Array.isArray(o.other_refusals) ? o.other_refusals : fail(`${at}/other_refusals`, 'must be a list')).map((r, i) => ({
        ...refusal(r, `${at}/other_refusals/${i}`),
        when: str(obj(r, `${at}/other_refusals/${i}`).when, `${at}/other_refusals/${i}/when`),
      })),
    };
    if (action.operations.length === 0) fail(`${at}/operations`, 'must name at least one operationId');
    if (o.query !== undefined) {
      action.query = Object.fromEntries(Object.entries(obj(o.query, `${at}/query`)).map(([k, v]) => [k, str(v, `${at}/query/${k}`)]));
    }
    if (o.note !== undefined) action.note = str(o.note, `${at}/note`);
    if (o.refused_with_payments !== undefined) action.refusedWithPayments = refusal(o.refused_with_payments, `${at}/refused_with_payments`);
    if (o.requires_published !== undefined) action.requiresPublished = refusal(o.requires_published, `${at}/requires_published`);
    if (o.editable_fields !== undefined) {
      const e = obj(o.editable_fields, `${at}/editable_fields`);
      action.editableFields = {
        everyFieldFrom: statusList(e.every_field_from, `${at}/editable_fields/every_field_from`, allowedFrom),
        otherwise: strings(e.otherwise, `${at}/editable_fields/otherwise`),
      };
    }
    return action;
  });
  return { statuses, recomputed, refusalOrder, trash, actions };
}

// ---------------------------------------------------------------------------------------------
// The oracle

export function findAction(lifecycle: Lifecycle, name: string): LifecycleAction {
  const action = lifecycle.actions.find((a) => a.name === name);
  if (!action) throw new RangeError(`the contract's lifecycle has no action '${name}'`);
  return action;
}

/**
 * What the contract says happens when `action` is applied to an invoice whose effective status
 * (overdue included) is `status`: allowed with its result, or the refusal that wins by
 * `refusal_order`. Request-dependent refusals (`other_refusals`) are not considered.
 */
export function expectedOutcome(lifecycle: Lifecycle, action: string, status: string, facts: ActionFacts): ExpectedOutcome {
  const rule = findAction(lifecycle, action);
  if (!lifecycle.statuses.some((s) => s.name === status)) throw new RangeError(`unknown status '${status}'`);
  for (const kind of lifecycle.refusalOrder) {
    let refused: Refusal | undefined;
    if (kind === 'trash') {
      if (facts.trashed && !rule.requiresTrashed) refused = lifecycle.trash.inTrash;
      else if (!facts.trashed && rule.requiresTrashed) refused = lifecycle.trash.notInTrash;
    } else if (kind === 'status') {
      if (!rule.allowedFrom.includes(status)) refused = rule.refusalByStatus[status] ?? rule.refusal;
    } else if (kind === 'payments') {
      if (facts.hasPayments) refused = rule.refusedWithPayments;
    } else if (!facts.published) {
      refused = rule.requiresPublished;
    }
    if (refused) return { allowed: false, httpStatus: refused.httpStatus, code: refused.code, kind };
  }
  return { allowed: true, result: rule.result };
}

export interface MoneyFacts {
  amountDue: number;
  amountPaid: number;
  viewed: boolean;
}

/** The stored status a `recomputed` result gives from `stored` with the money after the change. */
export function recomputedStatus(lifecycle: Lifecycle, stored: string, money: MoneyFacts): string {
  if (lifecycle.recomputed.keeps.includes(stored)) return stored;
  const holds: Record<RecomputeCondition, boolean> = {
    nothing_due: money.amountDue <= 0,
    partly_paid: money.amountPaid > 0,
    viewed: money.viewed,
    always: true,
  };
  return lifecycle.recomputed.rules.find((r) => holds[r.when])!.status;
}

/** The status reported for a stored status: a derived one (overdue) when its condition holds. */
export function reportedStatus(lifecycle: Lifecycle, stored: string, pastDue: boolean): string {
  const derived = lifecycle.statuses.find((s) => !s.stored && s.derivedFrom?.includes(stored) && s.when === 'past_due' && pastDue);
  return derived?.name ?? stored;
}

/** The `amount_due` an invoice in `status` shows: 0 in a status that owes nothing (void), else total − paid − credited. */
export function expectedAmountDue(lifecycle: Lifecycle, status: string, money: { total: number; amountPaid: number; amountCredited: number }): number {
  if (lifecycle.statuses.some((s) => s.name === status && s.owesNothing)) return 0;
  return money.total - money.amountPaid - money.amountCredited;
}

/**
 * The reported status of the invoice after an allowed action, from its reported status before;
 * `null` when it is gone. For new_draft, the status of the new copy (the original keeps its own).
 * `stored` is needed when the status before is a derived one (overdue hides sent, viewed or
 * partially_paid) and the result is recomputed.
 */
export function statusAfter(
  lifecycle: Lifecycle,
  action: string,
  before: { status: string; stored?: string; pastDue: boolean },
  money?: MoneyFacts,
): string | null {
  const result = findAction(lifecycle, action).result;
  const storedBefore = before.stored ?? before.status;
  switch (result) {
    case 'gone':
      return null;
    case 'unchanged':
    case 'trashed':
    case 'restored':
      return before.status;
    case 'new_draft':
      return reportedStatus(lifecycle, 'draft', false);
    case 'sent_if_draft':
      return storedBefore === 'draft' ? reportedStatus(lifecycle, 'sent', before.pastDue) : before.status;
    case 'recomputed':
      if (!money) throw new RangeError(`${action} needs the money figures after the change`);
      return reportedStatus(lifecycle, recomputedStatus(lifecycle, storedBefore, money), before.pastDue);
    default:
      return reportedStatus(lifecycle, result, before.pastDue);
  }
}

/** A convenience for callers holding one contract: the same answers bound to its data. */
export function lifecycleOracle(doc: unknown) {
  const lifecycle = readLifecycle(doc);
  return {
    lifecycle,
    expectedOutcome: (action: string, status: string, facts: ActionFacts) => expectedOutcome(lifecycle, action, status, facts),
    statusAfter: (action: string, before: { status: string; stored?: string; pastDue: boolean }, money?: MoneyFacts) => statusAfter(lifecycle, action, before, money),
    expectedAmountDue: (status: string, money: { total: number; amountPaid: number; amountCredited: number }) => expectedAmountDue(lifecycle, status, money),
  };
}
export type LifecycleOracle = ReturnType<typeof lifecycleOracle>;
