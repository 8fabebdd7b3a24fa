// The conformance target of `npm run bench`: a full default run of `invoicekit conform` (every
// check but the opt-in rate-limit burst) against a local reference server, each in its own process.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { freePort, stopChild } from '../src/testing/processes.ts';
import { track } from './bench/peers.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'scripts/invoicekit.mjs');
export const CONFORMANCE_TARGET_MS = 30_000;
/** A run still going after this is stopped (SIGKILL) and reported as a failure. */
const RUNNER_TIMEOUT_MS = 300_000;

async function waitUntilUp(url: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).status < 500) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the reference server did not start at ${url}`);
}

export type ConformanceBench = { rows: Array<[string, string]>; met: boolean; seconds: number; ok: boolean; detail: string };

/** Runs the full conformance suite once; returns the table rows and whether the target was met. */
export async function benchConformance(): Promise<ConformanceBench> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = track(spawn(process.execPath, [bin, 'serve', '--port', String(port), '--rate-limit', '0', '--api-keys', 'acme:ik_bench_acme,globex:ik_bench_globex', '--oauth-clients', 'acme:bench-client:bench-secret', '--admin-token', 'bench-admin'], { stdio: 'ignore', cwd: root }));
  const output = mkdtempSync(path.join(tmpdir(), 'invoicekit-conform-bench-'));
  let runner: ReturnType<typeof spawn> | undefined;
  try {
    await waitUntilUp(`${base}/openapi.json`);
    const started = performance.now();
    const code = await new Promise<number | null>((resolve) => {
      runner = track(spawn(
        process.execPath,
        [bin, 'conform', '--base-url', base, '--api-key', 'ik_bench_acme', '--second-api-key', 'ik_bench_globex', '--oauth-client-id', 'bench-client', '--oauth-client-secret', 'bench-secret', '--admin-token', 'bench-admin', '--reporter', 'json', '--output', output],
        { stdio: ['ignore', 'ignore', 'inherit'], cwd: root },
      ));
      const timer = setTimeout(() => runner?.kill('SIGKILL'), RUNNER_TIMEOUT_MS);
      runner.once('exit', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    const elapsed = performance.now() - started;
    const report = JSON.parse(readFileSync(path.join(output, 'report.json'), 'utf8')) as { summary: { requests: number; checks: number; failures: number }; coverage: { percent: number } };
    const met = elapsed <= CONFORMANCE_TARGET_MS && code === 0;
    const verdict = code !== 0 ? `FAILED: exit ${code}, ${report.summary.failures} failure(s)` : elapsed <= CONFORMANCE_TARGET_MS ? 'ok' : 'OVER TARGET';
    const detail = `${report.summary.requests} requests, ${report.summary.checks} checks, coverage ${report.coverage.percent}%${code === 0 ? '' : `, FAILED: exit ${code}, ${report.summary.failures} failure(s)`}`;
    return {
      met,
      seconds: elapsed / 1000,
      ok: code === 0,
      detail,
      rows: [[`invoicekit conform, full default run (target ≤ ${CONFORMANCE_TARGET_MS / 1000} s)`, `${(elapsed / 1000).toFixed(1)} s, ${report.summary.requests} requests, ${report.summary.checks} checks, coverage ${report.coverage.percent}% (${verdict})`]],
    };
  } finally {
    await Promise.all([stopChild(runner), stopChild(server)]);
    rmSync(output, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { rows, met } = await benchConformance();
  for (const [label, value] of rows) console.log(`${label}  ${value}`);
  if (!met) process.exitCode = 1;
}
