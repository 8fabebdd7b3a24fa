// Invoice numbers: the tenant's series (allocated synchronously) and explicit numbers.
import { Refusal } from '../../domain/errors.ts';
import { nextFree, scopeKey } from '../../domain/numbering.ts';
import { today, type ServiceContext } from '../context.ts';

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

/** Refuses a number another invoice of the tenant holds. */
export function claimExplicitNumber(ctx: ServiceContext, number: string, ownId?: string) {
  const holder = ctx.store.invoiceIdByNumber(ctx.tenant.id, number);
  if (holder !== undefined && holder !== ownId) {
    throw new Refusal('duplicate_number', `Invoice number '${number}' is already used by another invoice of this tenant.`);
  }
}
