// GET /api/v1/invoices/{id} answers JSON kept per stored record (presentInvoiceJson): every
// change a client could see shows up in the very next read, with the harness clock frozen (so
// updated_at alone could not tell two versions apart).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/harness.ts';
import { invoiceIn, newCustomer, newInvoice, ok } from './actions.test-helper.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

/** Two reads in a row (the second one answered from what the first kept), both as JSON. */
async function readTwice(path: string) {
  const first = await ok(s.get(path));
  const second = await ok(s.get(path));
  expect(second.text).toBe(first.text);
  expect(second.headers['content-type']).toBe('application/json; charset=utf-8');
  return second.body;
}

describe('an invoice read again after a change', () => {
  it('shows a PATCH made within the same instant', async () => {
    const inv = await newInvoice(s, { title: 'Before' });
    const path = `/api/v1/invoices/${inv.id}`;
    expect((await readTwice(path)).title).toBe('Before');
    await ok(s.patch(path, { title: 'After' }));
    const after = await readTwice(path);
    expect(after.title).toBe('After');
    expect(after.updated_at).toBe(inv.updated_at); // the clock did not move: the version is not told by time
  });

  it("shows the customer's new name and email", async () => {
    const customer = await newCustomer(s, { name: 'Old Name', email: 'old@example.com' });
    const inv = await newInvoice(s, {}, customer.id);
    const path = `/api/v1/invoices/${inv.id}`;
    expect((await readTwice(path)).customer).toEqual({ id: customer.id, name: 'Old Name', email: 'old@example.com' });
    await ok(s.patch(`/api/v1/customers/${customer.id}`, { name: 'New Name', email: 'new@example.com' }));
    expect((await readTwice(path)).customer).toEqual({ id: customer.id, name: 'New Name', email: 'new@example.com' });
    s.store.removeCustomer('acme', customer.id);
    expect((await readTwice(path)).customer).toEqual({ id: customer.id, name: '(deleted customer)', email: null });
  });

  it('turns overdue when the clock passes the due date, and back when it returns', async () => {
    const inv = await invoiceIn(s, 'sent'); // due 2026-04-14
    const path = `/api/v1/invoices/${inv.id}`;
    expect((await readTwice(path)).status).toBe('sent');
    const start = s.clock.now();
    s.clock.freeze(new Date('2026-04-15T00:00:00.000Z'));
    try {
      expect((await readTwice(path)).status).toBe('overdue');
    } finally {
      s.clock.freeze(start);
    }
    expect((await readTwice(path)).status).toBe('sent');
  });

  it('shows a payment, and its removal', async () => {
    const inv = await invoiceIn(s, 'sent');
    const path = `/api/v1/invoices/${inv.id}`;
    expect(await readTwice(path)).toMatchObject({ amount_paid: 0, amount_due: 10000 });
    const payment = (await ok(s.post(`${path}/payments`, { amount: 2500 }), 201)).body;
    expect(await readTwice(path)).toMatchObject({ status: 'partially_paid', amount_paid: 2500, amount_due: 7500 });
    await ok(s.call('DELETE', `${path}/payments/${payment.id}`), 204);
    expect(await readTwice(path)).toMatchObject({ status: 'sent', amount_paid: 0, amount_due: 10000 });
  });

  it('shows the share link under the base URL the server is configured with now', async () => {
    const inv = await invoiceIn(s, 'sent');
    const path = `/api/v1/invoices/${inv.id}`;
    const before = await readTwice(path);
    expect(before.share_link.url.startsWith(s.base)).toBe(true);
    s.settings.publicUrl = 'https://billing.example';
    try {
      const token = new URL(before.share_link.url).pathname;
      expect((await readTwice(path)).share_link.url).toBe(`https://billing.example${token}`);
    } finally {
      delete s.settings.publicUrl;
    }
    await ok(s.post(`${path}/unpublish`));
    expect((await readTwice(path)).share_link).toBeNull();
  });

  it('keeps tenants and stores apart: the same id elsewhere is never answered from here', async () => {
    const inv = await newInvoice(s);
    await readTwice(`/api/v1/invoices/${inv.id}`);
    const globex = await s.get(`/api/v1/invoices/${inv.id}`, { key: 'ik_test_globex' });
    expect(globex.status).toBe(404);
    const other = await startTestServer();
    try {
      expect((await other.get(`/api/v1/invoices/${inv.id}`)).status).toBe(404);
      // The same id in another store (another app in this process), written there directly.
      other.store.putInvoice('acme', { ...s.store.getInvoice('acme', inv.id)!, title: 'Theirs' });
      expect((await other.get(`/api/v1/invoices/${inv.id}`)).body.title).toBe('Theirs');
      expect((await s.get(`/api/v1/invoices/${inv.id}`)).body.title).not.toBe('Theirs');
    } finally {
      await other.close();
    }
  });
});
