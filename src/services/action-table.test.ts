// The action table (src/services/actions.ts) against the contract: each row's operation performs
// its lifecycle action, its name is the one the API writes, and the batch endpoints offer exactly
// the rows that name them.
import { describe, expect, it } from 'vitest';
import { findAction, lifecycleOracle } from '../contract/lifecycle.ts';
import { listOperations, loadContract } from '../contract/load.ts';
import { INVOICE_ACTION_TABLE } from './actions.ts';

const contract = loadContract();
const oracle = lifecycleOracle(contract);
const enumOf = (schema: string) => (contract.components.schemas[schema] as any).properties.action.enum as string[];

describe('the action table agrees with the contract', () => {
  it.each(INVOICE_ACTION_TABLE.map((r) => [r.action, r] as const))('%s: its operation performs it, and its name is the API’s', (action, row) => {
    const op = listOperations(contract).find((o) => o.operationId === row.operationId);
    expect(op, row.operationId).toBeDefined();
    expect(findAction(oracle.lifecycle, action).operations).toContain(row.operationId);
    // `/invoices/{invoice_id}/<name>` when the operation has a path of its own.
    const segment = /^\/api\/v1\/invoices\/\{invoice_id\}\/([^/]+)$/.exec(op!.path)?.[1];
    if (segment !== undefined) expect(segment).toBe(row.name);
    else expect(op!.path).toBe('/api/v1/invoices/{invoice_id}');
  });

  it('the batch endpoints offer exactly the rows that name them, by the contract’s names', () => {
    const named = (batch: string) => INVOICE_ACTION_TABLE.filter((r) => 'batch' in r && r.batch === batch).map((r) => r.name).sort();
    expect(named('invoices')).toEqual([...enumOf('BatchRequest')].sort());
    expect(named('trash')).toEqual([...enumOf('TrashBatchRequest')].sort());
  });

  it('an operation that performs several actions tells them apart by the lifecycle query, one of them without', () => {
    const byOperation = new Map<string, Array<(typeof INVOICE_ACTION_TABLE)[number]>>();
    for (const row of INVOICE_ACTION_TABLE) byOperation.set(row.operationId, [...(byOperation.get(row.operationId) ?? []), row]);
    expect(byOperation.get('deleteInvoice')?.map((r) => r.action)).toEqual(['delete', 'permanent_delete']);
    for (const [operationId, rows] of byOperation) {
      const queries = rows.map((r) => JSON.stringify(findAction(oracle.lifecycle, r.action).query ?? null));
      expect(queries.filter((q) => q === 'null'), operationId).toHaveLength(1);
      expect(new Set(queries).size, operationId).toBe(rows.length);
    }
  });
});
