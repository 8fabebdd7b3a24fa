import type { CheckResult, Failure, RunResult, ToolError } from '../types.ts';
import type { Reporter } from './reporter.ts';
import { RunCollector, checkRows, plural, writeReportFile, type CheckMeta } from './shared.ts';

// Everything outside XML 1.0's Char production (C0 controls, lone surrogates, U+FFFE/FFFF).
const INVALID_XML = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Replaces characters XML 1.0 cannot carry with a visible `\uXXXX`, so nothing is silently lost. */
export const xmlChars = (text: string) =>
  text.replace(INVALID_XML, (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`);

export const xmlText = (text: string) => xmlChars(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

// Line breaks and tabs as character references: a parser would otherwise normalise them to spaces.
export const xmlAttr = (text: string) =>
  xmlText(text).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');

const seconds = (ms: number) => (ms / 1000).toFixed(3);
const firstLine = (text: string, max = 300) => {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > max ? line.slice(0, max - 1) + '…' : line;
};

function failureText(failures: Failure[]): string {
  return failures
    .map((f, i) =>
      [
        failures.length > 1 ? `--- ${i + 1} of ${failures.length} ---` : undefined,
        `[${f.severity}] ${f.message}`,
        `expected: ${f.expected}`,
        `got: ${f.got}`,
        f.response ? `response: HTTP ${f.response.status}` : 'response: none',
        f.occurrences > 1 ? `occurrences: ${f.occurrences}` : undefined,
        `input: ${f.case.origin} (${f.case.label})`,
        'reproduce:',
        f.curl,
      ]
        .filter((l) => l !== undefined)
        .join('\n'),
    )
    .join('\n\n');
}

type Case = { result: CheckResult; failures: Failure[]; ms: number };

function testcase({ result, failures, ms }: Case): string {
  const open = `    <testcase classname="${xmlAttr(result.checkId)}" name="${xmlAttr(result.operationId)}" time="${seconds(ms)}"`;
  if (result.outcome === 'skipped') return `${open}>\n      <skipped message="${xmlAttr(result.skipReason ?? 'skipped')}"/>\n    </testcase>`;
  if (result.outcome === 'passed') return `${open}/>`;
  const message = failures.length === 1 ? firstLine(failures[0]!.message) : `${plural(failures.length, 'failure')}; first: ${firstLine(failures[0]?.message ?? 'not recorded')}`;
  const text = failures.length ? failureText(failures) : 'The check failed on this operation; no failure was recorded (the run may have stopped early).';
  return `${open}>\n      <failure message="${xmlAttr(message)}" type="${xmlAttr(result.checkId)}">${xmlText(text)}</failure>\n    </testcase>`;
}

/** One testcase per (check, operation) of `result.results`, plus pairs that have failures but no result row. */
function casesByCheck(result: RunResult, operationMs: Map<string, number>): Map<string, Case[]> {
  const results = [...result.results];
  const seen = new Set(results.map((r) => `${r.checkId}\n${r.operationId}`));
  for (const f of result.failures) {
    const key = `${f.checkId}\n${f.operationId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    results.push({ checkId: f.checkId, severity: f.severity, operationId: f.operationId, outcome: 'failed', passes: 0, failures: 0 });
  }
  // The checks of one operation judge the same exchanges together: each gets an even share of its time.
  const checksPerOperation = new Map<string, number>();
  for (const r of results) checksPerOperation.set(r.operationId, (checksPerOperation.get(r.operationId) ?? 0) + 1);
  const byCheck = new Map<string, Case[]>();
  for (const r of results) {
    const ms = (operationMs.get(r.operationId) ?? 0) / (checksPerOperation.get(r.operationId) ?? 1);
    const failures = r.outcome === 'failed' ? result.failures.filter((f) => f.checkId === r.checkId && f.operationId === r.operationId) : [];
    byCheck.set(r.checkId, [...(byCheck.get(r.checkId) ?? []), { result: r, failures, ms }]);
  }
  return byCheck;
}

function toolErrorSuite(errors: ToolError[]): string {
  const cases = errors.map((e) => {
    const name = e.operationId ?? `${e.request.method} ${e.request.url}`;
    const text = `${e.kind}: ${e.message}\n${e.request.method} ${e.request.url}`;
    return `    <testcase classname="tool-error" name="${xmlAttr(name)}" time="0.000">\n      <error message="${xmlAttr(firstLine(e.message))}" type="${xmlAttr(e.kind)}">${xmlText(text)}</error>\n    </testcase>`;
  });
  const attrs = `tests="${errors.length}" failures="0" errors="${errors.length}" skipped="0" time="0.000"`;
  return `  <testsuite name="tool errors (network errors and time-outs of the tool, not failures of the server)" ${attrs}>\n${cases.join('\n')}\n  </testsuite>`;
}

export function renderJunit(result: RunResult, meta: Map<string, CheckMeta> = new Map(), operationMs: Map<string, number> = new Map()): string {
  const byCheck = casesByCheck(result, operationMs);
  const suites: string[] = [];
  let tests = 0, failures = 0, skipped = 0;
  for (const row of checkRows(result, meta)) {
    let cases = byCheck.get(row.checkId) ?? [];
    // A check skipped as a whole may have no result rows: keep it visible as one skipped case.
    if (cases.length === 0 && row.skipReason !== undefined)
      cases = [{ result: { checkId: row.checkId, severity: row.severity ?? 'low', operationId: '(all operations)', outcome: 'skipped', passes: 0, failures: 0, skipReason: row.skipReason }, failures: [], ms: 0 }];
    if (cases.length === 0) continue;
    const failed = cases.filter((c) => c.result.outcome === 'failed').length;
    const skips = cases.filter((c) => c.result.outcome === 'skipped').length;
    const ms = cases.reduce((n, c) => n + c.ms, 0);
    tests += cases.length;
    failures += failed;
    skipped += skips;
    const properties = [row.severity && ['severity', row.severity], meta.get(row.checkId) && ['description', meta.get(row.checkId)!.description]]
      .filter((p): p is [string, string] => Boolean(p))
      .map(([name, value]) => `      <property name="${name}" value="${xmlAttr(value)}"/>`);
    suites.push(
      [
        `  <testsuite name="${xmlAttr(row.checkId)}" tests="${cases.length}" failures="${failed}" errors="0" skipped="${skips}" time="${seconds(ms)}" timestamp="${xmlAttr(result.startedAt)}">`,
        ...(properties.length ? ['    <properties>', ...properties, '    </properties>'] : []),
        ...cases.map(testcase),
        '  </testsuite>',
      ].join('\n'),
    );
  }
  if (result.toolErrors.length) suites.push(toolErrorSuite(result.toolErrors));
  const errors = result.toolErrors.length;
  const root = `<testsuites name="invoicekit conform" tests="${tests + errors}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${seconds(result.summary.durationMs)}">`;
  return ['<?xml version="1.0" encoding="UTF-8"?>', root, ...suites, '</testsuites>', ''].join('\n');
}

/** `junit.xml` for CI test views: one suite per check, one testcase per (check, operation). */
export function createJunitReporter(outputDir: string): Reporter {
  const state = new RunCollector();
  return {
    name: 'junit',
    onEvent: (event) => state.onEvent(event),
    async finish() {
      if (!state.result) return [];
      return [await writeReportFile(outputDir, 'junit.xml', renderJunit(state.result, state.checks, state.operationMs))];
    },
  };
}
