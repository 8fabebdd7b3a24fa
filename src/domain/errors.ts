// The one error the domain and the services throw: what was refused and why, never how to
// transport it. Only src/http/problem.ts turns a Refusal into an HTTP status, headers and
// problem+json pointers.
import type { components } from '../generated/api-types.ts';

/** Every stable code the contract names (its Problem `code` enum). */
export type ProblemCode = components['schemas']['Problem']['code'];

/** Where the refused value sits in the request. */
export type FieldLocation = 'path' | 'query' | 'header' | 'body';

/**
 * The refused value: `{ in: 'query', path: 'after' }`, `{ in: 'body', path: 'customer_id' }`
 * (an empty path is the whole location); what is wrong with it, and the rule it breaks.
 */
export type FieldPointer = { in: FieldLocation; path: string; message: string; rule?: string };

export class Refusal extends Error {
  override readonly name = 'Refusal';
  /** The values at fault, in the order they are reported (most refusals have none or one). */
  readonly fields: readonly FieldPointer[];

  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    field?: FieldPointer | readonly FieldPointer[],
    /** What the refusal was about (action, status...), for callers and tests; never answered. */
    readonly facts?: Readonly<Record<string, unknown>>,
  ) {
    super(detail);
    this.fields = field === undefined ? [] : Array.isArray(field) ? field : [field as FieldPointer];
  }
}

/** Rules the schema cannot state about amounts and rates (exact decimals, overflow). */
export type InputRule = 'invalid_quantity' | 'invalid_rate';

/** A value of the request body that breaks an input rule: a validation failure naming it. */
export function invalidInput(rule: InputRule, field: string | undefined, detail: string, facts?: Record<string, unknown>): Refusal {
  return new Refusal('validation_failed', detail, { in: 'body', path: field ?? '', message: detail, rule }, facts);
}
