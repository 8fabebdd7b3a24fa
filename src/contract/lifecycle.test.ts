import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { LIFECYCLE_ACTIONS } from './lifecycle.test-helper.ts';
import { LIFECYCLE_MARKER, renderLifecycleMarkdown, withRenderedLifecycle } from './lifecycle-docs.ts';
import {
  expectedAmountDue,
  expectedOutcome,
  findAction,
  lifecycleOracle,
  readLifecycle,
  recomputedStatus,
  statusAfter,
  type Lifecycle,
} from './lifecycle.ts';
import { listOperations, loadContract, resolveRef } from './load.ts';

const doc = loadContract();
const lifecycle = readLifecycle(doc);
const raw = (doc as Record<string, any>)['x-invoicekit-lifecycle'];
const NONE = { hasPayments: false, published: false, trashed: false };

describe('the data in the contract', () => {
  it('lists the statuses of the InvoiceStatus schema, overdue derived', () => {
    const schema = resolveRef<{ enum: string[] }>(doc, doc.components.schemas.InvoiceStatus);
    expect(lifecycle.statuses.map((s) => s.name)).toEqual(schema.enum);
    expect(lifecycle.statuses.filter((s) => !s.stored)).toEqual([{ name: 'overdue', stored: false, derivedFrom: ['sent', 'viewed', 'partially_paid'], when: 'past_due' }]);
  });

  it('names the actions of the test row, each performed by operations of the contract that declare its refusals', () => {
    expect(lifecycle.actions.map((a) => a.name)).toEqual([...LIFECYCLE_ACTIONS]);
    const operations = new Map(listOperations(doc).map((o) => [o.operationId, o.operation]));
    const problemCodes = resolveRef<any>(doc, doc.components.schemas.Problem).properties.code.enum as string[];
    for (const action of lifecycle.actions) {
      const refusals = [
        action.requiresTrashed ? lifecycle.trash.notInTrash : lifecycle.trash.inTrash,
        ...(action.allowedFrom.length < lifecycle.statuses.length ? [action.refusal] : []),
        ...Object.values(action.refusalByStatus),
        ...(action.refusedWithPayments ? [action.refusedWithPayments] : []),
        ...(action.requiresPublished ? [action.requiresPublished] : []),
        ...action.otherRefusals,
      ];
      for (const id of action.operations) {
        const op = operations.get(id);
        expect(op, `${action.name}: operation ${id}`).toBeDefined();
        for (const r of refusals) {
          expect(problemCodes, `${action.name}: problem code ${r.code}`).toContain(r.code);
          expect(Object.keys(op!.responses), `${id} declares ${r.httpStatus} (${r.code})`).toContain(String(r.httpStatus));
        }
      }
    }
  });
});

describe('readLifecycle refuses data it cannot trust', () => {
  const broken = (change: (data: any) => void) => {
    const copy = structuredClone(doc) as any;
    change(copy['x-invoicekit-lifecycle']);
    return copy;
  };
  it.each([
    ['no extension', () => ({ openapi: '3.1.0' }), /x-invoicekit-lifecycle: must be an object/],
    ['an unbundled $ref', () => YAML.parse(readFileSync(new URL('../../spec/openapi.yaml', import.meta.url), 'utf8')), /unresolved \$ref/],
    ['an unknown status', () => broken((d) => d.actions.void.allowed_from.push('archived')), /actions\/void\/allowed_from\/5: must be one of/],
    ['an unknown result', () => broken((d) => (d.actions.void.result = 'archived')), /actions\/void\/result/],
    ['a refusal that is not 4xx', () => broken((d) => (d.actions.void.refusal.status = 200)), /actions\/void\/refusal\/status: must be a 4xx status/],
    ['a refusal order missing a kind', () => broken((d) => d.refusal_order.pop()), /refusal_order: must list each/],
    ['recomputation without a last resort', () => broken((d) => d.recomputed.rules.pop()), /recomputed\/rules: must end with an 'always' rule/],
    ['a derived status from a derived one', () => broken((d) => d.statuses[5].derived_from.push('overdue')), /statuses\/5\/derived_from\/3/],
    ['owes_nothing that is not a boolean', () => broken((d) => (d.statuses[6].owes_nothing = 'yes')), /statuses\/6\/owes_nothing: must be a boolean/],
  ])('%s', (_what, make, message) => {
    expect(() => readLifecycle(make())).toThrow(message);
  });
});

describe('expectedOutcome', () => {
  const { expectedOutcome: outcome } = lifecycleOracle(doc);

  it.each([
    // action, status, facts, outcome
    ['void', 'paid', { ...NONE, hasPayments: true }, { allowed: true, result: 'void' }],
    ['void', 'draft', NONE, { allowed: false, httpStatus: 409, code: 'invalid_transition', kind: 'status' }],
    ['update', 'paid', NONE, { allowed: false, httpStatus: 409, code: 'invoice_not_editable', kind: 'status' }],
    ['delete', 'partially_paid', { ...NONE, hasPayments: true }, { allowed: false, httpStatus: 409, code: 'invoice_has_payments', kind: 'status' }],
    ['delete', 'overdue', { ...NONE, hasPayments: true }, { allowed: false, httpStatus: 409, code: 'invoice_has_payments', kind: 'payments' }],
    ['delete', 'overdue', NONE, { allowed: true, result: 'trashed' }],
    ['unpublish', 'sent', NONE, { allowed: false, httpStatus: 409, code: 'not_published', kind: 'publication' }],
    ['unpublish', 'overdue', { ...NONE, published: true, hasPayments: true }, { allowed: false, httpStatus: 409, code: 'invalid_transition', kind: 'payments' }],
    ['unpublish', 'overdue', { ...NONE, published: true }, { allowed: true, result: 'draft' }],
    ['send', 'sent', { ...NONE, trashed: true }, { allowed: false, httpStatus: 409, code: 'invoice_in_trash', kind: 'trash' }],
    ['restore', 'paid', NONE, { allowed: false, httpStatus: 409, code: 'invoice_not_in_trash', kind: 'trash' }],
    ['permanent_delete', 'void', { ...NONE, trashed: true }, { allowed: true, result: 'gone' }],
    ['duplicate', 'void', NONE, { allowed: true, result: 'new_draft' }],
    ['record_payment', 'overdue', { ...NONE, hasPayments: true }, { allowed: true, result: 'recomputed' }],
  ] as const)('%s from %s with %j', (action, status, facts, expected) => {
    expect(outcome(action, status, facts)).toEqual(expected);
  });

  it('follows refusal_order: the first refusal that applies wins', () => {
    const facts = { hasPayments: true, published: false, trashed: true };
    expect(expectedOutcome(lifecycle, 'unpublish', 'draft', facts)).toMatchObject({ kind: 'trash', code: 'invoice_in_trash' });
    const reversed: Lifecycle = { ...lifecycle, refusalOrder: ['publication', 'payments', 'status', 'trash'] };
    expect(expectedOutcome(reversed, 'unpublish', 'draft', facts)).toMatchObject({ kind: 'publication', code: 'not_published' });
    expect(expectedOutcome(reversed, 'unpublish', 'draft', { ...facts, published: true })).toMatchObject({ kind: 'payments', code: 'invalid_transition' });
  });

  it('answers each refusal the data gives, from the data', () => {
    const changed = structuredClone(raw);
    changed.actions.void.refusal = { status: 422, code: 'cannot_void' };
    changed.actions.void.refusal_by_status = { draft: { status: 409, code: 'draft_not_voidable' } };
    const other = readLifecycle({ 'x-invoicekit-lifecycle': changed });
    expect(expectedOutcome(other, 'void', 'draft', NONE)).toEqual({ allowed: false, httpStatus: 409, code: 'draft_not_voidable', kind: 'status' });
    expect(expectedOutcome(other, 'void', 'void', NONE)).toEqual({ allowed: false, httpStatus: 422, code: 'cannot_void', kind: 'status' });
  });

  it('refuses to guess about unknown actions and statuses', () => {
    expect(() => outcome('archive', 'draft', NONE)).toThrow(/no action 'archive'/);
    expect(() => outcome('void', 'archived', NONE)).toThrow(/unknown status/);
  });
});

describe('statusAfter and recomputedStatus', () => {
  const money = (amountPaid: number, amountDue: number, viewed = false) => ({ amountPaid, amountDue, viewed });
  it.each([
    ['send', { status: 'draft', pastDue: false }, undefined, 'sent'],
    ['send', { status: 'draft', pastDue: true }, undefined, 'overdue'],
    ['send', { status: 'overdue', pastDue: true }, undefined, 'overdue'],
    ['publish', { status: 'paid', pastDue: true }, undefined, 'paid'],
    ['unpublish', { status: 'overdue', pastDue: true }, undefined, 'draft'],
    ['mark_paid', { status: 'overdue', pastDue: true }, undefined, 'paid'],
    ['record_payment', { status: 'sent', pastDue: false }, money(1000, 9000), 'partially_paid'],
    ['record_payment', { status: 'overdue', pastDue: true }, money(1000, 9000), 'overdue'],
    ['record_payment', { status: 'viewed', pastDue: true }, money(10000, 0), 'paid'],
    ['delete_payment', { status: 'paid', pastDue: false }, money(0, 10000, true), 'viewed'],
    ['credit_note', { status: 'sent', pastDue: false }, money(0, 9000), 'sent'],
    ['duplicate', { status: 'void', pastDue: true }, undefined, 'draft'],
    ['delete', { status: 'void', pastDue: false }, undefined, 'void'],
    ['permanent_delete', { status: 'sent', pastDue: false }, undefined, null],
  ] as const)('%s from %j with %j → %s', (action, before, m, expected) => {
    expect(statusAfter(lifecycle, action, before, m)).toBe(expected);
  });

  it('needs the money to recompute, and leaves drafts and voids alone', () => {
    expect(() => statusAfter(lifecycle, 'record_payment', { status: 'sent', pastDue: false })).toThrow(/money/);
    expect(recomputedStatus(lifecycle, 'void', money(10000, 0))).toBe('void');
    expect(recomputedStatus(lifecycle, 'draft', money(0, 10000))).toBe('draft');
  });
});

describe('expectedAmountDue', () => {
  it('is 0 on a void invoice only, whatever its totals; total − paid − credited otherwise', () => {
    expect(lifecycle.statuses.filter((s) => s.owesNothing).map((s) => s.name)).toEqual(['void']);
    const money = { total: 10000, amountPaid: 2500, amountCredited: 1000 };
    expect(lifecycle.statuses.map((s) => [s.name, expectedAmountDue(lifecycle, s.name, money)])).toEqual([
      ['draft', 6500], ['sent', 6500], ['viewed', 6500], ['partially_paid', 6500], ['paid', 6500], ['overdue', 6500], ['void', 0],
    ]);
  });

  it('is said in the rendered section', () => {
    expect(renderLifecycleMarkdown(doc)).toContain('Nothing is owed on a `void` invoice: its `amount_due` is 0');
  });
});

describe('the rendered lifecycle section', () => {
  const description = (doc.info as { description: string }).description;
  const section = renderLifecycleMarkdown(doc);
  const rows = section
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| action |'))
    .map((l) => l.slice(2, -2).split(' | '));

  it('is what the generated contract shows in place of the marker', () => {
    expect(description).toContain(section);
    expect(description).not.toContain(LIFECYCLE_MARKER);
  });

  it('has one row per action, in order, saying what the data says', () => {
    expect(rows.map((r) => r[0])).toEqual(lifecycle.actions.map((a) => a.label));
    const ops = new Map(listOperations(doc).map((o) => [o.operationId, o]));
    const statusNames = lifecycle.statuses.map((s) => s.name);
    lifecycle.actions.forEach((action, i) => {
      const [, operation, allowed, result, otherwise] = rows[i]!;
      for (const id of action.operations) expect(operation, action.name).toContain(`\`${ops.get(id)!.method.toUpperCase()} `);
      expect(operation!.match(/`[A-Z]+ [^`]+`/g), action.name).toHaveLength(action.operations.length);
      for (const [k, v] of Object.entries(action.query ?? {})) expect(operation, action.name).toContain(`?${k}=${v}`);
      const listed = allowed!.includes('every status') ? statusNames : statusNames.filter((s) => new RegExp(`(^|[ ,;(])${s}([ ,;)]|$)`).test(allowed!));
      expect(listed, `${action.name}: allowed from`).toEqual(action.allowedFrom);
      expect(allowed!.includes('without payments'), action.name).toBe(Boolean(action.refusedWithPayments));
      expect(allowed!.includes('while published'), action.name).toBe(Boolean(action.requiresPublished));
      expect(allowed!.includes('in the trash'), action.name).toBe(action.requiresTrashed);
      const fixed = statusNames.includes(action.result);
      expect(result!.startsWith(fixed ? `\`${action.result}\`` : ''), action.name).toBe(true);
      const codes = [
        ...(action.requiresTrashed ? [lifecycle.trash.notInTrash] : []),
        ...(action.allowedFrom.length < statusNames.length ? [action.refusal] : []),
        ...Object.values(action.refusalByStatus),
        ...(action.refusedWithPayments ? [action.refusedWithPayments] : []),
        ...(action.requiresPublished ? [action.requiresPublished] : []),
        ...action.otherRefusals,
      ].map((r) => `${r.httpStatus} ${r.code}`);
      const shown = [...otherwise!.matchAll(/`(\d{3} [a-z_]+)`/g)].map((m) => m[1]);
      expect(new Set(shown), `${action.name}: otherwise`).toEqual(new Set(codes));
    });
  });

  it('renders from whatever the data says (a changed rule changes the table)', () => {
    const changed = structuredClone(doc) as any;
    changed['x-invoicekit-lifecycle'].actions.void.allowed_from = ['sent'];
    changed['x-invoicekit-lifecycle'].actions.void.label = 'cancel';
    const row = renderLifecycleMarkdown(changed).split('\n').find((l) => l.startsWith('| cancel |'));
    expect(row).toBe('| cancel | `POST …/void` | sent | `void`; irreversible | `409 invalid_transition` |');
  });

  it('replaces the marker exactly once, and refuses a description without it or with two', () => {
    const base = { ...structuredClone(doc), info: { ...doc.info, description: `before\n${LIFECYCLE_MARKER}\nafter` } };
    expect(withRenderedLifecycle(base).info.description).toBe(`before\n${section}\nafter`);
    expect(() => withRenderedLifecycle({ ...base, info: { description: 'no marker' } })).toThrow(/exactly once, found 0/);
    expect(() => withRenderedLifecycle({ ...base, info: { description: LIFECYCLE_MARKER + LIFECYCLE_MARKER } })).toThrow(/found 2/);
  });

  it('fails on an operationId the contract does not have', () => {
    const changed = structuredClone(doc) as any;
    changed['x-invoicekit-lifecycle'].actions.void.operations = ['cancelInvoice'];
    expect(() => renderLifecycleMarkdown(changed)).toThrow(/no operation 'cancelInvoice'/);
  });
});

it('findAction names a missing action', () => {
  expect(() => findAction(lifecycle, 'archive')).toThrow(RangeError);
});

it('src/contract/lifecycle.ts imports nothing (a pure reader any runner can use)', () => {
  const source = readFileSync(new URL('./lifecycle.ts', import.meta.url), 'utf8');
  expect(source).toContain('export function expectedOutcome');
  expect(source.match(/^import .*/gm) ?? []).toEqual([]);
});
