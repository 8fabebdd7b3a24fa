import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CREDIT_NOTE_PATTERN,
  DEFAULT_INVOICE_PATTERN,
  highestSeq,
  nextFree,
  NumberSequence,
  parsePattern,
  parseSeq,
  renderNumber,
  scopeKey,
} from './numbering.ts';

describe('parsePattern', () => {
  it.each([
    ['INV-{YYYY}-{SEQ4}', [
      { kind: 'literal', text: 'INV-' },
      { kind: 'date', token: 'YYYY' },
      { kind: 'literal', text: '-' },
      { kind: 'seq', width: 4 },
    ]],
    ['{SEQ1}', [{ kind: 'seq', width: 1 }]],
    ['{YY}{MM}{DD}/{SEQ9}', [
      { kind: 'date', token: 'YY' },
      { kind: 'date', token: 'MM' },
      { kind: 'date', token: 'DD' },
      { kind: 'literal', text: '/' },
      { kind: 'seq', width: 9 },
    ]],
  ])('%s', (pattern, parts) => {
    expect(parsePattern(pattern)).toEqual(parts);
  });

  it.each([
    ['', 'empty'],
    ['INV-{YYYY}', 'no SEQ'],
    ['{SEQ4}-{SEQ4}', 'two SEQ'],
    ['{SEQ0}', 'width 0'],
    ['{SEQ10}', 'width 10'],
    ['{SEQ}', 'no width'],
    ['{seq4}', 'lower case'],
    ['{YYYYY}-{SEQ4}', 'unknown token'],
    ['INV-{SEQ4', 'unclosed brace'],
    ['INV}-{SEQ4}', 'stray closing brace'],
    ['{{SEQ4}}', 'nested braces'],
  ])('rejects %j (%s)', (pattern) => {
    expect(() => parsePattern(pattern)).toThrow(Error);
  });
});

describe('renderNumber / scopeKey / parseSeq', () => {
  const table: Array<[string, string, number, string, string]> = [
    // pattern, date, seq, number, scope
    [DEFAULT_INVOICE_PATTERN, '2025-03-07', 1, 'INV-2025-0001', 'INV-2025-{SEQ}'],
    [DEFAULT_INVOICE_PATTERN, '2025-12-31', 42, 'INV-2025-0042', 'INV-2025-{SEQ}'],
    [DEFAULT_INVOICE_PATTERN, '2026-01-01', 9999, 'INV-2026-9999', 'INV-2026-{SEQ}'],
    [DEFAULT_INVOICE_PATTERN, '2026-01-01', 10000, 'INV-2026-10000', 'INV-2026-{SEQ}'], // grows past the width
    [DEFAULT_CREDIT_NOTE_PATTERN, '2025-03-07', 3, 'CN-2025-0003', 'CN-2025-{SEQ}'],
    ['{YY}{MM}-{SEQ2}', '2025-03-07', 7, '2503-07', '2503-{SEQ}'],
    ['{SEQ3}/{DD}.{MM}.{YYYY}', '2025-03-07', 12, '012/07.03.2025', '{SEQ}/07.03.2025'],
    ['{SEQ1}', '2025-03-07', 123, '123', '{SEQ}'],
    ['A.B+{SEQ2}(x)', '2025-03-07', 5, 'A.B+05(x)', 'A.B+{SEQ}(x)'], // regex characters are literal
    ['{SEQ2}{YY}', '2025-03-07', 123, '12325', '{SEQ}25'],
  ];
  it.each(table)('%s on %s seq %i → %s', (pattern, date, seq, number, scope) => {
    expect(renderNumber(pattern, date, seq)).toBe(number);
    expect(scopeKey(pattern, date)).toBe(scope);
    expect(parseSeq(pattern, date, number)).toBe(seq);
  });

  const notOurs: Array<[string, string, string]> = [
    [DEFAULT_INVOICE_PATTERN, '2025-03-07', 'INV-2024-0001'], // other scope (year)
    [DEFAULT_INVOICE_PATTERN, '2025-03-07', 'INV-2025-001'], // too short
    [DEFAULT_INVOICE_PATTERN, '2025-03-07', 'INV-2025-00001'], // not canonical padding
    [DEFAULT_INVOICE_PATTERN, '2025-03-07', 'INV-2025-0000'], // seq 0 is never issued
    [DEFAULT_INVOICE_PATTERN, '2025-03-07', 'INV-2025-12a4'],
    [DEFAULT_INVOICE_PATTERN, '2025-03-07', 'inv-2025-0001'],
    [DEFAULT_INVOICE_PATTERN, '2025-03-07', 'CUSTOM-7'],
    [DEFAULT_INVOICE_PATTERN, '2025-03-07', 'INV-2025-0001 '],
    ['A.B-{SEQ2}', '2025-03-07', 'AxB-01'], // "." is not a wildcard
  ];
  it.each(notOurs)('%s on %s: %j → undefined', (pattern, date, number) => {
    expect(parseSeq(pattern, date, number)).toBeUndefined();
  });

  it.each([0, -1, 1.5, NaN])('refuses seq %s', (seq) => {
    expect(() => renderNumber(DEFAULT_INVOICE_PATTERN, '2025-01-01', seq)).toThrow(RangeError);
  });

  it.each(['2025-1-01', '20250101', ''])('refuses date %j', (date) => {
    expect(() => renderNumber(DEFAULT_INVOICE_PATTERN, date, 1)).toThrow(RangeError);
  });
});

describe('highestSeq / nextFree', () => {
  const used = ['INV-2025-0001', 'INV-2025-0002', 'INV-2025-0004', 'CUSTOM-1', 'INV-2024-0099', 'INV-2025-00007'];

  it('highestSeq only counts canonical numbers of the scope', () => {
    expect(highestSeq(DEFAULT_INVOICE_PATTERN, '2025-06-01', used)).toBe(4);
    expect(highestSeq(DEFAULT_INVOICE_PATTERN, '2024-06-01', used)).toBe(99);
    expect(highestSeq(DEFAULT_INVOICE_PATTERN, '2023-06-01', used)).toBe(0);
  });

  const table: Array<[string, number, string[], string, number]> = [
    // date, lastSeq, taken, → number, seq
    ['2025-06-01', 0, [], 'INV-2025-0001', 1],
    ['2025-06-01', 2, ['INV-2025-0001', 'INV-2025-0002'], 'INV-2025-0003', 3],
    ['2025-06-01', 2, ['INV-2025-0003', 'INV-2025-0004'], 'INV-2025-0005', 5], // client took 3 and 4
    ['2025-06-01', 9999, ['INV-2025-10000'], 'INV-2025-10001', 10001],
    ['2026-01-01', 0, ['INV-2025-0001'], 'INV-2026-0001', 1], // new year, new scope
  ];
  it.each(table)('on %s after %i with %j taken → %s', (date, lastSeq, taken, number, seq) => {
    const set = new Set(taken);
    expect(nextFree(DEFAULT_INVOICE_PATTERN, date, lastSeq, (n) => set.has(n))).toEqual({ number, seq });
    expect(NumberSequence.nextFree(DEFAULT_INVOICE_PATTERN, date, lastSeq, (n) => set.has(n))).toEqual({ number, seq });
  });

  it('refuses a negative lastSeq', () => {
    expect(() => nextFree(DEFAULT_INVOICE_PATTERN, '2025-01-01', -1, () => false)).toThrow(RangeError);
  });

  it('gives up instead of looping forever', () => {
    expect(() => nextFree('{SEQ1}', '2025-01-01', 0, () => true)).toThrow(RangeError);
  });
});
