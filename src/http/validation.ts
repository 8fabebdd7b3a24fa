import type { Ajv2020, ValidateFunction } from 'ajv/dist/2020.js';
import { compileContractSchema, createContractAjv, simplifyErrors, toFieldErrors } from '../contract/ajv.ts';
import { loadContract, resolveRef, type OpenApiDocument, type OperationEntry } from '../contract/load.ts';
import { ApiError, type FieldError } from './problem.ts';

export type RequestParts = {
  path: Record<string, string>;
  query: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  hasBody: boolean;
  contentType: string | undefined;
};

export type ValidatedRequest = {
  path: Record<string, any>;
  query: Record<string, any>;
  headers: Record<string, any>;
  body: any;
  mediaType: string | undefined;
};

type Compiled = {
  path: ValidateFunction;
  query: ValidateFunction;
  headers: ValidateFunction;
  headerNames: string[];
  /** Declared type of each parameter, by where it is and its name (no key is built per request). */
  kinds: Record<'path' | 'query' | 'header', Map<string, string | undefined>>;
  arrayQueryParams: Set<string>;
  /** Whether no query parameters, and no header parameters, pass as they are (nothing required, no default to fill in). */
  emptyQueryPasses: boolean;
  emptyHeadersPasses: boolean;
  /** Declared query parameters, when unknown ones are dropped (x-unknown-query-parameters: ignore). */
  keepQuery?: Set<string>;
  bodyRequired: boolean;
  bodies: Map<string, ValidateFunction>;
  bodySchemas: Map<string, unknown>;
};

const MAX_DEPTH = 32;
/** Most field errors one answer lists; the detail still gives the full count. */
export const MAX_LISTED_ERRORS = 100;

const escapePointer = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');
const NUL_ERROR = 'must not contain the NUL character (U+0000)';

/** Where NUL characters hide in a value (strings and object keys), as JSON pointers; iterative, linear. */
function nulPointers(value: unknown, prefix: string, out: FieldError[]): void {
  const stack: Array<[unknown, string]> = [[value, prefix]];
  while (stack.length && out.length < MAX_LISTED_ERRORS) {
    const [node, pointer] = stack.pop()!;
    if (typeof node === 'string') {
      if (node.includes('\0')) out.push({ pointer, message: NUL_ERROR, keyword: 'noNul' });
    } else if (node && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) {
        const at = `${pointer}/${escapePointer(key)}`;
        if (key.includes('\0')) out.push({ pointer: at, message: NUL_ERROR, keyword: 'noNul' });
        stack.push([child, at]);
      }
    }
  }
}

/** Whether a parameter object (flat: text, numbers, lists of text) may hold a NUL: a walk without allocations. */
function mayHoldNul(params: Record<string, unknown>): boolean {
  for (const key in params) {
    if (key.includes('\0')) return true;
    const value = params[key];
    if (typeof value === 'string') {
      if (value.includes('\0')) return true;
    } else if (value !== null && typeof value === 'object') {
      return true; // nested: the full walk decides
    }
  }
  return false;
}

/** nulPointers for request parameters, skipping the walk when nothing can hold a NUL (the usual case). */
function paramNulPointers(params: Record<string, unknown>, prefix: string, out: FieldError[]): void {
  if (mayHoldNul(params)) nulPointers(params, prefix, out);
}

/**
 * Arrays longer than the contract's `maxItems`, found before the full validation so that a huge
 * array is refused in time linear in its length instead of being validated item by item.
 */
function oversizedArrays(doc: OpenApiDocument, schema: unknown, data: unknown, pointer: string, out: FieldError[], depth = 0): void {
  const s = resolveRef<any>(doc, schema);
  if (!s || typeof s !== 'object' || depth > MAX_DEPTH || out.length >= MAX_LISTED_ERRORS) return;
  if (Array.isArray(data)) {
    if (typeof s.maxItems === 'number' && data.length > s.maxItems) {
      out.push({ pointer, message: `must NOT have more than ${s.maxItems} items`, keyword: 'maxItems' });
    } else if (s.items) {
      data.forEach((item, i) => oversizedArrays(doc, s.items, item, `${pointer}/${i}`, out, depth + 1));
    }
  } else if (data && typeof data === 'object' && s.properties) {
    for (const [key, sub] of Object.entries<unknown>(s.properties)) {
      if (Object.hasOwn(data, key)) oversizedArrays(doc, sub, (data as Record<string, unknown>)[key], `${pointer}/${escapePointer(key)}`, out, depth + 1);
    }
  }
}

function typeOf(doc: OpenApiDocument, schema: unknown): string | undefined {
  const type = resolveRef<any>(doc, schema)?.type;
  return typeof type === 'string' ? type : undefined;
}

const INTEGER_TEXT = /^-?[0-9]{1,16}$/;
const NUMBER_TEXT = /^-?[0-9]{1,16}(\.[0-9]{1,16})?$/;

/** A parameter's text as its declared type when it is exactly that (decimal digits only); otherwise unchanged, for ajv to refuse. */
function fromText(value: unknown, kind: string | undefined): unknown {
  if (typeof value !== 'string') return value;
  if (kind === 'integer' && INTEGER_TEXT.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
  if (kind === 'number' && NUMBER_TEXT.test(value)) return Number(value);
  if (kind === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

/** Whether a validator accepts an empty object and leaves it empty (no default filled in): then it need not run on one. */
function passesEmpty(validate: ValidateFunction): boolean {
  const probe: Record<string, unknown> = Object.create(null);
  return validate(probe) === true && Object.keys(probe).length === 0;
}

function isEmpty(object: Record<string, unknown>): boolean {
  for (const _ in object) return false;
  return true;
}

/** Appends ajv's errors without spreading them into push (a huge list would overflow the call stack). */
function collect(out: FieldError[], errors: Parameters<typeof toFieldErrors>[0], prefix: string, counter: { total: number }) {
  const list = simplifyErrors(errors ?? []);
  counter.total += list.length;
  const room = MAX_LISTED_ERRORS - out.length;
  if (room > 0) for (const e of toFieldErrors(list.slice(0, room), prefix)) out.push(e);
}

function depthExceeds(value: unknown, max: number): boolean {
  // Iterative, so a hostile nesting depth cannot overflow the stack.
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (node && typeof node === 'object') {
      if (depth >= max) return true;
      for (const child of Object.values(node)) stack.push([child, depth + 1]);
    }
  }
  return false;
}

/**
 * Request validators for every operation of a contract. Each operation's validators are compiled
 * on its first request (ajv takes ~200 ms for all of them, which a start-up should not pay for
 * operations it may never see), then kept; what they accept and refuse is the same either way.
 */
export class RequestValidators {
  private readonly compiled = new Map<string, Compiled>();
  private readonly doc: OpenApiDocument;
  private paramsAjvInstance: Ajv2020 | undefined;
  private bodyAjvInstance: Ajv2020 | undefined;

  constructor(entries: OperationEntry[], doc: OpenApiDocument = loadContract()) {
    this.doc = doc;
    void entries; // compiled on first use: see compiledFor()
  }

  // Path, query and header values arrive as text; `fromText` turns them into the declared
  // types strictly (ajv's own coercion would take `Infinity`, `1e400` or `0x10` as integers).
  private get paramsAjv(): Ajv2020 {
    return (this.paramsAjvInstance ??= createContractAjv(this.doc, { coerceTypes: false, useDefaults: true }));
  }

  private get bodyAjv(): Ajv2020 {
    return (this.bodyAjvInstance ??= createContractAjv(this.doc));
  }

  /** The operation's validators, compiled now if this is its first request. */
  private compiledFor(entry: OperationEntry): Compiled {
    let c = this.compiled.get(entry.operationId);
    if (!c) this.compiled.set(entry.operationId, (c = this.compile(entry)));
    return c;
  }

  private compile(entry: OperationEntry): Compiled {
    const doc = this.doc;
    const kinds: Compiled['kinds'] = { path: new Map(), query: new Map(), header: new Map() };
    // Pages for people ignore what mail tools append (`?utm_source=…`); the API refuses it.
    const ignoreUnknownQuery = (entry.operation as Record<string, unknown>)['x-unknown-query-parameters'] === 'ignore';
    const group = (where: 'path' | 'query' | 'header') => {
      const params = entry.parameters.filter((p) => p.in === where);
      const properties: Record<string, unknown> = {};
      for (const p of params) properties[where === 'header' ? p.name.toLowerCase() : p.name] = p.schema ?? { type: 'string' };
      for (const p of params) kinds[where].set(where === 'header' ? p.name.toLowerCase() : p.name, typeOf(doc, p.schema));
      return {
        params,
        validate: compileContractSchema(this.paramsAjv, {
          type: 'object',
          properties,
          required: params.filter((p) => p.required).map((p) => (where === 'header' ? p.name.toLowerCase() : p.name)),
          // Unknown query parameters are refused; unknown headers are none of our business.
          additionalProperties: where !== 'query' ? true : false,
        }),
      };
    };
    const query = group('query');
    const header = group('header');
    const body = resolveRef<any>(doc, entry.operation.requestBody);
    const bodies = new Map<string, ValidateFunction>();
    const bodySchemas = new Map<string, unknown>();
    for (const [type, media] of Object.entries<any>(body?.content ?? {})) {
      bodySchemas.set(type, media.schema);
      // Form bodies arrive as text too; JSON bodies must have the right types as sent.
      bodies.set(type, compileContractSchema(type === 'application/json' ? this.bodyAjv : this.paramsAjv, media.schema));
    }
    return {
      path: group('path').validate,
      query: query.validate,
      headers: header.validate,
      headerNames: header.params.map((p) => p.name.toLowerCase()),
      emptyQueryPasses: passesEmpty(query.validate),
      emptyHeadersPasses: passesEmpty(header.validate),
      kinds,
      arrayQueryParams: new Set(query.params.filter((p) => [p.schema?.type].flat().includes('array')).map((p) => p.name)),
      ...(ignoreUnknownQuery ? { keepQuery: new Set(query.params.map((p) => p.name)) } : {}),
      bodyRequired: body?.required === true,
      bodies,
      bodySchemas,
    };
  }

  /** Checks every part of the request; throws one 400 listing every violation. */
  validate(entry: OperationEntry, parts: RequestParts): ValidatedRequest {
    const c = this.compiledFor(entry);
    const errors: FieldError[] = [];
    const counter = { total: 0 };

    // Null-prototype objects: a key such as `__proto__` is an own key like any other, so it is checked.
    const path: Record<string, unknown> = Object.create(null);
    for (const key in parts.path) path[key] = fromText(parts.path[key], c.kinds.path.get(key));
    if (!c.path(path)) collect(errors, c.path.errors, '/path', counter);

    const query: Record<string, unknown> = Object.create(null);
    for (const [key, value] of Object.entries(parts.query)) {
      if (c.keepQuery && !c.keepQuery.has(key)) continue;
      query[key] = c.arrayQueryParams.has(key) ? [value].flat().flatMap((v) => String(v).split(',')).filter((v) => v !== '') : fromText(value, c.kinds.query.get(key));
    }
    if (!(c.emptyQueryPasses && isEmpty(query)) && !c.query(query)) collect(errors, c.query.errors, '/query', counter);

    const headers: Record<string, unknown> = Object.create(null);
    for (const name of c.headerNames) if (parts.headers[name] !== undefined) headers[name] = fromText(parts.headers[name], c.kinds.header.get(name));
    if (!(c.emptyHeadersPasses && isEmpty(headers)) && !c.headers(headers)) collect(errors, c.headers.errors, '/header', counter);

    // NUL is refused everywhere (the contract's Limits): it must never reach a PDF, CSV or email.
    const nul: FieldError[] = [];
    paramNulPointers(path, '/path', nul);
    paramNulPointers(query, '/query', nul);
    paramNulPointers(headers, '/header', nul);

    let body: unknown = undefined;
    let mediaType: string | undefined;
    if (parts.hasBody) {
      mediaType = parts.contentType?.split(';')[0]?.trim().toLowerCase();
      const validate = mediaType ? c.bodies.get(mediaType) : undefined;
      if (!validate) {
        throw new ApiError('unsupported_media_type', c.bodies.size ? `Send the body as ${[...c.bodies.keys()].join(' or ')}.` : 'This operation takes no request body.');
      }
      body = parts.body;
      // Size limits first (cheap, bounded by the schema's depth): the rest of an oversized body is not worth walking.
      const oversized: FieldError[] = [];
      oversizedArrays(this.doc, c.bodySchemas.get(mediaType!), body, '/body', oversized);
      if (oversized.length) {
        counter.total += oversized.length;
        for (const e of oversized) if (errors.length < MAX_LISTED_ERRORS) errors.push(e);
      } else if (depthExceeds(body, MAX_DEPTH)) {
        counter.total++;
        errors.push({ pointer: '/body', message: `must not nest deeper than ${MAX_DEPTH} levels`, keyword: 'maxDepth' });
      } else {
        nulPointers(body, '/body', nul);
        if (!validate(body)) collect(errors, validate.errors, '/body', counter);
      }
    } else if (c.bodyRequired) {
      counter.total++;
      errors.push({ pointer: '/body', message: 'a request body is required', keyword: 'required' });
    }

    counter.total += nul.length;
    for (const e of nul) if (errors.length < MAX_LISTED_ERRORS) errors.push(e);

    if (counter.total) {
      const { total } = counter;
      const listed = total > errors.length ? ` (the first ${errors.length} are listed)` : '';
      // A single problem is spelled out, so that the detail alone tells a person what to fix.
      const only = total === 1 && errors[0] ? `: ${errors[0].pointer} ${errors[0].message}` : '';
      throw new ApiError('validation_failed', `${total} problem${total === 1 ? '' : 's'} in the request${listed}${only}.`, { errors });
    }
    return { path, query, headers, body, mediaType };
  }
}
