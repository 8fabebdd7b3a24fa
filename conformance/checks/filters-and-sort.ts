import { Scenario } from '../scenario.ts';
import type { Exchange, ScenarioCheck } from '../types.ts';
import { compareText, compareValues, defaultOfParameter, enumOfParameter, hasQuery, idList, inBatches, walkAll, type Item } from './list-pages.ts';

type Target = 'draft' | 'sent' | 'partially_paid' | 'paid' | 'void';
/** The invoices to create: statuses, currencies, dates and amounts varied so that every filter has matches and non-matches, and sort keys have ties. */
const PLAN: Array<{ state: Target; currency: string; issue: string; due: string; price: number; zephyr?: true }> = [
  { state: 'draft', currency: 'USD', issue: '2024-01-05', due: '2099-02-01', price: 5000, zephyr: true },
  { state: 'draft', currency: 'EUR', issue: '2024-01-20', due: '2099-03-01', price: 7000 },
  { state: 'draft', currency: 'USD', issue: '2001-01-10', due: '2001-02-01', price: 800 }, // past due, but a draft is never overdue
  { state: 'sent', currency: 'USD', issue: '2024-02-03', due: '2099-01-01', price: 5000 },
  { state: 'sent', currency: 'JPY', issue: '2024-02-03', due: '2099-01-01', price: 900, zephyr: true },
  { state: 'sent', currency: 'USD', issue: '2001-01-10', due: '2001-02-01', price: 12000 }, // overdue
  { state: 'sent', currency: 'USD', issue: '2001-01-10', due: '2001-02-01', price: 800, zephyr: true }, // overdue
  { state: 'partially_paid', currency: 'USD', issue: '2024-03-01', due: '2099-01-01', price: 30000 },
  { state: 'partially_paid', currency: 'EUR', issue: '2001-03-01', due: '2001-04-01', price: 9000 }, // overdue
  { state: 'paid', currency: 'USD', issue: '2024-03-01', due: '2099-01-01', price: 5000 },
  { state: 'void', currency: 'USD', issue: '2024-01-05', due: '2099-01-01', price: 12000, zephyr: true },
  { state: 'void', currency: 'JPY', issue: '2024-04-01', due: '2099-01-01', price: 2500 },
];
/** Number suffixes of equal length in an order unlike creation's, so that the number sort is its own. */
const SUFFIXES = ['K', 'C', 'H', 'A', 'L', 'E', 'B', 'J', 'D', 'G', 'F', 'I'];

const RULE_FILTER = 'contract: listInvoices filters combine with AND, date ranges inclusive';
const RULE_SORT = 'contract: Pagination, the order is the requested sort, then id as tie-breaker';

type Filter = { name: string; query: Record<string, string>; matches: (item: Item) => boolean };

const text = (v: unknown) => (typeof v === 'string' ? v : '');
const field = (item: Item, path: string): unknown => path.split('.').reduce<any>((v, k) => (v && typeof v === 'object' ? v[k] : undefined), item);

export const filtersAndSort: ScenarioCheck = {
  id: 'filters_and_sort',
  kind: 'scenario',
  inline: false,
  severity: 'high',
  description:
    "Every filter of the invoice list (status, customer, currency, number, search, issue/due/created date ranges) returns exactly the items the contract's semantics select from a full walk, and every documented sort key in both directions gives the documented order with a stable id tie-break.",
  requires: ['writes'],
  operations: ['createCustomer', 'createInvoice', 'listInvoices', 'markInvoiceSent', 'recordPayment', 'voidInvoice'],
  async run(ctx) {
    const s = new Scenario(ctx, 'filters_and_sort');
    const tag = ctx.options.runTag;
    const customer = await ctx.resources.customer();

    // Invoices brought into their statuses through the API, each chain in order, chains side by side.
    const created = await inBatches(PLAN, 4, async (plan, i) => {
      const invoice = await s.must('createInvoice', {
        json: {
          customer_id: customer,
          number: `${tag}-fs-${SUFFIXES[i]}`,
          currency: plan.currency,
          title: ctx.resources.label(plan.zephyr ? 'filters ZePhYr' : 'filters orchard'),
          issue_date: plan.issue,
          due_date: plan.due,
          line_items: [{ description: 'Filter probe', quantity: 1, unit_price: plan.price }],
        },
        label: `create invoice ${i + 1}/${PLAN.length} (${plan.state})`,
      });
      const id = String(invoice?.id);
      if (plan.state === 'draft') return id;
      const sent = await s.must('markInvoiceSent', { params: { invoice_id: id }, label: `mark invoice ${i + 1} sent` });
      const due = Number(sent?.amount_due);
      if (plan.state === 'partially_paid') await s.must('recordPayment', { params: { invoice_id: id }, json: { amount: Math.max(1, Math.floor(due / 3)) }, label: `pay a third of invoice ${i + 1}` });
      if (plan.state === 'paid') await s.must('recordPayment', { params: { invoice_id: id }, json: { amount: due }, label: `pay invoice ${i + 1} in full` });
      if (plan.state === 'void') await s.must('voidInvoice', { params: { invoice_id: id }, label: `void invoice ${i + 1}` });
      return id;
    });

    // The full walk of the customer's invoices: the customer filter against what was created, and the ground truth of the others.
    const full = await walkAll(s, 'listInvoices', { customer_id: customer }, `all invoices of customer ${customer}`);
    let failed = false;
    const fail = (exchange: Exchange, f: { rule: string; cause: string; expected: string; got: string }) => {
      failed = true;
      s.fail(exchange, { ...f, operationId: 'listInvoices' });
    };
    if (full.problem) {
      fail(full.last, { rule: `The invoice list filtered by customer_id answers a page of invoices (${RULE_FILTER})`, cause: 'customer filter: no list', expected: '200 with a data array', got: full.problem });
      return;
    }
    const all = full.items;
    {
      const ids = all.map((i) => i.id);
      const missing = created.filter((id) => !ids.includes(id));
      const foreign = all.filter((i) => i.customer_id !== customer);
      if (missing.length || foreign.length || ids.length !== created.length) {
        fail(full.last, {
          rule: `customer_id returns exactly that customer's invoices (${RULE_FILTER})`,
          cause: 'filter customer_id: wrong items',
          expected: `the ${created.length} invoices created for ${customer}: ${created.join(', ')}`,
          got: [missing.length && `missing: ${missing.join(', ')}`, foreign.length && `of other customers: ${idList(foreign)}`, ids.length !== created.length && `${ids.length} invoice(s) listed: ${idList(all)}`].filter(Boolean).join('; '),
        });
        return; // without a trustworthy full walk the other filters cannot be judged
      }
    }

    const has = (name: string) => hasQuery(s, 'listInvoices', name);
    const filters: Filter[] = [];
    const statuses = enumOfParameter(s, 'listInvoices', 'status');
    if (has('status')) {
      for (const status of statuses) filters.push({ name: `status=${status}`, query: { status }, matches: (i) => i.status === status });
      filters.push({ name: 'status=sent,overdue', query: { status: 'sent,overdue' }, matches: (i) => i.status === 'sent' || i.status === 'overdue' });
    }
    if (has('currency')) for (const currency of [...new Set(all.map((i) => text(i.currency)))].filter(Boolean).sort()) filters.push({ name: `currency=${currency}`, query: { currency }, matches: (i) => i.currency === currency });
    if (has('number')) {
      const number = text(all[Math.floor(all.length / 2)]?.number);
      if (number) filters.push({ name: `number=${number}`, query: { number }, matches: (i) => i.number === number });
    }
    if (has('search')) {
      // Case-insensitive substring of the number, the title, the customer's name or email.
      const searched = (needle: string) => (i: Item) => [i.number, i.title, field(i, 'customer.name'), field(i, 'customer.email')].some((v) => text(v).toLowerCase().includes(needle.toLowerCase()));
      const number = text(all[0]?.number);
      for (const needle of ['zephyr', number.slice(-4).toUpperCase()].filter((n) => n.length >= 3)) filters.push({ name: `search=${needle}`, query: { search: needle }, matches: searched(needle) });
    }
    // Inclusive ranges, bounded at values the list holds (and just past them, so that a bound can exclude everything).
    const range = (name: string, key: string, compare: (a: string, b: string) => number, beyond: (max: string) => string) => {
      if (!has(`${name}_from`) || !has(`${name}_to`)) return;
      const values = [...new Set(all.map((i) => text(i[key])).filter(Boolean))].sort(compare);
      if (!values.length) return;
      const mid = values[Math.floor(values.length / 2)]!;
      const low = values[Math.min(1, values.length - 1)]!;
      const high = values[Math.max(0, values.length - 2)]!;
      const inRange = (from?: string, to?: string) => (i: Item) => text(i[key]) !== '' && (from === undefined || compare(text(i[key]), from) >= 0) && (to === undefined || compare(text(i[key]), to) <= 0);
      filters.push({ name: `${name}_from=${mid}`, query: { [`${name}_from`]: mid }, matches: inRange(mid) });
      filters.push({ name: `${name}_to=${mid}`, query: { [`${name}_to`]: mid }, matches: inRange(undefined, mid) });
      filters.push({ name: `${name}_from=${low}&${name}_to=${high}`, query: { [`${name}_from`]: low, [`${name}_to`]: high }, matches: inRange(low, high) });
      const after = beyond(values[values.length - 1]!);
      filters.push({ name: `${name}_from=${after}`, query: { [`${name}_from`]: after }, matches: inRange(after) });
    };
    const nextDay = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    range('issue_date', 'issue_date', compareText, nextDay);
    range('due_date', 'due_date', compareText, nextDay);
    range('created_at', 'created_at', (a, b) => compareValues(a, b) ?? 0, (max) => new Date(Date.parse(max) + 1000).toISOString());

    await inBatches(filters, 4, async (filter) => {
      const got = await walkAll(s, 'listInvoices', { customer_id: customer, ...filter.query }, `filter ${filter.name}`);
      if (got.problem) {
        fail(got.last, { rule: `Every documented filter answers a page of invoices (${RULE_FILTER})`, cause: `filter ${filter.name.split('=')[0]}: no list`, expected: '200 with a data array', got: got.problem });
        return;
      }
      const expected = all.filter(filter.matches);
      const wrong = got.items.filter((i) => !filter.matches(i));
      const missing = expected.filter((e) => !got.items.some((i) => i.id === e.id));
      const what = filter.name.split('=')[0]!;
      if (wrong.length)
        fail(got.last, { rule: `Every invoice returned for ${filter.name} matches it (${RULE_FILTER})`, cause: `filter ${what}: item not matching`, expected: `only invoices matching ${filter.name}`, got: wrong.slice(0, 4).map((i) => `${i.id} (${describe(i)})`).join('; ') });
      if (missing.length)
        fail(got.last, { rule: `No invoice matching ${filter.name} is missing, compared with the full walk filtered by the contract's semantics (${RULE_FILTER})`, cause: `filter ${what}: match missing`, expected: `${expected.length} invoice(s): ${idList(expected)}`, got: `${got.items.length}: ${idList(got.items)}; missing ${missing.map((i) => `${i.id} (${describe(i)})`).join('; ')}` });
    });

    // Every documented sort key, both directions, and the default.
    const sorts = enumOfParameter(s, 'listInvoices', 'sort');
    const fallback = defaultOfParameter(s, 'listInvoices', 'sort');
    const orders: Array<{ sort?: string; effective: string }> = [...sorts.map((sort) => ({ sort, effective: sort })), ...(typeof fallback === 'string' ? [{ effective: fallback }] : [])];
    await inBatches(orders, 4, async ({ sort, effective }) => {
      const key = effective.replace(/^-/, '');
      const descending = effective.startsWith('-');
      // Amounts of different currencies do not compare: `total` is judged within one currency.
      const currency = key === 'total' ? 'USD' : undefined;
      const got = await walkAll(s, 'listInvoices', { customer_id: customer, ...(sort ? { sort } : {}), ...(currency ? { currency } : {}) }, `sort ${sort ?? `(default ${effective})`}`);
      const label = sort ? `sort=${sort}` : `no sort (default ${effective})`;
      if (got.problem) {
        fail(got.last, { rule: `Every documented sort answers a page of invoices (${RULE_SORT})`, cause: `sort ${effective}: no list`, expected: '200 with a data array', got: got.problem });
        return;
      }
      const expected = all.filter((i) => !currency || i.currency === currency);
      if (got.items.length !== expected.length || expected.some((e) => !got.items.some((i) => i.id === e.id))) {
        fail(got.last, { rule: `Sorting changes the order, never the items (${RULE_SORT})`, cause: `sort ${effective}: other items`, expected: `${expected.length} invoice(s): ${idList(expected)}`, got: `${got.items.length}: ${idList(got.items)}` });
        return;
      }
      const tieDirections = new Set<number>();
      for (let i = 1; i < got.items.length; i++) {
        const [a, b] = [got.items[i - 1]!, got.items[i]!];
        const c = compareValues(a[key], b[key]);
        if (c === undefined) continue;
        if ((descending ? -c : c) > 0) {
          fail(got.last, { rule: `${label} orders by ${key} ${descending ? 'descending' : 'ascending'} (${RULE_SORT})`, cause: `sort ${effective}: out of order`, expected: `${key} ${descending ? 'descending' : 'ascending'}`, got: `${a.id} (${key} ${JSON.stringify(a[key])}) before ${b.id} (${key} ${JSON.stringify(b[key])}) at position ${i - 1}` });
          return;
        }
        if (c === 0) tieDirections.add(compareText(a.id, b.id));
      }
      // Whether ties run by ascending id or follow the sort's direction, one list uses one rule.
      if (tieDirections.size > 1 || tieDirections.has(0)) {
        const ties = got.items.map((i) => `${i.id}=${JSON.stringify(i[key])}`).join(', ');
        fail(got.last, { rule: `${label} breaks ties by id, the same way throughout (${RULE_SORT})`, cause: `sort ${effective}: ties not broken by id`, expected: `items with equal ${key} ordered by id`, got: ties });
      }
    });
    if (!failed) s.pass('listInvoices');
  },
};

const describe = (i: Item) => ['status', 'currency', 'number', 'issue_date', 'due_date', 'created_at', 'title'].map((k) => `${k} ${JSON.stringify(i[k])}`).join(', ');
