import { resolveRef, type JsonSchema, type OpenApiDocument } from '../../src/contract/load.ts';

export type Mutation = { pointer: string; constraint: string; description: string; apply: (value: unknown) => unknown };

type Schema = JsonSchema & Record<string, any>;

function deref(doc: OpenApiDocument, schema: Schema | undefined): Schema {
  if (!schema) return {};
  return (schema.$ref ? resolveRef<Schema>(doc, schema) : schema) ?? {};
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

/** Sets (or, with `remove`, deletes) the value at a JSON pointer of a clone of `root`. */
function setAt(root: unknown, path: Array<string | number>, value: unknown, remove = false): unknown {
  const out = clone(root) as any;
  let node = out;
  for (const key of path.slice(0, -1)) node = node?.[key];
  const last = path[path.length - 1]!;
  if (node && typeof node === 'object') {
    if (remove) delete node[last];
    else node[last] = value;
  }
  return out;
}

const pointerOf = (path: Array<string | number>) => '/' + path.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

/** Values that break one keyword of a schema, each with the keyword's name. */
function breakers(schema: Schema): Array<{ constraint: string; value: unknown; description: string }> {
  const out: Array<{ constraint: string; value: unknown; description: string }> = [];
  const types: string[] = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length && !types.includes('string')) out.push({ constraint: 'type', value: 'not-a-' + types[0], description: `a string where ${types.join(' or ')} is required` });
  else if (types.length && !types.includes('integer') && !types.includes('number')) out.push({ constraint: 'type', value: 12345, description: `a number where ${types.join(' or ')} is required` });
  if (types.includes('integer') && !types.includes('number')) out.push({ constraint: 'type', value: 1.5, description: 'a fraction where an integer is required' });
  if (typeof schema.minimum === 'number') out.push({ constraint: 'minimum', value: schema.minimum - 1, description: `below the minimum ${schema.minimum}` });
  if (typeof schema.exclusiveMinimum === 'number') out.push({ constraint: 'exclusiveMinimum', value: schema.exclusiveMinimum, description: `not above ${schema.exclusiveMinimum}` });
  if (typeof schema.maximum === 'number') out.push({ constraint: 'maximum', value: schema.maximum + 1, description: `above the maximum ${schema.maximum}` });
  if (typeof schema.maxLength === 'number' && schema.maxLength < 100_000) out.push({ constraint: 'maxLength', value: 'x'.repeat(schema.maxLength + 1), description: `longer than ${schema.maxLength} characters` });
  if (typeof schema.minLength === 'number' && schema.minLength > 0) out.push({ constraint: 'minLength', value: '', description: `shorter than ${schema.minLength} characters` });
  if (typeof schema.pattern === 'string') out.push({ constraint: 'pattern', value: '!! not matching ' + schema.pattern.slice(0, 20), description: `not matching ${schema.pattern}` });
  if (schema.format === 'email') out.push({ constraint: 'format', value: 'not-an-email', description: 'not an email address' });
  if (schema.format === 'date') out.push({ constraint: 'format', value: '2026-13-45', description: 'not a calendar date' });
  if (Array.isArray(schema.enum)) out.push({ constraint: 'enum', value: '__not_in_enum__', description: `not one of ${schema.enum.join(', ')}` });
  if ('const' in schema) out.push({ constraint: 'const', value: '__not_the_constant__', description: `not ${JSON.stringify(schema.const)}` });
  if (typeof schema.minItems === 'number' && schema.minItems > 0) out.push({ constraint: 'minItems', value: [], description: `fewer than ${schema.minItems} items` });
  return out;
}

/**
 * Requests that each break exactly one constraint of the body schema: a missing required field,
 * a wrong type, a bound, a length, a pattern, a format, an enum, an unknown field. The caller
 * keeps only those the contract's own validator refuses, so none is accidentally valid.
 */
export function bodyMutations(doc: OpenApiDocument, rootSchema: Schema, base: unknown, depth = 2): Mutation[] {
  const out: Mutation[] = [];
  const walk = (schemaIn: Schema, path: Array<string | number>, value: unknown, level: number) => {
    let schema = deref(doc, schemaIn);
    // For a oneOf of an object and null, mutate the object branch the base value takes.
    for (const key of ['oneOf', 'anyOf'] as const) {
      if (Array.isArray(schema[key]) && value !== null && typeof value === 'object') {
        const branch = (schema[key] as Schema[]).map((s) => deref(doc, s)).find((s) => s.type === 'object' || s.properties);
        if (branch) schema = branch;
      }
    }
    if (path.length) {
      for (const b of breakers(schema)) out.push({ pointer: pointerOf(path), constraint: b.constraint, description: `${pointerOf(path)}: ${b.description}`, apply: (root) => setAt(root, path, b.value) });
    }
    if (level >= depth || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      if (typeof schema.maxItems === 'number' && schema.maxItems <= 1000 && value.length) {
        out.push({ pointer: pointerOf(path), constraint: 'maxItems', description: `${pointerOf(path)}: more than ${schema.maxItems} items`, apply: (root) => setAt(root, path, Array.from({ length: schema.maxItems + 1 }, () => clone(value[0]))) });
      }
      if (schema.uniqueItems && value.length) out.push({ pointer: pointerOf(path), constraint: 'uniqueItems', description: `${pointerOf(path)}: the same item twice`, apply: (root) => setAt(root, path, [value[0], value[0]]) });
      if (value.length) walk(schema.items ?? {}, [...path, 0], value[0], level + 1);
      return;
    }
    const record = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const name of (schema.required ?? []) as string[]) {
      if (name in record) out.push({ pointer: pointerOf([...path, name]), constraint: 'required', description: `${pointerOf([...path, name])}: required, left out`, apply: (root) => setAt(root, [...path, name], undefined, true) });
    }
    if (schema.additionalProperties === false) {
      const extra = 'unexpected_field';
      out.push({ pointer: pointerOf([...path, extra]), constraint: 'additionalProperties', description: `${pointerOf(path) === '/' ? '' : pointerOf(path)}/${extra}: a field the schema does not allow`, apply: (root) => setAt(root, [...path, extra], 'x') });
    }
    for (const [name, inner] of Object.entries(properties)) {
      if (name in record) walk(inner, [...path, name], record[name], level + 1);
      else walk(inner, [...path, name], undefined, level + 1);
    }
  };
  walk(rootSchema, [], base, 0);
  return out;
}

/** Query, path and header values that break one constraint of a parameter's schema. */
export function parameterMutations(doc: OpenApiDocument, schema: Schema): Array<{ constraint: string; value: string; description: string }> {
  return breakers(deref(doc, schema))
    .filter((b) => b.value !== '' && !(typeof b.value === 'object'))
    .map((b) => ({ constraint: b.constraint, value: String(b.value), description: b.description }));
}
