// One action over several invoices. Each id runs the single-invoice operation on its own: a
// failure is kept as thrown (the HTTP layer reports the status and code that operation would
// have answered), and never stops or undoes the others.
import type { components } from '../generated/api-types.ts';
import { markPaid, markSent, voidInvoice } from './actions.ts';
import type { ServiceContext } from './context.ts';
import { deleteInvoice, restoreInvoice } from './invoices.ts';

export type BatchAction = components['schemas']['BatchRequest']['action'];
export type TrashBatchAction = components['schemas']['TrashBatchRequest']['action'];
/** What happened to each id; `failed` holds what the single-invoice operation threw. */
export type BatchOutcome = { action: string; succeeded: string[]; failed: Array<{ id: string; error: unknown }> };

const INVOICE_ACTIONS: Record<BatchAction, (ctx: ServiceContext, id: string) => void> = {
  delete: (ctx, id) => deleteInvoice(ctx, id, false),
  'mark-sent': (ctx, id) => void markSent(ctx, id),
  'mark-paid': (ctx, id) => void markPaid(ctx, id),
  void: (ctx, id) => void voidInvoice(ctx, id),
};

const TRASH_ACTIONS: Record<TrashBatchAction, (ctx: ServiceContext, id: string) => void> = {
  restore: (ctx, id) => void restoreInvoice(ctx, id),
  'permanent-delete': (ctx, id) => deleteInvoice(ctx, id, true),
};

function runEach(ctx: ServiceContext, action: string, ids: readonly string[], run: (ctx: ServiceContext, id: string) => void): BatchOutcome {
  const result: BatchOutcome = { action, succeeded: [], failed: [] };
  for (const id of ids) {
    try {
      run(ctx, id);
      result.succeeded.push(id);
    } catch (error) {
      result.failed.push({ id, error });
    }
  }
  return result;
}

export function batchInvoices(ctx: ServiceContext, request: { action: BatchAction; ids: readonly string[] }): BatchOutcome {
  return runEach(ctx, request.action, request.ids, INVOICE_ACTIONS[request.action]);
}

export function batchTrashedInvoices(ctx: ServiceContext, request: { action: TrashBatchAction; ids: readonly string[] }): BatchOutcome {
  return runEach(ctx, request.action, request.ids, TRASH_ACTIONS[request.action]);
}
