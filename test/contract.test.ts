// Quality gates on the contract itself: documentation completeness, examples that validate,
// no untyped schemas, and generated files in step with spec/.
import { describe, expect, it } from 'vitest';
import { compileContractSchema, createContractAjv } from '../src/contract/ajv.ts';
import { errorFormatOf, OAUTH_ERROR_SCHEMA_REF } from '../src/contract/error-format.ts';
import { listOperations, loadContract, resolveRef } from '../src/contract/load.ts';
import { staleFiles } from '../scripts/generate.mjs';

const doc = loadContract();
const ajv = createContractAjv(doc);
const operations = listOperations(doc);

type Example = { where: string; schema: Record<string, unknown>; value: unknown };

/** Every example of the contract, with the schema it must satisfy. */
function collectExamples(): Example[] {
  const out: Example[] = [];
  const fromMedia = (where: string, media: any) => {
    if (media.example !== undefined) out.push({ where, schema: media.schema, value: media.example });
    for (const [name, ex] of Object.entries<any>(media.examples ?? {})) {
      out.push({ where: `${where} (${name})`, schema: media.schema, value: resolveRef<any>(doc, ex).value });
    }
  };
  for (const op of operations) {
    for (const param of op.parameters) {
      if (param.example !== undefined && param.schema) {
        // Comma-separated array parameters carry their example as the array itself.
        out.push({ where: `${op.operationId} parameter ${param.name}`, schema: param.schema, value: param.example });
      }
    }
    const body = resolveRef<any>(doc, op.operation.requestBody);
    for (const [type, media] of Object.entries<any>(body?.content ?? {})) fromMedia(`${op.operationId} request ${type}`, media);
    for (const [status, ref] of Object.entries<any>(op.operation.responses)) {
      const response = resolveRef<any>(doc, ref);
      for (const [type, media] of Object.entries<any>(response.content ?? {})) fromMedia(`${op.operationId} ${status} ${type}`, media);
      for (const [name, header] of Object.entries<any>(response.headers ?? {})) {
        const h = resolveRef<any>(doc, header);
        if (h.example !== undefined) out.push({ where: `${op.operationId} ${status} header ${name}`, schema: h.schema, value: h.example });
      }
    }
  }
  const walk = (where: string, schema: any) => {
    if (!schema || typeof schema !== 'object') return;
    if (Array.isArray(schema.examples) && !('$ref' in schema)) {
      schema.examples.forEach((value: unknown, i: number) => out.push({ where: `${where} examples[${i}]`, schema, value }));
    }
    for (const key of ['properties', '$defs']) for (const [name, sub] of Object.entries<any>(schema[key] ?? {})) walk(`${where}.${name}`, sub);
    for (const key of ['items']) if (schema[key]) walk(`${where}[]`, schema[key]);
    for (const key of ['oneOf', 'anyOf', 'allOf']) (schema[key] ?? []).forEach((sub: any, i: number) => walk(`${where}/${key}${i}`, sub));
  };
  for (const [name, schema] of Object.entries(doc.components.schemas)) walk(`schema ${name}`, schema);
  return out;
}

describe('every operation is documented', () => {
  const tagNames = new Set(((doc.tags as Array<{ name: string }>) ?? []).map((t) => t.name));
  it.each(operations.map((o) => [o.operationId, o] as const))('%s has a summary, a description, one known tag, security and a 4xx', (_id, op) => {
    expect(op.operation.summary, 'summary').toBeTruthy();
    expect(op.operation.description, 'description').toBeTruthy();
    expect(op.operation.tags).toHaveLength(1);
    expect(tagNames.has(op.operation.tags[0])).toBe(true);
    expect(Array.isArray(op.operation.security), 'operation-level security').toBe(true);
    expect(Object.keys(op.operation.responses).some((s) => /^4\d\d$/.test(s))).toBe(true);
  });

  it.each(operations.map((o) => [o.operationId, o] as const))('%s has an example for its request body and every response body', (_id, op) => {
    const body = resolveRef<any>(doc, op.operation.requestBody);
    for (const [type, media] of Object.entries<any>(body?.content ?? {})) {
      expect(media.example !== undefined || Object.keys(media.examples ?? {}).length > 0, `request ${type}`).toBe(true);
    }
    for (const [status, ref] of Object.entries<any>(op.operation.responses)) {
      const response = resolveRef<any>(doc, ref);
      for (const [type, media] of Object.entries<any>(response.content ?? {})) {
        expect(media.example !== undefined || Object.keys(media.examples ?? {}).length > 0, `${status} ${type}`).toBe(true);
      }
    }
  });

  it('documents 401, 403 and 429 on every authenticated operation and problem+json on every error (RFC 6749 JSON on the token endpoint)', () => {
    for (const op of operations) {
      const authenticated = op.operation.security.length > 0;
      for (const status of authenticated ? ['401', '403', '429'] : []) {
        expect(op.operation.responses[status], `${op.operationId} ${status}`).toBeDefined();
      }
      // The token endpoint answers every error as RFC 6749 §5.2 says; the public pages answer a browser
      // with an HTML page too (next test); every other operation, problem+json.
      const oauth = errorFormatOf(doc, op) === 'oauth';
      expect(oauth, op.operationId).toBe(op.operationId === 'createAccessToken');
      const forBrowsers = (op.operation.tags as string[]).includes('Public pages');
      for (const [status, ref] of Object.entries<any>(op.operation.responses)) {
        if (Number(status) < 400) continue;
        const content = resolveRef<any>(doc, ref).content;
        expect(Object.keys(content), `${op.operationId} ${status}`).toEqual(oauth ? ['application/json'] : forBrowsers ? ['application/problem+json', 'text/html'] : ['application/problem+json']);
        if (oauth) expect(content['application/json'].schema.$ref, `${op.operationId} ${status}`).toBe(OAUTH_ERROR_SCHEMA_REF);
      }
    }
  });

  it('declares the 400 every operation can answer (unknown or malformed parameters, bodies)', () => {
    for (const op of operations) expect(op.operation.responses['400'], op.operationId).toBeDefined();
  });

  it('declares the scopes of every authenticated operation for both security schemes', () => {
    const scopes = Object.keys((doc.components.securitySchemes as any).oauth2.flows.clientCredentials.scopes);
    for (const op of operations.filter((o) => o.operation.security.length > 0)) {
      const schemes = op.operation.security.map((s: Record<string, string[]>) => Object.keys(s)[0]).sort();
      expect(schemes, op.operationId).toEqual(['apiKey', 'oauth2']);
      for (const requirement of op.operation.security) {
        const granted = Object.values<string[]>(requirement)[0]!;
        expect(granted.length, op.operationId).toBeGreaterThan(0);
        for (const scope of granted) expect(scopes).toContain(scope);
      }
    }
  });

  it('documents Idempotency-Key on every authenticated POST', () => {
    for (const op of operations.filter((o) => o.method === 'post' && o.operation.security.length > 0)) {
      expect(op.parameters.some((p) => p.in === 'header' && p.name === 'Idempotency-Key'), op.operationId).toBe(true);
    }
  });
});

describe('examples', () => {
  const examples = collectExamples();
  it('finds examples across the whole contract', () => {
    expect(examples.length).toBeGreaterThan(80);
  });
  it.each(examples.map((e) => [e.where, e] as const))('%s validates against its schema', (_where, example) => {
    const validate = compileContractSchema(ajv, example.schema);
    const ok = validate(example.value);
    expect(validate.errors ?? [], JSON.stringify(example.value).slice(0, 200)).toEqual([]);
    expect(ok).toBe(true);
  });
  it('a wrong example is caught (the gate can fail)', () => {
    const validate = compileContractSchema(ajv, { $ref: '#/components/schemas/Invoice' });
    const invoice = structuredClone((doc.components.examples as any).invoice.value);
    expect(validate(invoice)).toBe(true);
    invoice.total = 4950.0 + 0.5;
    expect(validate(invoice)).toBe(false);
  });
});

describe('schemas', () => {
  /** Every schema node reachable from components and operations. */
  function* schemaNodes(): Generator<[string, any]> {
    function* walk(where: string, schema: any): Generator<[string, any]> {
      if (!schema || typeof schema !== 'object') return;
      yield [where, schema];
      for (const [name, sub] of Object.entries<any>(schema.properties ?? {})) yield* walk(`${where}.${name}`, sub);
      if (schema.items) yield* walk(`${where}[]`, schema.items);
      if (schema.additionalProperties && typeof schema.additionalProperties === 'object') yield* walk(`${where}{}`, schema.additionalProperties);
      for (const key of ['oneOf', 'anyOf', 'allOf']) for (const [i, sub] of (schema[key] ?? []).entries()) yield* walk(`${where}/${key}${i}`, sub);
    }
    for (const [name, schema] of Object.entries(doc.components.schemas)) yield* walk(name, schema);
    for (const op of operations) {
      for (const p of op.parameters) yield* walk(`${op.operationId}:${p.name}`, p.schema);
      const body = resolveRef<any>(doc, op.operation.requestBody);
      for (const [type, media] of Object.entries<any>(body?.content ?? {})) yield* walk(`${op.operationId}:${type}`, media.schema);
      for (const [status, ref] of Object.entries<any>(op.operation.responses)) {
        for (const [type, media] of Object.entries<any>(resolveRef<any>(doc, ref).content ?? {})) yield* walk(`${op.operationId}:${status}:${type}`, media.schema);
      }
    }
  }

  it('has no bare untyped object and no empty schema', () => {
    const bad: string[] = [];
    for (const [where, s] of schemaNodes()) {
      const typed = s.type !== undefined || s.$ref || s.oneOf || s.anyOf || s.allOf || s.const !== undefined || s.enum;
      if (!typed) bad.push(`${where}: no type`);
      const types = [s.type].flat();
      if (types.includes('object') && !s.properties && !(s.additionalProperties && typeof s.additionalProperties === 'object')) bad.push(`${where}: object without properties`);
      if (types.includes('array') && !s.items) bad.push(`${where}: array without items`);
    }
    expect(bad).toEqual([]);
  });

  it('compiles every component schema in strict mode', () => {
    for (const name of Object.keys(doc.components.schemas)) {
      expect(() => compileContractSchema(ajv, { $ref: `#/components/schemas/${name}` }), name).not.toThrow();
    }
  });

  it('request bodies refuse unknown fields', () => {
    for (const op of operations) {
      const body = resolveRef<any>(doc, op.operation.requestBody);
      for (const media of Object.values<any>(body?.content ?? {})) {
        const schema = resolveRef<any>(doc, media.schema);
        expect(schema.additionalProperties, op.operationId).toBe(false);
      }
    }
  });
});

describe('generated files', () => {
  it('are in step with spec/ (run `npm run gen` when this fails)', async () => {
    expect(await staleFiles()).toEqual([]);
  }, 60_000);
});
