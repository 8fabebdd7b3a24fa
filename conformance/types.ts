import type { OperationEntry } from '../src/contract/load.ts';

export type Severity = 'critical' | 'high' | 'medium' | 'low';
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low'];

/** Where a request came from: the engine's generation phases, or a check's own follow-up probe. */
export type CaseOrigin = 'example' | 'generated' | 'invalid' | 'probe' | 'setup';

/** Which credential a request carries. `none` sends no Authorization header at all. */
export type AuthChoice = 'primary' | 'none' | { authorization: string; label: string };

export type RequestSpec = {
  method: string;
  /** Contract path with its parameters filled in, e.g. `/api/v1/invoices/inv_1`. */
  path: string;
  query?: Record<string, string | string[]>;
  headers?: Record<string, string>;
  /** A JSON body (serialised by the client) … */
  json?: unknown;
  /** … or a body sent as is, with its own content type. */
  raw?: { contentType: string; text: string };
  auth?: AuthChoice;
  /** The answer as it comes: a 429 is not waited out and retried (for the rate-limit burst). */
  rawRateLimit?: boolean;
};

export type TestCase = {
  origin: CaseOrigin;
  /** The operation the request targets; undefined for probes of routes the contract does not have. */
  operationId?: string;
  /** A short label: which example, which generated input, which mutation. */
  label: string;
  /** For `invalid` cases: the one constraint broken. */
  mutation?: { pointer: string; constraint: string; description: string };
  request: RequestSpec;
  /** Facts the case's set-up established, for checks that follow up (e.g. the customer owning a refused invoice). */
  context?: Record<string, string>;
};

export type RecordedRequest = { method: string; url: string; headers: Record<string, string>; body?: string };
export type RecordedResponse = {
  status: number;
  /** Lower-cased names. */
  headers: Record<string, string>;
  contentType: string | undefined;
  /** Parsed JSON for JSON media types, UTF-8 text otherwise (binary bodies as a Buffer). */
  body: unknown;
  text: string;
  elapsedMs: number;
};

/** A request and what came back. `response` is undefined when the tool could not get an answer. */
export type Exchange = {
  seq: number;
  case: TestCase;
  operation?: OperationEntry;
  request: RecordedRequest;
  response?: RecordedResponse;
  toolError?: ToolError;
};

/** A network error or a time-out: never a failure of the server under test. */
export type ToolError = { kind: 'network' | 'timeout' | 'tool'; message: string; request: RecordedRequest; operationId?: string };

/** One way the server under test broke a rule. */
export type Failure = {
  checkId: string;
  severity: Severity;
  operationId: string;
  /** What the failure is about, stable across occurrences: the key of deduplication. */
  cause: string;
  /** The rule broken, in words, then what was expected and what came instead. */
  message: string;
  expected: string;
  got: string;
  request: RecordedRequest;
  response?: { status: number; headers: Record<string, string>; bodyExcerpt: string };
  curl: string;
  /** How the input was found: an example, a generated (and shrunk) case, a mutation. */
  case: { origin: CaseOrigin; label: string };
  occurrences: number;
};

export type FailureInput = Omit<Failure, 'checkId' | 'severity' | 'operationId' | 'request' | 'response' | 'curl' | 'occurrences' | 'case'> & {
  /** The exchange that shows the failure; its request becomes the reproducer. */
  exchange: Exchange;
  operationId?: string;
};

/** What a check may use: the run's settings, a way to send requests, and its verdicts. */
export interface CheckContext {
  readonly options: ResolvedOptions;
  readonly contract: import('./contract.ts').LoadedContract;
  /** Sends a request and returns the exchange; it is also inspected by every other check. */
  send(testCase: TestCase): Promise<Exchange>;
  /** Prerequisite resources created through the API. */
  readonly resources: import('./resources.ts').Resources;
  /** True the first time a key is seen in this run: checks that probe once per operation or path use it. */
  once(key: string): boolean;
  pass(operationId: string): void;
  fail(failure: FailureInput): void;
  skip(operationId: string, reason: string): void;
}

export type Requirement = 'writes' | 'second-api-key' | 'oauth' | 'admin-token' | 'rate-limit-check';

/**
 * A check: one file, one stable id, one signature. The engine hands an `exchange` check every
 * exchange of the run (generated cases and other checks' probes alike); it ignores what it does
 * not judge. `inline` checks judge the exchange alone without sending anything, so the engine can
 * also run them inside property-based generation and shrink a failing input to the smallest one.
 */
export type ExchangeCheck = CheckInfo & {
  kind?: 'exchange';
  inline: boolean;
  run(ctx: CheckContext, exchange: Exchange): void | Promise<void>;
};

/**
 * A business-rule check that drives its own sequence of requests (create, act, read back) once per
 * run, after the per-operation phase. Its requests are judged by every exchange check too. It
 * reports on the operations it exercised (`ctx.pass`/`ctx.fail` with their operationId).
 */
export type ScenarioCheck = CheckInfo & {
  kind: 'scenario';
  inline: false;
  /** Runs alone, when nothing else sends: for rules that another check's writes would disturb (numbering, rate limits). */
  exclusive?: boolean;
  /** The operations the scenario cannot do without: it runs only when --include/--exclude keep all of them. */
  operations: string[];
  run(ctx: CheckContext): Promise<void>;
};

export type CheckInfo = {
  id: string;
  severity: Severity;
  description: string;
  requires?: Requirement[];
};

export type Check = ExchangeCheck | ScenarioCheck;

export type ReporterName = 'console' | 'json' | 'junit' | 'ndjson' | 'markdown';

export type ConformanceOptions = {
  baseUrl: string;
  contract?: string;
  apiKey?: string;
  secondApiKey?: string;
  oauthClientId?: string;
  oauthClientSecret?: string;
  tokenUrl?: string;
  adminToken?: string;
  only?: string[];
  skip?: string[];
  include?: string[];
  exclude?: string[];
  seed?: number;
  maxExamples?: number;
  workers?: number;
  requestTimeoutMs?: number;
  maxFailures?: number;
  readOnly?: boolean;
  keep?: boolean;
  coverageThreshold?: number;
  /** Opt-in: bursts until the server answers 429, then waits as told (slow by nature). */
  rateLimitCheck?: boolean;
  /** Listeners of the run's events; the CLI plugs its reporters in here. */
  listeners?: Array<(event: RunEvent) => void>;
};

export type ResolvedOptions = Required<Pick<ConformanceOptions, 'seed' | 'maxExamples' | 'workers' | 'requestTimeoutMs' | 'readOnly' | 'keep'>> &
  Omit<ConformanceOptions, 'seed' | 'maxExamples' | 'workers' | 'requestTimeoutMs' | 'readOnly' | 'keep' | 'listeners'> & {
    /** The server's root: the base URL without the contract's API prefix. */
    root: string;
    runTag: string;
  };

export type CheckOutcome = 'passed' | 'failed' | 'skipped';

/** The verdict of one check on one operation. */
export type CheckResult = { checkId: string; severity: Severity; operationId: string; outcome: CheckOutcome; passes: number; failures: number; skipReason?: string };

export type Coverage = {
  pairs: Array<{ operationId: string; status: string; exercised: boolean }>;
  exercised: number;
  total: number;
  percent: number;
};

export type RunSummary = { checks: number; passed: number; failed: number; skipped: number; failures: number; toolErrors: number; requests: number; durationMs: number };

export type RunResult = {
  tool: { name: 'invoicekit conform'; version: string };
  target: string;
  contract: string;
  seed: number;
  runTag: string;
  startedAt: string;
  finishedAt: string;
  ok: boolean;
  exitCode: 0 | 1;
  /** Why the run stopped before the end, if it did (max failures reached). */
  stoppedEarly?: string;
  summary: RunSummary;
  results: CheckResult[];
  failures: Failure[];
  toolErrors: ToolError[];
  skipped: Array<{ checkId: string; reason: string }>;
  coverage: Coverage;
  coverageThreshold?: { required: number; met: boolean };
  cleanup: { removed: number; left: number; notes: string[] };
};

export type RunEvent =
  | { type: 'run-start'; target: string; contract: string; seed: number; runTag: string; checks: Array<Pick<Check, 'id' | 'severity' | 'description'>>; operations: string[] }
  | { type: 'operation-start'; operationId: string; method: string; path: string }
  | { type: 'operation-end'; operationId: string; requests: number; failures: number }
  | { type: 'check-result'; result: CheckResult }
  | { type: 'failure'; failure: Failure }
  | { type: 'tool-error'; error: ToolError }
  | { type: 'run-end'; result: RunResult };
