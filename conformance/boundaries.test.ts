import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '..');
const ALLOWED = ['src/contract/', 'src/domain/', 'src/generated/', 'conformance/'];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : /\.ts$/.test(name) ? [path] : [];
  });
}

function localImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => relative(repo, resolve(file, '..', m[1]!)));
}

describe('dependencies point down', () => {
  it('conformance/ imports only src/contract, src/domain and src/generated (tests may start the reference server)', () => {
    const offending = files(join(repo, 'conformance'))
      .filter((f) => !f.endsWith('.test.ts'))
      .flatMap((f) => localImports(f).filter((target) => !ALLOWED.some((a) => target.startsWith(a)) && target !== 'package.json').map((target) => `${relative(repo, f)} → ${target}`));
    expect(offending).toEqual([]);
    // The walk really sees the imports (a broken pattern would pass vacuously).
    expect(localImports(join(repo, 'conformance/runner.ts'))).toContain('src/contract/load.ts');
  });

  it('src/contract/ imports nothing of the server', () => {
    const offending = files(join(repo, 'src/contract'))
      .filter((f) => !f.endsWith('.test.ts'))
      .flatMap((f) => localImports(f).filter((target) => !target.startsWith('src/contract/') && !target.startsWith('src/generated/')).map((target) => `${relative(repo, f)} → ${target}`));
    expect(offending).toEqual([]);
  });
});
