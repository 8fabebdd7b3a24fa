// Test helpers: invoices brought into each status through the public API only.
import { PDFParse } from 'pdf-parse';
import { expect } from 'vitest';
import type { TestResponse, TestServer } from '../testing/harness.ts';

/** The contract's worked USD example (10% discount, 10% tax). */
export const CONTRACT_EXAMPLE = {
  currency: 'USD',
  tax_rate: 10,
  discount: { type: 'percentage', percent: 10 },
  line_items: [
    { description: 'UI design', quantity: 1, unit_price: 300000 },
    { description: 'Development', quantity: 8, unit: 'hour', unit_price: 25000 },
  ],
};

/** The text of a PDF, as a reader of it would see it. */
export async function pdfText(data: Buffer): Promise<string> {
  const parser = new PDFParse({ data });
  try {
    return (await parser.getText()).text;
  } finally {
    await parser.destroy();
  }
}

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

export const SETUPS = [
  'draft', 'sent', 'viewed', 'partially_paid', 'paid', 'overdue', 'overdue_partially_paid', 'void', 'trashed',
  'sent_unpublished', 'overdue_unpublished', 'trashed_sent', 'trashed_void',
] as const;
export type Setup = (typeof SETUPS)[number];

/** What each setup is, in the terms of the contract's lifecycle data. */
export const SETUP_FACTS: Record<Setup, { status: string; hasPayments: boolean; published: boolean; trashed: boolean; pastDue: boolean }> = {
  draft: { status: 'draft', hasPayments: false, published: false, trashed: false, pastDue: false },
  sent: { status: 'sent', hasPayments: false, published: true, trashed: false, pastDue: false },
  viewed: { status: 'viewed', hasPayments: false, published: true, trashed: false, pastDue: false },
  partially_paid: { status: 'partially_paid', hasPayments: true, published: true, trashed: false, pastDue: false },
  paid: { status: 'paid', hasPayments: true, published: true, trashed: false, pastDue: false },
  overdue: { status: 'overdue', hasPayments: false, published: true, trashed: false, pastDue: true },
  overdue_partially_paid: { status: 'overdue', hasPayments: true, published: true, trashed: false, pastDue: true },
  void: { status: 'void', hasPayments: false, published: true, trashed: false, pastDue: false },
  trashed: { status: 'draft', hasPayments: false, published: false, trashed: true, pastDue: false },
  sent_unpublished: { status: 'sent', hasPayments: false, published: false, trashed: false, pastDue: false },
  overdue_unpublished: { status: 'overdue', hasPayments: false, published: false, trashed: false, pastDue: true },
  trashed_sent: { status: 'sent', hasPayments: false, published: true, trashed: true, pastDue: false },
  trashed_void: { status: 'void', hasPayments: false, published: true, trashed: true, pastDue: false },
};

/** An invoice of 100.00 USD in the given situation, reached through the API the way a client would. */
export async function invoiceIn(s: TestServer, setup: Setup, customerId?: string): Promise<any> {
  const facts = SETUP_FACTS[setup];
  const inv = await newInvoice(s, facts.pastDue ? PAST_DUE : FUTURE_DUE, customerId);
  const path = `/api/v1/invoices/${inv.id}`;
  if (setup === 'sent_unpublished' || setup === 'overdue_unpublished') await ok(s.post(`${path}/mark-sent`));
  else if (setup !== 'draft' && setup !== 'trashed') {
    const published = (await ok(s.post(`${path}/publish`))).body;
    if (setup === 'viewed') await ok(s.call('GET', sharePath(published), { key: null }));
    if (setup === 'partially_paid' || setup === 'overdue_partially_paid') await ok(s.post(`${path}/payments`, { amount: 4000 }), 201);
    if (setup === 'paid') await ok(s.post(`${path}/mark-paid`));
    if (setup === 'void' || setup === 'trashed_void') await ok(s.post(`${path}/void`));
  }
  if (facts.trashed) await ok(s.del(path), 204);
  const now = (await ok(s.get(path))).body;
  expect(now.status, `setup ${setup}`).toBe(facts.status);
  expect(now.deleted_at !== null, `setup ${setup} trashed`).toBe(facts.trashed);
  expect(now.share_link !== null, `setup ${setup} published`).toBe(facts.published);
  expect(now.payments.length > 0, `setup ${setup} has payments`).toBe(facts.hasPayments);
  return now;
}
