// JSON in ASCII: V8 keeps text with no character above U+00FF as one-byte strings, which JSON.parse
// reads much faster (and in half the memory) than the two-byte strings that UTF-8 text with a single
// "—" or "é" becomes. Data set files and the data directory's rows are written this way; text
// written before (raw UTF-8) still parses to the same values.

/** JSON text with its non-ASCII characters escaped: the same value for JSON.parse, ASCII bytes on disk. */
export function escapeNonAscii(json: string): string {
  // Code units, not code points (no /u flag): an astral character becomes its two escaped surrogates, as JSON allows.
  return json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** JSON text in ASCII: as it is when it already is. */
export function asciiText(json: string): string {
  return /[^\x00-\x7f]/.test(json) ? escapeNonAscii(json) : json;
}

/** JSON.stringify(value), in ASCII. */
export function asciiJson(value: unknown): string {
  return asciiText(JSON.stringify(value));
}
