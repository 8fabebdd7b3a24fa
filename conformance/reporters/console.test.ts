import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createConsoleReporter, renderConsoleReport } from './console.ts';
import { CREATE_CURL, SKIP_REASON, runEvents, runResult } from './fixture.ts';

function sink() {
  const chunks: string[] = [];
  const out = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { out, text: () => chunks.join('') };
}

function run(color: boolean): string {
  const { out, text } = sink();
  const reporter = createConsoleReporter({ out, color });
  for (const e of runEvents()) reporter.onEvent(e);
  return text();
}

describe('console reporter', () => {
  it('prints one progress line per operation, as the operations end', () => {
    const { out, text } = sink();
    const reporter = createConsoleReporter({ out, color: false });
    const events = runEvents();
    const firstEnd = events.findIndex((e) => e.type === 'operation-end');
    for (const e of events.slice(0, firstEnd + 1)) reporter.onEvent(e);
    expect(text()).toMatch(/^invoicekit conform http:\/\/127\.0\.0\.1:4010\/api\/v1 .*seed 4242: 3 checks on 3 operations\n/);
    expect(text()).toMatch(/ FAIL {2}createInvoice {2}30 requests, 3 failures/);
    expect(text()).not.toContain('Checks');

    for (const e of events.slice(firstEnd + 1)) reporter.onEvent(e);
    expect(text()).toMatch(/ ok {4}listInvoices {3}20 requests, 0 failures/);
    expect(text()).toMatch(/ ok {4}getInvoice {5}7 requests, 0 failures/);
  });

  it('prints the checks table, one row per check with severity and counts', () => {
    const text = run(false);
    expect(text).toMatch(/CHECK +SEVERITY +PASSED +FAILED +SKIPPED/);
    // Severity from run-start puts the critical check first, even though it has no result rows.
    expect(text).toMatch(/tenant-isolation +critical +0 +0 +all\n +response-schema +high +2 +1 +0\n +content-type +medium +1 +1 +1\n/);
  });

  it('groups failures by check with expected, got, status, occurrences and a copy-pasteable curl', () => {
    const text = run(false);
    expect(text).toContain('Failures (3 distinct failures, 5 occurrences)');
    expect(text).toContain('response-schema [high]: 2 failures');
    expect(text).toContain('content-type [medium]: 1 failure');
    expect(text).toContain('expected: integer (minor units)');
    expect(text).toContain('got:      "12.50" (string)');
    expect(text).toContain('response: HTTP 201');
    expect(text.match(/seen: +3 times/g)).toHaveLength(1); // only where occurrences > 1
    expect(text).toContain('\n         ' + CREATE_CURL + '\n');
  });

  it('shows tool errors apart, skips with reasons, coverage, threshold and the verdict', () => {
    const text = run(false);
    expect(text).toMatch(/Tool errors \(1\): network errors and time-outs of this tool, NOT failures of the server\n +timeout getInvoice +GET http:\/\/127\.0\.0\.1:4010\/api\/v1\/invoices\/inv_1\n +No answer within 5000 ms/);
    expect(text).toContain(`tenant-isolation: ${SKIP_REASON}`);
    expect(text).toContain('content-type: every request timed out (1 operation)');
    expect(text).toContain('Coverage: 57.1% of documented operation x status pairs exercised (4/7)');
    expect(text).toMatch(/not exercised:\n +createInvoice: 409\n +listInvoices: 401\n +getInvoice: 404\n/);
    expect(text).toContain('threshold 80%: NOT met');
    const verdict = text.trimEnd().split('\n').at(-1)!;
    expect(verdict).toMatch(/^FAILED: 3 checks: 0 passed, 2 failed, 1 skipped; 3 failures \(5 occurrences\); 1 tool error; 57 requests in 4\.2 s/);
    expect(verdict).toContain('seed 4242, re-run with the same seed: invoicekit conform --seed 4242');
  });

  it('prints no ANSI escape without colour, even when the server sends one', () => {
    const text = run(false);
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(text).toContain('text/html \\u001b[2J\\u001b[31mgotcha');
    expect(text).toContain('isn\'t a string\\u0000');
  });

  it('colours only when asked', () => {
    const text = run(true);
    expect(text).toContain('\u001b[32mok  \u001b[0m');
    expect(text).toContain('\u001b[1m\u001b[31mFAILED\u001b[0m\u001b[0m');
    // The server's own escapes stay inert with colour on too.
    expect(text).toContain('\\u001b[2J');
  });

  it('says PASSED and caps the not-exercised list on a clean run', () => {
    const result = { ...runResult(), ok: true, exitCode: 0 as const, failures: [], toolErrors: [], skipped: [], coverageThreshold: undefined };
    result.results = result.results.map((r) => ({ ...r, outcome: 'passed' as const }));
    result.coverage.pairs = Array.from({ length: 30 }, (_, i) => ({ operationId: `op${i}`, status: '500', exercised: false }));
    const text = renderConsoleReport(result);
    expect(text).not.toContain('Failures');
    expect(text).not.toContain('Tool errors');
    expect(text).toContain('op19: 500');
    expect(text).not.toContain('op20: 500');
    expect(text).toContain('... and 10 more (see report.json)');
    expect(text.trimEnd().split('\n').at(-1)).toMatch(/^PASSED: /);
  });
});
