import fc from 'fast-check';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { compileContractSchema } from '../../src/contract/ajv.ts';
import { resolveRef, type JsonSchema, type OperationEntry } from '../../src/contract/load.ts';
import type { LoadedContract } from '../contract.ts';
import { isServerIssuedQuery } from '../plan.ts';
import type { RequestSpec, TestCase } from '../types.ts';
import { arbitraryOf } from './arbitrary.ts';
import { bodyMutations, parameterMutations } from './mutations.ts';

/** A request before its path is filled in: path parameters are bound to prepared resources later. */
export type Draft = { label: string; query: Record<string, string>; headers: Record<string, string>; body?: unknown; form?: string; mutation?: TestCase['mutation']; pathOverride?: Record<string, string> };

export type OperationShape = {
  entry: OperationEntry;
  pathParams: string[];
  mediaType?: string;
  bodySchema?: JsonSchema;
  bodyRequired: boolean;
  bodyValidator?: ValidateFunction;
  examples: unknown[];
};

const validators = new WeakMap<object, ValidateFunction>();
function validatorFor(contract: LoadedContract, schema: JsonSchema): ValidateFunction {
  let v = validators.get(schema);
  if (!v) validators.set(schema, (v = compileContractSchema(contract.ajv, schema)));
  return v;
}

export function shapeOf(contract: LoadedContract, entry: OperationEntry): OperationShape {
  const body = resolveRef<any>(contract.doc, entry.operation.requestBody);
  const content = (body?.content ?? {}) as Record<string, any>;
  const mediaType = content['application/json'] ? 'application/json' : Object.keys(content)[0];
  const media = mediaType ? content[mediaType] : undefined;
  const examples: unknown[] = [];
  if (media?.example !== undefined) examples.push(media.example);
  for (const ex of Object.values((media?.examples ?? {}) as Record<string, unknown>)) {
    const value = resolveRef<any>(contract.doc, ex)?.value;
    if (value !== undefined) examples.push(value);
  }
  const bodySchema = media?.schema as JsonSchema | undefined;
  return {
    entry,
    pathParams: entry.parameters.filter((p) => p.in === 'path').map((p) => p.name),
    ...(mediaType ? { mediaType } : {}),
    ...(bodySchema ? { bodySchema, bodyValidator: validatorFor(contract, bodySchema) } : {}),
    bodyRequired: body?.required === true,
    examples,
  };
}

function formOf(value: unknown): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries((value ?? {}) as Record<string, unknown>)) if (v !== undefined && v !== null) params.append(k, String(v));
  return params.toString();
}

/** One case per documented example (bodies, and query parameters one at a time). */
export function exampleDrafts(contract: LoadedContract, shape: OperationShape): Draft[] {
  const drafts: Draft[] = [];
  const bodyOf = (value: unknown) => (shape.mediaType === 'application/json' ? { body: structuredClone(value) } : { form: formOf(value) });
  shape.examples.forEach((value, i) => drafts.push({ label: `example ${i + 1} of the request body`, query: {}, headers: {}, ...bodyOf(value) }));
  if (!drafts.length && !shape.bodyRequired) drafts.push({ label: 'no optional parameter', query: {}, headers: {} });
  const base = drafts[0];
  for (const p of shape.entry.parameters) {
    if (p.in !== 'query' || isServerIssuedQuery(p.name)) continue;
    const example = (p as any).example ?? (p.schema as any)?.example;
    if (example === undefined || drafts.length >= 8) continue;
    drafts.push({ label: `example of query parameter '${p.name}'`, query: { [p.name]: String(example) }, headers: {}, ...(base?.body !== undefined ? { body: structuredClone(base.body) } : {}), ...(base?.form !== undefined ? { form: base.form } : {}) });
  }
  return drafts;
}

/** Seeded arbitrary of valid requests (query and body), each checked against the contract's own validators. */
export function validDraftArbitrary(contract: LoadedContract, shape: OperationShape): fc.Arbitrary<Draft> {
  const queryParams = shape.entry.parameters.filter((p) => p.in === 'query' && !isServerIssuedQuery(p.name) && p.schema);
  const query: Record<string, fc.Arbitrary<unknown>> = {};
  for (const p of queryParams) {
    const schema = resolveRef<any>(contract.doc, p.schema) ?? {};
    // An array parameter travels as one comma-separated value (style form, explode false) or as its first item.
    query[p.name] = schema.type === 'array'
      ? fc.array(arbitraryOf(contract.doc, schema.items ?? {}), { minLength: Math.max(1, schema.minItems ?? 1), maxLength: Math.min(schema.maxItems ?? 3, 3) }).map((items) => (p.explode === false ? items.join(',') : String(items[0])))
      : arbitraryOf(contract.doc, schema).filter((v) => v !== null && typeof v !== 'object');
  }
  const required = queryParams.filter((p) => p.required).map((p) => p.name);
  const queryArb = fc.record(query, { requiredKeys: required });
  const bodyArb: fc.Arbitrary<unknown> = shape.bodySchema
    ? arbitraryOf(contract.doc, shape.bodySchema as any).filter((v) => shape.bodyValidator!(v))
    : fc.constant(undefined);
  return fc.tuple(queryArb, bodyArb).map(([q, body]) => {
    const draft: Draft = { label: 'generated', query: Object.fromEntries(Object.entries(q).map(([k, v]) => [k, String(v)])), headers: {} };
    if (body !== undefined) {
      if (shape.mediaType === 'application/json') draft.body = body;
      else draft.form = formOf(body);
    }
    return draft;
  });
}

function paramViolates(contract: LoadedContract, schema: JsonSchema, text: string): boolean {
  const s = resolveRef<any>(contract.doc, schema) ?? {};
  const numeric = s.type === 'integer' || s.type === 'number';
  const value = numeric && /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
  return !validatorFor(contract, s)(value);
}

/** One constraint to break, applied to a valid (already bound) request. */
export type InvalidVariant = { mutation: NonNullable<TestCase['mutation']>; apply: (base: Draft) => Draft | undefined };

/** Requests that break one constraint each; `apply` returns undefined when the result is valid after all. */
export function invalidVariants(contract: LoadedContract, shape: OperationShape, template: Draft): InvalidVariant[] {
  const out: InvalidVariant[] = [];
  if (shape.bodySchema && shape.mediaType === 'application/json' && template.body !== undefined) {
    for (const m of bodyMutations(contract.doc, shape.bodySchema as any, template.body)) {
      const mutation = { pointer: `/body${m.pointer}`, constraint: m.constraint, description: m.description };
      out.push({
        mutation,
        apply: (base) => {
          const body = m.apply(base.body);
          // Not invalid after all (another branch of a oneOf accepts it, say): not an invalid case.
          if (shape.bodyValidator!(body)) return undefined;
          return { ...base, query: { ...base.query }, label: `invalid: ${m.description}`, body, mutation };
        },
      });
    }
    if (shape.bodyRequired) {
      const mutation = { pointer: '/body', constraint: 'required', description: 'the required request body left out' };
      out.push({ mutation, apply: (base) => ({ ...base, query: { ...base.query }, label: `invalid: ${mutation.description}`, body: undefined, mutation }) });
    }
  }
  for (const p of shape.entry.parameters) {
    if (!p.schema || p.in === 'cookie') continue;
    for (const m of parameterMutations(contract.doc, p.schema as any)) {
      if (!paramViolates(contract, p.schema, m.value)) continue;
      const mutation = { pointer: `/${p.in}/${p.name}`, constraint: m.constraint, description: `${p.in} parameter '${p.name}': ${m.description}` };
      const label = `invalid: ${mutation.description}`;
      if (p.in === 'query') out.push({ mutation, apply: (base) => ({ ...base, query: { ...base.query, [p.name]: m.value }, label, mutation }) });
      else if (p.in === 'header') out.push({ mutation, apply: (base) => ({ ...base, headers: { ...base.headers, [p.name]: m.value }, label, mutation }) });
      else if (p.in === 'path') out.push({ mutation, apply: (base) => ({ ...base, pathOverride: { [p.name]: m.value }, label, mutation }) });
    }
  }
  return out;
}

/** Fills a contract path template with parameter values. */
export function fillPath(template: string, params: Record<string, string>): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? `missing_${name}`));
}

export function toRequest(shape: OperationShape, draft: Draft, pathParams: Record<string, string>): RequestSpec {
  const spec: RequestSpec = { method: shape.entry.method.toUpperCase(), path: fillPath(shape.entry.path, { ...pathParams, ...draft.pathOverride }), query: { ...draft.query }, headers: { ...draft.headers } };
  if (draft.body !== undefined) spec.json = structuredClone(draft.body);
  else if (draft.form !== undefined && shape.mediaType) spec.raw = { contentType: shape.mediaType, text: draft.form };
  return spec;
}
