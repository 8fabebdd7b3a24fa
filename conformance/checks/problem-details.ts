import type { ValidateFunction } from 'ajv/dist/2020.js';
import { componentValidator } from '../../src/contract/ajv.ts';
import type { Check } from '../types.ts';
import { opId } from './util.ts';

const validators = new WeakMap<object, ValidateFunction | null>();

export const problemDetails: Check = {
  id: 'problem_details',
  severity: 'medium',
  description: "Every error (4xx) is application/problem+json, valid against the Problem schema, with a code the contract lists and the answer's own status.",
  inline: true,
  run(ctx, exchange) {
    const r = exchange.response;
    if (!r || r.status < 400 || r.status >= 500) return;
    const op = opId(exchange);
    const type = r.contentType?.split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/problem+json') {
      return ctx.fail({ exchange, cause: `${r.status} media type ${type ?? 'none'}`, message: `A ${r.status} error must be application/problem+json (RFC 9457)`, expected: 'application/problem+json', got: type ?? '(no content type)' });
    }
    let validate = validators.get(ctx.contract);
    if (validate === undefined) {
      try {
        validate = componentValidator(ctx.contract.ajv, 'Problem');
      } catch {
        validate = null;
      }
      validators.set(ctx.contract, validate);
    }
    const body = r.body as Record<string, unknown>;
    if (!body || typeof body !== 'object') {
      return ctx.fail({ exchange, cause: `${r.status} not JSON`, message: `The ${r.status} problem body is not a JSON object`, expected: 'a Problem object', got: r.text.slice(0, 80) || '(empty body)' });
    }
    const code = typeof body.code === 'string' ? body.code : undefined;
    if (code !== undefined && ctx.contract.problemCodes.size && !ctx.contract.problemCodes.has(code)) {
      return ctx.fail({ exchange, cause: `unlisted code ${code}`, message: `The problem code '${code}' is not one the contract lists`, expected: `one of ${[...ctx.contract.problemCodes].join(', ')}`, got: code });
    }
    if (validate && !validate(body)) {
      const errors = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
      return ctx.fail({ exchange, cause: `${r.status} invalid problem ${errors.sort().join(', ')}`, message: `The ${r.status} problem does not match the Problem schema: ${errors.join('; ')}`, expected: 'a body valid against Problem', got: errors.join('; ') });
    }
    if (body.status !== undefined && body.status !== r.status) {
      return ctx.fail({ exchange, cause: `status member ${String(body.status)} on ${r.status}`, message: "The problem's status member must equal the HTTP status", expected: String(r.status), got: String(body.status) });
    }
    ctx.pass(op);
  },
};
