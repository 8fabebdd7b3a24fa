// Building an invoice record's content from input: customer, defaults, lines and totals.
import type { components } from '../../generated/api-types.ts';
import { Refusal } from '../../domain/errors.ts';
import { isKnownCurrency } from '../../domain/currency.ts';
import { computeTotals } from '../../domain/totals.ts';
import type { InvoiceRecord, LineItem } from '../../store/types.ts';
import { today, type ServiceContext } from '../context.ts';

export type InvoiceCreate = components['schemas']['InvoiceCreate'];
export type InvoiceUpdate = components['schemas']['InvoiceUpdate'];

export function resolveCustomer(ctx: ServiceContext, customerId: string) {
  const customer = ctx.store.getCustomer(ctx.tenant.id, customerId);
  if (!customer) throw new Refusal('unknown_customer', `No customer '${customerId}' in this tenant.`, { in: 'body', path: 'customer_id', message: 'unknown customer', rule: 'exists' });
  if (!customer.is_active) throw new Refusal('customer_inactive', `Customer '${customerId}' is deactivated; reactivate it to invoice it.`, { in: 'body', path: 'customer_id', message: 'customer is inactive', rule: 'active' });
  return customer;
}

export type Editable = Pick<InvoiceRecord, 'customer_id' | 'title' | 'description' | 'currency' | 'issue_date' | 'due_date' | 'payment_terms' | 'payment_method' | 'notes' | 'internal_notes' | 'tax_rate' | 'discount' | 'exclude_from_autopay'> & {
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
export function withTotals(ctx: ServiceContext, content: Editable, previousLines: LineItem[] = []): Pick<InvoiceRecord, 'line_items' | 'line_tax_rates' | 'subtotal' | 'discount_total' | 'tax_total' | 'total'> {
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

export function contentFromCreate(ctx: ServiceContext, input: InvoiceCreate): Editable {
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

/** Clearing a field with null returns it to its default. */
export function defaultFor(key: string, current: InvoiceRecord): unknown {
  if (key === 'due_date') return current.issue_date;
  if (key === 'payment_method') return 'online_payment';
  if (key === 'exclude_from_autopay') return false;
  return null;
}
