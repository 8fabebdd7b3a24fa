import type { Failure, RunResult } from '../types.ts';
import type { Reporter } from './reporter.ts';
import {
  RunCollector, checkRows, failureReasons, failuresByCheck, formatDuration, missingCoverage, occurrences, plural, rerunHint, skipNotes, verdictCounts,
  safe, type CheckMeta, type CheckRow,
} from './shared.ts';

type Paint = (text: string) => string;
function painter(color: boolean) {
  const sgr = (code: string): Paint => (color ? (t) => `\x1b[${code}m${t}\x1b[0m` : (t) => t);
  return { bold: sgr('1'), dim: sgr('2'), red: sgr('31'), green: sgr('32'), yellow: sgr('33'), magenta: sgr('35') };
}

/** Indents every line after the first, so wrapped values stay under their label. */
const hang = (text: string, pad: string) => safe(text).split('\n').join('\n' + pad);

function checksTable(rows: CheckRow[], p: ReturnType<typeof painter>): string[] {
  const cells = rows.map((r) => [r.checkId, r.severity ?? '-', String(r.passed), String(r.failed), r.skipReason !== undefined && r.passed + r.failed + r.skipped === 0 ? 'all' : String(r.skipped)].map(safe));
  const header = ['CHECK', 'SEVERITY', 'PASSED', 'FAILED', 'SKIPPED'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => '  ' + c.map((v, i) => (i < 2 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ');
  const tone = (r: CheckRow): Paint => (r.failed > 0 || r.failures > 0 ? p.red : r.passed === 0 ? p.yellow : (t) => t);
  return [p.dim(line(header)), ...cells.map((c, i) => tone(rows[i]!)(line(c)))];
}

function failureBlock(f: Failure, n: number): string[] {
  const pad = ' '.repeat(15);
  const lines = [
    `    ${n}) ${safe(f.operationId)}: ${hang(f.message, '       ')}`,
    `       expected: ${hang(f.expected, pad)}`,
    `       got:      ${hang(f.got, pad)}`,
    `       response: ${f.response ? `HTTP ${f.response.status}` : 'none'}`,
  ];
  if (f.occurrences > 1) lines.push(`       seen:     ${f.occurrences} times`);
  lines.push(`       input:    ${safe(f.case.origin)} (${hang(f.case.label, pad)})`, '       reproduce:');
  // Only the first line is indented: later lines of a curl are inside a quoted body, and indenting them would change it.
  lines.push('         ' + safe(f.curl));
  return lines;
}

/** The end-of-run report: checks table, failures by check, tool errors, skips, coverage, verdict. */
export function renderConsoleReport(result: RunResult, options: { color?: boolean; checks?: Map<string, CheckMeta> } = {}): string {
  const p = painter(options.color === true);
  const rows = checkRows(result, options.checks);
  const out: string[] = ['', p.bold('Checks') + p.dim(' (counts are operations)'), ...checksTable(rows, p)];

  const groups = failuresByCheck(result, rows);
  if (groups.length) {
    out.push('', p.bold(p.red(`Failures (${plural(result.failures.length, 'distinct failure')}, ${plural(occurrences(result.failures), 'occurrence')})`)));
    for (const { row, failures } of groups) {
      out.push('', `  ${p.red(safe(row.checkId))} [${row.severity ?? '-'}]: ${plural(failures.length, 'failure')}`);
      failures.forEach((f, i) => out.push(...failureBlock(f, i + 1)));
    }
  }

  if (result.toolErrors.length) {
    out.push('', p.bold(p.magenta(`Tool errors (${result.toolErrors.length}): network errors and time-outs of this tool, NOT failures of the server`)));
    for (const e of result.toolErrors)
      out.push(`  ${e.kind.padEnd(7)} ${safe(e.operationId ?? '-')}  ${safe(e.request.method)} ${safe(e.request.url)}`, `          ${hang(e.message, '          ')}`);
  }

  const skips = skipNotes(result);
  if (skips.length) {
    out.push('', p.bold(p.yellow('Skipped')));
    for (const s of skips) out.push(`  ${safe(s.checkId)}: ${hang(s.reason, '    ')}${s.operations ? p.dim(` (${plural(s.operations, 'operation')})`) : ''}`);
  }

  const cov = result.coverage;
  out.push('', `${p.bold('Coverage')}: ${cov.percent.toFixed(1)}% of documented operation x status pairs exercised (${cov.exercised}/${cov.total})`);
  const missing = missingCoverage(result, 20);
  if (missing.lines.length) out.push('  not exercised:', ...missing.lines.map((l) => '    ' + safe(l)));
  if (missing.more) out.push(p.dim(`    ... and ${missing.more} more (see report.json)`));
  if (result.coverageThreshold) {
    const { required, met } = result.coverageThreshold;
    out.push(`  threshold ${required}%: ${met ? p.green('met') : p.red('NOT met')}`);
  }

  const { removed, left, notes } = result.cleanup;
  if (removed || left || notes.length) out.push('', `Cleanup: removed ${removed}, left ${left}`, ...notes.map((n) => '  ' + hang(n, '  ')));
  if (result.stoppedEarly) out.push('', p.yellow(`Stopped early: ${safe(result.stoppedEarly)}`));

  const verdict = result.ok ? p.bold(p.green('PASSED')) : p.bold(p.red('FAILED'));
  const reasons = failureReasons(result).map(safe).join('; ');
  out.push('', `${verdict}: ${verdictCounts(result)}${reasons ? ` (${reasons})` : ''}; seed ${result.seed}, re-run with the same seed: ${rerunHint(result)}`, '');
  return out.join('\n');
}

/** Progress while the run goes, one line per operation, then the full report at run-end. */
export function createConsoleReporter(options: { out: NodeJS.WritableStream; color: boolean }): Reporter {
  const { out, color } = options;
  const p = painter(color);
  const state = new RunCollector();
  let width = 0;
  return {
    name: 'console',
    onEvent(event) {
      state.onEvent(event);
      if (event.type === 'run-start') {
        width = Math.min(40, Math.max(0, ...event.operations.map((o) => o.length)));
        out.write(`${p.bold('invoicekit conform')} ${safe(event.target)} (contract ${safe(event.contract)}), seed ${event.seed}: ${plural(event.checks.length, 'check')} on ${plural(event.operations.length, 'operation')}\n`);
      } else if (event.type === 'operation-end') {
        const mark = event.failures ? p.red('FAIL') : p.green('ok  ');
        const ms = state.operationMs.get(event.operationId);
        const time = ms === undefined ? '' : p.dim(`  ${formatDuration(ms)}`);
        out.write(`  ${mark}  ${safe(event.operationId).padEnd(width)}  ${plural(event.requests, 'request')}, ${plural(event.failures, 'failure')}${time}\n`);
      } else if (event.type === 'run-end') out.write(renderConsoleReport(event.result, { color, checks: state.checks }));
    },
    finish: async () => [],
  };
}
