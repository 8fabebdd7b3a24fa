import fc from 'fast-check';
import { resolveRef, type JsonSchema, type OpenApiDocument } from '../../src/contract/load.ts';

const MAX_DEPTH = 6;

type Schema = JsonSchema & Record<string, any>;

function deref(doc: OpenApiDocument, schema: Schema): Schema {
  return (schema.$ref ? resolveRef<Schema>(doc, schema) : schema) ?? {};
}

function integer(schema: Schema): fc.Arbitrary<number> {
  let min = schema.minimum ?? -1_000_000;
  let max = schema.maximum ?? 1_000_000;
  if (schema.exclusiveMinimum !== undefined) min = Math.max(min, Math.floor(schema.exclusiveMinimum) + 1);
  if (schema.exclusiveMaximum !== undefined) max = Math.min(max, Math.ceil(schema.exclusiveMaximum) - 1);
  // Small values first: they shrink well and stay inside what any business rule accepts.
  const upper = Math.min(max, Math.max(min, 0) + 100_000);
  return fc.integer({ min: Math.max(min, Number.MIN_SAFE_INTEGER), max: Math.min(upper, Number.MAX_SAFE_INTEGER) });
}

function decimal(schema: Schema): fc.Arbitrary<number> {
  const step = schema.multipleOf ?? 0.001;
  const scale = Math.round(1 / step);
  let min = schema.minimum ?? 0;
  let max = Math.min(schema.maximum ?? 1000, 1000);
  if (schema.exclusiveMinimum !== undefined) min = schema.exclusiveMinimum + step;
  if (schema.exclusiveMaximum !== undefined) max = schema.exclusiveMaximum - step;
  // Decimals with a fixed number of places, built from integers so they are exact in JSON.
  return fc.integer({ min: Math.ceil(min * scale), max: Math.floor(max * scale) }).map((n) => Number((n / scale).toFixed(6)));
}

const FORMATS: Record<string, () => fc.Arbitrary<string>> = {
  email: () => fc.tuple(fc.stringMatching(/^[a-z][a-z0-9]{0,10}$/), fc.constantFrom('example.com', 'example.org')).map(([user, host]) => `${user}@${host}`),
  date: () => fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  'date-time': () => fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()),
  uri: () => fc.webUrl(),
  'uri-reference': () => fc.webPath().map((p) => p || '/'),
  uuid: () => fc.uuid(),
};

function text(schema: Schema): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.min(schema.maxLength ?? 40, 40);
  if (schema.format && FORMATS[schema.format]) return FORMATS[schema.format]!().filter((s) => s.length >= minLength && s.length <= (schema.maxLength ?? Infinity));
  if (schema.pattern) {
    return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length >= minLength && s.length <= (schema.maxLength ?? Infinity));
  }
  // Printable text with some non-ASCII, never control characters: valid input, not hostile input.
  const unit = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.,éüß€日本'.split(''));
  return fc.string({ unit, minLength, maxLength: Math.max(minLength, maxLength) }).filter((s) => minLength === 0 || s.trim().length > 0);
}

/** A fast-check arbitrary of values valid against a contract schema (the caller filters with ajv as well). */
export function arbitraryOf(doc: OpenApiDocument, input: Schema, depth = 0): fc.Arbitrary<unknown> {
  const schema = deref(doc, input);
  if (depth > MAX_DEPTH) return fc.constant(null);
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...schema.enum);
  for (const key of ['oneOf', 'anyOf'] as const) {
    if (Array.isArray(schema[key])) return fc.oneof(...(schema[key] as Schema[]).map((s) => arbitraryOf(doc, s, depth + 1)));
  }
  if (Array.isArray(schema.allOf)) return arbitraryOf(doc, Object.assign({}, ...(schema.allOf as Schema[]).map((s) => deref(doc, s))), depth + 1);
  const types: string[] = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : schema.properties ? ['object'] : ['string'];
  const options = types.map((type) => {
    switch (type) {
      case 'null':
        return fc.constant(null);
      case 'boolean':
        return fc.boolean();
      case 'integer':
        return integer(schema);
      case 'number':
        return decimal(schema);
      case 'string':
        return text(schema);
      case 'array': {
        const items = arbitraryOf(doc, schema.items ?? {}, depth + 1);
        const constraints = { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 4, Math.max(schema.minItems ?? 0, 4)) };
        return schema.uniqueItems ? fc.uniqueArray(items, { ...constraints, selector: (v) => JSON.stringify(v) }) : fc.array(items, constraints);
      }
      default: {
        const properties = (schema.properties ?? {}) as Record<string, Schema>;
        const required = new Set<string>(schema.required ?? []);
        const record: Record<string, fc.Arbitrary<unknown>> = {};
        for (const [name, inner] of Object.entries(properties)) record[name] = arbitraryOf(doc, inner, depth + 1);
        return fc.record(record, { requiredKeys: [...required].filter((k) => k in properties) });
      }
    }
  });
  // Prefer the non-null branch: null only where a schema allows it, and rarely.
  return options.length === 1 ? options[0]! : fc.oneof(...options.map((arbitrary, i) => ({ arbitrary, weight: types[i] === 'null' ? 1 : 4 })));
}
