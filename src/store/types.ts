import type { components } from '../generated/api-types.ts';
import type { StoredStatus } from '../domain/lifecycle.ts';
import type { StoredInvoice } from './compact-invoice.ts';

export type Customer = components['schemas']['Customer'];
export type Invoice = components['schemas']['Invoice'];
export type Payment = components['schemas']['Payment'];
export type CreditNote = components['schemas']['CreditNote'];
export type LineItem = components['schemas']['LineItem'];

export type CustomerRecord = Customer;

/** An invoice as stored: the contract shape minus what is derived when it is read. */
export type InvoiceRecord = Omit<Invoice, 'status' | 'customer' | 'share_link'> & {
  stored_status: StoredStatus;
  share_token: string | null;
  published_at: string | null;
  payment_token: string | null;
  /** Each line's own tax rate (null: inherits the invoice's); absent in records loaded from fixtures. */
  line_tax_rates?: Array<number | null>;
};

/**
 * What lists read of an invoice (filters, sorts, search): the store keeps these as fields and the
 * rest of the record compactly, so that a list never decodes a record it does not return.
 */
export type InvoiceSummary = Readonly<Pick<InvoiceRecord, 'id' | 'number' | 'customer_id' | 'stored_status' | 'currency' | 'title' | 'issue_date' | 'due_date' | 'total' | 'created_at' | 'deleted_at'>>;

export type TenantSettings = {
  id: string;
  name: string;
  invoice_pattern: string;
  credit_note_pattern: string;
  /** Plan limits: most customers / invoices the tenant may hold (absent: unlimited). */
  max_customers?: number;
  max_invoices?: number;
};

export type StoreSnapshot = { readonly version: 1; readonly data: unknown };

/** One change to a tenant's data, in order: an invoice written or removed, or a customer written or removed. */
export type TenantChange =
  | { readonly version: number; readonly kind: 'invoice'; readonly before: InvoiceSummary | undefined; readonly after: InvoiceSummary | undefined }
  | { readonly version: number; readonly kind: 'customer'; readonly id: string };

/** Storage behind the reference server. The in-memory store implements it; a durable one can later. */
export interface Store {
  tenants(): TenantSettings[];
  tenant(id: string): TenantSettings | undefined;
  putTenant(settings: TenantSettings): void;

  getCustomer(tenant: string, id: string): CustomerRecord | undefined;
  putCustomer(tenant: string, record: CustomerRecord): void;
  removeCustomer(tenant: string, id: string): void;
  customers(tenant: string): Iterable<CustomerRecord>;

  /** The record as written; reading the same stored record again may give an equal copy rather than the same object. */
  getInvoice(tenant: string, id: string): InvoiceRecord | undefined;
  putInvoice(tenant: string, record: InvoiceRecord): void;
  /** putInvoice of a record already in the store's compact form (a data set file read line by line). */
  putStoredInvoice(tenant: string, stored: StoredInvoice): void;
  removeInvoice(tenant: string, id: string): void;
  /** Every invoice of the tenant (live and trashed). */
  invoices(tenant: string): Iterable<InvoiceSummary>;
  invoiceSummary(tenant: string, id: string): InvoiceSummary | undefined;
  /** The whole record behind a summary this store returned, as it was when that summary was current (a consistent read of a list). */
  expandSummary(summary: InvoiceSummary): InvoiceRecord;
  invoicesOfCustomer(tenant: string, customerId: string): Iterable<InvoiceSummary>;
  countInvoices(tenant: string): number;
  invoiceIdByNumber(tenant: string, number: string): string | undefined;
  creditNoteNumberTaken(tenant: string, number: string): boolean;
  invoiceByShareToken(token: string): { tenant: string; invoice: InvoiceRecord } | undefined;
  invoiceByPaymentToken(token: string): { tenant: string; invoice: InvoiceRecord } | undefined;

  /** Changes on every change to the tenant's invoices or customers and never takes a value twice, across clear and restore too (readers cache derived views on it). */
  version(tenant: string): number;

  /**
   * The tenant's changes after `version` (a value version() returned), oldest first; undefined when
   * they are no longer all kept (the log is bounded), and the reader must rebuild from the data.
   */
  changesSince(tenant: string, version: number): readonly TenantChange[] | undefined;
  /** Where readers keep what they derive from the tenant's data (kept current with version and changesSince); dropped with it. */
  readModels(tenant: string): Map<string, unknown>;

  /** Last sequence number used in a numbering scope (see domain/numbering scopeKey). */
  sequence(tenant: string, scope: string): number;
  setSequence(tenant: string, scope: string, value: number): void;

  snapshot(): StoreSnapshot;
  restore(snapshot: StoreSnapshot): void;
  clear(): void;
}
