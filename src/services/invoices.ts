import type { components } from '../generated/api-types.ts';
import { Refusal } from '../domain/errors.ts';
import { isKnownCurrency } from '../domain/currency.ts';
import { assertAllowed, assertEditable, effectiveStatus, type InvoiceStatus, type StoredStatus } from '../domain/lifecycle.ts';
import { nextFree, scopeKey } from '../domain/numbering.ts';
import { computeTotals } from '../domain/totals.ts';
import type { Invoice, InvoiceRecord, LineItem } from '../store/types.ts';
import { nowIso, today, type ServiceContext } from './context.ts';
import { paginate, sortItems, type PageRequest, type SortSpec, type SortValue } from './pagination.ts';

type InvoiceCreate = components['schemas']['InvoiceCreate'];
type InvoiceUpdate = components['schemas']['InvoiceUpdate'];

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

/** The status a client sees: `overdue` derived from the clock. */
export function statusOf(ctx: Pick<ServiceContext, 'clock'>, record: InvoiceRecord): InvoiceStatus {
  return effectiveStatus(record.stored_status, record.due_date, today(ctx));
}

/** The contract shape of a stored invoice. */
export function presentInvoice(ctx: ServiceContext, record: InvoiceRecord): Invoice {
  const customer = ctx.store.getCustomer(ctx.tenant.id, record.customer_id);
  const { stored_status, share_token, published_at, payment_token, line_tax_rates, ...rest } = record;
  void stored_status;
  void payment_token;
  void line_tax_rates;
  return {
    ...rest,
    status: statusOf(ctx, record),
    customer: { id: record.customer_id, name: customer?.name ?? '(deleted customer)', email: customer?.email ?? null },
    share_link: share_token && published_at ? { url: `${ctx.baseUrl}/public/invoices/${share_token}`, published_at } : null,
  } as Invoice;
}

/** A live or trashed invoice of the tenant, or 404. */
export function loadInvoice(ctx: ServiceContext, id: string): InvoiceRecord {
  const record = ctx.store.getInvoice(ctx.tenant.id, id);
  if (!record) throw new Refusal('not_found', `No invoice '${id}'.`);
  return record;
}

export function actionContext(record: InvoiceRecord) {
  return { trashed: record.deleted_at !== null, published: record.share_token !== null, hasPayments: record.payments.length > 0 };
}

// ---------- numbering ----------

function numberTaken(ctx: ServiceContext, number: string) {
  return ctx.store.invoiceIdByNumber(ctx.tenant.id, number) !== undefined;
}

export function previewNextNumber(ctx: ServiceContext): string {
  const pattern = ctx.tenant.invoice_pattern;
  const date = today(ctx);
  return nextFree(pattern, date, ctx.store.sequence(ctx.tenant.id, scopeKey(pattern, date)), (n) => numberTaken(ctx, n)).number;
}

/** Takes the next free number of the tenant's series. Synchronous, so concurrent creates never share one. */
export function allocateNumber(ctx: ServiceContext): string {
  const pattern = ctx.tenant.invoice_pattern;
  const date = today(ctx);
  const scope = scopeKey(pattern, date);
  const next = nextFree(pattern, date, ctx.store.sequence(ctx.tenant.id, scope), (n) => numberTaken(ctx, n));
  ctx.store.setSequence(ctx.tenant.id, scope, next.seq);
  return next.number;
}

function claimExplicitNumber(ctx: ServiceContext, number: string, ownId?: string) {
  const holder = ctx.store.invoiceIdByNumber(ctx.tenant.id, number);
  if (holder !== undefined && holder !== ownId) {
    throw new Refusal('duplicate_number', `Invoice number '${number}' is already used by another invoice of this tenant.`);
  }
}

// ---------- building records ----------

function resolveCustomer(ctx: ServiceContext, customerId: string) {
  const customer = ctx.store.getCustomer(ctx.tenant.id, customerId);
  if (!customer) throw new Refusal('unknown_customer', `No customer '${customerId}' in this tenant.`, { in: 'body', path: 'customer_id', message: 'unknown customer', rule: 'exists' });
  if (!customer.is_active) throw new Refusal('customer_inactive', `Customer '${customerId}' is deactivated; reactivate it to invoice it.`, { in: 'body', path: 'customer_id', message: 'customer is inactive', rule: 'active' });
  return customer;
}

type Editable = Pick<InvoiceRecord, 'customer_id' | 'title' | 'description' | 'currency' | 'issue_date' | 'due_date' | 'payment_terms' | 'payment_method' | 'notes' | 'internal_notes' | 'tax_rate' | 'discount' | 'exclude_from_autopay'> & {
  line_items: InvoiceCreate['line_items'];
};

/** A stored invoice's lines as input again, each with its own rate (so a new invoice default reaches the lines that inherit it). */
export function inputLines(record: InvoiceRecord): InvoiceCreate['line_items'] {
  return record.line_items.map((l, i) => ({
    description: l.description,
    quantity: l.quantity,
    unit: l.unit,
    unit_price: l.unit_price,
    tax_rate: record.line_tax_rates ? (record.line_tax_rates[i] ?? null) : l.tax_rate,
  }));
}

/** Recomputes the amounts of an invoice's editable content with the contract's formula. */
function withTotals(ctx: ServiceContext, content: Editable, previousLines: LineItem[] = []): Pick<InvoiceRecord, 'line_items' | 'line_tax_rates' | 'subtotal' | 'discount_total' | 'tax_total' | 'total'> {
  if (!isKnownCurrency(content.currency)) {
    throw new Refusal('unknown_currency', `'${content.currency}' is not an ISO 4217 currency this server knows.`, { in: 'body', path: 'currency', message: 'unknown currency', rule: 'currency' });
  }
  if (content.due_date < content.issue_date) {
    throw new Refusal('validation_failed', 'due_date is before issue_date.', { in: 'body', path: 'due_date', message: 'must be on or after issue_date', rule: 'dateOrder' });
  }
  const totals = computeTotals({
    currency: content.currency,
    tax_rate: content.tax_rate ?? null,
    discount: content.discount ?? null,
    line_items: content.line_items.map((l) => ({ quantity: l.quantity, unit_price: l.unit_price, tax_rate: l.tax_rate ?? null })),
  });
  const line_items: LineItem[] = content.line_items.map((line, i) => {
    const t = totals.line_items[i]!;
    const previous = previousLines[i];
    const same = previous && previous.description === line.description && previous.quantity === line.quantity && previous.unit_price === line.unit_price && (previous.unit ?? null) === (line.unit ?? null);
    return {
      id: same ? previous.id : ctx.ids('li'),
      description: line.description,
      quantity: line.quantity,
      unit: line.unit ?? null,
      unit_price: line.unit_price,
      tax_rate: t.tax_rate,
      amount: t.amount,
      discount_amount: t.discount_amount,
      tax_amount: t.tax_amount,
      total: t.total,
    };
  });
  return { line_items, line_tax_rates: content.line_items.map((l) => l.tax_rate ?? null), subtotal: totals.subtotal, discount_total: totals.discount_total, tax_total: totals.tax_total, total: totals.total };
}

function contentFromCreate(ctx: ServiceContext, input: InvoiceCreate): Editable {
  const customer = resolveCustomer(ctx, input.customer_id);
  const issue = input.issue_date ?? today(ctx);
  return {
    customer_id: customer.id,
    title: input.title ?? null,
    description: input.description ?? null,
    currency: input.currency ?? customer.currency ?? 'USD',
    issue_date: issue,
    due_date: input.due_date ?? issue,
    payment_terms: input.payment_terms ?? null,
    payment_method: input.payment_method ?? 'online_payment',
    notes: input.notes ?? null,
    internal_notes: input.internal_notes ?? null,
    tax_rate: input.tax_rate ?? null,
    discount: input.discount ?? null,
    exclude_from_autopay: input.exclude_from_autopay ?? false,
    line_items: input.line_items,
  };
}

/** A new draft invoice from already validated content; shared by create and duplicate. */
export function insertDraft(ctx: ServiceContext, content: Editable, explicitNumber?: string): InvoiceRecord {
  const limit = ctx.tenant.max_invoices;
  if (limit !== undefined && ctx.store.countInvoices(ctx.tenant.id) >= limit) {
    throw new Refusal('plan_limit_reached', `The plan of this tenant allows ${limit} invoices; delete some permanently or upgrade.`);
  }
  const amounts = withTotals(ctx, content);
  if (explicitNumber !== undefined) claimExplicitNumber(ctx, explicitNumber);
  const number = explicitNumber ?? allocateNumber(ctx);
  const now = nowIso(ctx);
  const record: InvoiceRecord = {
    id: ctx.ids('inv'),
    number,
    stored_status: 'draft',
    ...content,
    ...amounts,
    amount_paid: 0,
    amount_credited: 0,
    amount_due: amounts.total,
    payments: [],
    credit_notes: [],
    share_token: null,
    published_at: null,
    payment_token: null,
    sent_via_email: false,
    sent_at: null,
    viewed_at: null,
    paid_at: null,
    voided_at: null,
    last_notification_at: null,
    deleted_at: null,
    created_at: now,
    updated_at: now,
  };
  ctx.store.putInvoice(ctx.tenant.id, record);
  return record;
}

export function createInvoice(ctx: ServiceContext, input: InvoiceCreate): InvoiceRecord {
  return insertDraft(ctx, contentFromCreate(ctx, input), input.number);
}

export function updateInvoice(ctx: ServiceContext, id: string, patch: InvoiceUpdate): InvoiceRecord {
  const current = loadInvoice(ctx, id);
  const status = statusOf(ctx, current);
  assertAllowed('update', status, actionContext(current));
  assertEditable(status, Object.keys(patch));
  const content: Editable = { ...current, line_items: inputLines(current) };
  for (const [key, value] of Object.entries(patch)) {
    if (key === 'number') continue;
    (content as Record<string, unknown>)[key] = value ?? defaultFor(key, current);
  }
  if (patch.customer_id !== undefined && patch.customer_id !== current.customer_id) resolveCustomer(ctx, patch.customer_id);
  if (patch.number !== undefined) claimExplicitNumber(ctx, patch.number, current.id);
  const amounts = withTotals(ctx, content, current.line_items);
  const next: InvoiceRecord = { ...current, ...content, ...amounts, number: patch.number ?? current.number, updated_at: nowIso(ctx) } as InvoiceRecord;
  next.amount_due = next.total - next.amount_paid - next.amount_credited;
  ctx.store.putInvoice(ctx.tenant.id, next);
  return next;
}

/** Clearing a field with null returns it to its default. */
function defaultFor(key: string, current: InvoiceRecord): unknown {
  if (key === 'due_date') return current.issue_date;
  if (key === 'payment_method') return 'online_payment';
  if (key === 'exclude_from_autopay') return false;
  return null;
}

export function replaceInvoice(ctx: ServiceContext, id: string, input: InvoiceCreate): InvoiceRecord {
  const current = loadInvoice(ctx, id);
  const status = statusOf(ctx, current);
  assertAllowed('update', status, actionContext(current));
  if (status !== 'draft') throw new Refusal('invoice_not_editable', `Only a draft can be replaced; this invoice is ${status}.`, undefined, { status });
  const content = contentFromCreate(ctx, input);
  if (input.number !== undefined) claimExplicitNumber(ctx, input.number, current.id);
  const amounts = withTotals(ctx, content, current.line_items);
  const next: InvoiceRecord = { ...current, ...content, ...amounts, number: input.number ?? current.number, amount_due: amounts.total - current.amount_paid - current.amount_credited, updated_at: nowIso(ctx) };
  ctx.store.putInvoice(ctx.tenant.id, next);
  return next;
}

export function deleteInvoice(ctx: ServiceContext, id: string, permanent: boolean): void {
  const current = loadInvoice(ctx, id);
  const status = statusOf(ctx, current);
  if (permanent) {
    assertAllowed('permanent_delete', status, actionContext(current));
    ctx.store.removeInvoice(ctx.tenant.id, id);
    return;
  }
  assertAllowed('delete', status, actionContext(current));
  const now = nowIso(ctx);
  ctx.store.putInvoice(ctx.tenant.id, { ...current, deleted_at: now, updated_at: now });
}

export function restoreInvoice(ctx: ServiceContext, id: string): InvoiceRecord {
  const current = loadInvoice(ctx, id);
  assertAllowed('restore', statusOf(ctx, current), actionContext(current));
  const next = { ...current, deleted_at: null, updated_at: nowIso(ctx) };
  ctx.store.putInvoice(ctx.tenant.id, next);
  return next;
}

// ---------- lists ----------

const SORT_KEYS: Record<string, (i: InvoiceRecord) => SortValue[]> = {
  created_at: (i) => [i.created_at, i.id],
  due_date: (i) => [i.due_date, i.id],
  issue_date: (i) => [i.issue_date, i.id],
  total: (i) => [i.total, i.id],
  number: (i) => [i.number, i.id],
  deleted_at: (i) => [i.deleted_at, i.id],
};

const OPEN: StoredStatus[] = ['sent', 'viewed', 'partially_paid'];

/** The smallest candidate set the indexes give for these filters. */
function candidates(ctx: ServiceContext, filters: InvoiceFilters): Iterable<InvoiceRecord> {
  const tenant = ctx.tenant.id;
  if (filters.number !== undefined) {
    const id = ctx.store.invoiceIdByNumber(tenant, filters.number);
    const found = id && ctx.store.getInvoice(tenant, id);
    return found ? [found] : [];
  }
  if (filters.customer_id !== undefined) return ctx.store.invoicesOfCustomer(tenant, filters.customer_id);
  if (filters.status?.length) {
    const stored = new Set<StoredStatus>();
    for (const s of filters.status) for (const x of s === 'overdue' ? OPEN : [s]) stored.add(x);
    return ctx.store.invoicesWithStatus(tenant, stored);
  }
  return ctx.store.invoices(tenant);
}

export function matchInvoices(ctx: ServiceContext, filters: InvoiceFilters, trashed: boolean): InvoiceRecord[] {
  const needle = filters.search?.toLowerCase();
  const statuses = filters.status?.length ? new Set(filters.status) : undefined;
  const createdFrom = filters.created_at_from ? Date.parse(filters.created_at_from) : undefined;
  const createdTo = filters.created_at_to ? Date.parse(filters.created_at_to) : undefined;
  const out: InvoiceRecord[] = [];
  for (const i of candidates(ctx, filters)) {
    if ((i.deleted_at !== null) !== trashed) continue;
    if (statuses && !statuses.has(statusOf(ctx, i))) continue;
    if (filters.customer_id !== undefined && i.customer_id !== filters.customer_id) continue;
    if (filters.currency !== undefined && i.currency !== filters.currency) continue;
    if (filters.issue_date_from && i.issue_date < filters.issue_date_from) continue;
    if (filters.issue_date_to && i.issue_date > filters.issue_date_to) continue;
    if (filters.due_date_from && i.due_date < filters.due_date_from) continue;
    if (filters.due_date_to && i.due_date > filters.due_date_to) continue;
    if (createdFrom !== undefined || createdTo !== undefined) {
      const created = Date.parse(i.created_at);
      if (createdFrom !== undefined && created < createdFrom) continue;
      if (createdTo !== undefined && created > createdTo) continue;
    }
    if (needle) {
      const customer = ctx.store.getCustomer(ctx.tenant.id, i.customer_id);
      const haystack = [i.number, i.title, customer?.name, customer?.email];
      if (!haystack.some((v) => v?.toLowerCase().includes(needle))) continue;
    }
    out.push(i);
  }
  return out;
}

export function sortSpec(sortName: string): SortSpec<InvoiceRecord> {
  return { name: sortName, key: SORT_KEYS[sortName.replace(/^-/, '')]!, descending: sortName.startsWith('-') };
}

// Walking a list page by page repeats the same filter and sort: keep the last few results,
// valid while the tenant's data (store version) and the day (overdue) are unchanged.
const sortedCache = new WeakMap<object, Map<string, { version: number; items: InvoiceRecord[] }>>();
const SORTED_CACHE_SIZE = 16;

/** Matching invoices in the requested order (used by the list and the CSV export). */
export function sortedInvoices(ctx: ServiceContext, filters: InvoiceFilters, trashed: boolean) {
  const sort = sortSpec(filters.sort);
  let cache = sortedCache.get(ctx.store);
  if (!cache) sortedCache.set(ctx.store, (cache = new Map()));
  const key = JSON.stringify([ctx.tenant.id, trashed, filters, sort.name, today(ctx)]);
  const version = ctx.store.version(ctx.tenant.id);
  const hit = cache.get(key);
  if (hit && hit.version === version) return { sort, items: hit.items };
  const items = sortItems(matchInvoices(ctx, filters, trashed), sort);
  cache.delete(key);
  cache.set(key, { version, items });
  if (cache.size > SORTED_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return { sort, items };
}

export function listInvoices(ctx: ServiceContext, query: InvoiceListQuery, trashed = false) {
  const { limit, offset, page, after, before, ...filters } = query;
  const { sort, items } = sortedInvoices(ctx, filters, trashed);
  // No date in the cursor: sort keys do not depend on the day, so a cursor outlives midnight.
  const context = JSON.stringify([trashed ? 'trash' : 'invoices', ctx.tenant.id, filters, sort.name]);
  const result = paginate(items, sort, { limit, offset, page, after, before }, ctx.cursors, context);
  return { data: result.data.map((r) => presentInvoice(ctx, r)), pagination: result.pagination };
}
