import type { ExchangeCheck } from '../types.ts';
import { acceptedCaseOperation, statusText } from './util.ts';

/** A made-up value for a path parameter that keeps its documented prefix and pattern (`inv_…`), so only its existence is wrong. */
export function unknownValueFor(real: string): string {
  const prefix = /^[a-z]+_/.exec(real)?.[0] ?? '';
  const rest = real.slice(prefix.length);
  // Same length and alphabet as the real one, so a pattern or length rule cannot refuse it first.
  const filler = rest.replace(/[A-Za-z]/g, 'z').replace(/[0-9]/g, '9');
  return prefix + (filler === rest ? `${filler.slice(0, -1)}${rest.endsWith('z') ? 'y' : 'z'}` : filler);
}

export const unknownId: ExchangeCheck = {
  id: 'unknown_id',
  severity: 'medium',
  description: 'An id (or public token) that does not exist gets 404 (410 where the contract documents it for expired links) as problem+json on every operation that takes one.',
  inline: false,
  async run(ctx, exchange) {
    const op = acceptedCaseOperation(exchange);
    if (!op) return;
    const pathParams = op.parameters.filter((p) => p.in === 'path').map((p) => p.name);
    if (!pathParams.length || !op.operation.responses?.['404'] || !ctx.once(`unknown_id ${op.operationId}`)) return;
    if (ctx.options.readOnly && op.method !== 'get') return;
    // The innermost parameter is the one the operation is about (the payment of /invoices/{id}/payments/{payment_id}).
    const name = pathParams[pathParams.length - 1]!;
    const segments = op.path.split('/');
    const index = segments.indexOf(`{${name}}`);
    const sent = exchange.case.request.path.split('/');
    const apiOffset = sent.length - segments.length;
    const real = decodeURIComponent(sent[index + apiOffset] ?? '');
    if (!real) return;
    sent[index + apiOffset] = encodeURIComponent(unknownValueFor(real));
    const probe = await ctx.send({ origin: 'probe', operationId: op.operationId, label: `unknown_id: ${name} that does not exist`, request: { ...exchange.case.request, path: sent.join('/') } });
    const got = probe.response;
    if (!got) return;
    const allowed = op.operation.responses?.['410'] ? [404, 410] : [404];
    if (!allowed.includes(got.status)) {
      ctx.fail({ exchange: probe, cause: `unknown ${name} → ${got.status}`, message: `An unknown ${name} must be answered ${allowed.join(' or ')} (contract: "no such resource for this tenant" is a 404)`, expected: allowed.join(' or '), got: statusText(got) });
    } else ctx.pass(op.operationId);
  },
};
