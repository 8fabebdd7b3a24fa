// The bench's results: one table of targets (measured, ratio, target, pass/fail), the details per
// server, printed and written as markdown and JSON (bench-results/latest.md, latest.json).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LoadResult } from './load.ts';
import type { ListTimings } from './lists.ts';
import type { Machine, Memory } from './proc.ts';

export type Results = {
  date: string;
  commit: string;
  machine: Machine;
  /** Load runs by operation, then by server name. */
  load: Record<string, Record<string, LoadResult>>;
  headersMatch: { same: boolean; detail: string };
  lists: { demo: ListTimings; large: ListTimings; largeInvoices: number };
  memory: { demo: { afterStart: Memory; afterLoadTest: Memory }; large: { afterStart: Memory; afterLoadTest: Memory } };
  coldStart: Record<string, number[]>;
  conformance: { seconds: number; ok: boolean; detail: string } | null;
};

export type Target = { target: string; measured: string; ratio: string; goal: string; pass: boolean | null };

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const n0 = (v: number) => Math.round(v).toLocaleString('en-US');
const n1 = (v: number) => v.toFixed(1);
const n2 = (v: number) => v.toFixed(2);
const ms = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`);

export const REFERENCE = 'reference server';
export const EXPRESS = 'bare Express 5';
export const PRISM = 'Prism';
export const RAW = 'node:http';

export const TARGETS = { get: 0.85, post: 3, lists: 2, rssMiB: 500, coldRatio: 4, coldLargeMs: 1500, conformanceS: 30 };

export function targets(r: Results): Target[] {
  const rows: Target[] = [];
  const get = r.load['GET by id'];
  const refGet = get?.[REFERENCE];
  const expressGet = get?.[EXPRESS];
  if (refGet && expressGet) {
    const ratio = refGet.rps / expressGet.rps;
    rows.push({ target: 'GET by id, req/s', measured: `${n0(refGet.rps)} vs ${n0(expressGet.rps)} (bare Express)`, ratio: `${n2(ratio)}×`, goal: `≥ ${TARGETS.get}× bare Express`, pass: ratio >= TARGETS.get });
  }
  const post = r.load['POST create'];
  if (post?.[REFERENCE] && post[PRISM]) {
    const ratio = post[REFERENCE].rps / post[PRISM].rps;
    rows.push({ target: 'POST create, req/s', measured: `${n0(post[REFERENCE].rps)} vs ${n0(post[PRISM].rps)} (Prism)`, ratio: `${n2(ratio)}×`, goal: `≥ ${TARGETS.post}× Prism`, pass: ratio >= TARGETS.post });
  }
  for (const kind of ['filtered', 'search', 'sort'] as const) {
    const demo = r.lists.demo[kind];
    const large = r.lists.large[kind];
    const ratio = large.p50Ms / demo.p50Ms;
    rows.push({
      target: `${kind === 'filtered' ? 'filtered list' : kind} after a write, p50`,
      measured: `${n1(large.p50Ms)} ms at ${n0(r.lists.largeInvoices)} invoices vs ${n1(demo.p50Ms)} ms (demo)`,
      ratio: `${n1(ratio)}×`,
      goal: `≤ ${TARGETS.lists}× the demo set`,
      pass: ratio <= TARGETS.lists,
    });
  }
  const big = r.memory.large;
  const rss = Math.max(big.afterStart.rssMiB, big.afterLoadTest.rssMiB);
  rows.push({
    target: `RSS at ${n0(r.lists.largeInvoices)} invoices`,
    measured: `${big.afterStart.rssMiB} MiB after load, ${big.afterLoadTest.rssMiB} MiB after the load test (peak ${big.afterLoadTest.hwmMiB} MiB)`,
    ratio: '',
    goal: `≤ ${TARGETS.rssMiB} MB`,
    pass: rss * 1.048576 <= TARGETS.rssMiB,
  });
  const cold = (name: string) => median(r.coldStart[name] ?? []);
  const coldRatio = cold(REFERENCE) / cold(EXPRESS);
  rows.push({ target: 'cold start, demo data', measured: `${ms(cold(REFERENCE))} vs ${ms(cold(EXPRESS))} (bare Express)`, ratio: `${n1(coldRatio)}×`, goal: `≤ ${TARGETS.coldRatio}× bare Express`, pass: coldRatio <= TARGETS.coldRatio });
  const coldLarge = cold(`${REFERENCE}, large`);
  rows.push({ target: `cold start, ${n0(r.lists.largeInvoices)} invoices`, measured: ms(coldLarge), ratio: '', goal: `≤ ${TARGETS.coldLargeMs / 1000} s`, pass: coldLarge <= TARGETS.coldLargeMs });
  if (r.conformance) {
    rows.push({ target: 'invoicekit conform, full run', measured: `${n1(r.conformance.seconds)} s, ${r.conformance.detail}`, ratio: '', goal: `≤ ${TARGETS.conformanceS} s`, pass: r.conformance.ok && r.conformance.seconds <= TARGETS.conformanceS });
  }
  return rows;
}

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

export function markdown(r: Results): string {
  const m = r.machine;
  const verdict = (pass: boolean | null) => (pass === null ? '—' : pass ? 'pass' : '**miss**');
  const servers = [RAW, EXPRESS, PRISM, REFERENCE];
  const detailRows: string[][] = [];
  for (const [operation, byServer] of Object.entries(r.load)) {
    for (const server of servers) {
      const run = byServer[server];
      if (run) detailRows.push([operation, server, n0(run.rps), `${n1(run.p50Ms)} / ${n1(run.p99Ms)}`, n2(run.cpuMsPerRequest), n0(run.requests)]);
    }
  }
  const listRows = (['filtered', 'search', 'sort'] as const).map((kind) => [kind, `${n1(r.lists.demo[kind].p50Ms)} / ${n1(r.lists.demo[kind].p99Ms)}`, `${n1(r.lists.large[kind].p50Ms)} / ${n1(r.lists.large[kind].p99Ms)}`]);
  const memoryRows = (['demo', 'large'] as const).map((set) => {
    const { afterStart, afterLoadTest } = r.memory[set];
    return [set === 'demo' ? 'demo data' : `${n0(r.lists.largeInvoices)} invoices`, `${afterStart.rssMiB} / ${afterStart.hwmMiB}`, `${afterLoadTest.rssMiB} / ${afterLoadTest.hwmMiB}`];
  });
  const coldRows = Object.entries(r.coldStart).map(([name, times]) => [name, ms(median(times)), times.map((t) => Math.round(t)).join(', ')]);
  return [
    `Measured ${r.date} (commit ${r.commit}) on ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.os}; loopback, 32 connections, each server in its own process.`,
    '',
    table(['target', 'measured', 'ratio', 'goal', 'result'], targets(r).map((t) => [t.target, t.measured, t.ratio, t.goal, verdict(t.pass)])),
    '',
    `Under load (32 connections; CPU = the server's user + system time per request, from /proc): ${r.headersMatch.same ? 'bare Express and node:http send the same response headers as the reference server' : `**headers differ**: ${r.headersMatch.detail}`}.`,
    '',
    table(['operation', 'server', 'req/s', 'p50 / p99 ms', 'CPU ms/req', 'requests'], detailRows),
    '',
    `Lists under writes (each read right after an invoice is created; p50 / p99 ms):`,
    '',
    table(['read', 'demo data', `${n0(r.lists.largeInvoices)} invoices`], listRows),
    '',
    'Memory of the reference server (VmRSS / VmHWM, MiB):',
    '',
    table(['data', 'after start', 'after the load test'], memoryRows),
    '',
    'Cold start, spawn to the first 200 on /openapi.json:',
    '',
    table(['server', 'median', 'runs (ms)'], coldRows),
    '',
  ].join('\n');
}

/** Writes latest.md and latest.json under `dir`; returns their paths. */
export function writeResults(dir: string, r: Results): { md: string; json: string } {
  mkdirSync(dir, { recursive: true });
  const md = path.join(dir, 'latest.md');
  const json = path.join(dir, 'latest.json');
  writeFileSync(md, markdown(r));
  writeFileSync(json, JSON.stringify({ ...r, targets: targets(r) }, null, 2) + '\n');
  return { md, json };
}
