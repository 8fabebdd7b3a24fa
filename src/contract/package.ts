// Where the package's own files are (package.json, fixtures/data, dist/docs, scripts/), from the
// TypeScript sources (src/contract/) and from the compiled code (dist/src/contract/) alike.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest folder above this module holding a package.json: the package root (dist/ holds none). */
function findPackageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    dir = path.dirname(dir);
    if (existsSync(path.join(dir, 'package.json'))) return dir;
  }
  throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
}

export const packageRoot = findPackageRoot();

export const packageVersion = (JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
