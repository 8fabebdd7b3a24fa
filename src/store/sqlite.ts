// Durable state in one embedded SQLite database (`--data-dir`). The in-memory indexes stay the
// read path; every change is staged here and written by commit(), one transaction per request.
import Database from 'better-sqlite3';
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../config.ts';
import { MemoryStore } from './memory.ts';
import type { CustomerRecord, InvoiceRecord, TenantSettings } from './types.ts';

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
    db = new Database(file, { timeout: 200 });
  } catch (error) {
    throw new DataDirError(`data directory ${where}: cannot open ${DATABASE_FILE} (${describe(error)})`);
  }
  try {
    // One server per directory: the exclusive lock is taken by the first write and held until close.
    db.pragma('locking_mode = EXCLUSIVE');
    if (db.pragma('journal_mode = WAL', { simple: true }) !== 'wal') throw new Error('cannot switch to WAL');
    // FULL: a commit is on disk (fsynced) before the answer goes out, which survives a crash of the process and of the machine.
    db.pragma('synchronous = FULL');
    db.exec('BEGIN IMMEDIATE; COMMIT');
    const appId = db.pragma('application_id', { simple: true }) as number;
    const version = db.pragma('user_version', { simple: true }) as number;
    const tables = (db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number }).n;
    if (appId !== APPLICATION_ID && (appId !== 0 || tables > 0)) throw new DataDirError(`data directory ${where}: ${DATABASE_FILE} is not an invoicekit database; move it away or choose another directory`);
    if (version > SCHEMA_VERSION) throw new DataDirError(`data directory ${where} was written by a newer invoicekit (schema version ${version}; this one reads up to ${SCHEMA_VERSION}); upgrade invoicekit or choose another directory`);
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw Object.assign(new Error(String(check)), { code: 'SQLITE_CORRUPT' });
    for (let v = version; v < SCHEMA_VERSION; v++) {
      db.transaction(() => {
        db.exec(MIGRATIONS[v]!);
        db.pragma(`application_id = ${APPLICATION_ID}`);
        db.pragma(`user_version = ${v + 1}`);
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
      putTenant: db.prepare('INSERT INTO tenants (id, data) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data'),
      putCustomer: db.prepare('INSERT INTO customers (tenant, id, data) VALUES (?, ?, ?) ON CONFLICT (tenant, id) DO UPDATE SET data = excluded.data'),
      removeCustomer: db.prepare('DELETE FROM customers WHERE tenant = ? AND id = ?'),
      putInvoice: db.prepare('INSERT INTO invoices (tenant, id, data) VALUES (?, ?, ?) ON CONFLICT (tenant, id) DO UPDATE SET data = excluded.data'),
      removeInvoice: db.prepare('DELETE FROM invoices WHERE tenant = ? AND id = ?'),
      setSequence: db.prepare('INSERT INTO sequences (tenant, scope, value) VALUES (?, ?, ?) ON CONFLICT (tenant, scope) DO UPDATE SET value = excluded.value'),
      clear: () => db.exec('DELETE FROM tenants; DELETE FROM customers; DELETE FROM invoices; DELETE FROM sequences;'),
    };
    this.load(db);
  }

  private load(db: Database.Database) {
    // Rows in insertion order (an update keeps its rowid), so iteration order is as before the restart.
    for (const row of db.prepare('SELECT data FROM tenants ORDER BY rowid').iterate() as Iterable<{ data: string }>) super.putTenant(JSON.parse(row.data));
    for (const row of db.prepare('SELECT tenant, data FROM customers ORDER BY rowid').iterate() as Iterable<{ tenant: string; data: string }>) super.putCustomer(row.tenant, JSON.parse(row.data));
    for (const row of db.prepare('SELECT tenant, data FROM invoices ORDER BY rowid').iterate() as Iterable<{ tenant: string; data: string }>) super.putInvoice(row.tenant, JSON.parse(row.data));
    for (const row of db.prepare('SELECT tenant, scope, value FROM sequences').iterate() as Iterable<{ tenant: string; scope: string; value: number }>) super.setSequence(row.tenant, row.scope, row.value);
  }

  /** Memory becomes what the database holds again (after a failed commit); nothing is staged. */
  reload(db: Database.Database) {
    super.clear();
    this.load(db);
  }

  override putTenant(settings: TenantSettings) {
    super.putTenant(settings);
    this.pending.stage(`store:t:${settings.id}`, () => this.sql.putTenant.run(settings.id, JSON.stringify(settings)));
  }
  override putCustomer(tenant: string, record: CustomerRecord) {
    super.putCustomer(tenant, record);
    this.pending.stage(`store:c:${tenant}\0${record.id}`, () => this.sql.putCustomer.run(tenant, record.id, JSON.stringify(record)));
  }
  override removeCustomer(tenant: string, id: string) {
    super.removeCustomer(tenant, id);
    this.pending.stage(`store:c:${tenant}\0${id}`, () => this.sql.removeCustomer.run(tenant, id));
  }
  override putInvoice(tenant: string, record: InvoiceRecord) {
    super.putInvoice(tenant, record);
    this.pending.stage(`store:i:${tenant}\0${record.id}`, () => this.sql.putInvoice.run(tenant, record.id, JSON.stringify(record)));
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
