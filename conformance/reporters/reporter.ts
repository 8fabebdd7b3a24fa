import { resolve } from 'node:path';
import type { ReporterName, RunEvent } from '../types.ts';
import { createConsoleReporter } from './console.ts';
import { createJsonReporter } from './json.ts';
import { createJunitReporter } from './junit.ts';
import { createMarkdownReporter } from './markdown.ts';
import { createNdjsonReporter } from './ndjson.ts';

/** A subscriber to the run's events; `finish` writes its files and returns their paths. */
export type Reporter = { name: ReporterName; onEvent(event: RunEvent): void; finish(): Promise<string[]> };

export type ReporterOptions = { outputDir?: string; out?: NodeJS.WritableStream; color?: boolean; env?: NodeJS.ProcessEnv };

export const DEFAULT_OUTPUT_DIR = 'conformance-report';

export const REPORTER_NAMES: readonly ReporterName[] = ['console', 'json', 'junit', 'ndjson', 'markdown'];

export function createReporters(names: ReporterName[], options: ReporterOptions = {}): Reporter[] {
  const outputDir = resolve(options.outputDir ?? DEFAULT_OUTPUT_DIR);
  const env = options.env ?? process.env;
  // A name given twice would write the same file twice.
  return [...new Set(names)].map((name): Reporter => {
    switch (name) {
      case 'console':
        return createConsoleReporter({ out: options.out ?? process.stdout, color: options.color === true });
      case 'json':
        return createJsonReporter(outputDir);
      case 'junit':
        return createJunitReporter(outputDir);
      case 'ndjson':
        return createNdjsonReporter(outputDir);
      case 'markdown':
        return createMarkdownReporter(outputDir, env);
      default:
        throw new Error(`Unknown reporter "${String(name)}"; expected one of ${REPORTER_NAMES.join(', ')}`);
    }
  });
}
