// Invoice lists and the CSV export's rows: filtered, sorted and paged from the maintained lists,
// which hold summaries; only the invoices a page or an export returns are read whole.
import type { InvoiceRecord, InvoiceSummary } from '../../store/types.ts';
import { today, type ServiceContext } from '../context.ts';
import { paginate, reversed, sortItems, type Ordered, type SortSpec } from '../pagination.ts';
import { InvoiceLists } from './list-index.ts';
import { presentInvoice } from './present.ts';
import { invoiceMatcher, sortField, sortSpec, type InvoiceFilters, type InvoiceListQuery } from './query.ts';

/** Matching invoices in the requested order, read by position (no copy of a long list). */
export function orderedInvoices(ctx: ServiceContext, filters: InvoiceFilters, trashed: boolean): { sort: SortSpec<InvoiceSummary>; items: Ordered<InvoiceSummary> } {
  const tenant = ctx.tenant.id;
  const sort = sortSpec(filters.sort);
  const field = sortField(sort.name);
  const lists = InvoiceLists.of(ctx.store, tenant);
  // Only a status filter depends on the day (overdue); a query of another day is another query.
  const day = filters.status?.length ? today(ctx) : '';
  const customerOf = (id: string) => ctx.store.getCustomer(tenant, id);
  const matches = invoiceMatcher(filters, trashed, day, lists.search, customerOf);
  const ascending = { ...sort, descending: false };
  let items: readonly InvoiceSummary[];
  if (filters.number !== undefined) {
    // At most one invoice: straight from the number index, nothing worth keeping.
    const id = ctx.store.invoiceIdByNumber(tenant, filters.number);
    const found = id === undefined ? undefined : ctx.store.invoiceSummary(tenant, id);
    items = found && matches(found) ? [found] : [];
  } else {
    const { sort: _direction, ...rest } = filters;
    void _direction;
    const query = JSON.stringify([trashed, rest, field, day]);
    const build =
      filters.customer_id !== undefined
        ? () => sortItems([...ctx.store.invoicesOfCustomer(tenant, filters.customer_id!)].filter(matches), ascending)
        : () => lists.order(field).filter(matches);
    items = lists.result(query, field, matches, Boolean(filters.search), build);
  }
  return { sort, items: sort.descending ? reversed(items) : items };
}

/** The whole invoice behind a summary the lists returned, as it was then: an export that streams sees one moment. */
export function invoiceOf(ctx: ServiceContext, summary: InvoiceSummary): InvoiceRecord {
  return ctx.store.expandSummary(summary);
}

/** Matching invoices in the requested order, as an array of summaries (the CSV export walks all of them). */
export function sortedInvoices(ctx: ServiceContext, filters: InvoiceFilters, trashed: boolean) {
  const { sort, items } = orderedInvoices(ctx, filters, trashed);
  return { sort, items: Array.from({ length: items.length }, (_, i) => items.at(i)!) };
}

export function listInvoices(ctx: ServiceContext, query: InvoiceListQuery, trashed = false) {
  const { limit, offset, page, after, before, ...filters } = query;
  const { sort, items } = orderedInvoices(ctx, filters, trashed);
  // No date in the cursor: sort keys do not depend on the day, so a cursor outlives midnight.
  const context = JSON.stringify([trashed ? 'trash' : 'invoices', ctx.tenant.id, filters, sort.name]);
  const result = paginate(items, sort, { limit, offset, page, after, before }, ctx.cursors, context);
  return { data: result.data.map((summary) => presentInvoice(ctx, invoiceOf(ctx, summary))), pagination: result.pagination };
}
