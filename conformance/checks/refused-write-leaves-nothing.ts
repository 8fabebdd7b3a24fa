import type { Check } from '../types.ts';
import { listOperationOf } from './lists.ts';

export const refusedWriteLeavesNothing: Check = {
  id: 'refused_write_leaves_nothing',
  severity: 'high',
  description: 'A create refused as invalid leaves nothing behind: nothing new appears in the list it would have joined.',
  inline: false,
  requires: ['writes'],
  async run(ctx, exchange) {
    const op = exchange.operation;
    const r = exchange.response;
    const m = exchange.case.mutation;
    if (!op || !r || !m || op.method !== 'post' || exchange.case.origin !== 'invalid' || r.status < 400 || r.status >= 500) return;
    const list = listOperationOf(ctx, op.path);
    if (!list || !ctx.once(`refused_write_leaves_nothing ${op.operationId} ${m.constraint} ${m.pointer.split('/')[2] ?? ''}`)) return;
    // Look where only this case could have written: the fresh parent, or the fresh customer, or the marker name.
    const query: Record<string, string> = {};
    const context = exchange.case.context ?? {};
    if (op.path.includes('{')) {
      // A sub-collection of a resource prepared for this case alone: it must still be empty.
    } else if (context.customer_id && list.parameters.some((p) => p.name === 'customer_id')) query.customer_id = context.customer_id;
    else if (context.marker && list.parameters.some((p) => p.name === 'search') && !m.pointer.startsWith('/body/name')) query.search = context.marker;
    else return;
    const probe = await ctx.send({ origin: 'probe', operationId: list.operationId, label: `refused_write_leaves_nothing: list after a refused ${op.operationId}`, request: { method: 'GET', path: exchange.case.request.path, query: { ...query, limit: '100' } } });
    const body = probe.response?.body as { data?: unknown[] } | undefined;
    if (!probe.response || probe.response.status !== 200 || !Array.isArray(body?.data)) return;
    if (body.data.length === 0) return ctx.pass(op.operationId);
    ctx.fail({ exchange: probe, operationId: op.operationId, cause: `${m.constraint} refusal left ${op.path} items`, message: `A refused ${op.operationId} (${r.status}, ${m.description}) must create nothing, but the list shows new items`, expected: 'an empty list', got: `${body.data.length} item(s)` });
  },
};
