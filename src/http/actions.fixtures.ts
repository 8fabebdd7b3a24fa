// Test helpers: invoices brought into each status through the public API only.
import { expect } from 'vitest';
import type { TestResponse, TestServer } from '../testing/harness.ts';

export const FUTURE_DUE = { issue_date: '2026-03-15', due_date: '2026-04-14' };
/** Past the harness clock (2026-03-15): sent invoices with these dates are overdue. */
export const PAST_DUE = { issue_date: '2026-02-01', due_date: '2026-03-01' };

export async function ok(promise: Promise<TestResponse>, status = 200): Promise<TestResponse> {
  const res = await promise;
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${res.text.slice(0, 400)}`);
  return res;
}

export async function newCustomer(s: TestServer, body: Record<string, unknown> = {}): Promise<any> {
  return (await ok(s.post('/api/v1/customers', { name: 'Acme Corp', email: 'billing@acme.example', ...body }), 201)).body;
}

export async function newInvoice(s: TestServer, body: Record<string, unknown> = {}, customerId?: string): Promise<any> {
  const customer_id = customerId ?? (await newCustomer(s)).id;
  return (await ok(s.post('/api/v1/invoices', { customer_id, currency: 'USD', ...FUTURE_DUE, line_items: [{ description: 'Consulting', quantity: 1, unit_price: 10000 }], ...body }), 201)).body;
}

/** The public share page path of a published invoice. */
export const sharePath = (invoice: any) => new URL(invoice.share_link.url).pathname;

export const SETUPS = ['draft', 'sent', 'viewed', 'partially_paid', 'paid', 'overdue', 'overdue_partially_paid', 'void', 'trashed'] as const;
export type Setup = (typeof SETUPS)[number];

/** An invoice of 100.00 USD in the given situation, reached through the API the way a client would. */
export async function invoiceIn(s: TestServer, setup: Setup, customerId?: string): Promise<any> {
  const overdue = setup === 'overdue' || setup === 'overdue_partially_paid';
  const inv = await newInvoice(s, overdue ? PAST_DUE : FUTURE_DUE, customerId);
  const path = `/api/v1/invoices/${inv.id}`;
  if (setup === 'draft') return inv;
  if (setup === 'trashed') {
    await ok(s.del(path), 204);
    return (await ok(s.get(path))).body;
  }
  const published = (await ok(s.post(`${path}/publish`))).body;
  if (setup === 'viewed') await ok(s.call('GET', sharePath(published), { key: null }));
  if (setup === 'partially_paid' || setup === 'overdue_partially_paid') await ok(s.post(`${path}/payments`, { amount: 4000 }), 201);
  if (setup === 'paid') await ok(s.post(`${path}/mark-paid`));
  if (setup === 'void') await ok(s.post(`${path}/void`));
  const now = (await ok(s.get(path))).body;
  const expected: Record<Setup, string> = {
    draft: 'draft', sent: 'sent', viewed: 'viewed', partially_paid: 'partially_paid', paid: 'paid',
    overdue: 'overdue', overdue_partially_paid: 'overdue', void: 'void', trashed: 'draft',
  };
  expect(now.status, `setup ${setup}`).toBe(expected[setup]);
  return now;
}
