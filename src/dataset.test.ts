import { isAscii } from 'node:buffer';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

describe('readDataset', () => {
  const committed = 'fixtures/data/default.json';

  it('reads the committed ASCII-escaped file and an older UTF-8 file of it as the same data set', () => {
    const escaped = readFileSync(committed);
    expect(isAscii(escaped)).toBe(true);
    const dataset = readDataset(committed);
    // The same data set as older writers stored it: JSON.stringify's raw UTF-8, non-ASCII included.
    const dir = mkdtempSync(join(tmpdir(), 'invoicekit-dataset-'));
    try {
      const utf8 = join(dir, 'utf8.json');
      writeFileSync(utf8, `${JSON.stringify(dataset, null, 2)}\n`, 'utf8');
      expect(isAscii(readFileSync(utf8))).toBe(false);
      expect(readDataset(utf8)).toStrictEqual(dataset);
      expect(JSON.stringify(dataset)).toMatch(/[^\x00-\x7f]/); // the escapes really decode to non-ASCII text
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('decodes escaped astral characters and unescaped ones alike', () => {
    const dir = mkdtempSync(join(tmpdir(), 'invoicekit-dataset-'));
    try {
      const text = (name: string) => `{"format":"invoicekit-dataset@1","tenants":[{"id":"t","name":${name},"api_keys":[],"oauth_clients":[],"customers":[],"invoices":[]}]}`;
      writeFileSync(join(dir, 'raw.json'), text('"Zoë 😀"'), 'utf8');
      writeFileSync(join(dir, 'escaped.json'), text('"Zo\\u00eb \\ud83d\\ude00"'), 'utf8');
      expect(readDataset(join(dir, 'raw.json')).tenants[0]!.name).toBe('Zoë 😀');
      expect(readDataset(join(dir, 'escaped.json')).tenants[0]!.name).toBe('Zoë 😀');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
