import { describe, expect, it } from 'vitest';
import { readDataset, toRecord } from './dataset.ts';
import type { Invoice } from './store/types.ts';

/** What toRecord has always returned: the invoice without its derived parts, plus the stored ones. */
function spreadRecord(invoice: Invoice) {
  const { status, customer, share_link, ...rest } = invoice;
  void customer;
  const stored = status === 'overdue' ? (invoice.amount_paid > 0 ? 'partially_paid' : invoice.viewed_at ? 'viewed' : 'sent') : status;
  return { ...rest, stored_status: stored, share_token: share_link?.url.split('/').pop() ?? null, published_at: share_link?.published_at ?? null, payment_token: null };
}

describe('toRecord', () => {
  const invoices = readDataset('fixtures/data/default.json').tenants.flatMap((t) => t.invoices);

  it('gives every demo invoice the same keys, in the same order, with the same values as a spread would', () => {
    expect(invoices.length).toBeGreaterThan(100);
    for (const invoice of invoices) expect(JSON.stringify(toRecord(invoice))).toBe(JSON.stringify(spreadRecord(invoice)));
  });

  it('keeps keys of a file written another way, in its order', () => {
    const { title, ...rest } = invoices.find((i) => i.status === 'overdue')!;
    const reordered = { title, ...rest, x_extra: 1 } as unknown as Invoice;
    const record = toRecord(reordered);
    expect(Object.keys(record)[0]).toBe('title');
    expect(record).toMatchObject({ x_extra: 1 });
    expect(JSON.stringify(record)).toBe(JSON.stringify(spreadRecord(reordered)));
  });
});
