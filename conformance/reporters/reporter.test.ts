import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runEvents, runResult } from './fixture.ts';
import { createReporters, REPORTER_NAMES } from './index.ts';

describe('createReporters', () => {
  let dir: string;
  beforeEach(async () => void (dir = await mkdtemp(join(tmpdir(), 'ikc-reporters-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('subscribes every reporter to the events and writes the four files in a created directory', async () => {
    let consoleText = '';
    const out = new Writable({
      write(chunk, _enc, done) {
        consoleText += String(chunk);
        done();
      },
    });
    const outputDir = join(dir, 'deep', 'report');
    const reporters = createReporters([...REPORTER_NAMES], { outputDir, out, color: false, env: {} });
    expect(reporters.map((r) => r.name)).toEqual(['console', 'json', 'junit', 'ndjson', 'markdown']);
    for (const e of runEvents()) for (const r of reporters) r.onEvent(e);
    const paths = (await Promise.all(reporters.map((r) => r.finish()))).flat();

    expect((await readdir(outputDir)).sort()).toEqual(['events.ndjson', 'junit.xml', 'report.json', 'summary.md']);
    expect(paths.sort()).toEqual(['events.ndjson', 'junit.xml', 'report.json', 'summary.md'].map((f) => join(outputDir, f)));
    expect(JSON.parse(await readFile(join(outputDir, 'report.json'), 'utf8'))).toEqual(runResult());
    expect(await readFile(join(outputDir, 'report.json'), 'utf8')).toContain('\n  "tool": {');
    expect(consoleText).toContain('FAILED: ');
  });

  it('creates one reporter per name and refuses unknown names', () => {
    expect(createReporters(['json', 'json', 'junit'], { outputDir: dir })).toHaveLength(2);
    expect(() => createReporters(['html' as never], { outputDir: dir })).toThrow(/Unknown reporter "html"/);
  });

  it('writes no result files for a run that never ended', async () => {
    const reporters = createReporters(['json', 'junit', 'markdown'], { outputDir: dir, env: {} });
    for (const e of runEvents().slice(0, -1)) for (const r of reporters) r.onEvent(e);
    expect((await Promise.all(reporters.map((r) => r.finish()))).flat()).toEqual([]);
  });
});
