import PDFDocument from 'pdfkit';
import { ADMIN_TOKEN, json, withBytes, withJson, type Answer, type Forwarded, type PlantedDefect } from '../broken-server.test-helper.ts';
import { documents } from '../checks/documents.ts';
import { overdue } from '../checks/overdue.ts';
import { overdueClock } from '../checks/overdue-clock.ts';

const DOCUMENTS = documents.operations;
const invoiceAction = (req: Forwarded, action: string) => new RegExp(`^/api/v1/invoices/(inv_[A-Za-z0-9]+)/${action}$`).exec(req.path)?.[1];
const isInvoiceRead = (req: Forwarded) => req.method === 'GET' && /^\/api\/v1\/invoices\/inv_[A-Za-z0-9]+$/.test(req.path);

/** A real PDF that shows the total but not the invoice number. */
function pdfWithout(total: string): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4' });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  doc.on('data', (c: Buffer) => chunks.push(c));
  doc.text('Invoice').text(`Total USD ${total}`);
  doc.end();
  return done;
}

/** Removes a line of a CSV answer (the first: its header; the last: one row). */
const dropCsvLine = (which: 'first' | 'last') => (req: Forwarded, a: Answer) => {
  if (req.method !== 'GET' || req.path !== '/api/v1/invoices/export' || a.status !== 200) return a;
  const lines = a.body.split(/\r?\n/).filter((l) => l.length);
  if (lines.length < 2) return a;
  return { ...a, body: (which === 'first' ? lines.slice(1) : lines.slice(0, -1)).join('\r\n') + '\r\n' };
};

export const DOCUMENTS_DEFECTS: PlantedDefect[] = [
  {
    name: 'an HTML page served as application/pdf',
    checks: ['documents'],
    include: DOCUMENTS,
    only: ['documents'],
    breakage: { response: (req, a) => (req.method === 'GET' && invoiceAction(req, 'pdf') && a.status === 200 ? { ...a, body: '<!doctype html><html><body><h1>Invoice</h1></body></html>' } : a) },
  },
  {
    name: 'a PDF without the invoice number',
    checks: ['documents'],
    include: DOCUMENTS,
    only: ['documents'],
    breakage: {
      response: async (req, a, forward) => {
        const id = req.method === 'GET' ? invoiceAction(req, 'pdf') : undefined;
        if (!id || a.status !== 200) return a;
        const invoice = json(await forward({ ...req, path: `/api/v1/invoices/${id}` }));
        return withBytes(a, await pdfWithout((invoice.total / 100).toFixed(2)));
      },
    },
  },
  { name: 'a CSV export without its header row', checks: ['documents'], include: DOCUMENTS, only: ['documents'], breakage: { response: dropCsvLine('first') } },
  { name: 'a CSV export missing one row of the list', checks: ['documents'], include: DOCUMENTS, only: ['documents'], breakage: { response: dropCsvLine('last') } },
  {
    name: 'a share page still served after unpublish',
    checks: ['documents'],
    include: DOCUMENTS,
    only: ['documents'],
    breakage: {
      // A stale cache: a share page once served is served again after its link was revoked.
      response: (() => {
        const served = new Map<string, Answer>();
        return (req, a) => {
          if (req.method !== 'GET' || !req.path.startsWith('/public/invoices/')) return a;
          if (a.status === 200) served.set(req.path, a);
          return a.status === 404 && served.has(req.path) ? served.get(req.path)! : a;
        };
      })(),
    },
  },
  {
    name: 'a signed PDF link accepted with one character of its signature changed',
    checks: ['documents'],
    include: DOCUMENTS,
    only: ['documents'],
    breakage: (() => {
      // The signature is not checked: any token one character away from an issued one works.
      const issued = new Set<string>();
      const nearest = (token: string) => [...issued].find((t) => t.length === token.length && [...t].filter((c, i) => c !== token[i]).length === 1);
      return {
        request: (req) => {
          const token = /^\/public\/pdf\/(.+)$/.exec(req.path)?.[1];
          const known = token && !issued.has(token) ? nearest(token) : undefined;
          return known ? { ...req, path: `/public/pdf/${known}` } : req;
        },
        response: (req, a) => {
          if (req.method === 'GET' && invoiceAction(req, 'pdf-link') && a.status === 200) issued.add(new URL(json(a).url).pathname.split('/').pop()!);
          return a;
        },
      };
    })(),
  },
  {
    name: 'a payment-link payment that does not change the amount due',
    checks: ['documents'],
    include: DOCUMENTS,
    only: ['documents'],
    // The payment form "succeeds" with the payment page itself, and nothing is recorded.
    breakage: { request: (req) => (req.method === 'POST' && req.path.startsWith('/public/pay/') ? { ...req, method: 'GET', body: '', headers: Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== 'content-type')) } : req) },
  },
  {
    name: 'send that leaves a draft as draft',
    checks: ['documents'],
    include: DOCUMENTS,
    only: ['documents'],
    breakage: {
      request: (req) => {
        const id = req.method === 'POST' ? invoiceAction(req, 'send') : undefined;
        return id ? { ...req, method: 'GET', path: `/api/v1/invoices/${id}`, body: '', headers: Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== 'content-type' && k !== 'idempotency-key')) } : req;
      },
    },
  },
  {
    name: 'a past-due sent invoice reported as sent',
    checks: ['overdue'],
    include: overdue.operations,
    only: ['overdue'],
    breakage: { response: (req, a) => (isInvoiceRead(req) && a.status === 200 && json(a).status === 'overdue' ? withJson(a, { ...json(a), status: 'sent' }) : a) },
  },
  {
    name: 'an invoice that turns overdue a day early (on its due date)',
    checks: ['overdue_clock'],
    include: overdueClock.operations,
    only: ['overdue_clock'],
    extra: { adminToken: ADMIN_TOKEN },
    breakage: {
      response: async (req, a, forward) => {
        if (!isInvoiceRead(req) || a.status !== 200) return a;
        const invoice = json(a);
        if (!['sent', 'viewed', 'partially_paid'].includes(invoice.status)) return a;
        const clock = json(await forward({ method: 'GET', path: '/control/clock', query: new URLSearchParams(), headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, body: '' }));
        return invoice.due_date <= String(clock.now).slice(0, 10) ? withJson(a, { ...invoice, status: 'overdue' }) : a;
      },
    },
  },
];
