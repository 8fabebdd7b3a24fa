import { readFileSync } from 'node:fs';
import type { Credentials } from './http/auth.ts';
import { DEFAULT_CREDIT_NOTE_PATTERN, DEFAULT_INVOICE_PATTERN } from './domain/numbering.ts';
import type { StoredStatus } from './domain/lifecycle.ts';
import type { Customer, Invoice, InvoiceRecord, Store } from './store/types.ts';

/** The fixtures format (`npm run fixtures` writes it; the server loads it at start and on reset). */
export type Dataset = {
  format: 'invoicekit-dataset@1';
  seed?: number;
  preset?: string;
  reference_time?: string;
  tenants: Array<{
    id: string;
    name: string;
    api_keys: string[];
    oauth_clients: Array<{ client_id: string; client_secret: string; scopes: string[] }>;
    numbering?: { invoice_pattern: string; credit_note_pattern: string };
    customers: Customer[];
    invoices: Invoice[];
  }>;
};

export function readDataset(path: string): Dataset {
  const data = JSON.parse(readFileSync(path, 'utf8')) as Dataset;
  if (data.format !== 'invoicekit-dataset@1' || !Array.isArray(data.tenants)) throw new Error(`${path} is not an invoicekit dataset`);
  return data;
}

/** The stored form of a contract-shaped invoice: `overdue` is derived again from the clock. */
export function toRecord(invoice: Invoice): InvoiceRecord {
  const { status, customer, share_link, ...rest } = invoice;
  void customer;
  const stored: StoredStatus = status === 'overdue' ? (invoice.amount_paid > 0 ? 'partially_paid' : invoice.viewed_at ? 'viewed' : 'sent') : status;
  const token = share_link?.url.split('/').pop() ?? null;
  return { ...rest, stored_status: stored, share_token: token, published_at: share_link?.published_at ?? null, payment_token: null };
}

/** Loads a dataset into an empty store and registers its credentials. */
export function loadDataset(store: Store, credentials: Credentials, dataset: Dataset): void {
  for (const tenant of dataset.tenants) {
    store.putTenant({
      id: tenant.id,
      name: tenant.name,
      invoice_pattern: tenant.numbering?.invoice_pattern ?? DEFAULT_INVOICE_PATTERN,
      credit_note_pattern: tenant.numbering?.credit_note_pattern ?? DEFAULT_CREDIT_NOTE_PATTERN,
    });
    for (const customer of tenant.customers) store.putCustomer(tenant.id, customer);
    for (const invoice of tenant.invoices) store.putInvoice(tenant.id, toRecord(invoice));
    for (const key of tenant.api_keys) credentials.addApiKey(tenant.id, key);
    for (const client of tenant.oauth_clients) credentials.addClient({ ...client, tenant: tenant.id });
  }
}
