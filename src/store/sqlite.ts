// Durable state in one embedded SQLite database (`--data-dir`). The in-memory indexes stay the
// read path; every change is staged here and written by commit(), one transaction per request.
import type Database from 'better-sqlite3';
import { createRequire } from 'node:module';
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../config.ts';
import { invoiceJson, StringPool, type StoredInvoice } from './compact-invoice.ts';
import { asciiJson } from './ascii-json.ts';
import { MemoryStore } from './memory.ts';
import type { CustomerRecord, TenantSettings } from './types.ts';

/** Version of the schema this build writes. Raise it and append to MIGRATIONS to change the schema. */
export const SCHEMA_VERSION = 2;
/** PRAGMA application_id of an invoicekit database ('ikit'), so another SQLite file is refused. */
const APPLICATION_ID = 0x696b6974;
export const DATABASE_FILE = 'invoicekit.sqlite';

/**
 * MIGRATIONS[n] takes a database from version n to n + 1, inside one transaction with the
 * version bump. Records are JSON documents (an invoice holds its lines, payments and credit
 * notes), so most changes to the contract need no migration at all.
 */
export const MIGRATIONS: string[] = [
  `CREATE TABLE tenants (id TEXT PRIMARY KEY, data TEXT NOT NULL);
   CREATE TABLE customers (tenant TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (tenant, id));
   CREATE TABLE invoices (tenant TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (tenant, id));
   CREATE TABLE sequences (tenant TEXT NOT NULL, scope TEXT NOT NULL, value INTEGER NOT NULL, PRIMARY KEY (tenant, scope));
   CREATE TABLE outbox (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, data TEXT NOT NULL);
   CREATE TABLE idempotency (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL, data TEXT NOT NULL);
   CREATE TABLE snapshots (name TEXT PRIMARY KEY, taken_at TEXT NOT NULL, data TEXT NOT NULL);
   CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
  // 1 → 2: OAuth access tokens, by the SHA-256 of the token, so that they outlive a restart.
  `CREATE TABLE tokens (hash TEXT PRIMARY KEY, expires_at INTEGER NOT NULL, data TEXT NOT NULL);`,
];

/**
 * Every better-sqlite3 object this process makes stays referenced until the process exits.
 *
 * better-sqlite3 12.x wraps connections, statements and iterators in node::ObjectWrap. Since Node
 * 24.19 its destructor removes an environment cleanup hook, which asserts `(env) != nullptr` and
 * aborts the process when V8 collects such an object outside a JavaScript context (an idle or
 * background GC) or while the environment is torn down. So none may ever become garbage: each
 * statement is prepared once per connection (statement()) and kept here with its connection,
 * closed connections included; nothing here uses db.pragma() (a new statement per call) or
 * .iterate() (a new iterator per call); and the CLI closes the database, then ends with
 * process.exit(), which skips the teardown that would delete what is still alive.
 * better-sqlite3 13 fixes this, but needs Node >= 22.
 */
const connections = new Map<Database.Database, Map<string, Database.Statement>>();

/** better-sqlite3 (a native addon), loaded when a data directory is first opened: a server without one never needs it. */
let sqlite: typeof Database | undefined;
const require = createRequire(import.meta.url);

/** A connection that is kept (with its statements) for the life of the process, even once closed. */
export function keptDatabase(file: string, options?: Database.Options): Database.Database {
  sqlite ??= require('better-sqlite3') as typeof Database;
  const db = new sqlite(file, options);
  connections.set(db, new Map());
  return db;
}

/** The one prepared statement of this SQL on this connection (prepared on first use, kept for good). */
export function statement(db: Database.Database, sql: string): Database.Statement {
  let prepared = connections.get(db);
  if (!prepared) connections.set(db, (prepared = new Map()));
  let stmt = prepared.get(sql);
  if (!stmt) prepared.set(sql, (stmt = db.prepare(sql)));
  return stmt;
}

/** The first column of a PRAGMA's first row, through a kept statement (db.pragma() would make a new one each call). */
export function pragmaValue(db: Database.Database, sql: string): unknown {
  const row = statement(db, `PRAGMA ${sql}`).get() as Record<string, unknown> | undefined;
  return row && Object.values(row)[0];
}

/** Rows of a table in rowid order, a page at a time through one kept statement (no iterator objects). */
function* pages<T>(db: Database.Database, table: string, columns: string): Generator<T> {
  const page = statement(db, `SELECT rowid AS _rowid, ${columns} FROM ${table} WHERE rowid > ? ORDER BY rowid LIMIT 1000`);
  let after = 0;
  for (;;) {
    const rows = page.all(after) as Array<T & { _rowid: number }>;
    yield* rows;
    if (rows.length < 1000) return;
    after = rows[rows.length - 1]!._rowid;
  }
}

/** A data directory that cannot be used: the CLI prints the one line and exits with code 2. */
export class DataDirError extends ConfigError {}

type Op = () => void;

/** Changes waiting for the next commit, keyed so that a later change to the same row replaces an earlier one. */
export class PendingChanges {
  private readonly ops = new Map<string, Op>();
  stage(key: string, op: Op) {
    this.ops.delete(key); // keeps the order of the latest change
    this.ops.set(key, op);
  }
  drop(prefix: string) {
    for (const key of this.ops.keys()) if (key.startsWith(prefix)) this.ops.delete(key);
  }
  take(): Op[] {
    const ops = [...this.ops.values()];
    this.ops.clear();
    return ops;
  }
  get size() {
    return this.ops.size;
  }
}

export function describe(error: unknown): string {
  const e = error as { code?: string; message?: string };
  return `${e.code ?? 'error'}: ${e.message ?? String(error)}`;
}

/** Opens (creating or migrating) the database of a data directory, or throws one clear DataDirError. */
export function openDatabase(dir: string): Database.Database {
  const where = path.resolve(dir);
  try {
    mkdirSync(where, { recursive: true });
    if (!statSync(where).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    accessSync(where, constants.R_OK | constants.W_OK);
  } catch (error) {
    throw new DataDirError(`data directory ${where} cannot be used: it is not a writable directory (${(error as { code?: string }).code ?? (error as Error).message})`);
  }
  const file = path.join(where, DATABASE_FILE);
  let db: Database.Database;
  try {
    db = keptDatabase(file, { timeout: 200 });
  } catch (error) {
    throw new DataDirError(`data directory ${where}: cannot open ${DATABASE_FILE} (${describe(error)})`);
  }
  try {
    // One server per directory: the exclusive lock is taken by the first write and held until close.
    db.exec('PRAGMA locking_mode = EXCLUSIVE');
    if ((statement(db, 'PRAGMA journal_mode = WAL').get() as { journal_mode: string }).journal_mode !== 'wal') throw new Error('cannot switch to WAL');
    // FULL: a commit is on disk (fsynced) before the answer goes out, which survives a crash of the process and of the machine.
    db.exec('PRAGMA synchronous = FULL');
    db.exec('BEGIN IMMEDIATE; COMMIT');
    const appId = (statement(db, 'PRAGMA application_id').get() as { application_id: number }).application_id;
    const version = (statement(db, 'PRAGMA user_version').get() as { user_version: number }).user_version;
    const tables = (statement(db, "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number }).n;
    if (appId !== APPLICATION_ID && (appId !== 0 || tables > 0)) throw new DataDirError(`data directory ${where}: ${DATABASE_FILE} is not an invoicekit database; move it away or choose another directory`);
    if (version > SCHEMA_VERSION) throw new DataDirError(`data directory ${where} was written by a newer invoicekit (schema version ${version}; this one reads up to ${SCHEMA_VERSION}); upgrade invoicekit or choose another directory`);
    const check = (statement(db, 'PRAGMA quick_check').all() as Array<{ quick_check: string }>).map((row) => row.quick_check);
    if (check.length !== 1 || check[0] !== 'ok') throw Object.assign(new Error(check.join('; ')), { code: 'SQLITE_CORRUPT' });
    for (let v = version; v < SCHEMA_VERSION; v++) {
      db.transaction(() => {
        db.exec(MIGRATIONS[v]!);
        db.exec(`PRAGMA application_id = ${APPLICATION_ID}; PRAGMA user_version = ${v + 1}`);
      })();
    }
    return db;
  } catch (error) {
    db.close();
    if (error instanceof DataDirError) throw error;
    const code = (error as { code?: string }).code;
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') throw new DataDirError(`data directory ${where} is in use by another invoicekit server (the database is locked)`);
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') throw new DataDirError(`data directory ${where}: ${DATABASE_FILE} is corrupt (${describe(error)}); restore it from a backup or choose another directory`);
    if (code === 'SQLITE_READONLY' || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_IOERR' || code?.startsWith('SQLITE_IOERR')) throw new DataDirError(`data directory ${where} is not writable (${describe(error)})`);
    throw new DataDirError(`data directory ${where}: cannot open ${DATABASE_FILE} (${describe(error)})`);
  }
}

/** The store as SQLite rows: a MemoryStore (the read path) whose every change is staged for the next commit. */
export class SqliteStore extends MemoryStore {
  private readonly sql;

  constructor(
    db: Database.Database,
    private readonly pending: PendingChanges,
  ) {
    super();
    this.sql = {
      putTenant: statement(db, 'INSERT INTO tenants (id, data) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data'),
      putCustomer: statement(db, 'INSERT INTO customers (tenant, id, data) VALUES (?, ?, ?) ON CONFLICT (tenant, id) DO UPDATE SET data = excluded.data'),
      removeCustomer: statement(db, 'DELETE FROM customers WHERE tenant = ? AND id = ?'),
      putInvoice: statement(db, 'INSERT INTO invoices (tenant, id, data) VALUES (?, ?, ?) ON CONFLICT (tenant, id) DO UPDATE SET data = excluded.data'),
      removeInvoice: statement(db, 'DELETE FROM invoices WHERE tenant = ? AND id = ?'),
      setSequence: statement(db, 'INSERT INTO sequences (tenant, scope, value) VALUES (?, ?, ?) ON CONFLICT (tenant, scope) DO UPDATE SET value = excluded.value'),
      clear: () => db.exec('DELETE FROM tenants; DELETE FROM customers; DELETE FROM invoices; DELETE FROM sequences;'),
    };
    this.load(db);
  }

  private load(db: Database.Database) {
    // Rows are written in ASCII (asciiJson): one-byte strings, which JSON.parse reads about a third faster; older rows load as they are.
    // Rows in insertion order (an update keeps its rowid), so iteration order is as before the restart.
    for (const row of pages<{ data: string }>(db, 'tenants', 'data')) super.putTenant(JSON.parse(row.data));
    for (const row of pages<{ tenant: string; data: string }>(db, 'customers', 'tenant, data')) super.putCustomer(row.tenant, JSON.parse(row.data));
    const pool = new StringPool();
    for (const row of pages<{ tenant: string; data: string }>(db, 'invoices', 'tenant, data')) this.putInvoiceJson(row.tenant, row.data, pool);
    for (const row of pages<{ tenant: string; scope: string; value: number }>(db, 'sequences', 'tenant, scope, value')) super.setSequence(row.tenant, row.scope, row.value);
  }

  /** Memory becomes what the database holds again (after a failed commit); nothing is staged. */
  reload(db: Database.Database) {
    super.clear();
    this.load(db);
  }

  override putTenant(settings: TenantSettings) {
    super.putTenant(settings);
    this.pending.stage(`store:t:${settings.id}`, () => this.sql.putTenant.run(settings.id, asciiJson(settings)));
  }
  override putCustomer(tenant: string, record: CustomerRecord) {
    super.putCustomer(tenant, record);
    this.pending.stage(`store:c:${tenant}\0${record.id}`, () => this.sql.putCustomer.run(tenant, record.id, asciiJson(record)));
  }
  override removeCustomer(tenant: string, id: string) {
    super.removeCustomer(tenant, id);
    this.pending.stage(`store:c:${tenant}\0${id}`, () => this.sql.removeCustomer.run(tenant, id));
  }
  override putStoredInvoice(tenant: string, stored: StoredInvoice) {
    super.putStoredInvoice(tenant, stored);
    // putInvoice comes here too. The row is asciiJson of the record, as the memory store keeps it when it can.
    this.pending.stage(`store:i:${tenant}\0${stored.id}`, () => this.sql.putInvoice.run(tenant, stored.id, invoiceJson(stored)));
  }
  override removeInvoice(tenant: string, id: string) {
    super.removeInvoice(tenant, id);
    this.pending.stage(`store:i:${tenant}\0${id}`, () => this.sql.removeInvoice.run(tenant, id));
  }
  override setSequence(tenant: string, scope: string, value: number) {
    super.setSequence(tenant, scope, value);
    this.pending.stage(`store:s:${tenant}\0${scope}`, () => this.sql.setSequence.run(tenant, scope, value));
  }
  override clear() {
    super.clear();
    // Earlier staged rows are moot: the clear empties the tables first, and what follows is staged after it.
    this.pending.drop('store:');
    this.pending.stage('store:clear', this.sql.clear);
  }
}
