import { PDFParse } from 'pdf-parse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestResponse, type TestServer } from '../testing/harness.ts';
import { findAction, lifecycleOracle } from '../contract/lifecycle.ts';
import { listOperations, loadContract } from '../contract/load.ts';
import { LIFECYCLE_ACTIONS } from '../contract/lifecycle.test-helper.ts';
import { INVOICE_ACTION_TABLE } from '../services/actions.ts';
import { PAST_DUE, SETUP_FACTS, SETUPS, invoiceIn, newCustomer, newInvoice, ok, sharePath } from './actions.test-helper.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

// The contract's state machine (x-invoicekit-lifecycle) is the oracle: every cell of the
// matrix below is what src/contract/lifecycle.ts reads from the served contract.
const contract = loadContract();
const oracle = lifecycleOracle(contract);
const ACTIONS = oracle.lifecycle.actions.map((a) => a.name);

/** The request each action is performed with, and the operation the contract says it is. */
type Request = { method: string; path: string; body?: unknown; query?: Record<string, string> };

/**
 * The test rows. An action of the action table (src/services/actions.ts) is performed with its
 * operation's method and path, and the query its lifecycle entry names: it needs a row here only
 * for a request body. The lifecycle's other actions have requests of their own.
 */
const BODIES: Readonly<Record<string, unknown>> = { send: { message: 'Here it is.' } };
const OWN_REQUESTS: Readonly<Record<string, (path: string, invoice: any) => Request>> = {
  update: (path) => ({ method: 'PATCH', path, body: { notes: 'Changed' } }),
  record_payment: (path) => ({ method: 'POST', path: `${path}/payments`, body: { amount: 1000 } }),
  // The invoice's first payment, or an unknown one when it has none.
  delete_payment: (path, invoice) => ({ method: 'DELETE', path: `${path}/payments/${invoice.payments[0]?.id ?? 'pay_unknown'}` }),
  credit_note: (path) => ({ method: 'POST', path: `${path}/credit-notes`, body: { amount: 1000, reason: 'Goodwill' } }),
};

function request(action: string, invoice: any): Request {
  const path = `/api/v1/invoices/${invoice.id}`;
  const own = OWN_REQUESTS[action];
  if (own) return own(path, invoice);
  const row = INVOICE_ACTION_TABLE.find((r) => r.action === action);
  if (!row) throw new Error(`'${action}' is neither a row of the action table nor a request of this test`);
  const op = listOperations(contract).find((o) => o.operationId === row.operationId)!;
  const query = findAction(oracle.lifecycle, action).query;
  return {
    method: op.method.toUpperCase(),
    path: op.path.replace('/api/v1/invoices/{invoice_id}', path),
    ...(BODIES[action] === undefined ? {} : { body: BODIES[action] }),
    ...(query ? { query } : {}),
  };
}

/** The contract's operation that a request hits (its path template matched), for checking the data's operationIds. */
function operationOf(req: Request) {
  const matches = listOperations(contract).filter(
    (op) => op.method === req.method.toLowerCase() && new RegExp(`^${op.path.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(req.path),
  );
  expect(matches, `${req.method} ${req.path}`).toHaveLength(1);
  return matches[0]!;
}

/** Money after the action, for `recomputed` results. */
function moneyAfter(action: string, before: any) {
  const paid = action === 'record_payment' ? 1000 : action === 'delete_payment' ? -(before.payments[0]?.amount ?? 0) : 0;
  const credited = action === 'credit_note' ? 1000 : 0;
  return { amountPaid: before.amount_paid + paid, amountDue: before.amount_due - paid - credited, viewed: before.viewed_at !== null };
}

const cases = ACTIONS.flatMap((action) => SETUPS.map((setup) => [action, setup] as const));

describe('the action table (src/services/actions.ts; src/services/action-table.test.ts checks it against the contract)', () => {
  it('each lifecycle action is a row of the table or has a request of its own, never both', () => {
    const rows = INVOICE_ACTION_TABLE.map((r) => r.action as string);
    expect(new Set(rows).size).toBe(rows.length);
    expect([...rows, ...Object.keys(OWN_REQUESTS)].sort()).toEqual([...ACTIONS].sort());
  });
});

describe('every action from every status, as the contract lifecycle data says', () => {
  it('covers every action and status of the data with the setups', () => {
    expect(ACTIONS).toEqual(LIFECYCLE_ACTIONS);
    const reached = new Set(SETUPS.map((setup) => SETUP_FACTS[setup].status));
    expect([...reached].sort()).toEqual(oracle.lifecycle.statuses.map((st) => st.name).sort());
    // Each refusal condition of the data is met by some setup, and not met by another.
    for (const key of ['hasPayments', 'published', 'trashed', 'pastDue'] as const) {
      expect(new Set(SETUPS.map((setup) => SETUP_FACTS[setup][key])).size, key).toBe(2);
    }
  });

  it.each(cases)('%s from %s', async (action, setup) => {
    const facts = SETUP_FACTS[setup];
    const customer = await newCustomer(s);
    const invoice = await invoiceIn(s, setup, customer.id);
    const path = `/api/v1/invoices/${invoice.id}`;
    const before = (await ok(s.get(path))).body;
    const outboxBefore = s.outbox.size;
    const req = request(action, invoice);
    const op = operationOf(req);
    const rule = findAction(oracle.lifecycle, action);
    expect(rule.operations, `the operation ${action} is performed with`).toContain(op.operationId);
    expect(req.query ?? {}).toEqual(rule.query ?? {});
    const res = await s.call(req.method, req.path, { body: req.body, ...(req.query ? { query: req.query } : {}) });

    let expected = oracle.expectedOutcome(action, facts.status, facts);
    // Deleting a payment the invoice does not have: the contract's other refusal for it.
    if (expected.allowed && action === 'delete_payment' && !facts.hasPayments) {
      const missing = rule.otherRefusals.find((r) => r.code === 'not_found');
      expect(missing, 'delete_payment lists its not_found refusal').toBeDefined();
      expected = { allowed: false, httpStatus: missing!.httpStatus, code: missing!.code, kind: 'status' };
    }

    if (!expected.allowed) {
      expect([res.status, res.body.code], res.text).toEqual([expected.httpStatus, expected.code]);
      expect(Object.keys(op.operation.responses)).toContain(String(expected.httpStatus));
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      // Nothing changed: the invoice reads exactly as before, and no email went out.
      expect((await ok(s.get(path))).body).toEqual(before);
      expect(s.outbox.size).toBe(outboxBefore);
      return;
    }
    // An allowed action answers one of the success statuses its operation declares.
    expect(res.status, res.text).toBeLessThan(300);
    expect(Object.keys(op.operation.responses)).toContain(String(res.status));
    const next = oracle.statusAfter(action, { status: before.status, pastDue: facts.pastDue }, moneyAfter(action, before));
    if (expected.result === 'gone') {
      expect(next).toBeNull();
      expect((await s.get(path)).status).toBe(404);
      return;
    }
    const after = (await ok(s.get(path))).body;
    if (expected.result === 'new_draft') {
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ status: next, customer_id: before.customer_id, total: before.total, amount_paid: 0, payments: [], credit_notes: [] });
      expect(res.body.id).not.toBe(before.id);
      expect(res.body.number).not.toBe(before.number);
      expect(after).toEqual(before);
      return;
    }
    expect(after.status).toBe(next);
    if (expected.result === 'trashed') expect(after.deleted_at).not.toBeNull();
    else expect(after.deleted_at).toBeNull();
    if (res.status === 200) expect(res.body.status).toBe(next);
    if (action === 'send') expect(s.outbox.size).toBe(outboxBefore + 1);
  });
});

describe('send', () => {
  it('emails the PDF to the customer, sets sent_at once, and reminds later', async () => {
    s.outbox.clear();
    const customer = await newCustomer(s, { name: 'Globo Gym', email: 'ap@globo.example' });
    const inv = await newInvoice(s, {}, customer.id);
    const sent = await ok(s.post(`/api/v1/invoices/${inv.id}/send`, { cc: ['cfo@globo.example'] }));
    expect(sent.body).toMatchObject({ status: 'sent', sent_via_email: true, sent_at: '2026-03-15T10:00:00.000Z', last_notification_at: '2026-03-15T10:00:00.000Z' });
    const [message] = s.outbox.list();
    expect(message).toMatchObject({ tenant: 'acme', invoice_id: inv.id, to: 'ap@globo.example', cc: ['cfo@globo.example'], subject: `Invoice ${inv.number} from acme` });
    expect(message!.body).toContain(inv.number);
    expect(message!.body).toContain('USD 100.00');
    expect(message!.attachments).toHaveLength(1);
    const attachment = message!.attachments[0]!;
    expect(attachment).toMatchObject({ filename: `${inv.number}.pdf`, contentType: 'application/pdf' });
    expect(attachment.content.subarray(0, 5).toString()).toBe('%PDF-');
    const parser = new PDFParse({ data: attachment.content });
    try {
      expect((await parser.getText()).text).toContain(inv.number);
    } finally {
      await parser.destroy();
    }

    s.clock.advance(3_600_000);
    try {
      const reminder = await ok(s.post(`/api/v1/invoices/${inv.id}/send`, { to: 'other@globo.example', subject: 'Friendly reminder', message: 'Please pay.' }));
      expect(reminder.body).toMatchObject({ status: 'sent', sent_at: '2026-03-15T10:00:00.000Z', last_notification_at: '2026-03-15T11:00:00.000Z' });
      expect(s.outbox.last()).toMatchObject({ to: 'other@globo.example', cc: [], subject: 'Friendly reminder', body: 'Please pay.' });
      expect(s.outbox.list({ invoice_id: inv.id })).toHaveLength(2);
    } finally {
      s.clock.advance(-3_600_000);
    }
  });

  it('refuses with 422 no_recipient when neither the customer nor the request has an email, changing nothing', async () => {
    const customer = await newCustomer(s, { name: 'No Mail Ltd', email: null });
    const inv = await newInvoice(s, {}, customer.id);
    const size = s.outbox.size;
    const refused = await s.post(`/api/v1/invoices/${inv.id}/send`);
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('no_recipient');
    expect((await s.get(`/api/v1/invoices/${inv.id}`)).body).toEqual(inv);
    expect(s.outbox.size).toBe(size);
    const withTo = await ok(s.post(`/api/v1/invoices/${inv.id}/send`, { to: 'someone@nomail.example' }));
    expect(withTo.body.status).toBe('sent');
  });

  it('validates the request body against the contract', async () => {
    const inv = await newInvoice(s);
    const bad = await s.post(`/api/v1/invoices/${inv.id}/send`, { to: 'not-an-email', bcc: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('validation_failed');
  });

  it('never emails an invoice voided while its PDF was being drawn', async () => {
    for (let round = 0; round < 5; round++) {
      const inv = await invoiceIn(s, 'sent');
      const size = s.outbox.size;
      const [sent, voided] = await Promise.all([s.post(`/api/v1/invoices/${inv.id}/send`), s.post(`/api/v1/invoices/${inv.id}/void`)]);
      expect(voided.status).toBe(200);
      expect([200, 409]).toContain(sent.status);
      expect(s.outbox.size).toBe(size + (sent.status === 200 ? 1 : 0));
      const after = (await s.get(`/api/v1/invoices/${inv.id}`)).body;
      expect(after.status).toBe('void');
      expect(after.sent_via_email).toBe(sent.status === 200);
    }
  });

  it('mark-sent moves a draft to sent without any email', async () => {
    const size = s.outbox.size;
    const inv = await newInvoice(s);
    const res = await ok(s.post(`/api/v1/invoices/${inv.id}/mark-sent`));
    expect(res.body).toMatchObject({ status: 'sent', sent_at: '2026-03-15T10:00:00.000Z', sent_via_email: false, last_notification_at: null, share_link: null });
    expect(s.outbox.size).toBe(size);
  });
});

describe('publish and unpublish', () => {
  it('publishes with an unguessable share token, keeps it when published again, revokes it on unpublish', async () => {
    const inv = await newInvoice(s);
    const published = await ok(s.post(`/api/v1/invoices/${inv.id}/publish`));
    expect(published.body).toMatchObject({ status: 'sent', sent_at: '2026-03-15T10:00:00.000Z' });
    expect(published.body.share_link.published_at).toBe('2026-03-15T10:00:00.000Z');
    const token = sharePath(published.body).split('/').pop()!;
    expect(token).toMatch(/^shr_[A-Za-z0-9]{24}$/);
    const again = await ok(s.post(`/api/v1/invoices/${inv.id}/publish`));
    expect(again.body.share_link).toEqual(published.body.share_link);

    const page = await ok(s.call('GET', sharePath(published.body), { key: null }));
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const viewed = (await ok(s.get(`/api/v1/invoices/${inv.id}`))).body;
    expect(viewed).toMatchObject({ status: 'viewed', viewed_at: '2026-03-15T10:00:00.000Z' });

    const unpublished = await ok(s.post(`/api/v1/invoices/${inv.id}/unpublish`));
    expect(unpublished.body).toMatchObject({ status: 'draft', share_link: null });
    const gone = await s.call('GET', sharePath(published.body), { key: null });
    expect(gone.status).toBe(404);
    expect(gone.body.code).toBe('not_found');

    const republished = await ok(s.post(`/api/v1/invoices/${inv.id}/publish`));
    expect(republished.body.share_link.url).not.toBe(published.body.share_link.url);
    expect((await s.call('GET', sharePath(published.body), { key: null })).status).toBe(404);
  });

  it('refuses to unpublish an invoice that is not published with 409 not_published', async () => {
    const inv = await newInvoice(s);
    await ok(s.post(`/api/v1/invoices/${inv.id}/mark-sent`));
    const before = (await s.get(`/api/v1/invoices/${inv.id}`)).body;
    const res = await s.post(`/api/v1/invoices/${inv.id}/unpublish`);
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('not_published');
    expect((await s.get(`/api/v1/invoices/${inv.id}`)).body).toEqual(before);
  });
});

describe('void, mark as paid, duplicate', () => {
  it('voids for good, with voided_at', async () => {
    const inv = await invoiceIn(s, 'sent');
    const voided = await ok(s.post(`/api/v1/invoices/${inv.id}/void`));
    expect(voided.body).toMatchObject({ status: 'void', voided_at: '2026-03-15T10:00:00.000Z' });
    for (const action of ['publish', 'mark-paid', 'send', 'void']) {
      const res = await s.post(`/api/v1/invoices/${inv.id}/${action}`);
      expect(res.status).toBe(409);
    }
  });

  it('mark-paid records a payment of the balance with source mark_paid and the given details', async () => {
    const inv = await invoiceIn(s, 'partially_paid');
    const paid = await ok(s.post(`/api/v1/invoices/${inv.id}/mark-paid`, { method: 'check', reference: 'CHK-7', date: '2026-03-14' }));
    expect(paid.body).toMatchObject({ status: 'paid', amount_paid: 10000, amount_due: 0, paid_at: '2026-03-15T10:00:00.000Z' });
    expect(paid.body.payments).toHaveLength(2);
    expect(paid.body.payments[1]).toMatchObject({ amount: 6000, currency: 'USD', method: 'check', reference: 'CHK-7', date: '2026-03-14', source: 'mark_paid' });
  });

  it('duplicates into a new draft with the next number, today as issue date and the same payment period', async () => {
    const inv = await newInvoice(s, {
      ...PAST_DUE,
      title: 'Retainer',
      notes: 'Thanks',
      tax_rate: 10,
      discount: { type: 'percentage', percent: 5 },
      line_items: [
        { description: 'Design', quantity: 2, unit: 'hour', unit_price: 12000 },
        { description: 'Hosting', quantity: 1, unit_price: 5000, tax_rate: 0 },
      ],
    });
    await ok(s.post(`/api/v1/invoices/${inv.id}/mark-sent`));
    const preview = (await ok(s.get('/api/v1/invoices/next-number'))).body.number;
    const copy = await ok(s.post(`/api/v1/invoices/${inv.id}/duplicate`), 201);
    expect(copy.headers.location).toBe(`/api/v1/invoices/${copy.body.id}`);
    expect(copy.body).toMatchObject({
      status: 'draft', number: preview, issue_date: '2026-03-15', due_date: '2026-04-12', title: 'Retainer', notes: 'Thanks', tax_rate: 10,
      discount: { type: 'percentage', percent: 5 }, subtotal: inv.subtotal, total: inv.total, sent_at: null, share_link: null,
    });
    expect(copy.body.line_items.map((l: any) => [l.description, l.quantity, l.unit, l.unit_price, l.tax_rate, l.total])).toEqual(
      inv.line_items.map((l: any) => [l.description, l.quantity, l.unit, l.unit_price, l.tax_rate, l.total]),
    );
    // The original is untouched.
    expect((await ok(s.get(`/api/v1/invoices/${inv.id}`))).body.status).toBe('overdue');
  });

  it('refuses to duplicate for a deactivated customer (422 customer_inactive)', async () => {
    const customer = await newCustomer(s, { name: 'Leaving Soon' });
    const inv = await newInvoice(s, {}, customer.id);
    await ok(s.del(`/api/v1/customers/${customer.id}`), 204);
    const res = await s.post(`/api/v1/invoices/${inv.id}/duplicate`);
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('customer_inactive');
  });
});

describe('overdue follows the clock', () => {
  it('a sent invoice becomes overdue the day after its due date, and partially paid ones too', async () => {
    const inv = await newInvoice(s, { issue_date: '2026-03-15', due_date: '2026-03-15' });
    await ok(s.post(`/api/v1/invoices/${inv.id}/mark-sent`));
    expect((await s.get(`/api/v1/invoices/${inv.id}`)).body.status).toBe('sent');
    const start = s.clock.now();
    try {
      s.clock.freeze(new Date('2026-03-15T23:59:59.000Z'));
      expect((await s.get(`/api/v1/invoices/${inv.id}`)).body.status).toBe('sent');
      s.clock.advance(1000);
      expect((await s.get(`/api/v1/invoices/${inv.id}`)).body.status).toBe('overdue');
      const listed = await ok(s.get('/api/v1/invoices', { query: { status: 'overdue', number: inv.number } }));
      expect(listed.body.data.map((i: any) => i.id)).toEqual([inv.id]);
      await ok(s.post(`/api/v1/invoices/${inv.id}/payments`, { amount: 2500 }), 201);
      expect((await s.get(`/api/v1/invoices/${inv.id}`)).body.status).toBe('overdue');
      // Moving the due date (allowed after sending) brings it back.
      const moved = await ok(s.patch(`/api/v1/invoices/${inv.id}`, { due_date: '2026-04-30' }));
      expect(moved.body.status).toBe('partially_paid');
      const paid = await ok(s.post(`/api/v1/invoices/${inv.id}/mark-paid`));
      expect(paid.body.status).toBe('paid');
    } finally {
      s.clock.freeze(start);
    }
  });
});

describe('idempotency of actions', () => {
  it('replays a payment POST with the same Idempotency-Key instead of paying twice', async () => {
    const inv = await invoiceIn(s, 'sent');
    const headers = { 'Idempotency-Key': `pay-${inv.id}` };
    const first = await ok(s.post(`/api/v1/invoices/${inv.id}/payments`, { amount: 3000 }, { headers }), 201);
    const replay = await ok(s.post(`/api/v1/invoices/${inv.id}/payments`, { amount: 3000 }, { headers }), 201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(first.body);
    const after = (await s.get(`/api/v1/invoices/${inv.id}`)).body;
    expect(after).toMatchObject({ amount_paid: 3000, status: 'partially_paid' });
    expect(after.payments).toHaveLength(1);
    const reused = await s.post(`/api/v1/invoices/${inv.id}/payments`, { amount: 3001 }, { headers });
    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe('idempotency_key_reused');
  });

  it('replays a bodiless action (void) and its refusal alike', async () => {
    const inv = await invoiceIn(s, 'sent');
    const headers = { 'Idempotency-Key': `void-${inv.id}` };
    const first = await ok(s.post(`/api/v1/invoices/${inv.id}/void`, undefined, { headers }));
    const replay = await ok(s.post(`/api/v1/invoices/${inv.id}/void`, undefined, { headers }));
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(first.body);
    const fresh = await s.post(`/api/v1/invoices/${inv.id}/void`, undefined, { headers: { 'Idempotency-Key': `void2-${inv.id}` } });
    expect(fresh.status).toBe(409);
  });
});

describe('tenancy', () => {
  it('answers 404 for another tenant’s invoice on every action', async () => {
    const inv = await invoiceIn(s, 'sent');
    for (const action of ['send', 'mark-sent', 'publish', 'unpublish', 'void', 'mark-paid', 'duplicate']) {
      const res = await s.post(`/api/v1/invoices/${inv.id}/${action}`, undefined, { key: 'ik_test_globex' });
      expect(res.status, action).toBe(404);
    }
    for (const sub of ['payments', 'credit-notes', 'pdf', 'pdf-link', 'payment-link']) {
      const res = await s.get(`/api/v1/invoices/${inv.id}/${sub}`, { key: 'ik_test_globex' });
      expect(res.status, sub).toBe(404);
    }
  });
});

