import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createApp } from './app.ts';
import type { DocsPages } from './docs.ts';
import { ConfigError, type ServerConfig } from './config.ts';
import { packageRoot } from './contract/package.ts';
import { controlPipeline } from './control/router.ts';
import { Disturbance } from './control/disturbance.ts';
import { Journal } from './control/journal.ts';
import { importGenerator, MockState, type DatasetSource, type GenerateDataset, type StartClock, type StartupFile } from './control/state.ts';
import { ControllableClock, randomIds, secureRandomText, systemClock } from './deps.ts';
import { DEFAULT_CREDIT_NOTE_PATTERN, DEFAULT_INVOICE_PATTERN } from './domain/numbering.ts';
import { ALL_SCOPES, Credentials } from './http/auth.ts';
import { serverFor } from './http/direct-dispatch.ts';
import { hardenHttpServer } from './http/node-server.ts';
import { Outbox } from './services/outbox.ts';
import { DurableState } from './store/durable.ts';
import { MemoryStore } from './store/memory.ts';
import type { Store } from './store/types.ts';

// The package root, also from the compiled code in dist/src/ (fixtures/data is never copied there).
export const repoRoot = packageRoot;
export const fixturesDir = path.join(repoRoot, 'fixtures', 'data');
export const defaultFixtures = path.join(fixturesDir, 'default.json');

function sourceOf(config: ServerConfig): DatasetSource {
  if (config.seed !== undefined) return { kind: 'generated', preset: config.preset ?? 'small', seed: config.seed };
  if (config.fixtures === null) return { kind: 'empty' };
  const file = path.resolve(config.fixtures ?? defaultFixtures);
  if (!existsSync(file)) throw new ConfigError(`fixtures file not found: ${file}; pass an existing file with --fixtures <file>, generate one with \`npm run fixtures\`, or start empty with --fixtures none`, 'fixtures_missing');
  return { kind: 'file', path: file };
}

export type BuildOptions = {
  /** The data directory can no longer be written (every request now gets 503): the CLI logs it and stops the process. */
  onStorageFailure?: (reason: string) => void;
  /** The docs /docs and /docs/control serve (the CLI builds them when missing or stale). */
  docs?: DocsPages;
  /** The data set generator, which a generated start-up data set (--seed) needs; startServer imports it then. */
  generateDataset?: GenerateDataset;
  /** The start-up data set file, read already (the CLI reads it while the server's modules load). */
  startupFile?: StartupFile;
};

/** Builds the reference server from configuration: state, fixtures, credentials, API and mock controls. */
export function buildServer(config: ServerConfig, options: BuildOptions = {}) {
  const durable = config.dataDir === undefined ? undefined : DurableState.open(config.dataDir, { onUnusable: options.onStorageFailure });
  try {
    return assemble(config, durable, options);
  } catch (error) {
    durable?.close();
    throw error;
  }
}

function assemble(config: ServerConfig, durable: DurableState | undefined, { docs, generateDataset, startupFile }: BuildOptions) {
  // An existing data directory is resumed (fixtures are not read again) unless --reset.
  const saved = config.reset ? undefined : durable?.savedState();
  const clock = new ControllableClock(systemClock, durable && ((s) => durable.saveClock(s)));
  const savedClock = saved && durable?.savedClock();
  if (savedClock) clock.restore(savedClock);
  if (config.clock === 'real' && saved) clock.reset();
  if (config.clock && config.clock !== 'real') clock.freeze(new Date(config.clock));
  const store = durable?.store ?? new MemoryStore();
  const credentials = new Credentials(clock, durable?.tokens);
  const outbox = new Outbox(undefined, durable?.outbox);
  const journal = new Journal(clock);
  const settings = { ...config.settings };
  const disturbance = new Disturbance({ get: () => built.settings.rateLimit, set: (n) => (built.settings.rateLimit = n) });
  const built = createApp({ clock, ids: randomIds, store, credentials, outbox, settings, secret: config.secret ?? durable?.secret(() => secureRandomText(32)), beforeHandler: disturbance.beforeHandler, durable, docs, journal });

  // Keys and clients from the environment survive every reset; a tenant named only there starts empty.
  const extraCredentials = (registry: Credentials, target: Store) => {
    const ensureTenant = (tenant: string) => {
      if (!target.tenant(tenant)) target.putTenant({ id: tenant, name: tenant, invoice_pattern: DEFAULT_INVOICE_PATTERN, credit_note_pattern: DEFAULT_CREDIT_NOTE_PATTERN });
    };
    for (const { tenant, key } of config.apiKeys) {
      ensureTenant(tenant);
      registry.addApiKey(tenant, key);
    }
    for (const { tenant, client_id, client_secret, scopes } of config.oauthClients) {
      ensureTenant(tenant);
      registry.addClient({ tenant, client_id, client_secret, scopes: scopes ?? [...ALL_SCOPES] });
    }
    for (const { tenant, customers, invoices } of config.planLimits) {
      ensureTenant(tenant);
      const { max_customers, max_invoices, ...settings } = target.tenant(tenant)!;
      void max_customers;
      void max_invoices;
      target.putTenant({ ...settings, ...(customers ? { max_customers: customers } : {}), ...(invoices ? { max_invoices: invoices } : {}) });
    }
  };
  const source = saved ? (saved.source as DatasetSource) : sourceOf(config);
  if (!saved && source.kind === 'generated' && !generateDataset) throw new TypeError('buildServer: a generated data set (--seed) needs options.generateDataset (await importGenerator()); startServer imports it itself');
  const startClock: StartClock = config.clock === undefined ? { kind: 'dataset' } : config.clock === 'real' ? { kind: 'real' } : { kind: 'fixed', at: Date.parse(config.clock) };
  const state = new MockState({ store, credentials, outbox, clock, startClock, journal, idempotency: built.idempotency, fixturesDir, extraCredentials, generateDataset, durable, startupFile }, source);
  if (saved && durable) {
    outbox.load(durable.outboxMessages());
    built.idempotency.load(durable.idempotencyRecords(clock.now().getTime()));
    state.resume(saved);
    credentials.loadTokens(durable.tokenRecords(clock.now().getTime()));
  } else {
    try {
      // Also sets the clock: by default it runs on from the data set's "now", so its statuses and dates agree with it.
      state.loadAtStart();
    } catch (error) {
      const source = state.describeSource();
      throw new ConfigError(`the data set ${source} could not be loaded (${String((error as Error)?.message ?? error).split('\n')[0]}); regenerate it with \`npm run fixtures\`, pass another with --fixtures <file>, or start empty with --fixtures none`, 'fixtures_malformed');
    }
  }
  if (config.disturbance) disturbance.update(config.disturbance);
  // After a failed commit (database full), memory becomes what the database holds, as at a start.
  durable?.onRollback(() => {
    const keptClock = durable.savedClock();
    if (keptClock) clock.restore(keptClock);
    const now = clock.now().getTime();
    credentials.forget();
    const kept = durable.savedState();
    if (kept) state.resume(kept);
    credentials.loadTokens(durable.tokenRecords(now));
    outbox.load(durable.outboxMessages());
    built.idempotency.reload(durable.idempotencyRecords(now));
  });

  const adminToken = config.adminToken ?? `adm_${secureRandomText(24)}`;
  built.mountControls(controlPipeline({ adminToken, state, clock, outbox, journal, disturbance, storage: durable }));
  const { app } = built;
  /** Closes the data directory (after which no change is kept); a no-op in memory. */
  const close = () => durable?.close();
  return { ...built, app, clock, store, outbox, journal, disturbance, state, adminToken, dataDir: config.dataDir, durable, resumed: saved !== undefined, close };
}

/** Node's listen failures as one line that says what to do. */
function listenError(error: NodeJS.ErrnoException, config: ServerConfig): Error {
  const { host, port } = config;
  switch (error.code) {
    case 'EADDRINUSE':
      return new ConfigError(`port ${port} on ${host} is already in use: stop what listens there, or choose another port with --port <n> (or PORT; 0 picks a free one)`, 'port_in_use');
    case 'EACCES':
      return new ConfigError(`port ${port} needs privileges this process lacks: choose a port above 1023 with --port <n> (or PORT)`, 'port_forbidden');
    case 'EADDRNOTAVAIL':
      return new ConfigError(`HOST '${host}' is not an address of this machine: use 127.0.0.1 (this machine only) or 0.0.0.0 (every interface) with --host (or HOST)`, 'bad_host');
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NONAME':
      return new ConfigError(`HOST '${host}' does not resolve to an address: use 127.0.0.1 (this machine only), 0.0.0.0 (every interface) or a name of this machine with --host (or HOST)`, 'bad_host');
    default:
      return error;
  }
}

export async function startServer(config: ServerConfig, options: BuildOptions = {}) {
  // faker is imported only when the start-up data set is generated (--seed); a fixtures file never needs it.
  const generateDataset = options.generateDataset ?? (config.seed !== undefined ? await importGenerator() : undefined);
  const built = buildServer(config, { ...options, generateDataset });
  const server = hardenHttpServer(serverFor(built.app).listen(config.port, config.host));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
  } catch (error) {
    built.close();
    throw listenError(error as NodeJS.ErrnoException, config);
  }
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  // On every interface no one address is right: the served contract then names the Host asked for.
  if (!['0.0.0.0', '::'].includes(config.host)) built.settings.listenUrl = `http://${host}:${port}`;
  /** Stops accepting, lets requests in flight finish (cut after graceMs), then closes the data directory. */
  const shutdown = async (graceMs = 5000) => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Keep-alive connections close as soon as their request is answered.
    const idle = setInterval(() => server.closeIdleConnections(), 25);
    const cut = setTimeout(() => server.closeAllConnections(), graceMs);
    server.closeIdleConnections();
    await closed;
    clearInterval(idle);
    clearTimeout(cut);
    built.close();
  };
  return { ...built, server, baseUrl: `http://${host}:${port}`, shutdown };
}

