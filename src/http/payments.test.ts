import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/harness.ts';
import { invoiceIn, newCustomer, newInvoice, ok } from './actions.test-helper.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

const at = (minutes: number) => new Date(Date.parse('2026-03-15T10:00:00.000Z') + minutes * 60_000).toISOString();

describe('payments', () => {
  it('records payments, recomputes the status each time, refuses overpayment, and lists oldest first', async () => {
    const inv = await invoiceIn(s, 'sent'); // 100.00 USD
    const path = `/api/v1/invoices/${inv.id}`;
    const first = await ok(s.post(`${path}/payments`, { amount: 2500, reference: 'TXN-1', notes: 'first' }), 201);
    expect(first.body).toMatchObject({ invoice_id: inv.id, amount: 2500, currency: 'USD', method: 'bank_transfer', reference: 'TXN-1', date: '2026-03-15', notes: 'first', source: 'api' });
    expect((await s.get(path)).body).toMatchObject({ status: 'partially_paid', amount_paid: 2500, amount_due: 7500, paid_at: null });

    const over = await s.post(`${path}/payments`, { amount: 7501 });
    expect(over.status).toBe(422);
    expect(over.body.code).toBe('overpayment');
    expect((await s.get(path)).body.amount_paid).toBe(2500);

    s.clock.advance(60_000);
    const second = await ok(s.post(`${path}/payments`, { amount: 5000, method: 'card', date: '2026-03-14' }), 201);
    s.clock.advance(60_000);
    const third = await ok(s.post(`${path}/payments`, { amount: 2500, method: 'cash' }), 201);
    const paid = (await s.get(path)).body;
    expect(paid).toMatchObject({ status: 'paid', amount_paid: 10000, amount_due: 0, paid_at: at(2) });
    expect(paid.payments.map((p: any) => p.id)).toEqual([first.body.id, second.body.id, third.body.id]);

    // Paid: no more payments.
    const refused = await s.post(`${path}/payments`, { amount: 1 });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('invalid_transition');

    const list = await ok(s.get(`${path}/payments`));
    expect(list.body.data.map((p: any) => p.id)).toEqual([first.body.id, second.body.id, third.body.id]);
    expect(list.body.pagination).toMatchObject({ total: 3, limit: 20, offset: 0, page: 1, total_pages: 1, has_next_page: false });
    const page1 = await ok(s.get(`${path}/payments`, { query: { limit: 2 } }));
    expect(page1.body.data.map((p: any) => p.id)).toEqual([first.body.id, second.body.id]);
    const page2 = await ok(s.get(`${path}/payments`, { query: { limit: 2, after: page1.body.pagination.end_cursor } }));
    expect(page2.body.data.map((p: any) => p.id)).toEqual([third.body.id]);
    const back = await ok(s.get(`${path}/payments`, { query: { limit: 2, before: page2.body.pagination.start_cursor } }));
    expect(back.body.data.map((p: any) => p.id)).toEqual([first.body.id, second.body.id]);
    const byPage = await ok(s.get(`${path}/payments`, { query: { limit: 2, page: 2 } }));
    expect(byPage.body.data.map((p: any) => p.id)).toEqual([third.body.id]);
    const mixed = await s.get(`${path}/payments`, { query: { limit: 2, page: 2, offset: 1 } });
    expect(mixed.status).toBe(400);
    expect(mixed.body.code).toBe('invalid_pagination');
    // A cursor of another invoice's list is refused.
    const other = await invoiceIn(s, 'partially_paid');
    const otherCursor = (await ok(s.get(`/api/v1/invoices/${other.id}/payments`))).body.pagination.end_cursor;
    const foreign = await s.get(`${path}/payments`, { query: { after: otherCursor } });
    expect(foreign.status).toBe(400);
    expect(foreign.body.code).toBe('invalid_cursor');

    // Deleting payments walks the status back and clears paid_at.
    s.clock.advance(60_000);
    await ok(s.del(`${path}/payments/${third.body.id}`), 204);
    expect((await s.get(path)).body).toMatchObject({ status: 'partially_paid', amount_paid: 7500, amount_due: 2500, paid_at: null });
    await ok(s.del(`${path}/payments/${first.body.id}`), 204);
    await ok(s.del(`${path}/payments/${second.body.id}`), 204);
    expect((await s.get(path)).body).toMatchObject({ status: 'sent', amount_paid: 0, amount_due: 10000, payments: [] });
    const missing = await s.del(`${path}/payments/${second.body.id}`);
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('not_found');
    s.clock.advance(-3 * 60_000);
  });

  it('a deleted payment returns a viewed invoice to viewed and an overdue one to overdue', async () => {
    for (const [setup, expected] of [['viewed', 'viewed'], ['overdue', 'overdue']] as const) {
      const inv = await invoiceIn(s, setup);
      const pay = await ok(s.post(`/api/v1/invoices/${inv.id}/payments`, { amount: 10000 }), 201);
      expect((await s.get(`/api/v1/invoices/${inv.id}`)).body.status).toBe('paid');
      await ok(s.del(`/api/v1/invoices/${inv.id}/payments/${pay.body.id}`), 204);
      expect((await s.get(`/api/v1/invoices/${inv.id}`)).body).toMatchObject({ status: expected, paid_at: null });
    }
  });

  it('refuses to delete a payment of a void invoice', async () => {
    const inv = await invoiceIn(s, 'partially_paid');
    await ok(s.post(`/api/v1/invoices/${inv.id}/void`));
    const before = (await s.get(`/api/v1/invoices/${inv.id}`)).body;
    const res = await s.del(`/api/v1/invoices/${inv.id}/payments/${before.payments[0].id}`);
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('invalid_transition');
    expect((await s.get(`/api/v1/invoices/${inv.id}`)).body).toEqual(before);
  });

  it('needs the payments scopes', async () => {
    const inv = await invoiceIn(s, 'sent');
    const token = await ok(s.post('/oauth/token', { grant_type: 'client_credentials', client_id: 'acme-client', client_secret: 'acme-secret', scope: 'invoices:write' }, { key: null }));
    const headers = { authorization: `Bearer ${token.body.access_token}` };
    const res = await s.post(`/api/v1/invoices/${inv.id}/payments`, { amount: 100 }, { headers });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('insufficient_scope');
    const markPaid = await s.post(`/api/v1/invoices/${inv.id}/mark-paid`, undefined, { headers });
    expect(markPaid.status).toBe(403);
  });
});

describe('credit notes', () => {
  it('numbers credit notes in their own per-tenant series, reduces the amount due and pays in full', async () => {
    const t = await startTestServer();
    try {
      const customer = await newCustomer(t);
      const inv = await invoiceIn(t, 'sent', customer.id);
      const invoicePreview = (await ok(t.get('/api/v1/invoices/next-number'))).body.number;
      const cn1 = await ok(t.post(`/api/v1/invoices/${inv.id}/credit-notes`, { amount: 1500, reason: 'Late delivery' }), 201);
      expect(cn1.body).toMatchObject({ number: 'CN-2026-0001', invoice_id: inv.id, customer_id: customer.id, currency: 'USD', amount: 1500, reason: 'Late delivery', issue_date: '2026-03-15', created_at: '2026-03-15T10:00:00.000Z' });
      expect(cn1.body.id).toMatch(/^cn_/);
      expect((await t.get(`/api/v1/invoices/${inv.id}`)).body).toMatchObject({ status: 'sent', amount_credited: 1500, amount_due: 8500 });
      // The invoice series is not touched by credit notes.
      expect((await ok(t.get('/api/v1/invoices/next-number'))).body.number).toBe(invoicePreview);

      const tooMuch = await t.post(`/api/v1/invoices/${inv.id}/credit-notes`, { amount: 8501 });
      expect(tooMuch.status).toBe(422);
      expect(tooMuch.body.code).toBe('credit_exceeds_balance');

      await ok(t.post(`/api/v1/invoices/${inv.id}/payments`, { amount: 3500 }), 201);
      // Without an amount, the whole amount due is credited: fully settled → paid.
      const cn2 = await ok(t.post(`/api/v1/invoices/${inv.id}/credit-notes`), 201);
      expect(cn2.body).toMatchObject({ number: 'CN-2026-0002', amount: 5000, reason: null });
      expect((await t.get(`/api/v1/invoices/${inv.id}`)).body).toMatchObject({ status: 'paid', amount_paid: 3500, amount_credited: 6500, amount_due: 0, paid_at: '2026-03-15T10:00:00.000Z' });

      const other = await invoiceIn(t, 'viewed', customer.id);
      const cn3 = await ok(t.post(`/api/v1/invoices/${other.id}/credit-notes`, { amount: 100 }), 201);
      expect(cn3.body.number).toBe('CN-2026-0003');
      // Another tenant has its own series.
      const globexCustomer = await ok(t.post('/api/v1/customers', { name: 'Globex', email: 'ap@globex.example' }, { key: 'ik_test_globex' }), 201);
      const globexInvoice = await ok(t.post('/api/v1/invoices', { customer_id: globexCustomer.body.id, line_items: [{ description: 'x', quantity: 1, unit_price: 500 }] }, { key: 'ik_test_globex' }), 201);
      await ok(t.post(`/api/v1/invoices/${globexInvoice.body.id}/mark-sent`, undefined, { key: 'ik_test_globex' }));
      const globexCn = await ok(t.post(`/api/v1/invoices/${globexInvoice.body.id}/credit-notes`, { amount: 100 }, { key: 'ik_test_globex' }), 201);
      expect(globexCn.body.number).toBe('CN-2026-0001');

      const list = await ok(t.get(`/api/v1/invoices/${inv.id}/credit-notes`));
      expect(list.body.data.map((c: any) => c.number)).toEqual(['CN-2026-0001', 'CN-2026-0002']);
      expect(list.body.pagination).toMatchObject({ total: 2, has_next_page: false });
      const embedded = (await t.get(`/api/v1/invoices/${inv.id}`)).body.credit_notes;
      expect(embedded).toEqual(list.body.data);

      // Paid → no more credit notes.
      const refused = await t.post(`/api/v1/invoices/${inv.id}/credit-notes`, { amount: 1 });
      expect(refused.status).toBe(409);
      expect(refused.body.code).toBe('invalid_transition');
    } finally {
      await t.close();
    }
  });

  it('restarts the credit-note series each year', async () => {
    const t = await startTestServer({ now: '2026-12-31T23:59:00.000Z' });
    try {
      const inv = await newInvoice(t, { issue_date: '2026-12-31', due_date: '2027-01-30' });
      await ok(t.post(`/api/v1/invoices/${inv.id}/mark-sent`));
      expect((await ok(t.post(`/api/v1/invoices/${inv.id}/credit-notes`, { amount: 100 }), 201)).body.number).toBe('CN-2026-0001');
      t.clock.advance(60_000);
      expect((await ok(t.post(`/api/v1/invoices/${inv.id}/credit-notes`, { amount: 100 }), 201)).body.number).toBe('CN-2027-0001');
    } finally {
      await t.close();
    }
  });

  it('refuses a credit note on a draft', async () => {
    const inv = await newInvoice(s);
    const res = await s.post(`/api/v1/invoices/${inv.id}/credit-notes`, { amount: 100 });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('invalid_transition');
  });
});

describe('totals and money flows in currencies with 2, 0 and 3 decimals (worked by hand)', () => {
  it('USD: the contract example (10 % discount, 10 % tax) is 4950.00', async () => {
    const inv = await newInvoice(s, {
      currency: 'USD',
      tax_rate: 10,
      discount: { type: 'percentage', percent: 10 },
      line_items: [
        { description: 'UI design', quantity: 1, unit_price: 300000 },
        { description: 'Development', quantity: 8, unit_price: 25000 },
      ],
    });
    // 300000: discount 30000, tax 10 % of 270000 = 27000, total 297000.
    // 200000: discount 20000, tax 10 % of 180000 = 18000, total 198000.
    expect(inv.line_items.map((l: any) => [l.amount, l.discount_amount, l.tax_amount, l.total])).toEqual([[300000, 30000, 27000, 297000], [200000, 20000, 18000, 198000]]);
    expect(inv).toMatchObject({ subtotal: 500000, discount_total: 50000, tax_total: 45000, total: 495000, amount_due: 495000 });
    await ok(s.post(`/api/v1/invoices/${inv.id}/mark-sent`));
    await ok(s.post(`/api/v1/invoices/${inv.id}/payments`, { amount: 200000 }), 201);
    await ok(s.post(`/api/v1/invoices/${inv.id}/credit-notes`, { amount: 45000 }), 201);
    // 495000 − 200000 − 45000 = 250000.
    expect((await s.get(`/api/v1/invoices/${inv.id}`)).body).toMatchObject({ status: 'partially_paid', amount_paid: 200000, amount_credited: 45000, amount_due: 250000 });
  });

  it('EUR: a fixed discount spread by largest remainder, 19 % tax, halves rounded away from zero', async () => {
    const inv = await newInvoice(s, {
      currency: 'EUR',
      tax_rate: 19,
      discount: { type: 'fixed', amount: 100 },
      line_items: [
        { description: 'A', quantity: 1, unit_price: 1000 },
        { description: 'B', quantity: 1, unit_price: 2000 },
        { description: 'C', quantity: 1, unit_price: 3000 },
      ],
    });
    // Shares of 100: 16.67, 33.33, 50 → floors 16, 33, 50 (99); the spare cent goes to A (remainder .67).
    // Tax: 983 × 19 % = 186.77 → 187; 1967 × 19 % = 373.73 → 374; 2950 × 19 % = 560.5 → 561.
    expect(inv.line_items.map((l: any) => [l.discount_amount, l.tax_amount, l.total])).toEqual([[17, 187, 1170], [33, 374, 2341], [50, 561, 3511]]);
    expect(inv).toMatchObject({ subtotal: 6000, discount_total: 100, tax_total: 1122, total: 7022 });
  });

  it('JPY (no minor unit): the contract example is 3798 yen, paid through mark-paid', async () => {
    const inv = await newInvoice(s, { currency: 'JPY', tax_rate: 8, discount: { type: 'percentage', percent: 5 }, line_items: [{ description: 'Consulting', quantity: 3, unit_price: 1234 }] });
    // 3 × 1234 = 3702; discount 185.1 → 185; tax 8 % of 3517 = 281.36 → 281; total 3798.
    expect(inv.line_items[0]).toMatchObject({ amount: 3702, discount_amount: 185, tax_amount: 281, total: 3798 });
    expect(inv).toMatchObject({ subtotal: 3702, discount_total: 185, tax_total: 281, total: 3798 });
    await ok(s.post(`/api/v1/invoices/${inv.id}/mark-sent`));
    await ok(s.post(`/api/v1/invoices/${inv.id}/payments`, { amount: 1000 }), 201);
    const paid = await ok(s.post(`/api/v1/invoices/${inv.id}/mark-paid`));
    expect(paid.body).toMatchObject({ status: 'paid', amount_paid: 3798, amount_due: 0 });
    expect(paid.body.payments.map((p: any) => [p.amount, p.currency, p.source])).toEqual([[1000, 'JPY', 'api'], [2798, 'JPY', 'mark_paid']]);
  });

  it('KWD (three decimals): 13.719 dinars, partly credited', async () => {
    const inv = await newInvoice(s, {
      currency: 'KWD',
      tax_rate: 5,
      discount: { type: 'percentage', percent: 7.5 },
      line_items: [
        { description: 'Licence', quantity: 2.5, unit_price: 1250 },
        { description: 'Support', quantity: 1, unit_price: 10999 },
      ],
    });
    // 2.5 × 1250 = 3125 fils; 7.5 % = 234.375 → 234; 5 % of 2891 = 144.55 → 145; total 3036.
    // 10999; 7.5 % = 824.925 → 825; 5 % of 10174 = 508.7 → 509; total 10683.
    expect(inv.line_items.map((l: any) => [l.amount, l.discount_amount, l.tax_amount, l.total])).toEqual([[3125, 234, 145, 3036], [10999, 825, 509, 10683]]);
    expect(inv).toMatchObject({ subtotal: 14124, discount_total: 1059, tax_total: 654, total: 13719 });
    await ok(s.post(`/api/v1/invoices/${inv.id}/mark-sent`));
    const cn = await ok(s.post(`/api/v1/invoices/${inv.id}/credit-notes`, { amount: 719 }), 201);
    expect(cn.body).toMatchObject({ currency: 'KWD', amount: 719 });
    expect((await s.get(`/api/v1/invoices/${inv.id}`)).body).toMatchObject({ amount_credited: 719, amount_due: 13000, status: 'sent' });
  });
});
