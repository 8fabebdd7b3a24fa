import { createHmac, timingSafeEqual } from 'node:crypto';
import { Refusal } from '../domain/errors.ts';
import type { components } from '../generated/api-types.ts';

export type PageRequest = { limit: number; offset?: number; page?: number; after?: string; before?: string };
export type SortValue = string | number | null;
/** The pagination block of every list envelope, as the contract defines it. */
export type Pagination = components['schemas']['Pagination'];

/** A sort: the key of an item (ending with its id, so that the order is total) and a direction. */
export type SortSpec<T> = { name: string; key: (item: T) => SortValue[]; descending: boolean };

function compareValues(a: SortValue, b: SortValue): number {
  if (a === b) return 0;
  if (a === null) return -1; // nulls first ascending
  if (b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : 1;
}
export function compareKeys(a: SortValue[], b: SortValue[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const c = compareValues(a[i] ?? null, b[i] ?? null);
    if (c !== 0) return c;
  }
  return 0;
}

/** A sorted sequence read by position: an array, or a view of one (see reversed). */
export type Ordered<T> = { readonly length: number; at(index: number): T | undefined };

/** The sequence back to front, without a copy. */
export function reversed<T>(items: Ordered<T>): Ordered<T> {
  return { length: items.length, at: (index) => (index >= 0 && index < items.length ? items.at(items.length - 1 - index) : undefined) };
}

export function sortItems<T>(items: T[], sort: SortSpec<T>): T[] {
  const keyed = items.map((item) => ({ item, key: sort.key(item) }));
  keyed.sort((x, y) => (sort.descending ? -1 : 1) * compareKeys(x.key, y.key));
  return keyed.map((k) => k.item);
}

/** Signs cursors so that a forged cursor, or one from another list, tenant or sort, is refused. */
export class CursorCodec {
  constructor(private readonly secret: string) {}

  private sign(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url').slice(0, 22);
  }
  encode(context: string, key: SortValue[]): string {
    const payload = Buffer.from(JSON.stringify({ c: context, k: key })).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }
  decode(context: string, cursor: string, parameter: string): SortValue[] {
    const refuse = (why: string) =>
      new Refusal('invalid_cursor', `The '${parameter}' cursor is not valid for this list: ${why}.`, {
        in: 'query', path: parameter, message: why, rule: 'cursor',
      });
    const [payload, signature, ...rest] = cursor.split('.');
    if (!payload || !signature || rest.length) throw refuse('malformed cursor');
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw refuse('signature does not match');
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      throw refuse('malformed cursor');
    }
    const { c, k } = (parsed ?? {}) as { c?: unknown; k?: unknown };
    if (c !== context) throw refuse('issued for another list, tenant, filter or sort');
    if (!Array.isArray(k) || !k.every((v) => v === null || typeof v === 'string' || typeof v === 'number')) throw refuse('malformed cursor');
    return k as SortValue[];
  }
}

/** Which way of paging the request uses; more than one is a 400. */
export function checkPageRequest(req: PageRequest): void {
  const used = (['offset', 'page', 'after', 'before'] as const).filter((k) => req[k] !== undefined);
  if (used.length > 1) {
    throw new Refusal('invalid_pagination', `Use one of offset, page, after or before, not ${used.join(' and ')}.`,
      used.map((k) => ({ in: 'query', path: k, message: 'cannot be combined with ' + used.filter((u) => u !== k).join(', '), rule: 'pagination' })),
    );
  }
}

/** One page of an already sorted list, with the envelope's pagination block. */
export function paginate<T>(sorted: Ordered<T>, sort: SortSpec<T>, req: PageRequest, codec: CursorCodec, context: string): { data: T[]; pagination: Pagination } {
  checkPageRequest(req);
  const { limit } = req;
  const direction = sort.descending ? -1 : 1;
  const cmp = (item: T, key: SortValue[]) => direction * compareKeys(sort.key(item), key);
  // First index whose item sorts strictly after (or not before) the key: binary search.
  const bound = (key: SortValue[], strictlyAfter: boolean) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = cmp(sorted.at(mid)!, key);
      if (c < 0 || (strictlyAfter && c === 0)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  let start = 0;
  if (req.offset !== undefined) start = req.offset;
  else if (req.page !== undefined) start = (req.page - 1) * limit;
  else if (req.after !== undefined) start = bound(codec.decode(context, req.after, 'after'), true);
  else if (req.before !== undefined) start = Math.max(0, bound(codec.decode(context, req.before, 'before'), false) - limit);
  const end = req.before !== undefined ? Math.min(start + limit, bound(codec.decode(context, req.before, 'before'), false)) : start + limit;
  const data: T[] = [];
  for (let i = start; i < Math.min(end, sorted.length); i++) data.push(sorted.at(i)!);
  const total = sorted.length;
  const first = data[0];
  const last = data[data.length - 1];
  return {
    data,
    pagination: {
      limit,
      total,
      // Past the end the requested position is echoed, not clamped, so that
      // page = floor(offset / limit) + 1 holds and offset >= total says "past the end".
      offset: start,
      page: Math.floor(start / limit) + 1,
      total_pages: Math.ceil(total / limit),
      has_next_page: start + data.length < total,
      has_previous_page: start > 0 && total > 0,
      start_cursor: first === undefined ? null : codec.encode(context, sort.key(first)),
      end_cursor: last === undefined ? null : codec.encode(context, sort.key(last)),
    },
  };
}
