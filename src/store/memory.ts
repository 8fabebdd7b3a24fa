import type { CustomerRecord, InvoiceRecord, Store, StoreSnapshot, TenantChange, TenantSettings } from './types.ts';

/** Changes kept per tenant for readers that catch up (list views); a reader further behind rebuilds. */
const CHANGE_LOG_SIZE = 4096;

type TenantData = {
  settings: TenantSettings;
  customers: Map<string, CustomerRecord>;
  invoices: Map<string, InvoiceRecord>;
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

  getInvoice(tenant: string, id: string) {
    return this.data.get(tenant)?.invoices.get(id);
  }
  putInvoice(tenant: string, record: InvoiceRecord) {
    const d = this.t(tenant);
    const previous = d.invoices.get(record.id);
    if (previous) this.unindex(tenant, d, previous);
    this.logChange(d, { version: ++this.changes, kind: 'invoice', before: previous, after: record });
    d.invoices.set(record.id, record);
    addTo(d.byCustomer, record.customer_id, record.id);
    d.byNumber.set(record.number, record.id);
    for (const cn of record.credit_notes) d.creditNoteNumbers.add(cn.number);
    if (record.share_token) this.shareTokens.set(record.share_token, { tenant, id: record.id });
    if (record.payment_token) this.paymentTokens.set(record.payment_token, { tenant, id: record.id });
  }
  private unindex(tenant: string, d: TenantData, record: InvoiceRecord) {
    removeFrom(d.byCustomer, record.customer_id, record.id);
    if (d.byNumber.get(record.number) === record.id) d.byNumber.delete(record.number);
    if (record.share_token) this.shareTokens.delete(record.share_token);
    if (record.payment_token) this.paymentTokens.delete(record.payment_token);
    void tenant;
  }
  removeInvoice(tenant: string, id: string) {
    const d = this.t(tenant);
    const record = d.invoices.get(id);
    if (!record) return;
    this.unindex(tenant, d, record);
    d.invoices.delete(id);
    this.logChange(d, { version: ++this.changes, kind: 'invoice', before: record, after: undefined });
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
  invoices(tenant: string) {
    return this.data.get(tenant)?.invoices.values() ?? [];
  }
  *invoicesOfCustomer(tenant: string, customerId: string) {
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
      invoices: [...d.invoices.values()],
      sequences: [...d.sequences.entries()],
    }));
    return { version: 1, data: structuredClone(tenants) };
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
    this.shareTokens.clear();
    this.paymentTokens.clear();
  }
}
