import { existsSync } from 'node:fs';
import path from 'node:path';
import { generateDataset, type PresetName } from '../../fixtures/generate.ts';
import type { ControllableClock } from '../deps.ts';
import { loadDataset, readDataset, type Dataset } from '../dataset.ts';
import { keyFingerprint, type Credentials } from '../http/auth.ts';
import type { IdempotencyKeys } from '../http/idempotency.ts';
import type { Outbox } from '../services/outbox.ts';
import { MemorySnapshots, type SavedState, type StatePersistence } from '../store/durable.ts';
import type { Store } from '../store/types.ts';
import { ApiError } from '../http/problem.ts';
import type { Journal } from './journal.ts';

export type DatasetSource = { kind: 'file'; path: string } | { kind: 'generated'; preset: PresetName; seed: number } | { kind: 'empty' };

/** Credentials that come from configuration and survive every reset (environment keys and clients). */
export type ExtraCredentials = (credentials: Credentials, store: Store) => void;

/** Everything the mock controls act on, and the operations on the whole state. */
export class MockState {
  private source: DatasetSource;
  /** The "now" the loaded data set was generated for, if it says. */
  referenceTime: string | undefined;

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
      /** The data directory, when there is one: every operation here ends with a commit. */
      durable?: StatePersistence;
    },
    source: DatasetSource,
  ) {
    this.source = source;
  }

  private get snapshots() {
    return this.deps.durable?.snapshots ?? this.memorySnapshots;
  }
  private readonly memorySnapshots = new MemorySnapshots();

  /** Makes the operation durable in one transaction (a reset or a restore is all or nothing). */
  private commit() {
    this.deps.durable?.commit();
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
    // The data set's credentials are kept with the source, so that a restart need not read it again.
    const datasetCredentials = {
      api_keys: (dataset?.tenants ?? []).flatMap((t) => t.api_keys.map((key) => ({ tenant: t.id, key }))),
      oauth_clients: (dataset?.tenants ?? []).flatMap((t) => t.oauth_clients.map((c) => ({ ...c, tenant: t.id }))),
    };
    this.deps.extraCredentials(credentials, store);
    this.source = source;
    this.deps.durable?.saveState({ source, reference_time: this.referenceTime ?? null, ...datasetCredentials });
    this.commit();
    return this.summary();
  }

  /** Carries on from a data directory: the store, outbox and keys are already read; the credentials come back here. */
  resume(saved: SavedState) {
    const { store, credentials } = this.deps;
    this.source = saved.source as DatasetSource;
    this.referenceTime = saved.reference_time ?? undefined;
    for (const { tenant, key } of saved.api_keys) credentials.addApiKey(tenant, key);
    for (const client of saved.oauth_clients) credentials.addClient(client);
    this.deps.extraCredentials(credentials, store);
    this.commit();
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
        api_keys: credentials.apiKeysOf(t.id).map(keyFingerprint),
      })),
    };
  }

  saveSnapshot(name: string) {
    const snapshot = {
      name,
      taken_at: this.deps.clock.now().toISOString(),
      store: this.deps.store.snapshot(),
      outbox: structuredClone(this.deps.outbox.list()),
    };
    this.snapshots.save(snapshot);
    this.commit();
    return { name, taken_at: snapshot.taken_at };
  }

  listSnapshots() {
    return this.snapshots.list();
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
    this.commit();
    return this.summary();
  }

  deleteSnapshot(name: string) {
    if (!this.snapshots.delete(name)) throw new ApiError('not_found', `No snapshot '${name}'.`);
    this.commit();
  }
}
