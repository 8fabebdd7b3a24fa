// MockState on its own, with a fixtures directory of the test's making.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ControllableClock } from '../deps.ts';
import { DATASET_FORMAT, type Dataset } from '../dataset.ts';
import { ApiError } from '../http/problem.ts';
import { Credentials } from '../http/auth.ts';
import { IdempotencyKeys } from '../http/idempotency.ts';
import { Outbox } from '../services/outbox.ts';
import { MemoryStore } from '../store/memory.ts';
import { Journal } from './journal.ts';
import { MockState, type StartClock, type StartupFile } from './state.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'invoicekit-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tenant = (id: string, key: string) => ({ id, name: id, api_keys: [key], oauth_clients: [], customers: [], invoices: [] });
const write = (name: string, content: unknown) => writeFileSync(path.join(dir, `${name}.json`), typeof content === 'string' ? content : JSON.stringify(content));
const startup: Dataset = { format: DATASET_FORMAT, reference_time: '2026-06-30T12:00:00.000Z', tenants: [tenant('acme', 'ik_startup_acme'), tenant('globex', 'ik_startup_globex')] };
write('startup', startup);
write('other', { format: DATASET_FORMAT, reference_time: '2031-01-15T08:00:00.000Z', tenants: [tenant('acme', 'ik_other_acme'), tenant('initech', 'ik_other_initech')] });
write('broken', '{"format": "invoicekit-dataset@1", "tenants": [');
write('bad-time', { format: DATASET_FORMAT, reference_time: 'tomorrow', tenants: [] });

function mockState(startClock: StartClock = { kind: 'dataset' }, startupFile?: StartupFile) {
  const clock = new ControllableClock();
  const store = new MemoryStore();
  const credentials = new Credentials(clock);
  const state = new MockState(
    { store, credentials, outbox: new Outbox(), clock, startClock, journal: new Journal(clock), idempotency: new IdempotencyKeys(clock), fixturesDir: dir, extraCredentials: () => {}, startupFile },
    { kind: 'file', path: path.join(dir, 'startup.json') },
  );
  state.loadAtStart();
  return { state, clock, store, credentials };
}

describe('MockState', () => {
  it('loads the start-up file from the bytes read before it was built, once: a reset reads the file again', async () => {
    const early = { format: DATASET_FORMAT, reference_time: '2026-06-30T12:00:00.000Z', tenants: [tenant('early', 'ik_early')] };
    const { state, store, credentials } = mockState(undefined, { path: path.join(dir, 'startup.json'), bytes: Buffer.from(JSON.stringify(early)) });
    expect(store.tenants().map((t) => t.id)).toEqual(['early']);
    await state.reset();
    // The file's own tenants and keys now (the start-up key ik_early is kept, as every start-up key is).
    expect(store.tenants().map((t) => t.id)).toEqual(['acme', 'globex', 'early']);
    expect(credentials.apiKeysOf('acme')).toEqual(['ik_startup_acme']);
    // Bytes of another file are not taken for this one.
    const other = mockState(undefined, { path: path.join(dir, 'other.json'), bytes: Buffer.from(JSON.stringify(early)) });
    expect(other.store.tenants().map((t) => t.id)).toEqual(['acme', 'globex']);
  });

  it('keeps the start-up keys for their tenants through a load, and reset drops what was loaded', async () => {
    const { state, credentials, store } = mockState();
    const summary = await state.loadNamed('other');
    expect([summary.source, summary.reset_to]).toEqual([path.join(dir, 'other.json'), path.join(dir, 'startup.json')]);
    expect(credentials.apiKeysOf('acme').sort()).toEqual(['ik_other_acme', 'ik_startup_acme']);
    // A tenant the loaded set lacks is there, empty, for its start-up key.
    expect([credentials.apiKeysOf('globex'), [...store.customers('globex')]]).toEqual([['ik_startup_globex'], []]);
    expect(credentials.apiKeysOf('initech')).toEqual(['ik_other_initech']);
    await state.reset();
    expect(store.tenants().map((t) => t.id)).toEqual(['acme', 'globex']);
    expect([credentials.apiKeysOf('acme'), credentials.apiKeysOf('initech')]).toEqual([['ik_startup_acme'], []]);
  });

  it("sets the clock to each data set's reference time, or as --clock says", async () => {
    const running = mockState();
    const near = (at: string) => Math.abs(running.clock.now().getTime() - Date.parse(at));
    expect([near('2026-06-30T12:00:00.000Z') < 5000, running.clock.frozen]).toEqual([true, false]);
    await running.state.loadNamed('other');
    expect(near('2031-01-15T08:00:00.000Z')).toBeLessThan(5000);
    running.clock.reset();
    running.state.clockToReference();
    expect(near('2031-01-15T08:00:00.000Z')).toBeLessThan(5000);
    await running.state.reset();
    expect(near('2026-06-30T12:00:00.000Z')).toBeLessThan(5000);

    const fixed = mockState({ kind: 'fixed', at: Date.parse('2027-05-05T00:00:00Z') });
    fixed.clock.advance(86_400_000);
    await fixed.state.loadNamed('other');
    expect([fixed.clock.frozen, fixed.clock.now().toISOString()]).toEqual([true, '2027-05-05T00:00:00.000Z']);

    const real = mockState({ kind: 'real' });
    await real.state.reset();
    expect(Math.abs(real.clock.now().getTime() - Date.now())).toBeLessThan(5000);
  });

  it.each([
    ['broken', /names a file that is not a data set/],
    ['bad-time', /reference_time must be an RFC 3339 instant/],
  ])('refuses the %s data set (validation_failed) and changes nothing', async (name, message) => {
    const { state, store, credentials, clock } = mockState();
    const before = { tenants: store.tenants(), keys: credentials.apiKeysOf('acme'), now: clock.now().getTime() };
    const refused = await state.loadNamed(name).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).code).toBe('validation_failed');
    expect((refused as ApiError).message).toMatch(message);
    expect(store.tenants()).toEqual(before.tenants);
    expect(credentials.apiKeysOf('acme')).toEqual(before.keys);
    expect(clock.now().getTime() - before.now).toBeLessThan(5000);
    expect(state.summary().source).toBe(path.join(dir, 'startup.json'));
  });
});
