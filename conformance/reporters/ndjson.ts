import type { Reporter } from './reporter.ts';
import { toJsonSafe, writeReportFile } from './shared.ts';

/** `events.ndjson`: every event, in order, one JSON object a line, with the time it was received. */
export function createNdjsonReporter(outputDir: string): Reporter {
  // Serialised on arrival, so a later mutation of an event's objects cannot change the record.
  const lines: string[] = [];
  return {
    name: 'ndjson',
    onEvent(event) {
      lines.push(JSON.stringify({ time: new Date().toISOString(), ...(toJsonSafe(event) as object) }));
    },
    async finish() {
      // Written even without run-end: the events of an aborted run are what explains it.
      if (lines.length === 0) return [];
      return [await writeReportFile(outputDir, 'events.ndjson', lines.join('\n') + '\n')];
    },
  };
}
