import { HTTP_METHODS } from '../../src/contract/load.ts';
import type { Check } from '../types.ts';
import { statusText } from './util.ts';

const PROBED = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

export const methodNotAllowed: Check = {
  id: 'method_not_allowed',
  severity: 'low',
  description: 'A method the path does not support gets 405 with an Allow header listing the methods it does, on literal and templated paths alike.',
  inline: false,
  requires: ['writes'],
  async run(ctx, exchange) {
    const op = exchange.operation;
    const r = exchange.response;
    // A path with real ids in it, from a request the server accepted.
    if (!op || !r || r.status >= 300 || exchange.case.origin === 'probe' || !ctx.once(`method_not_allowed ${op.path}`)) return;
    const item = ctx.contract.doc.paths[op.path] ?? {};
    const documented = HTTP_METHODS.filter((m) => item[m]).map((m) => m.toUpperCase());
    for (const method of PROBED.filter((m) => !documented.includes(m))) {
      const probe = await ctx.send({ origin: 'probe', operationId: op.operationId, label: `method_not_allowed: ${method} ${op.path}`, request: { method, path: exchange.case.request.path, ...(method === 'GET' || method === 'DELETE' ? {} : { json: {} }) } });
      const got = probe.response;
      if (!got) continue;
      const allow = new Set((got.headers.allow ?? '').split(',').map((m) => m.trim().toUpperCase()).filter(Boolean));
      allow.delete('HEAD');
      allow.delete('OPTIONS');
      const expectedAllow = [...documented].sort().join(', ');
      if (got.status !== 405) {
        ctx.fail({ exchange: probe, cause: `${method} on ${op.path} → ${got.status}`, message: `${method} is not an operation of ${op.path}: it must be refused with 405`, expected: `405 with Allow: ${expectedAllow}`, got: statusText(got) });
      } else if ([...allow].sort().join(', ') !== expectedAllow) {
        ctx.fail({ exchange: probe, cause: `${op.path} Allow`, message: `The 405's Allow header must list the methods ${op.path} supports`, expected: expectedAllow, got: got.headers.allow ?? '(absent)' });
      } else ctx.pass(op.operationId);
    }
  },
};
