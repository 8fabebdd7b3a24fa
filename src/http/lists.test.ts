import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/harness.ts';

let s: TestServer;
const ids: string[] = [];

// 25 invoices over 25 days, two customers, three statuses, two currencies.
beforeAll(async () => {
  s = await startTestServer({ now: '2026-05-01T09:00:00.000Z' });
  const a = (await s.post('/api/v1/customers', { name: 'Acme Corp', email: 'ap@acme.example' })).body.id;
  const b = (await s.post('/api/v1/customers', { name: 'Globex Inc', email: 'billing@globex.example' })).body.id;
  for (let i = 0; i < 25; i++) {
    s.clock.freeze(new Date(Date.UTC(2026, 4, 1 + i, 9)));
    const day = String(1 + i).padStart(2, '0');
    const res = await s.post('/api/v1/invoices', {
      customer_id: i % 2 ? b : a,
      title: i === 7 ? 'Special retainer' : `Work ${i}`,
      currency: i % 5 === 0 ? 'EUR' : 'USD',
      issue_date: `2026-05-${day}`,
      due_date: `2026-06-${day}`,
      line_items: [{ description: 'x', quantity: 1, unit_price: 1000 * ((i * 7) % 25) + 5 }],
    });
    ids.push(res.body.id);
    if (i % 3 === 1) s.store.putInvoice('acme', { ...s.store.getInvoice('acme', res.body.id)!, stored_status: 'sent' });
    if (i % 3 === 2) s.store.putInvoice('acme', { ...s.store.getInvoice('acme', res.body.id)!, stored_status: 'void' });
  }
  s.clock.freeze(new Date('2026-06-10T12:00:00.000Z'));
});
afterAll(() => s.close());

const all = async (query: Record<string, string | number | boolean>) => {
  const out: any[] = [];
  let page = await s.get('/api/v1/invoices', { query: { limit: 100, ...query } });
  out.push(...page.body.data);
  expect(page.body.pagination.has_next_page).toBe(false);
  return out;
};

describe('invoice list filters', () => {
  it('defaults to newest first', async () => {
    const list = await all({});
    expect(list.map((i) => i.id)).toEqual([...ids].reverse());
  });
  it.each([
    [{ status: 'draft' }, (i: number) => i % 3 === 0],
    [{ status: 'void,draft' }, (i: number) => i % 3 !== 1],
    // Sent invoices due before 2026-06-10 are overdue by the clock.
    [{ status: 'overdue' }, (i: number) => i % 3 === 1 && i + 1 < 10],
    [{ status: 'sent' }, (i: number) => i % 3 === 1 && i + 1 >= 10],
    [{ currency: 'EUR' }, (i: number) => i % 5 === 0],
    [{ issue_date_from: '2026-05-05', issue_date_to: '2026-05-07' }, (i: number) => i >= 4 && i <= 6],
    [{ due_date_from: '2026-06-20' }, (i: number) => i >= 19],
    [{ due_date_to: '2026-06-02' }, (i: number) => i <= 1],
    [{ created_at_from: '2026-05-24T00:00:00Z' }, (i: number) => i >= 23],
    [{ created_at_to: '2026-05-02T09:00:00Z' }, (i: number) => i <= 1],
    [{ search: 'special' }, (i: number) => i === 7],
    [{ search: 'globex' }, (i: number) => i % 2 === 1],
    [{ search: 'INV-2026-0003' }, (i: number) => i === 2],
    [{ number: 'INV-2026-0010' }, (i: number) => i === 9],
  ])('%o', async (query, expected) => {
    const list = await all(query as Record<string, string>);
    expect(list.map((i) => i.id).sort()).toEqual(ids.filter((_, i) => expected(i)).sort());
  });
  it('filters by customer', async () => {
    const first = (await s.get(`/api/v1/invoices/${ids[0]}`)).body.customer_id;
    expect((await all({ customer_id: first })).map((i) => i.id).sort()).toEqual(ids.filter((_, i) => i % 2 === 0).sort());
  });
});

describe('cached order', () => {
  it('a change shows in the very next page of a list walked before', async () => {
    const before = await s.get('/api/v1/invoices', { query: { sort: '-total', limit: 1 } });
    const customer = before.body.data[0].customer_id;
    const big = await s.post('/api/v1/invoices', { customer_id: customer, line_items: [{ description: 'biggest', quantity: 1, unit_price: 99_000_000 }] });
    const after = await s.get('/api/v1/invoices', { query: { sort: '-total', limit: 1 } });
    expect(after.body.data[0].id).toBe(big.body.id);
    expect(after.body.pagination.total).toBe(before.body.pagination.total + 1);
    await s.del(`/api/v1/invoices/${big.body.id}`);
    expect((await s.get('/api/v1/invoices', { query: { sort: '-total', limit: 1 } })).body.data[0].id).toBe(before.body.data[0].id);
    await s.del(`/api/v1/invoices/${big.body.id}`, { query: { permanent: true } });
  });
});

describe('sorting', () => {
  it.each(['total', '-total', 'due_date', '-due_date', 'created_at', 'issue_date', 'number', '-number'])('sort=%s is ordered with id as tie-breaker', async (sort) => {
    const list = await all({ sort });
    const field = sort.replace('-', '');
    const sign = sort.startsWith('-') ? -1 : 1;
    for (let i = 1; i < list.length; i++) {
      const a = list[i - 1][field];
      const b = list[i][field];
      expect(sign * (a < b ? -1 : a > b ? 1 : 0), `${a} then ${b}`).toBeLessThanOrEqual(0);
    }
    expect(list).toHaveLength(25);
  });
});

describe('pagination', () => {
  it('offset, page and cursors walk the same stable order', async () => {
    const full = (await all({ sort: 'total' })).map((i) => i.id);
    const byOffset: string[] = [];
    for (let offset = 0; offset < 25; offset += 7) byOffset.push(...(await s.get('/api/v1/invoices', { query: { sort: 'total', limit: 7, offset } })).body.data.map((i: any) => i.id));
    const byPage: string[] = [];
    for (let page = 1; page <= 4; page++) byPage.push(...(await s.get('/api/v1/invoices', { query: { sort: 'total', limit: 7, page } })).body.data.map((i: any) => i.id));
    const byCursor: string[] = [];
    let res = await s.get('/api/v1/invoices', { query: { sort: 'total', limit: 7 } });
    for (let guard = 0; guard < 10; guard++) {
      byCursor.push(...res.body.data.map((i: any) => i.id));
      if (!res.body.pagination.has_next_page) break;
      res = await s.get('/api/v1/invoices', { query: { sort: 'total', limit: 7, after: res.body.pagination.end_cursor } });
    }
    expect(byOffset).toEqual(full);
    expect(byPage).toEqual(full);
    expect(byCursor).toEqual(full);
    // Backwards from the last page with `before`.
    const back = await s.get('/api/v1/invoices', { query: { sort: 'total', limit: 7, before: res.body.pagination.start_cursor } });
    expect(back.body.data.map((i: any) => i.id)).toEqual(full.slice(14, 21));
    expect(back.body.pagination).toMatchObject({ offset: 14, page: 3, has_previous_page: true, has_next_page: true });
  });

  it('reports totals and positions', async () => {
    const res = await s.get('/api/v1/invoices', { query: { limit: 10, page: 3 } });
    expect(res.body.pagination).toMatchObject({ limit: 10, total: 25, offset: 20, page: 3, total_pages: 3, has_next_page: false, has_previous_page: true });
    expect(res.body.data).toHaveLength(5);
    const beyond = await s.get('/api/v1/invoices', { query: { limit: 10, page: 9 } });
    expect(beyond.body.data).toEqual([]);
    expect(beyond.body.pagination).toMatchObject({ start_cursor: null, end_cursor: null, has_next_page: false });
  });

  it('refuses mixed pagination, forged cursors and cursors of another list', async () => {
    const mixed = await s.get('/api/v1/invoices', { query: { offset: 1, page: 2 } });
    expect([mixed.status, mixed.body.code]).toEqual([400, 'invalid_pagination']);
    const cursor = (await s.get('/api/v1/invoices', { query: { limit: 2 } })).body.pagination.end_cursor as string;
    const [payload, signature] = cursor.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ c: 'x', k: ['2030-01-01', 'inv_1'] })).toString('base64url');
    for (const bad of [`${forgedPayload}.${signature}`, `${payload}.AAAA${signature!.slice(4)}`, 'garbage', `${payload}`, '%%%.%%%']) {
      const res = await s.get('/api/v1/invoices', { query: { after: bad } });
      expect([res.status, res.body.code], bad).toEqual([400, 'invalid_cursor']);
    }
    const otherSort = await s.get('/api/v1/invoices', { query: { after: cursor, sort: 'total' } });
    expect(otherSort.body.code).toBe('invalid_cursor');
    const otherList = await s.get('/api/v1/customers', { query: { after: cursor } });
    expect(otherList.body.code).toBe('invalid_cursor');
    const otherTenant = await s.get('/api/v1/invoices', { query: { after: cursor }, key: 'ik_test_globex' });
    expect(otherTenant.body.code).toBe('invalid_cursor');
  });

  it('refuses out-of-range limits and unknown parameters', async () => {
    for (const query of [{ limit: 0 }, { limit: 101 }, { offset: -1 }, { page: 0 }, { sort: 'amount' }, { status: 'paid,bogus' }, { colour: 'red' }, { issue_date_from: '2026-13-01' }]) {
      const res = await s.get("/api/v1/invoices", { query: query as unknown as Record<string, string | number> });
      expect(res.status, JSON.stringify(query)).toBe(400);
      expect(res.body.errors[0].pointer).toMatch(/^\/query\//);
    }
  });
});

describe('cursors across midnight', () => {
  it.each([['/api/v1/invoices', {}], ['/api/v1/invoices', { status: 'sent,overdue', sort: 'due_date' }], ['/api/v1/invoices/trash', {}]])('%s %o: an end_cursor still works after the clock passes midnight', async (path, filters) => {
    if (path.endsWith('/trash')) for (const id of ids.slice(0, 4)) await s.del(`/api/v1/invoices/${id}`);
    const first = await s.get(path, { query: { limit: 2, ...filters } });
    expect(first.body.pagination.has_next_page).toBe(true);
    const sameDay = await s.get(path, { query: { limit: 2, ...filters, after: first.body.pagination.end_cursor } });
    s.clock.advance(13 * 3600_000); // 2026-06-10T12:00Z → 2026-06-11T01:00Z
    try {
      const next = await s.get(path, { query: { limit: 2, ...filters, after: first.body.pagination.end_cursor } });
      expect([next.status, next.body.code]).toEqual([200, undefined]);
      expect(next.body.data.map((i: any) => i.id)).toEqual(sameDay.body.data.map((i: any) => i.id));
    } finally {
      s.clock.freeze(new Date('2026-06-10T12:00:00.000Z'));
      if (path.endsWith('/trash')) for (const id of ids.slice(0, 4)) await s.post(`/api/v1/invoices/${id}/restore`);
    }
  });
});

describe('every envelope field agrees, past the end too', () => {
  const cases: Array<{ limit: number; offset?: number; page?: number }> = [
    { limit: 7, offset: 0 }, { limit: 7, offset: 3 }, { limit: 7, offset: 24 }, { limit: 7, offset: 25 }, { limit: 7, offset: 26 },
    { limit: 10, page: 3 }, { limit: 10, page: 4 }, { limit: 1, offset: 24 }, { limit: 100, offset: 0 },
    { limit: 5, offset: 300 }, { limit: 5, page: 100 }, { limit: 20, page: 100 }, { limit: 5, offset: 100000 }, { limit: 100, page: 1000000 },
  ];
  it.each(cases)('%o', async (query) => {
    const full = (await all({ sort: 'total' })).map((i) => i.id);
    const total = full.length;
    const res = await s.get('/api/v1/invoices', { query: { sort: 'total', ...query } });
    expect(res.status).toBe(200);
    const offset = query.offset ?? (query.page! - 1) * query.limit;
    const ids = full.slice(offset, offset + query.limit);
    expect(res.body.data.map((i: any) => i.id)).toEqual(ids);
    const p = res.body.pagination;
    expect(p).toMatchObject({
      limit: query.limit,
      total,
      offset,
      page: Math.floor(offset / query.limit) + 1,
      total_pages: Math.ceil(total / query.limit),
      has_next_page: offset + ids.length < total,
      has_previous_page: offset > 0,
    });
    if (query.page !== undefined) expect(p.page).toBe(query.page);
    if (offset >= total) {
      expect([p.start_cursor, p.end_cursor, p.has_next_page]).toEqual([null, null, false]);
      if (offset % query.limit === 0) expect(p.page).toBeGreaterThan(p.total_pages);
    } else expect(p.start_cursor && p.end_cursor).toBeTruthy();
  });

  it('after the last item: an empty page at offset = total', async () => {
    const last = await s.get('/api/v1/invoices', { query: { sort: 'total', limit: 5, offset: 20 } });
    const past = await s.get('/api/v1/invoices', { query: { sort: 'total', limit: 5, after: last.body.pagination.end_cursor } });
    expect(past.body.data).toEqual([]);
    expect(past.body.pagination).toMatchObject({ offset: 25, page: 6, total_pages: 5, has_next_page: false, has_previous_page: true, start_cursor: null, end_cursor: null });
  });
});
