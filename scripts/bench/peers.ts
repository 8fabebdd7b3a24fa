// The servers `npm run bench` compares, each in its own process on 127.0.0.1: raw node:http,
// bare Express 5, Prism's mock of the contract and the reference server (the compiled CLI).
// Every process started here is registered, so that stopAll() stops them even on failure or SIGINT.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { freePort, startPrism, stopChild } from '../../src/testing/processes.ts';
import { EXPRESS, PRISM, RAW } from './report.ts';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const compiledCli = path.join(root, 'dist', 'src', 'cli.js');

export const BENCH_KEY = 'ik_bench_acme';
export const AUTH = { authorization: `Bearer ${BENCH_KEY}` };

export type Peer = { name: string; pid: number; baseUrl: string; stop: () => Promise<void>; output: () => string };

/** What the peers copy from the reference server's GET by id. */
export type PeerConfig = { id: string; body: unknown; headers: Array<[string, string]> };

const children = new Set<ChildProcess>();
const stoppers = new Set<() => Promise<void>>();

/** Registers a process started elsewhere (the conformance run), so that stopAll() and exit stop it too. */
export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Stops every process this module started (and not yet stopped). */
export async function stopAll(): Promise<void> {
  await Promise.all([...[...children].map((child) => stopChild(child)), ...[...stoppers].map((stop) => stop())]);
  children.clear();
  stoppers.clear();
}

/** Last resort when the bench exits without stopAll (an uncaught error): SIGKILL what is left. */
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls GET /openapi.json until it answers 200 (bounded); returns the ms since `started`. */
async function firstOk(url: string, child: ChildProcess, started: number, timeoutMs: number, output: () => string): Promise<number> {
  const deadline = started + timeoutMs;
  while (performance.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${url}: the server exited (${child.exitCode ?? child.signalCode}) before answering:\n${output()}`);
    try {
      const res = await fetch(`${url}/openapi.json`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === 200) return performance.now() - started;
    } catch {
      /* not listening yet */
    }
    await sleep(5);
  }
  throw new Error(`${url}: no 200 on /openapi.json within ${timeoutMs / 1000} s:\n${output()}`);
}

type Spawned = Peer & { startMs: number };

/** Spawns `node <args>` with PORT set, waits for the first 200 on /openapi.json. */
async function spawnNode(name: string, args: string[], env: Record<string, string>, timeoutMs: number, port?: number): Promise<Spawned> {
  port ??= await freePort();
  let output = '';
  const started = performance.now();
  const child = spawn(process.execPath, args.map((a) => a.replace('{port}', String(port))), {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '', ...env, PORT: String(port) },
  });
  children.add(child);
  const remember = (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-4_000));
  child.stdout!.on('data', remember);
  child.stderr!.on('data', remember);
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await stopChild(child);
    children.delete(child);
  };
  try {
    const startMs = await firstOk(baseUrl, child, started, timeoutMs, () => output);
    return { name, pid: child.pid!, baseUrl, stop, output: () => output, startMs };
  } catch (error) {
    await stop();
    throw error;
  }
}

export const startRawNode = (config: PeerConfig) => spawnNode(RAW, [path.join(root, 'scripts/bench/raw-node-server.mjs')], { BENCH_PEER: JSON.stringify(config) }, 30_000);

export const startExpress = (config: PeerConfig) => spawnNode(EXPRESS, [path.join(root, 'scripts/bench/express-server.mjs')], { BENCH_PEER: JSON.stringify(config) }, 30_000);

/** `invoicekit serve` from the compiled output: demo data (default) or a fixtures file; rate limit off. */
export function startReference(options: { fixtures?: string; name?: string } = {}): Promise<Spawned> {
  const args = [compiledCli, 'serve', '--port', '{port}', '--rate-limit', '0', '--api-keys', `acme:${BENCH_KEY}`, '--admin-token', 'bench-admin'];
  if (options.fixtures) args.push('--fixtures', options.fixtures);
  return spawnNode(options.name ?? 'reference server', args, {}, 180_000);
}

export async function startPrismPeer(): Promise<Peer> {
  const prism = await startPrism();
  stoppers.add(prism.stop);
  const { port } = new URL(prism.baseUrl);
  const pid = await pidListeningOn(Number(port));
  return { name: PRISM, pid, baseUrl: prism.baseUrl, output: prism.output, stop: async () => {
    await prism.stop();
    stoppers.delete(prism.stop);
  } };
}

/** The process listening on a loopback port (Prism is started through its bin: find the node process itself). */
async function pidListeningOn(port: number): Promise<number> {
  const { readFileSync, readdirSync, readlinkSync } = await import('node:fs');
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[1]?.endsWith(`:${hex}`) && cols[3] === '0A') inodes.add(cols[9]!);
    }
  }
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        if (inodes.has(/^socket:\[(\d+)\]$/.exec(target)?.[1] ?? '')) return Number(pid);
      }
    } catch {
      /* gone, or not ours */
    }
  }
  throw new Error(`no process found listening on port ${port}`);
}

/** Spawn to the first 200 on /openapi.json, `runs` times; each process is stopped before the next. */
export async function coldStarts(start: () => Promise<Spawned>, runs: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const peer = await start();
    times.push(peer.startMs);
    await peer.stop();
  }
  return times;
}
