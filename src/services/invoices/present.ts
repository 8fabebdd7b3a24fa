// How a stored invoice looks to a client, and the small reads every invoice service starts from.
import { Refusal } from '../../domain/errors.ts';
import { effectiveStatus, invoiceAmountDue, type InvoiceStatus } from '../../domain/lifecycle.ts';
import type { CustomerRecord, Invoice, InvoiceRecord, Store } from '../../store/types.ts';
import { epochMs, type Clock } from '../../deps.ts';
import { today, type ServiceContext } from '../context.ts';

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
    // Derived, not read from the record: data sets written before void owed nothing show it right too.
    amount_due: invoiceAmountDue(record),
    customer: { id: record.customer_id, name: customer?.name ?? '(deleted customer)', email: customer?.email ?? null },
    share_link: share_token && published_at ? { url: `${ctx.baseUrl}/public/invoices/${share_token}`, published_at } : null,
  } as Invoice;
}

/**
 * presentInvoice as JSON text, kept per stored record: a record is replaced, never changed in
 * place, when it is written, so the same record object with the same customer object (name and
 * email), base URL and derived status presents the same JSON. Anything else is presented again.
 */
type PresentedJson = {
  record: InvoiceRecord;
  customer: CustomerRecord | undefined;
  name: string | undefined;
  email: string | null | undefined;
  /** The base URL of the share link, when the invoice has one (nothing else depends on it). */
  baseUrl: string | undefined;
  status: InvoiceStatus;
  /** Whether the clock can change the status (it may turn overdue); when not, the clock is not read. */
  clockMatters: boolean;
  json: string;
};

/** A day after every due date: the status an invoice would have once the clock passes its due date. */
const END_OF_TIME = '9999-12-31';

const DAY_MS = 86_400_000;
/** The last UTC day todayOf() spelled, and the instants it spans. */
let day = { from: 0, to: 0, text: '' };

/** today(ctx) as the clock says it, spelled once per UTC day rather than once per call. */
function todayOf(clock: Clock): string {
  const ms = epochMs(clock);
  if (ms >= day.from && ms < day.to) return day.text;
  const from = Math.floor(ms / DAY_MS) * DAY_MS;
  day = { from, to: from + DAY_MS, text: new Date(ms).toISOString().slice(0, 10) };
  return day.text;
}

/** Invoices kept presented per store; the oldest are dropped first beyond this (a bound on memory, not a correctness limit). */
export const PRESENTED_JSON_LIMIT = 2048;
const presentedJson = new WeakMap<Store, Map<string, PresentedJson>>();

export function presentInvoiceJson(ctx: ServiceContext, record: InvoiceRecord): string {
  let cache = presentedJson.get(ctx.store);
  if (!cache) presentedJson.set(ctx.store, (cache = new Map()));
  const key = `${ctx.tenant.id}\u0000${record.id}`;
  const customer = ctx.store.getCustomer(ctx.tenant.id, record.customer_id);
  const hit = cache.get(key);
  if (
    hit !== undefined &&
    hit.record === record &&
    hit.customer === customer &&
    hit.name === customer?.name &&
    hit.email === customer?.email &&
    (hit.baseUrl === undefined || hit.baseUrl === ctx.baseUrl) &&
    (!hit.clockMatters || hit.status === effectiveStatus(record.stored_status, record.due_date, todayOf(ctx.clock)))
  ) {
    return hit.json;
  }
  const status = statusOf(ctx, record);
  const json = JSON.stringify(presentInvoice(ctx, record));
  const clockMatters = effectiveStatus(record.stored_status, record.due_date, END_OF_TIME) !== record.stored_status;
  if (hit === undefined && cache.size >= PRESENTED_JSON_LIMIT) cache.delete(cache.keys().next().value!);
  const baseUrl = record.share_token && record.published_at ? ctx.baseUrl : undefined;
  cache.set(key, { record, customer, name: customer?.name, email: customer?.email, baseUrl, status, clockMatters, json });
  return json;
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
