// One action over several invoices. Each id runs the single-invoice operation on its own: a
// failure is kept as thrown (the HTTP layer reports the status and code that operation would
// have answered), and never stops or undoes the others. The actions each batch endpoint offers
// are the rows of the action table (src/services/actions.ts) that name it.
import type { components } from '../generated/api-types.ts';
import { INVOICE_ACTION_TABLE, type InvoiceActionRow } from './actions.ts';
import type { ServiceContext } from './context.ts';

export type BatchAction = components['schemas']['BatchRequest']['action'];
export type TrashBatchAction = components['schemas']['TrashBatchRequest']['action'];

/** What happened to each id; `failed` holds what the single-invoice operation threw. */
export type BatchOutcome = { action: string; succeeded: string[]; failed: Array<{ id: string; error: unknown }> };

type BatchRow = Extract<InvoiceActionRow, { batch: string }>;

/** The actions a batch endpoint offers, by the name the API gives them. */
export function batchActions(batch: BatchRow['batch']): ReadonlyMap<string, BatchRow> {
  return new Map((INVOICE_ACTION_TABLE as readonly InvoiceActionRow[]).filter((row): row is BatchRow => row.batch === batch).map((row) => [row.name, row]));
}
const BATCHES = { invoices: batchActions('invoices'), trash: batchActions('trash') };

function runEach(ctx: ServiceContext, batch: BatchRow['batch'], action: string, ids: readonly string[]): BatchOutcome {
  const row = BATCHES[batch].get(action);
  // The contract's enum is checked before the handler runs; this is the table disagreeing with it.
  if (!row) throw new Error(`the action table has no '${action}' for the ${batch} batch`);
  const result: BatchOutcome = { action, succeeded: [], failed: [] };
  for (const id of ids) {
    try {
      row.run(ctx, id, { body: {} });
      result.succeeded.push(id);
    } catch (error) {
      result.failed.push({ id, error });
    }
  }
  return result;
}

export function batchInvoices(ctx: ServiceContext, request: { action: BatchAction; ids: readonly string[] }): BatchOutcome {
  return runEach(ctx, 'invoices', request.action, request.ids);
}

export function batchTrashedInvoices(ctx: ServiceContext, request: { action: TrashBatchAction; ids: readonly string[] }): BatchOutcome {
  return runEach(ctx, 'trash', request.action, request.ids);
}
