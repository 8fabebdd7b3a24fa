import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Refusal } from '../domain/errors.ts';
import { toApiError } from '../http/problem.ts';
import { PDF_LINK_TTL_SECONDS, issuePdfToken, newPaymentToken, newShareToken, signPdfToken, verifyPdfToken } from './links.ts';

const SECRET = 'link-secret';
const NOW = new Date('2026-04-01T09:30:00.000Z');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return e instanceof Refusal ? `${toApiError(e).status} ${e.code}` : String(e);
  }
}

describe('signed PDF tokens', () => {
  it('are base64url JSON {t, i, e} and a base64url HMAC-SHA256 of that text with the secret', () => {
    const { token, expiresAt } = issuePdfToken(SECRET, 'acme', 'inv_1', NOW);
    expect(expiresAt.toISOString()).toBe('2026-04-01T09:45:00.000Z');
    const [payload, signature] = token.split('.') as [string, string];
    expect(JSON.parse(Buffer.from(payload, 'base64url').toString())).toEqual({ t: 'acme', i: 'inv_1', e: Date.parse('2026-04-01T09:45:00Z') / 1000 });
    expect(signature).toBe(createHmac('sha256', SECRET).update(payload).digest('base64url'));
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(PDF_LINK_TTL_SECONDS).toBe(900);
  });

  it('verify until just before the expiry, then 410 link_expired', () => {
    const { token } = issuePdfToken(SECRET, 'acme', 'inv_1', NOW);
    expect(verifyPdfToken(SECRET, token, new Date('2026-04-01T09:44:59.999Z'))).toEqual({ tenant: 'acme', invoiceId: 'inv_1' });
    expect(codeOf(() => verifyPdfToken(SECRET, token, new Date('2026-04-01T09:45:00.000Z')))).toBe('410 link_expired');
  });

  it('are refused with 404 when signed with another secret or changed anywhere', () => {
    const { token } = issuePdfToken(SECRET, 'acme', 'inv_1', NOW);
    expect(codeOf(() => verifyPdfToken('other-secret', token, NOW))).toBe('404 not_found');
    for (let i = 0; i < token.length; i++) {
      if (token[i] === '.') continue;
      const changed = token.slice(0, i) + (token[i] === 'x' ? 'y' : 'x') + token.slice(i + 1);
      expect(codeOf(() => verifyPdfToken(SECRET, changed, NOW)), `position ${i}`).toBe('404 not_found');
    }
    for (const bad of ['', 'abc', 'a.b.c', `${token}.x`, token.replace('.', '')]) expect(codeOf(() => verifyPdfToken(SECRET, bad, NOW))).toBe('404 not_found');
  });

  it('with a valid signature over claims that are not {t, i, e} are refused with 404', () => {
    const payload = Buffer.from(JSON.stringify({ t: 'acme', i: 5, e: 'soon' })).toString('base64url');
    const token = `${payload}.${createHmac('sha256', SECRET).update(payload).digest('base64url')}`;
    expect(codeOf(() => verifyPdfToken(SECRET, token, NOW))).toBe('404 not_found');
    const notJson = Buffer.from('not json').toString('base64url');
    expect(codeOf(() => verifyPdfToken(SECRET, `${notJson}.${createHmac('sha256', SECRET).update(notJson).digest('base64url')}`, NOW))).toBe('404 not_found');
    expect(signPdfToken(SECRET, { t: 'a', i: 'b', e: 1 })).toMatch(/^eyJ0Ijoi/);
  });
});

describe('share and payment tokens', () => {
  it('have the contract’s prefixes and 24 random characters, never repeating', () => {
    const shares = new Set(Array.from({ length: 1000 }, newShareToken));
    const payments = new Set(Array.from({ length: 1000 }, newPaymentToken));
    expect(shares.size).toBe(1000);
    expect(payments.size).toBe(1000);
    for (const t of shares) expect(t).toMatch(/^shr_[A-Za-z0-9]{24}$/);
    for (const t of payments) expect(t).toMatch(/^pl_[A-Za-z0-9]{24}$/);
  });
});
