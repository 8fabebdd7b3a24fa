import type { Check, Exchange } from '../types.ts';
import { fillPath, shapeOf } from '../generation/cases.ts';
import { findInList, listOperationOf } from './lists.ts';
import { statusText } from './util.ts';

export const deletedResourceGone: Check = {
  id: 'deleted_resource_gone',
  severity: 'high',
  description: 'A deleted resource is gone: 404 or 410 on read, absent from its list, and refused by every action (a deletion to the trash: absent from the list and refused by every action).',
  inline: false,
  requires: ['writes'],
  async run(ctx, exchange) {
    const op = exchange.operation;
    const r = exchange.response;
    if (!op || !r || op.method !== 'delete' || r.status >= 300 || exchange.case.origin === 'probe') return;
    const hasPermanent = op.parameters.some((p) => p.in === 'query' && p.name === 'permanent');
    const permanent = !hasPermanent || String(exchange.case.request.query?.permanent) === 'true';
    if (!ctx.once(`deleted_resource_gone ${op.operationId} ${permanent}`)) return;
    const itemPath = exchange.case.request.path;
    const failures: Array<{ probe: Exchange; cause: string; message: string; expected: string }> = [];
    let judged = 0;

    const read = ctx.contract.routes.match('GET', itemPath);
    if (permanent && read.kind === 'operation') {
      const got = await ctx.send({ origin: 'probe', operationId: read.entry.operationId, label: `deleted_resource_gone: read ${itemPath}`, request: { method: 'GET', path: itemPath } });
      judged++;
      if (got.response && got.response.status !== 404 && got.response.status !== 410) failures.push({ probe: got, cause: `read after delete → ${got.response.status}`, message: `A deleted resource must be gone: GET ${op.path} after DELETE`, expected: '404 or 410' });
    }

    const collection = itemPath.slice(0, itemPath.lastIndexOf('/'));
    const list = listOperationOf(ctx, op.path.slice(0, op.path.lastIndexOf('/')));
    const id = decodeURIComponent(itemPath.slice(itemPath.lastIndexOf('/') + 1));
    if (list) {
      const customer = exchange.case.context?.customer_id;
      const seen = await findInList(ctx, list.operationId, collection, id, customer && list.parameters.some((p) => p.name === 'customer_id') ? { customer_id: customer } : {});
      judged++;
      if (seen.found && seen.exchange) failures.push({ probe: seen.exchange, cause: 'still listed', message: `A deleted resource must not appear in its list (${collection})`, expected: `no item with id ${id}` });
    }

    // Every other operation on the same item (its actions and sub-resources) must refuse it.
    const params = { ...Object.fromEntries(Object.entries(exchange.case.context ?? {})), ...pathParamsOf(op.path, itemPath) };
    // Trashed, a resource may still be read and restored: only its other writes must be refused.
    const actions = ctx.contract.operations.filter((o) => o.path.startsWith(op.path + '/') && o.method !== 'delete' && (permanent || (o.method !== 'get' && !o.path.endsWith('/restore'))));
    for (const action of actions) {
      if (!ctx.once(`deleted_resource_gone action ${op.operationId} ${permanent} ${action.operationId}`)) continue;
      const shape = shapeOf(ctx.contract, action);
      const body = shape.mediaType === 'application/json' ? (shape.examples[0] ?? {}) : undefined;
      const got = await ctx.send({ origin: 'probe', operationId: action.operationId, label: `deleted_resource_gone: ${action.operationId} on a deleted resource`, request: { method: action.method.toUpperCase(), path: fillPath(action.path, params), ...(body !== undefined ? { json: body } : {}) } });
      judged++;
      const s = got.response?.status;
      if (s !== undefined && (s < 400 || (permanent && s !== 404 && s !== 410 && s !== 400 && s < 500))) {
        failures.push({ probe: got, cause: `${action.operationId} → ${s}`, message: `Every action on a deleted resource must be refused (${action.operationId} after ${op.operationId}${permanent ? ', permanent' : ', to the trash'})`, expected: permanent ? '404 or 410' : 'a 4xx refusal' });
      }
    }
    for (const f of failures) ctx.fail({ exchange: f.probe, operationId: op.operationId, cause: f.cause, message: f.message, expected: f.expected, got: f.probe.response ? statusText(f.probe.response) : '(no answer)' });
    if (!failures.length && judged) ctx.pass(op.operationId);
  },
};

function pathParamsOf(template: string, path: string): Record<string, string> {
  const names = template.split('/');
  const values = path.split('/');
  const out: Record<string, string> = {};
  names.forEach((segment, i) => {
    const m = /^\{(.+)\}$/.exec(segment);
    if (m && values[i] !== undefined) out[m[1]!] = decodeURIComponent(values[i]!);
  });
  return out;
}
