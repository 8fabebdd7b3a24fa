// Document numbering patterns such as INV-{YYYY}-{SEQ4}. Pure: the date and
// the "already taken" check come from the caller.

export const DEFAULT_INVOICE_PATTERN = 'INV-{YYYY}-{SEQ4}';
export const DEFAULT_CREDIT_NOTE_PATTERN = 'CN-{YYYY}-{SEQ4}';

export type PatternPart =
  | { kind: 'literal'; text: string }
  | { kind: 'date'; token: 'YYYY' | 'YY' | 'MM' | 'DD' }
  | { kind: 'seq'; width: number };

const TOKEN = /\{([^{}]*)\}/g;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parsed patterns by their text: a tenant's pattern is parsed once, not on every create. */
const parsedPatterns = new Map<string, readonly PatternPart[]>();
/** Patterns are tenant settings, so few; the bound only keeps a stream of distinct ones from growing memory. */
const MAX_CACHED_PATTERNS = 1000;

/** Splits a pattern into parts (frozen, shared); throws Error on unknown tokens, stray braces or ≠ 1 SEQ. */
export function parsePattern(pattern: string): readonly PatternPart[] {
  const cached = parsedPatterns.get(pattern);
  if (cached) return cached;
  const parts = Object.freeze(splitPattern(pattern).map((part) => Object.freeze(part)));
  if (parsedPatterns.size >= MAX_CACHED_PATTERNS) parsedPatterns.clear();
  parsedPatterns.set(pattern, parts);
  return parts;
}

function splitPattern(pattern: string): PatternPart[] {
  if (typeof pattern !== 'string' || pattern.length === 0) throw new Error('Numbering pattern must be a non-empty string');
  const parts: PatternPart[] = [];
  let last = 0;
  const pushLiteral = (text: string) => {
    // Braces outside tokens would make scope keys and parsing ambiguous.
    if (/[{}]/.test(text)) throw new Error(`Unbalanced brace in numbering pattern: ${pattern}`);
    if (text) parts.push({ kind: 'literal', text });
  };
  for (const m of pattern.matchAll(TOKEN)) {
    pushLiteral(pattern.slice(last, m.index));
    const name = m[1] ?? '';
    if (name === 'YYYY' || name === 'YY' || name === 'MM' || name === 'DD') {
      parts.push({ kind: 'date', token: name });
    } else if (/^SEQ[1-9]$/.test(name)) {
      parts.push({ kind: 'seq', width: Number(name.slice(3)) });
    } else {
      throw new Error(`Unknown token {${name}} in numbering pattern: ${pattern}`);
    }
    last = m.index + m[0].length;
  }
  pushLiteral(pattern.slice(last));
  const seqCount = parts.filter((p) => p.kind === 'seq').length;
  if (seqCount !== 1) throw new Error(`Numbering pattern needs exactly one {SEQn} token, found ${seqCount}: ${pattern}`);
  return parts;
}

function dateParts(date: string): Record<'YYYY' | 'YY' | 'MM' | 'DD', string> {
  const m = DATE.exec(date);
  if (!m) throw new RangeError(`Date must be YYYY-MM-DD, got ${date}`);
  const [, yyyy = '', mm = '', dd = ''] = m;
  return { YYYY: yyyy, YY: yyyy.slice(2), MM: mm, DD: dd };
}

function render(pattern: string, date: string, seqText: (width: number) => string): string {
  const d = dateParts(date);
  return parsePattern(pattern)
    .map((p) => (p.kind === 'literal' ? p.text : p.kind === 'date' ? d[p.token] : seqText(p.width)))
    .join('');
}

function assertSeq(seq: number): void {
  if (!Number.isSafeInteger(seq) || seq < 1) throw new RangeError(`Sequence must be a positive integer, got ${seq}`);
}

/** Zero-pads SEQ to its width; longer sequences simply grow (INV-2025-10000). */
export function renderNumber(pattern: string, date: string, seq: number): string {
  assertSeq(seq);
  return render(pattern, date, (width) => String(seq).padStart(width, '0'));
}

/**
 * The sequence restarts whenever this key changes (per year for the default).
 * The SEQ slot is shown as "{SEQ}" rather than blank so two patterns that only
 * differ in where SEQ sits can never share a scope.
 */
export function scopeKey(pattern: string, date: string): string {
  return render(pattern, date, () => '{SEQ}');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The seq a number stands for in this scope, or undefined if it is not one we would render. */
export function parseSeq(pattern: string, date: string, number: string): number | undefined {
  const d = dateParts(date);
  const source = parsePattern(pattern)
    .map((p) => (p.kind === 'literal' ? escapeRegExp(p.text) : p.kind === 'date' ? d[p.token] : '(\\d+)'))
    .join('');
  const m = new RegExp(`^${source}$`).exec(number);
  if (!m || m[1] === undefined) return undefined;
  const seq = Number(m[1]);
  if (!Number.isSafeInteger(seq) || seq < 1) return undefined;
  // Canonical form only: "INV-2025-00001" is not seq 1 of INV-{YYYY}-{SEQ4}.
  return renderNumber(pattern, date, seq) === number ? seq : undefined;
}

/** Highest seq among existing numbers of this scope (0 when none), to seed nextFree. */
export function highestSeq(pattern: string, date: string, numbers: Iterable<string>): number {
  let max = 0;
  for (const n of numbers) {
    const seq = parseSeq(pattern, date, n);
    if (seq !== undefined && seq > max) max = seq;
  }
  return max;
}

// Guards against an isTaken that never says no (a caller bug) looping forever.
const MAX_SKIPS = 1_000_000;

/**
 * Next number after lastSeq that nobody holds yet: clients may have taken
 * numbers explicitly, and those are skipped rather than reused.
 */
export function nextFree(
  pattern: string,
  date: string,
  lastSeq: number,
  isTaken: (number: string) => boolean,
): { number: string; seq: number } {
  if (!Number.isSafeInteger(lastSeq) || lastSeq < 0) throw new RangeError(`lastSeq must be an integer ≥ 0, got ${lastSeq}`);
  for (let seq = lastSeq + 1; seq <= lastSeq + MAX_SKIPS; seq++) {
    const number = renderNumber(pattern, date, seq);
    if (!isTaken(number)) return { number, seq };
  }
  throw new RangeError(`No free number within ${MAX_SKIPS} of seq ${lastSeq} for ${pattern}`);
}

/** Namespace form, for callers that prefer `NumberSequence.nextFree(...)`. */
export const NumberSequence = { nextFree, highestSeq, parseSeq, renderNumber, scopeKey } as const;
