// A commit the data directory refuses: nothing acknowledged is lost, nothing unkept is shown.
// The database's own limits are used to make the write fail (max_page_count: full; query_only: read-only).
import type Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { componentValidator, createContractAjv } from '../contract/ajv.ts';
import { readConfig } from '../config.ts';
import { startServer } from '../server.ts';
import { pragmaValue } from './sqlite.ts';

const problemSchema = componentValidator(createContractAjv(), 'Problem');
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
const ADMIN = 'adm_write_failure_test';

async function serve(dir: string, failures: string[] = []) {
  const running = await startServer(readConfig({}, { port: '0', adminToken: ADMIN, rateLimit: '0', dataDir: dir, clock: '2026-05-01T09:00:00Z' }), { onStorageFailure: (reason) => failures.push(reason) });
  const key = running.credentials.apiKeysOf('acme')[0]!;
  const call = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await request(running.baseUrl + url, {
      method: method as 'GET',
      headers: { authorization: `Bearer ${url.startsWith('/control') ? ADMIN : key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.body.text();
    // Answered means committed, or refused with nothing left staged.
    expect(running.durable!.uncommitted, `${method} ${url}`).toBe(0);
    return { status: res.statusCode, headers: res.headers as Record<string, string>, body: text ? JSON.parse(text) : undefined };
  };
  // The connection itself, to make SQLite refuse writes as a full disk or a read-only file would.
  const db = (running.durable as unknown as { db: Database.Database }).db;
  return { running, call, db, stop: () => running.shutdown(1000) };
}

function expectStorageProblem(res: { status: number; headers: Record<string, string>; body: any }) {
  expect(res.status).toBe(503);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.code).toBe('storage_unavailable');
  expect(problemSchema(res.body), JSON.stringify(problemSchema.errors)).toBe(true);
}

/** Every tenant's records and numbering sequences. */
const contents = (running: Awaited<ReturnType<typeof serve>>['running']) => running.store.snapshot().data;

describe('a commit that fails', () => {
  it('database full: the request is answered 503 storage_unavailable, memory drops its change, and the server goes on', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'invoicekit-full-'));
    dirs.push(dir);
    const failures: string[] = [];
    const a = await serve(dir, failures);
    const customer = (await a.call('POST', '/api/v1/customers', { name: 'Full Disk Ltd', email: 'full@example.test' })).body;
    const totalBefore = (await a.call('GET', '/api/v1/invoices?limit=1')).body.pagination.total;
    const outboxBefore = (await a.call('GET', '/control/outbox')).body.data.length;

    // No page beyond those it has: the next write that needs one gets SQLITE_FULL, as on a full disk.
    a.db.exec(`PRAGMA max_page_count = ${pragmaValue(a.db, 'page_count') as number}`);
    const big = (i: number) => ({ customer_id: customer.id, line_items: Array.from({ length: 40 }, (_, n) => ({ description: `attempt ${i} line ${n} `.padEnd(200, '.'), quantity: 1, unit_price: 100 + n })) });
    const acked: string[] = [];
    let refused: Awaited<ReturnType<typeof a.call>> | undefined;
    let expectedNumber = '';
    let attempt = 0;
    for (; attempt < 100 && !refused; attempt++) {
      expectedNumber = (await a.call('GET', '/api/v1/invoices/next-number')).body.number;
      const res = await a.call('POST', '/api/v1/invoices', big(attempt), { 'idempotency-key': `full-${attempt}` });
      if (res.status === 201) acked.push(res.body.id);
      else refused = res;
    }
    expect(refused, 'the database never filled up').toBeDefined();
    expectStorageProblem(refused!);
    expect(failures).toEqual([]);
    const failedKey = `full-${attempt - 1}`;

    // Nothing of the refused create is visible: not in the list, not in the numbering.
    expect((await a.call('GET', '/api/v1/invoices?limit=1')).body.pagination.total).toBe(totalBefore + acked.length);
    expect((await a.call('GET', '/api/v1/invoices/next-number')).body.number).toBe(expectedNumber);
    for (const id of acked) expect((await a.call('GET', `/api/v1/invoices/${id}`)).status).toBe(200);
    // Its idempotency key was not kept as answered: the same request runs again (and is refused again while full).
    const again = await a.call('POST', '/api/v1/invoices', big(attempt - 1), { 'idempotency-key': failedKey });
    expectStorageProblem(again);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
    // A control operation is refused the same way: no snapshot listed that is not on disk.
    expectStorageProblem(await a.call('POST', '/control/snapshots', { name: 'while-full' }));
    expect((await a.call('GET', '/control/snapshots')).body.data).toEqual([]);
    expect((await a.call('GET', '/control/outbox')).body.data).toHaveLength(outboxBefore);

    // Space again: the same request now succeeds, under the number that was never handed out.
    a.db.exec('PRAGMA max_page_count = 1073741823');
    const retried = await a.call('POST', '/api/v1/invoices', big(attempt - 1), { 'idempotency-key': failedKey });
    expect(retried.status).toBe(201);
    expect(retried.body.number).toBe(expectedNumber);
    expect((await a.call('POST', '/api/v1/invoices', big(attempt - 1), { 'idempotency-key': failedKey })).headers['idempotent-replayed']).toBe('true');
    const before = contents(a.running);
    await a.stop();

    // What memory showed is exactly what the disk holds.
    const b = await serve(dir);
    expect(contents(b.running)).toEqual(before);
    expect((await b.call('GET', '/api/v1/invoices?limit=1')).body.pagination.total).toBe(totalBefore + acked.length + 1);
    await b.stop();
  }, 60_000);

  it('database unusable (read-only): 503 for that request and every later one, reported once, and nothing of it kept', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'invoicekit-readonly-'));
    dirs.push(dir);
    const failures: string[] = [];
    const a = await serve(dir, failures);
    const kept = (await a.call('POST', '/api/v1/customers', { name: 'Kept Ltd', email: 'kept@example.test' })).body;

    a.db.exec('PRAGMA query_only = ON'); // every write now fails with SQLITE_READONLY
    expectStorageProblem(await a.call('POST', '/api/v1/customers', { name: 'Lost Ltd', email: 'lost@example.test' }));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/SQLITE_READONLY/);
    // Memory is not trusted any more: reads are refused too, on the API and the controls alike.
    expectStorageProblem(await a.call('GET', `/api/v1/customers/${kept.id}`));
    expectStorageProblem(await a.call('GET', '/control/clock'));
    expect(failures).toHaveLength(1);
    await a.stop();

    const b = await serve(dir);
    const names = (await b.call('GET', '/api/v1/customers?limit=100')).body.data.map((c: { name: string }) => c.name);
    expect(names).toContain('Kept Ltd');
    expect(names).not.toContain('Lost Ltd');
    await b.stop();
  }, 60_000);
});
