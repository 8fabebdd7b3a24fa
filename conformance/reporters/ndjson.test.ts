import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../types.ts';
import { runEvents } from './fixture.ts';
import { createNdjsonReporter } from './ndjson.ts';
import { toJsonSafe } from './shared.ts';

describe('ndjson reporter', () => {
  let dir: string;
  beforeEach(async () => void (dir = await mkdtemp(join(tmpdir(), 'ikc-ndjson-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes every event, in order, one parseable line each with a time', async () => {
    const events = runEvents();
    const reporter = createNdjsonReporter(dir);
    for (const e of events) reporter.onEvent(e);
    const paths = await reporter.finish();
    expect(paths).toEqual([join(dir, 'events.ndjson')]);
    const lines = (await readFile(paths[0]!, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(events.length);
    const parsed = lines.map((l) => JSON.parse(l) as RunEvent & { time: string });
    expect(parsed.map((p) => p.type)).toEqual(events.map((e) => e.type));
    for (const p of parsed) expect(new Date(p.time).toISOString()).toBe(p.time);
    expect(parsed.at(-1)).toMatchObject({ type: 'run-end', result: { seed: 4242, summary: { failures: 3 } } });
  });

  it('records what an event was when it arrived, Buffers as base64', async () => {
    const event = runEvents().find((e): e is Extract<RunEvent, { type: 'failure' }> => e.type === 'failure')!;
    // A binary body that slipped into a request record.
    (event.failure.request as { body?: unknown }).body = Buffer.from([0x25, 0x50, 0x44, 0x46, 0x00, 0xff]);
    const reporter = createNdjsonReporter(dir);
    reporter.onEvent(event);
    event.failure.message = 'changed later';
    const line = JSON.parse((await readFile((await reporter.finish())[0]!, 'utf8')).trim());
    expect(line.failure.request.body).toEqual({ type: 'Buffer', encoding: 'base64', bytes: 6, data: 'JVBERgD/' });
    expect(line.failure.message).not.toBe('changed later');
  });

  it('writes the events of a run that never ended', async () => {
    const reporter = createNdjsonReporter(dir);
    for (const e of runEvents().slice(0, 3)) reporter.onEvent(e);
    const text = await readFile((await reporter.finish())[0]!, 'utf8');
    expect(text.trimEnd().split('\n')).toHaveLength(3);
  });
});

describe('toJsonSafe', () => {
  it('cuts cycles but not shared references, and keeps bigints and errors', () => {
    const shared = { a: 1 };
    const cyclic: Record<string, unknown> = { shared, again: shared, n: 10n, err: new TypeError('boom'), fn: () => 1 };
    cyclic.self = cyclic;
    expect(toJsonSafe(cyclic)).toEqual({ shared: { a: 1 }, again: { a: 1 }, n: '10', err: { name: 'TypeError', message: 'boom' }, self: '[Circular]' });
  });
});
