import { describe, expect, it } from 'vitest';
import { Outbox } from './outbox.ts';
import { pdfFilename, pdfSafeText, renderInvoicePdf } from './pdf.ts';
import { displayAmount, displayQuantity, escapeHtml, renderPaymentPage } from './public-pages.ts';

describe('escapeHtml', () => {
  it('escapes the characters that matter in text and quoted attributes', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&\`</a>`)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&#96;&lt;/a&gt;');
    expect(escapeHtml(null)).toBe('');
    expect(escapeHtml(12.5)).toBe('12.5');
  });
});

describe('displayAmount and displayQuantity', () => {
  it.each([
    [495000, 'USD', 'USD 4950.00'],
    [3798, 'JPY', 'JPY 3798'],
    [13719, 'KWD', 'KWD 13.719'],
    [5, 'EUR', 'EUR 0.05'],
    [0, 'USD', 'USD 0.00'],
  ])('%i %s → %s', (amount, currency, expected) => {
    expect(displayAmount(amount, currency)).toBe(expected);
  });
  it('shows quantities without float noise', () => {
    expect([1.5, 8, 0.125, 0.1 + 0.2].map(displayQuantity)).toEqual(['1.5', '8', '0.125', '0.3']);
  });
});

describe('payment page', () => {
  it('puts the amount due in the form, or the refusal instead of the form', () => {
    const invoice = { number: 'INV-1', currency: 'KWD', amount_due: 13000, due_date: '2026-04-01', customer: { id: 'cus_1', name: 'A & B', email: null }, subtotal: 13719, discount_total: 0, tax_total: 0, total: 13719, amount_paid: 0, amount_credited: 719, line_items: [] } as any;
    const open = renderPaymentPage({ invoice, issuer: 'Acme' });
    expect(open).toContain('value="13.000"');
    expect(open).toContain('A &amp; B');
    const closed = renderPaymentPage({ invoice, issuer: 'Acme', refusal: 'No <way>' });
    expect(closed).not.toContain('<form');
    expect(closed).toContain('No &lt;way&gt;');
  });
});

describe('pdf helpers', () => {
  it('keeps WinAnsi text and replaces what the standard fonts cannot show', () => {
    expect(pdfSafeText('Café “quotes” – €5')).toBe('Café “quotes” – €5');
    expect(pdfSafeText('東京 Ltd\u0007')).toBe('?? Ltd ');
  });
  it('names files after the number, without path or quote characters', () => {
    expect(pdfFilename('INV-2026-0042')).toBe('INV-2026-0042.pdf');
    expect(pdfFilename('2026/04/"x"')).toBe('2026_04__x_.pdf');
    expect(pdfFilename('..')).toBe('_.pdf');
  });
  it('renders the same bytes for the same input and date', async () => {
    const invoice = {
      number: 'INV-9', status: 'sent', issue_date: '2026-03-15', due_date: '2026-04-14', currency: 'USD', payment_terms: null, title: null, description: null, notes: null,
      customer: { id: 'cus_1', name: '東京 Trading', email: null }, discount: null,
      line_items: [{ description: 'Work', quantity: 1, unit: null, unit_price: 100, tax_rate: 0, amount: 100, discount_amount: 0, tax_amount: 0, total: 100 }],
      subtotal: 100, discount_total: 0, tax_total: 0, total: 100, amount_paid: 0, amount_credited: 0, amount_due: 100,
    } as any;
    const createdAt = new Date('2026-03-15T10:00:00Z');
    const a = await renderInvoicePdf({ invoice, issuer: 'Acme', createdAt });
    const b = await renderInvoicePdf({ invoice, issuer: 'Acme', createdAt });
    expect(a.equals(b)).toBe(true);
    expect(a.toString('latin1')).toContain('D:20260315100000Z');
  });
});

describe('Outbox', () => {
  it('lists in order, filters, clears, and keeps only the most recent messages beyond its capacity', () => {
    const outbox = new Outbox(2);
    const message = (n: number) => ({ id: `msg_${n}`, tenant: n % 2 ? 'acme' : 'globex', invoice_id: `inv_${n}`, to: 'a@b.example', cc: [], subject: 's', body: 'b', attachments: [], created_at: '2026-01-01T00:00:00.000Z' });
    outbox.add(message(1));
    outbox.add(message(2));
    outbox.add(message(3));
    expect(outbox.list().map((m) => m.id)).toEqual(['msg_2', 'msg_3']);
    expect(outbox.list({ tenant: 'acme' }).map((m) => m.id)).toEqual(['msg_3']);
    expect(outbox.last()?.id).toBe('msg_3');
    outbox.clear();
    expect(outbox.size).toBe(0);
    expect(outbox.list()).toEqual([]);
    expect(() => new Outbox(0)).toThrow(RangeError);
  });
});
