import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ControllableClock, sequentialIds } from '../../deps.ts';
import { STORED_STATUSES } from '../../domain/lifecycle.ts';
import { DEFAULT_CREDIT_NOTE_PATTERN, DEFAULT_INVOICE_PATTERN } from '../../domain/numbering.ts';
import { MemoryStore } from '../../store/memory.ts';
import type { CustomerRecord, InvoiceRecord } from '../../store/types.ts';
import type { ServiceContext } from '../context.ts';
import { CursorCodec } from '../pagination.ts';
import { PRESENTED_JSON_LIMIT, presentInvoice, presentInvoiceJson } from './present.ts';

const STAMP = '2026-03-01T08:00:00.000Z';
function invoice(i: number, fields: Partial<InvoiceRecord> = {}): InvoiceRecord {
  return {
    id: `inv_${i}`, number: `INV-${i}`, stored_status: 'sent', customer_id: 'cus_a', title: null, description: null,
    currency: 'USD', issue_date: '2026-03-01', due_date: '2026-03-10', payment_terms: null, payment_method: 'online_payment', notes: null,
    internal_notes: null, tax_rate: null, discount: null, exclude_from_autopay: false, line_items: [], subtotal: 0, discount_total: 0,
    tax_total: 0, total: 1000, amount_paid: 0, amount_credited: 0, amount_due: 1000, payments: [], credit_notes: [], share_token: null,
    published_at: null, payment_token: null, sent_via_email: false, sent_at: null, viewed_at: null, paid_at: null, voided_at: null,
    last_notification_at: null, deleted_at: null, created_at: STAMP, updated_at: STAMP, ...fields,
  };
}
const customer = (id: string, name: string, email: string | null): CustomerRecord => ({
  id, name, email, phone: null, address: null, tax_id: null, notes: null, currency: null, is_active: true, created_at: STAMP, updated_at: STAMP, deleted_at: null,
});

function setup() {
  const store = new MemoryStore();
  store.putTenant({ id: 'acme', name: 'Acme', invoice_pattern: DEFAULT_INVOICE_PATTERN, credit_note_pattern: DEFAULT_CREDIT_NOTE_PATTERN });
  store.putCustomer('acme', customer('cus_a', 'Acme Corp', 'a@example.com'));
  const clock = new ControllableClock();
  clock.freeze(new Date('2026-03-05T12:00:00.000Z'));
  const ctx = (baseUrl = 'http://127.0.0.1:1'): ServiceContext => ({ store, clock, ids: sequentialIds(), cursors: new CursorCodec('s'), tenant: store.tenant('acme')!, baseUrl });
  return { store, clock, ctx };
}

describe('presentInvoiceJson', () => {
  it('is presentInvoice as JSON after any sequence of writes, clock moves and base URLs', () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('put' as const), i: fc.integer({ min: 0, max: 3 }), status: fc.constantFrom(...STORED_STATUSES), title: fc.constantFrom(null, 'A', 'B'), share: fc.boolean(), customer: fc.constantFrom('cus_a', 'cus_b') }),
      fc.record({ kind: fc.constant('customer' as const), id: fc.constantFrom('cus_a', 'cus_b'), name: fc.constantFrom('Acme Corp', 'Globex'), email: fc.constantFrom(null, 'x@example.com'), remove: fc.boolean() }),
      fc.record({ kind: fc.constant('clock' as const), at: fc.constantFrom('2026-03-05T12:00:00.000Z', '2026-03-10T23:59:59.999Z', '2026-03-11T00:00:00.000Z') }),
      fc.record({ kind: fc.constant('read' as const), i: fc.integer({ min: 0, max: 3 }), base: fc.constantFrom('http://a.example', 'http://b.example') }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const { store, clock, ctx } = setup();
        for (let i = 0; i < 4; i++) store.putInvoice('acme', invoice(i));
        for (const s of steps) {
          if (s.kind === 'put') {
            const previous = store.getInvoice('acme', `inv_${s.i}`)!;
            store.putInvoice('acme', { ...previous, stored_status: s.status, title: s.title, customer_id: s.customer, share_token: s.share ? `tok_${s.i}` : null, published_at: s.share ? STAMP : null });
          } else if (s.kind === 'customer') {
            if (s.remove) store.removeCustomer('acme', s.id);
            else store.putCustomer('acme', customer(s.id, s.name, s.email));
          } else if (s.kind === 'clock') clock.freeze(new Date(s.at));
          else {
            const c = ctx(s.base);
            const record = store.getInvoice('acme', `inv_${s.i}`)!;
            expect(presentInvoiceJson(c, record)).toBe(JSON.stringify(presentInvoice(c, record)));
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps a bounded number of invoices and still answers each one right beyond it', () => {
    const { store, ctx } = setup();
    const c = ctx();
    const count = PRESENTED_JSON_LIMIT + 50;
    for (let i = 0; i < count; i++) store.putInvoice('acme', invoice(i, { title: `T${i}` }));
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < count; i += 7) {
        const record = store.getInvoice('acme', `inv_${i}`)!;
        expect(JSON.parse(presentInvoiceJson(c, record)).title).toBe(`T${i}`);
      }
    }
    // A customer edited in place (not the store's way, but never a stale answer either).
    const a = store.getCustomer('acme', 'cus_a')!;
    const record = store.getInvoice('acme', 'inv_0')!;
    presentInvoiceJson(c, record);
    a.name = 'Renamed in place';
    expect(JSON.parse(presentInvoiceJson(c, record)).customer.name).toBe('Renamed in place');
  });
});
