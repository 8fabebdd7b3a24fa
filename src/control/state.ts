import { existsSync } from 'node:fs';
import path from 'node:path';
import { generateDataset, type PresetName } from '../../fixtures/generate.ts';
import type { ControllableClock } from '../deps.ts';
import { loadDataset, readDataset, type Dataset } from '../dataset.ts';
import type { Credentials } from '../http/auth.ts';
import type { IdempotencyKeys } from '../http/idempotency.ts';
import type { Outbox, OutboxMessage } from '../services/outbox.ts';
import type { Store, StoreSnapshot } from '../store/types.ts';
import { ApiError } from '../errors.ts';
import type { Journal } from './journal.ts';

export type DatasetSource = { kind: 'file'; path: string } | { kind: 'generated'; preset: PresetName; seed: number } | { kind: 'empty' };

type Snapshot = { name: string; taken_at: string; store: StoreSnapshot; outbox: OutboxMessage[] };

/** Credentials that come from configuration and survive every reset (environment keys and clients). */
export type ExtraCredentials = (credentials: Credentials, store: Store) => void;

/** Everything the mock controls act on, and the operations on the whole state. */
export class MockState {
  private source: DatasetSource;
  /** The "now" the loaded data set was generated for, if it says. */
  referenceTime: string | undefined;
  private readonly snapshots = new Map<string, Snapshot>();

  constructor(
    private readonly deps: {
      store: Store;
      credentials: Credentials;
      outbox: Outbox;
      clock: ControllableClock;
      journal: Journal;
      idempotency: IdempotencyKeys;
      fixturesDir: string;
      extraCredentials: ExtraCredentials;
    },
    source: DatasetSource,
  ) {
    this.source = source;
  }

  describeSource(): string {
    const s = this.source;
    return s.kind === 'file' ? s.path : s.kind === 'generated' ? `generated (preset ${s.preset}, seed ${s.seed})` : 'empty';
  }

  private datasetOf(source: DatasetSource): Dataset | undefined {
    if (source.kind === 'file') return readDataset(source.path);
    if (source.kind === 'generated') return generateDataset({ preset: source.preset, seed: source.seed }) as unknown as Dataset;
    return undefined;
  }

  /** Replaces the whole state with a data set (and makes it what reset returns to). */
  load(source: DatasetSource = this.source) {
    const dataset = this.datasetOf(source);
    const { store, credentials, outbox, journal, idempotency } = this.deps;
    store.clear();
    credentials.clear();
    outbox.clear();
    journal.clear();
    idempotency.clear();
    if (dataset) loadDataset(store, credentials, dataset);
    this.referenceTime = dataset?.reference_time;
    this.deps.extraCredentials(credentials, store);
    this.source = source;
    return this.summary();
  }

  loadNamed(name: string) {
    const file = path.join(this.deps.fixturesDir, `${name}.json`);
    if (!existsSync(file)) throw new ApiError('not_found', `No data set '${name}' in ${this.deps.fixturesDir}.`);
    return this.load({ kind: 'file', path: file });
  }

  summary() {
    const { store, credentials } = this.deps;
    return {
      source: this.describeSource(),
      tenants: store.tenants().map((t) => ({
        id: t.id,
        customers: [...store.customers(t.id)].length,
        invoices: store.countInvoices(t.id),
        api_keys: credentials.apiKeysOf(t.id),
      })),
    };
  }

  saveSnapshot(name: string) {
    const snapshot: Snapshot = {
      name,
      taken_at: this.deps.clock.now().toISOString(),
      store: this.deps.store.snapshot(),
      outbox: structuredClone(this.deps.outbox.list()),
    };
    this.snapshots.set(name, snapshot);
    return { name, taken_at: snapshot.taken_at };
  }

  listSnapshots() {
    return [...this.snapshots.values()].map(({ name, taken_at }) => ({ name, taken_at }));
  }

  restoreSnapshot(name: string) {
    const snapshot = this.snapshots.get(name);
    if (!snapshot) throw new ApiError('not_found', `No snapshot '${name}'.`);
    this.deps.store.restore(snapshot.store);
    this.deps.outbox.clear();
    // structuredClone turns Buffers into plain Uint8Arrays: give attachments their Buffer back.
    for (const message of structuredClone(snapshot.outbox)) {
      this.deps.outbox.add({ ...message, attachments: message.attachments.map((a) => ({ ...a, content: Buffer.from(a.content) })) });
    }
    this.deps.idempotency.clear();
    return this.summary();
  }

  deleteSnapshot(name: string) {
    if (!this.snapshots.delete(name)) throw new ApiError('not_found', `No snapshot '${name}'.`);
  }
}
