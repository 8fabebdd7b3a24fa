import type { components } from '../generated/api-types.ts';
import { Refusal } from '../domain/errors.ts';
import type { CustomerRecord } from '../store/types.ts';
import { nowIso, type ServiceContext } from './context.ts';
import { paginate, sortItems, type PageRequest, type SortSpec } from './pagination.ts';

type CustomerCreate = components['schemas']['CustomerCreate'];
type CustomerUpdate = components['schemas']['CustomerUpdate'];

/** `limit`, `include_inactive` and `sort` are always given: the request validator fills the contract's defaults. */
export type CustomerListQuery = PageRequest & { search?: string; include_inactive: boolean; sort: string };

const SORTS: Record<string, (c: CustomerRecord) => (string | number | null)[]> = {
  name: (c) => [c.name.toLowerCase(), c.id],
  created_at: (c) => [c.created_at, c.id],
};

export function getCustomer(ctx: ServiceContext, id: string): CustomerRecord {
  const customer = ctx.store.getCustomer(ctx.tenant.id, id);
  if (!customer) throw new Refusal('not_found', `No customer '${id}'.`);
  return customer;
}

export function listCustomers(ctx: ServiceContext, query: CustomerListQuery) {
  const needle = query.search?.toLowerCase();
  const matches = [...ctx.store.customers(ctx.tenant.id)].filter(
    (c) =>
      (query.include_inactive || c.is_active) &&
      (!needle || [c.name, c.email, c.tax_id].some((v) => v?.toLowerCase().includes(needle))),
  );
  const sortName = query.sort;
  const field = sortName.replace(/^-/, '');
  const sort: SortSpec<CustomerRecord> = { name: sortName, key: SORTS[field]!, descending: sortName.startsWith('-') };
  const context = JSON.stringify(['customers', ctx.tenant.id, needle ?? '', query.include_inactive, sortName]);
  return paginate(sortItems(matches, sort), sort, query, ctx.cursors, context);
}

export function createCustomer(ctx: ServiceContext, input: CustomerCreate): CustomerRecord {
  const limit = ctx.tenant.max_customers;
  if (limit !== undefined && [...ctx.store.customers(ctx.tenant.id)].length >= limit) {
    throw new Refusal('plan_limit_reached', `The plan of this tenant allows ${limit} customers; delete one permanently or upgrade.`);
  }
  const now = nowIso(ctx);
  const record: CustomerRecord = {
    id: ctx.ids('cus'),
    name: input.name,
    email: input.email ?? null,
    phone: input.phone ?? null,
    address: input.address ? normalizeAddress(input.address) : null,
    tax_id: input.tax_id ?? null,
    notes: input.notes ?? null,
    currency: input.currency ?? null,
    is_active: true,
    created_at: now,
    updated_at: now,
    deleted_at: null,
  };
  ctx.store.putCustomer(ctx.tenant.id, record);
  return record;
}

function normalizeAddress(a: NonNullable<CustomerCreate['address']>): NonNullable<CustomerRecord['address']> {
  return { line1: a.line1, line2: a.line2 ?? null, city: a.city ?? null, region: a.region ?? null, postal_code: a.postal_code ?? null, country: a.country ?? null };
}

export function updateCustomer(ctx: ServiceContext, id: string, patch: CustomerUpdate): CustomerRecord {
  const current = getCustomer(ctx, id);
  const next: CustomerRecord = { ...current, updated_at: nowIso(ctx) };
  for (const [key, value] of Object.entries(patch) as Array<[keyof CustomerUpdate, unknown]>) {
    if (key === 'address') next.address = value ? normalizeAddress(value as NonNullable<CustomerCreate['address']>) : null;
    else if (key === 'is_active') {
      next.is_active = value as boolean;
      next.deleted_at = value ? null : (current.deleted_at ?? next.updated_at);
    } else (next as Record<string, unknown>)[key] = value;
  }
  ctx.store.putCustomer(ctx.tenant.id, next);
  return next;
}

export function deleteCustomer(ctx: ServiceContext, id: string, permanent: boolean): void {
  const current = getCustomer(ctx, id);
  if (permanent) {
    const first = ctx.store.invoicesOfCustomer(ctx.tenant.id, id)[Symbol.iterator]().next();
    if (!first.done) {
      throw new Refusal('customer_has_invoices', `Customer '${id}' has invoices and cannot be deleted permanently; deactivate it instead.`);
    }
    ctx.store.removeCustomer(ctx.tenant.id, id);
    return;
  }
  if (!current.is_active) return; // already deactivated: deleting again changes nothing
  const now = nowIso(ctx);
  ctx.store.putCustomer(ctx.tenant.id, { ...current, is_active: false, deleted_at: now, updated_at: now });
}
