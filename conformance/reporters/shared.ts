import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SEVERITIES, type Failure, type RunEvent, type RunResult, type Severity } from '../types.ts';

export type CheckMeta = { id: string; severity: Severity; description: string };

/** What every reporter remembers of the event stream besides the final result. */
export class RunCollector {
  readonly checks = new Map<string, CheckMeta>();
  /** Wall time of each operation, from its operation-start to its operation-end event. */
  readonly operationMs = new Map<string, number>();
  result: RunResult | undefined;
  private readonly started = new Map<string, number>();

  onEvent(event: RunEvent): void {
    if (event.type === 'run-start') for (const c of event.checks) this.checks.set(c.id, { id: c.id, severity: c.severity, description: c.description });
    else if (event.type === 'operation-start') this.started.set(event.operationId, Date.now());
    else if (event.type === 'operation-end') {
      const start = this.started.get(event.operationId);
      if (start !== undefined) this.operationMs.set(event.operationId, Date.now() - start);
    } else if (event.type === 'run-end') this.result = event.result;
  }
}

/** One row of the checks table: counts are operations. `skipReason` marks a check skipped as a whole. */
export type CheckRow = { checkId: string; severity: Severity | undefined; passed: number; failed: number; skipped: number; failures: number; skipReason?: string };

const rank = (s: Severity | undefined) => (s ? SEVERITIES.indexOf(s) : SEVERITIES.length);

export function checkRows(result: RunResult, meta: Map<string, CheckMeta> = new Map()): CheckRow[] {
  const rows = new Map<string, CheckRow>();
  const row = (checkId: string, severity?: Severity): CheckRow => {
    let r = rows.get(checkId);
    if (!r) rows.set(checkId, (r = { checkId, severity: severity ?? meta.get(checkId)?.severity, passed: 0, failed: 0, skipped: 0, failures: 0 }));
    r.severity ??= severity;
    return r;
  };
  for (const r of result.results) row(r.checkId, r.severity)[r.outcome]++;
  for (const f of result.failures) row(f.checkId, f.severity).failures++;
  for (const s of result.skipped) row(s.checkId).skipReason = s.reason;
  return [...rows.values()].sort((a, b) => rank(a.severity) - rank(b.severity) || a.checkId.localeCompare(b.checkId));
}

/** Failures grouped by check, in the order of the checks table. */
export function failuresByCheck(result: RunResult, rows: CheckRow[]): Array<{ row: CheckRow; failures: Failure[] }> {
  return rows.map((row) => ({ row, failures: result.failures.filter((f) => f.checkId === row.checkId) })).filter((g) => g.failures.length > 0);
}

/** Check-level skips, then per-operation skip reasons folded into one line per (check, reason). */
export function skipNotes(result: RunResult): Array<{ checkId: string; reason: string; operations?: number }> {
  const notes: Array<{ checkId: string; reason: string; operations?: number }> = result.skipped.map((s) => ({ ...s }));
  const perOperation = new Map<string, { checkId: string; reason: string; operations: number }>();
  for (const r of result.results) {
    if (r.outcome !== 'skipped') continue;
    const reason = r.skipReason ?? 'no reason given';
    const key = JSON.stringify([r.checkId, reason]);
    const note = perOperation.get(key) ?? { checkId: r.checkId, reason, operations: 0 };
    note.operations++;
    perOperation.set(key, note);
  }
  return [...notes, ...perOperation.values()];
}

// Text from the server under test (or anyone) must not drive a terminal or garble a page: control characters and
// bidi overrides are shown as `\uXXXX`, so no escape sequence reaches the output unless we add it.
const TERMINAL_UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;
export const safe = (text: string) => text.replace(TERMINAL_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

export const plural = (n: number, word: string, many = word + 's') => `${n} ${n === 1 ? word : many}`;

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export const occurrences = (failures: Failure[]) => failures.reduce((n, f) => n + f.occurrences, 0);

/** The counts of the verdict line, shared by the console and markdown summaries. */
export function verdictCounts(result: RunResult): string {
  const s = result.summary;
  const occ = occurrences(result.failures);
  const failures = plural(s.failures, 'failure') + (occ > s.failures ? ` (${occ} occurrences)` : '');
  return `${plural(s.checks, 'check')}: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped; ${failures}; ${plural(s.toolErrors, 'tool error')}; ${plural(s.requests, 'request')} in ${formatDuration(s.durationMs)}`;
}

/** Why a run failed, in words, beyond its failures (which the counts already show). */
export function failureReasons(result: RunResult): string[] {
  const reasons: string[] = [];
  if (result.coverageThreshold && !result.coverageThreshold.met) reasons.push(`coverage ${result.coverage.percent.toFixed(1)}% is below the required ${result.coverageThreshold.required}%`);
  if (result.stoppedEarly) reasons.push(`stopped early: ${result.stoppedEarly}`);
  return reasons;
}

export const rerunHint = (result: RunResult) => `invoicekit conform --seed ${result.seed}`;

/** Not-exercised pairs, capped, folded per operation: `createInvoice: 409, 422`. */
export function missingCoverage(result: RunResult, cap: number): { lines: string[]; more: number } {
  const missing = result.coverage.pairs.filter((p) => !p.exercised);
  const byOperation = new Map<string, string[]>();
  for (const p of missing.slice(0, cap)) byOperation.set(p.operationId, [...(byOperation.get(p.operationId) ?? []), p.status]);
  return { lines: [...byOperation].map(([op, statuses]) => `${op}: ${statuses.join(', ')}`), more: Math.max(0, missing.length - cap) };
}

/** A JSON-safe copy: Buffers as base64, bigints as strings, errors as name and message, cycles cut. */
export function toJsonSafe(value: unknown, ancestors: object[] = []): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Uint8Array || value instanceof ArrayBuffer) {
    const bytes = Buffer.from(value instanceof ArrayBuffer ? new Uint8Array(value) : value);
    return { type: 'Buffer', encoding: 'base64', bytes: bytes.length, data: bytes.toString('base64') };
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (ancestors.includes(value)) return '[Circular]';
  const inner = [...ancestors, value];
  if (value instanceof Map) return toJsonSafe(Object.fromEntries(value), inner);
  if (value instanceof Set || Array.isArray(value)) return [...value].map((v) => toJsonSafe(v, inner) ?? null);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const safe = toJsonSafe(v, inner);
    if (safe !== undefined) out[k] = safe;
  }
  return out;
}

export async function writeReportFile(dir: string, name: string, content: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, name);
  await writeFile(path, content, 'utf8');
  return path;
}
