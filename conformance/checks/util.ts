import type { CheckContext, Exchange, RecordedResponse } from '../types.ts';

export const opId = (exchange: Exchange) => exchange.case.operationId ?? '(no operation)';

/** The operation of a request the engine generated (not a probe or set-up) that the server accepted: what follow-up probes start from. */
export function acceptedCaseOperation(exchange: Exchange) {
  const op = exchange.operation;
  const r = exchange.response;
  if (!op || !r || r.status >= 300 || exchange.case.origin === 'probe' || exchange.case.origin === 'setup') return undefined;
  return op;
}

export function isGenerated(exchange: Exchange): boolean {
  return exchange.case.origin === 'example' || exchange.case.origin === 'generated';
}

export function problemCode(response: RecordedResponse): string | undefined {
  const body = response.body as { code?: unknown } | undefined;
  return body && typeof body === 'object' && typeof body.code === 'string' ? body.code : undefined;
}

export const statusText = (response: RecordedResponse) => `${response.status}${problemCode(response) ? ` ${problemCode(response)}` : ''}`;

/** Validates the response with the contract's validator once per exchange (several inline checks read it). */
const memo = new WeakMap<Exchange, ReturnType<CheckContext['contract']['validator']['validate']>>();
export function violationsOf(ctx: CheckContext, exchange: Exchange) {
  let found = memo.get(exchange);
  if (!found && exchange.response) {
    const r = exchange.response;
    const url = new URL(exchange.request.url);
    const path = url.pathname.slice(new URL(ctx.options.root).pathname.replace(/\/$/, '').length) || '/';
    found = ctx.contract.validator.validate({ method: exchange.request.method, path, status: r.status, contentType: r.contentType, body: r.body, headers: r.headers });
    memo.set(exchange, found);
  }
  return found ?? [];
}

/** Generalises a pointer for deduplication: `/body/line_items/3/total` and `/0/` count as one cause. */
export const generalise = (pointer: string) => pointer.replace(/\/\d+(?=\/|$)/g, '/*');
