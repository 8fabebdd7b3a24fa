import { toCurl } from './redact.ts';
import type { Check, Failure, FailureInput } from './types.ts';

const EXCERPT = 2000;

/** Keeps one failure per (check, operation, cause), counting how often it occurred. */
export class FailureLog {
  private readonly byKey = new Map<string, Failure>();

  /** Returns the failure if it is new, undefined if it only counted another occurrence. */
  add(check: Check, input: FailureInput): Failure | undefined {
    const { exchange, operationId, ...rest } = input;
    const op = operationId ?? exchange.case.operationId ?? '(no operation)';
    const key = `${check.id}\u0000${op}\u0000${input.cause}`;
    const known = this.byKey.get(key);
    if (known) {
      known.occurrences++;
      return undefined;
    }
    const r = exchange.response;
    const failure: Failure = {
      ...rest,
      checkId: check.id,
      severity: check.severity,
      operationId: op,
      request: exchange.request.body && exchange.request.body.length > EXCERPT * 16 ? { ...exchange.request, body: `${exchange.request.body.slice(0, EXCERPT * 16)}…(${exchange.request.body.length} bytes, cut; the curl rebuilds it)` } : exchange.request,
      ...(r ? { response: { status: r.status, headers: r.headers, bodyExcerpt: r.text.length > EXCERPT ? `${r.text.slice(0, EXCERPT)}…` : r.text } } : {}),
      curl: toCurl(exchange.request),
      case: { origin: exchange.case.origin, label: exchange.case.label },
      occurrences: 1,
    };
    this.byKey.set(key, failure);
    return failure;
  }

  get size(): number {
    return this.byKey.size;
  }

  all(): Failure[] {
    return [...this.byKey.values()];
  }
}
