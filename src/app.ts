import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DocsPages } from './docs.ts';
import { ApiError } from './http/problem.ts';
import { errorFormatOf } from './contract/error-format.ts';
import { listOperations, loadContract } from './contract/load.ts';
import { originOfHost, ServedContract } from './contract/served.ts';
import type { Journal } from './control/journal.ts';
import { randomIds, requestIdFor, secureRandomText, type Clock, type IdGenerator } from './deps.ts';
import { apiGuard } from './http/api-guard.ts';
import { Credentials } from './http/auth.ts';
import { corsStep } from './http/cors.ts';
import { actionHandlers } from './http/handlers/actions.ts';
import { authHandlers, checkGrantType, oauthErrorResponse } from './http/handlers/auth.ts';
import { customerHandlers } from './http/handlers/customers.ts';
import { invoiceHandlers } from './http/handlers/invoices.ts';
import { publicErrorPresenters, publicHandlers } from './http/handlers/public.ts';
import { IdempotencyKeys, type IdempotencySink } from './http/idempotency.ts';
import { contractPipeline, type ErrorPresenter, type StorageGuard } from './http/pipeline.ts';
import { RouteTable } from './contract/routes.ts';
import type { HandlerRegistry, SomeHandlers } from './http/types.ts';
import { readDocsPage, securityHeaderSetter, sendProblem } from './http/security.ts';
import { dispatchDirectly } from './http/direct-dispatch.ts';
import { RequestValidators } from './http/validation.ts';
import type { ServiceContext } from './services/context.ts';
import { Outbox } from './services/outbox.ts';
import { CursorCodec } from './services/pagination.ts';
import type { Store } from './store/types.ts';

export type AppSettings = {
  /** Requests per minute per credential; 0 turns it off. */
  rateLimit: number;
  /** The rate limit's window in seconds (60 by default; tests shorten it so that a 429 ends quickly). */
  rateLimitWindowSeconds?: number;
  /** `*` for any origin, a list of origins, or false to turn CORS off. */
  corsOrigins: '*' | string[] | false;
  /** Absolute base URL for links; derived from each request's Host when absent. */
  publicUrl?: string;
  /** Where the server listens (set once it does, unless on every interface): the served contract's server without publicUrl. */
  listenUrl?: string;
};

export type AppDeps = {
  clock: Clock;
  ids?: IdGenerator;
  store: Store;
  credentials?: Credentials;
  settings?: Partial<AppSettings>;
  /** Secret that signs cursors and links; random per process when absent. */
  secret?: string;
  /** Where invoice emails are recorded instead of being sent; a new, empty outbox when absent. */
  outbox?: Outbox;
  /** Extra handlers by operationId (later capabilities plug in here). */
  handlers?: SomeHandlers;
  beforeHandler?: (req: Request, operationId: string) => Promise<void>;
  /** A data directory: keeps the idempotency keys, and commit() makes a request's changes durable before it is answered. */
  durable?: { idempotency: IdempotencySink } & StorageGuard;
  /** The reference docs /docs serves (a build may be in progress); dist/docs, never built, when absent. */
  docs?: DocsPages;
  /** Records the requests answered outside the control API, for the control API to show. */
  journal?: Journal;
  /** How chosen operations show their errors instead of problem+json (HTML pages, RFC 6749 JSON), by operationId. */
  presenters?: Partial<Record<string, ErrorPresenter>>;
};

/** Paths the mock controls answer once mounted (Express mounts match case-insensitively; so does this). */
const CONTROL_PATH = /^\/control(?:\/|$)/i;

type PageHandler = (req: Request, res: Response) => void | Promise<void>;

/** A GET or HEAD path as an Express route matches it (any case, one optional trailing slash); '-' for other methods. */
function pageKey(method: string, pathname: string): string {
  if (method !== 'GET' && method !== 'HEAD') return '-';
  const lower = pathname.toLowerCase();
  return lower.endsWith('/') ? lower.slice(0, -1) : lower;
}

const generated = (name: string) => fileURLToPath(new URL(`./generated/${name}`, import.meta.url));

export type App = ReturnType<typeof createApp>;

/** The reference server as an Express application; nothing here listens or reads the environment. */
export function createApp(deps: AppDeps) {
  const settings: AppSettings = { rateLimit: 120, corsOrigins: '*', ...deps.settings };
  const ids = deps.ids ?? randomIds;
  const credentials = deps.credentials ?? new Credentials(deps.clock);
  const secret = deps.secret ?? secureRandomText(32);
  const cursors = new CursorCodec(secret);
  const outbox = deps.outbox ?? new Outbox();
  const entries = listOperations();
  const routes = new RouteTable(entries);
  const validators = new RequestValidators(entries);
  const idempotency = new IdempotencyKeys(deps.clock, deps.durable?.idempotency);

  const baseUrlOf = (req: Request) => settings.publicUrl ?? `${req.protocol}://${req.get('host') ?? '127.0.0.1'}`;
  const contextFor = (tenant: string, req: Request): ServiceContext => {
    const settingsOfTenant = deps.store.tenant(tenant);
    if (!settingsOfTenant) throw new Error(`Credential refers to unknown tenant '${tenant}'`);
    let baseUrl: string | undefined;
    // Worked out when a link is made (most answers make none): the request's Host does not change meanwhile.
    return {
      store: deps.store,
      clock: deps.clock,
      ids,
      cursors,
      tenant: settingsOfTenant,
      get baseUrl() {
        return (baseUrl ??= baseUrlOf(req));
      },
    };
  };

  const docs = deps.docs ?? new DocsPages();
  const servePage = (page: 'index.html' | 'control.html', missing: string): PageHandler => async (req, res) => {
    await docs.ready();
    const file = path.join(docs.dir, page);
    if (existsSync(file)) {
      const built = readDocsPage(file);
      res.setHeader('Content-Security-Policy', built.csp);
      res.type('html').send(built.html);
    } else sendProblem(req, res, new ApiError('route_not_found', `${missing} are not available: ${docs.failure ?? 'run `npm run docs`'}.`));
  };
  const contract = new ServedContract(readFileSync(generated('openapi.json'), 'utf8'), readFileSync(generated('openapi.yaml'), 'utf8'));
  // The Host header only when nothing configured says where the server is, and only if it is a plain host[:port].
  const contractServer = (req: Request) => settings.publicUrl ?? settings.listenUrl ?? originOfHost(req.protocol, req.get('host')) ?? contract.bundledUrl;
  const pages = new Map<string, PageHandler>([
    ['/openapi.json', (req, res) => void res.type('application/json').send(contract.for(contractServer(req)).json)],
    ['/openapi.yaml', (req, res) => void res.type('application/yaml').send(contract.for(contractServer(req)).yaml)],
    ['', (_req, res) => res.redirect(302, '/docs')],
    ['/docs', servePage('index.html', 'Reference docs')],
    ['/docs/', servePage('index.html', 'Reference docs')],
    ['/healthz', (_req, res) => void res.json({ status: 'ok', time: deps.clock.now().toISOString() })],
  ]);
  const controlDocs = servePage('control.html', 'Control docs');
  let controls: RequestHandler | undefined;
  const setSecurityHeaders = securityHeaderSetter();

  const cors =
    settings.corsOrigins === false
      ? undefined
      : corsStep({
          origins: settings.corsOrigins,
          exposedHeaders: ['X-Request-Id', 'RateLimit', 'RateLimit-Policy', 'Retry-After', 'Location', 'Idempotent-Replayed', 'Content-Disposition', 'WWW-Authenticate'],
          allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id'],
          maxAgeSeconds: 600,
        });

  // One application and one layer, called straight from it (dispatchDirectly: no router), in this
  // order: the answer's fixed headers, the one request-id step, the journal; the mock controls and
  // their docs, which never answered cross-origin callers; CORS; then the contract, the docs and
  // the health check, matched as Express GET routes would match them; and everything else to the
  // contract pipeline, called from this layer.
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const front = (req: Request, res: Response, next: NextFunction): unknown => {
    setSecurityHeaders(res);
    res.setHeader('X-Request-Id', requestIdFor(req.headers['x-request-id'] as string | undefined));
    const pathname = req.path;
    deps.journal?.start(req, res, pathname);
    // The API's own paths: neither the mock controls nor a page (docs, contract, health) lives there.
    if (pathname.startsWith('/api/')) return cors?.(req, res) ? undefined : pipeline(req, res, next);
    const key = pageKey(req.method, pathname);
    if (controls) {
      if (CONTROL_PATH.test(pathname)) return controls(req, res, next);
      if (key === '/docs/control') return void Promise.resolve(controlDocs(req, res)).catch(next);
    }
    if (cors?.(req, res)) return;
    const page = pages.get(key);
    if (!page) return pipeline(req, res, next);
    Promise.resolve(page(req, res)).catch(next);
  };
  dispatchDirectly(app, front);

  const handlers: HandlerRegistry = {
    ...authHandlers(credentials),
    ...customerHandlers,
    ...invoiceHandlers,
    ...actionHandlers({ outbox, secret }),
    ...publicHandlers({ store: deps.store, clock: deps.clock, secret }),
    ...deps.handlers,
  };
  const contractDoc = loadContract();
  // Called by the layer above rather than mounted as a layer of its own: one router step less per request.
  const pipeline = contractPipeline({
    routes,
    validators,
    guard: apiGuard({ credentials, rateLimit: () => settings.rateLimit, rateLimitWindowSeconds: settings.rateLimitWindowSeconds ?? 60 }),
    idempotency,
    handlers,
    contextFor,
    preValidate: { createAccessToken: checkGrantType },
    beforeHandler: deps.beforeHandler,
    storage: deps.durable,
    presenters: {
      ...publicErrorPresenters({ store: deps.store, clock: deps.clock }),
      // Operations whose contract documents RFC 6749 §5.2 errors instead of problem+json (the token endpoint).
      ...Object.fromEntries(entries.filter((e) => errorFormatOf(contractDoc, e) === 'oauth').map((e) => [e.operationId, (error: ApiError, _req: unknown, requestId: string) => oauthErrorResponse(error, requestId)])),
      ...deps.presenters,
    },
  });

  /** Mounts the mock-control API under /control (and its docs at /docs/control) in this application. */
  const mountControls = (handler: RequestHandler) => {
    controls = handler;
  };

  return { app, credentials, settings, idempotency, routes, cursors, secret, outbox, docs, mountControls };
}
