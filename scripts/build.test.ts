import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compiledCli, ensureBuilt, isStale } from './build.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'scripts', 'invoicekit.mjs');
const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };

// A module-resolution hook that logs the URL of every module the process loads.
const hooks = mkdtempSync(path.join(tmpdir(), 'invoicekit-build-test-'));
writeFileSync(
  path.join(hooks, 'hooks.mjs'),
  `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.LOADED_LOG, resolved.url + '\\n');
  return resolved;
}
`,
);
writeFileSync(path.join(hooks, 'register.mjs'), `import { register } from 'node:module';\nregister(new URL('./hooks.mjs', import.meta.url));\n`);

/** Runs node with the logging hook; returns its output and every module URL it resolved. */
function loaded(args: string[]) {
  const log = path.join(hooks, `loaded-${Math.random().toString(36).slice(2)}.log`);
  writeFileSync(log, '');
  const result = spawnSync(process.execPath, ['--import', path.join(hooks, 'register.mjs'), ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, LOADED_LOG: log, NODE_OPTIONS: '' }, timeout: 60_000 });
  return { status: result.status, stdout: result.stdout.trim(), stderr: result.stderr, modules: readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}
const typeScriptLoader = (url: string) => url.includes('/node_modules/tsx/') || /\.(ts|mts|cts)$/.test(url);

beforeAll(() => ensureBuilt(), 300_000);
afterAll(() => rmSync(hooks, { recursive: true, force: true }));

describe('the compiled package', () => {
  it('dist/src/cli.js runs with plain Node: no tsx, no TypeScript module', () => {
    const run = loaded([compiledCli, '--version']);
    expect(run, run.stderr).toMatchObject({ status: 0, stdout: version });
    expect(run.modules).toContain(`file://${compiledCli}`);
    expect(run.modules.length).toBeGreaterThan(50); // the whole CLI was loaded, not a stub
    expect(run.modules.filter(typeScriptLoader)).toEqual([]);
  });

  it('the bin runs the compiled CLI, no tsx', () => {
    const run = loaded([bin, '--version']);
    expect(run, run.stderr).toMatchObject({ status: 0, stdout: version });
    expect(run.modules).toContain(`file://${compiledCli}`);
    expect(run.modules.filter(typeScriptLoader)).toEqual([]);
  });

  it('the hook would see tsx if it were loaded (the check above can fail)', () => {
    const run = loaded(['--import', 'tsx', path.join(root, 'src', 'cli.ts'), '--version']);
    expect(run.stdout).toBe(version);
    expect(run.modules.filter(typeScriptLoader).length).toBeGreaterThan(0);
  });

  it('serves the bundled contracts from beside the compiled code, identical to src/generated', () => {
    for (const name of ['openapi.json', 'openapi.yaml', 'control-openapi.json', 'control-openapi.yaml']) {
      expect(readFileSync(path.join(root, 'dist', 'src', 'generated', name), 'utf8')).toBe(readFileSync(path.join(root, 'src', 'generated', name), 'utf8'));
    }
  });

  it('is stale once a source is newer than the build, fresh again after it', () => {
    const stamp = path.join(root, 'dist', '.build-stamp');
    const { atime, mtime } = statSync(stamp);
    expect(isStale()).toBe(false);
    try {
      utimesSync(stamp, new Date(0), new Date(0)); // as if built before every source
      expect(isStale()).toBe(true);
    } finally {
      utimesSync(stamp, atime, mtime);
    }
    expect(isStale()).toBe(false);
  });
});
