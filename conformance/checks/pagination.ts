import { Scenario } from '../scenario.ts';
import type { Exchange, ScenarioCheck } from '../types.ts';
import { cursorOf, duplicatesOf, enumOfParameter, hasQuery, idList, inBatches, isPage, readPage, type Item, type Page } from './list-pages.ts';
import { problemCode, statusText } from './util.ts';

const LIMIT = 3;
const INVOICES = 10; // 4 pages of 3: the last one short
const CUSTOMERS = 7; // 3 pages of 3: the last one short
const RULE = 'contract: Pagination';

/** A filtered list whose every item this check created, so its exact content is known. */
type ListUnderTest = { what: string; operationId: string; query: Record<string, string>; expected: string[] };

/** One character changed, away from the end (a base64 tail may carry padding bits): no server issued this. */
function forge(cursor: string): string {
  const i = Math.floor(cursor.length / 3);
  return cursor.slice(0, i) + (cursor[i] === '0' ? '1' : '0') + cursor.slice(i + 1);
}

export const pagination: ScenarioCheck = {
  id: 'pagination',
  kind: 'scenario',
  inline: false,
  severity: 'high',
  description:
    'Offset, page and cursor walks (after forwards, before backwards) of the same filtered list give the same items in the same order, without duplicates or gaps, with the right total, page size and has_next_page/has_previous_page; a page past the end is empty and says so; forged and foreign cursors are 400 invalid_cursor, two ways of paging at once 400 invalid_pagination.',
  requires: ['writes'],
  operations: ['createCustomer', 'createInvoice', 'listInvoices', 'listCustomers'],
  async run(ctx) {
    const s = new Scenario(ctx, 'pagination');
    const tag = ctx.options.runTag;

    // Invoices of one fresh customer (due dates with ties, so a cursor must break them by id), and
    // customers found by a marker no other customer carries.
    const customer = await ctx.resources.customer();
    const dueDates = ['2031-01-10', '2031-01-10', '2031-02-10'];
    const invoices = await inBatches(Array.from({ length: INVOICES }, (_, i) => i), 4, async (i) =>
      s.must('createInvoice', {
        json: { customer_id: customer, currency: 'USD', title: ctx.resources.label(`pagination ${i + 1}`), issue_date: '2031-01-01', due_date: dueDates[i % dueDates.length], line_items: [{ description: 'Pagination probe', quantity: 1, unit_price: 1000 + i }] },
        label: `create invoice ${i + 1}/${INVOICES}`,
      }),
    );
    const marker = `pgwalk-${tag}`;
    const customers = await inBatches(Array.from({ length: CUSTOMERS }, (_, i) => i), 4, async (i) => s.must('createCustomer', { json: { name: `${ctx.resources.label('customer')} ${marker}` }, label: `create customer ${i + 1}/${CUSTOMERS}` }));
    const ids = (bodies: any[]) => bodies.map((b) => (b && typeof b === 'object' && typeof b.id === 'string' ? (b.id as string) : '(no id)'));

    const lists: ListUnderTest[] = [
      { what: `invoices of customer ${customer}`, operationId: 'listInvoices', query: { customer_id: customer }, expected: ids(invoices) },
      { what: `invoices of customer ${customer} by due_date`, operationId: 'listInvoices', query: { customer_id: customer, sort: 'due_date' }, expected: ids(invoices) },
      { what: `customers matching '${marker}'`, operationId: 'listCustomers', query: { search: marker }, expected: ids(customers) },
    ];
    // Only what the contract documents: a list without the filter or sort is not walked.
    const walks = await Promise.all(lists.map((list) => (Object.keys(list.query).every((name) => hasQuery(s, list.operationId, name)) && (!list.query.sort || enumOfParameter(s, list.operationId, 'sort').includes(list.query.sort)) ? walkEveryWay(s, list) : undefined)));

    // Cursors of another list, filter or sort are foreign to the invoice list.
    const [invoiceWalk, byDueDateWalk, customerWalk] = walks;
    const invoiceList = lists[0]!;
    const refusals: Array<Promise<boolean>> = [];
    const refuse = (list: ListUnderTest, query: Record<string, string>, code: string, why: string) =>
      refusals.push(
        s.call(list.operationId, { query: { ...list.query, limit: String(LIMIT), ...query }, label: why }).then((ex) => {
          if (ex.response?.status === 400 && ex.response && problemCode(ex.response) === code) return true;
          const rule =
            code === 'invalid_cursor'
              ? `A cursor that was not issued by this server for this list, tenant, filters and sort is a 400 invalid_cursor (${RULE})`
              : `Sending two of offset, page, after and before is a 400 invalid_pagination (${RULE})`;
          s.fail(ex, { rule, cause: `${list.operationId}: ${why} not refused`, expected: `400 ${code} for ${why}`, got: ex.response ? statusText(ex.response) : '(no answer)' });
          return false;
        }),
      );
    for (const [list, walk] of [
      [invoiceList, invoiceWalk],
      [lists[2]!, customerWalk],
    ] as const) {
      const cursor = walk?.someCursor;
      if (!cursor) continue; // the walk already failed for want of cursors
      refuse(list, { after: forge(cursor) }, 'invalid_cursor', 'a forged after cursor');
      refuse(list, { before: forge(cursor) }, 'invalid_cursor', 'a forged before cursor');
      refuse(list, { offset: '0', page: '1' }, 'invalid_pagination', 'offset and page together');
      refuse(list, { page: '1', after: cursor }, 'invalid_pagination', 'page and after together');
      refuse(list, { offset: '0', before: cursor }, 'invalid_pagination', 'offset and before together');
    }
    const foreign = (cursor: string | undefined, of: string) => cursor && refuse(invoiceList, { after: cursor }, 'invalid_cursor', `a cursor of ${of}`);
    foreign(customerWalk?.someCursor, 'the customer list');
    foreign(byDueDateWalk?.someCursor, 'the same invoices sorted by due_date');
    const otherFilter = await s.call('listInvoices', { query: { ...invoiceList.query, currency: 'USD', limit: String(LIMIT) }, label: 'a page of the same invoices filtered by currency too' });
    const otherPage = readPage(otherFilter);
    foreign(isPage(otherPage) ? cursorOf(otherPage.pagination.end_cursor) : undefined, 'the same invoices filtered by currency too');
    const refused = await Promise.all(refusals);

    if (invoiceWalk?.ok && byDueDateWalk?.ok && refused.every(Boolean)) s.pass('listInvoices');
    if (customerWalk?.ok && refused.every(Boolean)) s.pass('listCustomers');
  },
};

/**
 * Walks one list by offset, by page, forwards with `after` and backwards with `before`, judging
 * every page; returns whether all held and a cursor the list issued (for the refusal probes).
 */
async function walkEveryWay(s: Scenario, list: ListUnderTest): Promise<{ ok: boolean; someCursor?: string }> {
  const n = list.expected.length;
  const pages = Math.ceil(n / LIMIT);
  let ok = true;
  const fail = (exchange: Exchange, rule: string, cause: string, expected: string, got: string) => {
    ok = false;
    s.fail(exchange, { rule: `${rule} (${RULE})`, cause: `${list.operationId}: ${cause}`, expected, got, operationId: list.operationId });
  };
  const call = (query: Record<string, string>, label: string) => s.call(list.operationId, { query: { ...list.query, limit: String(LIMIT), ...query }, label: `${list.what}: ${label}` });
  const asPage = (exchange: Exchange, how: string): Page | undefined => {
    const page = readPage(exchange);
    if (isPage(page)) return page;
    fail(exchange, `Every list answers 200 with { data, pagination } whichever way of paging is used`, `${how}: no page`, '200 with a data array', page.problem);
    return undefined;
  };

  /** The flags and counts of a page whose first item sits at `position` of the whole list. */
  const judgePage = (page: Page, how: string, position: number, size = Math.max(0, Math.min(LIMIT, n - position))) => {
    const p = page.pagination;
    const label = `${how}, page at position ${position}`;
    if (p.total !== n) fail(page.exchange, 'pagination.total is how many items match the filters in all', `${how}: wrong total`, `total ${n} (the items created for ${list.what})`, `total ${JSON.stringify(p.total)} (${label})`);
    if (page.data.length !== size) fail(page.exchange, 'A page holds `limit` items, fewer only where the list ends', `${how}: page size not honoured`, `${size} item(s) at limit ${LIMIT} (${label})`, `${page.data.length}: ${idList(page.data)}`);
    const hasNext = position + page.data.length < n;
    if (p.has_next_page !== hasNext) fail(page.exchange, 'has_next_page says whether items follow this page', `${how}: wrong has_next_page`, `has_next_page ${hasNext} (${label} of ${n})`, `has_next_page ${JSON.stringify(p.has_next_page)}`);
    const hasPrevious = position > 0;
    if (p.has_previous_page !== hasPrevious) fail(page.exchange, 'has_previous_page says whether items precede this page', `${how}: wrong has_previous_page`, `has_previous_page ${hasPrevious} (${label})`, `has_previous_page ${JSON.stringify(p.has_previous_page)}`);
    const where = { offset: position, page: Math.floor(position / LIMIT) + 1, total_pages: pages, limit: LIMIT };
    const wrong = Object.entries(where).filter(([k, v]) => p[k as keyof typeof p] !== v);
    if (page.data.length && wrong.length) fail(page.exchange, 'pagination.offset is the position of the first item, page is floor(offset / limit) + 1, total_pages is ceil(total / limit)', `${how}: wrong position fields`, wrong.map(([k, v]) => `${k} ${v}`).join(', ') + ` (${label})`, wrong.map(([k]) => `${k} ${JSON.stringify(p[k as keyof typeof p])}`).join(', '));
  };
  /** A page past either end: empty, and its flags say there is nothing further that way. */
  const judgeBeyond = (page: Page, how: string, direction: 'end' | 'start') => {
    const p = page.pagination;
    const flag = direction === 'end' ? 'has_next_page' : 'has_previous_page';
    const problems = [
      ...(page.data.length ? [`${page.data.length} item(s): ${idList(page.data)}`] : []),
      ...(p[flag] !== false ? [`${flag} ${JSON.stringify(p[flag])}`] : []),
      ...(p.start_cursor !== null || p.end_cursor !== null ? ['cursors not null'] : []),
      ...(p.total !== n ? [`total ${JSON.stringify(p.total)}`] : []),
    ];
    if (problems.length) fail(page.exchange, `A page past the ${direction} of the list is empty, says ${flag} false, has null cursors and the same total`, `${how}: page past the ${direction}`, `no items, ${flag} false, null cursors, total ${n}`, problems.join('; '));
  };
  /** The walked sequence holds every expected item once. */
  const judgeSequence = (items: Item[], how: string, exchange: Exchange): boolean => {
    const got = items.map((i) => i.id);
    const duplicates = duplicatesOf(got);
    const missing = list.expected.filter((id) => !got.includes(id));
    const extra = got.filter((id) => !list.expected.includes(id));
    if (!duplicates.length && !missing.length && !extra.length) return true;
    fail(
      exchange,
      'Walking a list page by page gives every item exactly once: no duplicates, no gaps',
      `${how}: duplicates or gaps`,
      `the ${n} items created for ${list.what}, each once`,
      [duplicates.length && `duplicated: ${duplicates.join(', ')}`, missing.length && `missing: ${missing.join(', ')}`, extra.length && `not created for this list: ${extra.slice(0, 5).join(', ')}`].filter(Boolean).join('; '),
    );
    return false;
  };

  // By offset and by page: every page is known in advance, fetched at once, plus one past the end.
  const positional = async (how: 'offset' | 'page') => {
    const answers = await Promise.all(Array.from({ length: pages + 1 }, (_, k) => call(how === 'offset' ? { offset: String(k * LIMIT) } : { page: String(k + 1) }, `${how} ${how === 'offset' ? k * LIMIT : k + 1}`)));
    const items: Item[] = [];
    for (const [k, exchange] of answers.entries()) {
      const page = asPage(exchange, `${how} walk`);
      if (!page) return undefined;
      if (k === pages) judgeBeyond(page, `${how} walk`, 'end');
      else {
        judgePage(page, `${how} walk`, k * LIMIT);
        items.push(...page.data);
      }
    }
    return { items, first: readPage(answers[0]!) as Page, last: answers[answers.length - 1]! };
  };
  const [byOffset, byPage] = await Promise.all([positional('offset'), positional('page')]);

  // Forwards with after = end_cursor, then once more past the last page.
  const forwards: Item[] = [];
  let lastForward: Page | undefined;
  let after: string | undefined;
  for (let k = 0; k <= pages; k++) {
    const page = asPage(await call(after ? { after } : {}, after ? 'after the previous end_cursor' : 'first page, no paging parameter'), 'cursor walk');
    if (!page) break;
    if (after && !page.data.length) {
      // The previous page said items follow, and none did: that page's has_next_page was already judged.
      judgeBeyond(page, 'cursor walk (after the last page)', 'end');
      break;
    }
    judgePage(page, 'cursor walk (after)', forwards.length);
    forwards.push(...page.data);
    lastForward = page;
    if (page.pagination.has_next_page !== true) break;
    after = cursorOf(page.pagination.end_cursor);
    if (!after) {
      fail(page.exchange, 'A page with items has an end_cursor to pass as after', 'cursor walk: no end_cursor', 'an end_cursor', JSON.stringify(page.pagination.end_cursor));
      break;
    }
  }
  const endCursor = cursorOf(lastForward?.pagination.end_cursor);
  if (endCursor && lastForward?.pagination.has_next_page !== true) {
    const beyond = asPage(await call({ after: endCursor }, 'after the last page'), 'cursor walk');
    if (beyond) judgeBeyond(beyond, 'cursor walk (after the last page)', 'end');
  }

  // Backwards with before = start_cursor, from the last page to the first, then once more before it.
  const backwards: Item[] = lastForward ? [...lastForward.data] : [];
  let before = cursorOf(lastForward?.pagination.start_cursor);
  let firstBackward: Page | undefined;
  for (let k = 0; before && k < pages; k++) {
    const end = n - backwards.length; // how many items precede this page, if all went well
    if (end <= 0) break;
    const page = asPage(await call({ before }, 'before the next start_cursor'), 'backward walk');
    if (!page) break;
    judgePage(page, 'backward walk (before)', Math.max(0, end - LIMIT), Math.min(LIMIT, end));
    backwards.unshift(...page.data);
    firstBackward = page;
    if (page.pagination.has_previous_page !== true) break;
    before = cursorOf(page.pagination.start_cursor);
  }
  const startCursor = cursorOf(firstBackward?.pagination.start_cursor);
  if (startCursor) {
    const beyond = asPage(await call({ before: startCursor }, 'before the first page'), 'backward walk');
    if (beyond) judgeBeyond(beyond, 'backward walk (before the first page)', 'start');
  }

  // The same items in the same order, whichever way.
  if (byOffset && judgeSequence(byOffset.items, 'offset walk', byOffset.last)) {
    const reference = byOffset.items.map((i) => i.id);
    const ways: Array<[string, Item[] | undefined, Exchange | undefined]> = [
      ['page walk', byPage?.items, byPage?.last],
      ['cursor walk (after)', forwards, lastForward?.exchange],
      ['backward walk (before)', backwards, firstBackward?.exchange ?? lastForward?.exchange],
    ];
    for (const [how, items, exchange] of ways) {
      if (!items || !exchange || !judgeSequence(items, how, exchange)) continue;
      const at = items.findIndex((item, i) => item.id !== reference[i]);
      if (at >= 0) fail(exchange, 'Offset, page and cursor walks of the same list give the same items in the same order', `${how}: another order than the offset walk`, `the offset walk's order: ${reference.join(', ')}`, `${items.map((i) => i.id).join(', ')} (first difference at position ${at})`);
    }
  }
  const someCursor = cursorOf(byOffset?.first.pagination.end_cursor) ?? cursorOf(lastForward?.pagination.end_cursor);
  return { ok, ...(someCursor ? { someCursor } : {}) };
}
