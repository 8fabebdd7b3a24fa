import type { Check } from '../types.ts';
import { generalise, opId, violationsOf } from './util.ts';

export const responseSchema: Check = {
  id: 'response_schema',
  severity: 'high',
  description: 'Every success body validates against its schema in the contract (ajv 2020, strict, with formats).',
  inline: true,
  run(ctx, exchange) {
    const r = exchange.response;
    // Error bodies are problem_details' to judge.
    if (!r || !exchange.operation || r.status >= 400) return;
    const found = violationsOf(ctx, exchange).filter((x) => x.kind === 'body_schema');
    if (!found.length) return ctx.pass(opId(exchange));
    const first = found[0]!;
    ctx.fail({
      exchange,
      cause: `${r.status} ${found.map((v) => `${generalise(v.pointer)} ${v.got ?? ''}`).sort().join(', ')}`,
      message: `The ${r.status} body does not match its schema: ${found.slice(0, 5).map((v) => v.message).join('; ')}${found.length > 5 ? ` (and ${found.length - 5} more)` : ''}`,
      expected: `a body valid against the ${exchange.operation.operationId} ${r.status} schema`,
      got: `${found.length} violation(s), first at ${first.pointer}`,
    });
  },
};
