import { describe, expect, it } from 'vitest';
import { DEFAULT_CREDIT_NOTE_PATTERN, DEFAULT_INVOICE_PATTERN } from '../domain/numbering.ts';
import { MemoryStore } from './memory.ts';
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
    expect(store.changesSince('acme', since)).toEqual([
      { version: since + 1, kind: 'invoice', before: a1, after: a2 },
      { version: since + 2, kind: 'customer', id: 'cus_1' },
      { version: since + 3, kind: 'invoice', before: a2, after: undefined },
    ]);
    expect(store.changesSince('acme', store.version('acme'))).toEqual([]);
    expect(store.changesSince('acme', store.version('acme') + 1)).toBeUndefined();
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
