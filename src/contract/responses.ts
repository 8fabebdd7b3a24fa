import type { ValidateFunction } from 'ajv/dist/2020.js';
import { compileContractSchema, createContractAjv, toFieldErrors } from './ajv.ts';
import { listOperations, loadContract, resolveRef, type JsonSchema, type OpenApiDocument, type OperationEntry } from './load.ts';
import { RouteTable } from './routes.ts';

export type ObservedResponse = {
  method: string;
  /** Concrete request path, without the query string. */
  path: string;
  status: number;
  contentType: string | undefined;
  /** Parsed JSON for JSON media types, text otherwise. */
  body: unknown;
  /** Lower-cased header names; header checks are skipped when absent. */
  headers?: Record<string, string>;
};

/** What kind of departure from the contract a response shows; the conformance checks key on it. */
export type ViolationKind =
  | 'undocumented_route'
  | 'undocumented_status'
  | 'undocumented_content_type'
  | 'unexpected_body'
  | 'body_schema'
  | 'missing_header'
  | 'header_schema';

export type ResponseViolation = { kind: ViolationKind; pointer: string; message: string; expected?: string; got?: string };

type HeaderSpec = { name: string; required: boolean; validate: (value: string) => boolean; schema: JsonSchema };

/** Checks responses against the contract: documented route, status, media type, headers and body schema. */
export class ResponseValidator {
  private readonly routes: RouteTable;
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly headerSpecs = new Map<string, HeaderSpec[]>();
  private readonly ajv: ReturnType<typeof createContractAjv>;

  constructor(private readonly doc: OpenApiDocument = loadContract()) {
    this.ajv = createContractAjv(doc);
    this.routes = new RouteTable(listOperations(doc));
  }

  operationOf(method: string, path: string): OperationEntry | undefined {
    const match = this.routes.match(method.toUpperCase(), path);
    return match.kind === 'operation' ? match.entry : undefined;
  }

  /** The response object the contract documents for this status (exact, then `4XX`, then `default`). */
  responseSpec(entry: OperationEntry, status: number): Record<string, any> | undefined {
    const responses = entry.operation.responses as Record<string, unknown>;
    return resolveRef<any>(this.doc, responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default);
  }

  /** Every way the response departs from the contract; empty when it conforms. */
  validate(observed: ObservedResponse): ResponseViolation[] {
    const entry = this.operationOf(observed.method, observed.path);
    if (!entry) return [{ kind: 'undocumented_route', pointer: '/path', message: `${observed.method.toUpperCase()} ${observed.path} is not an operation of the contract` }];
    const spec = this.responseSpec(entry, observed.status);
    if (!spec) {
      const documented = Object.keys(entry.operation.responses ?? {}).join(', ');
      return [{ kind: 'undocumented_status', pointer: '/status', message: `${entry.operationId} does not document status ${observed.status}`, expected: documented, got: String(observed.status) }];
    }
    const violations = observed.headers ? this.checkHeaders(entry, observed.status, spec, observed.headers) : [];
    return [...violations, ...this.checkBody(entry, observed, spec)];
  }

  /** The earlier, untyped form kept for the server's own tests. */
  check(observed: ObservedResponse): Array<{ pointer: string; message: string }> {
    return this.validate(observed)
      .filter((v) => v.kind !== 'undocumented_route') // 404/405 problems are checked by the caller
      .map(({ pointer, message }) => ({ pointer, message }));
  }

  private checkBody(entry: OperationEntry, observed: ObservedResponse, spec: Record<string, any>): ResponseViolation[] {
    const content = (spec.content ?? {}) as Record<string, { schema?: Record<string, unknown> }>;
    const mediaTypes = Object.keys(content);
    if (mediaTypes.length === 0) {
      const empty = observed.body === undefined || observed.body === '' || observed.body === null || (Buffer.isBuffer(observed.body) && observed.body.length === 0);
      return empty ? [] : [{ kind: 'unexpected_body', pointer: '/body', message: `${entry.operationId} ${observed.status} documents no body` }];
    }
    const type = observed.contentType?.split(';')[0]?.trim().toLowerCase();
    if (!type || !content[type]) {
      return [{ kind: 'undocumented_content_type', pointer: '/content-type', message: `${entry.operationId} ${observed.status}: '${type ?? ''}' is not one of ${mediaTypes.join(', ')}`, expected: mediaTypes.join(', '), got: type ?? '(none)' }];
    }
    const schema = content[type]!.schema;
    if (!schema) return [];
    if (!/json/.test(type)) {
      return typeof observed.body === 'string' || Buffer.isBuffer(observed.body) ? [] : [{ kind: 'body_schema', pointer: '/body', message: 'expected a text or binary body' }];
    }
    const key = `${entry.operationId} ${observed.status} ${type}`;
    let validate = this.validators.get(key);
    if (!validate) this.validators.set(key, (validate = compileContractSchema(this.ajv, schema)));
    if (validate(observed.body)) return [];
    return toFieldErrors(validate.errors, '/body').map(({ pointer, message, keyword }) => ({ kind: 'body_schema' as const, pointer, message: `${key}: ${pointer} ${message}`, got: keyword }));
  }

  private checkHeaders(entry: OperationEntry, status: number, spec: Record<string, any>, headers: Record<string, string>): ResponseViolation[] {
    const out: ResponseViolation[] = [];
    for (const header of this.headersOf(entry, status, spec)) {
      const value = headers[header.name];
      if (value === undefined) {
        if (header.required) out.push({ kind: 'missing_header', pointer: `/headers/${header.name}`, message: `${entry.operationId} ${status} must send the header ${header.name}`, expected: header.name, got: '(absent)' });
      } else if (!header.validate(value)) {
        out.push({ kind: 'header_schema', pointer: `/headers/${header.name}`, message: `${entry.operationId} ${status}: header ${header.name}: '${value}' does not match ${JSON.stringify(header.schema)}`, expected: JSON.stringify(header.schema), got: value });
      }
    }
    return out;
  }

  private headersOf(entry: OperationEntry, status: number, spec: Record<string, any>): HeaderSpec[] {
    const key = `${entry.operationId} ${status}`;
    let specs = this.headerSpecs.get(key);
    if (!specs) {
      specs = Object.entries((spec.headers ?? {}) as Record<string, unknown>).map(([name, raw]) => {
        const header = resolveRef<{ required?: boolean; schema?: JsonSchema }>(this.doc, raw);
        const schema = header.schema ?? {};
        const validate = compileContractSchema(this.ajv, schema);
        const numeric = schema.type === 'integer' || schema.type === 'number';
        // Header values are text; a numeric schema is checked on the decimal number the text spells.
        const check = (value: string) => (numeric ? /^-?\d+(\.\d+)?$/.test(value.trim()) && validate(Number(value)) : validate(value));
        return { name: name.toLowerCase(), required: header.required === true, validate: check, schema };
      });
      this.headerSpecs.set(key, specs);
    }
    return specs;
  }
}
