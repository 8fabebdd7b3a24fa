import { parse } from 'csv-parse/sync';
import { isPdf, pdfText } from '../documents/pdf.ts';
import { containsAmount, containsToken, tamper } from '../documents/text.ts';
import { PrerequisiteError } from '../resources.ts';
import { Scenario } from '../scenario.ts';
import type { Exchange, ScenarioCheck } from '../types.ts';

/** The check's invoices are in USD: two decimals (contract: Money, "cents for USD"). */
const CURRENCY = 'USD';
const EXPONENT = 2;

type Invoice = { id: string; number: string; status: string; total: number; amount_due: number; amount_paid: number; sent_at: unknown; sent_via_email: unknown; share_link?: { url?: unknown } | null };

const isInvoice = (body: unknown): body is Invoice => !!body && typeof body === 'object' && typeof (body as Invoice).id === 'string' && typeof (body as Invoice).status === 'string';
const mediaType = (exchange: Exchange) => exchange.response?.contentType?.split(';')[0]?.trim().toLowerCase();
const major = (minor: number) => `${Math.trunc(minor / 10 ** EXPONENT)}.${String(minor % 10 ** EXPONENT).padStart(EXPONENT, '0')}`;

/** The CSV columns the contract documents for the export: the backquoted list after "header row", else the example's first line. */
export function documentedColumns(operation: Record<string, any>): string[] | undefined {
  const listed = /header row:\s*`([^`]+)`/i.exec(String(operation.description ?? ''))?.[1];
  if (listed) return listed.split(',').map((c) => c.trim());
  const example = operation.responses?.['200']?.content?.['text/csv']?.example;
  return typeof example === 'string' ? example.split(/\r?\n/)[0]!.split(',').map((c) => c.trim()) : undefined;
}

export const documents: ScenarioCheck = {
  id: 'documents',
  kind: 'scenario',
  inline: false,
  severity: 'high',
  description: 'Documents and links: the PDF parses and shows the number and total; the CSV export has its header and exactly the rows of the same filtered list; share, signed PDF and payment links work and stop working as documented; send moves a draft to sent and reminds otherwise.',
  requires: ['writes'],
  operations: ['createCustomer', 'createInvoice', 'getInvoice', 'listInvoices', 'markInvoiceSent', 'getInvoicePdf', 'exportInvoices', 'publishInvoice', 'unpublishInvoice', 'viewSharedInvoice', 'getInvoicePdfLink', 'downloadSignedPdf', 'getInvoicePaymentLink', 'submitPayment', 'sendInvoice'],
  async run(ctx) {
    const s = new Scenario(ctx, 'documents');
    const customer = await ctx.resources.customer();
    const create = async (what: string, lines: Array<{ description: string; quantity: number; unit_price: number }>, customerId = customer): Promise<Invoice> => {
      const body = await s.must('createInvoice', { json: { customer_id: customerId, currency: CURRENCY, title: ctx.resources.label(what), line_items: lines }, label: `create an invoice (${what})` });
      if (!isInvoice(body) || typeof body.number !== 'string') throw new PrerequisiteError(`documents could not set up: createInvoice answered no invoice with an id and a number`);
      return body;
    };
    const sent = async (what: string, customerId = customer): Promise<Invoice> => {
      const draft = await create(what, [{ description: 'Documents probe', quantity: 2, unit_price: 4250 }], customerId);
      const body = await s.must('markInvoiceSent', { params: { invoice_id: draft.id }, label: `mark sent (${what})` });
      return isInvoice(body) ? body : draft;
    };
    const read = async (id: string, label: string): Promise<{ exchange: Exchange; invoice?: Invoice }> => {
      const exchange = await s.call('getInvoice', { params: { invoice_id: id }, label });
      const body = exchange.response?.status === 200 ? exchange.response.body : undefined;
      return { exchange, ...(isInvoice(body) ? { invoice: body } : {}) };
    };

    // A total above 1,000, which a PDF may show with digit grouping (1,264.49): 1 × 1234.50 + round(1.5 × 19.99) = 1264.49.
    const pdfInvoice = await create('pdf', [
      { description: 'Documents: design', quantity: 1, unit_price: 123450 },
      { description: 'Documents: review', quantity: 1.5, unit_price: 1999 },
    ]);

    const parts: Array<[string, () => Promise<void>]> = [
      ['getInvoicePdf', () => checkPdf(pdfInvoice)],
      ['exportInvoices', () => checkCsv()],
      ['publishInvoice', () => checkShareLink()],
      ['getInvoicePdfLink', () => checkSignedLink()],
      ['getInvoicePaymentLink', () => checkPaymentLink()],
      ['sendInvoice', () => checkSend()],
    ];
    // The parts are independent (each has its own invoices): one that cannot set up skips alone.
    await Promise.all(
      parts.map(async ([operationId, part]) => {
        try {
          await part();
        } catch (error) {
          if (!(error instanceof PrerequisiteError)) throw error;
          ctx.skip(operationId, error.message);
        }
      }),
    );

    async function checkPdf(invoice: Invoice) {
      const rule = 'GET /invoices/{id}/pdf answers the invoice as a PDF document (application/pdf, starting with %PDF-) that shows its number and total (contract: getInvoicePdf)';
      if (!Number.isSafeInteger(invoice.total)) throw new PrerequisiteError('documents could not set up: createInvoice answered no integer total');
      const exchange = await s.call('getInvoicePdf', { params: { invoice_id: invoice.id }, label: 'download the PDF' });
      const r = exchange.response;
      if (r?.status !== 200) return void s.fail(exchange, { rule, cause: 'PDF not served', expected: '200 application/pdf' });
      if (mediaType(exchange) !== 'application/pdf') return void s.fail(exchange, { rule, cause: 'PDF served with another media type', expected: 'Content-Type application/pdf', got: `Content-Type ${r.contentType ?? '(none)'}` });
      if (!isPdf(r.body)) return void s.fail(exchange, { rule, cause: 'PDF body is not a PDF', expected: 'a body starting with %PDF-', got: JSON.stringify(r.text.slice(0, 40)) });
      let text: string;
      try {
        text = await pdfText(r.body);
      } catch (error) {
        return void s.fail(exchange, { rule, cause: 'PDF does not parse', expected: 'a PDF a reader can open', got: `parse error: ${(error as Error).message.slice(0, 120)}` });
      }
      if (!containsToken(text, invoice.number)) return void s.fail(exchange, { rule, cause: 'PDF lacks the invoice number', expected: `the text shows the number ${invoice.number}`, got: `text: ${JSON.stringify(text.slice(0, 160))}` });
      if (!containsAmount(text, invoice.total, EXPONENT)) return void s.fail(exchange, { rule, cause: 'PDF lacks the invoice total', expected: `the text shows the total ${CURRENCY} ${major(invoice.total)} (in any usual layout)`, got: `text: ${JSON.stringify(text.slice(0, 300))}` });
      s.pass('getInvoicePdf');
    }

    async function checkCsv() {
      const rule = 'GET /invoices/export answers CSV with the documented header row, then exactly one row per invoice of the same filtered list (contract: exportInvoices)';
      // A customer of its own, whose list no other part changes meanwhile: two drafts and a sent invoice, so that a status filter has something to tell apart.
      const customer = await ctx.resources.customer();
      const line = [{ description: 'Documents: export', quantity: 1, unit_price: 5000 }];
      const mine = await Promise.all([create('csv draft', line, customer), create('csv draft', line, customer), sent('csv sent', customer)]);
      const columns = documentedColumns(s.operation('exportInvoices').operation) ?? ['id', 'number'];
      const filters: Array<Record<string, string>> = [{ customer_id: customer }, { customer_id: customer, status: 'draft' }];
      for (const filter of filters) {
        const list = await s.call('listInvoices', { query: { ...filter, limit: '100' }, label: `list ${new URLSearchParams(filter)}` });
        const listed = (list.response?.body as { data?: Array<{ id?: unknown; number?: unknown }> } | undefined)?.data;
        if (list.response?.status !== 200 || !Array.isArray(listed)) throw new PrerequisiteError(`documents could not list invoices to compare the export with: ${list.response?.status ?? list.toolError?.message}`);
        const exchange = await s.call('exportInvoices', { query: filter, label: `export ${new URLSearchParams(filter)}` });
        const r = exchange.response;
        if (r?.status !== 200) return void s.fail(exchange, { rule, cause: 'export not served', expected: '200 text/csv' });
        let rows: string[][];
        try {
          rows = parse(r.text, { skip_empty_lines: true, bom: true }) as string[][];
        } catch (error) {
          return void s.fail(exchange, { rule, cause: 'export is not RFC 4180 CSV', expected: 'CSV that parses', got: (error as Error).message.slice(0, 160) });
        }
        const header = rows[0] ?? [];
        if (header.join(',') !== columns.join(',')) {
          const missing = columns.filter((c) => !header.includes(c));
          return void s.fail(exchange, { rule, cause: missing.length === columns.length ? 'export without its header row' : 'export header differs from the documented columns', expected: `header ${columns.join(',')}`, got: `first row ${header.join(',').slice(0, 200) || '(none)'}${missing.length && missing.length < columns.length ? ` (missing ${missing.join(', ')})` : ''}` });
        }
        const at = (name: string) => header.indexOf(name);
        const exported = rows.slice(1).map((row) => ({ id: row[at('id')], number: row[at('number')] }));
        const expectedIds = listed.map((i) => String(i.id)).sort();
        const gotIds = exported.map((e) => String(e.id)).sort();
        if (expectedIds.join() !== gotIds.join()) {
          const missing = expectedIds.filter((id) => !gotIds.includes(id));
          const extra = gotIds.filter((id) => !expectedIds.includes(id));
          return void s.fail(exchange, { rule, cause: missing.length ? 'export misses rows of the list' : 'export has rows the list has not', expected: `${expectedIds.length} row(s), the ids listInvoices gives for ${new URLSearchParams(filter)}`, got: `${gotIds.length} row(s)${missing.length ? `; missing ${missing.join(', ')}` : ''}${extra.length ? `; extra ${extra.join(', ')}` : ''}` });
        }
        const wrongNumber = exported.find((e) => listed.find((i) => i.id === e.id)?.number !== e.number);
        if (wrongNumber) return void s.fail(exchange, { rule, cause: 'export row with another number than the list', expected: `number ${listed.find((i) => i.id === wrongNumber.id)?.number} for ${wrongNumber.id}`, got: `number ${wrongNumber.number}` });
        // The fresh customer's invoices are known: an empty list on both sides would prove nothing.
        const ownExpected = mine.filter((i) => !filter.status || i.status === filter.status).length;
        if (gotIds.length < ownExpected) return void s.fail(list, { rule: 'GET /invoices lists every invoice of the customer that matches the filter (contract: listInvoices)', cause: 'list lacks the check\'s own invoices', expected: `at least ${ownExpected} invoice(s) of the fresh customer`, got: `${gotIds.length}` });
      }
      s.pass('exportInvoices');
    }

    async function checkShareLink() {
      const rule = 'POST /invoices/{id}/publish opens a public page of the invoice; POST …/unpublish makes that page answer 404 (contract: publishInvoice, unpublishInvoice, viewSharedInvoice)';
      const invoice = await sent('share link');
      const publish = await s.call('publishInvoice', { params: { invoice_id: invoice.id }, label: 'publish' });
      const url = (publish.response?.body as Invoice | undefined)?.share_link?.url;
      if (publish.response?.status !== 200 || typeof url !== 'string') return void s.fail(publish, { rule, cause: 'publish gave no share link', expected: '200 with share_link.url', got: `${publish.response?.status ?? 'no answer'}, share_link ${JSON.stringify((publish.response?.body as Invoice | undefined)?.share_link ?? null)}` });
      const token = ctx.resources.tokenOf(url, 'share_token');
      const open = await s.call('viewSharedInvoice', { params: { share_token: token }, auth: 'none', label: 'view the published page' });
      if (open.response?.status !== 200) return void s.fail(open, { rule, cause: 'published page not served', expected: '200, without credentials' });
      if (!containsToken(open.response.text, invoice.number)) return void s.fail(open, { rule, cause: 'published page does not show the invoice', expected: `a page showing ${invoice.number}`, got: JSON.stringify(open.response.text.slice(0, 160)) });
      const unpublish = await s.call('unpublishInvoice', { params: { invoice_id: invoice.id }, label: 'unpublish' });
      if (unpublish.response?.status !== 200) return void s.fail(unpublish, { rule, cause: 'unpublish refused', expected: '200 (a sent or viewed invoice without payments, published)' });
      const closed = await s.call('viewSharedInvoice', { params: { share_token: token }, auth: 'none', label: 'view the page after unpublishing' });
      if (closed.response?.status !== 404) return void s.fail(closed, { rule, cause: 'page still served after unpublish', expected: '404' });
      s.pass('publishInvoice');
      s.pass('unpublishInvoice');
      s.pass('viewSharedInvoice');
    }

    async function checkSignedLink() {
      const rule = 'GET /invoices/{id}/pdf-link gives a signed URL that serves the PDF without credentials; a link with a changed token answers 404 (contract: getInvoicePdfLink, downloadSignedPdf)';
      const invoice = await sent('signed link');
      const link = await s.call('getInvoicePdfLink', { params: { invoice_id: invoice.id }, label: 'ask for a signed PDF link' });
      const url = (link.response?.body as { url?: unknown } | undefined)?.url;
      if (link.response?.status !== 200 || typeof url !== 'string') return void s.fail(link, { rule, cause: 'no signed PDF link', expected: '200 with url' });
      const token = ctx.resources.tokenOf(url, 'signed_token');
      const good = await s.call('downloadSignedPdf', { params: { signed_token: token }, auth: 'none', label: 'download through the signed link' });
      if (good.response?.status !== 200 || !isPdf(good.response.body)) return void s.fail(good, { rule, cause: 'signed link does not serve the PDF', expected: '200 application/pdf starting with %PDF-', got: `${good.response?.status ?? 'no answer'} ${good.response?.contentType ?? ''}` });
      const forged = tamper(token);
      const bad = await s.call('downloadSignedPdf', { params: { signed_token: forged }, auth: 'none', label: 'download through a link with one character of its signature changed' });
      const status = bad.response?.status;
      if (status === undefined) return;
      if (status < 300) return void s.fail(bad, { rule, cause: 'tampered signed link accepted', expected: '404: the signature no longer matches', got: `${status} ${bad.response?.contentType ?? ''}` });
      if (status !== 404) return void s.fail(bad, { rule, cause: `tampered signed link answered ${status}`, expected: '404 (a changed token)' });
      s.pass('getInvoicePdfLink');
      s.pass('downloadSignedPdf');
    }

    async function checkPaymentLink() {
      const rule = 'A payment through the payment link (GET …/payment-link, then POST /public/pay/{token}) is recorded: the amount due falls by the amount paid (contract: getInvoicePaymentLink, submitPayment)';
      const invoice = await sent('payment link');
      const link = await s.call('getInvoicePaymentLink', { params: { invoice_id: invoice.id }, label: 'ask for the payment link' });
      const url = (link.response?.body as { url?: unknown } | undefined)?.url;
      if (link.response?.status !== 200 || typeof url !== 'string') return void s.fail(link, { rule, cause: 'no payment link', expected: '200 with url' });
      const token = ctx.resources.tokenOf(url, 'payment_token');
      const before = await read(invoice.id, 'the invoice before paying through the link');
      if (!before.invoice || !Number.isSafeInteger(before.invoice.amount_due) || before.invoice.amount_due < 2) throw new PrerequisiteError('documents could not read an amount due to pay part of');
      const amount = Math.min(1000, before.invoice.amount_due - 1); // part of it, so a partial payment is visible
      const pay = await s.call('submitPayment', { params: { payment_token: token }, auth: 'none', raw: { contentType: 'application/x-www-form-urlencoded', text: `amount=${major(amount)}` }, label: `pay ${CURRENCY} ${major(amount)} through the link` });
      if (pay.response?.status !== 200) return void s.fail(pay, { rule, cause: 'payment through the link refused', expected: '200 (a receipt page)' });
      const after = await read(invoice.id, 'the invoice after paying through the link');
      if (!after.invoice) return void s.fail(after.exchange, { rule, operationId: 'submitPayment', cause: 'invoice unreadable after a link payment', expected: '200 with the invoice' });
      const due = before.invoice.amount_due - amount;
      if (after.invoice.amount_due !== due) return void s.fail(after.exchange, { rule, operationId: 'submitPayment', cause: 'link payment left the amount due unchanged or wrong', expected: `amount_due ${due} (${before.invoice.amount_due} − ${amount})`, got: `amount_due ${after.invoice.amount_due}` });
      s.pass('getInvoicePaymentLink');
      s.pass('submitPayment');
    }

    async function checkSend() {
      const rule = 'POST /invoices/{id}/send moves a draft to sent with sent_at set, and on a sent invoice is a reminder that leaves the status as it was (contract: Invoice lifecycle, sendInvoice)';
      const draft = await create('send', [{ description: 'Documents: send', quantity: 3, unit_price: 2500 }]);
      const first = await s.call('sendInvoice', { params: { invoice_id: draft.id }, json: {}, label: 'send a draft' });
      if (first.response?.status !== 200) return void s.fail(first, { rule, cause: 'send of a draft refused', expected: '200 (draft is in the allowed statuses)' });
      const afterFirst = await read(draft.id, 'the invoice after sending');
      const got = afterFirst.invoice;
      if (!got) return void s.fail(afterFirst.exchange, { rule, operationId: 'sendInvoice', cause: 'invoice unreadable after send', expected: '200 with the invoice' });
      if (got.status !== 'sent' || typeof got.sent_at !== 'string') return void s.fail(afterFirst.exchange, { rule, operationId: 'sendInvoice', cause: 'send left a draft unsent', expected: 'status sent, sent_at set', got: `status ${got.status}, sent_at ${JSON.stringify(got.sent_at)}` });
      if (got.sent_via_email !== true) return void s.fail(afterFirst.exchange, { rule, operationId: 'sendInvoice', cause: 'send did not set sent_via_email', expected: 'sent_via_email true', got: `sent_via_email ${JSON.stringify(got.sent_via_email)}` });
      const reminder = await s.call('sendInvoice', { params: { invoice_id: draft.id }, json: {}, label: 'send again: a reminder' });
      if (reminder.response?.status !== 200) return void s.fail(reminder, { rule, cause: 'reminder refused', expected: '200 (sent is in the allowed statuses)' });
      const afterReminder = await read(draft.id, 'the invoice after the reminder');
      const again = afterReminder.invoice;
      if (!again) return void s.fail(afterReminder.exchange, { rule, operationId: 'sendInvoice', cause: 'invoice unreadable after a reminder', expected: '200 with the invoice' });
      if (again.status !== 'sent' || typeof again.sent_at !== 'string') return void s.fail(afterReminder.exchange, { rule, operationId: 'sendInvoice', cause: 'reminder changed the status', expected: 'status sent (unchanged), sent_at still set', got: `status ${again.status}, sent_at ${JSON.stringify(again.sent_at)}` });
      s.pass('sendInvoice');
    }
  },
};
