import { describe, expect, it } from 'vitest';
import {
  ACTION_WORDING,
  allowedActions,
  assertAllowed,
  assertEditable,
  checkAction,
  editableFields,
  effectiveStatus,
  INVOICE_ACTIONS,
  INVOICE_STATUSES,
  type InvoiceAction,
  type InvoiceStatus,
  nextStatusAfterAction,
  recomputeStatus,
  type StoredStatus,
  rulesFrom,
  TRANSITIONS,
} from './lifecycle.ts';
import { lifecycleOracle } from '../contract/lifecycle.ts';
import { LIFECYCLE_ACTIONS } from '../contract/lifecycle.test-helper.ts';
import { loadContract } from '../contract/load.ts';

// The oracle is the contract's x-invoicekit-lifecycle data read by src/contract/lifecycle.ts,
// which shares no code with checkAction: every cell of every trash/publish/payments variant.
const oracle = lifecycleOracle(loadContract());
const FACTS = [false, true].flatMap((trashed) => [false, true].flatMap((published) => [false, true].map((hasPayments) => ({ trashed, published, hasPayments }))));
const matrix = INVOICE_ACTIONS.flatMap((action) =>
  INVOICE_STATUSES.flatMap((status) => FACTS.map((facts) => [action, status, facts, oracle.expectedOutcome(action, status, facts)] as const)),
);

describe('checkAction: every action × every effective status × trash/publish/payments, against the contract', () => {
  it('covers all actions and statuses of the contract', () => {
    expect(oracle.lifecycle.actions.map((a) => a.name)).toEqual([...INVOICE_ACTIONS]);
    expect(oracle.lifecycle.statuses.map((st) => st.name)).toEqual([...INVOICE_STATUSES]);
    expect(INVOICE_ACTIONS).toEqual(LIFECYCLE_ACTIONS);
    expect(matrix).toHaveLength(LIFECYCLE_ACTIONS.length * 7 * 8);
    // Both answers occur, and every kind of refusal: the matrix is not trivially uniform.
    expect(new Set(matrix.map(([, , , o]) => (o.allowed ? 'ok' : o.kind)))).toEqual(new Set(['ok', 'trash', 'status', 'payments', 'publication']));
  });

  it.each(matrix)('%s from %s with %j', (action, status, facts, expected) => {
    const error = checkAction(action, status, facts);
    expect(error?.code).toBe(expected.allowed ? undefined : expected.code);
    if (!expected.allowed) expect(() => assertAllowed(action, status, facts)).toThrow(expect.objectContaining({ code: expected.code }));
  });
});

describe('rulesFrom: the domain refuses contract data it does not know', () => {
  const lifecycle = oracle.lifecycle;
  it.each([
    ['an unknown action', { ...lifecycle, actions: [...lifecycle.actions, { ...lifecycle.actions[0]!, name: 'archive' }] }, /actions/],
    ['a missing status', { ...lifecycle, statuses: lifecycle.statuses.slice(1) }, /statuses/],
    ['a code the domain has not', { ...lifecycle, actions: lifecycle.actions.map((a) => ({ ...a, refusal: { httpStatus: 409, code: 'nope' } })) }, /not a problem code of the contract/],
    ['an unknown result', { ...lifecycle, actions: lifecycle.actions.map((a) => ({ ...a, result: 'archived' })) }, /unknown result/],
  ])('%s', (_what, data, message) => {
    expect(() => rulesFrom(data as typeof lifecycle)).toThrow(message);
  });

  it('accepts the contract as it is, with the same rules as TRANSITIONS', () => {
    expect(rulesFrom(lifecycle)).toEqual(TRANSITIONS);
  });
});

describe('refusal details', () => {
  it('invalid_transition lists action, status and allowed statuses', () => {
    expect(() => assertAllowed('mark_sent', 'paid', { trashed: false, published: true })).toThrow(
      expect.objectContaining({
        code: 'invalid_transition',
        facts: { action: 'mark_sent', status: 'paid', allowed: ['draft'] },
      }),
    );
  });

  it('invoice_not_editable from the table keeps the same details', () => {
    expect(() => assertAllowed('update', 'void', { trashed: false, published: false })).toThrow(
      expect.objectContaining({
        code: 'invoice_not_editable',
        facts: { action: 'update', status: 'void', allowed: ['draft', 'sent', 'viewed', 'partially_paid', 'overdue'] },
      }),
    );
  });

  it('allowedActions lists what a UI could offer', () => {
    expect(allowedActions('draft', { trashed: false, published: false })).toEqual([
      'update', 'send', 'mark_sent', 'publish', 'duplicate', 'delete',
    ]);
    expect(allowedActions('paid', { trashed: true, published: true })).toEqual(['restore', 'permanent_delete']);
  });

  it('TRANSITIONS is frozen data', () => {
    expect(Object.isFrozen(TRANSITIONS)).toBe(true);
    expect(Object.isFrozen(TRANSITIONS.send.allowedFrom)).toBe(true);
  });
});

describe('effectiveStatus', () => {
  const table: Array<[StoredStatus, string | null, string, InvoiceStatus]> = [
    ['sent', '2025-03-01', '2025-03-02', 'overdue'],
    ['viewed', '2025-03-01', '2025-03-02', 'overdue'],
    ['partially_paid', '2025-03-01', '2026-01-01', 'overdue'],
    ['sent', '2025-03-01', '2025-03-01', 'sent'], // due today is not yet overdue
    ['sent', '2025-03-01', '2025-02-28', 'sent'],
    ['draft', '2025-03-01', '2025-03-02', 'draft'],
    ['paid', '2025-03-01', '2025-03-02', 'paid'],
    ['void', '2025-03-01', '2025-03-02', 'void'],
    ['sent', null, '2999-01-01', 'sent'],
    ['viewed', '2024-12-31', '2025-01-01', 'overdue'],
  ];
  it.each(table)('%s due %s on %s → %s', (stored, due, today, expected) => {
    expect(effectiveStatus(stored, due, today)).toBe(expected);
  });

  it('refuses malformed dates', () => {
    expect(() => effectiveStatus('sent', '2025-3-1', '2025-03-02')).toThrow(RangeError);
    expect(() => effectiveStatus('sent', '2025-03-01', 'today')).toThrow(RangeError);
  });
});

describe('recomputeStatus', () => {
  const table: Array<[StoredStatus, number, number, number, string | null, StoredStatus]> = [
    // stored, total, paid, credited, viewed_at → status
    ['sent', 1000, 1000, 0, null, 'paid'],
    ['sent', 1000, 400, 600, null, 'paid'],
    ['viewed', 1000, 0, 1000, '2025-01-01T00:00:00Z', 'paid'],
    ['sent', 1000, 1, 0, null, 'partially_paid'],
    ['paid', 1000, 500, 0, null, 'partially_paid'], // a payment was deleted
    ['paid', 1000, 0, 0, '2025-01-01T00:00:00Z', 'viewed'],
    ['paid', 1000, 0, 0, null, 'sent'],
    ['partially_paid', 1000, 0, 300, null, 'sent'], // credit alone is not a payment
    ['sent', 0, 0, 0, null, 'paid'], // nothing due
    ['draft', 1000, 1000, 0, null, 'draft'],
    ['void', 1000, 1000, 0, null, 'void'],
  ];
  it.each(table)('%s total %i paid %i credited %i viewed %s → %s', (stored, total, paid, credited, viewed, expected) => {
    expect(recomputeStatus({ stored, total, amount_paid: paid, amount_credited: credited, viewed_at: viewed })).toBe(expected);
  });
});

describe('nextStatusAfterAction', () => {
  const money = { total: 1000, amount_paid: 250, amount_credited: 0, viewed_at: null };
  const table: Array<[InvoiceAction, StoredStatus, StoredStatus]> = [
    ['send', 'draft', 'sent'],
    ['send', 'viewed', 'viewed'],
    ['send', 'partially_paid', 'partially_paid'],
    ['mark_sent', 'draft', 'sent'],
    ['publish', 'draft', 'sent'],
    ['publish', 'paid', 'paid'],
    ['unpublish', 'viewed', 'draft'],
    ['void', 'partially_paid', 'void'],
    ['mark_paid', 'viewed', 'paid'],
    ['record_payment', 'sent', 'partially_paid'],
    ['delete_payment', 'paid', 'partially_paid'],
    ['credit_note', 'viewed', 'partially_paid'],
    ['duplicate', 'paid', 'draft'],
    ['update', 'sent', 'sent'],
    ['delete', 'void', 'void'],
    ['restore', 'sent', 'sent'],
    ['permanent_delete', 'draft', 'draft'],
  ];
  it.each(table)('%s from %s → %s', (action, stored, expected) => {
    expect(nextStatusAfterAction(action, stored, money)).toBe(expected);
  });

  it('needs money figures to recompute', () => {
    expect(() => nextStatusAfterAction('record_payment', 'sent')).toThrow(RangeError);
  });
});

describe('nextStatusAfterAction and recomputeStatus agree with the contract for every action, stored status and money', () => {
  const MONEY = [
    { total: 1000, amount_paid: 0, amount_credited: 0, viewed_at: null },
    { total: 1000, amount_paid: 0, amount_credited: 0, viewed_at: '2026-01-01T00:00:00Z' },
    { total: 1000, amount_paid: 1, amount_credited: 0, viewed_at: null },
    { total: 1000, amount_paid: 0, amount_credited: 300, viewed_at: '2026-01-01T00:00:00Z' },
    { total: 1000, amount_paid: 400, amount_credited: 600, viewed_at: null },
    { total: 0, amount_paid: 0, amount_credited: 0, viewed_at: null },
  ];
  const cells = INVOICE_ACTIONS.filter((a) => TRANSITIONS[a].result !== 'gone').flatMap((action) =>
    (['draft', 'sent', 'viewed', 'partially_paid', 'paid', 'void'] as StoredStatus[]).flatMap((stored) => MONEY.map((money) => [action, stored, money] as const)),
  );
  it.each(cells)('%s from %s with %j', (action, stored, money) => {
    const facts = { amountPaid: money.amount_paid, amountDue: money.total - money.amount_paid - money.amount_credited, viewed: money.viewed_at !== null };
    expect(nextStatusAfterAction(action, stored, money)).toBe(oracle.statusAfter(action, { status: stored, pastDue: false }, facts));
  });
});

describe('editableFields follows the contract', () => {
  const update = oracle.lifecycle.actions.find((a) => a.name === 'update')!;
  it.each(INVOICE_STATUSES.map((st) => [st] as const))('%s', (status) => {
    const expected = update.editableFields!.everyFieldFrom.includes(status) ? 'all' : update.allowedFrom.includes(status) ? update.editableFields!.otherwise : [];
    expect(editableFields(status)).toEqual(expected);
  });
});

describe('editableFields / assertEditable', () => {
  const postSend = ['notes', 'internal_notes', 'due_date', 'payment_terms'];
  const fields: Array<[InvoiceStatus, 'all' | string[]]> = [
    ['draft', 'all'],
    ['sent', postSend],
    ['viewed', postSend],
    ['partially_paid', postSend],
    ['overdue', postSend],
    ['paid', []],
    ['void', []],
  ];
  it.each(fields)('%s → %j', (status, expected) => {
    expect(editableFields(status)).toEqual(expected);
  });

  const edits: Array<[InvoiceStatus, string[], string[] | null]> = [
    // status, fields sent, rejected fields (null = accepted)
    ['draft', ['line_items', 'currency', 'notes'], null],
    ['sent', ['notes', 'internal_notes', 'due_date', 'payment_terms'], null],
    ['overdue', ['due_date'], null],
    ['viewed', ['notes', 'line_items'], ['line_items']],
    ['partially_paid', ['discount', 'tax_rate'], ['discount', 'tax_rate']],
    ['paid', ['notes'], ['notes']],
    ['void', [], []],
  ];
  it.each(edits)('%s editing %j', (status, requested, rejected) => {
    if (rejected === null) {
      expect(() => assertEditable(status, requested)).not.toThrow();
    } else {
      expect(() => assertEditable(status, requested)).toThrow(
        expect.objectContaining({ code: 'invoice_not_editable', facts: expect.objectContaining({ fields: rejected }) }),
      );
    }
  });
});

describe('payments block trashing and unpublishing whatever the status', () => {
  it.each([
    ['delete', 'overdue', 'invoice_has_payments'],
    ['unpublish', 'overdue', 'invalid_transition'],
    ['delete', 'sent', 'invoice_has_payments'],
  ] as const)('%s from %s with payments → %s', (action, status, code) => {
    expect(checkAction(action, status, { trashed: false, published: true, hasPayments: true })?.code).toBe(code);
    expect(checkAction(action, status, { trashed: false, published: true, hasPayments: false })).toBeUndefined();
  });
});

describe('the actions come from the contract’s data', () => {
  it('as a type (tsc refuses a name the data does not have) and as a list in the data’s order', () => {
    // @ts-expect-error 'archive' is not an action of x-invoicekit-lifecycle
    const unknown: InvoiceAction = 'archive';
    expect(INVOICE_ACTIONS).not.toContain(unknown);
    expect(INVOICE_ACTIONS).toEqual(oracle.lifecycle.actions.map((a) => a.name));
  });

  it('are worded in refusals as the API writes them', () => {
    expect(ACTION_WORDING).toMatchObject({ mark_sent: 'mark-sent', mark_paid: 'mark-paid', permanent_delete: 'permanent-delete', record_payment: 'record a payment on', void: 'void' });
    expect(Object.keys(ACTION_WORDING)).toEqual([...INVOICE_ACTIONS]);
  });
});
