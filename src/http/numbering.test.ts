import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/harness.ts';
import { newCustomer, ok } from './actions.test-helper.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

const seq = (n: number) => `INV-2026-${String(n).padStart(4, '0')}`;

describe('numbering under concurrency', () => {
  it('50 parallel creates and 50 parallel duplicates get unique, gap-free numbers; the preview matches the next create', async () => {
    const customer = await newCustomer(s);
    const body = { customer_id: customer.id, line_items: [{ description: 'x', quantity: 1, unit_price: 100 }] };
    expect((await ok(s.get('/api/v1/invoices/next-number'))).body).toEqual({ number: seq(1), pattern: 'INV-{YYYY}-{SEQ4}' });

    const created = await Promise.all(Array.from({ length: 50 }, () => ok(s.post('/api/v1/invoices', body), 201)));
    const createdNumbers = created.map((r) => r.body.number).sort();
    expect(createdNumbers).toEqual(Array.from({ length: 50 }, (_, i) => seq(i + 1)));

    const preview = (await ok(s.get('/api/v1/invoices/next-number'))).body.number;
    expect(preview).toBe(seq(51));
    const source = created[0]!.body;
    await ok(s.post(`/api/v1/invoices/${source.id}/mark-sent`));
    const copies = await Promise.all(Array.from({ length: 50 }, (_, i) => ok(s.post(`/api/v1/invoices/${created[i % 10]!.body.id}/duplicate`), 201)));
    const copyNumbers = copies.map((r) => r.body.number).sort();
    expect(copyNumbers[0]).toBe(preview);
    expect(copyNumbers).toEqual(Array.from({ length: 50 }, (_, i) => seq(i + 51)));

    // Mixed: creates and duplicates at once.
    const mixed = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? ok(s.post('/api/v1/invoices', body), 201) : ok(s.post(`/api/v1/invoices/${source.id}/duplicate`), 201))));
    expect(mixed.map((r) => r.body.number).sort()).toEqual(Array.from({ length: 20 }, (_, i) => seq(i + 101)));
    expect(new Set([...createdNumbers, ...copyNumbers, ...mixed.map((r) => r.body.number)]).size).toBe(120);
  });

  it('the preview skips numbers a client took, and equals what duplicate gets', async () => {
    const customer = await newCustomer(s);
    const preview = (await ok(s.get('/api/v1/invoices/next-number'))).body.number;
    const taken = await ok(s.post('/api/v1/invoices', { customer_id: customer.id, number: preview, line_items: [{ description: 'x', quantity: 1, unit_price: 100 }] }), 201);
    expect(taken.body.number).toBe(preview);
    const next = (await ok(s.get('/api/v1/invoices/next-number'))).body.number;
    expect(next).not.toBe(preview);
    const copy = await ok(s.post(`/api/v1/invoices/${taken.body.id}/duplicate`), 201);
    expect(copy.body.number).toBe(next);
  });

  it('credit notes issued in parallel get unique, gap-free numbers of their own series', async () => {
    const customer = await newCustomer(s);
    const invoice = await ok(s.post('/api/v1/invoices', { customer_id: customer.id, line_items: [{ description: 'x', quantity: 1, unit_price: 10000 }] }), 201);
    await ok(s.post(`/api/v1/invoices/${invoice.body.id}/mark-sent`));
    const before = (await ok(s.get('/api/v1/invoices/next-number'))).body.number;
    const notes = await Promise.all(Array.from({ length: 30 }, () => ok(s.post(`/api/v1/invoices/${invoice.body.id}/credit-notes`, { amount: 100 }), 201)));
    expect(notes.map((r) => r.body.number).sort()).toEqual(Array.from({ length: 30 }, (_, i) => `CN-2026-${String(i + 1).padStart(4, '0')}`));
    expect((await s.get(`/api/v1/invoices/${invoice.body.id}`)).body).toMatchObject({ amount_credited: 3000, amount_due: 7000 });
    expect((await ok(s.get('/api/v1/invoices/next-number'))).body.number).toBe(before);
  });
});
