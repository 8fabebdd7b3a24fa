// What an invoice list query means: its filters, its sorts, and which records it matches.
import { effectiveStatus, STORED_STATUSES, type InvoiceStatus, type StoredStatus } from '../../domain/lifecycle.ts';
import type { CustomerRecord, InvoiceSummary } from '../../store/types.ts';
import type { PageRequest, SortSpec, SortValue } from '../pagination.ts';

export type InvoiceFilters = {
  status?: InvoiceStatus[];
  customer_id?: string;
  search?: string;
  number?: string;
  currency?: string;
  issue_date_from?: string;
  issue_date_to?: string;
  due_date_from?: string;
  due_date_to?: string;
  created_at_from?: string;
  created_at_to?: string;
  /** Always given: the request validator fills the contract's default (-created_at, -deleted_at in the trash). */
  sort: string;
};
export type InvoiceListQuery = PageRequest & InvoiceFilters;

/** Each sort's key ends with the id, so that every order is total (a descending list is the ascending one reversed). */
export const SORT_KEYS = {
  created_at: (i: InvoiceSummary): SortValue[] => [i.created_at, i.id],
  due_date: (i: InvoiceSummary): SortValue[] => [i.due_date, i.id],
  issue_date: (i: InvoiceSummary): SortValue[] => [i.issue_date, i.id],
  total: (i: InvoiceSummary): SortValue[] => [i.total, i.id],
  number: (i: InvoiceSummary): SortValue[] => [i.number, i.id],
  deleted_at: (i: InvoiceSummary): SortValue[] => [i.deleted_at, i.id],
};
export type SortField = keyof typeof SORT_KEYS;

export function sortField(sortName: string): SortField {
  return sortName.replace(/^-/, '') as SortField;
}

export function sortSpec(sortName: string): SortSpec<InvoiceSummary> {
  return { name: sortName, key: SORT_KEYS[sortField(sortName)]!, descending: sortName.startsWith('-') };
}

/** The stored statuses that read as overdue once past due, asked of the domain's own rule once. */
const OVERDUE_FROM: ReadonlySet<StoredStatus> = new Set(STORED_STATUSES.filter((s) => effectiveStatus(s, '2000-01-01', '2000-01-02') === 'overdue'));

/** effectiveStatus for a list: `today` is computed once per query, with no Date or regex per record. */
export function statusOn(record: InvoiceSummary, today: string): InvoiceStatus {
  return record.due_date != null && today > record.due_date && OVERDUE_FROM.has(record.stored_status) ? 'overdue' : record.stored_status;
}

/** Between an invoice's lowered number and title in one kept string; a needle holding it is matched field by field. */
const SEPARATOR = '\n';

/** Search text lowercased once per record version (records are replaced, never changed, on a write). */
export class SearchText {
  /** Per invoice summary its number and title lowered, as one string (at 100,000 invoices a pair in an array cost twice the memory). */
  private readonly invoices = new WeakMap<InvoiceSummary, string>();
  private readonly customers = new WeakMap<CustomerRecord, string>();

  /** Whether the number, title, customer name or customer email contains the (lowercased) needle. */
  matches(invoice: InvoiceSummary, needle: string, customerOf: (id: string) => CustomerRecord | undefined): boolean {
    if (needle.includes(SEPARATOR)) return this.matchesFieldByField(invoice, needle, customerOf);
    let own = this.invoices.get(invoice);
    if (own === undefined) this.invoices.set(invoice, (own = joinedLowered(invoice.number, invoice.title)));
    if (own.includes(needle)) return true;
    const customer = customerOf(invoice.customer_id);
    if (!customer) return false;
    let theirs = this.customers.get(customer);
    if (theirs === undefined) this.customers.set(customer, (theirs = joinedLowered(customer.name, customer.email)));
    return theirs.includes(needle);
  }

  private matchesFieldByField(invoice: InvoiceSummary, needle: string, customerOf: (id: string) => CustomerRecord | undefined): boolean {
    const customer = customerOf(invoice.customer_id);
    return [invoice.number, invoice.title, customer?.name, customer?.email].some((v) => v != null && v.toLowerCase().includes(needle));
  }
}

function joinedLowered(a: string | null | undefined, b: string | null | undefined): string {
  return `${a?.toLowerCase() ?? ''}${SEPARATOR}${b?.toLowerCase() ?? ''}`;
}

/**
 * Whether a record belongs to the list (live or trash) under these filters. `today` matters only
 * with a status filter; search reads the customer through `customerOf`.
 */
export function invoiceMatcher(filters: InvoiceFilters, trashed: boolean, today: string, search: SearchText, customerOf: (id: string) => CustomerRecord | undefined): (i: InvoiceSummary) => boolean {
  const needle = filters.search?.toLowerCase();
  const statuses = filters.status?.length ? new Set(filters.status) : undefined;
  const createdFrom = filters.created_at_from ? Date.parse(filters.created_at_from) : undefined;
  const createdTo = filters.created_at_to ? Date.parse(filters.created_at_to) : undefined;
  const { customer_id, currency, number, issue_date_from, issue_date_to, due_date_from, due_date_to } = filters;
  return (i) => {
    if ((i.deleted_at !== null) !== trashed) return false;
    if (statuses && !statuses.has(statusOn(i, today))) return false;
    if (number !== undefined && i.number !== number) return false;
    if (customer_id !== undefined && i.customer_id !== customer_id) return false;
    if (currency !== undefined && i.currency !== currency) return false;
    if (issue_date_from && i.issue_date < issue_date_from) return false;
    if (issue_date_to && i.issue_date > issue_date_to) return false;
    if (due_date_from && i.due_date < due_date_from) return false;
    if (due_date_to && i.due_date > due_date_to) return false;
    if (createdFrom !== undefined || createdTo !== undefined) {
      const created = Date.parse(i.created_at);
      if (createdFrom !== undefined && created < createdFrom) return false;
      if (createdTo !== undefined && created > createdTo) return false;
    }
    return !needle || search.matches(i, needle, customerOf);
  };
}
