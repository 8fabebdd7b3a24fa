// An invoice as the memory store keeps it: the fields lists read (InvoiceSummary) as a small object,
// and the whole record as JSON text in a Buffer, off the JS heap. At 100,000 invoices a graph of
// objects per record made a heap of about 200 MB that every GC cycle marks, and that V8 let grow
// to several times its size under load; Buffers are neither traced nor counted in that growth.
import { asciiJson } from './ascii-json.ts';
import type { InvoiceRecord, InvoiceSummary } from './types.ts';

/** Turns a stored body (one-byte text) back into the record. */
export type InvoiceDecoder = (text: string) => InvoiceRecord;

/** A body that is the record's own JSON (asciiJson). */
export const recordText: InvoiceDecoder = (text) => JSON.parse(text) as InvoiceRecord;

export type StoredInvoice = InvoiceSummary & {
  readonly share_token: string | null;
  readonly payment_token: string | null;
  readonly credit_note_numbers: readonly string[];
  /**
   * The record as text, one byte per character, at [start, end) of `bytes`: asciiJson of it, or
   * another form `decode` reads (a data set file's line, unchanged, in the file's one Buffer).
   */
  readonly bytes: Buffer;
  readonly start: number;
  readonly end: number;
  readonly decode: InvoiceDecoder;
};

const NONE: readonly string[] = Object.freeze([]);

/** What compactInvoice reads of a record. */
export type CompactedFields = InvoiceSummary & Pick<InvoiceRecord, 'share_token' | 'payment_token'> & { credit_notes: ReadonlyArray<{ number: string }> };

/**
 * Without `text`, `record` must be the whole record (its asciiJson becomes the body).
 * `text` and `decode`: the text the record was read from and how to read it again, when the caller
 * has it (a data set file's line, a data directory row); by default the record's asciiJson.
 */
export function compactInvoice(record: CompactedFields, text?: { bytes: Buffer; start: number; end: number }, decode: InvoiceDecoder = recordText, pool?: StringPool): StoredInvoice {
  const body = text ?? ownText(record);
  // One object literal, always in this order: every stored invoice shares one hidden class.
  return {
    id: record.id,
    number: record.number,
    customer_id: pool ? pool.intern(record.customer_id) : record.customer_id,
    stored_status: record.stored_status,
    currency: record.currency,
    title: pool && record.title !== null ? pool.intern(record.title) : record.title,
    issue_date: record.issue_date,
    due_date: record.due_date,
    total: record.total,
    created_at: record.created_at,
    deleted_at: record.deleted_at,
    share_token: record.share_token,
    payment_token: record.payment_token,
    credit_note_numbers: record.credit_notes.length === 0 ? NONE : record.credit_notes.map((cn) => cn.number),
    bytes: body.bytes,
    start: body.start,
    end: body.end,
    decode,
  };
}

function ownText(record: CompactedFields) {
  const bytes = Buffer.from(asciiJson(record), 'latin1');
  return { bytes, start: 0, end: bytes.length };
}

/**
 * One copy of each repeated value (customer ids, titles) while many invoices are loaded at once:
 * each parsed line has its own copy of the same text otherwise. Dropped with the load.
 */
export class StringPool {
  private readonly values = new Map<string, string>();
  intern(value: string): string {
    const kept = this.values.get(value);
    if (kept !== undefined) return kept;
    this.values.set(value, value);
    return value;
  }
}

/** A new copy of the stored record. */
export function expandInvoice(stored: StoredInvoice): InvoiceRecord {
  return stored.decode(stored.bytes.toString('latin1', stored.start, stored.end));
}

/** The stored record's asciiJson (what a data directory row holds). */
export function invoiceJson(stored: StoredInvoice): string {
  return stored.decode === recordText ? stored.bytes.toString('latin1', stored.start, stored.end) : asciiJson(expandInvoice(stored));
}
