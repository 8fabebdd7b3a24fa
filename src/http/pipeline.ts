import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { ApiError, toApiError } from './problem.ts';
import type { ServiceContext } from '../services/context.ts';
import type { OperationEntry } from '../contract/load.ts';
import type { Principal } from './auth.ts';
import { IdempotencyKeys, type StoredResponse } from './idempotency.ts';
import { problemResponse, writeResponse } from './problem.ts';
import type { RouteTable } from '../contract/routes.ts';
import type { ApiRequest, ApiResponse, HandlerLookup } from './types.ts';
import type { RequestValidators } from './validation.ts';

export const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * Who may call an operation: returns the caller (or undefined for an open operation), or throws
 * the refusal. It may set headers (Cache-Control, rate-limit headers) on the answer.
 */
export type Guard = (req: Request, res: Response, entry: OperationEntry) => Principal | undefined | Promise<Principal | undefined>;

/**
 * How one operation shows its errors when problem+json is not what its callers read (HTML pages
 * for people, RFC 6749 JSON at the token endpoint): an answer, or undefined for problem+json.
 */
export type ErrorPresenter = (error: ApiError, req: Request, requestId: string) => ApiResponse | undefined;

export type PipelineDeps = {
  routes: RouteTable;
  validators: RequestValidators;
  handlers: HandlerLookup;
  guard: Guard;
  /** Largest body read (1 MiB by default). */
  bodyLimitBytes?: number;
  /** Turns the raw body into what validation sees (by Content-Type by default: JSON, forms, text). */
  parseBody?: (raw: Buffer, contentType: string | undefined) => unknown;
  /** Headers on every answer of this pipeline, refusals included. */
  headers?: Record<string, string>;
  /** The wording of routing refusals (the control API names itself). */
  routeRefusals?: RouteRefusals;
  /** Error presenters by operationId; the rest answer problem+json. */
  presenters?: Partial<Record<string, ErrorPresenter>>;
  /** Replays by Idempotency-Key (POST, authenticated callers); none when absent. */
  idempotency?: IdempotencyKeys;
  contextFor?: (tenant: string, req: Request) => ServiceContext;
  /** Checks that must answer before generic validation (RFC-specific error codes). */
  preValidate?: Partial<Record<string, (body: unknown) => void>>;
  /** Runs just before the handler (latency and fault injection hook). */
  beforeHandler?: (req: Request, operationId: string) => Promise<void>;
  /** The data directory, if any: commit() makes the request's changes (and its idempotency key) durable before the answer goes out. */
  storage?: StorageGuard;
};

export type RouteRefusals = {
  noRoute: (method: string, path: string) => string;
  methodNotAllowed: (method: string, path: string, allow: string) => string;
};

const API_ROUTE_REFUSALS: RouteRefusals = {
  noRoute: (method, path) => `No route ${method} ${path}.`,
  methodNotAllowed: (method, path, allow) => `${method} is not allowed on ${path}; use ${allow}.`,
};

/** What the pipeline needs of a data directory (DurableState). */
export type StorageGuard = {
  commit(): void;
  /** Throws a StorageError once the database can no longer be written. */
  check(): void;
  /** Failed commits so far. */
  readonly epoch: number;
};

const bodyReaders = new Map<number, RequestHandler>();
/** express.raw for a limit, made once per limit. */
function rawBodyReader(limit: number): RequestHandler {
  let reader = bodyReaders.get(limit);
  if (!reader) bodyReaders.set(limit, (reader = express.raw({ type: () => true, limit })));
  return reader;
}

const DECIMAL = /^[0-9]+$/;

/**
 * express.raw's common case without its machinery: a body sent with a Content-Length within the
 * limit and no content coding, read into req.body (a Buffer, as express.raw leaves it). Undefined
 * for every other case (compressed, chunked, too large, no length), which express.raw reads.
 */
export function readPlainBody(req: Request, limit: number): Promise<void> | undefined {
  const { headers } = req;
  if (headers['content-encoding'] !== undefined || headers['transfer-encoding'] !== undefined) return undefined;
  const declared = headers['content-length'];
  if (declared === undefined || !DECIMAL.test(declared)) return undefined;
  const length = Number(declared);
  if (length > limit) return undefined;
  return new Promise<void>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
    };
    const onEnd = () => {
      cleanup();
      // What raw-body reports when fewer bytes came than declared.
      if (received !== length) return reject(Object.assign(new Error('request size did not match content length'), { type: 'request.size.invalid' }));
      req.body = Buffer.concat(chunks, received);
      resolve();
    };
    const onAborted = () => {
      cleanup();
      reject(Object.assign(new Error('request aborted'), { type: 'request.aborted' }));
    };
    const onError = (error: unknown) => {
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('aborted', onAborted);
      req.off('error', onError);
      req.off('close', cleanup);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('aborted', onAborted);
    req.on('error', onError);
    req.on('close', cleanup);
  });
}

export function run(middleware: RequestHandler, req: Request, res: Response): Promise<void> {
  return new Promise((resolve, reject) => {
    void middleware(req, res, (err?: unknown) => (err ? reject(err) : resolve()));
  });
}

export function bodyError(err: any, limit = BODY_LIMIT_BYTES): ApiError {
  if (err?.type === 'entity.too.large') return new ApiError('payload_too_large', `The body may not exceed ${limit} bytes.`);
  if (err?.type === 'encoding.unsupported' || err?.type === 'charset.unsupported') return new ApiError('unsupported_media_type', 'Unsupported content encoding or charset.');
  return new ApiError('malformed_json', 'The request body could not be read.');
}

/** Most parameters a form body may carry; the contract's forms need at most four. */
export const MAX_FORM_PARAMETERS = 100;

/** Form fields in a null-prototype object (no key reaches Object.prototype); linear in the body size. */
export function parseForm(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  let count = 0;
  for (const [key, value] of new URLSearchParams(text)) {
    if (++count > MAX_FORM_PARAMETERS) {
      throw new ApiError('validation_failed', `A form body may carry at most ${MAX_FORM_PARAMETERS} parameters.`, {
        errors: [{ pointer: '/body', message: `must have at most ${MAX_FORM_PARAMETERS} parameters`, keyword: 'maxProperties' }],
      });
    }
    const prior = out[key];
    if (prior === undefined) out[key] = value;
    else if (Array.isArray(prior)) prior.push(value);
    else out[key] = [prior, value];
  }
  return out;
}

/** The API's bodies by Content-Type: JSON, forms, and anything else as text (for validation to refuse). */
export function parseBody(raw: Buffer, contentType: string | undefined): unknown {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  const text = raw.toString('utf8');
  if (type === 'application/x-www-form-urlencoded') return parseForm(text);
  if (type === 'application/json' || type?.endsWith('+json')) {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new ApiError('malformed_json', `The body is not valid JSON: ${(e as Error).message}.`);
    }
  }
  return text;
}

/** route → guard (authenticate, rate limit, authorize) → read and validate → idempotency → handle → answer, for one contract. */
export function contractPipeline(deps: PipelineDeps): RequestHandler {
  const bodyLimit = deps.bodyLimitBytes ?? BODY_LIMIT_BYTES;
  const readRawBody = rawBodyReader(bodyLimit);
  const parse = deps.parseBody ?? parseBody;
  const refusals = deps.routeRefusals ?? API_ROUTE_REFUSALS;
  const fixedHeaders = Object.entries(deps.headers ?? {});

  const { contextFor } = deps;

  // Runs to the end synchronously unless a step is asynchronous (a body to read, the rate
  // limiter, a beforeHandler, an async handler): a GET costs no promise and no microtask.
  return (req: Request, res: Response, _next: NextFunction): void | Promise<void> => {
    for (let i = 0; i < fixedHeaders.length; i++) res.setHeader(fixedHeaders[i]![0], fixedHeaders[i]![1]);
    const requestId = res.getHeader('X-Request-Id') as string;
    const state: RequestState = { req, res, requestId, operationId: undefined, idempotent: undefined, epoch: deps.storage?.epoch };
    try {
      // Memory may hold what the disk does not: nothing is answered from it.
      deps.storage?.check();
      const match = deps.routes.match(req.method, req.path);
      if (match.kind === 'none') throw new ApiError('route_not_found', refusals.noRoute(req.method, req.path));
      if (match.kind === 'method_not_allowed') {
        const allow = match.allow.join(', ');
        throw new ApiError('method_not_allowed', refusals.methodNotAllowed(req.method, req.path, allow), { headers: { Allow: allow } });
      }
      const { entry } = match;
      state.operationId = entry.operationId;
      const guarded = deps.guard(req, res, entry);
      if (guarded instanceof Promise || entry.operation.requestBody) return afterGuard(state, entry, match.params, guarded).catch((error) => fail(state, error));
      const pending = handle(state, entry, match.params, guarded, undefined);
      if (pending) return pending.catch((error) => fail(state, error));
    } catch (error) {
      fail(state, error);
    }
  };

  type RequestState = { req: Request; res: Response; requestId: string; operationId: string | undefined; idempotent: { credential: string; key: string } | undefined; epoch: number | undefined };

  /** The problem, or what the operation's presenter makes of it. */
  function present(state: RequestState, error: unknown): ApiResponse {
    const problem = toApiError(error);
    const presenter = state.operationId === undefined ? undefined : deps.presenters?.[state.operationId];
    return presenter?.(problem, state.req, state.requestId) ?? problemResponse(problem, state.requestId, state.req.path);
  }

  function fail(state: RequestState, error: unknown): void {
    if (state.idempotent) deps.idempotency!.finish(state.idempotent.credential, state.idempotent.key, undefined);
    writeResponse(state.res, present(state, error));
  }

  /** The guard's answer awaited and the body read: the asynchronous path. */
  async function afterGuard(state: RequestState, entry: OperationEntry, params: Record<string, string>, guarded: ReturnType<Guard>): Promise<void> {
    const principal = await guarded;
    let raw: Buffer | undefined;
    if (entry.operation.requestBody) {
      try {
        await (readPlainBody(state.req, bodyLimit) ?? run(readRawBody, state.req, state.res));
      } catch (e) {
        throw bodyError(e, bodyLimit);
      }
      raw = Buffer.isBuffer(state.req.body) && state.req.body.length > 0 ? state.req.body : undefined;
    }
    const pending = handle(state, entry, params, principal, raw);
    if (pending) await pending;
  }

  /** Validate, replay or handle, and answer; a promise only when the handler (or beforeHandler) is asynchronous. */
  function handle(state: RequestState, entry: OperationEntry, params: Record<string, string>, principal: Principal | undefined, raw: Buffer | undefined): void | Promise<void> {
    const { req, res } = state;
    const contentType = req.headers['content-type'];
    const body = raw === undefined ? undefined : parse(raw, contentType);
    deps.preValidate?.[entry.operationId]?.(body);
    const input = deps.validators.validate(entry, {
      path: params,
      // Express parses the query string on every read of req.query: none to parse, none read.
      query: req.url.includes('?') ? { ...(req.query as Record<string, unknown>) } : {},
      headers: req.headers,
      hasBody: raw !== undefined,
      body,
      contentType,
    });

    const key = input.headers['idempotency-key'] as string | undefined;
    if (deps.idempotency && key !== undefined && principal && req.method === 'POST') {
      const replay = deps.idempotency.begin(principal.credentialId, key, IdempotencyKeys.fingerprint(req.method, req.path, input.body));
      if (replay) {
        writeResponse(res, { status: replay.status, body: replay.body, contentType: replay.contentType, headers: { ...replay.headers, 'Idempotent-Replayed': 'true' } });
        return;
      }
      state.idempotent = { credential: principal.credentialId, key };
    }

    const handler = deps.handlers[entry.operationId];
    if (!handler) throw new ApiError('internal_error', `Operation '${entry.operationId}' is not implemented by this server yet.`, { status: 501 });
    const apiRequest: ApiRequest = {
      entry,
      input,
      principal,
      ctx: () => {
        if (!principal || !contextFor) throw new Error('ctx() needs an authenticated operation');
        return contextFor(principal.tenant, req);
      },
      ctxFor: (tenant) => {
        if (!contextFor) throw new Error('ctxFor() needs a service context');
        return contextFor(tenant, req);
      },
      requestId: state.requestId,
      raw: req,
    };
    let answer: ApiResponse | Promise<ApiResponse>;
    try {
      answer = deps.beforeHandler ? deps.beforeHandler(req, entry.operationId).then(() => handler(apiRequest)) : handler(apiRequest);
    } catch (error) {
      answer = present(state, error);
    }
    if (answer instanceof Promise) {
      return answer.then(
        (response) => finish(state, response),
        (error) => finish(state, present(state, error)),
      );
    }
    finish(state, answer);
  }

  function finish(state: RequestState, answer: ApiResponse): void {
    let response = answer;
    if (deps.storage && deps.storage.epoch !== state.epoch) {
      response = present(state, new ApiError('storage_unavailable', 'A change could not be written to the data directory while this request ran; what it changed was not kept. Retry it.'));
    }
    if (state.idempotent) {
      const stored: StoredResponse | undefined = response.stream
        ? undefined // streamed answers are not replayable; the key is released
        : { status: response.status, headers: response.headers ?? {}, body: response.body, contentType: response.contentType ?? 'application/json' };
      deps.idempotency!.finish(state.idempotent.credential, state.idempotent.key, stored);
      state.idempotent = undefined;
    }
    deps.storage?.commit();
    writeResponse(state.res, response);
  }
}
