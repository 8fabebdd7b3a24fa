import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { ApiError, toApiError } from './problem.ts';
import type { ServiceContext } from '../services/context.ts';
import type { Credentials, Principal } from './auth.ts';
import { IdempotencyKeys, type StoredResponse } from './idempotency.ts';
import { problemResponse, writeResponse } from './problem.ts';
import type { RouteTable } from '../contract/routes.ts';
import type { ApiRequest, ApiResponse, HandlerRegistry } from './types.ts';
import type { RequestValidators } from './validation.ts';

export const BODY_LIMIT_BYTES = 1024 * 1024;

export type PipelineDeps = {
  routes: RouteTable;
  validators: RequestValidators;
  credentials: Credentials;
  idempotency: IdempotencyKeys;
  handlers: HandlerRegistry;
  /** Requests per minute per credential; 0 turns the limit off. Read on every request so it can change at run time. */
  rateLimit: () => number;
  /** The window the limit counts in, in seconds (fixed when the server starts). */
  rateLimitWindowSeconds?: number;
  contextFor: (tenant: string, req: Request) => ServiceContext;
  /** Checks that must answer before generic validation (RFC-specific error codes). */
  preValidate?: Partial<Record<string, (body: unknown) => void>>;
  /** Runs just before the handler (latency and fault injection hook). */
  beforeHandler?: (req: Request, operationId: string) => Promise<void>;
  /** The data directory, if any: commit() makes the request's changes (and its idempotency key) durable before the answer goes out. */
  storage?: StorageGuard;
};

/** What the pipeline needs of a data directory (DurableState). */
export type StorageGuard = {
  commit(): void;
  /** Throws a StorageError once the database can no longer be written. */
  check(): void;
  /** Failed commits so far. */
  readonly epoch: number;
};

const readRawBody = express.raw({ type: () => true, limit: BODY_LIMIT_BYTES });

function run(middleware: RequestHandler, req: Request, res: Response): Promise<void> {
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

function parseBody(raw: Buffer, contentType: string | undefined): unknown {
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

/** route → authenticate → rate limit → authorize → read and validate → idempotency → handle → answer. */
export function contractPipeline(deps: PipelineDeps): RequestHandler {
  const windowSeconds = deps.rateLimitWindowSeconds ?? 60;
  const limiter = rateLimit({
    windowMs: windowSeconds * 1000,
    limit: () => deps.rateLimit(),
    skip: () => deps.rateLimit() <= 0,
    keyGenerator: (req) => (req as Request & { principal: Principal }).principal.credentialId,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    validate: false,
    // express-rate-limit has set Retry-After and the RateLimit headers by the time this runs.
    handler: (_req, res, next) => {
      next(new ApiError('rate_limited', `${deps.rateLimit()} requests per ${windowSeconds} seconds; retry in ${String(res.getHeader('Retry-After'))} seconds.`));
    },
  });

  return async (req: Request, res: Response, _next: NextFunction) => {
    const requestId = res.getHeader('X-Request-Id') as string;
    const answer = (response: ApiResponse) => writeResponse(res, response);
    const fail = (error: unknown) => answer(problemResponse(toApiError(error), requestId, req.path));
    let idempotent: { credential: string; key: string } | undefined;
    // A commit that fails while this request runs may take this request's changes with it.
    const epoch = deps.storage?.epoch;
    try {
      // Memory may hold what the disk does not: nothing is answered from it.
      deps.storage?.check();
      const match = deps.routes.match(req.method, req.path);
      if (match.kind === 'none') throw new ApiError('route_not_found', `No route ${req.method} ${req.path}.`);
      if (match.kind === 'method_not_allowed') {
        throw new ApiError('method_not_allowed', `${req.method} is not allowed on ${req.path}; use ${match.allow.join(', ')}.`, { headers: { Allow: match.allow.join(', ') } });
      }
      const { entry } = match;
      const security = (entry.operation.security ?? []) as Array<Record<string, string[]>>;
      let principal: Principal | undefined;
      if (security.length) {
        // Answers to credentials are never stored by a cache, refusals included.
        res.setHeader('Cache-Control', 'no-store');
        principal = deps.credentials.authenticate(req.get('authorization'));
        (req as Request & { principal: Principal }).principal = principal;
        await run(limiter, req, res);
        deps.credentials.authorize(principal, security);
      }

      let raw: Buffer | undefined;
      if (entry.operation.requestBody) {
        try {
          await run(readRawBody, req, res);
        } catch (e) {
          throw bodyError(e);
        }
        raw = Buffer.isBuffer(req.body) && req.body.length > 0 ? req.body : undefined;
      }
      const contentType = req.get('content-type');
      const body = raw === undefined ? undefined : parseBody(raw, contentType);
      deps.preValidate?.[entry.operationId]?.(body);
      const input = deps.validators.validate(entry, {
        path: match.params,
        query: { ...(req.query as Record<string, unknown>) },
        headers: req.headers,
        hasBody: raw !== undefined,
        body,
        contentType,
      });

      const key = input.headers['idempotency-key'] as string | undefined;
      if (key !== undefined && principal && req.method === 'POST') {
        const replay = deps.idempotency.begin(principal.credentialId, key, IdempotencyKeys.fingerprint(req.method, req.path, input.body));
        if (replay) {
          answer({ status: replay.status, body: replay.body, contentType: replay.contentType, headers: { ...replay.headers, 'Idempotent-Replayed': 'true' } });
          return;
        }
        idempotent = { credential: principal.credentialId, key };
      }

      const handler = deps.handlers[entry.operationId];
      if (!handler) throw new ApiError('internal_error', `Operation '${entry.operationId}' is not implemented by this server yet.`, { status: 501 });
      const apiRequest: ApiRequest = {
        entry,
        input,
        principal,
        ctx: () => {
          if (!principal) throw new Error('ctx() needs an authenticated operation');
          return deps.contextFor(principal.tenant, req);
        },
        ctxFor: (tenant) => deps.contextFor(tenant, req),
        requestId,
        raw: req,
      };
      let response: ApiResponse;
      try {
        await deps.beforeHandler?.(req, entry.operationId);
        response = await handler(apiRequest);
      } catch (error) {
        response = problemResponse(toApiError(error), requestId, req.path);
      }
      if (deps.storage && deps.storage.epoch !== epoch) {
        response = problemResponse(new ApiError('storage_unavailable', 'A change could not be written to the data directory while this request ran; what it changed was not kept. Retry it.'), requestId, req.path);
      }
      if (idempotent) {
        const stored: StoredResponse | undefined = response.stream
          ? undefined // streamed answers are not replayable; the key is released
          : { status: response.status, headers: response.headers ?? {}, body: response.body, contentType: response.contentType ?? 'application/json' };
        deps.idempotency.finish(idempotent.credential, idempotent.key, stored);
        idempotent = undefined;
      }
      deps.storage?.commit();
      answer(response);
    } catch (error) {
      if (idempotent) deps.idempotency.finish(idempotent.credential, idempotent.key, undefined);
      fail(error);
    }
  };
}
