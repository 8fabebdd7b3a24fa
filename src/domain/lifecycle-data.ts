// The contract's lifecycle data (`x-invoicekit-lifecycle`, written in spec/lifecycle.yaml) as
// the domain reads it from the bundled contract in src/generated/. src/contract/lifecycle.ts
// reads the same data on its own, as the oracle the tests hold the domain to: the domain shares
// no code with it. This reading trusts the data's shape (the contract gates check it) and
// refuses only names the domain cannot act on; src/domain/lifecycle.ts checks the rest.
import contract from '../generated/openapi.json' with { type: 'json' };

export const REFUSAL_KINDS = ['trash', 'status', 'payments', 'publication'] as const;
export type RefusalKind = (typeof REFUSAL_KINDS)[number];
export const RECOMPUTE_CONDITIONS = ['nothing_due', 'partly_paid', 'viewed', 'always'] as const;
export type RecomputeCondition = (typeof RECOMPUTE_CONDITIONS)[number];

export type RefusalData = { code: string };

export interface ActionData {
  name: string;
  allowedFrom: string[];
  result: string;
  refusal: RefusalData;
  refusalByStatus: Record<string, RefusalData>;
  refusedWithPayments?: RefusalData;
  requiresPublished?: RefusalData;
  requiresTrashed: boolean;
  editableFields?: { everyFieldFrom: string[]; otherwise: string[] };
  /** The query parameters its operation is called with to mean this action (permanent_delete). */
  query?: Record<string, string>;
}

/** The part of the lifecycle data the domain applies (a subset of src/contract/lifecycle.ts's Lifecycle). */
export interface LifecycleData {
  /** owesNothing: nothing is owed in this status (void): amount_due is 0, the totals stay. */
  statuses: Array<{ name: string; stored: boolean; derivedFrom?: string[]; owesNothing?: boolean }>;
  recomputed: { keeps: string[]; rules: Array<{ when: RecomputeCondition; status: string }> };
  refusalOrder: readonly RefusalKind[];
  trash: { inTrash: RefusalData; notInTrash: RefusalData };
  /** In the contract's order. */
  actions: ActionData[];
}

type RawRefusal = { code: string };
type RawAction = {
  allowed_from: string[];
  result: string;
  refusal: RawRefusal;
  refusal_by_status?: Record<string, RawRefusal>;
  refused_with_payments?: RawRefusal;
  requires_published?: RawRefusal;
  requires_trashed?: boolean;
  editable_fields?: { every_field_from: string[]; otherwise: string[] };
  query?: Record<string, string>;
};
type RawLifecycle = {
  statuses: Array<{ name: string; stored: boolean; derived_from?: string[]; owes_nothing?: boolean }>;
  recomputed: { keeps: string[]; rules: Array<{ when: string; status: string }> };
  refusal_order: string[];
  trash: { in_trash: RawRefusal; not_in_trash: RawRefusal };
  actions: Record<string, RawAction>;
};

function known<T extends string>(value: string, allowed: readonly T[], where: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw new Error(`x-invoicekit-lifecycle ${where}: unknown '${value}'`);
  return value as T;
}

const code = (r: RawRefusal): RefusalData => ({ code: r.code });

/** The lifecycle data of a bundled contract document (the generated one by default). */
export function lifecycleData(doc: { 'x-invoicekit-lifecycle': unknown } = contract): LifecycleData {
  const raw = doc['x-invoicekit-lifecycle'] as RawLifecycle;
  return {
    statuses: raw.statuses.map((s) => ({ name: s.name, stored: s.stored, ...(s.derived_from ? { derivedFrom: [...s.derived_from] } : {}), ...(s.owes_nothing ? { owesNothing: true } : {}) })),
    recomputed: {
      keeps: [...raw.recomputed.keeps],
      rules: raw.recomputed.rules.map((r, i) => ({ when: known(r.when, RECOMPUTE_CONDITIONS, `recomputed.rules.${i}.when`), status: r.status })),
    },
    refusalOrder: raw.refusal_order.map((k, i) => known(k, REFUSAL_KINDS, `refusal_order.${i}`)),
    trash: { inTrash: code(raw.trash.in_trash), notInTrash: code(raw.trash.not_in_trash) },
    actions: Object.entries(raw.actions).map(([name, a]) => ({
      name,
      allowedFrom: [...a.allowed_from],
      result: a.result,
      refusal: code(a.refusal),
      refusalByStatus: Object.fromEntries(Object.entries(a.refusal_by_status ?? {}).map(([s, r]) => [s, code(r)])),
      ...(a.refused_with_payments ? { refusedWithPayments: code(a.refused_with_payments) } : {}),
      ...(a.requires_published ? { requiresPublished: code(a.requires_published) } : {}),
      requiresTrashed: a.requires_trashed === true,
      ...(a.editable_fields ? { editableFields: { everyFieldFrom: [...a.editable_fields.every_field_from], otherwise: [...a.editable_fields.otherwise] } } : {}),
      ...(a.query ? { query: { ...a.query } } : {}),
    })),
  };
}

/** The actions the data names, in its order: `keyof` of the generated JSON gives their type. */
export type ActionName = keyof (typeof contract)['x-invoicekit-lifecycle']['actions'];
export const ACTION_NAMES = Object.keys(contract['x-invoicekit-lifecycle'].actions) as ActionName[];

/** Every problem code the contract names: a refusal in the data must be one of them. */
export const PROBLEM_CODES: readonly string[] = contract.components.schemas.Problem.properties.code.enum;
