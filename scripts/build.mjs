#!/usr/bin/env node
// npm run build: compiles src/, conformance/ and fixtures/*.ts to JavaScript in dist/ (tsc with
// tsconfig.build.json; dist/src/cli.js is src/cli.ts), and copies the bundled contracts the code
// reads next to itself (dist/src/generated/). dist/docs (the reference docs) is left alone.
//   node scripts/build.mjs             → always compiles; exit 1 on a type error
//   node scripts/build.mjs --if-stale  → only when dist/ is missing or older than a source
// The bin (scripts/invoicekit.mjs) calls ensureBuilt() in a source checkout, so that it never
// runs code older than the sources; a lock keeps concurrent starts from compiling at once.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const distDir = path.join(root, 'dist');
export const compiledCli = path.join(distDir, 'src', 'cli.js');
const stampFile = path.join(distDir, '.build-stamp');
const lockDir = path.join(distDir, '.build-lock');
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
/** What tsc writes (and a build clears first, so a deleted source leaves nothing behind). */
const outputs = ['src', 'conformance', 'fixtures'].map((dir) => path.join(distDir, dir));
/** Files the code reads at run time relative to its own module, copied beside the compiled code. */
const copied = ['openapi.json', 'openapi.yaml', 'control-openapi.json', 'control-openapi.yaml'].map((name) => `src/generated/${name}`);

const LOCK_WAIT_MS = 180_000;
const LOCK_STALE_MS = 600_000; // a lock this old was left by a killed build

/** Every file the compiled output depends on (tests excluded), relative to the root. */
function sources() {
  const files = ['tsconfig.json', 'tsconfig.build.json', ...copied];
  const walk = (dir) => {
    for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(rel);
      else if (/\.(ts|mjs|js)$/.test(entry.name) && !/\.test(-helper)?\.ts$/.test(entry.name)) files.push(rel);
    }
  };
  walk('src');
  walk('conformance');
  for (const name of readdirSync(path.join(root, 'fixtures'))) if (name.endsWith('.ts') && !name.endsWith('.test.ts')) files.push(`fixtures/${name}`);
  return [...new Set(files)];
}

/** Missing, older than a source, or built from another set of files. */
export function isStale() {
  if (!existsSync(stampFile) || !existsSync(compiledCli)) return true;
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(stampFile, 'utf8'));
  } catch {
    return true;
  }
  const files = sources();
  if (stamp.files !== files.length) return true;
  const built = statSync(stampFile).mtimeMs;
  return files.some((file) => statSync(path.join(root, file)).mtimeMs > built);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function withLock(fn) {
  mkdirSync(distDir, { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      const age = Date.now() - (statSync(lockDir, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > LOCK_STALE_MS) rmSync(lockDir, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`another build holds ${lockDir} for more than ${LOCK_WAIT_MS / 1000} s: remove it if no build is running`);
      else await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

/**
 * Compiles into dist/. Returns tsc's diagnostics (empty when clean). Code is emitted even with
 * type errors (as tsx ran it); `strict` makes them an error instead.
 */
export async function build({ strict = false, ifStale = false } = {}) {
  if (!existsSync(tsc)) throw new Error(`TypeScript is not installed (${tsc}): run \`npm ci\` to build invoicekit from its sources`);
  return withLock(() => {
    // Whoever held the lock before may have just built it.
    if (ifStale && !isStale()) return undefined;
    const files = sources().length;
    rmSync(stampFile, { force: true });
    for (const dir of outputs) rmSync(dir, { recursive: true, force: true });
    const result = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { cwd: root, encoding: 'utf8' });
    const diagnostics = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
    // 0: clean; 2: type errors, but the code was emitted; anything else: nothing usable.
    if (result.status !== 0 && (result.status !== 2 || strict)) throw new Error(`tsc -p tsconfig.build.json failed (exit ${result.status ?? result.signal}):\n${diagnostics}`);
    for (const file of copied) copyFileSync(path.join(root, file), path.join(distDir, file));
    writeFileSync(stampFile, JSON.stringify({ files, node: process.version }) + '\n');
    return diagnostics;
  });
}

/** Builds when stale; the lock holder's build counts for everyone waiting on it. */
export async function ensureBuilt({ log = () => {} } = {}) {
  if (!isStale()) return false;
  log('invoicekit: compiling the sources into dist/ (they changed since the last build; `npm run build` does it ahead)…');
  const diagnostics = await build({ ifStale: true });
  if (diagnostics) log(`invoicekit: the sources have type errors (\`npm run typecheck\`):\n${diagnostics}`);
  return true;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const ifStale = process.argv.includes('--if-stale');
    if (!ifStale || isStale()) await build({ strict: true, ifStale });
  } catch (error) {
    console.error(`build: ${error.message}`);
    process.exitCode = 1;
  }
}
