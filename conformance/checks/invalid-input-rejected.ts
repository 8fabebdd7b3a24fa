import type { Check } from '../types.ts';
import { opId, statusText } from './util.ts';

export const invalidInputRejected: Check = {
  id: 'invalid_input_rejected',
  severity: 'high',
  description: 'A request that breaks one constraint of the contract is refused with a 4xx (not accepted, and not blamed on the credentials).',
  inline: true,
  run(ctx, exchange) {
    const r = exchange.response;
    const m = exchange.case.mutation;
    if (!r || exchange.case.origin !== 'invalid' || !m || r.status >= 500) return;
    if (r.status >= 400 && r.status !== 401 && r.status !== 403 && r.status !== 429) return ctx.pass(opId(exchange));
    const accepted = r.status < 400;
    ctx.fail({
      exchange,
      cause: `${m.pointer} ${m.constraint} → ${accepted ? 'accepted' : r.status}`,
      message: accepted ? `Invalid input was accepted: ${m.description}` : `Invalid input was refused as if the credentials were wrong: ${m.description}`,
      expected: 'a documented 4xx such as 400 validation_failed',
      got: statusText(r),
    });
  },
};
