// `npm run bench`: the reference server against its peers, each in its own process on 127.0.0.1
// (raw node:http, bare Express 5 with the same response headers, Prism's mock of the contract),
// in one run: throughput and latency at 32 connections with the servers' CPU time per request,
// lists under writes at the demo set and at 100,000 invoices, memory, cold start and the full
// conformance run. Prints one table of targets and writes bench-results/latest.md and .json.
// Every loop is bounded in count and time; every process started is stopped, also on failure and
// SIGINT. Exit code 1 when the bench could not run or the conformance run found a failure; a
// missed target is reported, and fails the run only with --strict (the targets are measured on a
// shared machine, not gated).  Options: --quick (short runs), --strict, --no-conformance.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ensureBuilt } from './build.mjs';
import { benchConformance } from './bench-conformance.ts';
import { createBody, listQueries, listsUnderWrites } from './bench/lists.ts';
import { runLoad, type BenchRequest, type LoadOptions } from './bench/load.ts';
import { AUTH, coldStarts, root, startExpress, startPrismPeer, startRawNode, startReference, stopAll, type Peer, type PeerConfig } from './bench/peers.ts';
import { machine, memory } from './bench/proc.ts';
import { EXPRESS, markdown, REFERENCE, targets, writeResults, type Results } from './bench/report.ts';

const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const SECONDS = quick ? 1.5 : 5;
const MAX_REQUESTS = 50_000;
const COLD_RUNS = quick ? 2 : 5;
const COLD_RUNS_LARGE = quick ? 1 : 3;
const largeFixtures = path.join(root, '.tmp', 'bench', 'large-seed42.json');
/** Invoices in that data set (the large preset, fixtures/generate.ts; about 1% of them in the trash). */
const LARGE_INVOICES = 100_000;
/** Headers that differ per answer or per connection, left out of the comparison. */
const PER_ANSWER = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding', 'x-request-id']);

const log = (line: string) => console.error(`bench: ${line}`);

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    log(`${signal}: stopping every server started`);
    void stopAll().finally(() => process.exit(130));
  });
}

/** The build the servers run (compiled CLI, docs) must be there first, or each start would build it. */
async function prepare() {
  if (await ensureBuilt()) log('compiled the sources into dist/');
  const docs = spawnSync(process.execPath, [path.join(root, 'scripts/build-docs.mjs'), '--if-stale'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 });
  if (docs.status !== 0) throw new Error('building the docs failed (node scripts/build-docs.mjs)');
  // The writer too: its files are ASCII since serialise.ts escapes non-ASCII, which the loader reads faster.
  const sources = ['fixtures/generate.ts', 'fixtures/catalog.ts', 'fixtures/serialise.ts'].map((file) => statSync(path.join(root, file)).mtimeMs);
  if (!existsSync(largeFixtures) || statSync(largeFixtures).mtimeMs < Math.max(...sources)) {
    log('generating the large data set (100,000 invoices, seed 42) once into .tmp/bench/');
    mkdirSync(path.dirname(largeFixtures), { recursive: true });
    const made = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/fixtures.ts'), '--preset', 'large', '--seed', '42', '--out', largeFixtures, '--quiet'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], timeout: 600_000 });
    if (made.status !== 0) throw new Error('generating the large data set failed (scripts/fixtures.ts)');
  }
}

/** What bare Express and node:http copy: an invoice, its body and the headers the server sent with it. */
async function peerConfig(reference: Peer): Promise<PeerConfig> {
  const list = await fetch(`${reference.baseUrl}/api/v1/invoices?limit=1`, { headers: AUTH });
  const id = ((await list.json()) as { data: Array<{ id: string }> }).data[0]!.id;
  const res = await fetch(`${reference.baseUrl}/api/v1/invoices/${id}`, { headers: AUTH });
  if (res.status !== 200) throw new Error(`GET /api/v1/invoices/${id} → ${res.status}`);
  const headers: Array<[string, string]> = [];
  res.headers.forEach((value, name) => {
    if (!PER_ANSWER.has(name)) headers.push([name, value]);
  });
  return { id, body: await res.json(), headers };
}

async function sameHeaders(reference: Peer, peers: Peer[], id: string): Promise<{ same: boolean; detail: string }> {
  const names = async (peer: Peer) => {
    const res = await fetch(`${peer.baseUrl}/api/v1/invoices/${id}`, { headers: AUTH });
    await res.arrayBuffer();
    return [...res.headers.keys()].filter((name) => !PER_ANSWER.has(name) || name === 'x-request-id').sort().join(',');
  };
  const expected = await names(reference);
  const differ: string[] = [];
  for (const peer of peers) {
    const got = await names(peer);
    if (got !== expected) differ.push(`${peer.name}: ${got} (the server: ${expected})`);
  }
  return { same: differ.length === 0, detail: differ.join('; ') };
}

const get = (path: string) => (): BenchRequest => ({ method: 'GET', path, headers: AUTH });

async function main(): Promise<Results> {
  await prepare();
  const results: Results = {
    date: new Date().toISOString(),
    commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim(),
    machine: machine(),
    load: {},
    headersMatch: { same: false, detail: '' },
    lists: {} as Results['lists'],
    memory: {} as Results['memory'],
    coldStart: {},
    conformance: null,
  };
  const measure = async (operation: string, peer: Peer, request: LoadOptions['request'], expectStatus = 200) => {
    if (interrupted) throw new Error('interrupted');
    log(`${operation}: ${peer.name}`);
    (results.load[operation] ??= {})[peer.name] = await runLoad({ baseUrl: peer.baseUrl, pid: peer.pid, request, expectStatus, maxRequests: MAX_REQUESTS, maxSeconds: SECONDS });
  };

  // The demo data set: every server side by side.
  const reference = await startReference({ name: REFERENCE });
  const demoAfterStart = memory(reference.pid);
  const config = await peerConfig(reference);
  const [raw, express, prism] = [await startRawNode(config), await startExpress(config), await startPrismPeer()];
  results.headersMatch = await sameHeaders(reference, [raw, express], config.id);
  const byId = get(`/api/v1/invoices/${config.id}`);
  for (const peer of [raw, express, prism, reference]) await measure('GET by id', peer, byId);
  const { queries, customerId } = await listQueries(reference.baseUrl);
  for (const peer of [prism, reference]) await measure('filtered list', peer, get(queries.filtered));
  for (const peer of [prism, reference]) await measure('search', peer, get(queries.search));
  log('lists under writes: demo data');
  const demoLists = await listsUnderWrites(reference.baseUrl, queries, customerId);
  const create = (): BenchRequest => ({ method: 'POST', path: '/api/v1/invoices', headers: { ...AUTH, 'content-type': 'application/json' }, body: createBody(customerId) });
  for (const peer of [prism, reference]) await measure('POST create', peer, create, 201);
  results.memory.demo = { afterStart: demoAfterStart, afterLoadTest: memory(reference.pid) };
  await stopAll();

  // 100,000 invoices.
  log('reference server with 100,000 invoices');
  const large = await startReference({ fixtures: largeFixtures, name: `${REFERENCE}, large` });
  const largeAfterStart = memory(large.pid);
  const largeData = await listQueries(large.baseUrl);
  log('lists under writes: 100,000 invoices');
  const largeLists = await listsUnderWrites(large.baseUrl, largeData.queries, largeData.customerId);
  const largeId = (await peerConfig(large)).id;
  await measure('GET by id, 100k', large, get(`/api/v1/invoices/${largeId}`));
  await measure('filtered list, 100k', large, get(largeData.queries.filtered));
  results.memory.large = { afterStart: largeAfterStart, afterLoadTest: memory(large.pid) };
  results.lists = { demo: demoLists, large: largeLists, largeInvoices: LARGE_INVOICES };
  await stopAll();

  log('cold starts');
  results.coldStart[EXPRESS] = await coldStarts(() => startExpress(config), COLD_RUNS);
  results.coldStart[REFERENCE] = await coldStarts(() => startReference(), COLD_RUNS);
  results.coldStart[`${REFERENCE}, large`] = await coldStarts(() => startReference({ fixtures: largeFixtures }), COLD_RUNS_LARGE);

  if (!args.has('--no-conformance')) {
    log('invoicekit conform, full run');
    const run = await benchConformance();
    results.conformance = { seconds: run.seconds, ok: run.ok, detail: run.detail };
  }
  return results;
}

try {
  const results = await main();
  const text = markdown(results);
  const written = writeResults(path.join(root, 'bench-results'), results);
  console.log(text);
  log(`written to ${path.relative(root, written.md)} and ${path.relative(root, written.json)}`);
  const missed = targets(results).filter((t) => t.pass === false);
  if (missed.length) log(`${missed.length} target(s) missed: ${missed.map((t) => t.target).join('; ')}`);
  if (missed.length && args.has('--strict')) process.exitCode = 1;
  // A failed check is a wrong server, not a slow one: that fails the run.
  if (results.conformance && !results.conformance.ok) {
    log(`the conformance run failed: ${results.conformance.detail}`);
    process.exitCode = 1;
  }
} catch (error) {
  log(`could not run: ${(error as Error)?.stack ?? error}`);
  process.exitCode = 1;
} finally {
  await stopAll();
}
