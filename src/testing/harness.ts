import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { request } from 'undici';
import { createApp, type AppDeps } from '../app.ts';
import { Disturbance } from '../control/disturbance.ts';
import { Journal } from '../control/journal.ts';
import { controlPipeline } from '../control/router.ts';
import { MockState, type ExtraCredentials } from '../control/state.ts';
import { ResponseValidator } from '../contract/responses.ts';
import { ControllableClock, sequentialIds } from '../deps.ts';
import { DEFAULT_CREDIT_NOTE_PATTERN, DEFAULT_INVOICE_PATTERN } from '../domain/numbering.ts';
import { ALL_SCOPES, Credentials } from '../http/auth.ts';
import { hardenHttpServer } from '../http/node-server.ts';
import { MemoryStore } from '../store/memory.ts';
import type { Store } from '../store/types.ts';
import { Outbox } from '../services/outbox.ts';

export type TestResponse = { status: number; headers: Record<string, string>; body: any; text: string };
export type RequestOptions = { body?: unknown; rawBody?: string | Buffer; headers?: Record<string, string>; key?: string | null; query?: Record<string, string | number | boolean> };

const apiContract = new ResponseValidator();

/**
 * Every answer carries a request id, and refuses in problem+json unless the contract documents
 * another media type for it (checked by assertConforms: the token endpoint's RFC 6749 JSON).
 */
export function assertAnswerShape(method: string, path: string, res: TestResponse, mediaTypeChecked = false) {
  if (res.status >= 400 && !mediaTypeChecked && !res.headers['content-type']?.startsWith('application/problem+json')) throw new Error(`${method} ${path} → ${res.status} is not problem+json`);
  if (!res.headers['x-request-id']) throw new Error(`${method} ${path} → no X-Request-Id`);
}

/** Every response a test receives must conform to the contract (the canonical one unless told); this throws the first time one does not. */
export function assertConforms(method: string, path: string, res: TestResponse, contract: ResponseValidator = apiContract) {
  const violations = contract.check({ method, path, status: res.status, contentType: res.headers['content-type'], body: res.body, headers: res.headers });
  if (violations.length) throw new Error(`Response departs from the contract (${method} ${path} → ${res.status}):\n${violations.map((v) => `  ${v.pointer}: ${v.message}`).join('\n')}\n${res.text.slice(0, 500)}`);
  // Answers outside every operation (404, 405) are problem+json whatever the contract says.
  assertAnswerShape(method, path, res, contract.operationOf(method, path) !== undefined);
}

export type ClientOptions = {
  /** The credential a call sends when it names none and sets no Authorization header (null: none). */
  keyFor: (path: string) => string | null;
  /** Checks each answer (its path without the query); the canonical contract's assertConforms by default. */
  check?: (method: string, path: string, res: TestResponse) => void;
};

/** The one HTTP client of the tests: sends JSON or raw bodies with a bearer key, parses the answer and checks it. */
export function testClient(base: string, options: ClientOptions) {
  const check = options.check ?? assertConforms;
  async function call(method: string, path: string, opts: RequestOptions = {}): Promise<TestResponse> {
    const headers: Record<string, string> = { ...opts.headers };
    const key = opts.key === undefined ? options.keyFor(path) : opts.key;
    if (key !== null && !Object.keys(headers).some((h) => h.toLowerCase() === 'authorization')) headers.authorization = `Bearer ${key}`;
    let payload: string | Buffer | undefined = opts.rawBody;
    if (opts.body !== undefined) {
      payload = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const qs = opts.query ? '?' + new URLSearchParams(Object.entries(opts.query).map(([k, v]) => [k, String(v)])).toString() : '';
    const res = await request(base + path + qs, { method: method as any, headers, body: payload });
    const buffer = Buffer.from(await res.body.arrayBuffer());
    const text = buffer.toString('utf8');
    const flat: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers)) flat[name] = Array.isArray(value) ? value.join(', ') : String(value);
    const type = flat['content-type'] ?? '';
    const body = /json/.test(type) && text ? JSON.parse(text) : type.startsWith('application/pdf') ? buffer : text;
    const out = { status: res.statusCode, headers: flat, body, text };
    check(method, path.split('?')[0]!, out);
    return out;
  }
  return {
    call,
    get: (path: string, opts?: RequestOptions) => call('GET', path, opts),
    post: (path: string, body?: unknown, opts?: RequestOptions) => call('POST', path, { ...opts, body }),
    patch: (path: string, body?: unknown, opts?: RequestOptions) => call('PATCH', path, { ...opts, body }),
    put: (path: string, body?: unknown, opts?: RequestOptions) => call('PUT', path, { ...opts, body }),
    del: (path: string, opts?: RequestOptions) => call('DELETE', path, opts),
  };
}

/**
 * An in-process reference server on a random loopback port with a frozen clock and predictable ids.
 * With `adminToken`, the mock-control API (spec/control/openapi.yaml) is mounted under /control too.
 */
export async function startTestServer(options: { now?: string; rateLimit?: number; rateLimitWindowSeconds?: number; tenants?: Record<string, string>; adminToken?: string; deps?: Partial<AppDeps> } = {}) {
  const clock = new ControllableClock();
  clock.freeze(new Date(options.now ?? '2026-03-15T10:00:00.000Z'));
  const store = new MemoryStore();
  const credentials = new Credentials(clock);
  const tenants = options.tenants ?? { acme: 'ik_test_acme', globex: 'ik_test_globex' };
  const register = (registry: Credentials, target: Store) => {
    for (const [tenant, key] of Object.entries(tenants)) {
      if (!target.tenant(tenant)) target.putTenant({ id: tenant, name: tenant, invoice_pattern: DEFAULT_INVOICE_PATTERN, credit_note_pattern: DEFAULT_CREDIT_NOTE_PATTERN });
      registry.addApiKey(tenant, key);
      registry.addClient({ client_id: `${tenant}-client`, client_secret: `${tenant}-secret`, tenant, scopes: [...ALL_SCOPES] });
    }
  };
  register(credentials, store);
  const outbox = new Outbox();
  const built = createApp({ clock, ids: sequentialIds(), store, credentials, outbox, settings: { rateLimit: options.rateLimit ?? 0, ...(options.rateLimitWindowSeconds ? { rateLimitWindowSeconds: options.rateLimitWindowSeconds } : {}) }, secret: 'test-secret', ...options.deps });
  const app = options.adminToken ? withControls(built, { adminToken: options.adminToken, clock, store, credentials, outbox, register }) : built.app;
  const server: Server = hardenHttpServer(app.listen(0, '127.0.0.1'));
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const defaultKey = Object.values(tenants)[0]!;

  return {
    ...built,
    base,
    clock,
    store,
    ...testClient(base, { keyFor: () => defaultKey }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type TestServer = Awaited<ReturnType<typeof startTestServer>>;

/** The API behind the mock controls, as `invoicekit serve` mounts them; a control reset empties the state (the tenants keep their keys). */
function withControls(built: ReturnType<typeof createApp>, deps: { adminToken: string; clock: ControllableClock; store: MemoryStore; credentials: Credentials; outbox: Outbox; register: ExtraCredentials }) {
  const { clock, store, credentials, outbox } = deps;
  const journal = new Journal(clock);
  const state = new MockState(
    {
      store,
      credentials,
      outbox,
      clock,
      // A reset puts the clock back where the test server started it, as --clock does for `serve`.
      startClock: { kind: 'fixed', at: clock.now().getTime() },
      journal,
      idempotency: built.idempotency,
      fixturesDir: '',
      extraCredentials: deps.register,
    },
    { kind: 'empty' },
  );
  const disturbance = new Disturbance({ get: () => built.settings.rateLimit, set: (n) => (built.settings.rateLimit = n) });
  built.mountControls(controlPipeline({ adminToken: deps.adminToken, state, clock, outbox, journal, disturbance }));
  return built.app;
}
