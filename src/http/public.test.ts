import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/harness.ts';
import { CONTRACT_EXAMPLE, invoiceIn, newCustomer, newInvoice, ok, pdfText, sharePath } from './actions.test-helper.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

const publicGet = (path: string) => s.call('GET', path, { key: null });
const pay = (path: string, form?: string, contentType = 'application/x-www-form-urlencoded') =>
  s.call('POST', path, { key: null, ...(form === undefined ? {} : { rawBody: form, headers: { 'content-type': contentType } }) });

describe('invoice PDF', () => {
  it('is a real PDF with the number, dates, customer, lines and totals, named after the number', async () => {
    const customer = await newCustomer(s, { name: 'Acme Corp', email: 'billing@acme.example', address: { line1: '1 Main Street', city: 'Springfield', postal_code: '12345', country: 'US' } });
    const inv = await newInvoice(s, { ...CONTRACT_EXAMPLE, payment_terms: 'Net 30', notes: 'Thank you for your business.' }, customer.id);
    await ok(s.post(`/api/v1/invoices/${inv.id}/mark-sent`));
    await ok(s.post(`/api/v1/invoices/${inv.id}/payments`, { amount: 200000 }), 201);
    const res = await ok(s.get(`/api/v1/invoices/${inv.id}/pdf`));
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="${inv.number}.pdf"`);
    const pdf = res.body as Buffer;
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const text = await pdfText(pdf);
    for (const expected of [
      `Invoice ${inv.number}`, '2026-03-15', '2026-04-14', 'Acme Corp', 'billing@acme.example', '1 Main Street', '12345 Springfield', 'Net 30',
      'UI design', 'Development', '8 hour', 'USD 250.00', 'USD 3000.00', 'USD 2000.00', 'Subtotal USD 5000.00', 'Discount (10%) USD 500.00',
      'Tax USD 450.00', 'Total USD 4950.00', 'Amount paid USD 2000.00', 'Amount due USD 2950.00', 'Thank you for your business.',
    ]) {
      expect(text, expected).toContain(expected);
    }
    // The same invoice at the same instant gives the same bytes.
    expect((await ok(s.get(`/api/v1/invoices/${inv.id}/pdf`))).body.equals(pdf)).toBe(true);
  });

  it('formats yen without decimals and dinars with three', async () => {
    const jpy = await newInvoice(s, { currency: 'JPY', tax_rate: 8, discount: { type: 'percentage', percent: 5 }, line_items: [{ description: 'Consulting', quantity: 3, unit_price: 1234 }] });
    const jpyText = await pdfText((await ok(s.get(`/api/v1/invoices/${jpy.id}/pdf`))).body);
    expect(jpyText).toContain('Total JPY 3798');
    expect(jpyText).toContain('JPY 1234');
    const kwd = await newInvoice(s, { currency: 'KWD', tax_rate: 5, discount: { type: 'percentage', percent: 7.5 }, line_items: [{ description: 'Licence', quantity: 2.5, unit_price: 1250 }, { description: 'Support', quantity: 1, unit_price: 10999 }] });
    const kwdText = await pdfText((await ok(s.get(`/api/v1/invoices/${kwd.id}/pdf`))).body);
    expect(kwdText).toContain('Total KWD 13.719');
    expect(kwdText).toContain('2.5');
  });

  it('spreads a long invoice over several pages', async () => {
    const lines = Array.from({ length: 80 }, (_, i) => ({ description: `Line ${i + 1} with a description long enough to wrap onto a second line in the table`, quantity: 1, unit_price: 100 }));
    const inv = await newInvoice(s, { line_items: lines });
    const text = await pdfText((await ok(s.get(`/api/v1/invoices/${inv.id}/pdf`))).body);
    expect(text).toContain('Line 80 with');
    expect(text).toContain('Total USD 80.00');
    expect(text).toMatch(/-- 1 of [2-9] --/);
  });
});

describe('signed PDF links', () => {
  it('serve the PDF without credentials for 15 minutes, then answer 410 link_expired', async () => {
    const start = s.clock.now();
    try {
      const inv = await invoiceIn(s, 'sent');
      const link = await ok(s.get(`/api/v1/invoices/${inv.id}/pdf-link`));
      expect(link.body.expires_at).toBe('2026-03-15T10:15:00.000Z');
      const path = new URL(link.body.url).pathname;
      expect(path).toMatch(/^\/public\/pdf\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
      const pdf = await ok(publicGet(path));
      expect(pdf.headers['content-type']).toBe('application/pdf');
      expect(pdf.headers['content-disposition']).toBe(`inline; filename="${inv.number}.pdf"`);
      expect(await pdfText(pdf.body)).toContain(inv.number);

      s.clock.advance(14 * 60_000 + 59_000);
      expect((await publicGet(path)).status).toBe(200);
      s.clock.advance(1000);
      const expired = await publicGet(path);
      expect(expired.status).toBe(410);
      expect(expired.body.code).toBe('link_expired');
      expect(expired.headers['content-type']).toMatch(/^application\/problem\+json/);
      // A new link works again.
      const fresh = await ok(s.get(`/api/v1/invoices/${inv.id}/pdf-link`));
      expect(fresh.body.expires_at).toBe('2026-03-15T10:30:00.000Z');
      expect((await publicGet(new URL(fresh.body.url).pathname)).status).toBe(200);
    } finally {
      s.clock.freeze(start);
    }
  });

  it('refuse a tampered token with 404, whichever part was changed', async () => {
    const inv = await invoiceIn(s, 'sent');
    const other = await invoiceIn(s, 'sent');
    const token = new URL((await ok(s.get(`/api/v1/invoices/${inv.id}/pdf-link`))).body.url).pathname.split('/').pop()!;
    const [payload, signature] = token.split('.') as [string, string];
    const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = [
      `${flip(payload, 5)}.${signature}`,
      `${payload}.${flip(signature, 3)}`,
      `${payload}.${flip(signature, signature.length - 1)}`,
      // Another invoice, a later expiry or another tenant with the old signature.
      `${Buffer.from(JSON.stringify({ ...claims, i: other.id })).toString('base64url')}.${signature}`,
      `${Buffer.from(JSON.stringify({ ...claims, e: claims.e + 3600 })).toString('base64url')}.${signature}`,
      `${Buffer.from(JSON.stringify({ ...claims, t: 'globex' })).toString('base64url')}.${signature}`,
      `${payload}.${signature.slice(0, 20)}`,
    ];
    for (const bad of forged) {
      const res = await publicGet(`/public/pdf/${bad}`);
      expect(res.status, bad).toBe(404);
      expect(res.body.code).toBe('not_found');
    }
  });

  it('stop working when the invoice is deleted for good', async () => {
    const inv = await newInvoice(s);
    const path = new URL((await ok(s.get(`/api/v1/invoices/${inv.id}/pdf-link`))).body.url).pathname;
    await ok(s.del(`/api/v1/invoices/${inv.id}`), 204);
    await ok(s.del(`/api/v1/invoices/${inv.id}`, { query: { permanent: true } }), 204);
    expect((await publicGet(path)).status).toBe(404);
  });
});

describe('share page', () => {
  it('shows the invoice with every piece of user text escaped, records the first view only, never shows internal notes', async () => {
    const customer = await newCustomer(s, { name: '<script>alert("x")</script> & Sons', email: 'ap@sons.example', address: { line1: '<b>1</b> Road' } });
    const inv = await newInvoice(s, { ...CONTRACT_EXAMPLE, title: 'Q1 <work>', notes: "Pay by Friday 'please'", internal_notes: 'SECRET-INTERNAL', line_items: [{ description: '<img src=x onerror=alert(1)>', quantity: 1, unit_price: 495000, tax_rate: 0 }] }, customer.id);
    const published = (await ok(s.post(`/api/v1/invoices/${inv.id}/publish`))).body;
    const page = await ok(publicGet(sharePath(published)));
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    const html = page.text;
    expect(html).toContain(`<title>Invoice ${inv.number}</title>`);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Sons');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&lt;b&gt;1&lt;/b&gt; Road');
    expect(html).toContain('Q1 &lt;work&gt;');
    expect(html).toContain('Pay by Friday &#39;please&#39;');
    expect(html).not.toMatch(/<script|<img|<b>1/);
    expect(html).not.toContain('SECRET-INTERNAL');
    // Money in the payer's format: separators, symbol, and the discount taken off.
    expect(html).toContain('$4,950.00');
    expect(html).not.toContain('4950.00');
    expect(html).toContain('2026-04-14');

    const viewed = (await s.get(`/api/v1/invoices/${inv.id}`)).body;
    expect(viewed).toMatchObject({ status: 'viewed', viewed_at: '2026-03-15T10:00:00.000Z' });
    s.clock.advance(60_000);
    try {
      await ok(publicGet(sharePath(published)));
      expect((await s.get(`/api/v1/invoices/${inv.id}`)).body).toEqual(viewed);
    } finally {
      s.clock.advance(-60_000);
    }
  });

  it('a view of a partially paid invoice records viewed_at without changing its status', async () => {
    const inv = await invoiceIn(s, 'partially_paid');
    await ok(publicGet(sharePath(inv)));
    expect((await s.get(`/api/v1/invoices/${inv.id}`)).body).toMatchObject({ status: 'partially_paid', viewed_at: '2026-03-15T10:00:00.000Z' });
  });

  it('answers 404 for an unknown, revoked or trashed invoice’s token', async () => {
    expect((await publicGet('/public/invoices/shr_AAAAAAAAAAAAAAAAAAAAAAAA')).status).toBe(404);
    const revoked = await invoiceIn(s, 'sent');
    await ok(s.post(`/api/v1/invoices/${revoked.id}/unpublish`));
    const gone = await publicGet(sharePath(revoked));
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ code: 'not_found', status: 404 });
    const trashed = await invoiceIn(s, 'sent');
    await ok(s.del(`/api/v1/invoices/${trashed.id}`), 204);
    expect((await publicGet(sharePath(trashed))).status).toBe(404);
    // Restored, the same link works again.
    await ok(s.post(`/api/v1/invoices/${trashed.id}/restore`));
    expect((await publicGet(sharePath(trashed))).status).toBe(200);
  });

  it('still shows a voided invoice, as void, without recording a view', async () => {
    const inv = await invoiceIn(s, 'void');
    const page = await ok(publicGet(sharePath(inv)));
    expect(page.text).toContain('Void');
    expect((await s.get(`/api/v1/invoices/${inv.id}`)).body).toMatchObject({ status: 'void', viewed_at: null });
  });
});

describe('hosted payment page', () => {
  it('pays partially, then fully, with receipts; then refuses (409 nothing_due)', async () => {
    const inv = await newInvoice(s, CONTRACT_EXAMPLE);
    const draftLink = await s.get(`/api/v1/invoices/${inv.id}/payment-link`);
    expect(draftLink.status).toBe(409);
    expect(draftLink.body.code).toBe('invalid_transition');

    await ok(s.post(`/api/v1/invoices/${inv.id}/mark-sent`));
    const link = await ok(s.get(`/api/v1/invoices/${inv.id}/payment-link`));
    expect(link.body.expires_at).toBeNull();
    const path = new URL(link.body.url).pathname;
    expect(path).toMatch(/^\/public\/pay\/pl_[A-Za-z0-9]{24}$/);
    expect((await ok(s.get(`/api/v1/invoices/${inv.id}/payment-link`))).body).toEqual(link.body);

    const page = await ok(publicGet(path));
    expect(page.text).toContain(`Pay ${inv.number}`);
    expect(page.text).toMatch(/<form method="post">[\s\S]*name="amount"[\s\S]*value="4950.00"/);

    const partial = await ok(pay(path, 'amount=1000.50'));
    expect(partial.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(partial.text).toContain(`$1,000.50 received for ${inv.number}`);
    expect(partial.text).toContain('$3,949.50 is still due');
    const afterPartial = (await s.get(`/api/v1/invoices/${inv.id}`)).body;
    expect(afterPartial).toMatchObject({ status: 'partially_paid', amount_paid: 100050, amount_due: 394950 });
    expect(afterPartial.payments[0]).toMatchObject({ amount: 100050, currency: 'USD', method: 'online_payment', source: 'payment_link', date: '2026-03-15', reference: null });
    expect((await ok(publicGet(path))).text).toContain('value="3949.50"');

    const over = await pay(path, 'amount=3949.51');
    expect(over.status).toBe(422);
    expect(over.body.code).toBe('overpayment');

    const rest = await ok(pay(path));
    expect(rest.text).toContain(`$3,949.50 received for ${inv.number}`);
    expect(rest.text).toContain('paid in full');
    expect((await s.get(`/api/v1/invoices/${inv.id}`)).body).toMatchObject({ status: 'paid', amount_paid: 495000, amount_due: 0, paid_at: '2026-03-15T10:00:00.000Z' });

    const again = await pay(path, 'amount=1.00');
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('nothing_due');
    const paidPage = await ok(publicGet(path));
    expect(paidPage.text).toContain('nothing left to pay');
    expect(paidPage.text).not.toContain('<form');
    const paidLink = await s.get(`/api/v1/invoices/${inv.id}/payment-link`);
    expect(paidLink.status).toBe(409);
    expect(paidLink.body.code).toBe('nothing_due');
  });

  it('parses the amount in the invoice currency and refuses what does not fit it', async () => {
    const inv = await newInvoice(s, { currency: 'JPY', line_items: [{ description: 'x', quantity: 1, unit_price: 5000 }] });
    await ok(s.post(`/api/v1/invoices/${inv.id}/mark-sent`));
    const path = new URL((await ok(s.get(`/api/v1/invoices/${inv.id}/payment-link`))).body.url).pathname;
    for (const bad of ['amount=10.5', 'amount=0', 'amount=abc', 'amount=-5']) {
      const res = await pay(path, bad);
      expect(res.status, bad).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.errors[0].pointer).toBe('/body/amount');
    }
    const json = await pay(path, '{"amount":"10"}', 'application/json');
    expect(json.status).toBe(415);
    expect((await s.get(`/api/v1/invoices/${inv.id}`)).body.amount_paid).toBe(0);
    const ok1 = await ok(pay(path, 'amount=1200'));
    expect(ok1.text).toContain('¥1,200 received');
  });

  it('refuses a void invoice with 409 but still shows its page, and answers 404 for unknown and trashed ones', async () => {
    const inv = await invoiceIn(s, 'sent');
    const path = new URL((await ok(s.get(`/api/v1/invoices/${inv.id}/payment-link`))).body.url).pathname;
    await ok(s.post(`/api/v1/invoices/${inv.id}/void`));
    const refused = await pay(path, 'amount=1.00');
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('invalid_transition');
    const page = await ok(publicGet(path));
    expect(page.text).toContain('cannot be paid online');
    expect(page.text).not.toContain('<form');
    expect((await publicGet('/public/pay/pl_AAAAAAAAAAAAAAAAAAAAAAAA')).status).toBe(404);
    expect((await pay('/public/pay/pl_AAAAAAAAAAAAAAAAAAAAAAAA', 'amount=1')).status).toBe(404);

    const trashed = await invoiceIn(s, 'sent');
    const trashedPath = new URL((await ok(s.get(`/api/v1/invoices/${trashed.id}/payment-link`))).body.url).pathname;
    await ok(s.del(`/api/v1/invoices/${trashed.id}`), 204);
    expect((await publicGet(trashedPath)).status).toBe(404);
    expect((await pay(trashedPath, 'amount=1.00')).status).toBe(404);
  });

  it('an overdue invoice can be paid through its page', async () => {
    const inv = await invoiceIn(s, 'overdue');
    const path = new URL((await ok(s.get(`/api/v1/invoices/${inv.id}/payment-link`))).body.url).pathname;
    await ok(pay(path, 'amount=25'));
    expect((await s.get(`/api/v1/invoices/${inv.id}`)).body).toMatchObject({ status: 'overdue', amount_paid: 2500 });
  });
});

describe('query parameters of the public pages', () => {
  const tracking = '?utm_source=newsletter&utm_medium=email&fbclid=abc123';
  it('share, payment and signed-PDF pages ignore what mail tools append', async () => {
    const inv = await invoiceIn(s, 'sent');
    expect((await ok(publicGet(sharePath(inv) + tracking))).text).toContain(inv.number);
    const payPath = new URL((await ok(s.get(`/api/v1/invoices/${inv.id}/payment-link`))).body.url).pathname;
    expect((await ok(publicGet(payPath + tracking))).text).toContain(`Pay ${inv.number}`);
    expect((await ok(pay(payPath + tracking, 'amount=10.00'))).text).toContain('$10.00 received');
    const pdfPath = new URL((await ok(s.get(`/api/v1/invoices/${inv.id}/pdf-link`))).body.url).pathname;
    const pdf = await ok(publicGet(pdfPath + tracking));
    expect((pdf.body as Buffer).subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('API operations still refuse an undeclared query parameter', async () => {
    const inv = await invoiceIn(s, 'sent');
    for (const path of [`/api/v1/invoices/${inv.id}`, '/api/v1/invoices/next-number', `/api/v1/invoices/${inv.id}/payment-link`]) {
      const res = await s.get(path, { query: { utm_source: 'newsletter' } });
      expect([res.status, res.body.code, res.body.errors?.[0]?.pointer], path).toEqual([400, 'validation_failed', '/query/utm_source']);
    }
  });
});
