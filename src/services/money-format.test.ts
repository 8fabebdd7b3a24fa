import { describe, expect, it } from 'vitest';
import { amountInputRules, formatMoney, localeFrom } from './money-format.ts';
import { renderInvoicePage, renderPaymentPage } from './public-pages.ts';

const NBSP = '\u00a0';

describe('formatMoney', () => {
  it.each([
    [99999900, 'USD', 'en-US', '$999,999.00'],
    [495000, 'USD', 'en-US', '$4,950.00'],
    [-50000, 'USD', 'en-US', '-$500.00'],
    [5, 'EUR', 'en-US', '€0.05'],
    [3798, 'JPY', 'en-US', '¥3,798'],
    [13719, 'KWD', 'en-US', `KWD${NBSP}13.719`],
    // ISO 4217 gives the Iraqi dinar 3 decimals where ICU's data gives it none: ISO wins.
    [1234567, 'IQD', 'en-US', `IQD${NBSP}1,234.567`],
    [123456789, 'EUR', 'de-DE', `1.234.567,89${NBSP}€`],
    [123456789, 'USD', 'en-IN', '$12,34,567.89'],
  ])('%i %s in %s → %s', (amount, currency, locale, expected) => {
    expect(formatMoney(amount, currency, locale)).toBe(expected);
  });

  it('is exact up to the largest safe integer (a float conversion would round these)', () => {
    expect(formatMoney(Number.MAX_SAFE_INTEGER, 'USD')).toBe('$90,071,992,547,409.91');
    expect(formatMoney(Number.MAX_SAFE_INTEGER, 'KWD')).toBe(`KWD${NBSP}9,007,199,254,740.991`);
    expect(formatMoney(Number.MAX_SAFE_INTEGER, 'JPY')).toBe('¥9,007,199,254,740,991');
    // 0.1 + 0.2 style noise never appears: 30 cents are 30 cents.
    expect(formatMoney(30, 'USD')).toBe('$0.30');
  });

  it('refuses what is not money in minor units', () => {
    expect(() => formatMoney(1.5, 'USD')).toThrow(RangeError);
    expect(() => formatMoney(1, 'XXX')).toThrow();
  });
});

describe('localeFrom (Accept-Language)', () => {
  it.each([
    [undefined, 'en-US'],
    ['', 'en-US'],
    ['de-DE,de;q=0.9,en;q=0.8', 'de-DE'],
    ['en;q=0.5, fr-CH', 'fr-CH'],
    ['*', 'en-US'],
    ['x;;;, ja-JP;q=0.7', 'ja-JP'],
    ['fr;q=0, es', 'es'],
    ['<script>, 😀', 'en-US'],
    ['a'.repeat(5000), 'en-US'],
  ])('%j → %s', (header, expected) => {
    expect(localeFrom(header)).toBe(expected);
  });
});

describe('amountInputRules', () => {
  it('lets the field hold exactly the decimals of the currency', () => {
    const accepts = (currency: string, text: string) => new RegExp(`^(?:${amountInputRules(currency).pattern})$`, 'v').test(text);
    expect(['5000', '1'].every((t) => accepts('JPY', t))).toBe(true);
    expect(['10.5', '10.', '1,000', '-5', ''].some((t) => accepts('JPY', t))).toBe(false);
    expect(['10', '10.5', '10.50'].every((t) => accepts('USD', t))).toBe(true);
    expect(['10.505', '10.5000'].some((t) => accepts('USD', t))).toBe(false);
    expect(accepts('KWD', '13.719')).toBe(true);
    expect(accepts('KWD', '13.7190')).toBe(false);
    expect(amountInputRules('JPY').inputmode).toBe('numeric');
    expect(amountInputRules('USD').inputmode).toBe('decimal');
  });
});

const invoice = {
  number: 'INV-7',
  status: 'sent',
  issue_date: '2026-03-15',
  due_date: '2026-04-14',
  currency: 'USD',
  payment_terms: null,
  title: null,
  description: null,
  notes: null,
  customer: { id: 'cus_1', name: 'Buyer', email: null },
  line_items: [
    { description: 'UI design', quantity: 1, unit: null, unit_price: 300000, tax_rate: 10, amount: 300000 },
    { description: 'Development', quantity: 8, unit: 'hour', unit_price: 25000, tax_rate: 10, amount: 200000 },
  ],
  subtotal: 500000,
  discount_total: 50000,
  tax_total: 45000,
  total: 495000,
  amount_paid: 0,
  amount_credited: 0,
  amount_due: 495000,
} as any;

describe('share and payment pages', () => {
  it('the share page has Pay and Download PDF buttons when links are given, and shows the discount taken off', () => {
    const html = renderInvoicePage({ invoice, issuer: 'Acme', links: { pay: '/public/pay/pl_x', pdf: '/public/pdf/a.b' } });
    expect(html).toContain('<a class="button" href="/public/pay/pl_x">Pay $4,950.00</a>');
    expect(html).toContain('<a class="button secondary" href="/public/pdf/a.b">Download PDF</a>');
    expect(html).toMatch(/<th scope="row">Discount<\/th><td class="num">-\$500\.00<\/td>/);
    expect(html).toContain('$5,000.00');
    const unpayable = renderInvoicePage({ invoice, issuer: 'Acme', links: { pdf: '/public/pdf/a.b' } });
    expect(unpayable).not.toContain('/public/pay/');
    expect(unpayable).toContain('Download PDF');
  });

  it('the payment page lists the line items and its field takes the currency’s decimals only', () => {
    const usd = renderPaymentPage({ invoice, issuer: 'Acme' });
    expect(usd).toContain('<td>UI design</td>');
    expect(usd).toContain('<td class="num">8 hour</td><td class="num">$250.00</td>');
    expect(usd).toContain('pattern="[0-9]{1,15}(\\.[0-9]{1,2})?"');
    expect(usd).toContain('value="4950.00"');
    const jpy = renderPaymentPage({ invoice: { ...invoice, currency: 'JPY', amount_due: 5000 }, issuer: 'Acme' });
    expect(jpy).toContain('pattern="[0-9]{1,15}"');
    expect(jpy).toContain('inputmode="numeric"');
    expect(jpy).toContain('value="5000"');
    const kwd = renderPaymentPage({ invoice: { ...invoice, currency: 'KWD', amount_due: 13719 }, issuer: 'Acme', locale: 'de-DE' });
    expect(kwd).toContain('pattern="[0-9]{1,15}(\\.[0-9]{1,3})?"');
    expect(kwd).toContain('value="13.719"'); // the field's value is what the server parses, in any locale
    expect(kwd).toContain(`Amount due: 13,719${NBSP}KWD.`);
  });
});
