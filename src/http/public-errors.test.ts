// Issue 11, item 11: the public pages answer a browser's error with an HTML page in the payer's
// terms (same status), and every other client with the problem+json it always got.
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResponseValidator } from '../contract/responses.ts';
import { startTestServer, type TestResponse, type TestServer } from '../testing/harness.ts';
import { invoiceIn, newInvoice, ok, sharePath } from './actions.test-helper.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

const contract = new ResponseValidator();
/** What Chromium sends when it navigates. */
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

/** A request as a browser makes it (the harness's own client asserts problem+json on errors, so it is not used here). */
async function browser(method: 'GET' | 'POST', path: string, form?: string, headers: Record<string, string> = {}): Promise<TestResponse> {
  const res = await request(s.base + path, {
    method,
    headers: { accept: BROWSER_ACCEPT, ...(form === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }), ...headers },
    body: form,
  });
  const text = await res.body.text();
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers)) flat[name] = Array.isArray(value) ? value.join(', ') : String(value);
  const body = /json/.test(flat['content-type'] ?? '') ? JSON.parse(text) : text;
  const answer = { status: res.statusCode, headers: flat, body, text };
  expect(contract.check({ method, path: path.split('?')[0]!, status: answer.status, contentType: flat['content-type'], body, headers: flat }), `${method} ${path}`).toEqual([]);
  return answer;
}

/** The text a person reads (tags dropped, entities decoded, white space collapsed). */
const visibleText = (html: string) =>
  html
    .replace(/<style[\s\S]*?<\/style>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    // Not \s: the no-break spaces Intl puts between amount and currency stay.
    .replace(/[ \t\r\n]+/g, ' ')
    .trim();

function expectHtmlPage(res: TestResponse, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(res.headers['content-security-policy']).toContain("default-src 'none'");
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers.vary).toMatch(/\bAccept\b/);
  expect(res.headers['x-request-id']).toBeTruthy();
  // No API jargon: no JSON, no problem codes, no minor units.
  expect(res.text).not.toMatch(/problem\+json|"code"|validation_failed|overpayment|not_found|link_expired|nothing_due|\/body\/amount/);
  expect(res.text).toContain(`Reference: ${res.headers['x-request-id']}`);
  return visibleText(res.text);
}

async function payablePath(currency = 'USD', unit_price = 495000) {
  const inv = await newInvoice(s, { currency, line_items: [{ description: 'Work', quantity: 1, unit_price }] });
  await ok(s.post(`/api/v1/invoices/${inv.id}/mark-sent`));
  return { inv, path: new URL((await ok(s.get(`/api/v1/invoices/${inv.id}/payment-link`))).body.url).pathname };
}

describe('a browser gets an HTML page for every error of the public pages', () => {
  it('a revoked share link: 404, the link does not work, ask for a new one', async () => {
    const inv = await invoiceIn(s, 'sent');
    await ok(s.post(`/api/v1/invoices/${inv.id}/unpublish`));
    const text = expectHtmlPage(await browser('GET', sharePath(inv)), 404);
    expect(text).toContain('This link does not work');
    expect(text).toContain('This invoice link is not valid');
    expect(text).toContain('Ask whoever sent you the invoice for a new link.');
    // A revoked link says nothing about the invoice behind it.
    expect(text).not.toContain(inv.number);
  });

  it('an overpayment: 422 with the amounts in major units of the currency, and nothing recorded', async () => {
    const { inv, path } = await payablePath();
    const text = expectHtmlPage(await browser('POST', path, 'amount=999999.00'), 422);
    expect(text).toContain('That is more than is due');
    expect(text).toContain(`You entered $999,999.00, but only $4,950.00 is due on invoice ${inv.number}. No payment was made.`);
    expect(text).toContain('Enter an amount up to $4,950.00.');
    expect(text).toContain('Back to the payment page');
    expect(text).not.toContain('99999900');
    expect((await s.get(`/api/v1/invoices/${inv.id}`)).body.amount_paid).toBe(0);
  });

  it('amounts that the form check (pipeline) or the currency check (handler) refuse: 400, with the rule for this currency', async () => {
    const jpy = await payablePath('JPY', 5000);
    for (const form of ['amount=abc', 'amount=-5', 'amount=10.5', 'amount=0', 'amount=1&tip=2']) {
      const text = expectHtmlPage(await browser('POST', jpy.path, form), 400);
      expect(text, form).toContain('Check the amount');
      expect(text, form).toContain('Enter a whole number of JPY, without decimals, more than zero and at most the amount due, ¥5,000.');
    }
    const kwd = await payablePath('KWD', 13719);
    expect(expectHtmlPage(await browser('POST', kwd.path, 'amount=1.2345'), 400)).toContain('Enter digits, with at most 3 decimals after a point, more than zero and at most the amount due, KWD\u00a013.719.');
    expect((await s.get(`/api/v1/invoices/${jpy.inv.id}`)).body.amount_paid).toBe(0);
  });

  it('nothing left to pay, a void invoice, an unknown payment link', async () => {
    const { inv, path } = await payablePath('USD', 1000);
    await ok(browser('POST', path, 'amount=10.00'));
    const paid = expectHtmlPage(await browser('POST', path, 'amount=1.00'), 409);
    expect(paid).toContain(`Invoice ${inv.number} has nothing left to pay, so no payment was made.`);

    const voided = await payablePath('USD', 1000);
    await ok(s.post(`/api/v1/invoices/${voided.inv.id}/void`));
    expect(expectHtmlPage(await browser('POST', voided.path, 'amount=1.00'), 409)).toContain(`Invoice ${voided.inv.number} cannot be paid online: it has been cancelled (void).`);

    expect(expectHtmlPage(await browser('GET', '/public/pay/pl_AAAAAAAAAAAAAAAAAAAAAAAA'), 404)).toContain('This payment link is not valid');
    expect(expectHtmlPage(await browser('POST', '/public/pay/pl_AAAAAAAAAAAAAAAAAAAAAAAA', 'amount=1'), 404)).toContain('This payment link is not valid');
    expect(expectHtmlPage(await browser('GET', `/public/invoices/${'x'.repeat(201)}`), 400)).toContain('This link does not work');
  });

  it('a form the server cannot read: 415, no payment made', async () => {
    const { path } = await payablePath();
    const text = expectHtmlPage(await browser('POST', path, '{"amount":"1"}', { 'content-type': 'application/json' }), 415);
    expect(text).toContain('The payment form could not be read');
  });

  it('an expired and a forged signed PDF link: 410 and 404', async () => {
    const start = s.clock.now();
    try {
      const inv = await invoiceIn(s, 'sent');
      const path = new URL((await ok(s.get(`/api/v1/invoices/${inv.id}/pdf-link`))).body.url).pathname;
      s.clock.advance(15 * 60_000);
      const text = expectHtmlPage(await browser('GET', path), 410);
      expect(text).toContain('This download link has expired');
      expect(text).toContain('work for 15 minutes');
      expect(expectHtmlPage(await browser('GET', `${path.slice(0, -3)}AAA`), 404)).toContain('This download link is not valid');
    } finally {
      s.clock.freeze(start);
    }
  });

  it('formats amounts in the browser’s language (Accept-Language)', async () => {
    const { path } = await payablePath('EUR', 123456789);
    const text = expectHtmlPage(await browser('POST', path, 'amount=9999999.00', { 'accept-language': 'de-DE,de;q=0.9,en;q=0.5' }), 422);
    expect(text).toContain('You entered 9.999.999,00\u00a0€, but only 1.234.567,89\u00a0€ is due');
  });
});

describe('every other client keeps problem+json', () => {
  it.each([
    ['no Accept', undefined],
    ['*/*', '*/*'],
    ['application/json', 'application/json'],
    ['application/problem+json', 'application/problem+json'],
    ['JSON preferred over HTML', 'application/json, text/html;q=0.5'],
  ])('%s', async (_name, accept) => {
    const { path } = await payablePath();
    const res = await s.call('POST', path, { key: null, rawBody: 'amount=999999.00', headers: { 'content-type': 'application/x-www-form-urlencoded', ...(accept ? { accept } : {}) } });
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.headers.vary).toMatch(/\bAccept\b/);
    expect(res.body).toMatchObject({ code: 'overpayment', status: 422, title: 'Payment exceeds the amount due', detail: 'Payment of 99999900 exceeds the amount due 495000', instance: path });
    const unknown = await s.call('GET', '/public/invoices/shr_AAAAAAAAAAAAAAAAAAAAAAAA', { key: null, ...(accept ? { headers: { accept } } : {}) });
    expect(unknown.body).toMatchObject({ code: 'not_found', detail: 'This link is not valid.' });
  });

  it('API operations never answer HTML, whatever the client accepts', async () => {
    const res = await s.get('/api/v1/invoices/inv_missing', { headers: { accept: BROWSER_ACCEPT } });
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
