// Reading a data set file to load it. A compact file as the fixtures writer makes it has each
// customer and invoice on a line of its own (raw line breaks never occur inside JSON strings, so a
// line is a run of whole tokens). Those lines are parsed one at a time, and each invoice goes
// straight into the store's compact form, its body the file's own bytes: at 100,000 invoices one
// JSON.parse of the whole text built ~200 MB of objects that all survived into the old generation,
// only to be copied and dropped. Any other layout is read as one document, as before.
import { isAscii } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { checkDataset, readDatasetText, shareTokenOf, storedStatusOf, toRecord, type Dataset, type DatasetTenant } from './dataset.ts';
import { compactInvoice, StringPool, type CompactedFields, type InvoiceDecoder, type StoredInvoice } from './store/compact-invoice.ts';
import type { Invoice } from './store/types.ts';

/** A data set read to be loaded: a tenant's invoices may already be in the store's compact form. */
export type LoadableTenant = DatasetTenant & { storedInvoices?: StoredInvoice[] };
export type LoadableDataset = Omit<Dataset, 'tenants'> & { tenants: LoadableTenant[] };

/**
 * An object line stands in the document parsed without it as a string of NUL and its number. A
 * file with a NUL of its own (written `\u0000`; the contract allows none in text) is read whole.
 */
const MARK_IN_FILE = Buffer.from('\\u0000', 'latin1');

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const COMMA = 0x2c;
const isSpace = (byte: number) => byte === 0x20 || byte === 0x09 || byte === 0x0d;

/** An invoice line of a data set file: the contract's shape, stored as is and read back through toRecord. */
const datasetInvoice: InvoiceDecoder = (text) => toRecord(JSON.parse(text) as Invoice);

/** What compactInvoice reads of toRecord(invoice), without making the whole record (a data set loads 100,000 of them). */
function compactedFields(invoice: Invoice): CompactedFields {
  return {
    id: invoice.id,
    number: invoice.number,
    customer_id: invoice.customer_id,
    stored_status: storedStatusOf(invoice),
    currency: invoice.currency,
    title: invoice.title,
    issue_date: invoice.issue_date,
    due_date: invoice.due_date,
    total: invoice.total,
    created_at: invoice.created_at,
    deleted_at: invoice.deleted_at,
    share_token: shareTokenOf(invoice),
    payment_token: null,
    credit_notes: invoice.credit_notes,
  };
}

/** [start, end) of the object a line holds (`{…}` or `{…},` between spaces), or undefined. */
function objectOn(bytes: Buffer, start: number, end: number): [number, number] | undefined {
  while (start < end && isSpace(bytes[start]!)) start++;
  while (end > start && isSpace(bytes[end - 1]!)) end--;
  if (end > start && bytes[end - 1] === COMMA) end--;
  while (end > start && isSpace(bytes[end - 1]!)) end--;
  return end - start >= 2 && bytes[start] === OPEN_BRACE && bytes[end - 1] === CLOSE_BRACE ? [start, end] : undefined;
}

/** `bytes`: the file's content when the caller has read it already (the CLI reads it while modules load). */
export function readDatasetToLoad(path: string, bytes: Buffer = readFileSync(path)): LoadableDataset {
  const whole = () => checkDataset(JSON.parse(readDatasetText(bytes)), path);
  if (!isAscii(bytes) || bytes.includes(MARK_IN_FILE) || bytes.indexOf(0x0a) < 0) return whole();
  try {
    return byLines(bytes, path);
  } catch (error) {
    // A line that looked like one object but was not (two on one line): the document decides.
    if (error instanceof SyntaxError) return whole();
    throw error;
  }
}

function byLines(bytes: Buffer, path: string): LoadableDataset {
  // The document with each object line replaced by a mark naming it; the lines are parsed on their own.
  const parts: string[] = [];
  /** Object line n is at [bounds[2n], bounds[2n + 1]) (numbers in one array: no object per line to keep). */
  const bounds: number[] = [];
  for (let from = 0; from < bytes.length; ) {
    let end = bytes.indexOf(0x0a, from);
    if (end < 0) end = bytes.length;
    const object = objectOn(bytes, from, end);
    if (object) {
      // Only what surrounds the object on its line (usually nothing, or its comma) is copied.
      if (object[0] > from) parts.push(bytes.toString('latin1', from, object[0]));
      parts.push(`"\\u0000${bounds.length / 2}"`);
      if (end > object[1]) parts.push(bytes.toString('latin1', object[1], end));
      parts.push('\n');
      bounds.push(object[0], object[1]);
    } else {
      parts.push(bytes.toString('latin1', from, end), '\n');
    }
    from = end + 1;
  }
  /** The object line a mark names, or -1 for any other value. */
  const lineOf = (value: unknown): number => (typeof value === 'string' && value.charCodeAt(0) === 0 ? Number(value.slice(1)) : -1);
  const text = (line: number) => bytes.toString('latin1', bounds[2 * line], bounds[2 * line + 1]);
  /** The value with every mark in it replaced by its object; `keepInvoices`: a tenant's invoices stay marks. */
  const restore = (value: unknown, keepInvoices: boolean): unknown => {
    const line = lineOf(value);
    if (line >= 0) return restore(JSON.parse(text(line)), false);
    if (Array.isArray(value)) return value.map((v) => restore(v, keepInvoices));
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) out[key] = keepInvoices && key === 'invoices' ? v : restore(v, key === 'tenants');
    return out;
  };
  const document = JSON.parse(parts.join('')) as Record<string, unknown>;
  const dataset = checkDataset(restore(document, false), path) as LoadableDataset;
  for (const tenant of dataset.tenants) {
    const marks = tenant.invoices as unknown[];
    if (!Array.isArray(marks)) continue;
    const lines = marks.map(lineOf);
    if (lines.every((line) => line >= 0)) {
      // Every invoice on a line of its own: straight to the compact form, the line's bytes its body.
      const pool = new StringPool();
      tenant.storedInvoices = lines.map((line) => {
        const start = bounds[2 * line]!;
        const end = bounds[2 * line + 1]!;
        return compactInvoice(compactedFields(JSON.parse(bytes.toString('latin1', start, end)) as Invoice), { bytes, start, end }, datasetInvoice, pool);
      });
      tenant.invoices = [];
    } else {
      tenant.invoices = marks.map((mark) => restore(mark, false)) as Invoice[];
    }
  }
  return dataset;
}
