import type { Ajv2020, ValidateFunction } from 'ajv/dist/2020.js';
import { compileContractSchema, createContractAjv, toFieldErrors } from '../contract/ajv.ts';
import { loadContract, resolveRef, type OpenApiDocument, type OperationEntry } from '../contract/load.ts';
import { ApiError, type FieldError } from '../errors.ts';

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
  arrayQueryParams: Set<string>;
  bodyRequired: boolean;
  bodies: Map<string, ValidateFunction>;
};

const MAX_DEPTH = 32;

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

/** Request validators for every operation, compiled once from the contract at start-up. */
export class RequestValidators {
  private readonly compiled = new Map<string, Compiled>();
  private readonly paramsAjv: Ajv2020;
  private readonly bodyAjv: Ajv2020;

  constructor(entries: OperationEntry[], doc: OpenApiDocument = loadContract()) {
    // Path, query and header values arrive as text: let ajv coerce them to the declared types.
    this.paramsAjv = createContractAjv(doc, { coerceTypes: true, useDefaults: true });
    this.bodyAjv = createContractAjv(doc);
    for (const entry of entries) {
      const group = (where: 'path' | 'query' | 'header') => {
        const params = entry.parameters.filter((p) => p.in === where);
        const properties: Record<string, unknown> = {};
        for (const p of params) properties[where === 'header' ? p.name.toLowerCase() : p.name] = p.schema ?? { type: 'string' };
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
      for (const [type, media] of Object.entries<any>(body?.content ?? {})) {
        // Form bodies arrive as text too; JSON bodies must have the right types as sent.
        bodies.set(type, compileContractSchema(type === 'application/json' ? this.bodyAjv : this.paramsAjv, media.schema));
      }
      this.compiled.set(entry.operationId, {
        path: group('path').validate,
        query: query.validate,
        headers: header.validate,
        headerNames: header.params.map((p) => p.name.toLowerCase()),
        arrayQueryParams: new Set(query.params.filter((p) => [p.schema?.type].flat().includes('array')).map((p) => p.name)),
        bodyRequired: body?.required === true,
        bodies,
      });
    }
  }

  /** Checks every part of the request; throws one 400 listing every violation. */
  validate(entry: OperationEntry, parts: RequestParts): ValidatedRequest {
    const c = this.compiled.get(entry.operationId)!;
    const errors: FieldError[] = [];

    const path = { ...parts.path };
    if (!c.path(path)) errors.push(...toFieldErrors(c.path.errors, '/path'));

    const query: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(parts.query)) {
      query[key] = c.arrayQueryParams.has(key) ? [value].flat().flatMap((v) => String(v).split(',')).filter((v) => v !== '') : value;
    }
    if (!c.query(query)) errors.push(...toFieldErrors(c.query.errors, '/query'));

    const headers: Record<string, unknown> = {};
    for (const name of c.headerNames) if (parts.headers[name] !== undefined) headers[name] = parts.headers[name];
    if (!c.headers(headers)) errors.push(...toFieldErrors(c.headers.errors, '/header'));

    let body: unknown = undefined;
    let mediaType: string | undefined;
    if (parts.hasBody) {
      mediaType = parts.contentType?.split(';')[0]?.trim().toLowerCase();
      const validate = mediaType ? c.bodies.get(mediaType) : undefined;
      if (!validate) {
        throw new ApiError('unsupported_media_type', c.bodies.size ? `Send the body as ${[...c.bodies.keys()].join(' or ')}.` : 'This operation takes no request body.');
      }
      body = parts.body;
      if (depthExceeds(body, MAX_DEPTH)) {
        errors.push({ pointer: '/body', message: `must not nest deeper than ${MAX_DEPTH} levels`, keyword: 'maxDepth' });
      } else if (!validate(body)) {
        errors.push(...toFieldErrors(validate.errors, '/body'));
      }
    } else if (c.bodyRequired) {
      errors.push({ pointer: '/body', message: 'a request body is required', keyword: 'required' });
    }

    if (errors.length) {
      throw new ApiError('validation_failed', `${errors.length} problem${errors.length === 1 ? '' : 's'} in the request.`, { errors });
    }
    return { path, query, headers, body, mediaType };
  }
}
