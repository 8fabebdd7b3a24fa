import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { toCurl } from '../redact.ts';
import { documentedBodyLimit } from './payload-too-large.ts';
import { unknownValueFor } from './unknown-id.ts';

describe('unknownValueFor', () => {
  it.each([
    ['inv_a1B2c3', 'inv_z9z9z9'],
    ['cus_zzz', 'cus_zzy'],
    ['pay_999', 'pay_99z'],
    ['tok-ABC', 'zzz-zzz'],
  ])('%s → %s: same prefix, length and alphabet, never the real one', (real, made) => {
    expect(unknownValueFor(real)).toBe(made);
    expect(unknownValueFor(real)).not.toBe(real);
    expect(unknownValueFor(real)).toHaveLength(real.length);
  });
});

describe('documentedBodyLimit', () => {
  it.each([
    ['The request body is larger than 1 MiB.', 1024 * 1024],
    ['Bodies over 512 KiB are refused', 512 * 1024],
    ['over 2 MB', 2_000_000],
    ['over 100 bytes', 100],
    ['The body is too large.', undefined],
  ])('%s → %s', (text, limit) => expect(documentedBodyLimit(text)).toBe(limit));
});

describe('toCurl with a huge body', () => {
  it('rebuilds a long run in the shell instead of printing it, byte for byte', () => {
    const body = `{"padding":"${'x'.repeat(100_000)}"}`;
    const curl = toCurl({ method: 'POST', url: 'http://127.0.0.1:1/x', headers: {}, body });
    expect(curl.length).toBeLessThan(500);
    const arg = /--data-binary @<\((.*)\) 'http/.exec(curl)![1]!;
    expect(execFileSync('bash', ['-c', arg], { encoding: 'utf8', maxBuffer: 1 << 22 })).toBe(body);
  });

  it('cuts a huge body without a run, and says so', () => {
    const body = Array.from({ length: 5000 }, (_, i) => `k${i}=v${i}`).join('&');
    expect(toCurl({ method: 'POST', url: 'http://h/x', headers: {}, body })).toMatch(/bytes, cut\)'/);
  });
});
