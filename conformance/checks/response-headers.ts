import type { Check } from '../types.ts';
import { opId, violationsOf } from './util.ts';

export const responseHeaders: Check = {
  id: 'response_headers',
  severity: 'medium',
  description: 'Headers the contract requires are sent (request id, Location on 201, WWW-Authenticate on 401, Retry-After on 429), and every declared header matches its schema.',
  inline: true,
  run(ctx, exchange) {
    const r = exchange.response;
    if (!r || !exchange.operation || r.status >= 500) return;
    const found = violationsOf(ctx, exchange).filter((x) => x.kind === 'missing_header' || x.kind === 'header_schema');
    if (!found.length) return ctx.pass(opId(exchange));
    for (const v of found) ctx.fail({ exchange, cause: `${r.status} ${v.pointer} ${v.kind}`, message: v.message, expected: v.expected ?? '', got: v.got ?? '' });
  },
};
