import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/harness.ts';

let s: TestServer;
let customer: string;
let other: string;
const line = (unit_price: number, quantity = 1, extra: Record<string, unknown> = {}) => ({ description: `Work ${unit_price}`, quantity, unit_price, ...extra });

beforeAll(async () => {
  s = await startTestServer();
  customer = (await s.post('/api/v1/customers', { name: 'Acme Corp', email: 'ap@acme.example', currency: 'USD' })).body.id;
  other = (await s.post('/api/v1/customers', { name: 'Globex Inc', email: 'billing@globex.example' })).body.id;
});
afterAll(() => s.close());

describe('create and read', () => {
  it('computes totals with the contract formula (USD worked example) and numbers the invoice', async () => {
    const res = await s.post('/api/v1/invoices', {
      customer_id: customer,
      title: 'Web development — March',
      tax_rate: 10,
      discount: { type: 'percentage', percent: 10 },
      line_items: [line(300000, 1), line(25000, 8)],
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      number: 'INV-2026-0001',
      status: 'draft',
      currency: 'USD',
      issue_date: '2026-03-15',
      due_date: '2026-03-15',
      subtotal: 500000,
      discount_total: 50000,
      tax_total: 45000,
      total: 495000,
      amount_due: 495000,
      customer: { id: customer, name: 'Acme Corp', email: 'ap@acme.example' },
    });
    expect(res.body.line_items.map((l: any) => [l.amount, l.discount_amount, l.tax_amount, l.total])).toEqual([
      [300000, 30000, 27000, 297000],
      [200000, 20000, 18000, 198000],
    ]);
    const got = await s.get(`/api/v1/invoices/${res.body.id}`);
    expect(got.body).toEqual(res.body);
  });

  it('JPY has no minor unit: 3 × 1234, 5 % discount, 8 % tax = 3798', async () => {
    const res = await s.post('/api/v1/invoices', { customer_id: customer, currency: 'JPY', discount: { type: 'percentage', percent: 5 }, line_items: [line(1234, 3, { tax_rate: 8 })] });
    expect(res.body).toMatchObject({ subtotal: 3702, discount_total: 185, tax_total: 281, total: 3798 });
  });

  it('rounds half away from zero: 1.5 × 333 = 500', async () => {
    const res = await s.post('/api/v1/invoices', { customer_id: customer, line_items: [line(333, 1.5)] });
    expect(res.body.total).toBe(500);
  });

  it('refuses totals sent by the client, unknown customers, unknown currencies and bad dates', async () => {
    const withTotal = await s.post('/api/v1/invoices', { customer_id: customer, total: 1, line_items: [line(100)] });
    expect(withTotal.status).toBe(400);
    expect(withTotal.body.errors[0].pointer).toBe('/body/total');
    const unknown = await s.post('/api/v1/invoices', { customer_id: 'cus_nope', line_items: [line(100)] });
    expect([unknown.status, unknown.body.code]).toEqual([422, 'unknown_customer']);
    const currency = await s.post('/api/v1/invoices', { customer_id: customer, currency: 'XYZ', line_items: [line(100)] });
    expect([currency.status, currency.body.code]).toEqual([422, 'unknown_currency']);
    const dates = await s.post('/api/v1/invoices', { customer_id: customer, issue_date: '2026-03-10', due_date: '2026-03-01', line_items: [line(100)] });
    expect([dates.status, dates.body.errors[0].pointer]).toEqual([400, '/body/due_date']);
    const quantity = await s.post('/api/v1/invoices', { customer_id: customer, line_items: [line(100, 1.0005)] });
    expect([quantity.status, quantity.body.errors[0].pointer]).toEqual([400, '/body/line_items/0/quantity']);
  });

  it('takes an explicit number, refuses a duplicate one, and the series skips numbers taken', async () => {
    const preview = (await s.get('/api/v1/invoices/next-number')).body;
    expect(preview.pattern).toBe('INV-{YYYY}-{SEQ4}');
    const taken = preview.number;
    const explicit = await s.post('/api/v1/invoices', { customer_id: customer, number: taken, line_items: [line(100)] });
    expect(explicit.body.number).toBe(taken);
    const dup = await s.post('/api/v1/invoices', { customer_id: customer, number: taken, line_items: [line(100)] });
    expect([dup.status, dup.body.code]).toEqual([409, 'duplicate_number']);
    const nextPreview = (await s.get('/api/v1/invoices/next-number')).body.number;
    expect(nextPreview).not.toBe(taken);
    const next = await s.post('/api/v1/invoices', { customer_id: customer, line_items: [line(100)] });
    expect(next.body.number).toBe(nextPreview);
  });
});

describe('edit', () => {
  it('PATCH changes a draft and recomputes totals; PUT replaces it', async () => {
    const inv = (await s.post('/api/v1/invoices', { customer_id: customer, line_items: [line(1000)] })).body;
    const patched = await s.patch(`/api/v1/invoices/${inv.id}`, { line_items: [line(1000, 2)], notes: 'Two now' });
    expect(patched.body).toMatchObject({ total: 2000, notes: 'Two now', number: inv.number });
    const replaced = await s.put(`/api/v1/invoices/${inv.id}`, { customer_id: other, currency: 'EUR', line_items: [line(700, 3)] });
    expect(replaced.body).toMatchObject({ customer_id: other, currency: 'EUR', total: 2100, notes: null, number: inv.number });
  });

  it('only notes, internal notes, due date and terms change after sending; nothing after paid', async () => {
    const inv = (await s.post('/api/v1/invoices', { customer_id: customer, line_items: [line(1000)] })).body;
    // Mark as sent directly in the store: the action endpoints are covered by their own tests.
    const record = s.store.getInvoice('acme', inv.id)!;
    s.store.putInvoice('acme', { ...record, stored_status: 'sent', sent_at: '2026-03-15T10:00:00.000Z' });
    const ok = await s.patch(`/api/v1/invoices/${inv.id}`, { notes: 'Reminder', due_date: '2026-04-30' });
    expect(ok.body).toMatchObject({ status: 'sent', notes: 'Reminder', due_date: '2026-04-30' });
    const refused = await s.patch(`/api/v1/invoices/${inv.id}`, { line_items: [line(5)] });
    expect([refused.status, refused.body.code]).toEqual([409, 'invoice_not_editable']);
    const put = await s.put(`/api/v1/invoices/${inv.id}`, { customer_id: customer, line_items: [line(5)] });
    expect([put.status, put.body.code]).toEqual([409, 'invoice_not_editable']);
    expect((await s.get(`/api/v1/invoices/${inv.id}`)).body.total).toBe(1000);
  });

  it('a due date in the past makes a sent invoice overdue by the clock', async () => {
    const inv = (await s.post('/api/v1/invoices', { customer_id: customer, issue_date: '2026-03-01', due_date: '2026-03-31', line_items: [line(1000)] })).body;
    const record = s.store.getInvoice('acme', inv.id)!;
    s.store.putInvoice('acme', { ...record, stored_status: 'sent' });
    expect((await s.get(`/api/v1/invoices/${inv.id}`)).body.status).toBe('sent');
    s.clock.freeze(new Date('2026-04-01T00:00:01.000Z'));
    expect((await s.get(`/api/v1/invoices/${inv.id}`)).body.status).toBe('overdue');
    s.clock.freeze(new Date('2026-03-15T10:00:00.000Z'));
  });
});

describe('trash', () => {
  it('delete moves to the trash, restore brings it back, permanent delete only from the trash', async () => {
    const inv = (await s.post('/api/v1/invoices', { customer_id: customer, line_items: [line(1000)] })).body;
    const notTrashed = await s.del(`/api/v1/invoices/${inv.id}`, { query: { permanent: true } });
    expect([notTrashed.status, notTrashed.body.code]).toEqual([409, 'invoice_not_in_trash']);
    expect((await s.del(`/api/v1/invoices/${inv.id}`)).status).toBe(204);
    const listed = await s.get('/api/v1/invoices', { query: { number: inv.number } });
    expect(listed.body.data).toEqual([]);
    const trash = await s.get('/api/v1/invoices/trash', { query: { number: inv.number } });
    expect(trash.body.data.map((i: any) => i.id)).toEqual([inv.id]);
    expect(trash.body.data[0].deleted_at).toBe('2026-03-15T10:00:00.000Z');
    const edit = await s.patch(`/api/v1/invoices/${inv.id}`, { notes: 'x' });
    expect([edit.status, edit.body.code]).toEqual([409, 'invoice_in_trash']);
    const restored = await s.post(`/api/v1/invoices/${inv.id}/restore`);
    expect(restored.body).toMatchObject({ id: inv.id, deleted_at: null, status: 'draft' });
    await s.del(`/api/v1/invoices/${inv.id}`);
    expect((await s.del(`/api/v1/invoices/${inv.id}`, { query: { permanent: true } })).status).toBe(204);
    expect((await s.get(`/api/v1/invoices/${inv.id}`)).status).toBe(404);
  });

  it('refuses to trash an invoice with payments', async () => {
    const inv = (await s.post('/api/v1/invoices', { customer_id: customer, line_items: [line(1000)] })).body;
    const record = s.store.getInvoice('acme', inv.id)!;
    s.store.putInvoice('acme', { ...record, stored_status: 'partially_paid', amount_paid: 100, amount_due: 900 });
    const res = await s.del(`/api/v1/invoices/${inv.id}`);
    expect([res.status, res.body.code]).toEqual([409, 'invoice_has_payments']);
  });
});

describe('tax rate inheritance', () => {
  it('a new invoice default reaches the lines that inherit it, not lines with their own rate', async () => {
    const inv = (await s.post('/api/v1/invoices', { customer_id: customer, tax_rate: 10, line_items: [line(1000), line(1000, 1, { tax_rate: 5 })] })).body;
    expect(inv.line_items.map((l: any) => l.tax_amount)).toEqual([100, 50]);
    const patched = (await s.patch(`/api/v1/invoices/${inv.id}`, { tax_rate: 20 })).body;
    expect(patched.line_items.map((l: any) => [l.tax_rate, l.tax_amount])).toEqual([[20, 200], [5, 50]]);
    expect(patched.total).toBe(2250);
    const copy = (await s.post(`/api/v1/invoices/${inv.id}/duplicate`)).body;
    expect(copy.line_items.map((l: any) => l.tax_rate)).toEqual([20, 5]);
    const cleared = (await s.patch(`/api/v1/invoices/${copy.id}`, { tax_rate: null })).body;
    expect(cleared.line_items.map((l: any) => l.tax_amount)).toEqual([0, 50]);
  });
});
