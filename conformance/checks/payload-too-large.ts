import { resolveRef } from '../../src/contract/load.ts';
import type { ExchangeCheck } from '../types.ts';
import { requestMediaTypes } from './unsupported-media-type.ts';
import { acceptedCaseOperation, statusText } from './util.ts';

const UNITS: Record<string, number> = { b: 1, bytes: 1, kb: 1000, kib: 1024, mb: 1000 ** 2, mib: 1024 ** 2 };

/** The body limit the 413's description states ("larger than 1 MiB"); undefined when it states none. */
export function documentedBodyLimit(description: unknown): number | undefined {
  const m = /(\d+(?:\.\d+)?)\s*(bytes|b|kib|kb|mib|mb)\b/i.exec(String(description ?? ''));
  return m ? Math.round(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!) : undefined;
}

export const payloadTooLarge: ExchangeCheck = {
  id: 'payload_too_large',
  severity: 'medium',
  description: 'A body over the limit the contract states (the 413 response: "larger than 1 MiB") is refused with 413, not read whole, not answered 5xx.',
  inline: false,
  requires: ['writes'],
  async run(ctx, exchange) {
    const op = acceptedCaseOperation(exchange);
    if (!op) return;
    const documented = op.operation.responses?.['413'];
    const types = requestMediaTypes(ctx, op.operation);
    const form = !types.includes('application/json') && types.includes('application/x-www-form-urlencoded');
    if (!documented || (!types.includes('application/json') && !form) || !ctx.once(`payload_too_large ${op.operationId}`)) return;
    const limit = documentedBodyLimit(resolveRef<{ description?: string }>(ctx.contract.doc, documented)?.description);
    if (!limit) return void ctx.skip(op.operationId, 'the 413 response does not state the body limit');
    // A well-formed body just over the limit (one long field), so only its size is wrong.
    const padding = 'x'.repeat(limit + 1024);
    const raw = form ? { contentType: 'application/x-www-form-urlencoded', text: `padding=${padding}` } : { contentType: 'application/json', text: `{"padding":"${padding}"}` };
    const probe = await ctx.send({ origin: 'probe', operationId: op.operationId, label: `payload_too_large: a ${raw.text.length}-byte body`, request: { ...exchange.case.request, json: undefined, raw } });
    if (!probe.response) return;
    if (probe.response.status !== 413) {
      ctx.fail({ exchange: probe, cause: `over the limit → ${probe.response.status}`, message: `A body larger than the documented limit (${limit} bytes) must be refused with 413`, expected: '413', got: statusText(probe.response) });
    } else ctx.pass(op.operationId);
  },
};
