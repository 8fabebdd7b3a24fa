import express, { type Request, type Response } from 'express';
import { timingSafeEqual } from 'node:crypto';
import { controlContractPath, listOperations, loadContract } from '../contract/load.ts';
import type { ControllableClock } from '../deps.ts';
import { ApiError, toApiError } from '../http/problem.ts';
import { bodyError, type StorageGuard } from '../http/pipeline.ts';
import { problemResponse, writeResponse } from '../http/problem.ts';
import { RouteTable } from '../contract/routes.ts';
import type { ApiResponse } from '../http/types.ts';
import { RequestValidators, type ValidatedRequest } from '../http/validation.ts';
import type { Outbox } from '../services/outbox.ts';
import type { Disturbance } from './disturbance.ts';
import { CLOCK_MAX_MS, CLOCK_MIN_MS, clockCanShow, parseDuration } from './duration.ts';
import type { Journal } from './journal.ts';
import type { MockState } from './state.ts';

export type ControlDeps = {
  adminToken: string;
  state: MockState;
  clock: ControllableClock;
  outbox: Outbox;
  journal: Journal;
  disturbance: Disturbance;
  /** With a data directory: commit() makes what a control request changed durable before it is answered. */
  storage?: Pick<StorageGuard, 'commit' | 'check'>;
};

type ControlHandler = (input: ValidatedRequest) => ApiResponse;

const CONTROL_BODY_LIMIT_BYTES = 64 * 1024;
const readControlBody = express.raw({ type: () => true, limit: CONTROL_BODY_LIMIT_BYTES });

const ok = (body: unknown, status = 200): ApiResponse => ({ status, body });

const outOfRange = (pointer: string, message: string) =>
  new ApiError('validation_failed', `The clock ${message}: ${new Date(CLOCK_MIN_MS).toISOString()} to ${new Date(CLOCK_MAX_MS).toISOString()}.`, { errors: [{ pointer, message, keyword: 'clockRange' }] });

/** The mock-control API (spec/control/openapi.yaml), validated by the same machinery as the canonical API. */
export function controlRouter(deps: ControlDeps) {
  const doc = loadContract(controlContractPath);
  const entries = listOperations(doc);
  const routes = new RouteTable(entries);
  const validators = new RequestValidators(entries, doc);
  const { state, clock, outbox, journal, disturbance } = deps;

  const clockState = () => ({ now: clock.now().toISOString(), frozen: clock.frozen, offset_ms: Math.round(clock.now().getTime() - Date.now()) });

  const handlers: Record<string, ControlHandler> = {
    resetState: () => ok(state.load()),
    loadDataset: ({ body }) => {
      if (body.name !== undefined) {
        if (body.preset !== undefined || body.seed !== undefined) throw new ApiError('validation_failed', 'Send either name or preset/seed.', { errors: [{ pointer: '/body/name', message: 'cannot be combined with preset or seed' }] });
        return ok(state.loadNamed(body.name));
      }
      return ok(state.load({ kind: 'generated', preset: body.preset ?? 'small', seed: body.seed ?? 42 }));
    },
    listSnapshots: () => ok({ data: state.listSnapshots() }),
    saveSnapshot: ({ body }) => ok(state.saveSnapshot(body.name), 201),
    restoreSnapshot: ({ path }) => ok(state.restoreSnapshot(path.name)),
    deleteSnapshot: ({ path }) => {
      state.deleteSnapshot(path.name);
      return { status: 204 };
    },
    getClock: () => ok(clockState()),
    resetClock: () => {
      clock.reset();
      return ok(clockState());
    },
    freezeClock: ({ body }) => {
      const at = body?.at ? Date.parse(body.at) : clock.now().getTime();
      if (!clockCanShow(at)) throw outOfRange('/body/at', 'is outside the range the clock can show');
      clock.freeze(new Date(at));
      return ok(clockState());
    },
    resumeClock: () => {
      clock.resume();
      return ok(clockState());
    },
    advanceClock: ({ body }) => {
      const ms = parseDuration(body.duration);
      // Refused before anything moves, so a rejected move leaves the clock as it was.
      if (!clockCanShow(clock.now().getTime() + ms)) throw outOfRange('/body/duration', 'would move the clock out of the range it can show');
      clock.advance(ms);
      return ok(clockState());
    },
    listOutbox: ({ query }) =>
      ok({
        data: outbox
          .list({ invoice_id: query.invoice_id })
          .filter((m) => query.to === undefined || m.to === query.to || m.cc.includes(query.to))
          .map(({ attachments, created_at, ...m }) => ({
            ...m,
            sent_at: created_at,
            attachments: attachments.map((a) => ({ filename: a.filename, content_type: a.contentType, size: a.content.length, content_base64: a.content.toString('base64') })),
          })),
      }),
    clearOutbox: () => {
      outbox.clear();
      return { status: 204 };
    },
    listRequests: ({ query }) => ok({ data: journal.list(query) }),
    clearRequests: () => {
      journal.clear();
      return { status: 204 };
    },
    getDisturbance: () => ok(disturbance.settings()),
    setDisturbance: ({ body }) => ok(disturbance.update(body)),
  };

  const expected = Buffer.from(`Bearer ${deps.adminToken}`);
  const router = express.Router();
  router.use(async (req: Request, res: Response) => {
    const requestId = res.getHeader('X-Request-Id') as string;
    res.setHeader('Cache-Control', 'no-store');
    try {
      // Memory may hold what the disk does not: nothing is answered from it.
      deps.storage?.check();
      const path = req.baseUrl + req.path;
      const match = routes.match(req.method, path);
      if (match.kind === 'none') throw new ApiError('route_not_found', `No control route ${req.method} ${path}.`);
      if (match.kind === 'method_not_allowed') throw new ApiError('method_not_allowed', `Use ${match.allow.join(', ')}.`, { headers: { Allow: match.allow.join(', ') } });
      const given = Buffer.from(req.get('authorization') ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw new ApiError('unauthenticated', 'The control API needs the admin token (Authorization: Bearer <admin token>).', { headers: { 'WWW-Authenticate': 'Bearer realm="invoicekit-control"' } });
      }
      let body: unknown;
      let hasBody = false;
      if (match.entry.operation.requestBody) {
        await new Promise<void>((resolve, reject) => readControlBody(req, res, (e?: unknown) => (e ? reject(bodyError(e, CONTROL_BODY_LIMIT_BYTES)) : resolve())));
        if (Buffer.isBuffer(req.body) && req.body.length > 0) {
          hasBody = true;
          try {
            body = JSON.parse(req.body.toString('utf8'));
          } catch {
            throw new ApiError('malformed_json', 'The body is not valid JSON.');
          }
        }
      }
      const input = validators.validate(match.entry, { path: match.params, query: { ...(req.query as Record<string, unknown>) }, headers: req.headers, hasBody, body, contentType: req.get('content-type') });
      const response = handlers[match.entry.operationId]!(input);
      deps.storage?.commit();
      writeResponse(res, response);
    } catch (error) {
      writeResponse(res, problemResponse(toApiError(error), requestId, req.originalUrl.split('?')[0]!));
    }
  });
  return router;
}
