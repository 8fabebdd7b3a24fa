#!/usr/bin/env node
// The `invoicekit` command: runs the compiled CLI (dist/src/cli.js) with plain Node, no TypeScript
// loader. In a source checkout (tsconfig.build.json present) it first compiles the sources when
// dist/ is missing or older than them (scripts/build.mjs), so it never runs stale code.
import { existsSync } from 'node:fs';

if (existsSync(new URL('../tsconfig.build.json', import.meta.url))) {
  const { ensureBuilt } = await import('./build.mjs');
  // Quiet when piped (tests parse this output); people at a terminal learn why the start is slow.
  await ensureBuilt({ log: (line) => process.stderr.isTTY && console.error(line) });
}
await import('../dist/src/cli.js');
