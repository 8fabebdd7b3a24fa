// Everything a data directory keeps, beside the store: outbox, idempotency keys, snapshots, the
// clock and what the state was loaded from. One PendingChanges collects all of it, so that a
// commit writes one request's changes (or one reset, or one restore) in one transaction.
import type Database from 'better-sqlite3';
import type { ClockSettings } from '../deps.ts';
import { StorageError } from '../errors.ts';
import type { IssuedToken, TokenSink } from '../http/auth.ts';
import type { IdempotencyRecord, IdempotencySink } from '../http/idempotency.ts';
import type { OutboxMessage, OutboxSink } from '../services/outbox.ts';
import { describe, openDatabase, PendingChanges, SqliteStore, statement } from './sqlite.ts';
import type { StoreSnapshot } from './types.ts';

/** A saved snapshot of the whole state (mock controls). */
export type Snapshot = { name: string; taken_at: string; store: StoreSnapshot; outbox: OutboxMessage[] };

/** Where snapshots are kept: in memory, or in the data directory. */
export interface SnapshotStore {
  save(snapshot: Snapshot): void;
  get(name: string): Snapshot | undefined;
  list(): Array<{ name: string; taken_at: string }>;
  delete(name: string): boolean;
}

export class MemorySnapshots implements SnapshotStore {
  private readonly snapshots = new Map<string, Snapshot>();
  save(snapshot: Snapshot) {
    this.snapshots.set(snapshot.name, snapshot);
  }
  get(name: string) {
    return this.snapshots.get(name);
  }
  list() {
    return [...this.snapshots.values()].map(({ name, taken_at }) => ({ name, taken_at }));
  }
  delete(name: string) {
    return this.snapshots.delete(name);
  }
}

/** What the mock state was loaded from, kept so that a restart resumes instead of reloading fixtures. */
export type SavedState = {
  source: unknown;
  /** What reset returns to (absent in directories written before it was kept: then `source`). */
  startup_source?: unknown;
  reference_time: string | null;
  api_keys: Array<{ tenant: string; key: string }>;
  /** The start-up data set's keys, which every later load keeps. */
  startup_api_keys?: Array<{ tenant: string; key: string }>;
  oauth_clients: Array<{ tenant: string; client_id: string; client_secret: string; scopes: string[] }>;
};

/** The part of the state's persistence that MockState uses. */
export interface StatePersistence {
  snapshots: SnapshotStore;
  saveState(state: SavedState): void;
  commit(): void;
}

// Attachments are Buffers in memory and base64 in the database.
type StoredMessage = Omit<OutboxMessage, 'attachments'> & { attachments: Array<{ filename: string; contentType: string; base64: string }> };
const encodeMessage = (m: OutboxMessage): StoredMessage => ({ ...m, attachments: m.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, base64: Buffer.from(a.content).toString('base64') })) });
const decodeMessage = (m: StoredMessage): OutboxMessage => ({ ...m, attachments: m.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: Buffer.from(a.base64, 'base64') })) });

/** The database of a data directory and every view of it the server needs. */
export class DurableState implements StatePersistence {
  readonly store: SqliteStore;
  readonly outbox: OutboxSink;
  readonly idempotency: IdempotencySink;
  readonly snapshots: SnapshotStore;
  readonly tokens: TokenSink;
  private readonly pending = new PendingChanges();
  private closed = false;
  /** Failed commits so far: a request that saw this number change may have lost its changes. */
  private failures = 0;
  /** Why the database can no longer be written; set once, for good. */
  private unusable: string | undefined;
  /** Puts the rest of the server's memory back from the database (set by the server once it is built). */
  private reloadRest: (() => void) | undefined;
  private reloading = false;
  private readonly reloadSnapshotNames: () => void;

  static open(dir: string, options: { onUnusable?: (message: string) => void } = {}) {
    return new DurableState(openDatabase(dir), options.onUnusable);
  }

  private constructor(
    private readonly db: Database.Database,
    private readonly onUnusable?: (message: string) => void,
  ) {
    const { pending } = this;
    this.store = new SqliteStore(db, pending);

    const outboxSeq = statement(db, 'SELECT coalesce(max(seq), 0) AS n FROM outbox').get() as { n: number };
    let seq = outboxSeq.n;
    const addMessage = statement(db, 'INSERT INTO outbox (seq, id, data) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data');
    const removeMessage = statement(db, 'DELETE FROM outbox WHERE id = ?');
    this.outbox = {
      add: (m) => {
        const n = ++seq;
        pending.stage(`outbox:${m.id}`, () => addMessage.run(n, m.id, JSON.stringify(encodeMessage(m))));
      },
      remove: (id) => pending.stage(`outbox:${id}`, () => removeMessage.run(id)),
      clear: () => {
        pending.drop('outbox:');
        pending.stage('outbox:', () => db.exec('DELETE FROM outbox'));
      },
    };

    const saveKey = statement(db, 'INSERT INTO idempotency (id, expires_at, data) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at, data = excluded.data');
    const removeKey = statement(db, 'DELETE FROM idempotency WHERE id = ?');
    this.idempotency = {
      save: (id, record) => pending.stage(`idem:${id}`, () => saveKey.run(id, record.expiresAt, JSON.stringify(record))),
      remove: (id) => pending.stage(`idem:${id}`, () => removeKey.run(id)),
      clear: () => {
        pending.drop('idem:');
        pending.stage('idem:', () => db.exec('DELETE FROM idempotency'));
      },
    };

    const names = new Map<string, string>();
    this.reloadSnapshotNames = () => {
      names.clear();
      for (const row of statement(db, 'SELECT name, taken_at FROM snapshots ORDER BY rowid').all() as Array<{ name: string; taken_at: string }>) names.set(row.name, row.taken_at);
    };
    this.reloadSnapshotNames();
    const saveSnapshot = statement(db, 'INSERT INTO snapshots (name, taken_at, data) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET taken_at = excluded.taken_at, data = excluded.data');
    const readSnapshot = statement(db, 'SELECT data FROM snapshots WHERE name = ?');
    const deleteSnapshot = statement(db, 'DELETE FROM snapshots WHERE name = ?');
    this.snapshots = {
      save: (s) => {
        names.set(s.name, s.taken_at);
        // Serialised now: the store snapshot is a deep copy, but cheaper to hold as text until the commit.
        const data = JSON.stringify({ store: s.store, outbox: s.outbox.map(encodeMessage) });
        pending.stage(`snap:${s.name}`, () => saveSnapshot.run(s.name, s.taken_at, data));
      },
      get: (name) => {
        const taken_at = names.get(name);
        if (taken_at === undefined) return undefined;
        this.commit(); // a snapshot saved in this request is read back from the database
        const row = readSnapshot.get(name) as { data: string } | undefined;
        if (!row) return undefined;
        const data = JSON.parse(row.data) as { store: StoreSnapshot; outbox: StoredMessage[] };
        return { name, taken_at, store: data.store, outbox: data.outbox.map(decodeMessage) };
      },
      list: () => [...names].map(([name, taken_at]) => ({ name, taken_at })),
      delete: (name) => {
        if (!names.delete(name)) return false;
        pending.stage(`snap:${name}`, () => deleteSnapshot.run(name));
        return true;
      },
    };

    const saveToken = statement(db, 'INSERT INTO tokens (hash, expires_at, data) VALUES (?, ?, ?) ON CONFLICT (hash) DO UPDATE SET expires_at = excluded.expires_at, data = excluded.data');
    const removeToken = statement(db, 'DELETE FROM tokens WHERE hash = ?');
    this.tokens = {
      save: (hash, token) => pending.stage(`token:${hash}`, () => saveToken.run(hash, token.expiresAt, JSON.stringify(token))),
      remove: (hash) => pending.stage(`token:${hash}`, () => removeToken.run(hash)),
      clear: () => {
        pending.drop('token:');
        pending.stage('token:', () => db.exec('DELETE FROM tokens'));
      },
    };
  }

  private meta<T>(key: string): T | undefined {
    const row = statement(this.db, 'SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as T) : undefined;
  }
  private setMeta(key: string, value: unknown) {
    const json = JSON.stringify(value);
    this.pending.stage(`meta:${key}`, () => statement(this.db, 'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, json));
  }

  /** What the state was last loaded from; undefined for a new data directory. */
  savedState(): SavedState | undefined {
    return this.meta<SavedState>('state');
  }
  saveState(state: SavedState) {
    this.setMeta('state', state);
  }
  savedClock(): ClockSettings | undefined {
    return this.meta<ClockSettings>('clock');
  }
  saveClock(settings: ClockSettings) {
    this.setMeta('clock', settings);
    this.commit();
  }

  /** The secret that signs cursors and links, made once per data directory so they stay valid across restarts. */
  secret(make: () => string): string {
    const kept = this.meta<string>('secret');
    if (kept) return kept;
    const made = make();
    this.setMeta('secret', made);
    this.commit();
    return made;
  }

  outboxMessages(): OutboxMessage[] {
    return (statement(this.db, 'SELECT data FROM outbox ORDER BY seq').all() as Array<{ data: string }>).map((row) => decodeMessage(JSON.parse(row.data)));
  }
  /** Access tokens still valid at `now`; expired ones are pruned from the database on the way. */
  tokenRecords(now: number): Array<[string, IssuedToken]> {
    if (!this.reloading) statement(this.db, 'DELETE FROM tokens WHERE expires_at <= ?').run(now);
    return (statement(this.db, 'SELECT hash, data FROM tokens WHERE expires_at > ? ORDER BY rowid').all(now) as Array<{ hash: string; data: string }>).map((row) => [row.hash, JSON.parse(row.data)]);
  }
  idempotencyRecords(now: number): Array<[string, IdempotencyRecord]> {
    return (statement(this.db, 'SELECT id, data FROM idempotency WHERE expires_at > ? ORDER BY rowid').all(now) as Array<{ id: string; data: string }>).map((row) => [row.id, JSON.parse(row.data)]);
  }

  /**
   * Sets how the rest of the server's memory (outbox, keys, tokens, credentials, clock) is read
   * back from the database after a failed commit; the store and snapshot names are reloaded here.
   */
  onRollback(reload: () => void) {
    this.reloadRest = reload;
  }

  /** Failed commits so far; a request that began under another number may have lost its changes. */
  get epoch(): number {
    return this.failures;
  }

  /** Throws while the database can no longer be written: memory may hold what the disk does not. */
  check() {
    if (this.unusable !== undefined) throw new StorageError('unusable', this.unusable);
  }

  /**
   * Writes every staged change in one transaction (WAL, synchronous=FULL). Called before a
   * request is answered, so that an acknowledged change is on disk. When it fails, SQLite has
   * rolled the transaction back, and memory must follow: see failed().
   */
  commit() {
    if (this.closed || this.reloading) return;
    this.check();
    if (this.pending.size === 0) return;
    const ops = this.pending.take();
    try {
      this.db.transaction(() => {
        for (const op of ops) op();
      })();
    } catch (error) {
      this.failures++;
      throw this.failed(error);
    }
  }

  /**
   * A full database (SQLITE_FULL: disk full, or a size limit) is intact: memory is reloaded from
   * it, and the server goes on. Anything else (I/O error, read-only file, corruption, a bug)
   * leaves a database that cannot be trusted: it is marked unusable for good, and the owner told.
   */
  private failed(error: unknown): StorageError {
    let reason = describe(error);
    if ((error as { code?: string }).code === 'SQLITE_FULL' && this.reloadRest) {
      this.reloading = true;
      try {
        this.store.reload(this.db);
        this.reloadSnapshotNames();
        this.reloadRest();
        // What the reload staged again (the clock, configured tenants) is what the database holds.
        this.pending.take();
        return new StorageError('full', reason);
      } catch (reloadError) {
        reason = `${reason}; then reading it back failed: ${describe(reloadError)}`;
      } finally {
        this.reloading = false;
      }
    }
    this.unusable = reason;
    this.pending.take();
    this.onUnusable?.(reason);
    return new StorageError('unusable', reason);
  }

  /** Changes staged and not yet committed (zero whenever no request is half-way through). */
  get uncommitted(): number {
    return this.pending.size;
  }

  close() {
    if (this.closed) return;
    if (this.unusable === undefined) this.commit();
    this.closed = true;
    this.db.close();
  }
}
