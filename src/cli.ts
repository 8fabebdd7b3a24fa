import { Command } from 'commander';
import { packageVersion as version } from './contract/package.ts';
import { ConfigError, readConfig } from './config.ts';
import { DocsPages } from './docs.ts';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { boundHeapGrowth } from './heap-growth.ts';

/** One line for a start-up failure: what went wrong and what to do, never a stack or a raw error object. */
function startFailure(error: unknown): string {
  if (error instanceof ConfigError) return error.message;
  const message = String((error as Error)?.message ?? error).split('\n')[0];
  return `could not start: ${message} (INVOICEKIT_DEBUG=1 prints the details)`;
}

const program = new Command('invoicekit').description('invoicekit: contract-first toolkit for invoicing APIs').version(version, '-V, --version', 'print the version');

program
  .command('serve')
  .description('Start the stateful reference server (mock) with seeded demo data')
  .option('-p, --port <port>', 'port to listen on (env PORT, default 4010)')
  .option('-H, --host <host>', 'interface to bind (env HOST, default 127.0.0.1)')
  .option('--fixtures <file>', "data set to load, or 'none' (env INVOICEKIT_FIXTURES, default fixtures/data/default.json)")
  .option('--seed <n>', 'generate the data set from this seed instead of reading a file (env INVOICEKIT_SEED)')
  .option('--preset <size>', 'size of a generated data set: small, medium, large (env INVOICEKIT_PRESET, default small)')
  .option('--clock <instant>', "freeze the clock at an ISO 8601 instant, or 'real' (env INVOICEKIT_CLOCK; default: runs on from the data set's reference time)")
  .option('--latency <ms>', 'delay every API answer: <ms> or <min>-<max> (env INVOICEKIT_LATENCY)')
  .option('--faults <spec>', 'fail a share of API requests: <rate>[:<status>|:drop][@seed], e.g. 0.1:503@7 (env INVOICEKIT_FAULTS)')
  .option('--api-keys <pairs>', 'API keys as tenant:key,tenant:key; a tenant named only here starts empty (env INVOICEKIT_API_KEYS)')
  .option('--oauth-clients <triples>', 'OAuth clients as tenant:client_id:secret,...; limit a client to some scopes with :scope scope..., e.g. "acme:cli:s3cret:invoices:read customers:read" (default: every scope; env INVOICEKIT_OAUTH_CLIENTS)')
  .option('--plan-limits <triples>', 'plan limits as tenant:customers:invoices,... (0 = unlimited); creates beyond them are 403 plan_limit_reached (env INVOICEKIT_PLAN_LIMITS)')
  .option('--rate-limit <n>', 'requests per minute per credential, 0 = off (env INVOICEKIT_RATE_LIMIT, default 120)')
  .option('--cors <origins>', "allowed origins: '*', a comma list, or 'off' (env INVOICEKIT_CORS_ORIGINS, default *)")
  .option('--public-url <url>', 'base URL used in links the server hands out (env INVOICEKIT_PUBLIC_URL)')
  .option('--data-dir <dir>', 'keep the whole state in an SQLite database in this directory, across restarts and crashes (env INVOICEKIT_DATA_DIR; default: in memory only)')
  .option('--reset', 'with --data-dir: load the data set again instead of resuming what the directory holds')
  .option('--admin-token <token>', 'token of the mock-control API (env INVOICEKIT_ADMIN_TOKEN, default generated and printed)')
  .action(async (options: Record<string, string | undefined>) => {
    try {
      const config = readConfig(process.env, options);
      // A data set file to load is read while the server's modules load (the read runs on libuv's
      // thread pool, the module loading here): at 100,000 invoices, about 0.1 s of a cold start.
      const fixtures = config.seed === undefined && typeof config.fixtures === 'string' && (config.dataDir === undefined || config.reset) ? path.resolve(config.fixtures) : undefined;
      const reading = fixtures === undefined ? undefined : readFile(fixtures).then((bytes) => ({ path: fixtures, bytes }), () => undefined);
      const { startServer } = await import('./server.ts');
      // Docs are built in the background when missing or stale, so start stays fast and /docs
      // (which waits for the build) never answers 404 for a page the banner advertised.
      const docs = new DocsPages();
      let stopping: Awaited<ReturnType<typeof startServer>> | undefined;
      const running = await startServer(config, {
        docs,
        startupFile: await reading,
        // Every request is answered 503 from now on; the one that failed gets its answer, then the process ends.
        onStorageFailure: (reason) => {
          console.error(`invoicekit: the data directory can no longer be written (${reason}); stopping with exit code 1, since memory may now hold what the disk does not`);
          if (stopping) void stopping.shutdown(2000).finally(() => process.exit(1));
          else process.exit(1);
        },
      });
      stopping = running;
      // After the load: a heap growing from nothing to its working size would collect far too often on the way.
      boundHeapGrowth();
      const docsState = await docs.start();
      const tenant = running.store.tenants()[0];
      const key = tenant ? running.credentials.apiKeysOf(tenant.id)[0] : undefined;
      const lines = [
        `invoicekit reference server listening on ${running.baseUrl}`,
        `  API base URL  : ${running.baseUrl}/api/v1`,
        `  API key       : ${key ?? '(none: set INVOICEKIT_API_KEYS=tenant:key)'}${tenant ? `  (tenant '${tenant.id}')` : ''}`,
        docsState === 'unavailable'
          ? `  Reference docs: not built (${docs.failure})   contract: ${running.baseUrl}/openapi.json`
          : `  Reference docs: ${running.baseUrl}/docs${docsState === 'building' ? ' (being built, ready in a few seconds)' : ''}   contract: ${running.baseUrl}/openapi.json`,
        `  Mock controls : ${running.baseUrl}/control/…   admin token: ${running.adminToken}${docsState === 'unavailable' ? '' : `   docs: ${running.baseUrl}/docs/control`}`,
        `  Data          : ${running.dataDir ? `${running.dataDir}, ${running.resumed ? 'resumed (fixtures not read again; --reset reloads them)' : 'loaded'} from ` : ''}${running.state.describeSource()}; clock ${running.clock.frozen ? 'frozen at' : 'running from'} ${running.clock.now().toISOString()}`,
      ];
      if (key) lines.push(`  Try           : curl -H 'Authorization: Bearer ${key}' '${running.baseUrl}/api/v1/invoices?limit=2'`);
      console.log(lines.join('\n'));
      // Graceful: stop accepting, finish what is in flight (at most 5 s), close the database, exit 0.
      // Always through process.exit(), never a natural exit: it skips the environment teardown,
      // whose GC and cleanup hooks would destroy better-sqlite3 objects (see src/store/sqlite.ts).
      const stop = () =>
        void Promise.all([docs.stop(), running.shutdown(5000)]).then(
          () => process.exit(0),
          (error: unknown) => {
            console.error('invoicekit: shutdown failed:', error);
            process.exit(1);
          },
        );
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    } catch (error) {
      console.error(`invoicekit: ${startFailure(error)}`);
      if (process.env.INVOICEKIT_DEBUG) console.error(error);
      process.exit(2);
    }
  });

// The conformance runner (fast-check, undici, ~60 modules) is loaded for every command but
// `serve`, whose start it would only slow down.
const conformance = () => import('../conformance/cli.ts');
if (process.argv[2] !== 'serve') program.addCommand((await conformance()).conformCommand());

try {
  await program.parseAsync(process.argv);
} catch (error) {
  (await conformance()).conformErrorExit(error);
}
