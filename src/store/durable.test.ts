import type Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { readConfig } from '../config.ts';
import { startServer } from '../server.ts';
import { StorageError } from '../errors.ts';
import { DurableState } from './durable.ts';
import { DATABASE_FILE, DataDirError, keptDatabase, MIGRATIONS, pragmaValue, SCHEMA_VERSION, statement } from './sqlite.ts';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'invoicekit-durable-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const ADMIN = 'adm_durable_test';
/** The real server (as `serve` builds it) on a loopback port, in this process. */
async function serve(flags: Record<string, string | undefined>) {
  const running = await startServer(readConfig({}, { port: '0', adminToken: ADMIN, rateLimit: '0', ...flags }));
  const key = running.credentials.apiKeysOf('acme')[0]!;
  const call = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) => {
    const admin = url.startsWith('/control');
    const res = await request(running.baseUrl + url, {
      method: method as 'GET',
      headers: { authorization: `Bearer ${admin ? ADMIN : key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.body.text();
    // Whatever was answered is already committed: nothing waits for a later commit.
    expect(running.durable?.uncommitted ?? 0, `${method} ${url}`).toBe(0);
    return { status: res.statusCode, headers: res.headers as Record<string, string>, body: text ? JSON.parse(text) : undefined };
  };
  return { running, call, stop: () => running.shutdown(1000) };
}

/** Every record of the store, tenant by tenant, in iteration order. */
function contents(running: Awaited<ReturnType<typeof serve>>['running']) {
  return running.store.tenants().map((t) => ({ tenant: t, customers: [...running.store.customers(t.id)], invoices: [...running.store.invoices(t.id)] }));
}

describe('--data-dir', () => {
  it('round trip: a data set loaded into a data directory equals it, record for record, after a restart', async () => {
    const dir = tempDir();
    const inMemory = await serve({ seed: '7', preset: 'small' });
    const expected = contents(inMemory.running);
    await inMemory.stop();

    const first = await serve({ seed: '7', preset: 'small', dataDir: dir });
    expect(first.running.resumed).toBe(false);
    expect(contents(first.running)).toEqual(expected);
    await first.stop();

    // Started with another data set: the directory is resumed, fixtures are not read again.
    const second = await serve({ fixtures: 'none', dataDir: dir });
    expect(second.running.resumed).toBe(true);
    expect(contents(second.running)).toEqual(expected);
    expect(second.running.state.describeSource()).toContain('seed 7');
    const key = second.running.credentials.apiKeysOf('acme')[0];
    expect(key).toBe(inMemory.running.credentials.apiKeysOf('acme')[0]);
    await second.stop();
  });

  it('keeps records, numbering, outbox, snapshots, idempotency keys and the clock across a restart', async () => {
    const dir = tempDir();
    const a = await serve({ dataDir: dir, clock: '2026-05-01T09:00:00Z' });
    const customer = (await a.call('POST', '/api/v1/customers', { name: 'Durable Ltd', email: 'billing@durable.test' })).body;
    expect(customer.id).toBeTruthy();
    expect((await a.call('POST', '/control/clock/advance', { duration: 'P2D' })).status).toBe(200);
    const created = await a.call('POST', '/api/v1/invoices', { customer_id: customer.id, line_items: [{ description: 'Work', quantity: 3, unit_price: 2500 }] }, { 'idempotency-key': 'create-1' });
    expect(created.status).toBe(201);
    const invoice = created.body;
    expect(invoice.issue_date).toBe('2026-05-03');
    expect((await a.call('POST', `/api/v1/invoices/${invoice.id}/send`, {})).status).toBe(200);
    const payment = await a.call('POST', `/api/v1/invoices/${invoice.id}/payments`, { amount: 1000 });
    expect(payment.status).toBe(201);
    expect((await a.call('POST', '/control/snapshots', { name: 'after-payment' })).status).toBe(201);
    const outboxBefore = (await a.call('GET', '/control/outbox')).body.data;
    const cursor = (await a.call('GET', '/api/v1/invoices?limit=1')).body.pagination.end_cursor;
    expect(outboxBefore.at(-1).invoice_id).toBe(invoice.id);
    await a.stop();

    const b = await serve({ dataDir: dir });
    // The clock as it was left: frozen, and moved on by two days.
    expect((await b.call('GET', '/control/clock')).body).toMatchObject({ now: '2026-05-03T09:00:00.000Z', frozen: true });
    const stored = (await b.call('GET', `/api/v1/invoices/${invoice.id}`)).body;
    expect(stored).toMatchObject({ number: invoice.number, status: 'partially_paid', amount_paid: 1000, line_items: invoice.line_items });
    expect(stored.payments.map((p: { id: string }) => p.id)).toEqual([payment.body.id]);
    expect((await b.call('GET', `/api/v1/customers/${customer.id}`)).body.name).toBe('Durable Ltd');
    // The outbox, PDF attachments included, byte for byte.
    expect((await b.call('GET', '/control/outbox')).body.data).toEqual(outboxBefore);
    expect((await b.call('GET', '/control/snapshots')).body.data.map((s: { name: string }) => s.name)).toEqual(['after-payment']);
    // The same Idempotency-Key and body replays the first answer instead of creating again.
    const replay = await b.call('POST', '/api/v1/invoices', { customer_id: customer.id, line_items: [{ description: 'Work', quantity: 3, unit_price: 2500 }] }, { 'idempotency-key': 'create-1' });
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body.id).toBe(invoice.id);
    // The signing secret is kept: a cursor handed out before the restart still works.
    expect((await b.call('GET', `/api/v1/invoices?limit=1&after=${encodeURIComponent(cursor)}`)).status).toBe(200);
    // Numbering goes on from where it was.
    const next = (await b.call('POST', '/api/v1/invoices', { customer_id: customer.id, line_items: [{ description: 'More', quantity: 1, unit_price: 100 }] })).body;
    expect(next.number).not.toBe(invoice.number);
    expect(Number(/(\d+)$/.exec(next.number)![1])).toBe(Number(/(\d+)$/.exec(invoice.number)![1]) + 1);

    // Restoring the snapshot is kept too: the later invoice is gone after another restart.
    expect((await b.call('POST', '/control/snapshots/after-payment/restore')).status).toBe(200);
    await b.stop();
    const c = await serve({ dataDir: dir });
    expect((await c.call('GET', `/api/v1/invoices/${next.id}`)).status).toBe(404);
    expect((await c.call('GET', `/api/v1/invoices/${invoice.id}`)).status).toBe(200);
    expect((await c.call('DELETE', '/control/snapshots/after-payment')).status).toBe(204);
    expect((await c.call('DELETE', '/control/outbox')).status).toBe(204);
    await c.stop();
    const d = await serve({ dataDir: dir });
    expect((await d.call('GET', '/control/snapshots')).body.data).toEqual([]);
    expect((await d.call('GET', '/control/outbox')).body.data).toEqual([]);
    await d.stop();
  });

  it('--reset and POST /control/reset return to the fixtures, durably', async () => {
    const dir = tempDir();
    const a = await serve({ dataDir: dir });
    const total = (await a.call('GET', '/api/v1/invoices?limit=1')).body.pagination.total;
    const customerId = [...a.running.store.customers('acme')][0]!.id;
    const made = (await a.call('POST', '/api/v1/invoices', { customer_id: customerId, line_items: [{ description: 'X', quantity: 1, unit_price: 100 }] })).body;
    await a.stop();

    const b = await serve({ dataDir: dir });
    expect((await b.call('GET', '/api/v1/invoices?limit=1')).body.pagination.total).toBe(total + 1);
    expect((await b.call('POST', '/control/reset')).status).toBe(200);
    expect((await b.call('GET', `/api/v1/invoices/${made.id}`)).status).toBe(404);
    const again = (await b.call('POST', '/api/v1/invoices', { customer_id: customerId, line_items: [{ description: 'Y', quantity: 1, unit_price: 100 }] })).body;
    await b.stop();

    const c = await serve({ dataDir: dir, reset: 'true' });
    expect(c.running.resumed).toBe(false);
    expect((await c.call('GET', `/api/v1/invoices/${again.id}`)).status).toBe(404);
    expect((await c.call('GET', '/api/v1/invoices?limit=1')).body.pagination.total).toBe(total);
    await c.stop();
  });

  it('OAuth access tokens outlive a restart with their scopes; an expired one is refused, and pruned', async () => {
    const dir = tempDir();
    const flags = { dataDir: dir, oauthClients: 'acme:cli_durable:s3cret' };
    const a = await serve({ ...flags, clock: '2026-05-01T09:00:00Z' });
    const grant = async (server: typeof a, scope: string) => {
      const res = await server.call('POST', '/oauth/token', { grant_type: 'client_credentials', client_id: 'cli_durable', client_secret: 's3cret', scope });
      expect(res.status).toBe(200);
      return res.body.access_token as string;
    };
    const reader = await grant(a, 'invoices:read');
    const writer = await grant(a, 'customers:write');
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    expect((await a.call('GET', '/api/v1/invoices?limit=1', undefined, bearer(reader))).status).toBe(200);
    await a.stop();
    // The database knows tokens by their hash only.
    const raw = keptDatabase(path.join(dir, DATABASE_FILE), { readonly: true });
    const rows = statement(raw, 'SELECT hash, data FROM tokens').all() as Array<{ hash: string; data: string }>;
    raw.close();
    expect(rows).toHaveLength(2);
    expect(JSON.stringify(rows)).not.toContain(reader);

    const b = await serve(flags);
    expect(b.running.resumed).toBe(true);
    expect((await b.call('GET', '/api/v1/invoices?limit=1', undefined, bearer(reader))).status).toBe(200);
    // The scopes come back too: a read-only token still may not write.
    const refused = await b.call('POST', '/api/v1/customers', { name: 'Nope Ltd', email: 'nope@example.test' }, bearer(reader));
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('insufficient_scope');
    expect((await b.call('POST', '/api/v1/customers', { name: 'Token Ltd', email: 'token@example.test' }, bearer(writer))).status).toBe(201);
    expect((await b.call('GET', '/api/v1/invoices?limit=1', undefined, bearer('at_never_issued'))).status).toBe(401);

    // An hour on (the lifetime is 3600 s, on the injected clock): both expire, before and after a restart.
    expect((await b.call('POST', '/control/clock/advance', { duration: 'PT1H' })).status).toBe(200);
    const expired = await b.call('GET', '/api/v1/invoices?limit=1', undefined, bearer(reader));
    expect(expired.status).toBe(401);
    expect(expired.body.code).toBe('invalid_token');
    await b.stop();
    const c = await serve(flags);
    expect((await c.call('GET', '/api/v1/invoices?limit=1', undefined, bearer(writer))).status).toBe(401);
    const fresh = await grant(c, 'invoices:read');
    expect((await c.call('GET', '/api/v1/invoices?limit=1', undefined, bearer(fresh))).status).toBe(200);
    await c.stop();
    const after = keptDatabase(path.join(dir, DATABASE_FILE), { readonly: true });
    expect((statement(after, 'SELECT count(*) AS n FROM tokens').get() as { n: number }).n).toBe(1);
    after.close();
  });

  it('a reset forgets the issued tokens, durably', async () => {
    const dir = tempDir();
    const flags = { dataDir: dir, oauthClients: 'acme:cli_reset:s3cret' };
    const a = await serve(flags);
    const token = (await a.call('POST', '/oauth/token', { grant_type: 'client_credentials', client_id: 'cli_reset', client_secret: 's3cret' })).body.access_token;
    expect((await a.call('POST', '/control/reset')).status).toBe(200);
    expect((await a.call('GET', '/api/v1/invoices?limit=1', undefined, { authorization: `Bearer ${token}` })).status).toBe(401);
    await a.stop();
    const b = await serve(flags);
    expect((await b.call('GET', '/api/v1/invoices?limit=1', undefined, { authorization: `Bearer ${token}` })).status).toBe(401);
    await b.stop();
  });

  it('without --data-dir nothing is written and every start begins from the fixtures', async () => {
    const a = await serve({});
    expect(a.running.dataDir).toBeUndefined();
    expect(a.running.resumed).toBe(false);
    await a.stop();
  });
});

describe('commits', () => {
  it('a commit that fails part-way leaves the database as it was, and reports the failure', () => {
    const dir = tempDir();
    const a = DurableState.open(dir);
    a.store.putTenant({ id: 'acme', name: 'Acme', invoice_pattern: 'INV-{SEQ}', credit_note_pattern: 'CN-{SEQ}' });
    a.store.setSequence('acme', 'INV', 7);
    a.close();

    const failures: string[] = [];
    const b = DurableState.open(dir, { onUnusable: (reason) => failures.push(reason) });
    // A reset: everything cleared, then written again; one row cannot be written (a BigInt is not JSON).
    b.store.clear();
    b.store.putTenant({ id: 'acme', name: 'Acme renamed', invoice_pattern: 'INV-{SEQ}', credit_note_pattern: 'CN-{SEQ}' });
    b.store.putInvoice('acme', { id: 'inv_1', number: 'INV-1', customer_id: 'c', stored_status: 'draft', credit_notes: [] } as never);
    b.store.putTenant({ id: 'broken', name: 'Broken', invoice_pattern: 'INV-{SEQ}', credit_note_pattern: 'CN-{SEQ}', broken: 1n } as never);
    expect(() => b.commit()).toThrow(StorageError);
    expect(failures).toHaveLength(1);
    // Not a full disk: the database is not trusted any more, and every later commit is refused.
    b.store.putTenant({ id: 'beta', name: 'Beta', invoice_pattern: 'INV-{SEQ}', credit_note_pattern: 'CN-{SEQ}' });
    expect(() => b.commit()).toThrow(expect.objectContaining({ reason: 'unusable' }));
    expect(failures).toHaveLength(1);
    b.close();

    const c = DurableState.open(dir);
    expect(c.store.tenants().map((t) => t.name)).toEqual(['Acme']);
    expect(c.store.sequence('acme', 'INV')).toBe(7);
    expect([...c.store.invoices('acme')]).toEqual([]);
    c.close();
  });

  it('reads --data-dir and INVOICEKIT_DATA_DIR (the flag wins), and --reset', () => {
    expect(readConfig({}).dataDir).toBeUndefined();
    expect(readConfig({ INVOICEKIT_DATA_DIR: '/srv/a' }).dataDir).toBe('/srv/a');
    expect(readConfig({ INVOICEKIT_DATA_DIR: '/srv/a' }, { dataDir: '/srv/b' }).dataDir).toBe('/srv/b');
    expect(readConfig({}).reset).toBe(false);
    expect(readConfig({}, { reset: true as never }).reset).toBe(true);
  });
});

describe('schema versions', () => {
  const schemaOf = (db: Database.Database) => statement(db, "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name").all();

  it('a version 1 database (before access tokens were kept) is migrated, not refused nor reset', async () => {
    const dir = tempDir();
    const a = await serve({ dataDir: dir, seed: '5', preset: 'small' });
    const customer = (await a.call('POST', '/api/v1/customers', { name: 'Before Ltd', email: 'before@example.test' })).body;
    const before = contents(a.running);
    await a.stop();

    // Take it back to version 1: exactly the schema MIGRATIONS[0] made, with the data kept.
    const file = path.join(dir, DATABASE_FILE);
    const db = keptDatabase(file);
    db.exec('DROP TABLE tokens');
    db.exec('PRAGMA user_version = 1');
    const v1 = keptDatabase(':memory:');
    v1.exec(MIGRATIONS[0]!);
    expect(schemaOf(db)).toEqual(schemaOf(v1));
    v1.close();
    db.close();

    const b = await serve({ dataDir: dir, oauthClients: 'acme:cli_migrated:s3cret' });
    expect(b.running.resumed).toBe(true);
    expect(contents(b.running)).toEqual(before);
    expect((await b.call('GET', `/api/v1/customers/${customer.id}`)).body.name).toBe('Before Ltd');
    const token = (await b.call('POST', '/oauth/token', { grant_type: 'client_credentials', client_id: 'cli_migrated', client_secret: 's3cret' })).body.access_token;
    await b.stop();
    const migrated = keptDatabase(file, { readonly: true });
    expect(pragmaValue(migrated, 'user_version')).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBe(2);
    migrated.close();

    const c = await serve({ dataDir: dir, oauthClients: 'acme:cli_migrated:s3cret' });
    expect((await c.call('GET', '/api/v1/invoices?limit=1', undefined, { authorization: `Bearer ${token}` })).status).toBe(200);
    await c.stop();
  });

  it('each migration step is one transaction with its version bump: a step that fails leaves the version it found', () => {
    const dir = tempDir();
    DurableState.open(dir).close();
    const file = path.join(dir, DATABASE_FILE);
    const db = keptDatabase(file);
    db.exec('PRAGMA user_version = 1'); // claims version 1 while the tokens table exists: step 1 → 2 must fail
    db.close();
    expect(() => DurableState.open(dir)).toThrow(DataDirError);
    const after = keptDatabase(file, { readonly: true });
    expect(pragmaValue(after, 'user_version')).toBe(1);
    after.close();
  });
});

describe('bad data directories', () => {
  const openError = (dir: string) => {
    try {
      DurableState.open(dir).close();
    } catch (error) {
      expect(error).toBeInstanceOf(DataDirError);
      expect((error as Error).message).not.toContain('\n');
      return (error as Error).message;
    }
    throw new Error(`${dir} opened`);
  };

  it('a fresh directory gets the current schema version and application id', () => {
    const dir = tempDir();
    DurableState.open(dir).close();
    const db = keptDatabase(path.join(dir, DATABASE_FILE), { readonly: true });
    expect(pragmaValue(db, 'user_version')).toBe(SCHEMA_VERSION);
    expect(pragmaValue(db, 'application_id')).toBe(0x696b6974);
    db.close();
  });

  it('refuses a path that is not a directory', () => {
    const file = path.join(tempDir(), 'plain-file');
    writeFileSync(file, 'x');
    expect(openError(file)).toMatch(/not a writable directory/);
    expect(openError(path.join(file, 'below'))).toMatch(/not a writable directory/);
  });

  it('refuses a corrupt database and leaves it as it was', () => {
    const dir = tempDir();
    const garbage = Buffer.alloc(8192, 0x5a);
    writeFileSync(path.join(dir, DATABASE_FILE), garbage);
    expect(openError(dir)).toMatch(/is corrupt/);
  });

  it('refuses a truncated database', async () => {
    const dir = tempDir();
    const a = await serve({ dataDir: dir, seed: '3', preset: 'small' });
    await a.stop();
    const file = path.join(dir, DATABASE_FILE);
    const bytes = (await import('node:fs')).readFileSync(file);
    writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
    expect(openError(dir)).toMatch(/corrupt/);
  });

  it('refuses another SQLite database and one written by a newer version', () => {
    const foreign = tempDir();
    const db = keptDatabase(path.join(foreign, DATABASE_FILE));
    db.exec('CREATE TABLE notes (text TEXT)');
    db.close();
    expect(openError(foreign)).toMatch(/not an invoicekit database/);

    const newer = tempDir();
    DurableState.open(newer).close();
    const db2 = keptDatabase(path.join(newer, DATABASE_FILE));
    db2.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
    db2.close();
    expect(openError(newer)).toContain(`newer invoicekit (schema version ${SCHEMA_VERSION + 1}; this one reads up to ${SCHEMA_VERSION})`);
  });

  it('refuses a directory another server holds', () => {
    const dir = tempDir();
    const holder = DurableState.open(dir);
    try {
      expect(openError(dir)).toMatch(/in use by another invoicekit server/);
    } finally {
      holder.close();
    }
    DurableState.open(dir).close();
  });
});
