export { createReporters, DEFAULT_OUTPUT_DIR, REPORTER_NAMES, type Reporter, type ReporterOptions } from './reporter.ts';
export { createConsoleReporter, renderConsoleReport } from './console.ts';
export { createJsonReporter } from './json.ts';
export { createJunitReporter, renderJunit } from './junit.ts';
export { createMarkdownReporter, renderMarkdown } from './markdown.ts';
export { createNdjsonReporter } from './ndjson.ts';
