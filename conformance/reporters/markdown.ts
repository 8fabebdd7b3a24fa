import { appendFile } from 'node:fs/promises';
import type { Failure, RunResult } from '../types.ts';
import type { Reporter } from './reporter.ts';
import {
  RunCollector, checkRows, failureReasons, failuresByCheck, missingCoverage, plural, rerunHint, safe, skipNotes, verdictCounts, writeReportFile,
  type CheckMeta,
} from './shared.ts';

// GitHub caps a step summary at 1 MiB: past this many failures the rest are only counted.
const MAX_FAILURES_SHOWN = 50;

/** Plain text inside markdown and HTML: no markup, no tags, one line. */
export const mdText = (text: string) =>
  safe(text).replace(/[\\`*_[\]|~#]/g, '\\$&').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\s*\n\s*/g, ' ');

/** Text inside raw HTML (`<summary>`), where markdown escapes are not processed. */
const htmlText = (text: string) => safe(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\s*\n\s*/g, ' ');

/** An inline code span that survives backticks in its content. */
export function mdCode(text: string, max = 300): string {
  let t = safe(text).replace(/\s*\n\s*/g, ' ');
  if (t.length > max) t = t.slice(0, max - 1) + '…';
  const fence = '`'.repeat(Math.max(0, ...(t.match(/`+/g) ?? []).map((run) => run.length)) + 1);
  const pad = t.startsWith('`') || t.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${t}${pad}${fence}`;
}

/** A fenced block longer than any backtick run inside, so the content cannot close it. */
function fenced(lang: string, text: string): string {
  const fence = '`'.repeat(Math.max(3, ...(text.match(/`+/g) ?? []).map((run) => run.length + 1)));
  return `${fence}${lang}\n${text}\n${fence}`;
}

function failureItem(f: Failure): string[] {
  const facts = [f.response ? `HTTP ${f.response.status}` : 'no response', f.occurrences > 1 ? `seen ${f.occurrences} times` : undefined, `input: ${f.case.origin} (${mdText(f.case.label)})`];
  return [
    `**${mdCode(f.operationId)}**: ${mdText(f.message)}`,
    '',
    `- Expected: ${mdCode(f.expected)}`,
    `- Got: ${mdCode(f.got)}`,
    `- ${facts.filter(Boolean).join(' · ')}`,
    '',
    fenced('sh', safe(f.curl)),
    '',
  ];
}

export function renderMarkdown(result: RunResult, meta: Map<string, CheckMeta> = new Map()): string {
  const rows = checkRows(result, meta);
  const reasons = failureReasons(result).map(mdText);
  const out = [
    `## ${result.ok ? '✅' : '❌'} invoicekit conform: ${result.ok ? 'PASSED' : 'FAILED'}`,
    '',
    `${verdictCounts(result)}${reasons.length ? ` (${reasons.join('; ')})` : ''}.`,
    '',
    `Target ${mdCode(result.target)}, contract ${mdCode(result.contract)}, seed ${mdCode(String(result.seed))}; re-run with the same seed: ${mdCode(rerunHint(result))}`,
    '',
    '| Check | Severity | Passed | Failed | Skipped |',
    '| --- | --- | ---: | ---: | ---: |',
    // In a table a pipe ends the cell even inside a code span, unless escaped.
    ...rows.map((r) => `| ${mdCode(r.checkId).replace(/\|/g, '\\|')} | ${r.severity ?? '-'} | ${r.passed} | ${r.failed} | ${r.skipReason !== undefined && r.passed + r.failed + r.skipped === 0 ? 'all' : r.skipped} |`),
  ];

  const groups = failuresByCheck(result, rows);
  if (groups.length) out.push('', '### Failures', '');
  let shown = 0;
  for (const { row, failures } of groups) {
    const visible = failures.slice(0, Math.max(0, MAX_FAILURES_SHOWN - shown));
    shown += visible.length;
    // A blank line after <summary> lets GitHub render the markdown inside <details>.
    out.push('<details>', `<summary><code>${htmlText(row.checkId)}</code> (${row.severity ?? '-'}): ${plural(failures.length, 'failure')}</summary>`, '');
    for (const f of visible) out.push(...failureItem(f));
    if (visible.length < failures.length) out.push(`_${failures.length - visible.length} more in report.json._`, '');
    out.push('</details>', '');
  }

  const cov = result.coverage;
  const threshold = result.coverageThreshold ? `; threshold ${result.coverageThreshold.required}%: ${result.coverageThreshold.met ? 'met' : '**not met**'}` : '';
  if (out.at(-1) !== '') out.push('');
  out.push(`**Coverage**: ${cov.percent.toFixed(1)}% of documented operation × status pairs exercised (${cov.exercised}/${cov.total})${threshold}.`);
  const missing = missingCoverage(result, 30);
  if (missing.lines.length) {
    out.push('', '<details>', `<summary>${plural(cov.total - cov.exercised, 'pair')} not exercised</summary>`, '');
    out.push(...missing.lines.map((l) => `- ${mdText(l)}`), ...(missing.more ? [`- … and ${missing.more} more (see report.json)`] : []), '', '</details>');
  }

  if (result.toolErrors.length) {
    out.push('', `### Tool errors (${result.toolErrors.length})`, '', '_Network errors and time-outs of the tool, not failures of the server._', '');
    for (const e of result.toolErrors) out.push(`- ${e.kind} ${e.operationId ? mdCode(e.operationId) + ' ' : ''}${mdCode(`${e.request.method} ${e.request.url}`)}: ${mdText(e.message)}`);
  }

  const skips = skipNotes(result);
  if (skips.length) {
    out.push('', '### Skipped', '');
    for (const s of skips) out.push(`- ${mdCode(s.checkId)}: ${mdText(s.reason)}${s.operations ? ` (${plural(s.operations, 'operation')})` : ''}`);
  }
  if (result.stoppedEarly) out.push('', `**Stopped early**: ${mdText(result.stoppedEarly)}`);
  return out.join('\n') + '\n';
}

/** `summary.md` for a pull request; also appended to `$GITHUB_STEP_SUMMARY` when set. */
export function createMarkdownReporter(outputDir: string, env: NodeJS.ProcessEnv): Reporter {
  const state = new RunCollector();
  return {
    name: 'markdown',
    onEvent: (event) => state.onEvent(event),
    async finish() {
      if (!state.result) return [];
      const markdown = renderMarkdown(state.result, state.checks);
      const paths = [await writeReportFile(outputDir, 'summary.md', markdown)];
      const stepSummary = env.GITHUB_STEP_SUMMARY;
      // Appended: other steps of the job (or an earlier run) write to the same file.
      if (stepSummary) {
        await appendFile(stepSummary, markdown + '\n', 'utf8');
        paths.push(stepSummary);
      }
      return paths;
    },
  };
}
