import type { Reporter } from './reporter.ts';
import { RunCollector, toJsonSafe, writeReportFile } from './shared.ts';

/** `report.json`: the full RunResult, pretty-printed. */
export function createJsonReporter(outputDir: string): Reporter {
  const state = new RunCollector();
  return {
    name: 'json',
    onEvent: (event) => state.onEvent(event),
    async finish() {
      // No run-end (an aborted run): there is no result to write; ndjson keeps what happened.
      if (!state.result) return [];
      return [await writeReportFile(outputDir, 'report.json', JSON.stringify(toJsonSafe(state.result), null, 2) + '\n')];
    },
  };
}
