import { resolveRef } from '../../src/contract/load.ts';
import type { Scenario } from '../scenario.ts';
import type { Exchange } from '../types.ts';

/**
 * Helpers shared by the list checks (pagination, filters_and_sort, read_after_write): reading a
 * list envelope defensively (a server, or a stateless mock, may answer anything) and comparing
 * values the way the contract orders them.
 */

export type Item = { id: string; [field: string]: unknown };
export type PaginationBlock = {
  limit?: unknown;
  total?: unknown;
  offset?: unknown;
  page?: unknown;
  total_pages?: unknown;
  has_next_page?: unknown;
  has_previous_page?: unknown;
  start_cursor?: unknown;
  end_cursor?: unknown;
};
export type Page = { exchange: Exchange; data: Item[]; pagination: PaginationBlock };

/** The page an exchange answered, or why it is not one (status, shape). */
export function readPage(exchange: Exchange): Page | { problem: string } {
  const r = exchange.response;
  if (!r) return { problem: exchange.toolError ? exchange.toolError.message : 'no answer' };
  if (r.status !== 200) return { problem: `answered ${r.status} instead of 200` };
  const body = r.body as { data?: unknown; pagination?: unknown } | undefined;
  if (!body || typeof body !== 'object' || !Array.isArray(body.data)) return { problem: 'the answer has no data array' };
  const data = body.data.filter((i): i is Item => !!i && typeof i === 'object' && typeof (i as { id?: unknown }).id === 'string');
  if (data.length !== body.data.length) return { problem: 'an item of data has no string id' };
  const pagination = body.pagination && typeof body.pagination === 'object' ? (body.pagination as PaginationBlock) : {};
  return { exchange, data, pagination };
}

export const isPage = (p: Page | { problem: string }): p is Page => 'data' in p;

export const cursorOf = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : undefined);

/** Every item of a filtered list, walked with `after` cursors at the largest page size (bounded). */
export async function walkAll(s: Scenario, operationId: string, query: Record<string, string>, label: string, maxPages = 10): Promise<{ items: Item[]; last: Exchange; problem?: string }> {
  const items: Item[] = [];
  let after: string | undefined;
  let last: Exchange | undefined;
  for (let n = 0; n < maxPages; n++) {
    last = await s.call(operationId, { query: { ...query, limit: '100', ...(after ? { after } : {}) }, label: `${label}${n ? ` (page ${n + 1})` : ''}` });
    const page = readPage(last);
    if (!isPage(page)) return { items, last, problem: page.problem };
    items.push(...page.data);
    const next = cursorOf(page.pagination.end_cursor);
    if (page.pagination.has_next_page !== true || !next || page.data.length === 0) return { items, last };
  }
  return { items, last: last!, problem: `more than ${maxPages} pages of 100` };
}

/** Ids in order, for messages (at most a dozen). */
export const idList = (items: Array<{ id: string }>, max = 12) => (items.length ? items.slice(0, max).map((i) => i.id).join(', ') + (items.length > max ? `, … (${items.length})` : '') : '(none)');

/** The duplicates of a sequence of ids. */
export const duplicatesOf = (ids: string[]) => [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];

/**
 * RFC 3339 instants compared exactly: the epoch milliseconds, then any digits past the
 * milliseconds (a server may keep microseconds). Unparsable text compares as text.
 */
export function compareInstants(a: string, b: string): number {
  const ms = (s: string) => Date.parse(s);
  const sub = (s: string) => (/\.(\d+)/.exec(s)?.[1] ?? '').padEnd(9, '0').slice(3);
  const [ma, mb] = [ms(a), ms(b)];
  if (Number.isNaN(ma) || Number.isNaN(mb)) return compareText(a, b);
  if (ma !== mb) return ma < mb ? -1 : 1;
  return compareText(sub(a), sub(b));
}

/** Code-unit order: what JSON strings, ids and ISO dates sort by. */
export const compareText = (a: string, b: string) => (a === b ? 0 : a < b ? -1 : 1);

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/** The contract's order of two field values: numbers by value, instants in time, other text by code unit; undefined when not comparable. */
export function compareValues(a: unknown, b: unknown): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return a === b ? 0 : a < b ? -1 : 1;
  if (typeof a === 'string' && typeof b === 'string') return INSTANT.test(a) && INSTANT.test(b) ? compareInstants(a, b) : compareText(a, b);
  return undefined;
}

/** The values a query parameter's schema allows (`enum`, or its items' for an array), read from the contract. */
export function enumOfParameter(s: Scenario, operationId: string, name: string): string[] {
  const parameter = s.operation(operationId).parameters.find((p) => p.in === 'query' && p.name === name);
  const doc = s.ctx.contract.doc;
  let schema = resolveRef<{ enum?: unknown[]; type?: unknown; items?: unknown } | undefined>(doc, parameter?.schema);
  if (schema?.type === 'array') schema = resolveRef<typeof schema>(doc, schema.items);
  return (schema?.enum ?? []).filter((v): v is string => typeof v === 'string');
}

/** Whether the operation documents this query parameter. */
export const hasQuery = (s: Scenario, operationId: string, name: string) => s.operation(operationId).parameters.some((p) => p.in === 'query' && p.name === name);

/** The documented default of a query parameter, if any. */
export function defaultOfParameter(s: Scenario, operationId: string, name: string): unknown {
  const parameter = s.operation(operationId).parameters.find((p) => p.in === 'query' && p.name === name);
  return (parameter?.schema as { default?: unknown } | undefined)?.default;
}

/** Runs tasks with at most `width` at once (keeps bursts modest against small servers). */
export async function inBatches<T, R>(items: T[], width: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      for (let i = next++; i < items.length; i = next++) out[i] = await task(items[i]!, i);
    }),
  );
  return out;
}
