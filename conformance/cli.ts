import { Command, CommanderError, Option } from 'commander';
import { SetupError } from './contract.ts';
import { CHECKS } from './registry.ts';
import { createReporters, REPORTER_NAMES } from './reporters/index.ts';
import { DEFAULTS, runConformance } from './runner.ts';
import type { ConformanceOptions, ReporterName } from './types.ts';

const list = (value: string) => value.split(',').map((s) => s.trim()).filter(Boolean);

function wholeNumber(flag: string, min: number) {
  return (value: string) => {
    if (!/^\d+$/.test(value.trim()) || Number(value) < min || !Number.isSafeInteger(Number(value))) throw new SetupError(`${flag} takes a whole number of at least ${min}, not '${value}'`);
    return Number(value);
  };
}

function percent(value: string) {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || n > 100) throw new SetupError(`--coverage-threshold takes a percentage from 0 to 100, not '${value}'`);
  return n;
}

const env = (option: Option, name: string) => option.env(`INVOICEKIT_CONFORM_${name}`);

/** `invoicekit conform`: runs the conformance checks against a deployed server. */
export function conformCommand(): Command {
  const command = new Command('conform')
    .description('Check whether a deployed server honours the invoicekit contract (shape and behaviour); exit 0 = conforms, 1 = a check failed, 2 = could not run')
    .addOption(env(new Option('--base-url <url>', 'the server under test, with or without the /api/v1 prefix'), 'BASE_URL'))
    .addOption(env(new Option('--contract <path|url>', 'the bundled contract to check against (default: the canonical contract shipped in this package)'), 'CONTRACT'))
    .addOption(env(new Option('--api-key <key>', 'an API key of tenant A'), 'API_KEY'))
    .addOption(env(new Option('--second-api-key <key>', "an API key of another tenant (isolation checks)"), 'SECOND_API_KEY'))
    .addOption(env(new Option('--oauth-client-id <id>', 'an OAuth2 client of tenant A (client-credentials grant)'), 'OAUTH_CLIENT_ID'))
    .addOption(env(new Option('--oauth-client-secret <secret>', "that client's secret"), 'OAUTH_CLIENT_SECRET'))
    .addOption(env(new Option('--token-url <url>', "the token URL (default: the contract's)"), 'TOKEN_URL'))
    .addOption(env(new Option('--admin-token <token>', "an invoicekit server's admin token (checks that move its clock)"), 'ADMIN_TOKEN'))
    .addOption(new Option('--only <checks>', 'run only these checks (comma-separated ids)').argParser(list))
    .addOption(new Option('--skip <checks>', 'skip these checks (comma-separated ids)').argParser(list))
    .addOption(new Option('--include <ops>', 'only these operationIds or tags (comma-separated)').argParser(list))
    .addOption(new Option('--exclude <ops>', 'leave out these operationIds or tags (comma-separated)').argParser(list))
    .addOption(new Option('--list-checks', 'print every check with its severity and description, then exit'))
    .addOption(env(new Option('--seed <n>', `seed of generated requests; the same seed sends the same requests (default ${DEFAULTS.seed})`).argParser(wholeNumber('--seed', 0)), 'SEED'))
    .addOption(new Option('--max-examples <n>', `generated valid requests per operation (default ${DEFAULTS.maxExamples}; twice as many invalid ones)`).argParser(wholeNumber('--max-examples', 1)))
    .addOption(new Option('--workers <n>', `operations checked at once (default ${DEFAULTS.workers})`).argParser(wholeNumber('--workers', 1)))
    .addOption(new Option('--request-timeout <ms>', `time-out of one request in milliseconds (default ${DEFAULTS.requestTimeoutMs})`).argParser(wholeNumber('--request-timeout', 1)))
    .addOption(new Option('--max-failures <n>', 'stop after this many distinct failures').argParser(wholeNumber('--max-failures', 1)))
    .addOption(new Option('--rate-limit-check', 'also burst requests until the server answers 429, and check Retry-After and recovery (slow: waits as told)'))
    .addOption(new Option('--read-only', 'send only safe (GET) requests and create nothing: the only mode to point at production'))
    .addOption(new Option('--keep', 'leave the data the run created in place (it carries the run tag ikc-<seed>-<time>)'))
    .addOption(new Option('--reporter <names>', `reporters: ${REPORTER_NAMES.join(', ')} (comma-separated, default console)`).argParser(list).default(['console']))
    .addOption(new Option('--output <dir>', 'where file reports go (default ./conformance-report)'))
    .addOption(new Option('--coverage-threshold <percent>', 'fail when fewer than this share of (operation, documented status) pairs were exercised').argParser(percent))
    .action(async (opts: Record<string, any>) => {
      if (opts.listChecks) {
        const width = Math.max(...CHECKS.map((c) => c.id.length));
        for (const c of CHECKS) process.stdout.write(`${c.id.padEnd(width)}  ${c.severity.padEnd(8)}  ${c.description}\n`);
        return;
      }
      if (!opts.baseUrl) throw new SetupError('--base-url is required (or INVOICEKIT_CONFORM_BASE_URL), e.g. --base-url http://127.0.0.1:4010');
      const names = opts.reporter as string[];
      for (const n of names) if (!REPORTER_NAMES.includes(n as ReporterName)) throw new SetupError(`unknown reporter '${n}'; use ${REPORTER_NAMES.join(', ')}`);
      const reporters = createReporters(names as ReporterName[], { outputDir: opts.output, out: process.stdout, color: process.stdout.isTTY === true && !process.env.NO_COLOR, env: process.env });
      const options: ConformanceOptions = {
        baseUrl: opts.baseUrl,
        ...(opts.contract ? { contract: opts.contract } : {}),
        apiKey: opts.apiKey,
        secondApiKey: opts.secondApiKey,
        oauthClientId: opts.oauthClientId,
        oauthClientSecret: opts.oauthClientSecret,
        tokenUrl: opts.tokenUrl,
        adminToken: opts.adminToken,
        only: opts.only,
        skip: opts.skip,
        include: opts.include,
        exclude: opts.exclude,
        seed: opts.seed,
        maxExamples: opts.maxExamples,
        workers: opts.workers,
        requestTimeoutMs: opts.requestTimeout,
        maxFailures: opts.maxFailures,
        readOnly: opts.readOnly === true,
        keep: opts.keep === true,
        coverageThreshold: opts.coverageThreshold,
        rateLimitCheck: opts.rateLimitCheck === true,
        listeners: reporters.map((r) => (event) => r.onEvent(event)),
      };
      const result = await runConformance(options);
      const written = (await Promise.all(reporters.map((r) => r.finish()))).flat();
      if (written.length) process.stdout.write(`Reports: ${written.join(', ')}\n`);
      process.exitCode = result.exitCode;
    });
  command.exitOverride();
  return command;
}

/** Maps what stops a run before it starts to one clear line and exit code 2. */
export function conformErrorExit(error: unknown): never {
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
  const message = error instanceof SetupError ? error.message : `internal error of the runner: ${(error as Error)?.message ?? String(error)}`;
  process.stderr.write(`invoicekit conform: ${message}\n`);
  process.exit(2);
}
