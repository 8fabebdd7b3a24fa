import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { datasetToJson, generateDataset } from '../fixtures/generate.ts';
import { Credentials } from './http/auth.ts';
import { systemClock } from './deps.ts';
import { loadDataset, toRecord, type Dataset } from './dataset.ts';
import { readDatasetToLoad } from './dataset-file.ts';
import { DurableState } from './store/durable.ts';
import { MemoryStore } from './store/memory.ts';
import type { Store } from './store/types.ts';

const dir = mkdtempSync(join(tmpdir(), 'invoicekit-dataset-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const dataset = generateDataset({ seed: 11, customers: 9, invoices: 40 });
let files = 0;
const write = (text: string) => {
  const file = join(dir, `d${files++}.json`);
  writeFileSync(file, text);
  return file;
};

/** Everything a store holds, as plain data, in its order. */
function contents(store: Store) {
  return store.tenants().map((t) => ({
    tenant: t,
    customers: [...store.customers(t.id)],
    invoices: [...store.invoices(t.id)].map((summary) => store.getInvoice(t.id, summary.id)),
    summaries: [...store.invoices(t.id)].map((s) => ({ ...s })).map(({ id, number, customer_id, stored_status, currency, title, issue_date, due_date, total, created_at, deleted_at }) => ({ id, number, customer_id, stored_status, currency, title, issue_date, due_date, total, created_at, deleted_at })),
  }));
}

function loaded(data: Dataset | ReturnType<typeof readDatasetToLoad>, store: Store = new MemoryStore()) {
  loadDataset(store, new Credentials(systemClock), data);
  return store;
}

const expected = contents(loaded(dataset));

describe('reading a data set file to load it', () => {
  it('reads a compact file line by line: every invoice straight to the compact form, the same store as the parsed document', () => {
    const read = readDatasetToLoad(write(datasetToJson(dataset, 0)));
    for (const [i, tenant] of read.tenants.entries()) {
      expect(tenant.invoices).toEqual([]);
      expect(tenant.storedInvoices).toHaveLength(dataset.tenants[i]!.invoices.length);
      expect(tenant.customers).toEqual(dataset.tenants[i]!.customers);
    }
    expect(read.tenants.map((t) => t.oauth_clients)).toEqual(dataset.tenants.map((t) => t.oauth_clients));
    expect(read.reference_time).toBe(dataset.reference_time);
    expect(contents(loaded(read))).toEqual(expected);
    // The records are the contract-shaped invoices, stored (derived overdue, share token).
    const tenant = dataset.tenants[0]!;
    expect(contents(loaded(read))[0]!.invoices).toEqual(tenant.invoices.map(toRecord));
  });

  it('reads any other layout as one document, to the same store', () => {
    const pretty = readDatasetToLoad(write(datasetToJson(dataset, 2)));
    expect(pretty.tenants.every((t) => t.storedInvoices === undefined && t.invoices.length > 0)).toBe(true);
    expect(contents(loaded(pretty))).toEqual(expected);
    // Two objects on one line, one invoice over several lines, raw UTF-8, the line mark itself in a string.
    const compact = datasetToJson(dataset, 0);
    const twoOnALine = compact.replace(/\},\n\{"id":"inv_/, '},{"id":"inv_');
    const oneSpread = compact.replace(/\n(\{"id":"inv_[^\n]*?)"title":/, '\n$1\n"title":');
    const utf8 = compact.replace('\\u2014', '—');
    expect(utf8).not.toBe(compact);
    for (const text of [twoOnALine, oneSpread, utf8]) {
      expect(text).not.toBe(compact);
      const read = readDatasetToLoad(write(text));
      expect(read.tenants[0]!.storedInvoices).toBeUndefined();
      expect(contents(loaded(read))).toEqual(expected);
    }
    const marked = structuredClone(dataset);
    // What stands for line 0 in the document read without its object lines.
    marked.tenants[0]!.invoices[0]!.notes = '\u00000';
    const markedStore = loaded(readDatasetToLoad(write(datasetToJson(marked, 0))));
    const first = marked.tenants[0]!.invoices[0]!;
    expect(markedStore.getInvoice(marked.tenants[0]!.id, first.id)!.notes).toBe('\u00000');
  });

  it('refuses a broken line before anything is loaded, as the whole document would', () => {
    const broken = datasetToJson(dataset, 0).replace(/\n\{"id":"inv_[^\n]*?"total":/, (m) => m.replace('"total":', '"total":,'));
    expect(() => readDatasetToLoad(write(broken))).toThrow(SyntaxError);
    expect(() => readDatasetToLoad(write('{"format":"something else","tenants":[\n{"id":"x"}\n]}'))).toThrow(/is not an invoicekit dataset/);
  });

  it('a data directory stores the records themselves, not the file lines', () => {
    const path = mkdtempSync(join(dir, 'durable-'));
    const state = DurableState.open(path);
    loaded(readDatasetToLoad(write(datasetToJson(dataset, 0))), state.store);
    state.commit();
    state.close();
    const again = DurableState.open(path);
    expect(contents(again.store)).toEqual(expected);
    again.close();
  });
});
