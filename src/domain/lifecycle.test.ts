import { describe, expect, it } from 'vitest';
import {
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
  TRANSITIONS,
} from './lifecycle.ts';

// Written out by hand from the contract table, deliberately not derived from TRANSITIONS.
// ok = allowed; IT invalid_transition; NE invoice_not_editable; HP invoice_has_payments;
// NP not_published; IIT invoice_in_trash; NIT invoice_not_in_trash.
const ok = 'ok';
const IT = 'invalid_transition';
const NE = 'invoice_not_editable';
const HP = 'invoice_has_payments';
const NP = 'not_published';
const IIT = 'invoice_in_trash';
const NIT = 'invoice_not_in_trash';
type Expect = typeof ok | typeof IT | typeof NE | typeof HP | typeof NP | typeof IIT | typeof NIT;
type Row = [Expect, Expect, Expect, Expect, Expect, Expect, Expect];

const COLUMNS: InvoiceStatus[] = ['draft', 'sent', 'viewed', 'partially_paid', 'paid', 'overdue', 'void'];

//                                draft sent viewed  p_paid  paid  overdue void
const LIVE_PUBLISHED: Record<InvoiceAction, Row> = {
  update:           [ok,  ok,  ok,  ok,  NE,  ok,  NE],
  send:             [ok,  ok,  ok,  ok,  IT,  ok,  IT],
  mark_sent:        [ok,  IT,  IT,  IT,  IT,  IT,  IT],
  publish:          [ok,  ok,  ok,  ok,  ok,  ok,  IT],
  unpublish:        [IT,  ok,  ok,  IT,  IT,  ok,  IT],
  void:             [IT,  ok,  ok,  ok,  ok,  ok,  IT],
  mark_paid:        [IT,  ok,  ok,  ok,  IT,  ok,  IT],
  record_payment:   [IT,  ok,  ok,  ok,  IT,  ok,  IT],
  delete_payment:   [IT,  ok,  ok,  ok,  ok,  ok,  IT],
  credit_note:      [IT,  ok,  ok,  ok,  IT,  ok,  IT],
  duplicate:        [ok,  ok,  ok,  ok,  ok,  ok,  ok],
  delete:           [ok,  ok,  ok,  HP,  HP,  ok,  ok],
  restore:          [NIT, NIT, NIT, NIT, NIT, NIT, NIT],
  permanent_delete: [NIT, NIT, NIT, NIT, NIT, NIT, NIT],
};

//                                draft sent viewed  p_paid  paid  overdue void
const LIVE_UNPUBLISHED: Record<InvoiceAction, Row> = {
  update:           [ok,  ok,  ok,  ok,  NE,  ok,  NE],
  send:             [ok,  ok,  ok,  ok,  IT,  ok,  IT],
  mark_sent:        [ok,  IT,  IT,  IT,  IT,  IT,  IT],
  publish:          [ok,  ok,  ok,  ok,  ok,  ok,  IT],
  unpublish:        [IT,  NP,  NP,  IT,  IT,  NP,  IT],
  void:             [IT,  ok,  ok,  ok,  ok,  ok,  IT],
  mark_paid:        [IT,  ok,  ok,  ok,  IT,  ok,  IT],
  record_payment:   [IT,  ok,  ok,  ok,  IT,  ok,  IT],
  delete_payment:   [IT,  ok,  ok,  ok,  ok,  ok,  IT],
  credit_note:      [IT,  ok,  ok,  ok,  IT,  ok,  IT],
  duplicate:        [ok,  ok,  ok,  ok,  ok,  ok,  ok],
  delete:           [ok,  ok,  ok,  HP,  HP,  ok,  ok],
  restore:          [NIT, NIT, NIT, NIT, NIT, NIT, NIT],
  permanent_delete: [NIT, NIT, NIT, NIT, NIT, NIT, NIT],
};

// Same whether published or not.
//                                draft sent viewed  p_paid  paid  overdue void
const TRASHED: Record<InvoiceAction, Row> = {
  update:           [IIT, IIT, IIT, IIT, IIT, IIT, IIT],
  send:             [IIT, IIT, IIT, IIT, IIT, IIT, IIT],
  mark_sent:        [IIT, IIT, IIT, IIT, IIT, IIT, IIT],
  publish:          [IIT, IIT, IIT, IIT, IIT, IIT, IIT],
  unpublish:        [IIT, IIT, IIT, IIT, IIT, IIT, IIT],
  void:             [IIT, IIT, IIT, IIT, IIT, IIT, IIT],
  mark_paid:        [IIT, IIT, IIT, IIT, IIT, IIT, IIT],
  record_payment:   [IIT, IIT, IIT, IIT, IIT, IIT, IIT],
  delete_payment:   [IIT, IIT, IIT, IIT, IIT, IIT, IIT],
  credit_note:      [IIT, IIT, IIT, IIT, IIT, IIT, IIT],
  duplicate:        [IIT, IIT, IIT, IIT, IIT, IIT, IIT],
  delete:           [IIT, IIT, IIT, IIT, IIT, IIT, IIT],
  restore:          [ok,  ok,  ok,  ok,  ok,  ok,  ok],
  permanent_delete: [ok,  ok,  ok,  ok,  ok,  ok,  ok],
};

const variants: Array<[string, { trashed: boolean; published: boolean }, Record<InvoiceAction, Row>]> = [
  ['live, published', { trashed: false, published: true }, LIVE_PUBLISHED],
  ['live, unpublished', { trashed: false, published: false }, LIVE_UNPUBLISHED],
  ['trashed, published', { trashed: true, published: true }, TRASHED],
  ['trashed, unpublished', { trashed: true, published: false }, TRASHED],
];

const matrix = variants.flatMap(([label, ctx, table]) =>
  (Object.keys(table) as InvoiceAction[]).flatMap((action) =>
    COLUMNS.map((status, i) => [label, action, status, ctx, table[action][i] as Expect] as const),
  ),
);

describe('assertAllowed: every action × every effective status × trash/publish', () => {
  it('covers all actions and statuses', () => {
    expect(Object.keys(LIVE_PUBLISHED).sort()).toEqual([...INVOICE_ACTIONS].sort());
    expect([...COLUMNS].sort()).toEqual([...INVOICE_STATUSES].sort());
    expect(matrix).toHaveLength(14 * 7 * 4);
  });

  it.each(matrix)('[%s] %s from %s', (_label, action, status, ctx, expected) => {
    if (expected === ok) {
      expect(() => assertAllowed(action, status, ctx)).not.toThrow();
    } else {
      expect(() => assertAllowed(action, status, ctx)).toThrow(expect.objectContaining({ code: expected }));
    }
  });
});

describe('refusal details', () => {
  it('invalid_transition lists action, status and allowed statuses', () => {
    expect(() => assertAllowed('mark_sent', 'paid', { trashed: false, published: true })).toThrow(
      expect.objectContaining({
        code: 'invalid_transition',
        details: { action: 'mark_sent', status: 'paid', allowed: ['draft'] },
      }),
    );
  });

  it('invoice_not_editable from the table keeps the same details', () => {
    expect(() => assertAllowed('update', 'void', { trashed: false, published: false })).toThrow(
      expect.objectContaining({
        code: 'invoice_not_editable',
        details: { action: 'update', status: 'void', allowed: ['draft', 'sent', 'viewed', 'partially_paid', 'overdue'] },
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
        expect.objectContaining({ code: 'invoice_not_editable', details: expect.objectContaining({ fields: rejected }) }),
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
