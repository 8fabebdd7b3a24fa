// The maintained lists against a plain full scan: random writes (invoices, customers, the clock)
// interleaved with random list queries must answer exactly as filtering and sorting everything.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ControllableClock, sequentialIds } from '../../deps.ts';
import { effectiveStatus, INVOICE_STATUSES, STORED_STATUSES, type InvoiceStatus } from '../../domain/lifecycle.ts';
import { DEFAULT_CREDIT_NOTE_PATTERN, DEFAULT_INVOICE_PATTERN } from '../../domain/numbering.ts';
import { MemoryStore } from '../../store/memory.ts';
import type { CustomerRecord, InvoiceRecord } from '../../store/types.ts';
import type { ServiceContext } from '../context.ts';
import { CursorCodec, sortItems } from '../pagination.ts';
import { listInvoices, sortedInvoices } from './list.ts';
import { sortSpec, type InvoiceFilters } from './query.ts';

const IDS = 12;
const CUSTOMERS = ['cus_a', 'cus_b', 'cus_c'];
const DATES = ['2026-03-01', '2026-03-10', '2026-03-15', '2026-03-20', '2026-04-01'];
const STAMPS = ['2026-03-01T08:00:00.000Z', '2026-03-02T08:00:00.000Z', '2026-03-02T09:30:00.000Z', '2026-03-05T00:00:00.000Z'];
const SORTS = ['created_at', 'due_date', 'issue_date', 'total', 'number', 'deleted_at'].flatMap((s) => [s, `-${s}`]);

function invoice(i: number, fields: Partial<InvoiceRecord>): InvoiceRecord {
  return {
    id: `inv_${String(i).padStart(2, '0')}`, number: `INV-${i}`, stored_status: 'draft', customer_id: 'cus_a', title: null, description: null,
    currency: 'USD', issue_date: DATES[0]!, due_date: DATES[1]!, payment_terms: null, payment_method: 'online_payment', notes: null,
    internal_notes: null, tax_rate: null, discount: null, exclude_from_autopay: false, line_items: [], subtotal: 0, discount_total: 0,
    tax_total: 0, total: 0, amount_paid: 0, amount_credited: 0, amount_due: 0, payments: [], credit_notes: [], share_token: null,
    published_at: null, payment_token: null, sent_via_email: false, sent_at: null, viewed_at: null, paid_at: null, voided_at: null,
    last_notification_at: null, deleted_at: null, created_at: STAMPS[0]!, updated_at: STAMPS[0]!, ...fields,
  };
}
function customer(id: string, name: string, email: string): CustomerRecord {
  return { id, name, email, phone: null, address: null, tax_id: null, notes: null, currency: null, is_active: true, created_at: STAMPS[0]!, updated_at: STAMPS[0]!, deleted_at: null };
}

const invoiceWrite = fc.record({
  kind: fc.constant('put' as const),
  i: fc.integer({ min: 0, max: IDS - 1 }),
  fields: fc.record(
    {
      number: fc.constantFrom('a', 'b').map((v) => v), // resolved per id below, numbers stay unique
      stored_status: fc.constantFrom(...STORED_STATUSES),
      customer_id: fc.constantFrom(...CUSTOMERS, 'cus_gone'),
      title: fc.constantFrom(null, 'Acme retainer', 'Special work', 'Other'),
      currency: fc.constantFrom('USD', 'EUR'),
      issue_date: fc.constantFrom(...DATES),
      due_date: fc.constantFrom(...DATES),
      total: fc.integer({ min: 0, max: 4 }),
      deleted_at: fc.constantFrom(null, null, STAMPS[1]!, STAMPS[3]!),
      created_at: fc.constantFrom(...STAMPS),
    },
    { requiredKeys: [] },
  ),
});
const write = fc.oneof(
  { weight: 6, arbitrary: invoiceWrite },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), i: fc.integer({ min: 0, max: IDS - 1 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('customer' as const), id: fc.constantFrom(...CUSTOMERS), name: fc.constantFrom('Acme Corp', 'Globex', 'Initech'), remove: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('clock' as const), day: fc.constantFrom(...DATES) }) },
);
/** Each filter present one time in four, so that most lists are not empty. */
const sometimes = <T>(arbitrary: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });
const filters: fc.Arbitrary<InvoiceFilters> = fc
  .record({
    status: sometimes(fc.subarray([...INVOICE_STATUSES], { minLength: 1 }) as fc.Arbitrary<InvoiceStatus[]>),
    customer_id: sometimes(fc.constantFrom(...CUSTOMERS)),
    search: sometimes(fc.constantFrom('acme', 'INV-1', 'special', 'glob', '')),
    number: sometimes(fc.constantFrom('INV-3', 'INV-3-b', 'INV-99')),
    currency: sometimes(fc.constantFrom('USD', 'EUR')),
    issue_date_from: sometimes(fc.constantFrom(...DATES)),
    due_date_to: sometimes(fc.constantFrom(...DATES)),
    created_at_from: sometimes(fc.constantFrom('2026-03-02T09:00:00Z', '2026-03-02T08:00:00.000Z')),
    sort: fc.oneof(fc.constant(undefined), fc.constantFrom(...SORTS)),
  })
  .map((f) => Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as InvoiceFilters);
// The request validator always fills the contract's default sort, so a service query always has one.
const query = fc
  .record({ filters, trashed: fc.boolean(), limit: fc.integer({ min: 1, max: 5 }), offset: fc.integer({ min: 0, max: 14 }) })
  .map((q) => ({ ...q, filters: { ...q.filters, sort: q.filters.sort ?? (q.trashed ? '-deleted_at' : '-created_at') } }));
// Queries come from a small pool per run, so that the same list is read again after writes (the kept, patched path).
const ask = fc.record({ kind: fc.constant('query' as const), pick: fc.nat() });

/** The plain scan: every invoice read whole, filtered field by field with the domain's own status rule, then sorted. */
function oracle(ctx: ServiceContext, f: InvoiceFilters, trashed: boolean): InvoiceRecord[] {
  const today = ctx.clock.now().toISOString().slice(0, 10);
  const needle = f.search?.toLowerCase();
  const records = [...ctx.store.invoices('acme')].map((summary) => ctx.store.getInvoice('acme', summary.id)!);
  const matching = records.filter((i) => {
    const c = ctx.store.getCustomer('acme', i.customer_id);
    return (i.deleted_at !== null) === trashed
      && (!f.status?.length || f.status.includes(effectiveStatus(i.stored_status, i.due_date, today)))
      && (f.number === undefined || i.number === f.number)
      && (f.customer_id === undefined || i.customer_id === f.customer_id)
      && (f.currency === undefined || i.currency === f.currency)
      && (!f.issue_date_from || i.issue_date >= f.issue_date_from)
      && (!f.due_date_to || i.due_date <= f.due_date_to)
      && (!f.created_at_from || Date.parse(i.created_at) >= Date.parse(f.created_at_from))
      && (!needle || [i.number, i.title, c?.name, c?.email].some((v) => v?.toLowerCase().includes(needle)));
  });
  return sortItems(matching, sortSpec(f.sort ?? (trashed ? '-deleted_at' : '-created_at')));
}

describe('invoice lists under writes', () => {
  it('answer as a full scan would, in order, totals and pages included', () => {
    fc.assert(
      fc.property(fc.array(query, { minLength: 1, maxLength: 3 }), fc.array(invoiceWrite, { minLength: 8, maxLength: 16 }), fc.array(fc.oneof({ weight: 2, arbitrary: write }, { weight: 1, arbitrary: ask }), { minLength: 20, maxLength: 80 }), (pool, seed, changes) => {
        const store = new MemoryStore();
        store.putTenant({ id: 'acme', name: 'Acme', invoice_pattern: DEFAULT_INVOICE_PATTERN, credit_note_pattern: DEFAULT_CREDIT_NOTE_PATTERN });
        for (const id of CUSTOMERS) store.putCustomer('acme', customer(id, id === 'cus_a' ? 'Acme Corp' : 'Globex', `billing@${id}.example`));
        const clock = new ControllableClock();
        clock.freeze(new Date('2026-03-15T10:00:00.000Z'));
        const ctx: ServiceContext = { store, clock, ids: sequentialIds(), cursors: new CursorCodec('s'), tenant: store.tenant('acme')!, baseUrl: 'http://test' };
        for (const step of [...seed, ...changes]) {
          if (step.kind === 'put') {
            const previous = store.getInvoice('acme', invoice(step.i, {}).id);
            const number = step.fields.number === 'b' ? `INV-${step.i}-b` : `INV-${step.i}`;
            store.putInvoice('acme', { ...(previous ?? invoice(step.i, {})), ...step.fields, number });
          } else if (step.kind === 'remove') store.removeInvoice('acme', invoice(step.i, {}).id);
          else if (step.kind === 'customer') {
            if (step.remove) store.removeCustomer('acme', step.id);
            else store.putCustomer('acme', customer(step.id, step.name, `ap@${step.name.toLowerCase().replace(' ', '')}.example`));
          } else if (step.kind === 'clock') clock.freeze(new Date(`${step.day}T10:00:00.000Z`));
          else {
            const q = pool[step.pick % pool.length]!;
            const expected = oracle(ctx, q.filters, q.trashed).map((i) => i.id);
            const all = listInvoices(ctx, { limit: 100, ...q.filters }, q.trashed);
            expect(all.data.map((i) => i.id)).toEqual(expected);
            expect(all.pagination.total).toBe(expected.length);
            expect(sortedInvoices(ctx, q.filters, q.trashed).items.map((i) => i.id)).toEqual(expected);
            const page = listInvoices(ctx, { limit: q.limit, offset: q.offset, ...q.filters }, q.trashed);
            expect(page.data.map((i) => i.id)).toEqual(expected.slice(q.offset, q.offset + q.limit));
            // Walking by cursors, forwards then back from the end, visits the same order.
            const walked: string[] = [];
            let res = listInvoices(ctx, { limit: q.limit, ...q.filters }, q.trashed);
            for (let guard = 0; guard <= expected.length; guard++) {
              walked.push(...res.data.map((i) => i.id));
              if (!res.pagination.has_next_page) break;
              res = listInvoices(ctx, { limit: q.limit, after: res.pagination.end_cursor!, ...q.filters }, q.trashed);
            }
            expect(walked).toEqual(expected);
            if (res.pagination.start_cursor) {
              const back = listInvoices(ctx, { limit: q.limit, before: res.pagination.start_cursor, ...q.filters }, q.trashed);
              const end = expected.indexOf(res.data[0]!.id);
              expect(back.data.map((i) => i.id)).toEqual(expected.slice(Math.max(0, end - q.limit), end));
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('catch up after more writes than the change log keeps', () => {
    const store = new MemoryStore();
    store.putTenant({ id: 'acme', name: 'Acme', invoice_pattern: DEFAULT_INVOICE_PATTERN, credit_note_pattern: DEFAULT_CREDIT_NOTE_PATTERN });
    store.putCustomer('acme', customer('cus_a', 'Acme Corp', 'a@example.com'));
    const clock = new ControllableClock();
    clock.freeze(new Date('2026-03-15T10:00:00.000Z'));
    const ctx: ServiceContext = { store, clock, ids: sequentialIds(), cursors: new CursorCodec('s'), tenant: store.tenant('acme')!, baseUrl: 'http://test' };
    const query = { limit: 3, sort: '-total', status: ['sent' as const] };
    expect(listInvoices(ctx, query).pagination.total).toBe(0);
    for (let n = 0; n < 10_000; n++) store.putInvoice('acme', invoice(n % 500, { stored_status: n % 3 ? 'sent' : 'draft', total: n, due_date: '2026-04-01' }));
    const expected = oracle(ctx, query, false).map((i) => i.id);
    const answer = listInvoices(ctx, query);
    expect(answer.pagination.total).toBe(expected.length);
    expect(answer.data.map((i) => i.id)).toEqual(expected.slice(0, 3));
  });
});
