import { describe, expect, it } from 'vitest';
import { listOperations } from '../contract/load.ts';
import { ControllableClock, sequentialIds } from '../deps.ts';
import { DEFAULT_CREDIT_NOTE_PATTERN, DEFAULT_INVOICE_PATTERN } from '../domain/numbering.ts';
import { MemoryStore } from '../store/memory.ts';
import type { InvoiceRecord, Store } from '../store/types.ts';
import type { ServiceContext } from './context.ts';
import { CSV_COLUMNS, csvRow, exportInvoicesCsv, neutralizeFormula } from './csv-export.ts';
import { CursorCodec } from './pagination.ts';

function context(store: Store): ServiceContext {
  const clock = new ControllableClock();
  clock.freeze(new Date('2026-03-15T10:00:00.000Z'));
  return { store, clock, ids: sequentialIds(), cursors: new CursorCodec('s'), tenant: store.tenant('acme')!, baseUrl: 'http://test' };
}

function record(n: number, over: Partial<InvoiceRecord> = {}): InvoiceRecord {
  const id = `inv_${String(n).padStart(7, '0')}`;
  return {
    id, number: `INV-2026-${String(n).padStart(6, '0')}`, stored_status: 'sent', customer_id: 'cus_1', title: null, description: null, currency: 'USD',
    issue_date: '2026-03-01', due_date: '2026-04-01', payment_terms: null, payment_method: 'bank_transfer', notes: null, internal_notes: null, tax_rate: null,
    discount: null, exclude_from_autopay: false, line_items: [], subtotal: n, discount_total: 0, tax_total: 0, total: n, amount_paid: 0, amount_credited: 0,
    amount_due: n, payments: [], credit_notes: [], share_token: null, published_at: null, payment_token: null, sent_via_email: false, sent_at: null,
    viewed_at: null, paid_at: null, voided_at: null, last_notification_at: null, deleted_at: null,
    created_at: new Date(Date.parse('2026-01-01T00:00:00Z') + n * 1000).toISOString(), updated_at: '2026-03-01T00:00:00.000Z', ...over,
  };
}

function storeWith(count: number) {
  const store = new MemoryStore();
  store.putTenant({ id: 'acme', name: 'Acme', invoice_pattern: DEFAULT_INVOICE_PATTERN, credit_note_pattern: DEFAULT_CREDIT_NOTE_PATTERN });
  store.putCustomer('acme', { id: 'cus_1', name: 'Customer, "One"', email: 'one@example.com', phone: null, address: null, tax_id: null, notes: null, currency: null, is_active: true, created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z', deleted_at: null });
  for (let n = 1; n <= count; n++) store.putInvoice('acme', record(n));
  return store;
}

describe('neutralizeFormula', () => {
  it.each([
    ['=1+2', "'=1+2"], ['+1', "'+1"], ['-1', "'-1"], ['@SUM(A1)', "'@SUM(A1)"], ['\tx', "'\tx"], ['\rx', "'\rx"],
    ['plain', 'plain'], ['a=b', 'a=b'], ['', ''], [' =x', ' =x'], ["'=x", "'=x"],
  ])('%j → %j', (input, expected) => {
    expect(neutralizeFormula(input)).toBe(expected);
  });
});

describe('csvRow', () => {
  it('formats amounts as decimals of the currency and never neutralises them', () => {
    const store = storeWith(0);
    const ctx = context(store);
    const row = csvRow(ctx, record(1, { currency: 'KWD', subtotal: 13719, total: 13719, amount_due: -5, amount_paid: 13724 }));
    const cells = Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, row[i]]));
    expect(cells).toMatchObject({ subtotal: '13.719', total: '13.719', amount_paid: '13.724', amount_due: '-0.005', customer_name: 'Customer, "One"', status: 'sent' });
  });

  it('reports the effective status (overdue from the clock)', () => {
    const ctx = context(storeWith(0));
    const row = csvRow(ctx, record(1, { due_date: '2026-03-01' }));
    expect(row[CSV_COLUMNS.indexOf('status')]).toBe('overdue');
  });
});

describe('exportInvoicesCsv streaming', () => {
  it('pulls rows lazily: 100,000 invoices are never formatted up front', async () => {
    const store = storeWith(100_000);
    let lookups = 0;
    const counting = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'getCustomer') return (...args: [string, string]) => (lookups++, target.getCustomer(...args));
        const value = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const { stream, count } = exportInvoicesCsv(context(counting), { sort: 'created_at' });
    expect(count).toBe(100_000);
    expect(lookups).toBe(0);

    const iterator = stream[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(String(first.value).startsWith(`${CSV_COLUMNS.join(',')}\r\n`)).toBe(true);
    // Only a few buffers' worth of rows were formatted to answer the first chunk.
    expect(lookups).toBeGreaterThan(0);
    expect(lookups).toBeLessThan(5_000);

    let lines = String(first.value).split('\r\n').length - 1;
    let biggest = 0;
    let last = '';
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      const text = String(next.value);
      biggest = Math.max(biggest, text.length);
      lines += text.split('\r\n').length - 1;
      last = text;
    }
    expect(lines).toBe(100_001);
    expect(lookups).toBe(100_000);
    expect(biggest).toBeLessThan(1_000_000);
    expect(last.trimEnd().split('\r\n').pop()!.startsWith('inv_0100000,INV-2026-100000,sent,cus_1,"Customer, ""One""",one@example.com,USD,')).toBe(true);
  });

  it('stops formatting when the consumer goes away', async () => {
    const store = storeWith(20_000);
    let lookups = 0;
    const counting = new Proxy(store, {
      get(target, prop) {
        if (prop === 'getCustomer') return (...args: [string, string]) => (lookups++, target.getCustomer(...args));
        const value = Reflect.get(target, prop);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const { stream } = exportInvoicesCsv(context(counting), { sort: '-created_at' });
    for await (const chunk of stream) {
      void chunk;
      break; // destroys the stream
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(lookups).toBeLessThan(5_000);
  });
});

describe('the columns', () => {
  // The contract documents them twice: in the operation's description and as its example's header row.
  const op = listOperations().find((o) => o.operationId === 'exportInvoices')!;
  const described = /header row: `([^`]+)`/.exec(op.operation.description)?.[1]?.split(', ');
  const example = String(op.operation.responses['200'].content['text/csv'].example).split('\n')[0]!.split(',');

  it('are the contract’s, in its order: the description and the example agree, and the server writes exactly them', () => {
    expect(described).toHaveLength(17);
    expect(example).toEqual(described);
    expect([...CSV_COLUMNS]).toEqual(described);
  });
});
