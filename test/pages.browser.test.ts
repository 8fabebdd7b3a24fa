// What a payer sees (issue 11, items 11 and 12), in headless Chromium against an in-process
// reference server: the share page of a sent invoice (amounts formatted, Pay and Download PDF),
// the payment page reached through Pay (line items, an amount field that takes the currency's
// decimals only), a payment through the form and its receipt, checked through the API; then the
// HTML pages a browser gets for a revoked link and an overpayment. Every request the pages make
// stays on the server, and the server's Content-Security-Policy is never broken.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../src/testing/harness.ts';
import { CONTRACT_EXAMPLE } from '../src/http/actions.test-helper.ts';
import { launchChromium, recordPageProblems, UI_TIMEOUT_MS, type Chromium } from './chromium.ts';

let s: TestServer;
let work = '';
let browser: Chromium | undefined;
let page: Page;
const foreignRequests: string[] = [];
const cspViolations: string[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  s = await startTestServer();
  work = await mkdtemp(path.join(tmpdir(), 'invoicekit-pages-test-'));
  browser = await launchChromium(work, { viewport: { width: 1100, height: 900 }, locale: 'en-US' });
  page = browser.page;
  browser.context.on('request', (r) => {
    if (!r.url().startsWith(s.base) && !/^(data|about):/.test(r.url())) foreignRequests.push(r.url());
  });
  recordPageProblems(page, { cspViolations, pageErrors });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await s?.close();
  if (work) await rm(work, { recursive: true, force: true, maxRetries: 3 });
}, 60_000);

/** An invoice sent to a customer by e-mail, as a client of the API makes it. */
async function sentInvoice(body: Record<string, unknown>) {
  const customer = (await s.post('/api/v1/customers', { name: 'Bluebird Café', email: 'ap@bluebird.example' })).body;
  const created = await s.post('/api/v1/invoices', { customer_id: customer.id, issue_date: '2026-03-15', due_date: '2026-04-14', ...body });
  expect(created.status, created.text).toBe(201);
  const sent = await s.post(`/api/v1/invoices/${created.body.id}/send`, {});
  expect(sent.status, sent.text).toBe(200);
  return sent.body;
}

async function shareUrl(invoiceId: string): Promise<string> {
  const published = await s.post(`/api/v1/invoices/${invoiceId}/publish`);
  expect(published.status, published.text).toBe(200);
  return published.body.share_link.url;
}

/** The text of the totals row labelled `label`. */
const totalsCell = (label: string) => page.locator('table.totals tr').filter({ has: page.locator('th', { hasText: new RegExp(`^${label}$`) }) }).locator('td');

/** Submits the payment form and answers the response of the POST. */
async function submit(): Promise<Response> {
  const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST', { timeout: UI_TIMEOUT_MS }), page.getByRole('button', { name: 'Pay' }).click()]);
  await page.waitForLoadState('load');
  return response;
}

describe('a payer in a browser', () => {
  it('reads the share page, follows Pay, pays through the form, and the invoice is paid', async () => {
    const invoice = await sentInvoice(CONTRACT_EXAMPLE);
    const opened = await page.goto(await shareUrl(invoice.id));
    expect(opened?.status()).toBe(200);
    await expect(page.title()).resolves.toBe(`Invoice ${invoice.number}`);
    expect(await totalsCell('Subtotal').innerText()).toBe('$5,000.00');
    expect(await totalsCell('Discount').innerText()).toBe('-$500.00');
    expect(await totalsCell('Tax').innerText()).toBe('$450.00');
    expect(await totalsCell('Total').innerText()).toBe('$4,950.00');
    expect(await totalsCell('Amount due').innerText()).toBe('$4,950.00');
    await expect(page.locator('table.lines').innerText()).resolves.toContain('$3,000.00');

    const pdfButton = page.getByRole('link', { name: 'Download PDF' });
    await pdfButton.waitFor({ state: 'visible' });
    const pdf = await page.request.get(new URL((await pdfButton.getAttribute('href'))!, page.url()).href);
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');

    const payButton = page.getByRole('link', { name: 'Pay $4,950.00' });
    await payButton.waitFor({ state: 'visible' });
    if (process.env.PAGES_SCREENSHOT_DIR) await page.screenshot({ path: path.join(process.env.PAGES_SCREENSHOT_DIR, 'share.png'), fullPage: true });
    await payButton.click();
    await page.waitForURL(/\/public\/pay\/pl_[A-Za-z0-9]{24}$/);
    const payPage = page.url();
    await expect(page.locator('h1').innerText()).resolves.toBe(`Pay ${invoice.number}`);
    if (process.env.PAGES_SCREENSHOT_DIR) await page.screenshot({ path: path.join(process.env.PAGES_SCREENSHOT_DIR, 'pay.png'), fullPage: true });
    const lines = await page.locator('table.lines tbody tr').allInnerTexts();
    expect(lines.map((l) => l.replace(/\s+/g, ' ').trim())).toEqual(['UI design 1 $3,000.00 10% $3,000.00', 'Development 8 hour $250.00 10% $2,000.00']);

    // The field takes cents, not tenths of cents; the browser refuses before the server would.
    const amount = page.getByLabel('Amount to pay (USD)');
    await expect(amount.inputValue()).resolves.toBe('4950.00');
    await amount.fill('10.505');
    expect(await amount.evaluate((el: HTMLInputElement) => el.validity.patternMismatch)).toBe(true);
    let posted = 0;
    const countPosts = (r: { method(): string }) => void (r.method() === 'POST' && posted++);
    page.on('request', countPosts);
    await page.getByRole('button', { name: 'Pay' }).click();
    await page.waitForTimeout(300);
    page.off('request', countPosts);
    expect(posted, 'the browser refused to send the form').toBe(0);
    expect(page.url()).toBe(payPage);

    await amount.fill('1000.5');
    const partial = await submit();
    expect(partial.status()).toBe(200);
    const receipt = await page.locator('body').innerText();
    expect(receipt).toContain(`$1,000.50 received for ${invoice.number}.`);
    expect(receipt).toContain('$3,949.50 is still due.');

    await page.goto(payPage);
    await expect(page.getByLabel('Amount to pay (USD)').inputValue()).resolves.toBe('3949.50');
    const rest = await submit();
    expect(rest.status()).toBe(200);
    expect(await page.locator('body').innerText()).toContain('The invoice is paid in full.');

    if (process.env.PAGES_SCREENSHOT_DIR) await page.screenshot({ path: path.join(process.env.PAGES_SCREENSHOT_DIR, 'receipt.png'), fullPage: true });
    const paid = await s.get(`/api/v1/invoices/${invoice.id}`);
    expect(paid.body).toMatchObject({ status: 'paid', amount_paid: 495000, amount_due: 0 });
    expect(paid.body.payments.map((p: { amount: number; source: string }) => [p.amount, p.source])).toEqual([
      [100050, 'payment_link'],
      [394950, 'payment_link'],
    ]);

    // Paid: the share page offers no Pay button any more, the PDF still.
    await page.goto(await shareUrl(invoice.id));
    await expect(page.getByRole('link', { name: /^Pay/ }).count()).resolves.toBe(0);
    await expect(page.getByRole('link', { name: 'Download PDF' }).count()).resolves.toBe(1);
  });

  it('a yen invoice: the field takes whole yen only', async () => {
    const invoice = await sentInvoice({ currency: 'JPY', line_items: [{ description: 'Consulting', quantity: 3, unit_price: 1234 }] });
    await page.goto(await shareUrl(invoice.id));
    expect(await totalsCell('Total').innerText()).toBe('¥3,702');
    await page.getByRole('link', { name: 'Pay ¥3,702' }).click();
    await page.waitForURL(/\/public\/pay\//);
    const amount = page.getByLabel('Amount to pay (JPY)');
    await expect(amount.inputValue()).resolves.toBe('3702');
    for (const [text, valid] of [['10.5', false], ['10.', false], ['1,000', false], ['1000', true]] as const) {
      await amount.fill(text);
      expect(await amount.evaluate((el: HTMLInputElement) => el.checkValidity()), text).toBe(valid);
    }
  });

  it('an overpayment gets a page in the payer’s terms with status 422, and a way back', async () => {
    const invoice = await sentInvoice(CONTRACT_EXAMPLE);
    await page.goto(await shareUrl(invoice.id));
    await page.getByRole('link', { name: /^Pay / }).click();
    await page.waitForURL(/\/public\/pay\//);
    const payPage = page.url();
    await page.getByLabel('Amount to pay (USD)').fill('999999.00');
    const refused = await submit();
    expect(refused.status()).toBe(422);
    expect(refused.headers()['content-type']).toBe('text/html; charset=utf-8');
    await expect(page.locator('h1').innerText()).resolves.toBe('That is more than is due');
    if (process.env.PAGES_SCREENSHOT_DIR) await page.screenshot({ path: path.join(process.env.PAGES_SCREENSHOT_DIR, 'overpayment.png'), fullPage: true });
    const text = await page.locator('body').innerText();
    expect(text).toContain(`You entered $999,999.00, but only $4,950.00 is due on invoice ${invoice.number}. No payment was made.`);
    expect(text).not.toMatch(/99999900|overpayment|problem/);
    await page.getByRole('link', { name: 'Back to the payment page' }).click();
    await page.waitForURL(payPage);
    await expect(page.getByLabel('Amount to pay (USD)').inputValue()).resolves.toBe('4950.00');
    expect((await s.get(`/api/v1/invoices/${invoice.id}`)).body.amount_paid).toBe(0);
  });

  it('a revoked share link gets a page that says the link no longer works, with status 404', async () => {
    const invoice = await sentInvoice(CONTRACT_EXAMPLE);
    const url = await shareUrl(invoice.id);
    expect((await s.post(`/api/v1/invoices/${invoice.id}/unpublish`)).status).toBe(200);
    const response = await page.goto(url);
    expect(response?.status()).toBe(404);
    expect(response?.headers()['content-type']).toBe('text/html; charset=utf-8');
    await expect(page.locator('h1').innerText()).resolves.toBe('This link does not work');
    const text = await page.locator('body').innerText();
    expect(text).toContain('This invoice link is not valid.');
    expect(text).toContain('Ask whoever sent you the invoice for a new link.');
    expect(text).not.toContain(invoice.number);
  });

  it('loaded nothing from elsewhere and broke no content policy', () => {
    expect(foreignRequests).toEqual([]);
    expect(cspViolations).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
