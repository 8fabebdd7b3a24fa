import { asciiText } from './ascii-json.ts';
import { compactInvoice, expandInvoice, type StoredInvoice, type StringPool } from './compact-invoice.ts';
import type { CustomerRecord, InvoiceRecord, InvoiceSummary, Store, StoreSnapshot, TenantChange, TenantSettings } from './types.ts';

/** Changes kept per tenant for readers that catch up (list views); a reader further behind rebuilds. */
const CHANGE_LOG_SIZE = 4096;
/** Invoices kept expanded (the most recently read or written): a bound on memory, not a correctness limit. */
export const EXPANDED_INVOICES = 1024;

type TenantData = {
  settings: TenantSettings;
  customers: Map<string, CustomerRecord>;
  invoices: Map<string, StoredInvoice>;
  // Secondary indexes; the sorted orders of lists are kept by readers (readModels), from the change log.
  byCustomer: Map<string, Set<string>>;
  byNumber: Map<string, string>;
  creditNoteNumbers: Set<string>;
  sequences: Map<string, number>;
  version: number;
  /** Changes after `logFloor`, oldest first (bounded). */
  log: TenantChange[];
  logFloor: number;
  readModels: Map<string, unknown>;
};

function addTo<K, V>(index: Map<K, Set<V>>, key: K, value: V) {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  set.add(value);
}
function removeFrom<K, V>(index: Map<K, Set<V>>, key: K, value: V) {
  const set = index.get(key);
  set?.delete(value);
  if (set && set.size === 0) index.delete(key);
}

/** In-memory store, partitioned by tenant, with indexes by customer, status, number and token. */
export class MemoryStore implements Store {
  private data = new Map<string, TenantData>();
  private shareTokens = new Map<string, { tenant: string; id: string }>();
  private paymentTokens = new Map<string, { tenant: string; id: string }>();
  /** Store-wide change counter, never reset (not even by clear or restore): a version is never reused. */
  private changes = 0;
  /** Stored invoices read or written lately, as records, least recently used first. */
  private expanded = new Map<StoredInvoice, InvoiceRecord>();
  private lastExpanded: StoredInvoice | undefined;

  private t(tenant: string): TenantData {
    const data = this.data.get(tenant);
    if (!data) throw new Error(`Unknown tenant '${tenant}'`);
    return data;
  }

  tenants() {
    return [...this.data.values()].map((d) => d.settings);
  }
  tenant(id: string) {
    return this.data.get(id)?.settings;
  }
  putTenant(settings: TenantSettings) {
    const existing = this.data.get(settings.id);
    if (existing) {
      existing.settings = settings;
      return;
    }
    this.data.set(settings.id, {
      settings,
      customers: new Map(),
      invoices: new Map(),
      byCustomer: new Map(),
      byNumber: new Map(),
      creditNoteNumbers: new Set(),
      sequences: new Map(),
      version: ++this.changes,
      log: [],
      logFloor: this.changes,
      readModels: new Map(),
    });
  }

  getCustomer(tenant: string, id: string) {
    return this.data.get(tenant)?.customers.get(id);
  }
  putCustomer(tenant: string, record: CustomerRecord) {
    const d = this.t(tenant);
    d.customers.set(record.id, record);
    this.logChange(d, { version: ++this.changes, kind: 'customer', id: record.id });
  }
  removeCustomer(tenant: string, id: string) {
    const d = this.t(tenant);
    d.customers.delete(id);
    this.logChange(d, { version: ++this.changes, kind: 'customer', id });
  }
  customers(tenant: string) {
    return this.data.get(tenant)?.customers.values() ?? [];
  }

  getInvoice(tenant: string, id: string): InvoiceRecord | undefined {
    const stored = this.data.get(tenant)?.invoices.get(id);
    return stored && this.expand(stored);
  }
  invoiceSummary(tenant: string, id: string): InvoiceSummary | undefined {
    return this.data.get(tenant)?.invoices.get(id);
  }
  expandSummary(summary: InvoiceSummary): InvoiceRecord {
    if (!((summary as Partial<StoredInvoice>).bytes instanceof Buffer)) throw new TypeError(`Invoice '${summary.id}': not a summary this store returned`);
    return this.expand(summary as StoredInvoice);
  }
  private expand(stored: StoredInvoice): InvoiceRecord {
    // The one read last (a client reading the same invoice again and again) is already the newest.
    let record = this.expanded.get(stored);
    if (record && stored === this.lastExpanded) return record;
    if (record) this.expanded.delete(stored);
    else record = expandInvoice(stored);
    this.remember(stored, record);
    return record;
  }
  private remember(stored: StoredInvoice, record: InvoiceRecord) {
    this.lastExpanded = stored;
    this.expanded.set(stored, record);
    if (this.expanded.size > EXPANDED_INVOICES) this.expanded.delete(this.expanded.keys().next().value!);
  }
  putInvoice(tenant: string, record: InvoiceRecord) {
    const stored = compactInvoice(record);
    this.putStoredInvoice(tenant, stored);
    // The record written is what the next read returns (as long as it is kept expanded).
    this.remember(stored, record);
  }
  /** Loads a record from its JSON text (a data directory row): no second serialisation, nothing kept expanded. */
  protected putInvoiceJson(tenant: string, json: string, pool?: StringPool) {
    // Rows written before they were ASCII are escaped here: the body is one byte per character.
    const bytes = Buffer.from(asciiText(json), 'latin1');
    this.putStoredInvoice(tenant, compactInvoice(JSON.parse(json) as InvoiceRecord, { bytes, start: 0, end: bytes.length }, undefined, pool));
  }
  putStoredInvoice(tenant: string, stored: StoredInvoice) {
    const d = this.t(tenant);
    const previous = d.invoices.get(stored.id);
    if (previous) {
      this.unindex(d, previous);
      this.expanded.delete(previous);
    }
    this.logChange(d, { version: ++this.changes, kind: 'invoice', before: previous, after: stored });
    d.invoices.set(stored.id, stored);
    addTo(d.byCustomer, stored.customer_id, stored.id);
    d.byNumber.set(stored.number, stored.id);
    if (stored.share_token) this.shareTokens.set(stored.share_token, { tenant, id: stored.id });
    if (stored.payment_token) this.paymentTokens.set(stored.payment_token, { tenant, id: stored.id });
    for (const number of stored.credit_note_numbers) d.creditNoteNumbers.add(number);
  }
  private unindex(d: TenantData, stored: StoredInvoice) {
    removeFrom(d.byCustomer, stored.customer_id, stored.id);
    if (d.byNumber.get(stored.number) === stored.id) d.byNumber.delete(stored.number);
    if (stored.share_token) this.shareTokens.delete(stored.share_token);
    if (stored.payment_token) this.paymentTokens.delete(stored.payment_token);
  }
  removeInvoice(tenant: string, id: string) {
    const d = this.t(tenant);
    const stored = d.invoices.get(id);
    if (!stored) return;
    this.unindex(d, stored);
    d.invoices.delete(id);
    this.expanded.delete(stored);
    this.logChange(d, { version: ++this.changes, kind: 'invoice', before: stored, after: undefined });
  }
  private logChange(d: TenantData, change: TenantChange) {
    d.version = change.version;
    d.log.push(change);
    if (d.log.length > CHANGE_LOG_SIZE) {
      // Drop the older half at once, so that trimming costs O(1) per change.
      const dropped = d.log.splice(0, CHANGE_LOG_SIZE / 2);
      d.logFloor = dropped[dropped.length - 1]!.version;
    }
  }
  invoices(tenant: string): Iterable<InvoiceSummary> {
    return this.data.get(tenant)?.invoices.values() ?? [];
  }
  *invoicesOfCustomer(tenant: string, customerId: string): Iterable<InvoiceSummary> {
    const d = this.data.get(tenant);
    for (const id of d?.byCustomer.get(customerId) ?? []) yield d!.invoices.get(id)!;
  }
  countInvoices(tenant: string) {
    return this.data.get(tenant)?.invoices.size ?? 0;
  }
  invoiceIdByNumber(tenant: string, number: string) {
    return this.data.get(tenant)?.byNumber.get(number);
  }
  creditNoteNumberTaken(tenant: string, number: string) {
    return this.data.get(tenant)?.creditNoteNumbers.has(number) ?? false;
  }
  invoiceByShareToken(token: string) {
    const ref = this.shareTokens.get(token);
    const invoice = ref && this.getInvoice(ref.tenant, ref.id);
    return invoice && invoice.share_token === token ? { tenant: ref.tenant, invoice } : undefined;
  }
  invoiceByPaymentToken(token: string) {
    const ref = this.paymentTokens.get(token);
    const invoice = ref && this.getInvoice(ref.tenant, ref.id);
    return invoice && invoice.payment_token === token ? { tenant: ref.tenant, invoice } : undefined;
  }

  version(tenant: string) {
    return this.data.get(tenant)?.version ?? 0;
  }
  changesSince(tenant: string, version: number): readonly TenantChange[] | undefined {
    const d = this.data.get(tenant);
    if (!d || version < d.logFloor || version > d.version) return undefined;
    // Versions grow along the log: binary search for the first change after `version`.
    let lo = 0;
    let hi = d.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (d.log[mid]!.version <= version) lo = mid + 1;
      else hi = mid;
    }
    return d.log.slice(lo);
  }
  readModels(tenant: string) {
    return this.t(tenant).readModels;
  }

  sequence(tenant: string, scope: string) {
    return this.data.get(tenant)?.sequences.get(scope) ?? 0;
  }
  setSequence(tenant: string, scope: string, value: number) {
    this.t(tenant).sequences.set(scope, value);
  }

  snapshot(): StoreSnapshot {
    const tenants = [...this.data.values()].map((d) => ({
      settings: d.settings,
      customers: [...d.customers.values()],
      sequences: [...d.sequences.entries()],
    }));
    // Expanding a stored invoice makes a copy already: only the rest needs cloning.
    const data = structuredClone(tenants).map((t, i) => ({ ...t, invoices: [...[...this.data.values()][i]!.invoices.values()].map(expandInvoice) }));
    return { version: 1, data };
  }
  restore(snapshot: StoreSnapshot) {
    this.clear();
    const tenants = structuredClone(snapshot.data) as Array<{ settings: TenantSettings; customers: CustomerRecord[]; invoices: InvoiceRecord[]; sequences: Array<[string, number]> }>;
    for (const t of tenants) {
      this.putTenant(t.settings);
      for (const c of t.customers) this.putCustomer(t.settings.id, c);
      for (const i of t.invoices) this.putInvoice(t.settings.id, i);
      for (const [scope, value] of t.sequences) this.setSequence(t.settings.id, scope, value);
    }
  }
  clear() {
    this.data.clear();
    this.expanded.clear();
    // It would keep its body's bytes alive (a whole data set file, for a loaded one).
    this.lastExpanded = undefined;
    this.shareTokens.clear();
    this.paymentTokens.clear();
  }
}
