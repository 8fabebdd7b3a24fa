// Links that work without credentials: expiring HMAC-signed PDF links, and the unguessable
// tokens of share pages and payment pages.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { secureRandomText } from '../deps.ts';
import { Refusal } from '../domain/errors.ts';

/** How long a signed PDF link works. */
export const PDF_LINK_TTL_SECONDS = 15 * 60;

export type PdfLinkClaims = {
  /** Tenant id. */
  t: string;
  /** Invoice id. */
  i: string;
  /** Expiry, epoch seconds. */
  e: number;
};

function signature(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}

/** `base64url(JSON {t, i, e})` + `.` + `base64url(HMAC-SHA256(secret, first part))`. */
export function signPdfToken(secret: string, claims: PdfLinkClaims): string {
  const payload = Buffer.from(JSON.stringify({ t: claims.t, i: claims.i, e: claims.e })).toString('base64url');
  return `${payload}.${signature(secret, payload)}`;
}

/** A new signed link's token and expiry, counted from `now`. */
export function issuePdfToken(secret: string, tenant: string, invoiceId: string, now: Date): { token: string; expiresAt: Date } {
  const e = Math.floor(now.getTime() / 1000) + PDF_LINK_TTL_SECONDS;
  return { token: signPdfToken(secret, { t: tenant, i: invoiceId, e }), expiresAt: new Date(e * 1000) };
}

export const invalidLink = () => new Refusal('not_found', 'This link is not valid.');

/**
 * The claims of a genuine, unexpired token. A token whose signature does not match (changed in
 * any character) is a 404 that says nothing more; a genuine but expired one is 410 link_expired.
 */
export function verifyPdfToken(secret: string, token: string, now: Date): { tenant: string; invoiceId: string } {
  const parts = token.split('.');
  if (parts.length !== 2) throw invalidLink();
  const [payload, given] = parts as [string, string];
  const expected = Buffer.from(signature(secret, payload));
  const actual = Buffer.from(given);
  // Compares the text, not the decoded bytes: base64url has spare bits a forger could flip.
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) throw invalidLink();
  let claims: Partial<PdfLinkClaims>;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<PdfLinkClaims>;
  } catch {
    throw invalidLink();
  }
  if (typeof claims?.t !== 'string' || typeof claims.i !== 'string' || typeof claims.e !== 'number' || !Number.isSafeInteger(claims.e)) throw invalidLink();
  if (now.getTime() >= claims.e * 1000) {
    throw new Refusal('link_expired', `This link expired at ${new Date(claims.e * 1000).toISOString()}; ask for a new one.`);
  }
  return { tenant: claims.t, invoiceId: claims.i };
}

const TOKEN_LENGTH = 24;

/** The token of a share page: `shr_` + 24 characters from a cryptographically secure source. */
export function newShareToken(): string {
  return `shr_${secureRandomText(TOKEN_LENGTH)}`;
}

/** The token of a hosted payment page: `pl_` + 24 characters from a cryptographically secure source. */
export function newPaymentToken(): string {
  return `pl_${secureRandomText(TOKEN_LENGTH)}`;
}
