import type { Check } from '../types.ts';
import { opId, violationsOf } from './util.ts';

export const statusDocumented: Check = {
  id: 'status_documented',
  severity: 'high',
  description: 'Every status code answered is one the contract documents for the operation.',
  inline: true,
  run(ctx, exchange) {
    const r = exchange.response;
    // 5xx belong to server_error; requests outside the contract's routes have no documented statuses.
    if (!r || !exchange.operation || r.status >= 500) return;
    const v = violationsOf(ctx, exchange).find((x) => x.kind === 'undocumented_status');
    if (!v) return ctx.pass(opId(exchange));
    ctx.fail({ exchange, cause: `status ${r.status}`, message: `${v.message}`, expected: `one of ${v.expected}`, got: String(r.status) });
  },
};
