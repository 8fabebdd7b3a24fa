import { describe, expect, it } from 'vitest';
import { DEFAULT_CREDIT_NOTE_PATTERN, DEFAULT_INVOICE_PATTERN } from '../domain/numbering.ts';
import { EXPANDED_INVOICES, MemoryStore } from './memory.ts';
import type { InvoiceRecord } from './types.ts';

const tenant = { id: 'acme', name: 'Acme', invoice_pattern: DEFAULT_INVOICE_PATTERN, credit_note_pattern: DEFAULT_CREDIT_NOTE_PATTERN };
const invoice = (id: string, total: number) => ({ id, number: `N-${id}`, customer_id: 'cus_1', stored_status: 'draft', total, payments: [], credit_notes: [], share_token: null, payment_token: null }) as unknown as InvoiceRecord;

describe('MemoryStore change log', () => {
  it('lists the changes after a version, in order, with what each invoice was before and after', () => {
    const store = new MemoryStore();
    store.putTenant(tenant);
    const a1 = invoice('a', 1);
    store.putInvoice('acme', a1);
    const since = store.version('acme');
    const a2 = invoice('a', 2);
    store.putInvoice('acme', a2);
    store.putCustomer('acme', { id: 'cus_1' } as never);
    store.removeInvoice('acme', 'a');
    const changes = store.changesSince('acme', since)!;
    expect(changes.map((c) => (c.kind === 'invoice' ? [c.version, c.kind, c.before?.total, c.after?.total] : [c.version, c.kind, c.id]))).toEqual([
      [since + 1, 'invoice', 1, 2],
      [since + 2, 'customer', 'cus_1'],
      [since + 3, 'invoice', 2, undefined],
    ]);
    // Each change's summaries read back as the whole record as it was then.
    const [first, , last] = changes as Array<Extract<(typeof changes)[number], { kind: 'invoice' }>>;
    expect(store.expandSummary(first!.before!)).toEqual(a1);
    expect(store.expandSummary(first!.after!)).toEqual(a2);
    expect(store.expandSummary(last!.before!)).toEqual(a2);
    expect(store.changesSince('acme', store.version('acme'))).toEqual([]);
    expect(store.changesSince('acme', store.version('acme') + 1)).toBeUndefined();
  });

  it('keeps invoices compactly: a read after the expanded ones are dropped gives an equal copy', () => {
    const store = new MemoryStore();
    store.putTenant(tenant);
    const first = { ...invoice('first', 7), title: 'Caf\u00e9 \u2014 r\u00e9sum\u00e9 \ud83d\ude00' } as InvoiceRecord;
    store.putInvoice('acme', first);
    expect(store.getInvoice('acme', 'first')).toBe(first);
    for (let n = 0; n <= EXPANDED_INVOICES; n++) store.putInvoice('acme', invoice(`i${n}`, n));
    const again = store.getInvoice('acme', 'first')!;
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
    expect(store.getInvoice('acme', 'first')).toBe(again);
    expect(store.getInvoice('acme', 'missing')).toBeUndefined();
    expect(() => store.expandSummary({ ...first })).toThrow(/not a summary this store returned/);
  });

  it('keeps a bounded log: a reader too far behind is told to rebuild', () => {
    const store = new MemoryStore();
    store.putTenant(tenant);
    const start = store.version('acme');
    for (let n = 0; n < 5000; n++) store.putInvoice('acme', invoice(`i${n % 10}`, n));
    expect(store.changesSince('acme', start)).toBeUndefined();
    const recent = store.version('acme') - 100;
    expect(store.changesSince('acme', recent)).toHaveLength(100);
  });

  it('drops what readers derived when the data goes (clear, restore)', () => {
    const store = new MemoryStore();
    store.putTenant(tenant);
    store.readModels('acme').set('lists', 1);
    const snapshot = store.snapshot();
    store.restore(snapshot);
    expect(store.readModels('acme').size).toBe(0);
  });
});
