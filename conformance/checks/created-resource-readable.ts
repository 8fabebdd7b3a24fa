import type { Check } from '../types.ts';
import { differences, findInList, listOperationOf } from './lists.ts';
import { statusText } from './util.ts';

export const createdResourceReadable: Check = {
  id: 'created_resource_readable',
  severity: 'high',
  description: 'A created resource (201) is readable at once, equals the create answer, and appears in its list.',
  inline: false,
  requires: ['writes'],
  async run(ctx, exchange) {
    const op = exchange.operation;
    const r = exchange.response;
    const created = r?.body as { id?: unknown } | undefined;
    if (!op || !r || r.status !== 201 || exchange.case.origin === 'probe' || typeof created?.id !== 'string') return;
    if (!ctx.once(`created_resource_readable ${op.operationId} ${exchange.case.origin}`)) return;
    const id = created.id;
    // Where to read it: the Location the server gave, else the collection's item path.
    const collection = exchange.case.request.path;
    const location = r.headers.location ? new URL(r.headers.location, 'http://server.invalid').pathname : undefined;
    const root = new URL(ctx.options.root).pathname.replace(/\/$/, '');
    const itemPath = location ? location.slice(location.startsWith(root) ? root.length : 0) : `${collection}/${encodeURIComponent(id)}`;
    const read = ctx.contract.routes.match('GET', itemPath);
    if (read.kind === 'operation') {
      const got = await ctx.send({ origin: 'probe', operationId: read.entry.operationId, label: `created_resource_readable: read ${id}`, request: { method: 'GET', path: itemPath } });
      if (!got.response) return;
      if (got.response.status >= 300) {
        return ctx.fail({ exchange: got, operationId: op.operationId, cause: `read after create → ${got.response.status}`, message: `A created resource must be readable at once (${itemPath})`, expected: 'a 2xx with the resource', got: statusText(got.response) });
      }
      const diff = differences(created, got.response.body);
      if (diff.length) {
        return ctx.fail({ exchange: got, operationId: op.operationId, cause: `read differs at ${diff.map((d) => d.split(':')[0]).join(',')}`, message: 'The resource read back must equal the create answer', expected: 'the body of the 201', got: diff.join('; ') });
      }
    }
    const list = listOperationOf(ctx, op.path);
    if (list) {
      const query: Record<string, string> = op.operationId === 'createInvoice' && typeof (created as any).customer_id === 'string' ? { customer_id: (created as any).customer_id } : {};
      const seen = await findInList(ctx, list.operationId, collection, id, query);
      if (!seen.found && seen.complete && seen.exchange) {
        return ctx.fail({ exchange: seen.exchange, operationId: op.operationId, cause: 'missing from its list', message: `A created resource must appear in its list (${collection})`, expected: `an item with id ${id}`, got: 'not in any page of the list' });
      }
    }
    ctx.pass(op.operationId);
  },
};
