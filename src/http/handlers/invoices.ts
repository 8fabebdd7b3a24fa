import * as invoices from '../../services/invoices.ts';
import { presentInvoiceJson } from '../../services/invoices/present.ts';
import type { SomeHandlers } from '../types.ts';

/** What writeResponse labels an object body with, for a body that is JSON text already. */
const JSON_UTF8 = 'application/json; charset=utf-8';

// deleteInvoice and restoreInvoice are invoice actions: src/http/handlers/actions.ts derives them.
export const invoiceHandlers = {
  listInvoices: (req) => ({ status: 200, body: invoices.listInvoices(req.ctx(), req.input.query as invoices.InvoiceListQuery) }),
  listTrashedInvoices: (req) => ({ status: 200, body: invoices.listInvoices(req.ctx(), req.input.query as invoices.InvoiceListQuery, true) }),
  createInvoice: (req) => {
    const ctx = req.ctx();
    const invoice = invoices.createInvoice(ctx, req.input.body);
    return { status: 201, body: invoices.presentInvoice(ctx, invoice), headers: { Location: `/api/v1/invoices/${invoice.id}` } };
  },
  getInvoice: (req) => {
    const ctx = req.ctx();
    // JSON text kept per stored record (presentInvoiceJson): a read re-serialises nothing unchanged.
    return { status: 200, body: presentInvoiceJson(ctx, invoices.loadInvoice(ctx, req.input.path.invoice_id)), contentType: JSON_UTF8 };
  },
  updateInvoice: (req) => {
    const ctx = req.ctx();
    return { status: 200, body: invoices.presentInvoice(ctx, invoices.updateInvoice(ctx, req.input.path.invoice_id, req.input.body)) };
  },
  replaceInvoice: (req) => {
    const ctx = req.ctx();
    return { status: 200, body: invoices.presentInvoice(ctx, invoices.replaceInvoice(ctx, req.input.path.invoice_id, req.input.body)) };
  },
  previewNextInvoiceNumber: (req) => {
    const ctx = req.ctx();
    return { status: 200, body: { number: invoices.previewNextNumber(ctx), pattern: ctx.tenant.invoice_pattern } };
  },
} satisfies SomeHandlers;
