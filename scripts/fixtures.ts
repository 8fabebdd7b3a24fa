// npm run fixtures [-- --preset small|medium|large] [--seed N] [--out path] [--indent N]
//
// Without arguments: writes the committed default set fixtures/data/default.json (preset small, seed 42).
// --preset large writes fixtures/data/large.json (gitignored) unless --out says otherwise.

import { closeSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  DEFAULT_REFERENCE_TIME,
  DEFAULT_SEED,
  PRESETS,
  datasetJsonChunks,
  datasetStats,
  generateDataset,
  type PresetName,
} from '../fixtures/generate.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = resolve(root, 'fixtures/data');

function defaultOut(preset: PresetName, seed: number): string {
  if (preset === 'small' && seed === DEFAULT_SEED) return resolve(dataDir, 'default.json');
  return resolve(dataDir, seed === DEFAULT_SEED ? `${preset}.json` : `${preset}-seed${seed}.json`);
}

function nonNegativeInt(value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new InvalidArgumentError('expected a non-negative integer');
  return Number(value);
}

/** Writes the chunks in ~1 MiB batches to a temp file, then renames it into place. */
function writeChunks(path: string, chunks: Iterable<string>): number {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  let bytes = 0;
  try {
    let batch: string[] = [];
    let size = 0;
    const flush = () => {
      if (batch.length === 0) return;
      const buf = Buffer.from(batch.join(''), 'utf8');
      writeSync(fd, buf);
      bytes += buf.length;
      batch = [];
      size = 0;
    };
    for (const chunk of chunks) {
      batch.push(chunk);
      size += chunk.length;
      if (size >= 1 << 20) flush();
    }
    flush();
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  return bytes;
}

const program = new Command()
  .name('fixtures')
  .description('Generate the deterministic invoicekit demo dataset')
  .addOption(new Option('-p, --preset <name>', 'dataset size').choices(Object.keys(PRESETS)).default('small'))
  .option('-s, --seed <n>', 'random seed', nonNegativeInt, DEFAULT_SEED)
  .option('-o, --out <path>', 'output file (default: fixtures/data/default.json, or <preset>.json)')
  .option('--reference-time <iso>', 'the dataset\'s "now"', DEFAULT_REFERENCE_TIME)
  .option('--indent <n>', 'JSON indentation (default 2; 0 for the large preset)', nonNegativeInt)
  .option('-q, --quiet', 'print nothing')
  .action((opts: { preset: PresetName; seed: number; out?: string; referenceTime: string; indent?: number; quiet?: boolean }) => {
    const out = opts.out ? resolve(process.cwd(), opts.out) : defaultOut(opts.preset, opts.seed);
    const indent = opts.indent ?? (opts.preset === 'large' ? 0 : 2);

    const t0 = performance.now();
    const dataset = generateDataset({ seed: opts.seed, preset: opts.preset, referenceTime: opts.referenceTime });
    const t1 = performance.now();
    const bytes = writeChunks(out, datasetJsonChunks(dataset, indent));
    const t2 = performance.now();

    if (opts.quiet) return;
    const log = (line: string) => process.stdout.write(`${line}\n`);
    log(`preset ${dataset.preset}, seed ${dataset.seed}, reference time ${dataset.reference_time}`);
    for (const s of datasetStats(dataset)) {
      const statuses = Object.entries(s.statuses)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
      log(
        `  ${s.tenant}: ${s.customers} customers, ${s.invoices} invoices (${s.trashed} in trash), ` +
          `${s.line_items} line items, ${s.payments} payments, ${s.credit_notes} credit notes`,
      );
      log(`    statuses: ${statuses}`);
    }
    const rel = relative(process.cwd(), out) || out;
    log(`wrote ${rel} (${(bytes / 1048576).toFixed(1)} MiB)`);
    log(`generated in ${(t1 - t0).toFixed(0)} ms, written in ${(t2 - t1).toFixed(0)} ms`);
  });

program.parse();
