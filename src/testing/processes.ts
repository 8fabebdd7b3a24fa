import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const prismBin = path.join(root, 'node_modules', '.bin', 'prism');
const contractYaml = path.join(root, 'src', 'generated', 'openapi.yaml');

const READY_TRIES = 150; // × READY_INTERVAL_MS → at most ~30 s (Prism usually needs 1–3 s)
const READY_INTERVAL_MS = 200;
const START_ATTEMPTS = 3; // a new free port each time, in case another process grabbed it
const STOP_TIMEOUT_MS = 5_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A loopback port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (!address || typeof address === 'string') throw new Error('could not find a free port');
  return address.port;
}

/** SIGTERM, then SIGKILL if the child has not exited within the time limit. */
export async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit').catch(() => undefined);
  child.kill('SIGTERM');
  const timer = sleep(STOP_TIMEOUT_MS).then(() => 'timeout' as const);
  if ((await Promise.race([exited, timer])) === 'timeout') {
    child.kill('SIGKILL');
    await Promise.race([exited, sleep(STOP_TIMEOUT_MS)]);
  }
}

export type PrismMock = { baseUrl: string; output: () => string; stop: () => Promise<void> };

/** Prism's stateless mock of the contract on a free loopback port, polled until it answers (bounded in tries and time). */
export async function startPrism(): Promise<PrismMock> {
  if (!existsSync(prismBin)) throw new Error(`${prismBin} is missing: run npm ci`);
  let output = ''; // Prism's stdout and stderr, the last 20 kB, for failure messages
  const remember = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    const port = await freePort();
    output = '';
    // Started directly (not through npx), so that this PID is the one to stop.
    const child = spawn(prismBin, ['mock', contractYaml, '--host', '127.0.0.1', '--port', String(port)], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    child.stdout?.on('data', remember);
    child.stderr?.on('data', remember);
    child.on('error', (error) => remember(Buffer.from(`\n[spawn error] ${error.message}\n`)));
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; i < READY_TRIES && child.exitCode === null && child.signalCode === null; i++) {
      try {
        // Any HTTP answer means Prism listens; a public GET needs no credentials.
        await fetch(`${url}/__prism_readiness_probe`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.arrayBuffer());
        return { baseUrl: url, output: () => output, stop: () => stopChild(child) };
      } catch {
        await sleep(READY_INTERVAL_MS);
      }
    }
    const exited = child.exitCode !== null || child.signalCode !== null;
    await stopChild(child);
    if (!exited || attempt === START_ATTEMPTS) {
      throw new Error(`Prism did not become ready on ${url} (${exited ? 'it exited' : `no answer after ${READY_TRIES} tries`}):\n${output}`);
    }
  }
  throw new Error('unreachable: every attempt returns or throws');
}
