import type { ValidateFunction } from 'ajv/dist/2020.js';
import { compileContractSchema, createContractAjv, toFieldErrors } from './ajv.ts';
import { listOperations, loadContract, resolveRef, type OpenApiDocument, type OperationEntry } from './load.ts';
import { RouteTable } from '../http/routes.ts';

export type ObservedResponse = {
  method: string;
  /** Concrete request path, without the query string. */
  path: string;
  status: number;
  contentType: string | undefined;
  /** Parsed JSON for JSON media types, text otherwise. */
  body: unknown;
};

export type ResponseViolation = { pointer: string; message: string };

/** Checks responses against the contract: documented status, media type and body schema. */
export class ResponseValidator {
  private readonly routes: RouteTable;
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly ajv: ReturnType<typeof createContractAjv>;

  constructor(private readonly doc: OpenApiDocument = loadContract()) {
    this.ajv = createContractAjv(doc);
    this.routes = new RouteTable(listOperations(doc));
  }

  operationOf(method: string, path: string): OperationEntry | undefined {
    const match = this.routes.match(method.toUpperCase(), path);
    return match.kind === 'operation' ? match.entry : undefined;
  }

  /** Every way the response departs from the contract; empty when it conforms. */
  check(observed: ObservedResponse): ResponseViolation[] {
    const entry = this.operationOf(observed.method, observed.path);
    if (!entry) return []; // not a contract route: 404/405 problems are checked by the caller
    const responses = entry.operation.responses as Record<string, unknown>;
    const spec = resolveRef<any>(this.doc, responses[String(observed.status)] ?? responses[`${String(observed.status)[0]}XX`] ?? responses.default);
    if (!spec) return [{ pointer: '/status', message: `${entry.operationId} does not document status ${observed.status}` }];
    const content = (spec.content ?? {}) as Record<string, { schema?: Record<string, unknown> }>;
    const mediaTypes = Object.keys(content);
    if (mediaTypes.length === 0) {
      const empty = observed.body === undefined || observed.body === '' || observed.body === null;
      return empty ? [] : [{ pointer: '/body', message: `${entry.operationId} ${observed.status} documents no body` }];
    }
    const type = observed.contentType?.split(';')[0]?.trim().toLowerCase();
    if (!type || !content[type]) return [{ pointer: '/content-type', message: `${entry.operationId} ${observed.status}: '${type}' is not one of ${mediaTypes.join(', ')}` }];
    const schema = content[type]!.schema;
    if (!schema) return [];
    if (!/json/.test(type)) return typeof observed.body === 'string' || Buffer.isBuffer(observed.body) ? [] : [{ pointer: '/body', message: 'expected a text or binary body' }];
    const key = `${entry.operationId} ${observed.status} ${type}`;
    let validate = this.validators.get(key);
    if (!validate) this.validators.set(key, (validate = compileContractSchema(this.ajv, schema)));
    return validate(observed.body) ? [] : toFieldErrors(validate.errors, '/body').map(({ pointer, message }) => ({ pointer, message: `${key}: ${message}` }));
  }
}
