// HTML for the pages served without credentials: the share page, the hosted payment page and
// its receipt. Pure functions of their input; every piece of user text goes through escapeHtml.
import { formatMinor } from '../domain/currency.ts';
import { amountInputRules, moneyFormatter, type MoneyFormatter } from './money-format.ts';
import type { Customer, Invoice, Payment } from '../store/types.ts';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Text → HTML text or attribute value (quoted with "). */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"'`]/g, (c) => HTML_ESCAPES[c]!);
}

/** An amount as the PDF and the e-mails print it: `USD 4950.00`, `JPY 3798`, `KWD 13.719` (the pages use money-format.ts). */
export function displayAmount(amount: number, currency: string): string {
  return `${currency} ${formatMinor(amount, currency)}`;
}

/** A quantity without float noise: 1.5, 8, 0.125. */
export function displayQuantity(quantity: number): string {
  return String(Number(quantity.toFixed(3)));
}

/** Headers for every public page: no caching of token URLs, no leaking them as referrers, no scripts. */
export const PUBLIC_PAGE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'X-Robots-Tag': 'noindex, nofollow',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
});

export const HTML_TYPE = 'text/html; charset=utf-8';

const STYLE = `body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:2rem auto;max-width:50rem;padding:0 1rem;color:#1d2330}
h1{font-size:1.6rem;margin-bottom:.2rem}table{border-collapse:collapse;width:100%;margin:1rem 0}
th,td{padding:.4rem .5rem;border-bottom:1px solid #dde1e8;text-align:left;vertical-align:top}
td.num,th.num{text-align:right;white-space:nowrap}.muted{color:#5b6577}.status{display:inline-block;padding:.1rem .5rem;border-radius:.3rem;background:#eef1f6;font-size:.9rem}
.totals{width:auto;margin-left:auto}.facts{width:auto}.totals th{font-weight:normal}.due td,.due th{font-weight:bold}form{margin:1.5rem 0}
label{display:block;margin-bottom:.3rem}input{font-size:1rem;padding:.3rem}.hint{font-size:.9rem;margin:.3rem 0 .8rem}
button,.button{display:inline-block;font-size:1rem;padding:.45rem 1.1rem;border-radius:.3rem;border:1px solid #1f4fd1;background:#1f4fd1;color:#fff;text-decoration:none;cursor:pointer}
.button.secondary{background:#fff;color:#1f4fd1}.actions{display:flex;gap:.8rem;flex-wrap:wrap;margin:1.2rem 0}
.notice{padding:.8rem;background:#fff6e0;border:1px solid #f0d48a}.problem{padding:.8rem 1rem;background:#fdeeee;border:1px solid #e5a3a3}`;

/** A whole page around `body`; every public page and error page goes through it. */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

/** Links as buttons; `href`s are same-origin paths built by the server, escaped all the same. */
export function actionButtons(actions: Array<{ href: string; label: string; secondary?: boolean }>): string {
  if (!actions.length) return '';
  return `<p class="actions">${actions.map((a) => `<a class="button${a.secondary ? ' secondary' : ''}" href="${escapeHtml(a.href)}">${escapeHtml(a.label)}</a>`).join('')}</p>`;
}

const STATUS_LABELS: Record<string, string> = {
  draft: 'Draft',
  sent: 'Sent',
  viewed: 'Viewed',
  partially_paid: 'Partially paid',
  paid: 'Paid',
  overdue: 'Overdue',
  void: 'Void',
};

function addressLines(customer: Customer | undefined): string[] {
  const a = customer?.address;
  if (!a) return [];
  const cityLine = [a.postal_code, a.city].filter(Boolean).join(' ');
  return [a.line1, a.line2, cityLine, a.region, a.country].filter((v): v is string => typeof v === 'string' && v.length > 0);
}

/** The formatter of an invoice's amounts in the reader's locale, escaped for HTML. */
function moneyIn(invoice: Pick<Invoice, 'currency'>, locale: string | undefined): MoneyFormatter {
  const format = moneyFormatter(invoice.currency, locale);
  return (amount) => escapeHtml(format(amount));
}

function totalsRows(invoice: Invoice, m: MoneyFormatter): string {
  const rows: Array<[string, string, string?]> = [
    ['Subtotal', m(invoice.subtotal)],
    // Shown as what it is, an amount taken off.
    ['Discount', invoice.discount_total > 0 ? m(-invoice.discount_total) : m(0)],
    ['Tax', m(invoice.tax_total)],
    ['Total', m(invoice.total)],
    ['Amount paid', m(invoice.amount_paid)],
    ['Amount credited', m(invoice.amount_credited)],
    ['Amount due', m(invoice.amount_due), 'due'],
  ];
  return rows.map(([label, amount, cls]) => `<tr${cls ? ` class="${cls}"` : ''}><th scope="row">${label}</th><td class="num">${amount}</td></tr>`).join('\n');
}

function lineItemsTable(invoice: Invoice, m: MoneyFormatter): string {
  const lines = invoice.line_items
    .map(
      (l) => `<tr><td>${escapeHtml(l.description)}</td><td class="num">${escapeHtml(displayQuantity(l.quantity))}${l.unit ? ` ${escapeHtml(l.unit)}` : ''}</td><td class="num">${m(l.unit_price)}</td><td class="num">${escapeHtml(l.tax_rate)}%</td><td class="num">${m(l.amount)}</td></tr>`,
    )
    .join('\n');
  return `<table class="lines">
<thead><tr><th>Description</th><th class="num">Quantity</th><th class="num">Unit price</th><th class="num">Tax</th><th class="num">Amount</th></tr></thead>
<tbody>
${lines}
</tbody>
</table>`;
}

export type InvoicePageInput = {
  invoice: Invoice;
  /** The full customer (for the address); the invoice's embedded summary is used when absent. */
  customer?: Customer | undefined;
  /** Who issued the invoice (the tenant's name). */
  issuer: string;
  /** BCP 47 locale the amounts are formatted in (default en-US). */
  locale?: string | undefined;
  /** Where the buttons lead: the payment page (only when the invoice can be paid now) and the PDF. */
  links?: { pay?: string | undefined; pdf?: string | undefined };
};

/** The public share page of an invoice. Internal notes are never shown. */
export function renderInvoicePage({ invoice, customer, issuer, locale, links = {} }: InvoicePageInput): string {
  const m = moneyIn(invoice, locale);
  const billTo = [invoice.customer.name, invoice.customer.email ?? undefined, ...addressLines(customer)].filter((v): v is string => !!v);
  const buttons = actionButtons([
    ...(links.pay ? [{ href: links.pay, label: `Pay ${moneyFormatter(invoice.currency, locale)(invoice.amount_due)}` }] : []),
    ...(links.pdf ? [{ href: links.pdf, label: 'Download PDF', secondary: true }] : []),
  ]);
  const body = `<header>
<p class="muted">${escapeHtml(issuer)}</p>
<h1>Invoice ${escapeHtml(invoice.number)}</h1>
<p><span class="status">${escapeHtml(STATUS_LABELS[invoice.status] ?? invoice.status)}</span></p>
${invoice.title ? `<p><strong>${escapeHtml(invoice.title)}</strong></p>` : ''}
${invoice.description ? `<p>${escapeHtml(invoice.description)}</p>` : ''}
${buttons}
</header>
<section>
<h2>Bill to</h2>
<p>${billTo.map(escapeHtml).join('<br>')}</p>
<table>
<tr><th scope="row">Invoice number</th><td>${escapeHtml(invoice.number)}</td></tr>
<tr><th scope="row">Issue date</th><td>${escapeHtml(invoice.issue_date)}</td></tr>
<tr><th scope="row">Due date</th><td>${escapeHtml(invoice.due_date)}</td></tr>
${invoice.payment_terms ? `<tr><th scope="row">Payment terms</th><td>${escapeHtml(invoice.payment_terms)}</td></tr>` : ''}
<tr><th scope="row">Currency</th><td>${escapeHtml(invoice.currency)}</td></tr>
</table>
</section>
<section>
${lineItemsTable(invoice, m)}
<table class="totals">
${totalsRows(invoice, m)}
</table>
</section>
${invoice.notes ? `<section><h2>Notes</h2><p>${escapeHtml(invoice.notes).replace(/\r?\n/g, '<br>')}</p></section>` : ''}`;
  return page(`Invoice ${invoice.number}`, body);
}

export type PaymentPageInput = {
  invoice: Invoice;
  issuer: string;
  /** Why the invoice cannot be paid right now, or undefined when it can. */
  refusal?: string | undefined;
  locale?: string | undefined;
};

/** The amount field: only what the currency can hold (JPY no decimals, USD 2, KWD 3); the server checks again. */
function amountForm(invoice: Invoice, locale: string | undefined): string {
  const rules = amountInputRules(invoice.currency);
  const due = formatMinor(Math.max(invoice.amount_due, 0), invoice.currency);
  const hint = `Amount due: ${moneyFormatter(invoice.currency, locale)(invoice.amount_due)}. Enter ${rules.hint}, up to the amount due.`;
  return `<form method="post">
<label for="amount">Amount to pay (${escapeHtml(invoice.currency)})</label>
<input id="amount" name="amount" type="text" inputmode="${rules.inputmode}" pattern="${escapeHtml(rules.pattern)}" title="${escapeHtml(`Enter ${rules.hint}`)}" aria-describedby="amount-hint" autocomplete="off" value="${escapeHtml(due)}" required>
<p id="amount-hint" class="hint muted">${escapeHtml(hint)}</p>
<button type="submit">Pay</button>
</form>`;
}

/** The hosted payment page: what the invoice is for, the amount due, and a form that posts back to the same URL. */
export function renderPaymentPage({ invoice, issuer, refusal, locale }: PaymentPageInput): string {
  const m = moneyIn(invoice, locale);
  const body = `<p class="muted">${escapeHtml(issuer)}</p>
<h1>Pay ${escapeHtml(invoice.number)}</h1>
<table class="facts">
<tr><th scope="row">Billed to</th><td>${escapeHtml(invoice.customer.name)}</td></tr>
<tr><th scope="row">Due date</th><td>${escapeHtml(invoice.due_date)}</td></tr>
</table>
${lineItemsTable(invoice, m)}
<table class="totals">
${totalsRows(invoice, m)}
</table>
${refusal ? `<p class="notice">${escapeHtml(refusal)}</p>` : amountForm(invoice, locale)}`;
  return page(`Pay invoice ${invoice.number}`, body);
}

/** The receipt answered after a payment through the hosted page. */
export function renderReceiptPage({ invoice, payment, issuer, locale }: { invoice: Invoice; payment: Payment; issuer: string; locale?: string | undefined }): string {
  const m = moneyIn(invoice, locale);
  const remaining = invoice.amount_due > 0 ? `<p>${m(invoice.amount_due)} is still due.</p>` : '<p>The invoice is paid in full.</p>';
  const body = `<p class="muted">${escapeHtml(issuer)}</p>
<h1>Thank you</h1>
<p>${m(payment.amount)} received for ${escapeHtml(invoice.number)}.</p>
${remaining}
<table class="totals">
<tr><th scope="row">Payment</th><td>${escapeHtml(payment.id)}</td></tr>
<tr><th scope="row">Date</th><td>${escapeHtml(payment.date)}</td></tr>
</table>`;
  return page(`Payment received for ${invoice.number}`, body);
}
