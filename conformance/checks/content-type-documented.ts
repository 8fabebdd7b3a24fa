import type { Check } from '../types.ts';
import { opId, violationsOf } from './util.ts';

export const contentTypeDocumented: Check = {
  id: 'content_type_documented',
  severity: 'medium',
  description: "The response's media type is one the contract documents for that status (or no body where none is documented).",
  inline: true,
  run(ctx, exchange) {
    const r = exchange.response;
    if (!r || !exchange.operation || r.status >= 500) return;
    const v = violationsOf(ctx, exchange).find((x) => x.kind === 'undocumented_content_type' || x.kind === 'unexpected_body');
    if (!v) return ctx.pass(opId(exchange));
    ctx.fail({ exchange, cause: `${r.status} ${v.got ?? 'body'}`, message: v.message, expected: v.expected ?? 'no body', got: v.got ?? 'a body' });
  },
};
