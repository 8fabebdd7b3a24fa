import { json, withJson, type Answer, type Forwarded, type PlantedDefect } from '../broken-server.test-helper.ts';

/** Planted defects of the 'lists' group: paging, filters and sort, read-after-write. */

const INVOICES = '/api/v1/invoices';
const CUSTOMERS = '/api/v1/customers';
const isList = (req: Forwarded, path: string) => req.method === 'GET' && req.path === path;
const PAGING = ['limit', 'offset', 'page', 'after', 'before'];
/** A list request's filters and sort, without its paging: what a cursor is issued for. */
const filtersOf = (req: Forwarded) => {
  const q = new URLSearchParams(req.query);
  for (const p of PAGING) q.delete(p);
  q.sort();
  return q.toString();
};
/** Rewrites a 200 list answer's body. */
const onList = (path: string, edit: (body: any, req: Forwarded) => any) => (req: Forwarded, a: Answer) => (isList(req, path) && a.status === 200 ? withJson(a, edit(json(a), req)) : a);

const PAGINATION_OPS = ['createCustomer', 'createInvoice', 'listInvoices', 'listCustomers'];
const FILTER_OPS = ['createCustomer', 'createInvoice', 'listInvoices', 'markInvoiceSent', 'recordPayment', 'voidInvoice'];
const RAW_OPS = ['createCustomer', 'getCustomer', 'updateCustomer', 'listCustomers', 'createInvoice', 'getInvoice', 'updateInvoice', 'listInvoices', 'markInvoiceSent', 'voidInvoice', 'deleteInvoice', 'listTrashedInvoices', 'deleteCustomer'];

/** Remembers which list (path, filters, sort) issued each cursor. */
function cursorLedger() {
  const issued = new Map<string, { path: string; filters: string }>();
  return {
    record(req: Forwarded, a: Answer) {
      if (req.method !== 'GET' || a.status !== 200 || !a.headers['content-type']?.includes('json')) return;
      const p = json(a)?.pagination;
      for (const c of [p?.start_cursor, p?.end_cursor]) if (typeof c === 'string') issued.set(c, { path: req.path, filters: filtersOf(req) });
    },
    of: (cursor: string) => issued.get(cursor),
  };
}

export const LISTS_DEFECTS: PlantedDefect[] = [
  // pagination
  {
    name: 'a cursor page that drops its last item',
    checks: ['pagination'],
    include: PAGINATION_OPS,
    only: ['pagination'],
    breakage: { response: onList(INVOICES, (body, req) => (req.query.has('after') && body.data.length > 1 ? { ...body, data: body.data.slice(0, -1) } : body)) },
  },
  {
    name: 'a customer list whose pagination.total is one too many',
    checks: ['pagination'],
    include: PAGINATION_OPS,
    only: ['pagination'],
    breakage: { response: onList(CUSTOMERS, (body) => ({ ...body, pagination: { ...body.pagination, total: body.pagination.total + 1 } })) },
  },
  {
    name: 'has_next_page true on the last page',
    checks: ['pagination'],
    include: PAGINATION_OPS,
    only: ['pagination'],
    breakage: { response: onList(INVOICES, (body) => (body.data.length && !body.pagination.has_next_page ? { ...body, pagination: { ...body.pagination, has_next_page: true } } : body)) },
  },
  {
    name: 'a forged cursor accepted (read as the first page)',
    checks: ['pagination'],
    include: PAGINATION_OPS,
    only: ['pagination'],
    breakage: (() => {
      const ledger = cursorLedger();
      return {
        request: (req) => {
          for (const p of ['after', 'before']) {
            const cursor = req.query.get(p);
            if (cursor !== null && !ledger.of(cursor)) req.query.delete(p); // a server that never checks its signature
          }
          return req;
        },
        response: (req, a) => (ledger.record(req, a), a),
      };
    })(),
  },
  {
    name: 'a cursor of another filter or sort accepted (it carries its own)',
    checks: ['pagination'],
    include: PAGINATION_OPS,
    only: ['pagination'],
    breakage: (() => {
      const ledger = cursorLedger();
      return {
        request: (req) => {
          const cursor = req.query.get('after') ?? req.query.get('before');
          const origin = cursor === null ? undefined : ledger.of(cursor);
          if (!origin || origin.path !== req.path || origin.filters === filtersOf(req)) return req;
          const query = new URLSearchParams(origin.filters);
          for (const p of PAGING) for (const v of req.query.getAll(p)) query.append(p, v);
          return { ...req, query };
        },
        response: (req, a) => (ledger.record(req, a), a),
      };
    })(),
  },
  {
    name: 'offset pages that overlap by one item',
    checks: ['pagination'],
    include: PAGINATION_OPS,
    only: ['pagination'],
    breakage: {
      request: (req) => {
        const offset = Number(req.query.get('offset'));
        if (!isList(req, INVOICES) || !(offset > 0)) return req;
        req.query.set('offset', String(offset - 1));
        return { ...req, headers: { ...req.headers, 'x-planted-offset': String(offset) } };
      },
      response: onList(INVOICES, (body, req) => (req.headers['x-planted-offset'] ? { ...body, pagination: { ...body.pagination, offset: Number(req.headers['x-planted-offset']) } } : body)),
    },
  },
  // filters and sort
  {
    name: 'the status filter of the invoice list ignored',
    checks: ['filters_and_sort'],
    include: FILTER_OPS,
    only: ['filters_and_sort'],
    breakage: { request: (req) => (isList(req, INVOICES) && req.query.has('status') ? (req.query.delete('status'), req) : req) },
  },
  {
    name: 'a currency filter that misses one match',
    checks: ['filters_and_sort'],
    include: FILTER_OPS,
    only: ['filters_and_sort'],
    breakage: { response: onList(INVOICES, (body, req) => (req.query.has('currency') && body.data.length > 1 ? { ...body, data: body.data.slice(0, -1), pagination: { ...body.pagination, total: body.pagination.total - 1 } } : body)) },
  },
  {
    name: 'ties of a sort not broken by id',
    checks: ['filters_and_sort'],
    include: FILTER_OPS,
    only: ['filters_and_sort'],
    breakage: {
      response: onList(INVOICES, (body, req) => {
        const key = req.query.get('sort')?.replace(/^-/, '');
        if (!key) return body;
        // Each run of three or more equal keys is rotated by one: neither ascending nor descending ids.
        const data: any[] = [];
        for (let i = 0; i < body.data.length; ) {
          let j = i;
          while (j < body.data.length && JSON.stringify(body.data[j][key]) === JSON.stringify(body.data[i][key])) j++;
          const run = body.data.slice(i, j);
          data.push(...(run.length >= 3 ? [...run.slice(1), run[0]] : run));
          i = j;
        }
        return { ...body, data };
      }),
    },
  },
  {
    name: 'descending sorts served ascending',
    checks: ['filters_and_sort'],
    include: FILTER_OPS,
    only: ['filters_and_sort'],
    breakage: { response: onList(INVOICES, (body, req) => (req.query.get('sort')?.startsWith('-') ? { ...body, data: [...body.data].reverse() } : body)) },
  },
  // read after write
  {
    name: 'a stale invoice detail served once after a PATCH',
    checks: ['read_after_write'],
    include: RAW_OPS,
    only: ['read_after_write'],
    breakage: (() => {
      const lastRead = new Map<string, Answer>();
      const stale = new Map<string, Answer>();
      const isDetail = (path: string) => /^\/api\/v1\/invoices\/inv_[A-Za-z0-9]+$/.test(path);
      return {
        response: (req, a) => {
          if (!isDetail(req.path)) return a;
          if (req.method === 'PATCH' && a.status === 200 && lastRead.has(req.path)) stale.set(req.path, lastRead.get(req.path)!);
          if (req.method !== 'GET' || a.status !== 200) return a;
          const old = stale.get(req.path);
          stale.delete(req.path);
          lastRead.set(req.path, a);
          return old ?? a; // a cache that is invalidated one read late
        },
      };
    })(),
  },
  {
    name: 'an invoice deleted to the trash still in the invoice list',
    checks: ['read_after_write'],
    include: RAW_OPS,
    only: ['read_after_write'],
    breakage: (() => {
      const ghosts: any[] = [];
      return {
        response: async (req, a, forward) => {
          const m = /^\/api\/v1\/invoices\/(inv_[A-Za-z0-9]+)$/.exec(req.path);
          if (m && req.method === 'DELETE' && a.status === 204 && !req.query.has('permanent')) {
            const detail = await forward({ ...req, method: 'GET', query: new URLSearchParams(), body: '' });
            if (detail.status === 200) ghosts.push({ ...json(detail), deleted_at: null });
            return a;
          }
          return onList(INVOICES, (body, r) => {
            const customer = r.query.get('customer_id');
            const extra = ghosts.filter((g) => (!customer || g.customer_id === customer) && !body.data.some((i: any) => i.id === g.id));
            return extra.length ? { ...body, data: [...body.data, ...extra], pagination: { ...body.pagination, total: body.pagination.total + extra.length } } : body;
          })(req, a);
        },
      };
    })(),
  },
];
