import type { Check } from '../types.ts';
import { opId } from './util.ts';

export const serverError: Check = {
  id: 'server_error',
  severity: 'critical',
  description: 'No request, valid or not, gets a server error (5xx).',
  inline: true,
  run(ctx, exchange) {
    const r = exchange.response;
    if (!r) return;
    if (r.status < 500) return ctx.pass(opId(exchange));
    ctx.fail({ exchange, cause: `status ${r.status}`, message: `The server answered ${r.status}: a server error on a ${exchange.case.origin} request`, expected: 'a status below 500', got: String(r.status) });
  },
};
