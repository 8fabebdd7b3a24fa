import { Agent, request } from 'undici';
import type { OperationEntry } from '../src/contract/load.ts';
import type { LoadedContract } from './contract.ts';
import { Redactor } from './redact.ts';
import type { Exchange, RecordedRequest, RecordedResponse, TestCase, ToolError } from './types.ts';

export type ClientOptions = {
  root: string;
  requestTimeoutMs: number;
  /** The `Authorization` value of the primary credential (API key or access token). */
  primaryAuthorization?: () => string | undefined;
  redactor: Redactor;
  /** Longest wait for one 429 before the answer is taken as it is. */
  maxRetryAfterSeconds?: number;
};

/** Sends the runner's requests with undici and records them, redacted, as exchanges. */
export class ConformanceClient {
  private seq = 0;
  readonly agent: Agent;

  constructor(
    private readonly contract: LoadedContract,
    private readonly options: ClientOptions,
  ) {
    this.agent = new Agent({ connections: 16, headersTimeout: options.requestTimeoutMs, bodyTimeout: options.requestTimeoutMs, connect: { timeout: options.requestTimeoutMs } });
  }

  url(path: string, query?: Record<string, string | string[]>): string {
    const qs = new URLSearchParams();
    for (const [name, value] of Object.entries(query ?? {})) for (const v of Array.isArray(value) ? value : [value]) qs.append(name, v);
    const text = qs.toString();
    return this.options.root + path + (text ? `?${text}` : '');
  }

  async send(testCase: TestCase): Promise<Exchange> {
    const spec = testCase.request;
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json;q=0.9, */*;q=0.5', ...spec.headers };
    const auth = spec.auth ?? 'primary';
    if (auth === 'primary') {
      const value = this.options.primaryAuthorization?.();
      if (value) headers.authorization = value;
    } else if (auth !== 'none') headers.authorization = auth.authorization;
    let body: string | undefined;
    if (spec.json !== undefined) {
      body = JSON.stringify(spec.json);
      headers['content-type'] ??= 'application/json';
    } else if (spec.raw) {
      body = spec.raw.text;
      headers['content-type'] = spec.raw.contentType;
    }
    const url = this.url(spec.path, spec.query);
    const { redactor } = this.options;
    const recorded: RecordedRequest = { method: spec.method.toUpperCase(), url: redactor.redact(url), headers: redactor.redactHeaders(headers), ...(body !== undefined ? { body: redactor.redact(body) } : {}) };
    const operation: OperationEntry | undefined = testCase.operationId ? this.contract.byId.get(testCase.operationId) : undefined;
    const exchange: Exchange = { seq: ++this.seq, case: testCase, operation, request: recorded };
    const maxWait = this.options.maxRetryAfterSeconds ?? 65;
    for (let attempt = 0; ; attempt++) {
      const started = performance.now();
      try {
        const res = await request(url, { method: recorded.method as any, headers, body, dispatcher: this.agent });
        const buffer = Buffer.from(await res.body.arrayBuffer());
        const response = toRecorded(res.statusCode, res.headers, buffer, performance.now() - started, redactor);
        // Honour the server's rate limit instead of judging its 429 (at most twice, and only for a bounded wait).
        const retryAfter = Number(response.headers['retry-after']);
        if (response.status === 429 && !spec.rawRateLimit && attempt < 2 && Number.isFinite(retryAfter) && retryAfter >= 0 && retryAfter <= maxWait) {
          await new Promise((resolve) => setTimeout(resolve, Math.max(retryAfter, 0.05) * 1000));
          continue;
        }
        exchange.response = response;
      } catch (error) {
        const e = error as Error & { code?: string };
        const timeout = /Timeout/i.test(e.name) || /TIMEOUT/.test(e.code ?? '');
        const toolError: ToolError = { kind: timeout ? 'timeout' : 'network', message: `${e.code ?? e.name}: ${redactor.redact(e.message)}`, request: recorded, ...(testCase.operationId ? { operationId: testCase.operationId } : {}) };
        exchange.toolError = toolError;
      }
      return exchange;
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

function toRecorded(status: number, raw: Record<string, string | string[] | undefined>, buffer: Buffer, elapsedMs: number, redactor: Redactor): RecordedResponse {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  const contentType = headers['content-type'];
  const type = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  const text = buffer.toString('utf8');
  let body: unknown = text;
  if (/[/+]json$/.test(type) && text.length) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text; // a body that claims JSON and is not: the schema checks report it
    }
  } else if (type === 'application/pdf' || type === 'application/octet-stream') body = buffer;
  return { status, headers, contentType, body, text: redactor.redact(text), elapsedMs };
}
