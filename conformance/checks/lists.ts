import type { CheckContext, Exchange } from '../types.ts';

/** The GET list operation of a collection path, if the contract has one. */
export function listOperationOf(ctx: CheckContext, collectionPath: string) {
  return ctx.contract.operations.find((o) => o.method === 'get' && o.path === collectionPath && (o.operation.responses?.['200'] !== undefined));
}

/** Walks a list (bounded) and says whether an id is in it; the last exchange is kept for reports. */
export async function findInList(ctx: CheckContext, operationId: string, path: string, id: string, query: Record<string, string> = {}): Promise<{ found: boolean; exchange?: Exchange; complete: boolean }> {
  let after: string | undefined;
  let last: Exchange | undefined;
  for (let page = 0; page < 20; page++) {
    last = await ctx.send({ origin: 'probe', operationId, label: `list ${path}`, request: { method: 'GET', path, query: { ...query, limit: '100', ...(after ? { after } : {}) } } });
    const body = last.response?.body as { data?: Array<{ id?: string }>; pagination?: { has_next_page?: boolean; end_cursor?: string | null } } | undefined;
    if (!last.response || last.response.status !== 200 || !Array.isArray(body?.data)) return { found: false, exchange: last, complete: false };
    if (body.data.some((item) => item.id === id)) return { found: true, exchange: last, complete: true };
    if (!body.pagination?.has_next_page || !body.pagination.end_cursor) return { found: false, exchange: last, complete: true };
    after = body.pagination.end_cursor;
  }
  return { found: false, ...(last ? { exchange: last } : {}), complete: false };
}

/** The pointers at which two JSON values differ (at most a few). */
export function differences(a: unknown, b: unknown, path = '', out: string[] = []): string[] {
  if (out.length >= 5) return out;
  if (a === b) return out;
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) differences((a as any)[key], (b as any)[key], `${path}/${key}`, out);
    return out;
  }
  out.push(`${path || '/'}: ${JSON.stringify(a)?.slice(0, 60)} ≠ ${JSON.stringify(b)?.slice(0, 60)}`);
  return out;
}
