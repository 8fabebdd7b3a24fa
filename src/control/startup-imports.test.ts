// faker (~130 ms, ~36 MB) serves only generated data sets: a server started from a fixtures file must
// not import it. A child process records every module URL it resolves (a module.register hook), builds
// the server as `serve` does, and optionally asks for a generated data set (the control, that the
// record would show faker).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'invoicekit-imports-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hooks = `
import { appendFileSync } from 'node:fs';
let log;
export async function initialize(data) { log = data.log; }
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(log, resolved.url + '\\n');
  return resolved;
}`;

const child = `
import { register } from 'node:module';
const [log, mode] = process.argv.slice(2);
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hooks)}), { data: { log } });
const { readConfig } = await import(${JSON.stringify(pathToFileURL(path.join(root, 'src/config.ts')).href)});
const { buildServer } = await import(${JSON.stringify(pathToFileURL(path.join(root, 'src/server.ts')).href)});
const { createRequire } = await import('node:module');
const { appendFileSync, mkdtempSync } = await import('node:fs');
const dataDir = mode === 'data-dir' ? mkdtempSync(log + '-dir-') : undefined;
const built = buildServer(readConfig({}, { rateLimit: '0', adminToken: 'adm_imports', ...(dataDir ? { dataDir } : {}) }));
if (built.store.tenants().length === 0) throw new Error('the default fixtures were not loaded');
if (mode === 'generate') await built.state.load({ kind: 'generated', preset: 'small', seed: 1 });
// CommonJS modules loaded by require (not seen by the resolve hook): native addons among them.
for (const file of Object.keys(createRequire(import.meta.url).cache)) appendFileSync(log, 'file://' + file + '\\n');
built.close();
`;

/** The module URLs the child resolved. */
function resolvedBy(mode: 'start' | 'generate' | 'data-dir'): Promise<string[]> {
  const script = path.join(dir, 'child.mjs');
  writeFileSync(script, child);
  const log = path.join(dir, `${mode}.log`);
  writeFileSync(log, '');
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', script, log, mode], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (chunk) => (stderr += chunk));
    proc.on('error', reject);
    proc.on('close', (code) => (code === 0 ? resolve(readFileSync(log, 'utf8').split('\n').filter(Boolean)) : reject(new Error(`child exited ${code}: ${stderr}`))));
  });
}

const isFaker = (url: string) => url.includes('/@faker-js/faker/');
const isSqlite = (url: string) => url.includes('/better-sqlite3/');
const isGenerator = (url: string) => url.endsWith('/fixtures/generate.ts');

describe('server start-up', () => {
  it('builds the server from the default fixtures without importing faker, the generator or SQLite', async () => {
    const urls = await resolvedBy('start');
    // The record works: the server's own modules are in it.
    expect(urls.some((u) => u.endsWith('/src/server.ts'))).toBe(true);
    expect(urls.filter((u) => isFaker(u) || isGenerator(u))).toEqual([]);
    // Nor the SQLite addon, which only a data directory needs.
    expect(urls.filter(isSqlite)).toEqual([]);
  }, 60_000);

  it('loads the SQLite addon for a data directory', async () => {
    const urls = await resolvedBy('data-dir');
    expect(urls.some(isSqlite)).toBe(true);
  }, 60_000);

  it('imports them when a generated data set is first asked for', async () => {
    const urls = await resolvedBy('generate');
    expect(urls.some(isGenerator)).toBe(true);
    expect(urls.some(isFaker)).toBe(true);
  }, 60_000);
});
