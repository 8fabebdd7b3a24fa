// Generators of hostile requests for test/hostile.test.ts: schema-driven values, then mutated.
import fc from 'fast-check';
import { resolveRef, type OpenApiDocument, type OperationEntry } from '../src/contract/load.ts';
import type { ResponseValidator } from '../src/contract/responses.ts';

export type Hostile = { method: string; path: string; query: string; headers: Record<string, string>; body?: string };

// ---------- generic generators ----------

/** The path as the server receives it: the client resolves `.` and `..` segments (WHATWG URL). */
export const seenPath = (path: string) => new URL(path, 'http://127.0.0.1').pathname;

/** Percent-encoding that survives lone surrogates (encodeURIComponent throws on them). */
const encode = (text: string) => new URLSearchParams([['', text]]).toString().slice(1);

const HOSTILE_STRINGS = [
  '', ' ', 'x'.repeat(5000), '\u0000', 'a\u0000b', '\u202eevil', '\ud800', '😀'.repeat(300), 'é'.repeat(1001), '<script>alert(1)</script>',
  '=HYPERLINK("http://evil")', '../../etc/passwd', '%00', '%ZZ', '__proto__', 'constructor', 'null', 'true', '1e400', 'NaN', '\r\nX-Injected: 1',
];
const HOSTILE_NUMBERS = [0, -0, -1, 1, 0.001, 0.0001, 1.5, 2 ** 31, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e15, 1e21, 1e308, -1e308, 5e-324, 999999999999, 1000000000, 1000000000.001];
const HOSTILE_VALUES: unknown[] = [null, true, false, [], {}, [null], { a: { b: { c: {} } } }, ...HOSTILE_NUMBERS, ...HOSTILE_STRINGS];
const IMPOSSIBLE_DATES = ['2026-02-30', '2026-13-01', '0000-00-00', '9999-12-32', '+010000-01-01', '2026-1-1', '2026-02-29', '10000-01-01', '2026-06-31T00:00:00Z', '2026-03-15T25:61:61Z'];

const hostileValue = fc.oneof(fc.constantFrom(...HOSTILE_VALUES), fc.constantFrom(...IMPOSSIBLE_DATES), fc.string({ maxLength: 40, unit: 'binary' }), fc.integer(), fc.double());

/** A value that mostly fits the schema (so that the request reaches deeper checks), from the contract itself. */
function fromSchema(doc: OpenApiDocument, schema: any, depth = 0): fc.Arbitrary<unknown> {
  const s = resolveRef<any>(doc, schema) ?? {};
  if (depth > 6) return fc.constant(null);
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  if (s.oneOf || s.anyOf) return fc.oneof(...(s.oneOf ?? s.anyOf).map((x: any) => fromSchema(doc, x, depth + 1)));
  const types: string[] = [s.type ?? (s.properties ? 'object' : 'string')].flat();
  if (types.length > 1) return fc.oneof(...types.map((type) => fromSchema(doc, { ...s, type }, depth)));
  const boundary = (values: number[]) => values.filter((v) => Number.isFinite(v));
  switch (types[0]) {
    case 'object': {
      const props = Object.entries<any>(s.properties ?? {});
      const model = Object.fromEntries(props.map(([k, v]) => [k, fromSchema(doc, v, depth + 1)]));
      return fc.record(model, { requiredKeys: s.required ?? [] });
    }
    case 'array':
      return fc.array(fromSchema(doc, s.items ?? {}, depth + 1), { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 3, 3) });
    case 'integer': {
      const min = s.minimum ?? -1e6;
      const max = s.maximum ?? 1e6;
      return fc.oneof(fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31 - 1) }), fc.constantFrom(...boundary([min, max, min - 1, max + 1])));
    }
    case 'number': {
      const min = s.minimum ?? s.exclusiveMinimum ?? 0;
      const max = s.maximum ?? 1e6;
      return fc.oneof(fc.integer({ min: Math.ceil(min), max: Math.min(Math.floor(max), 1e6) }), fc.constantFrom(...boundary([min, max, max + 0.001, 0.001, 1.0005, min - 1])));
    }
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default: {
      if (s.format === 'date') return fc.oneof(fc.constantFrom('2026-03-15', '2026-04-30', '9999-12-31', '1970-01-01'), fc.constantFrom(...IMPOSSIBLE_DATES));
      if (s.format === 'date-time') return fc.constantFrom('2026-03-15T10:00:00Z', '9999-12-31T23:59:59Z', '1970-01-01T00:00:00Z', '2026-02-30T00:00:00Z');
      const examples = [s.example, ...(s.examples ?? [])].filter((e) => typeof e === 'string');
      const max = s.maxLength ?? 64;
      return fc.oneof(
        ...(examples.length ? [fc.constantFrom(...examples)] : []),
        fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(max, 30) }),
        fc.constantFrom('x'.repeat(max), 'x'.repeat(max + 1), 'USD', 'JPY', 'KWD', 'ZZZ'),
      );
    }
  }
}

/** Breaks a value in one of the ways a hostile client would. */
function mutate(value: unknown): fc.Arbitrary<unknown> {
  const paths: string[][] = [];
  const walk = (v: unknown, at: string[]) => {
    if (at.length > 5 || paths.length > 50) return;
    paths.push(at);
    if (v && typeof v === 'object') for (const [k, c] of Object.entries(v)) walk(c, [...at, k]);
  };
  walk(value, []);
  const setAt = (root: unknown, at: string[], leaf: unknown): unknown => {
    if (!at.length) return leaf;
    const copy: any = Array.isArray(root) ? [...root] : { ...(root as object) };
    copy[at[0]!] = setAt(copy[at[0]!], at.slice(1), leaf);
    return copy;
  };
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant(value) },
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...paths), hostileValue).map(([at, leaf]) => setAt(value, at, leaf)) },
    { weight: 1, arbitrary: fc.constantFrom(...paths).map((at) => setAt(value, at, undefined)) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('unknown_field', 'constructor', 'prototype', 'toString'), hostileValue).map(([k, v]) => (value && typeof value === 'object' && !Array.isArray(value) ? { ...value, [k]: v } : v)) },
  );
}

export type Pools = { ids: Record<string, string[]>; tokens: Record<string, string[]>; cursors: string[]; keys: string[] };

function pathArb(op: OperationEntry, pools: Pools): fc.Arbitrary<string> {
  const names = [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
  const tricks = ['..', '%2e%2e', '%2F', '%00', '%ZZ', '%E0%A4%A', 'inv_' + 'a'.repeat(300), '__proto__', 'inv_%F0%9F%98%80', ' ', 'inv_x;y', 'inv_%252e'];
  const valueOf = (name: string) => fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...(pools.ids[name] ?? pools.tokens[name] ?? ['x'])) },
    { weight: 2, arbitrary: fc.constantFrom(...tricks) },
    { weight: 1, arbitrary: fc.string({ maxLength: 20 }).map(encode) },
  );
  if (!names.length) return fc.constantFrom(op.path, op.path, op.path, `${op.path}/`, `${op.path}/..`, op.path.toUpperCase(), `${op.path}%00`);
  return fc.tuple(...names.map(valueOf)).map((values) => names.reduce((p, n, i) => p.replace(`{${n}}`, values[i]!), op.path));
}

function queryArb(doc: OpenApiDocument, op: OperationEntry, pools: Pools): fc.Arbitrary<string> {
  const params = op.parameters.filter((p) => p.in === 'query');
  const one = fc.oneof(
    ...(params.length ? [{ weight: 5, arbitrary: fc.constantFrom(...params).chain((p) => fc.tuple(fc.constant(p.name), fc.oneof(fromSchema(doc, p.schema).map(String), fc.constantFrom('Infinity', '-Infinity', '1e400', '9'.repeat(400), '0x10', '-0', '', ' 5', '5.0', '2e1', ...pools.cursors)))) }] : []),
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom('__proto__', '__proto__', 'constructor', 'hasOwnProperty', 'unknown', 'limit[]', '__proto__[x]', 'a%00'), fc.constantFrom('1', '')) },
  );
  // Mostly zero or one parameter, so that a lone hostile key is not hidden behind another refusal.
  return fc.oneof(fc.array(one, { maxLength: 1 }), fc.array(one, { maxLength: 4 })).map((pairs) => (pairs.length ? '?' + pairs.map(([k, v]) => `${k.includes('%') ? k : encode(k)}=${encode(v)}`).join('&') : ''));
}

function bodyArb(doc: OpenApiDocument, op: OperationEntry): fc.Arbitrary<{ body?: string; type?: string }> {
  const content = resolveRef<any>(doc, op.operation.requestBody)?.content ?? {};
  const schema = content['application/json']?.schema ?? content['application/x-www-form-urlencoded']?.schema ?? { type: 'object' };
  const value = fromSchema(doc, schema).chain(mutate);
  const json = value.map((v) => ({ body: JSON.stringify(v) ?? 'null', type: 'application/json' }));
  const form = value.map((v) => ({
    body: v && typeof v === 'object' ? new URLSearchParams(Object.entries(v).map(([k, x]) => [k, typeof x === 'string' ? x : (JSON.stringify(x) ?? '')])).toString() : String(v),
    type: 'application/x-www-form-urlencoded',
  }));
  const broken = fc.tuple(json, fc.nat()).map(([j, n]) => ({ body: j.body.slice(0, n % Math.max(1, j.body.length)), type: 'application/json' }));
  const odd = fc.constantFrom(
    { body: '{"__proto__":{"admin":true}}', type: 'application/json' },
    { body: '{"a":1,"a":2}', type: 'application/json' },
    { body: '[]', type: 'application/json' },
    { body: 'null', type: 'application/json' },
    { body: '"x"', type: 'application/json' },
    { body: '{', type: 'application/json' },
    { body: '\ufeff{}', type: 'application/json' },
    { body: '{}', type: 'application/json; charset=utf-16' },
    { body: '<x/>', type: 'application/xml' },
    { body: '{}', type: 'text/plain' },
    { body: '{}', type: '' },
    { body: '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]', type: 'application/json' },
    { body: 'a=1&a=2&__proto__=x', type: 'application/x-www-form-urlencoded' },
    {},
  );
  return fc.oneof({ weight: 5, arbitrary: json }, { weight: 1, arbitrary: form }, { weight: 2, arbitrary: broken }, { weight: 2, arbitrary: odd });
}

export function requestArb(doc: OpenApiDocument, op: OperationEntry, pools: Pools, credentials: fc.Arbitrary<Record<string, string>>): fc.Arbitrary<Hostile> {
  const method = fc.constantFrom(op.method.toUpperCase(), op.method.toUpperCase(), op.method.toUpperCase(), 'HEAD', 'OPTIONS', 'PROPFIND', 'PATCH', 'DELETE');
  const extraHeaders: fc.Arbitrary<Record<string, string>> = fc.oneof(
    fc.constant({}),
    fc.constantFrom<Record<string, string>>({ 'idempotency-key': 'k1' }, { 'idempotency-key': 'k1' }, { 'idempotency-key': 'x'.repeat(300) }, { 'idempotency-key': 'é' }, { 'x-request-id': 'a'.repeat(500) }, { 'content-length': '5' }),
  );
  return fc
    .record({ method, path: pathArb(op, pools), query: queryArb(doc, op, pools), auth: credentials, extra: extraHeaders, body: op.operation.requestBody ? bodyArb(doc, op) : fc.oneof(fc.constant<{ body?: string; type?: string }>({}), bodyArb(doc, op)) })
    .map(({ method, path, query, auth, extra, body }) => {
      const headers: Record<string, string> = { ...auth, ...extra };
      if (body.type) headers['content-type'] = body.type;
      if (body.body === undefined || method === 'GET' || method === 'HEAD') delete headers['content-length'];
      if (headers['content-length'] && body.body !== undefined) delete headers['content-length'];
      return { method, path, query, headers, body: method === 'GET' || method === 'HEAD' ? undefined : body.body };
    });
}

/** Reasons the contract gives for refusing this request whatever else it carries: an undeclared query key, an integer that is not one. */
export function mustRefuse(op: OperationEntry, r: Hostile, check: ResponseValidator): string[] {
  if (check.operationOf(r.method, seenPath(r.path))?.operationId !== op.operationId || r.method === 'HEAD') return [];
  const declared = new Map(op.parameters.filter((p) => p.in === 'query').map((p) => [p.name, (p.schema as { type?: string } | undefined)?.type]));
  // Public pages ignore undeclared keys (tracking parameters); the API refuses them.
  const ignoresUnknown = op.operation['x-unknown-query-parameters'] === 'ignore';
  const out: string[] = [];
  for (const [key, value] of new URLSearchParams(r.query)) {
    if (!declared.has(key)) {
      if (!ignoresUnknown) out.push(`undeclared query parameter '${key}'`);
    }
    else if (declared.get(key) === 'integer' && !/^-?[0-9]{1,16}$/.test(value)) out.push(`'${key}=${value}' is not an integer`);
  }
  return out;
}

