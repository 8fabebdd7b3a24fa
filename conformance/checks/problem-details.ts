import type { ValidateFunction } from 'ajv/dist/2020.js';
import { componentValidator } from '../../src/contract/ajv.ts';
import type { Check, CheckContext, Exchange } from '../types.ts';
import { generalise, opId, violationsOf } from './util.ts';

const PROBLEM_JSON = 'application/problem+json';

/**
 * The media types the contract documents for this error when they are not problem+json (the
 * OAuth token endpoint documents RFC 6749 application/json errors); undefined when the error is
 * to be problem+json (documented so, or not documented at all).
 */
function documentedOtherFormat(ctx: CheckContext, exchange: Exchange): string[] | undefined {
  if (!exchange.operation || !exchange.response) return undefined;
  const spec = ctx.contract.validator.responseSpec(exchange.operation, exchange.response.status);
  const types = Object.keys((spec?.content ?? {}) as Record<string, unknown>);
  return types.length && !types.includes(PROBLEM_JSON) ? types : undefined;
}

/** An error in the format its operation documents instead of problem+json: the documented media type, and a body valid against its schema. */
function judgeDocumentedFormat(ctx: CheckContext, exchange: Exchange, types: string[]): void {
  const r = exchange.response!;
  const type = r.contentType?.split(';')[0]?.trim().toLowerCase();
  if (!type || !types.includes(type)) {
    return ctx.fail({ exchange, cause: `${r.status} media type ${type ?? 'none'}`, message: `A ${r.status} error of ${opId(exchange)} must be ${types.join(' or ')}, as the contract documents it`, expected: types.join(' or '), got: type ?? '(no content type)' });
  }
  const found = violationsOf(ctx, exchange).filter((v) => v.kind === 'body_schema');
  if (found.length) {
    return ctx.fail({ exchange, cause: `${r.status} invalid error ${found.map((v) => `${generalise(v.pointer)} ${v.got ?? ''}`).sort().join(', ')}`, message: `The ${r.status} error does not match the schema the contract documents for it: ${found.slice(0, 3).map((v) => v.message).join('; ')}`, expected: `a body valid against the documented ${type} schema`, got: found.map((v) => `${v.pointer} ${v.got ?? ''}`).join('; ') });
  }
  ctx.pass(opId(exchange));
}

const validators = new WeakMap<object, ValidateFunction | null>();

export const problemDetails: Check = {
  id: 'problem_details',
  severity: 'medium',
  description: "Every error (4xx) is in the format the contract documents for it: application/problem+json valid against the Problem schema, with a code the contract lists and the answer's own status; or, where an operation documents another error media type (the OAuth token endpoint's RFC 6749 application/json), that media type with a body valid against its schema.",
  inline: true,
  run(ctx, exchange) {
    const r = exchange.response;
    if (!r || r.status < 400 || r.status >= 500) return;
    const op = opId(exchange);
    const other = documentedOtherFormat(ctx, exchange);
    if (other) return judgeDocumentedFormat(ctx, exchange, other);
    const type = r.contentType?.split(';')[0]?.trim().toLowerCase();
    if (type !== PROBLEM_JSON) {
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
