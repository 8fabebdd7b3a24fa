// Test data: a realistic run of three checks on three operations, shared by the reporters' tests.
import type { CheckResult, Failure, RecordedRequest, RunEvent, RunResult, ToolError } from '../types.ts';

const base = 'http://127.0.0.1:4010/api/v1';
const auth = { authorization: 'Bearer ${INVOICEKIT_CONFORM_API_KEY}' };

const createRequest: RecordedRequest = { method: 'POST', url: `${base}/invoices`, headers: { ...auth, 'content-type': 'application/json' }, body: '{"customer":"cus_1","amount":"12.50"}' };
export const CREATE_CURL =
  `curl -sS -i -X POST -H "Authorization: Bearer \${INVOICEKIT_CONFORM_API_KEY}" -H 'content-type: application/json' --data-binary '{"customer":"cus_1","amount":"12.50"}' '${base}/invoices'`;

/** The awkward characters every reporter must survive: markup, quotes, a NUL. */
export const NASTY_MESSAGE = `Body must match <Invoice> & "total" isn't a string\u0000`;
/** A server that tries to drive the terminal. */
export const ESC_GOT = 'text/html \u001b[2J\u001b[31mgotcha';

export const failures: Failure[] = [
  {
    checkId: 'response-schema', severity: 'high', operationId: 'createInvoice', cause: '/total type',
    message: NASTY_MESSAGE, expected: 'integer (minor units)', got: '"12.50" (string)',
    request: createRequest, response: { status: 201, headers: { 'content-type': 'application/json' }, bodyExcerpt: '{"total":"12.50"}' },
    curl: CREATE_CURL, case: { origin: 'generated', label: 'shrunk: amount as decimal string' }, occurrences: 3,
  },
  {
    checkId: 'response-schema', severity: 'high', operationId: 'createInvoice', cause: '/id missing',
    message: 'The 201 response must carry the created invoice id', expected: 'property "id"', got: 'no property "id"',
    request: createRequest, response: { status: 201, headers: {}, bodyExcerpt: '{}' },
    curl: CREATE_CURL, case: { origin: 'example', label: 'components/examples/NewInvoice' }, occurrences: 1,
  },
  {
    checkId: 'content-type', severity: 'medium', operationId: 'createInvoice', cause: 'content-type 422',
    message: 'A 422 must be application/problem+json', expected: 'application/problem+json', got: ESC_GOT,
    request: { ...createRequest, body: '{"customer":42}' }, response: { status: 422, headers: { 'content-type': 'text/html' }, bodyExcerpt: '<h1>bad</h1>' },
    curl: CREATE_CURL.replace('{"customer":"cus_1","amount":"12.50"}', '{"customer":42}'), case: { origin: 'invalid', label: '/customer: type' }, occurrences: 1,
  },
];

export const toolError: ToolError = { kind: 'timeout', message: 'No answer within 5000 ms', operationId: 'getInvoice', request: { method: 'GET', url: `${base}/invoices/inv_1`, headers: auth } };

const result = (checkId: string, severity: CheckResult['severity'], operationId: string, outcome: CheckResult['outcome'], extra: Partial<CheckResult> = {}): CheckResult =>
  ({ checkId, severity, operationId, outcome, passes: outcome === 'passed' ? 4 : 0, failures: 0, ...extra });

export const results: CheckResult[] = [
  result('response-schema', 'high', 'createInvoice', 'failed', { failures: 4, passes: 2 }),
  result('response-schema', 'high', 'listInvoices', 'passed'),
  result('response-schema', 'high', 'getInvoice', 'passed'),
  result('content-type', 'medium', 'createInvoice', 'failed', { failures: 1, passes: 5 }),
  result('content-type', 'medium', 'listInvoices', 'passed'),
  result('content-type', 'medium', 'getInvoice', 'skipped', { skipReason: 'every request timed out' }),
];

export const SKIP_REASON = 'needs a second API key (--second-api-key)';

export function runResult(): RunResult {
  return {
    tool: { name: 'invoicekit conform', version: '0.1.0' },
    target: base, contract: 'src/generated/openapi.json', seed: 4242, runTag: 'ikc-4242',
    startedAt: '2025-01-01T10:00:00.000Z', finishedAt: '2025-01-01T10:00:04.200Z',
    ok: false, exitCode: 1,
    summary: { checks: 3, passed: 0, failed: 2, skipped: 1, failures: 3, toolErrors: 1, requests: 57, durationMs: 4200 },
    results: structuredClone(results), failures: structuredClone(failures), toolErrors: [structuredClone(toolError)],
    skipped: [{ checkId: 'tenant-isolation', reason: SKIP_REASON }],
    coverage: {
      pairs: [
        { operationId: 'createInvoice', status: '201', exercised: true },
        { operationId: 'createInvoice', status: '422', exercised: true },
        { operationId: 'createInvoice', status: '409', exercised: false },
        { operationId: 'listInvoices', status: '200', exercised: true },
        { operationId: 'listInvoices', status: '401', exercised: false },
        { operationId: 'getInvoice', status: '200', exercised: true },
        { operationId: 'getInvoice', status: '404', exercised: false },
      ],
      exercised: 4, total: 7, percent: (4 / 7) * 100,
    },
    coverageThreshold: { required: 80, met: false },
    cleanup: { removed: 5, left: 0, notes: [] },
  };
}

const operations = [
  { operationId: 'createInvoice', method: 'POST', path: '/invoices', requests: 30 },
  { operationId: 'listInvoices', method: 'GET', path: '/invoices', requests: 20 },
  { operationId: 'getInvoice', method: 'GET', path: '/invoices/{invoiceId}', requests: 7 },
];

/** The events the runner emits for `runResult()`, in order. */
export function runEvents(): RunEvent[] {
  const events: RunEvent[] = [
    {
      type: 'run-start', target: base, contract: 'src/generated/openapi.json', seed: 4242, runTag: 'ikc-4242', operations: operations.map((o) => o.operationId),
      checks: [
        { id: 'response-schema', severity: 'high', description: 'Responses match their documented schema' },
        { id: 'content-type', severity: 'medium', description: 'Responses carry their documented media type' },
        { id: 'tenant-isolation', severity: 'critical', description: 'One key cannot read another key\'s data' },
      ],
    },
  ];
  for (const { operationId, method, path, requests } of operations) {
    events.push({ type: 'operation-start', operationId, method, path });
    for (const f of failures.filter((x) => x.operationId === operationId)) events.push({ type: 'failure', failure: structuredClone(f) });
    if (operationId === toolError.operationId) events.push({ type: 'tool-error', error: structuredClone(toolError) });
    for (const r of results.filter((x) => x.operationId === operationId)) events.push({ type: 'check-result', result: { ...r } });
    events.push({ type: 'operation-end', operationId, requests, failures: failures.filter((x) => x.operationId === operationId).length });
  }
  events.push({ type: 'run-end', result: runResult() });
  return events;
}
