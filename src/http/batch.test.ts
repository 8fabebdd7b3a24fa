import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/harness.ts';
import { invoiceIn, newInvoice, ok } from './actions.test-helper.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

const get = async (id: string) => (await s.get(`/api/v1/invoices/${id}`)).body;

describe('batch actions', () => {
  it('voids what can be voided and reports every other id with the single operation’s status and code', async () => {
    const sent = await invoiceIn(s, 'sent');
    const paid = await invoiceIn(s, 'paid');
    const draft = await invoiceIn(s, 'draft');
    const trashed = await invoiceIn(s, 'trashed');
    const foreign = await ok(s.post('/api/v1/invoices', { customer_id: (await ok(s.post('/api/v1/customers', { name: 'G' }, { key: 'ik_test_globex' }), 201)).body.id, line_items: [{ description: 'x', quantity: 1, unit_price: 1 }] }, { key: 'ik_test_globex' }), 201);
    const draftBefore = await get(draft.id);
    const res = await ok(s.post('/api/v1/invoices/batch', { action: 'void', ids: [sent.id, 'inv_unknown', draft.id, paid.id, trashed.id, foreign.body.id, 'not-even-an-id'] }));
    expect(res.body.action).toBe('void');
    expect(res.body.succeeded).toEqual([sent.id, paid.id]);
    expect(res.body.failed.map((f: any) => [f.id, f.status, f.code])).toEqual([
      ['inv_unknown', 404, 'not_found'],
      [draft.id, 409, 'invalid_transition'],
      [trashed.id, 409, 'invoice_in_trash'],
      [foreign.body.id, 404, 'not_found'],
      ['not-even-an-id', 404, 'not_found'],
    ]);
    for (const f of res.body.failed) expect(f.message).toEqual(expect.any(String));
    expect((await get(sent.id)).status).toBe('void');
    expect((await get(paid.id)).status).toBe('void');
    expect(await get(draft.id)).toEqual(draftBefore);
    // The same refusal as the single operation.
    const single = await s.post(`/api/v1/invoices/${draft.id}/void`);
    expect([single.status, single.body.code]).toEqual([409, 'invalid_transition']);
  });

  it('mark-sent, mark-paid and delete, each id independently', async () => {
    const d1 = await invoiceIn(s, 'draft');
    const d2 = await invoiceIn(s, 'draft');
    const sent = await invoiceIn(s, 'sent');
    const marked = await ok(s.post('/api/v1/invoices/batch', { action: 'mark-sent', ids: [d1.id, sent.id, d2.id] }));
    expect(marked.body).toEqual({ action: 'mark-sent', succeeded: [d1.id, d2.id], failed: [{ id: sent.id, status: 409, code: 'invalid_transition', message: expect.any(String) }] });

    const pp = await invoiceIn(s, 'partially_paid');
    const paidBatch = await ok(s.post('/api/v1/invoices/batch', { action: 'mark-paid', ids: [d1.id, pp.id, (await invoiceIn(s, 'void')).id] }));
    expect(paidBatch.body.succeeded).toEqual([d1.id, pp.id]);
    expect(paidBatch.body.failed.map((f: any) => f.code)).toEqual(['invalid_transition']);
    expect(await get(pp.id)).toMatchObject({ status: 'paid', amount_due: 0 });
    expect((await get(pp.id)).payments.map((p: any) => [p.amount, p.source])).toEqual([[4000, 'api'], [6000, 'mark_paid']]);

    const deleted = await ok(s.post('/api/v1/invoices/batch', { action: 'delete', ids: [d2.id, pp.id, sent.id] }));
    expect(deleted.body.succeeded).toEqual([d2.id, sent.id]);
    expect(deleted.body.failed).toEqual([{ id: pp.id, status: 409, code: 'invoice_has_payments', message: expect.any(String) }]);
    expect((await get(d2.id)).deleted_at).not.toBeNull();
  });

  it('restores and permanently deletes from the trash, reporting ids that are not in it', async () => {
    const a = await invoiceIn(s, 'trashed');
    const b = await invoiceIn(s, 'trashed');
    const live = await newInvoice(s);
    const restored = await ok(s.post('/api/v1/invoices/trash/batch', { action: 'restore', ids: [a.id, live.id, 'inv_missing'] }));
    expect(restored.body).toEqual({
      action: 'restore',
      succeeded: [a.id],
      failed: [
        { id: live.id, status: 409, code: 'invoice_not_in_trash', message: expect.any(String) },
        { id: 'inv_missing', status: 404, code: 'not_found', message: expect.any(String) },
      ],
    });
    expect((await get(a.id)).deleted_at).toBeNull();
    const purged = await ok(s.post('/api/v1/invoices/trash/batch', { action: 'permanent-delete', ids: [b.id, a.id] }));
    expect(purged.body.succeeded).toEqual([b.id]);
    expect(purged.body.failed.map((f: any) => [f.id, f.code])).toEqual([[a.id, 'invoice_not_in_trash']]);
    expect((await s.get(`/api/v1/invoices/${b.id}`)).status).toBe(404);
  });

  it('validates the request: known action, 1–100 unique ids', async () => {
    const bad = await s.post('/api/v1/invoices/batch', { action: 'publish', ids: [] });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: any) => e.pointer).sort()).toEqual(['/body/action', '/body/ids']);
    const dup = await s.post('/api/v1/invoices/trash/batch', { action: 'restore', ids: ['inv_a', 'inv_a'] });
    expect(dup.status).toBe(400);
  });

  it('replays a batch with the same Idempotency-Key', async () => {
    const d = await invoiceIn(s, 'draft');
    const headers = { 'Idempotency-Key': `batch-${d.id}` };
    const first = await ok(s.post('/api/v1/invoices/batch', { action: 'mark-sent', ids: [d.id] }, { headers }));
    const again = await ok(s.post('/api/v1/invoices/batch', { action: 'mark-sent', ids: [d.id] }, { headers }));
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(first.body.succeeded).toEqual([d.id]);
  });
});
