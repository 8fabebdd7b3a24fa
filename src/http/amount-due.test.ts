// What a void invoice owes, and how `sort=total` orders invoices of several currencies (issue 11
// item 10): the same answer in every representation, as the contract documents it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/harness.ts';
import { FUTURE_DUE, newCustomer, newInvoice, ok, pdfText, sharePath } from './actions.test-helper.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

/** The export row of one invoice, by column name. */
async function csvRowOf(id: string, currency: string): Promise<Record<string, string>> {
  const res = await ok(s.get('/api/v1/invoices/export', { query: { currency } }));
  const [header, ...rows] = (res.text as string).trim().split(/\r?\n/).map((line) => line.split(','));
  const row = rows.find((r) => r[0] === id)!;
  return Object.fromEntries(header!.map((name, i) => [name, row[i]!]));
}

describe('a void invoice owes nothing', () => {
  it('amount_due is 0 and total, amount_paid, amount_credited are kept, in JSON, list, CSV, PDF and share page', async () => {
    const inv = await newInvoice(s, { currency: 'CHF', line_items: [{ description: 'Audit', quantity: 1, unit_price: 123456 }] });
    const path = `/api/v1/invoices/${inv.id}`;
    const published = (await ok(s.post(`${path}/publish`))).body;
    await ok(s.post(`${path}/payments`, { amount: 23456 }), 201);
    const before = (await ok(s.get(path))).body;
    expect([before.status, before.total, before.amount_paid, before.amount_due]).toEqual(['partially_paid', 123456, 23456, 100000]);

    const voided = (await ok(s.post(`${path}/void`))).body;
    const money = (x: any) => [x.status, x.total, x.amount_paid, x.amount_credited, x.amount_due];
    expect(money(voided)).toEqual(['void', 123456, 23456, 0, 0]);
    expect(money((await ok(s.get(path))).body)).toEqual(['void', 123456, 23456, 0, 0]);
    const listed = (await ok(s.get('/api/v1/invoices', { query: { currency: 'CHF', status: 'void' } }))).body.data;
    expect(listed.map(money)).toEqual([['void', 123456, 23456, 0, 0]]);

    const row = await csvRowOf(inv.id, 'CHF');
    expect([row.status, row.total, row.amount_paid, row.amount_due]).toEqual(['void', '1234.56', '234.56', '0.00']);

    const pdf = await pdfText((await ok(s.get(`${path}/pdf`))).body as Buffer);
    expect(pdf).toMatch(/Amount due\s*CHF\s*0\.00/);
    expect(pdf).toMatch(/Total\s*CHF\s*1,?234\.56/);

    const page = (await ok(s.call('GET', sharePath(published), { key: null }))).text as string;
    expect(page).toMatch(/Amount due[\s\S]{0,200}CHF\s*0\.00/);
    expect(page).not.toMatch(/Amount due[\s\S]{0,200}1,?000\.00/);
  });

  it('a voided invoice with nothing paid keeps its total and owes 0; its copy owes its total again', async () => {
    const inv = await newInvoice(s, { currency: 'CHF' });
    await ok(s.post(`/api/v1/invoices/${inv.id}/mark-sent`));
    const voided = (await ok(s.post(`/api/v1/invoices/${inv.id}/void`))).body;
    expect([voided.total, voided.amount_due]).toEqual([10000, 0]);
    const copy = (await ok(s.post(`/api/v1/invoices/${inv.id}/duplicate`), 201)).body;
    expect([copy.status, copy.total, copy.amount_due]).toEqual(['draft', 10000, 10000]);
  });

  it('is never overdue, so status=overdue does not list it even past its due date', async () => {
    const inv = await newInvoice(s, { currency: 'CHF', issue_date: '2026-01-01', due_date: '2026-02-01' });
    await ok(s.post(`/api/v1/invoices/${inv.id}/mark-sent`));
    const overdue = async () => (await ok(s.get('/api/v1/invoices', { query: { status: 'overdue', currency: 'CHF', limit: 100 } }))).body.data.map((i: any) => i.id);
    expect(await overdue()).toContain(inv.id);
    await ok(s.post(`/api/v1/invoices/${inv.id}/void`));
    expect(await overdue()).not.toContain(inv.id);
  });
});

describe('sort=total across currencies', () => {
  it('orders by the integer total in minor units whatever the currency, then by id', async () => {
    const customer = (await newCustomer(s, { name: 'Sorted Ltd' })).id;
    const make = (currency: string, unit_price: number) => newInvoice(s, { ...FUTURE_DUE, currency, line_items: [{ description: 'x', quantity: 1, unit_price }] }, customer);
    // ¥1,000 (1000), $10.01 (1001), KWD 1.000 (1000), €9.99 (999), and a USD tie with the yen.
    const jpy = await make('JPY', 1000);
    const usd = await make('USD', 1001);
    const kwd = await make('KWD', 1000);
    const eur = await make('EUR', 999);
    const usdTie = await make('USD', 1000);
    const byId = (a: any, b: any) => (a.id < b.id ? -1 : 1);
    const expected = [eur, ...[jpy, kwd, usdTie].sort(byId), usd].map((i) => [i.currency, i.total]);

    const list = async (sort: string) => (await ok(s.get('/api/v1/invoices', { query: { customer_id: customer, sort, limit: 100 } }))).body.data.map((i: any) => [i.currency, i.total]);
    expect(await list('total')).toEqual(expected);
    expect(await list('-total')).toEqual([...expected].reverse());
    // The export follows the same order.
    const exported = (await ok(s.get('/api/v1/invoices/export', { query: { customer_id: customer, sort: 'total' } }))).text.trim().split(/\r?\n/).slice(1).map((line: string) => line.split(',')[0]);
    expect(exported).toEqual([eur, ...[jpy, kwd, usdTie].sort(byId), usd].map((i) => i.id));
  });
});
