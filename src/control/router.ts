import type { RequestHandler } from 'express';
import { timingSafeEqual } from 'node:crypto';
import { controlContractPath, listOperations, loadContract } from '../contract/load.ts';
import type { ControllableClock } from '../deps.ts';
import { ApiError } from '../http/problem.ts';
import { contractPipeline, type Guard, type RouteRefusals, type StorageGuard } from '../http/pipeline.ts';
import { RouteTable } from '../contract/routes.ts';
import type { ApiResponse, Handler } from '../http/types.ts';
import { RequestValidators, type ValidatedRequest } from '../http/validation.ts';
import type { Outbox } from '../services/outbox.ts';
import type { Disturbance } from './disturbance.ts';
import { addDuration, CLOCK_MAX_MS, CLOCK_MIN_MS, clockCanShow, DurationError, parseDuration } from './duration.ts';
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
  storage?: StorageGuard;
};

type ControlHandler = (input: ValidatedRequest) => ApiResponse | Promise<ApiResponse>;

const CONTROL_BODY_LIMIT_BYTES = 64 * 1024;

/** Control bodies are JSON whatever their Content-Type says (validation then checks the type). */
function parseControlBody(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new ApiError('malformed_json', 'The body is not valid JSON.');
  }
}

const CONTROL_ROUTE_REFUSALS: RouteRefusals = {
  noRoute: (method, path) => `No control route ${method} ${path}.`,
  methodNotAllowed: (_method, _path, allow) => `Use ${allow}.`,
};

const ok = (body: unknown, status = 200): ApiResponse => ({ status, body });

const outOfRange = (pointer: string, message: string) =>
  new ApiError('validation_failed', `The clock ${message}: ${new Date(CLOCK_MIN_MS).toISOString()} to ${new Date(CLOCK_MAX_MS).toISOString()}.`, { errors: [{ pointer, message, keyword: 'clockRange' }] });

/** The mock-control API (spec/control/openapi.yaml): the contract pipeline given the control contract, the admin token, its body limit and these handlers. */
export function controlPipeline(deps: ControlDeps): RequestHandler {
  const doc = loadContract(controlContractPath);
  const entries = listOperations(doc);
  const routes = new RouteTable(entries);
  const validators = new RequestValidators(entries, doc);
  const { state, clock, outbox, journal, disturbance } = deps;

  const clockState = () => ({ now: clock.now().toISOString(), frozen: clock.frozen, offset_ms: Math.round(clock.now().getTime() - Date.now()), reference_time: state.referenceTime ?? null });

  const handlers: Record<string, ControlHandler> = {
    resetState: async () => ok(await state.reset()),
    loadDataset: async ({ body }) => {
      if (body.name !== undefined) {
        if (body.preset !== undefined || body.seed !== undefined) throw new ApiError('validation_failed', 'Send either name or preset/seed.', { errors: [{ pointer: '/body/name', message: 'cannot be combined with preset or seed' }] });
        return ok(await state.loadNamed(body.name));
      }
      return ok(await state.load({ kind: 'generated', preset: body.preset ?? 'small', seed: body.seed ?? 42 }));
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
    referenceClock: () => {
      state.clockToReference();
      return ok(clockState());
    },
    resumeClock: () => {
      clock.resume();
      return ok(clockState());
    },
    advanceClock: ({ body }) => {
      let duration;
      try {
        duration = parseDuration(body.duration);
      } catch (error) {
        if (!(error instanceof DurationError)) throw error;
        throw new ApiError('validation_failed', `1 problem in the request: /body/duration ${error.message}.`, { errors: [{ pointer: '/body/duration', message: error.message, keyword: 'duration' }] });
      }
      // Months and years are calendar moves from the clock's current instant.
      const from = clock.now().getTime();
      const to = addDuration(from, duration);
      // Refused before anything moves, so a rejected move leaves the clock as it was.
      if (!clockCanShow(to)) throw outOfRange('/body/duration', 'would move the clock out of the range it can show');
      clock.advance(to - from);
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
  /** Only the admin token opens the control API, compared in constant time. */
  const adminToken: Guard = (req) => {
    const given = Buffer.from(req.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new ApiError('unauthenticated', 'The control API needs the admin token (Authorization: Bearer <admin token>).', { headers: { 'WWW-Authenticate': 'Bearer realm="invoicekit-control"' } });
    }
    return undefined;
  };
  const registry: Record<string, Handler> = {};
  for (const [operationId, handle] of Object.entries(handlers)) registry[operationId] = ({ input }) => handle(input);
  return contractPipeline({
    routes,
    validators,
    handlers: registry,
    guard: adminToken,
    bodyLimitBytes: CONTROL_BODY_LIMIT_BYTES,
    parseBody: parseControlBody,
    headers: { 'Cache-Control': 'no-store' },
    routeRefusals: CONTROL_ROUTE_REFUSALS,
    storage: deps.storage,
  });
}
