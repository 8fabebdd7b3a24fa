import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ControllableClock } from '../deps.ts';
import { loadDataset, type Dataset, type PresetName } from '../dataset.ts';
import { readDatasetToLoad, type LoadableDataset } from '../dataset-file.ts';
import { keyFingerprint, type Credentials } from '../http/auth.ts';
import type { IdempotencyKeys } from '../http/idempotency.ts';
import type { Outbox } from '../services/outbox.ts';
import { MemorySnapshots, type SavedState, type StatePersistence } from '../store/durable.ts';
import type { Store } from '../store/types.ts';
import { DEFAULT_CREDIT_NOTE_PATTERN, DEFAULT_INVOICE_PATTERN } from '../domain/numbering.ts';
import { ApiError } from '../http/problem.ts';
import type { Journal } from './journal.ts';

export type DatasetSource = { kind: 'file'; path: string } | { kind: 'generated'; preset: PresetName; seed: number } | { kind: 'empty' };

/** A data set file and its content, read before the server was built. */
export type StartupFile = { path: string; bytes: Buffer };

/** The faker generator (fixtures/generate.ts), which only generated data sets need. */
export type GenerateDataset = (options: { preset: PresetName; seed: number }) => Dataset;

/** Imports the generator, and faker with it (~130 ms, ~36 MB): only when a generated data set is first asked for. */
export async function importGenerator(): Promise<GenerateDataset> {
  return (await import('../../fixtures/generate.ts')).generateDataset;
}

/**
 * How the clock is set whenever a data set is loaded (at start, on reset, by POST /control/dataset):
 * running on from the data set's reference time (the default; real time when it has none), frozen
 * at the instant given by --clock, or real time (--clock real).
 */
export type StartClock = { kind: 'dataset' } | { kind: 'fixed'; at: number } | { kind: 'real' };

/** Credentials that come from configuration and survive every reset (environment keys and clients). */
export type ExtraCredentials = (credentials: Credentials, store: Store) => void;

type TenantKey = { tenant: string; key: string };

/** Everything the mock controls act on, and the operations on the whole state. */
export class MockState {
  /** What is loaded now. */
  private source: DatasetSource;
  /** What reset returns to: the data set the server (or its data directory) started with. */
  private startupSource: DatasetSource;
  /** The API keys of the start-up data set: the banner printed one, so they keep working whatever is loaded. */
  private startupKeys: TenantKey[] = [];
  private generate: GenerateDataset | undefined;
  /** The "now" the loaded data set was generated for, if it says. */
  referenceTime: string | undefined;

  constructor(
    private readonly deps: {
      store: Store;
      credentials: Credentials;
      outbox: Outbox;
      clock: ControllableClock;
      startClock: StartClock;
      journal: Journal;
      idempotency: IdempotencyKeys;
      fixturesDir: string;
      extraCredentials: ExtraCredentials;
      /** The generator, when the caller has it already; otherwise it is imported when first needed. */
      generateDataset?: GenerateDataset;
      /** The data directory, when there is one: every operation here ends with a commit. */
      durable?: StatePersistence;
      /** The start-up data set file's content, read already: used by the first load of that file only. */
      startupFile?: StartupFile;
    },
    source: DatasetSource,
  ) {
    this.source = source;
    this.startupSource = source;
    this.generate = deps.generateDataset;
    this.startupFile = deps.startupFile;
  }
  private startupFile: StartupFile | undefined;

  /** The start-up file's bytes for its first load (later loads read the file again: it may have changed). */
  private takeStartupBytes(file: string): Buffer | undefined {
    const startup = this.startupFile;
    if (!startup || startup.path !== file) return undefined;
    this.startupFile = undefined;
    return startup.bytes;
  }

  private get snapshots() {
    return this.deps.durable?.snapshots ?? this.memorySnapshots;
  }
  private readonly memorySnapshots = new MemorySnapshots();

  /** Makes the operation durable in one transaction (a reset or a restore is all or nothing). */
  private commit() {
    this.deps.durable?.commit();
  }

  describeSource(source: DatasetSource = this.source): string {
    const s = source;
    return s.kind === 'file' ? s.path : s.kind === 'generated' ? `generated (preset ${s.preset}, seed ${s.seed})` : 'empty';
  }

  /** Reads or generates a data set now: a generated one needs the generator already at hand. */
  private datasetNow(source: DatasetSource): LoadableDataset | undefined {
    if (source.kind === 'file') return readDatasetToLoad(source.path, this.takeStartupBytes(source.path));
    if (source.kind === 'empty') return undefined;
    if (!this.generate) throw new Error(`a generated data set (preset ${source.preset}, seed ${source.seed}) needs the generator: pass generateDataset (from importGenerator())`);
    return this.generate({ preset: source.preset, seed: source.seed });
  }

  private async datasetOf(source: DatasetSource): Promise<LoadableDataset | undefined> {
    if (source.kind === 'generated') this.generate ??= await importGenerator();
    return this.datasetNow(source);
  }

  /** Loads the data set the server starts with (synchronous: a generated one needs generateDataset injected). */
  loadAtStart() {
    const dataset = this.datasetNow(this.startupSource);
    this.startupKeys = apiKeysOf(dataset);
    return this.install(this.startupSource, dataset);
  }

  /** POST /control/reset: back to the start-up data set, its clock, and nothing else. */
  async reset() {
    return this.install(this.startupSource, await this.datasetOf(this.startupSource));
  }

  /** POST /control/dataset: replaces the whole state with another data set; reset still returns to the start-up one. */
  async load(source: DatasetSource) {
    return this.install(source, await this.datasetOf(source));
  }

  async loadNamed(name: string) {
    const file = path.join(this.deps.fixturesDir, `${name}.json`);
    if (!existsSync(file)) throw new ApiError('not_found', `No data set '${name}' in ${this.deps.fixturesDir}.`);
    let dataset: LoadableDataset | undefined;
    try {
      dataset = readDatasetToLoad(file);
    } catch (error) {
      // Read before anything is cleared: a broken file changes nothing.
      const message = `names a file that is not a data set (${String((error as Error)?.message ?? error).split('\n')[0]})`;
      throw new ApiError('validation_failed', `1 problem in the request: /body/name ${message}.`, { errors: [{ pointer: '/body/name', message }] });
    }
    return this.install({ kind: 'file', path: file }, dataset);
  }

  /** Replaces the whole state with a data set, in one step that cannot be interleaved. */
  private install(source: DatasetSource, dataset: LoadableDataset | undefined) {
    const { store, credentials, outbox, journal, idempotency } = this.deps;
    store.clear();
    credentials.clear();
    outbox.clear();
    journal.clear();
    idempotency.clear();
    if (dataset) loadDataset(store, credentials, dataset);
    this.referenceTime = dataset?.reference_time;
    this.pinStartupKeys();
    this.deps.extraCredentials(credentials, store);
    this.source = source;
    this.setClock();
    // The credentials are kept with the source, so that a restart need not read the data set again.
    this.deps.durable?.saveState({
      source,
      startup_source: this.startupSource,
      reference_time: this.referenceTime ?? null,
      api_keys: [...new Map([...apiKeysOf(dataset), ...this.startupKeys].map((k) => [k.key, k])).values()],
      startup_api_keys: this.startupKeys,
      oauth_clients: (dataset?.tenants ?? []).flatMap((t) => t.oauth_clients.map((c) => ({ ...c, tenant: t.id }))),
    });
    this.commit();
    return this.summary();
  }

  /** The start-up keys, each for its tenant (which starts empty when the loaded data set lacks it, as for keys from the environment). */
  private pinStartupKeys() {
    const { store, credentials } = this.deps;
    for (const { tenant, key } of this.startupKeys) {
      if (!store.tenant(tenant)) store.putTenant({ id: tenant, name: tenant, invoice_pattern: DEFAULT_INVOICE_PATTERN, credit_note_pattern: DEFAULT_CREDIT_NOTE_PATTERN });
      credentials.addApiKey(tenant, key);
    }
  }

  /** The clock as a load leaves it (see StartClock). */
  private setClock() {
    const { clock, startClock } = this.deps;
    if (startClock.kind === 'fixed') clock.freeze(new Date(startClock.at));
    else if (startClock.kind === 'real' || this.referenceTime === undefined) clock.reset();
    else this.runFrom(Date.parse(this.referenceTime));
  }

  /** Sets the clock to an instant: a frozen clock stays frozen there, a running one runs on from it. */
  private runFrom(at: number) {
    const { clock } = this.deps;
    const frozen = clock.frozen;
    clock.freeze(new Date(at));
    if (!frozen) clock.resume();
  }

  /** POST /control/clock/reference: back to the loaded data set's "now", after DELETE /control/clock or any move. */
  clockToReference() {
    if (this.referenceTime === undefined) throw new ApiError('not_found', `The data set loaded (${this.describeSource()}) has no reference time: freeze the clock at an instant instead.`);
    this.runFrom(Date.parse(this.referenceTime));
    this.commit();
  }

  /** Carries on from a data directory: the store, outbox and keys are already read; the credentials come back here. */
  resume(saved: SavedState) {
    const { store, credentials } = this.deps;
    this.source = saved.source as DatasetSource;
    // A directory written before reset returned to the start-up data set knows only what was loaded.
    this.startupSource = (saved.startup_source ?? saved.source) as DatasetSource;
    this.startupKeys = saved.startup_api_keys ?? [];
    this.referenceTime = saved.reference_time ?? undefined;
    for (const { tenant, key } of saved.api_keys) credentials.addApiKey(tenant, key);
    for (const client of saved.oauth_clients) credentials.addClient(client);
    this.deps.extraCredentials(credentials, store);
    this.commit();
    return this.summary();
  }

  summary() {
    const { store, credentials } = this.deps;
    return {
      source: this.describeSource(),
      reset_to: this.describeSource(this.startupSource),
      reference_time: this.referenceTime ?? null,
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

function apiKeysOf(dataset: LoadableDataset | undefined): TenantKey[] {
  return (dataset?.tenants ?? []).flatMap((t) => t.api_keys.map((key) => ({ tenant: t.id, key })));
}
