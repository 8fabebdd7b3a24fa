import { Ajv2020, type ValidateFunction, type ErrorObject } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { loadContract, type JsonSchema, type OpenApiDocument } from './load.ts';

// ajv-formats ships CJS; under NodeNext its default export is the module object.
const addFormats = ((addFormatsModule as any).default ?? addFormatsModule) as (ajv: Ajv2020) => Ajv2020;

/** All component schemas live under this id, so that inline schemas can $ref them. */
export const SCHEMAS_ID = 'https://invoicekit.dev/contract/schemas';

/** Rewrites `#/components/schemas/X` refs to absolute refs into the registered schema bundle. */
export function absolutizeRefs<T>(value: T): T {
  if (Array.isArray(value)) return value.map(absolutizeRefs) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      out[key] = key === '$ref' && typeof inner === 'string' && inner.startsWith('#/components/schemas/')
        ? `${SCHEMAS_ID}#/$defs/${inner.slice('#/components/schemas/'.length)}`
        : absolutizeRefs(inner);
    }
    return out as T;
  }
  return value;
}

export type ContractAjvOptions = { coerceTypes?: boolean; useDefaults?: boolean };

/** A strict 2020-12 validator that knows every schema of the contract. */
export function createContractAjv(doc: OpenApiDocument = loadContract(), options: ContractAjvOptions = {}): Ajv2020 {
  const ajv = new Ajv2020({
    strict: true,
    allErrors: true,
    allowUnionTypes: true,
    // Quantities and rates are decimals with up to three places; compare them without float noise.
    multipleOfPrecision: 9,
    coerceTypes: options.coerceTypes ?? false,
    useDefaults: options.useDefaults ?? false,
  });
  addFormats(ajv);
  ajv.addKeyword({ keyword: 'example', schemaType: ['string', 'number', 'boolean', 'object', 'array', 'null'] });
  ajv.addSchema({ $id: SCHEMAS_ID, $defs: absolutizeRefs(doc.components.schemas) });
  return ajv;
}

/** Compiles a schema taken from anywhere in the contract (refs to components resolved). */
export function compileContractSchema(ajv: Ajv2020, schema: JsonSchema): ValidateFunction {
  return ajv.compile(absolutizeRefs(schema));
}

export function componentValidator(ajv: Ajv2020, name: string): ValidateFunction {
  const validate = ajv.getSchema(`${SCHEMAS_ID}#/$defs/${name}`);
  if (!validate) throw new Error(`No schema '${name}' in the contract`);
  return validate;
}

/** Turns ajv errors into `{pointer, message, keyword}` under a location prefix (`/body`, `/query`). */
export function toFieldErrors(errors: ErrorObject[] | null | undefined, prefix: string) {
  return (errors ?? []).map((e) => {
    let pointer = prefix + e.instancePath;
    if (e.keyword === 'required') pointer += `/${(e.params as { missingProperty: string }).missingProperty}`;
    if (e.keyword === 'additionalProperties') pointer += `/${(e.params as { additionalProperty: string }).additionalProperty}`;
    return { pointer, message: messageOf(e), keyword: e.keyword };
  });
}

/**
 * Drops the noise of a failed `oneOf`/`anyOf` (such as "null, or an object with a valid rate"):
 * when the value was of a branch's type and failed deeper inside it, those deeper errors say what
 * is wrong; the other branches' "must be null" and the "must match exactly one schema" do not.
 */
export function simplifyErrors(errors: ErrorObject[]): ErrorObject[] {
  const drop = new Set<ErrorObject>();
  for (const e of errors) {
    if (e.keyword !== 'oneOf' && e.keyword !== 'anyOf') continue;
    const at = e.instancePath;
    const specific = errors.some((o) => o !== e && !drop.has(o) && o.keyword !== 'oneOf' && o.keyword !== 'anyOf' && (o.instancePath.startsWith(at + '/') || (o.instancePath === at && o.keyword !== 'type')));
    if (!specific) continue;
    drop.add(e);
    for (const o of errors) if (o.instancePath === at && o.keyword === 'type') drop.add(o);
  }
  return drop.size ? errors.filter((e) => !drop.has(e)) : errors;
}

/** Most allowed values an enum message lists (currency codes would drown the point). */
const MAX_LISTED_VALUES = 20;

/** ajv's message, with what a person needs to fix the value: the allowed values of an enum. */
function messageOf(e: ErrorObject): string {
  if (e.keyword === 'enum') {
    const allowed = ((e.params as { allowedValues?: unknown[] }).allowedValues ?? []).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
    const listed = allowed.slice(0, MAX_LISTED_VALUES).join(', ');
    return allowed.length > MAX_LISTED_VALUES ? `must be one of ${listed}, … (${allowed.length} values in all)` : `must be one of: ${listed}`;
  }
  if (e.keyword === 'const') return `must be ${JSON.stringify((e.params as { allowedValue?: unknown }).allowedValue)}`;
  return e.message ?? 'is invalid';
}
