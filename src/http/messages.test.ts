import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toFieldErrors } from '../contract/ajv.ts';
import { startTestServer, type TestServer } from '../testing/harness.ts';
import { invoiceIn } from './actions.test-helper.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

describe('validation messages a person can act on', () => {
  it('an unknown sort lists the sorts that exist', async () => {
    const res = await s.get('/api/v1/invoices', { query: { sort: 'amount' } });
    expect(res.status).toBe(400);
    const { pointer, message } = res.body.errors[0];
    expect(pointer).toBe('/query/sort');
    expect(message).toMatch(/^must be one of: /);
    for (const sort of ['created_at', '-created_at', 'total', '-total', 'due_date']) expect(message.split(/[:,] /)).toContain(sort);
    expect(res.body.detail).toContain('/query/sort must be one of: ');
  });

  it('an unknown status in a list lists the statuses', async () => {
    const res = await s.get('/api/v1/invoices', { query: { status: 'paid,bogus' } });
    expect(res.body.errors[0].message).toBe('must be one of: draft, sent, viewed, partially_paid, paid, overdue, void');
  });

  it('a batch action spelt as in the code lists the actions the API has', async () => {
    const res = await s.post('/api/v1/invoices/batch', { action: 'mark_paid', ids: ['inv_x'] });
    expect(res.body.errors).toEqual([{ pointer: '/body/action', message: 'must be one of: delete, mark-sent, mark-paid, void', keyword: 'enum' }]);
  });

  it('a long enum is cut short and says how many values there are', () => {
    const allowedValues = Array.from({ length: 30 }, (_, i) => `v${i}`);
    const [error] = toFieldErrors([{ keyword: 'enum', instancePath: '/x', schemaPath: '#/enum', params: { allowedValues }, message: 'must be equal to one of the allowed values' }], '/body');
    expect(error!.message).toBe(`must be one of ${allowedValues.slice(0, 20).join(', ')}, … (30 values in all)`);
  });
});

describe('refusals name actions as the API does', () => {
  it.each([
    ['draft', 'mark-paid', 'mark_paid', (id: string) => s.post(`/api/v1/invoices/${id}/mark-paid`)],
    ['paid', 'mark-sent', 'mark_sent', (id: string) => s.post(`/api/v1/invoices/${id}/mark-sent`)],
    ['sent', 'permanent-delete', 'permanent_delete', (id: string) => s.del(`/api/v1/invoices/${id}`, { query: { permanent: true } })],
    ['draft', 'record a payment on', 'record_payment', (id: string) => s.post(`/api/v1/invoices/${id}/payments`, { amount: 100 })],
  ] as const)('on a %s invoice: says %s, not %s', async (setup, wording, internal, act) => {
    const inv = await invoiceIn(s, setup);
    const res = await act(inv.id);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.body.detail).toContain(wording);
    expect(res.body.detail).not.toContain(internal);
  });

  it('a batch refusal too', async () => {
    const inv = await invoiceIn(s, 'draft');
    const res = await s.post('/api/v1/invoices/batch', { action: 'mark-paid', ids: [inv.id] });
    expect(res.body.failed[0].message).toContain('mark-paid');
    expect(res.body.failed[0].message).not.toContain('mark_paid');
  });
});
