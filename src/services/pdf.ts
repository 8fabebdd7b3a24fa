// The invoice as a PDF document, drawn with pdfkit. Deterministic for the same input: the
// document dates come from the caller (the injected clock), never from the system time.
import type PDFKitDocument from 'pdfkit';
import type { Customer, Invoice } from '../store/types.ts';
import { displayAmount, displayQuantity } from './public-pages.ts';

export type InvoicePdfInput = {
  invoice: Invoice;
  /** The full customer record, for the billing address; the invoice's summary is used when absent. */
  customer?: Customer | undefined;
  /** Who issues the invoice (the tenant's name). */
  issuer: string;
  /** Written as the document's CreationDate/ModDate. */
  createdAt: Date;
};

// The standard PDF fonts only cover WinAnsi (Latin-1 plus a few typographic characters);
// anything else would come out as the wrong glyphs, so it is shown as '?'.
const WIN_ANSI_EXTRAS = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');
export function pdfSafeText(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '\n' || ch === '\t') out += ch;
    else if (code < 0x20 || (code >= 0x7f && code < 0xa0 && !WIN_ANSI_EXTRAS.has(ch))) out += ' ';
    else if (code <= 0xff || WIN_ANSI_EXTRAS.has(ch)) out += ch;
    else out += '?';
  }
  return out;
}

/** A name safe to put in a Content-Disposition filename: the invoice number with anything unusual replaced. */
export function pdfFilename(number: string): string {
  const safe = number.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return `${safe || 'invoice'}.pdf`;
}

const MARGIN = 50;
const COLUMNS = {
  description: { x: MARGIN, width: 215 },
  quantity: { x: 270, width: 55 },
  unitPrice: { x: 330, width: 85 },
  tax: { x: 420, width: 40 },
  amount: { x: 465, width: 80 },
} as const;

function addressLines(customer: Customer | undefined): string[] {
  const a = customer?.address;
  if (!a) return [];
  const cityLine = [a.postal_code, a.city].filter(Boolean).join(' ');
  return [a.line1, a.line2, cityLine, a.region, a.country].filter((v): v is string => typeof v === 'string' && v.length > 0);
}

// pdfkit (~90 ms to load) is loaded when the first PDF is asked for, not at start-up.
let pdfkit: Promise<typeof PDFKitDocument> | undefined;
const loadPdfkit = () => (pdfkit ??= import('pdfkit').then((module) => module.default));

/** Renders the invoice PDF into a Buffer. */
export async function renderInvoicePdf({ invoice, customer, issuer, createdAt }: InvoicePdfInput): Promise<Buffer> {
  const PDFDocument = await loadPdfkit();
  const t = pdfSafeText;
  const money = (amount: number) => displayAmount(amount, invoice.currency);
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    bufferPages: false,
    info: {
      Title: t(`Invoice ${invoice.number}`),
      Author: t(issuer),
      Subject: t(`Invoice ${invoice.number} for ${invoice.customer.name}`),
      Creator: 'invoicekit',
      Producer: 'invoicekit',
      CreationDate: createdAt,
      ModDate: createdAt,
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const bottom = () => doc.page.height - MARGIN;
  const ensureRoom = (height: number) => {
    if (doc.y + height > bottom()) doc.addPage();
  };

  // Heading
  doc.font('Helvetica-Bold').fontSize(22).text(t(`Invoice ${invoice.number}`), MARGIN, MARGIN);
  doc.font('Helvetica').fontSize(10).fillColor('#555555').text(t(issuer));
  doc.fillColor('#000000').moveDown();

  // Dates and references
  const facts: Array<[string, string]> = [
    ['Invoice number', invoice.number],
    ['Status', invoice.status],
    ['Issue date', invoice.issue_date],
    ['Due date', invoice.due_date],
    ['Currency', invoice.currency],
  ];
  if (invoice.payment_terms) facts.push(['Payment terms', invoice.payment_terms]);
  for (const [label, value] of facts) {
    const y = doc.y;
    doc.font('Helvetica-Bold').text(t(label), MARGIN, y, { width: 110 });
    doc.font('Helvetica').text(t(value), MARGIN + 115, y, { width: 380 });
  }
  doc.moveDown();

  // Customer
  doc.font('Helvetica-Bold').text('Bill to', MARGIN);
  doc.font('Helvetica');
  const billTo = [invoice.customer.name, invoice.customer.email ?? '', ...addressLines(customer)].filter(Boolean);
  for (const line of billTo) doc.text(t(line), MARGIN);
  doc.moveDown();

  if (invoice.title) doc.font('Helvetica-Bold').text(t(invoice.title), MARGIN);
  if (invoice.description) doc.font('Helvetica').text(t(invoice.description), MARGIN, undefined, { width: 495 });
  if (invoice.title || invoice.description) doc.moveDown();

  // Lines
  const header = () => {
    const y = doc.y;
    doc.font('Helvetica-Bold');
    doc.text('Description', COLUMNS.description.x, y, { width: COLUMNS.description.width });
    doc.text('Quantity', COLUMNS.quantity.x, y, { width: COLUMNS.quantity.width, align: 'right' });
    doc.text('Unit price', COLUMNS.unitPrice.x, y, { width: COLUMNS.unitPrice.width, align: 'right' });
    doc.text('Tax', COLUMNS.tax.x, y, { width: COLUMNS.tax.width, align: 'right' });
    doc.text('Amount', COLUMNS.amount.x, y, { width: COLUMNS.amount.width, align: 'right' });
    doc.moveTo(MARGIN, doc.y + 2).lineTo(doc.page.width - MARGIN, doc.y + 2).strokeColor('#999999').stroke();
    doc.y += 6;
    doc.font('Helvetica');
  };
  header();
  for (const line of invoice.line_items) {
    const description = t(line.description);
    const quantity = displayQuantity(line.quantity) + (line.unit ? ` ${t(line.unit)}` : '');
    const height = Math.max(doc.heightOfString(description, { width: COLUMNS.description.width }), doc.heightOfString(quantity, { width: COLUMNS.quantity.width }));
    if (doc.y + height > bottom()) {
      doc.addPage();
      header();
    }
    const y = doc.y;
    doc.text(description, COLUMNS.description.x, y, { width: COLUMNS.description.width });
    doc.text(quantity, COLUMNS.quantity.x, y, { width: COLUMNS.quantity.width, align: 'right' });
    doc.text(money(line.unit_price), COLUMNS.unitPrice.x, y, { width: COLUMNS.unitPrice.width, align: 'right' });
    doc.text(`${line.tax_rate}%`, COLUMNS.tax.x, y, { width: COLUMNS.tax.width, align: 'right' });
    doc.text(money(line.amount), COLUMNS.amount.x, y, { width: COLUMNS.amount.width, align: 'right' });
    doc.y = y + height + 4;
  }
  doc.moveDown();

  // Totals
  const discountLabel = invoice.discount
    ? invoice.discount.type === 'percentage'
      ? `Discount (${invoice.discount.percent}%)`
      : 'Discount'
    : 'Discount';
  const totals: Array<[string, number, boolean]> = [
    ['Subtotal', invoice.subtotal, false],
    [discountLabel, invoice.discount_total, false],
    ['Tax', invoice.tax_total, false],
    ['Total', invoice.total, true],
    ['Amount paid', invoice.amount_paid, false],
    ['Amount credited', invoice.amount_credited, false],
    ['Amount due', invoice.amount_due, true],
  ];
  ensureRoom(totals.length * 16);
  for (const [label, amount, bold] of totals) {
    const y = doc.y;
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica');
    doc.text(label, 300, y, { width: 150 });
    doc.text(money(amount), 455, y, { width: 90, align: 'right' });
    doc.y = y + 16;
  }

  if (invoice.notes) {
    doc.moveDown();
    ensureRoom(40);
    doc.font('Helvetica-Bold').text('Notes', MARGIN);
    doc.font('Helvetica').text(t(invoice.notes), MARGIN, undefined, { width: 495 });
  }

  doc.end();
  return done;
}
