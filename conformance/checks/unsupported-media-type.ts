import { resolveRef } from '../../src/contract/load.ts';
import type { CheckContext, ExchangeCheck } from '../types.ts';
import { acceptedCaseOperation, statusText } from './util.ts';

/** The media types an operation's request body takes, from the contract. */
export function requestMediaTypes(ctx: CheckContext, operation: { requestBody?: unknown }): string[] {
  const body = operation.requestBody ? (resolveRef(ctx.contract.doc, operation.requestBody) as { content?: Record<string, unknown> }) : undefined;
  return Object.keys(body?.content ?? {});
}

export const unsupportedMediaType: ExchangeCheck = {
  id: 'unsupported_media_type',
  severity: 'medium',
  description: 'A body in a media type the operation does not take (text/plain) is refused with 415, before anything else is done with it.',
  inline: false,
  requires: ['writes'],
  async run(ctx, exchange) {
    const op = acceptedCaseOperation(exchange);
    if (!op) return;
    const types = requestMediaTypes(ctx, op.operation);
    if (!types.length || types.includes('text/plain') || !op.operation.responses?.['415'] || !ctx.once(`unsupported_media_type ${op.operationId}`)) return;
    const sent = exchange.case.request;
    const text = sent.json !== undefined ? JSON.stringify(sent.json) : (sent.raw?.text ?? '{}');
    const probe = await ctx.send({ origin: 'probe', operationId: op.operationId, label: 'unsupported_media_type: the same body as text/plain', request: { ...sent, json: undefined, raw: { contentType: 'text/plain', text } } });
    if (!probe.response) return;
    if (probe.response.status !== 415) {
      ctx.fail({ exchange: probe, cause: `text/plain → ${probe.response.status}`, message: `A body that is not ${types.join(' or ')} must be refused with 415 (contract: ${op.operationId} documents 415)`, expected: '415', got: statusText(probe.response) });
    } else ctx.pass(op.operationId);
  },
};
