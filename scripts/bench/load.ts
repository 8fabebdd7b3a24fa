// The load generator: N connections (undici Pool), each sending one request after another,
// bounded in count and in time; latency per request and the server's CPU time per request.
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { cpuMs } from './proc.ts';

export type BenchRequest = { method: 'GET' | 'POST'; path: string; headers?: Record<string, string>; body?: string };

export type LoadOptions = {
  baseUrl: string;
  /** The server process, for its CPU time. */
  pid: number;
  request: (i: number) => BenchRequest;
  expectStatus: number;
  connections?: number;
  /** Measured requests at most, and seconds at most; whichever comes first ends the run. */
  maxRequests?: number;
  maxSeconds?: number;
  /** Requests sent first and not measured (JIT, caches, connections). */
  warmup?: number;
};

export type LoadResult = { requests: number; seconds: number; rps: number; p50Ms: number; p99Ms: number; cpuMsPerRequest: number };

const REQUEST_TIMEOUT_MS = 10_000;
/** Wrong answers tolerated before the run stops as a failure (a bench of errors measures nothing). */
const MAX_WRONG = 10;

export const percentile = (sorted: ArrayLike<number>, p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const connections = options.connections ?? 32;
  const pool = new Pool(options.baseUrl, { connections, pipelining: 1, headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: REQUEST_TIMEOUT_MS });
  let wrong = 0;
  let lastWrong = '';
  const send = async (i: number) => {
    const { method, path, headers, body } = options.request(i);
    const res = await pool.request({ method, path, headers, body });
    const text = await res.body.text();
    if (res.statusCode !== options.expectStatus) {
      lastWrong = `${method} ${path} → ${res.statusCode}: ${text.slice(0, 300)}`;
      if (++wrong > MAX_WRONG) throw new Error(`${wrong} wrong answers, the last: ${lastWrong}`);
    }
  };
  /** Runs `count` requests (or until `deadline`) over every connection; returns each latency. */
  const phase = async (count: number, deadline: number, record: boolean) => {
    const latencies = new Float64Array(count);
    let next = 0;
    let done = 0;
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (next < count && performance.now() < deadline) {
          const i = next++;
          const started = performance.now();
          await send(i);
          if (record) latencies[done++] = performance.now() - started;
        }
      }),
    );
    return latencies.subarray(0, done);
  };
  try {
    const warmup = options.warmup ?? 500;
    await phase(warmup, performance.now() + 15_000, false);
    const cpuBefore = cpuMs(options.pid);
    const started = performance.now();
    const latencies = await phase(options.maxRequests ?? 20_000, started + (options.maxSeconds ?? 5) * 1000, true);
    const seconds = (performance.now() - started) / 1000;
    const cpu = cpuMs(options.pid) - cpuBefore;
    const sorted = Float64Array.from(latencies).sort();
    return { requests: sorted.length, seconds, rps: sorted.length / seconds, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), cpuMsPerRequest: cpu / sorted.length };
  } finally {
    await pool.close();
  }
}
