import { fillPath } from './generation/cases.ts';
import { PrerequisiteError } from './resources.ts';
import { statusText } from './checks/util.ts';
import type { AuthChoice, CheckContext, Exchange, RequestSpec } from './types.ts';

export type CallOptions = {
  params?: Record<string, string>;
  query?: Record<string, string | string[]>;
  json?: unknown;
  raw?: RequestSpec['raw'];
  headers?: Record<string, string>;
  auth?: AuthChoice;
  /** Sees a 429 as it comes instead of waiting it out. */
  rawRateLimit?: boolean;
  /** Says why the request is sent, in reports. */
  label?: string;
};

/**
 * What a scenario check sends requests with: operations named by operationId, paths filled from
 * the contract, and failures that name the rule they break. It never knows the server's code.
 */
export class Scenario {
  constructor(
    readonly ctx: CheckContext,
    readonly checkId: string,
  ) {}

  /** The contract's operation, or a PrerequisiteError (the check is skipped with that reason) when the contract has none. */
  operation(operationId: string) {
    const entry = this.ctx.contract.operations.find((o) => o.operationId === operationId);
    if (!entry) throw new PrerequisiteError(`the contract has no operation '${operationId}'`);
    return entry;
  }

  has(operationId: string): boolean {
    return this.ctx.contract.operations.some((o) => o.operationId === operationId);
  }

  async call(operationId: string, options: CallOptions = {}): Promise<Exchange> {
    const entry = this.operation(operationId);
    const request: RequestSpec = {
      method: entry.method.toUpperCase(),
      path: fillPath(entry.path, options.params ?? {}),
      ...(options.query ? { query: options.query } : {}),
      ...(options.json !== undefined ? { json: options.json } : {}),
      ...(options.raw ? { raw: options.raw } : {}),
      ...(options.headers ? { headers: options.headers } : {}),
      ...(options.auth ? { auth: options.auth } : {}),
      ...(options.rawRateLimit ? { rawRateLimit: true } : {}),
    };
    return this.ctx.send({ origin: 'probe', operationId, label: `${this.checkId}: ${options.label ?? operationId}`, request });
  }

  /** Calls an operation that must succeed for the scenario to go on; anything else skips the check with the reason. */
  async must(operationId: string, options: CallOptions = {}): Promise<any> {
    const exchange = await this.call(operationId, options);
    const status = exchange.response?.status;
    if (!exchange.response || status === undefined || status >= 300) {
      const why = exchange.toolError ? exchange.toolError.message : `answered ${statusText(exchange.response!)}: ${exchange.response!.text.slice(0, 200)}`;
      throw new PrerequisiteError(`${this.checkId} could not set up: ${operationId} ${why}`);
    }
    return exchange.response.body;
  }

  /** Records a broken rule. `rule` is the contract's rule in words; it leads the message. */
  fail(exchange: Exchange, f: { rule: string; cause: string; expected: string; got?: string; operationId?: string }): void {
    this.ctx.fail({
      exchange,
      operationId: f.operationId ?? exchange.case.operationId ?? '(no operation)',
      cause: f.cause,
      message: f.rule,
      expected: f.expected,
      got: f.got ?? (exchange.response ? statusText(exchange.response) : '(no answer)'),
    });
  }

  pass(operationId: string): void {
    this.ctx.pass(operationId);
  }
}

/** Reads a body field by dotted path, for messages. */
export const field = (body: unknown, path: string): unknown => path.split('.').reduce<any>((v, k) => (v && typeof v === 'object' ? v[k] : undefined), body);
