import * as invoices from '../../services/invoices.ts';
import type { SomeHandlers } from '../types.ts';

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
    return { status: 200, body: invoices.presentInvoice(ctx, invoices.loadInvoice(ctx, req.input.path.invoice_id)) };
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
