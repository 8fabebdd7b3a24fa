import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/harness.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

describe('customers', () => {
  it('creates, reads, updates and lists a customer', async () => {
    const created = await s.post('/api/v1/customers', { name: 'Acme Corp', email: 'billing@acme.example', address: { line1: '1 Main St', city: 'Springfield', country: 'US' }, currency: 'EUR' });
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe(`/api/v1/customers/${created.body.id}`);
    expect(created.body).toMatchObject({ name: 'Acme Corp', is_active: true, currency: 'EUR', created_at: '2026-03-15T10:00:00.000Z', deleted_at: null });
    expect(created.body.address).toEqual({ line1: '1 Main St', line2: null, city: 'Springfield', region: null, postal_code: null, country: 'US' });

    const got = await s.get(`/api/v1/customers/${created.body.id}`);
    expect(got.body).toEqual(created.body);

    s.clock.advance(60_000);
    const updated = await s.patch(`/api/v1/customers/${created.body.id}`, { name: 'Acme Corporation', phone: '+1-555-0200', address: null });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ name: 'Acme Corporation', phone: '+1-555-0200', address: null, updated_at: '2026-03-15T10:01:00.000Z' });
  });

  it('searches by name, email and tax id, sorts both ways, and pages', async () => {
    for (const name of ['Zeta Ltd', 'alpha GmbH', 'Beta SA']) await s.post('/api/v1/customers', { name, tax_id: `TX-${name.length}` });
    const search = await s.get('/api/v1/customers', { query: { search: 'ALPHA' } });
    expect(search.body.data.map((c: any) => c.name)).toEqual(['alpha GmbH']);
    const byTax = await s.get('/api/v1/customers', { query: { search: 'tx-8' } });
    expect(byTax.body.data.map((c: any) => c.name)).toEqual(['Zeta Ltd']);
    const asc = await s.get('/api/v1/customers', { query: { sort: 'name' } });
    const names = asc.body.data.map((c: any) => c.name);
    expect(names).toEqual([...names].sort((a: string, b: string) => a.toLowerCase().localeCompare(b.toLowerCase())));
    const desc = await s.get('/api/v1/customers', { query: { sort: '-name' } });
    expect(desc.body.data.map((c: any) => c.name)).toEqual([...names].reverse());
    const page = await s.get('/api/v1/customers', { query: { sort: 'name', limit: 2, page: 2 } });
    expect(page.body.data.map((c: any) => c.name)).toEqual(names.slice(2, 4));
    expect(page.body.pagination).toMatchObject({ limit: 2, page: 2, offset: 2, total: names.length, has_previous_page: true });
  });

  it('soft-deletes: hidden from the list unless asked, reactivated by PATCH', async () => {
    const c = await s.post('/api/v1/customers', { name: 'Soon Gone' });
    expect((await s.del(`/api/v1/customers/${c.body.id}`)).status).toBe(204);
    const after = await s.get(`/api/v1/customers/${c.body.id}`);
    expect(after.body).toMatchObject({ is_active: false, deleted_at: '2026-03-15T10:01:00.000Z' });
    const list = await s.get('/api/v1/customers', { query: { search: 'Soon Gone' } });
    expect(list.body.data).toEqual([]);
    const all = await s.get('/api/v1/customers', { query: { search: 'Soon Gone', include_inactive: true } });
    expect(all.body.data).toHaveLength(1);
    const back = await s.patch(`/api/v1/customers/${c.body.id}`, { is_active: true });
    expect(back.body).toMatchObject({ is_active: true, deleted_at: null });
  });

  it('refuses a permanent delete while the customer has invoices, allows it without', async () => {
    const withInvoice = await s.post('/api/v1/customers', { name: 'Has Invoices' });
    await s.post('/api/v1/invoices', { customer_id: withInvoice.body.id, line_items: [{ description: 'x', quantity: 1, unit_price: 100 }] });
    const refused = await s.del(`/api/v1/customers/${withInvoice.body.id}`, { query: { permanent: true } });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('customer_has_invoices');
    expect((await s.get(`/api/v1/customers/${withInvoice.body.id}`)).body.is_active).toBe(true);

    const bare = await s.post('/api/v1/customers', { name: 'No Invoices' });
    expect((await s.del(`/api/v1/customers/${bare.body.id}`, { query: { permanent: true } })).status).toBe(204);
    expect((await s.get(`/api/v1/customers/${bare.body.id}`)).status).toBe(404);
  });

  it('answers 404 for an unknown customer and 400 for a malformed id', async () => {
    const missing = await s.get('/api/v1/customers/cus_doesnotexist');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('not_found');
    const malformed = await s.get('/api/v1/customers/not-an-id');
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors[0].pointer).toBe('/path/customer_id');
  });

  it('validates create and update bodies against the contract', async () => {
    const bad = await s.post('/api/v1/customers', { name: '', email: 'not-an-email', extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: any) => e.pointer).sort()).toEqual(['/body/email', '/body/extra', '/body/name']);
    const emptyPatch = await s.patch('/api/v1/customers/cus_000001', {});
    expect(emptyPatch.status).toBe(400);
  });
});
