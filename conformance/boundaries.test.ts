// Dependencies point down: a test walks the imports of every module (tests excluded: they may
// start the server or use the oracle) and names each import that crosses a layer's boundary.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '..');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : /\.ts$/.test(name) ? [path] : [];
  });
}

const IMPORT = /(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g;

/** Every module a file imports: local ones as paths from the repository root, packages (and node:) as named. */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => (m[1]!.startsWith('.') ? relative(repo, resolve(file, '..', m[1]!)) : m[1]!));
}
const localImports = (file: string) => imports(file).filter((target) => /^(src|conformance|fixtures|scripts|test)\/|^package\.json$/.test(target));

const modulesOf = (dir: string) => files(join(repo, dir)).filter((f) => !f.endsWith('.test.ts') && !f.endsWith('.test-helper.ts'));

/** `file → target` for each import of a layer's modules that `allowed` refuses. */
function crossings(dir: string, allowed: (target: string) => boolean, of: (file: string) => string[] = localImports): string[] {
  return modulesOf(dir).flatMap((f) => of(f).filter((target) => !allowed(target)).map((target) => `${relative(repo, f)} → ${target}`));
}
const under = (...dirs: string[]) => (target: string) => dirs.some((d) => target.startsWith(d));

describe('dependencies point down', () => {
  it('the walk sees real imports (a broken pattern would pass every rule vacuously)', () => {
    expect(localImports(join(repo, 'conformance/runner.ts'))).toContain('src/contract/load.ts');
    expect(imports(join(repo, 'src/domain/lifecycle-data.ts'))).toContain('src/generated/openapi.json');
    expect(imports(join(repo, 'src/services/actions.ts'))).toContain('src/domain/lifecycle.ts');
    expect(modulesOf('src/domain').length).toBeGreaterThan(5);
  });

  it('conformance/ imports only src/contract, src/domain and src/generated (tests may start the reference server)', () => {
    expect(crossings('conformance', (t) => under('src/contract/', 'src/domain/', 'src/generated/', 'conformance/')(t) || t === 'package.json')).toEqual([]);
  });

  it('src/contract/ imports nothing of the server: only itself and src/generated', () => {
    expect(crossings('src/contract', under('src/contract/', 'src/generated/'))).toEqual([]);
  });

  it('src/domain/ imports only itself and src/generated: no other layer, no package, no Node module', () => {
    expect(crossings('src/domain', under('src/domain/', 'src/generated/'), imports)).toEqual([]);
  });

  it('src/services/ never imports src/http (services refuse with a Refusal; only HTTP knows statuses)', () => {
    expect(crossings('src/services', (t) => !t.startsWith('src/http/'))).toEqual([]);
  });

  it('each rule finds the crossings of a layer that does cross it (the rules are not vacuous)', () => {
    expect(crossings('src/services', under('src/domain/', 'src/generated/'), imports)).toEqual(expect.arrayContaining(['src/services/context.ts → src/deps.ts', 'src/services/pagination.ts → node:crypto']));
    expect(crossings('src/http/handlers', (t) => !t.startsWith('src/http/'))).toContain('src/http/handlers/actions.ts → src/http/types.ts');
    expect(crossings('src/http', under('src/contract/', 'src/generated/'))).toContain('src/http/problem.ts → src/domain/errors.ts');
  });
});
