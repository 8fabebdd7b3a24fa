import cors from 'cors';
import express, { type Request } from 'express';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DocsPages } from './docs.ts';
import { ApiError } from './http/problem.ts';
import { listOperations } from './contract/load.ts';
import { originOfHost, ServedContract } from './contract/served.ts';
import { randomIds, secureRandomText, type Clock, type IdGenerator } from './deps.ts';
import { Credentials } from './http/auth.ts';
import { actionHandlers } from './http/handlers/actions.ts';
import { authHandlers, checkGrantType } from './http/handlers/auth.ts';
import { customerHandlers } from './http/handlers/customers.ts';
import { invoiceHandlers } from './http/handlers/invoices.ts';
import { publicHandlers } from './http/handlers/public.ts';
import { IdempotencyKeys, type IdempotencySink } from './http/idempotency.ts';
import { contractPipeline, type StorageGuard } from './http/pipeline.ts';
import { RouteTable } from './contract/routes.ts';
import type { HandlerRegistry, SomeHandlers } from './http/types.ts';
import { lastResort, readDocsPage, securityHeaders, sendProblem } from './http/security.ts';
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
};

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
    return { store: deps.store, clock: deps.clock, ids, cursors, tenant: settingsOfTenant, baseUrl: baseUrlOf(req) };
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(securityHeaders());
  app.use((req, res, next) => {
    const incoming = req.get('x-request-id');
    res.setHeader('X-Request-Id', incoming && /^[\x21-\x7E]{1,128}$/.test(incoming) ? incoming : `req_${secureRandomText(24)}`);
    next();
  });
  if (settings.corsOrigins !== false) {
    app.use(
      cors({
        origin: settings.corsOrigins === '*' ? true : settings.corsOrigins,
        exposedHeaders: ['X-Request-Id', 'RateLimit', 'RateLimit-Policy', 'Retry-After', 'Location', 'Idempotent-Replayed', 'Content-Disposition', 'WWW-Authenticate'],
        allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id'],
        maxAge: 600,
      }),
    );
  }

  const contract = new ServedContract(readFileSync(generated('openapi.json'), 'utf8'), readFileSync(generated('openapi.yaml'), 'utf8'));
  // The Host header only when nothing configured says where the server is, and only if it is a plain host[:port].
  const contractServer = (req: Request) => settings.publicUrl ?? settings.listenUrl ?? originOfHost(req.protocol, req.get('host')) ?? contract.bundledUrl;
  app.get('/openapi.json', (req, res) => {
    res.type('application/json').send(contract.for(contractServer(req)).json);
  });
  app.get('/openapi.yaml', (req, res) => {
    res.type('application/yaml').send(contract.for(contractServer(req)).yaml);
  });
  const docs = deps.docs ?? new DocsPages();
  app.get('/', (_req, res) => res.redirect(302, '/docs'));
  app.get(['/docs', '/docs/'], async (req, res) => {
    await docs.ready();
    const file = path.join(docs.dir, 'index.html');
    if (existsSync(file)) {
      const page = readDocsPage(file);
      res.setHeader('Content-Security-Policy', page.csp);
      res.type('html').send(page.html);
    } else sendProblem(req, res, new ApiError('route_not_found', `Reference docs are not available: ${docs.failure ?? 'run `npm run docs`'}.`));
  });
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', time: deps.clock.now().toISOString() });
  });

  const handlers: HandlerRegistry = {
    ...authHandlers(credentials),
    ...customerHandlers,
    ...invoiceHandlers,
    ...actionHandlers({ outbox, secret }),
    ...publicHandlers({ store: deps.store, clock: deps.clock, secret }),
    ...deps.handlers,
  };
  app.use(
    contractPipeline({
      routes,
      validators,
      credentials,
      idempotency,
      handlers,
      rateLimit: () => settings.rateLimit,
      rateLimitWindowSeconds: settings.rateLimitWindowSeconds ?? 60,
      contextFor,
      preValidate: { createAccessToken: checkGrantType },
      beforeHandler: deps.beforeHandler,
      storage: deps.durable,
    }),
  );

  app.use(lastResort);

  return { app, credentials, settings, idempotency, routes, cursors, secret, outbox, docs };
}
