import fc from 'fast-check';
import type { OperationEntry } from '../src/contract/load.ts';
import { packageVersion as version } from '../src/contract/package.ts';
import { ConformanceClient } from './client.ts';
import { documentedStatuses, isSecured, loadConformanceContract, SetupError, type LoadedContract } from './contract.ts';
import { FailureLog } from './failures.ts';
import { exampleDrafts, invalidVariants, shapeOf, toRequest, validDraftArbitrary, type Draft, type OperationShape } from './generation/cases.ts';
import { bindRequest, canPrepare, prepare, type Prepared } from './plan.ts';
import { Redactor } from './redact.ts';
import { CHECKS } from './registry.ts';
import { PrerequisiteError, Resources } from './resources.ts';
import type { Check, CheckContext, ExchangeCheck, ScenarioCheck, CheckResult, ConformanceOptions, Coverage, Exchange, FailureInput, ResolvedOptions, RunEvent, RunResult, TestCase, ToolError } from './types.ts';

export const DEFAULTS = { seed: 1, maxExamples: 10, workers: 4, requestTimeoutMs: 10_000 };

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** The server's root: the base URL without a trailing slash or the contract's API prefix. */
export function rootOf(baseUrl: string, apiPrefix: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new SetupError(`--base-url '${baseUrl}' is not a URL (for example http://127.0.0.1:4010)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new SetupError(`--base-url must be http or https, not ${url.protocol}`);
  let path = url.pathname.replace(/\/+$/, '');
  if (apiPrefix && path.endsWith(apiPrefix)) path = path.slice(0, -apiPrefix.length);
  return `${url.origin}${path}`;
}

function selectChecks(options: ConformanceOptions): Check[] {
  const known = new Set(CHECKS.map((c) => c.id));
  for (const id of [...(options.only ?? []), ...(options.skip ?? [])]) {
    if (!known.has(id)) throw new SetupError(`unknown check '${id}'; the checks are: ${[...known].join(', ')}`);
  }
  return CHECKS.filter((c) => (!options.only?.length || options.only.includes(c.id)) && !options.skip?.includes(c.id));
}

function selectOperations(contract: LoadedContract, options: ConformanceOptions): OperationEntry[] {
  const matches = (entry: OperationEntry, names: string[]) => names.some((n) => n === entry.operationId || ((entry.operation.tags ?? []) as string[]).includes(n));
  const names = new Set(contract.operations.flatMap((o) => [o.operationId, ...((o.operation.tags ?? []) as string[])]));
  for (const n of [...(options.include ?? []), ...(options.exclude ?? [])]) if (!names.has(n)) throw new SetupError(`--include/--exclude: '${n}' is neither an operationId nor a tag of the contract`);
  return contract.operations.filter(
    (o) => (!options.include?.length || matches(o, options.include)) && !(options.exclude?.length && matches(o, options.exclude)) && (!options.readOnly || o.method === 'get'),
  );
}

async function obtainToken(root: string, contract: LoadedContract, options: ConformanceOptions, agent: ConformanceClient['agent']): Promise<string> {
  const { request } = await import('undici');
  const tokenUrl = new URL(options.tokenUrl ?? contract.tokenUrl ?? '/oauth/token', root + '/').toString();
  const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: options.oauthClientId!, client_secret: options.oauthClientSecret! }).toString();
  let res;
  try {
    res = await request(tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body, dispatcher: agent });
  } catch (e) {
    throw new SetupError(`cannot reach the token URL ${tokenUrl}: ${(e as Error).message}`);
  }
  const text = await res.body.text();
  let token: unknown;
  try {
    token = JSON.parse(text).access_token;
  } catch {
    /* reported below */
  }
  if (res.statusCode !== 200 || typeof token !== 'string') throw new SetupError(`the OAuth client was refused at ${tokenUrl} (HTTP ${res.statusCode}); check --oauth-client-id and --oauth-client-secret`);
  return token;
}

/** Runs every selected check against a server and returns the result; emits events on the way. */
export async function runConformance(input: ConformanceOptions): Promise<RunResult> {
  const started = Date.now();
  const emit = (event: RunEvent) => {
    for (const listener of input.listeners ?? []) listener(event);
  };
  const contract = await loadConformanceContract(input.contract);
  const root = rootOf(input.baseUrl, contract.apiPrefix);
  const seed = input.seed ?? DEFAULTS.seed;
  const options: ResolvedOptions = {
    ...input,
    seed,
    maxExamples: input.maxExamples ?? DEFAULTS.maxExamples,
    workers: Math.max(1, input.workers ?? DEFAULTS.workers),
    requestTimeoutMs: input.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs,
    readOnly: input.readOnly ?? false,
    keep: input.keep ?? false,
    root,
    // Unique per run, so that markers of earlier runs against the same server never match; the generated inputs depend on the seed alone.
    runTag: `ikc-${seed}-${Date.now().toString(36)}`,
  };
  delete (options as { listeners?: unknown }).listeners;
  const checks = selectChecks(input);
  const operations = selectOperations(contract, input);
  if (!input.apiKey && !(input.oauthClientId && input.oauthClientSecret)) throw new SetupError('no credentials: pass --api-key (or INVOICEKIT_CONFORM_API_KEY), or --oauth-client-id and --oauth-client-secret');

  const redactor = new Redactor();
  redactor.add(input.apiKey, 'INVOICEKIT_CONFORM_API_KEY');
  redactor.add(input.secondApiKey, 'INVOICEKIT_CONFORM_SECOND_API_KEY');
  redactor.add(input.oauthClientSecret, 'INVOICEKIT_CONFORM_OAUTH_CLIENT_SECRET');
  redactor.add(input.adminToken, 'INVOICEKIT_CONFORM_ADMIN_TOKEN');
  let authorization = input.apiKey ? `Bearer ${input.apiKey}` : undefined;
  const client = new ConformanceClient(contract, { root, requestTimeoutMs: options.requestTimeoutMs, redactor, primaryAuthorization: () => authorization });
  try {
    if (!input.apiKey) {
      const token = await obtainToken(root, contract, input, client.agent);
      redactor.add(token, 'INVOICEKIT_CONFORM_ACCESS_TOKEN');
      authorization = `Bearer ${token}`;
    }
    await preflight(client, contract);
    return await execute();
  } finally {
    await client.close();
  }

  async function execute(): Promise<RunResult> {
    const failures = new FailureLog();
    const toolErrors: ToolError[] = [];
    const results = new Map<string, CheckResult>();
    const statusesSeen = new Map<string, Set<number>>();
    const onceKeys = new Set<string>();
    const skippedChecks: Array<{ checkId: string; reason: string }> = [];
    let requests = 0;
    let stoppedEarly: string | undefined;

    const active: Check[] = [];
    for (const check of checks) {
      const unmet = (check.requires ?? []).find((r) => (r === 'writes' && options.readOnly) || (r === 'second-api-key' && !input.secondApiKey) || (r === 'oauth' && !input.oauthClientId) || (r === 'admin-token' && !input.adminToken) || (r === 'rate-limit-check' && !input.rateLimitCheck));
      if (!unmet) active.push(check);
      else {
        const reason = { writes: 'it creates data, and --read-only is set', 'second-api-key': 'it needs --second-api-key (a credential of another tenant)', oauth: 'it needs an OAuth client (--oauth-client-id, --oauth-client-secret)', 'admin-token': 'it needs --admin-token of an invoicekit server', 'rate-limit-check': 'it bursts until 429 and waits: opt in with --rate-limit-check' }[unmet];
        skippedChecks.push({ checkId: check.id, reason });
        results.set(`${check.id}\u0000*`, { checkId: check.id, severity: check.severity, operationId: '*', outcome: 'skipped', passes: 0, failures: 0, skipReason: reason });
      }
    }
    const resultOf = (check: Check, operationId: string) => {
      const key = `${check.id}\u0000${operationId}`;
      let r = results.get(key);
      if (!r) results.set(key, (r = { checkId: check.id, severity: check.severity, operationId, outcome: 'passed', passes: 0, failures: 0 }));
      return r;
    };

    const recordFailure = (check: Check, failure: FailureInput) => {
      const op = failure.operationId ?? failure.exchange.case.operationId ?? '(no operation)';
      resultOf(check, op).failures++;
      const added = failures.add(check, failure);
      if (added) emit({ type: 'failure', failure: added });
      if (input.maxFailures && failures.size >= input.maxFailures && !stoppedEarly) stoppedEarly = `stopped after ${failures.size} distinct failures (--max-failures ${input.maxFailures})`;
    };

    const contextFor = (check: Check, dry?: FailureInput[]): CheckContext => ({
      options,
      contract,
      resources,
      send,
      once: (key) => (onceKeys.has(key) ? false : (onceKeys.add(key), true)),
      pass: (operationId) => void resultOf(check, operationId).passes++,
      fail: (failure) => (dry ? dry.push(failure) : recordFailure(check, failure)),
      skip: (operationId, reason) => void (resultOf(check, operationId).skipReason ??= reason),
    });

    const exchangeChecks = active.filter((c): c is ExchangeCheck => c.kind !== 'scenario');
    const scenarioChecks = active.filter((c): c is ScenarioCheck => c.kind === 'scenario');

    async function judge(exchange: Exchange, mode: 'all' | 'follow-up-only' = 'all'): Promise<void> {
      for (const check of exchangeChecks) {
        if (mode === 'follow-up-only' && check.inline) continue;
        try {
          await check.run(contextFor(check), exchange);
        } catch (error) {
          toolErrors.push({ kind: 'tool', message: `check ${check.id} could not judge ${exchange.request.method} ${exchange.request.url}: ${(error as Error).message}`, request: exchange.request });
        }
      }
    }

    /** Inline checks in dry mode: their failures are returned, not recorded (for property-based shrinking). */
    function judgeDry(exchange: Exchange): FailureInput[] {
      const found: FailureInput[] = [];
      for (const check of exchangeChecks.filter((c) => c.inline)) void check.run(contextFor(check, found), exchange);
      return found;
    }

    async function transmit(testCase: TestCase): Promise<Exchange> {
      const exchange = await client.send(testCase);
      requests++;
      if (exchange.toolError) {
        toolErrors.push(exchange.toolError);
        emit({ type: 'tool-error', error: exchange.toolError });
      } else if (exchange.response && exchange.operation) {
        const seen = statusesSeen.get(exchange.operation.operationId) ?? new Set<number>();
        seen.add(exchange.response.status);
        statusesSeen.set(exchange.operation.operationId, seen);
        const body = exchange.response.body as { id?: unknown } | undefined;
        // Anything created, by a case or a probe, is cleaned up at the end.
        if (exchange.response.status === 201 && typeof body?.id === 'string') {
          if (exchange.operation.path.endsWith('/customers')) resources.track('customer', body.id);
          else if ('line_items' in (body as object)) resources.track('invoice', body.id);
        }
      }
      return exchange;
    }

    async function send(testCase: TestCase): Promise<Exchange> {
      const exchange = await transmit(testCase);
      await judge(exchange);
      return exchange;
    }

    const resources = new Resources(send, contract, options.runTag, options.readOnly);

    async function buildCase(shape: OperationShape, draft: Draft, origin: TestCase['origin'], prepared: Prepared): Promise<TestCase | undefined> {
      const request = toRequest(shape, draft, prepared.pathParams);
      if (origin !== 'invalid' && !(await bindRequest(shape.entry.operationId, request, prepared, resources, { clientId: input.oauthClientId, clientSecret: input.oauthClientSecret }))) return undefined;
      return { origin, operationId: shape.entry.operationId, label: draft.label, request, context: { ...prepared.context }, ...(draft.mutation ? { mutation: draft.mutation } : {}) };
    }

    /**
     * A valid request bound to prerequisites, then broken in one place. A refused request changes
     * nothing (refused_write_leaves_nothing checks that), so the prerequisites are reused until a
     * broken request is accepted; then the next one gets fresh ones.
     */
    type Bound = { prepared: Prepared; draft: Draft };
    async function invalidCase(shape: OperationShape, template: Draft, variant: ReturnType<typeof invalidVariants>[number], reuse: { bound?: Bound }): Promise<TestCase | undefined> {
      if (!reuse.bound) {
        const prepared = await prepare(shape.entry.operationId, shape.pathParams, resources, { query: template.query });
        const valid = toRequest(shape, template, prepared.pathParams);
        if (!(await bindRequest(shape.entry.operationId, valid, prepared, resources, { clientId: input.oauthClientId, clientSecret: input.oauthClientSecret }))) return undefined;
        reuse.bound = { prepared, draft: { ...template, query: (valid.query ?? {}) as Record<string, string>, ...(valid.json !== undefined ? { body: valid.json } : {}) } };
      }
      const draft = variant.apply(structuredClone(reuse.bound.draft));
      if (!draft) return undefined;
      return buildCase(shape, draft, 'invalid', reuse.bound.prepared);
    }

    async function runScenario(check: ScenarioCheck): Promise<void> {
      try {
        await check.run(contextFor(check));
      } catch (error) {
        const ctx = contextFor(check);
        if (error instanceof PrerequisiteError) ctx.skip('*', error.message);
        else toolErrors.push({ kind: 'tool', message: `check ${check.id} could not run: ${(error as Error).message}`, request: { method: '-', url: root, headers: {} } });
      }
    }

    async function runOperation(entry: OperationEntry): Promise<void> {
      emit({ type: 'operation-start', operationId: entry.operationId, method: entry.method.toUpperCase(), path: entry.path });
      const before = requests;
      const failuresBefore = failures.size;
      const shape = shapeOf(contract, entry);
      const skipAll = (reason: string) => {
        for (const check of active.filter((c) => ['valid_input_accepted', 'invalid_input_rejected'].includes(c.id))) contextFor(check).skip(entry.operationId, reason);
      };
      try {
        if (!canPrepare(shape.pathParams)) {
          skipAll(`the runner cannot create a '${shape.pathParams.join("', '")}' for ${entry.operationId}`);
          return;
        }
        const examples = exampleDrafts(contract, shape);
        for (const draft of examples) {
          if (stoppedEarly) return;
          const prepared = await prepare(entry.operationId, shape.pathParams, resources, { query: draft.query });
          const testCase = await buildCase(shape, draft, 'example', prepared);
          if (!testCase) {
            skipAll(entry.operationId === 'createAccessToken' ? 'valid token requests need an OAuth client (--oauth-client-id, --oauth-client-secret)' : 'the example cannot be bound to real resources');
            continue;
          }
          await send(testCase);
        }
        if (stoppedEarly) return;

        // Generated valid requests: a property, so that fast-check shrinks a failing one to the smallest.
        let template: Draft | undefined = examples.find((d) => d.body !== undefined || d.form !== undefined) ?? examples[0];
        const arbitrary = validDraftArbitrary(contract, shape);
        const opSeed = (seed ^ hash(entry.operationId)) | 0;
        if (!template) template = fc.sample(arbitrary, { seed: opSeed, numRuns: 1 })[0];
        let runs = 0;
        const property = fc.asyncProperty(arbitrary, async (draft) => {
          if (stoppedEarly) return true;
          runs++;
          const prepared = await prepare(entry.operationId, shape.pathParams, resources, { query: draft.query });
          const testCase = await buildCase(shape, draft, 'generated', prepared);
          if (!testCase) return true;
          const exchange = await transmit(testCase);
          if (!exchange.response) return true;
          const found = judgeDry(exchange);
          if (found.length === 0) await judge(exchange, 'follow-up-only');
          return found.length === 0;
        });
        const outcome = await fc.check(property, { seed: opSeed, numRuns: options.maxExamples, interruptAfterTimeLimit: 20_000, markInterruptAsFailure: false, endOnFailure: false });
        if (outcome.failed && outcome.counterexample) {
          const [draft] = outcome.counterexample as [Draft];
          const prepared = await prepare(entry.operationId, shape.pathParams, resources, { query: draft.query });
          const testCase = await buildCase(shape, { ...draft, label: `generated (seed ${seed}, smallest of ${runs} tried after ${outcome.numShrinks} shrinks)` }, 'generated', prepared);
          if (testCase) await send(testCase);
        }
        if (stoppedEarly || !template) return;

        const variants = invalidVariants(contract, shape, template);
        const chosen = fc.sample(fc.shuffledSubarray(variants, { minLength: variants.length, maxLength: variants.length }), { seed: opSeed, numRuns: 1 })[0] ?? [];
        const reuse: { bound?: Bound } = {};
        for (const variant of chosen.slice(0, options.maxExamples * 2)) {
          if (stoppedEarly) return;
          const testCase = await invalidCase(shape, template, variant, reuse);
          if (!testCase) continue;
          const exchange = await send(testCase);
          if (!exchange.response || exchange.response.status < 400) delete reuse.bound;
        }
      } catch (error) {
        if (!(error instanceof PrerequisiteError)) throw error;
        skipAll(error.message);
      } finally {
        emit({ type: 'operation-end', operationId: entry.operationId, requests: requests - before, failures: failures.size - failuresBefore });
      }
    }

    emit({ type: 'run-start', target: root, contract: contract.source, seed, runTag: options.runTag, checks: checks.map(({ id, severity, description }) => ({ id, severity, description })), operations: operations.map((o) => o.operationId) });
    // With only business-rule checks selected, the per-operation phase would judge nothing.
    const queue = exchangeChecks.length ? [...operations] : [];
    await Promise.all(
      Array.from({ length: Math.min(options.workers, queue.length) }, async () => {
        for (let entry = queue.shift(); entry && !stoppedEarly; entry = queue.shift()) await runOperation(entry);
      }),
    );
    // Business-rule scenarios after the per-operation phase; exclusive ones last and alone (the rate-limit burst's 429s would disturb the others).
    const selected = new Set(operations.map((o) => o.operationId));
    for (const check of [...scenarioChecks]) {
      const missing = check.operations.filter((id) => !selected.has(id));
      if (!missing.length) continue;
      const reason = `it needs ${missing.join(', ')}, which the contract lacks or --include/--exclude leave out`;
      skippedChecks.push({ checkId: check.id, reason });
      results.set(`${check.id}\u0000*`, { checkId: check.id, severity: check.severity, operationId: '*', outcome: 'skipped', passes: 0, failures: 0, skipReason: reason });
      scenarioChecks.splice(scenarioChecks.indexOf(check), 1);
    }
    const scenarios = scenarioChecks.filter((c) => !c.exclusive);
    await Promise.all(
      Array.from({ length: Math.min(options.workers, scenarios.length) }, async () => {
        for (let check = scenarios.shift(); check && !stoppedEarly; check = scenarios.shift()) await runScenario(check);
      }),
    );
    const exclusive = scenarioChecks.filter((c) => c.exclusive).sort((a, b) => Number(a.requires?.includes('rate-limit-check') ?? false) - Number(b.requires?.includes('rate-limit-check') ?? false));
    for (const check of exclusive) if (!stoppedEarly) await runScenario(check);
    const cleanup = options.keep || options.readOnly ? { removed: 0, left: 0, notes: [options.keep ? `--keep: created data left in place, tagged '${options.runTag}'` : 'read-only: nothing was created'] } : await resources.cleanup();

    const coverage = coverageOf(operations, statusesSeen);
    const resultList = [...results.values()].map((r) => ({ ...r, outcome: r.failures ? 'failed' : r.passes ? 'passed' : 'skipped' }) as CheckResult).filter((r) => r.outcome !== 'skipped' || r.skipReason);
    for (const result of resultList) emit({ type: 'check-result', result });
    const failed = failures.size > 0;
    const threshold = input.coverageThreshold !== undefined ? { required: input.coverageThreshold, met: coverage.percent >= input.coverageThreshold } : undefined;
    const ok = !failed && (threshold?.met ?? true);
    const result: RunResult = {
      tool: { name: 'invoicekit conform', version },
      target: root,
      contract: contract.source,
      seed,
      runTag: options.runTag,
      startedAt: new Date(started).toISOString(),
      finishedAt: new Date().toISOString(),
      ok,
      exitCode: ok ? 0 : 1,
      ...(stoppedEarly ? { stoppedEarly } : {}),
      summary: {
        checks: active.length,
        passed: resultList.filter((r) => r.outcome === 'passed').length,
        failed: resultList.filter((r) => r.outcome === 'failed').length,
        skipped: resultList.filter((r) => r.outcome === 'skipped').length,
        failures: failures.size,
        toolErrors: toolErrors.length,
        requests,
        durationMs: Date.now() - started,
      },
      results: resultList,
      failures: failures.all(),
      toolErrors,
      skipped: skippedChecks,
      coverage,
      ...(threshold ? { coverageThreshold: threshold } : {}),
      cleanup,
    };
    emit({ type: 'run-end', result });
    return result;
  }
}

/** Reaches the server once with the primary credential: unreachable or refused is a setup error (exit 2). */
async function preflight(client: ConformanceClient, contract: LoadedContract): Promise<void> {
  const probe = contract.operations.find((o) => o.method === 'get' && isSecured(contract.doc, o) && !o.path.includes('{')) ?? contract.operations.find((o) => o.method === 'get' && !o.path.includes('{'));
  if (!probe) return;
  const exchange = await client.send({ origin: 'setup', operationId: probe.operationId, label: 'preflight', request: { method: 'GET', path: probe.path, query: probe.parameters.some((p) => p.name === 'limit') ? { limit: '1' } : {} } });
  if (exchange.toolError) throw new SetupError(`cannot reach the server at ${client.url('')}: ${exchange.toolError.message}`);
  const status = exchange.response!.status;
  if (status === 401 || status === 403) throw new SetupError(`the credentials were refused: GET ${probe.path} answered ${status}; check --api-key (or the OAuth client)`);
}

function coverageOf(operations: OperationEntry[], seen: Map<string, Set<number>>): Coverage {
  const pairs: Coverage['pairs'] = [];
  for (const entry of operations) {
    const statuses = seen.get(entry.operationId) ?? new Set<number>();
    for (const status of documentedStatuses(entry)) {
      if (status === 'default') continue;
      const exercised = /^\dXX$/i.test(status) ? [...statuses].some((s) => String(s)[0] === status[0]) : statuses.has(Number(status));
      pairs.push({ operationId: entry.operationId, status, exercised });
    }
  }
  const exercised = pairs.filter((p) => p.exercised).length;
  return { pairs, exercised, total: pairs.length, percent: pairs.length ? Math.round((exercised / pairs.length) * 1000) / 10 : 100 };
}
