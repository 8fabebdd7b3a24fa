import * as actions from '../../services/actions.ts';
import * as batch from '../../services/batch.ts';
import * as creditNotes from '../../services/credit-notes.ts';
import { exportInvoicesCsv } from '../../services/csv-export.ts';
import { loadInvoice, presentInvoice, type InvoiceFilters } from '../../services/invoices.ts';
import type { Outbox } from '../../services/outbox.ts';
import type { PageRequest } from '../../services/pagination.ts';
import * as payments from '../../services/payments.ts';
import { pdfFilename } from '../../services/pdf.ts';
import type { ServiceContext } from '../../services/context.ts';
import type { InvoiceRecord } from '../../store/types.ts';
import type { components } from '../../generated/api-types.ts';
import { toApiError } from '../problem.ts';
import type { ApiRequest, ApiResponse, HandlerRegistry } from '../types.ts';

export type ActionHandlerDeps = {
  /** Where sent invoices go instead of an SMTP server. */
  outbox: Outbox;
  /** Signs the PDF links. */
  secret: string;
};

const invoiceOk = (ctx: ServiceContext, record: InvoiceRecord): ApiResponse => ({ status: 200, body: presentInvoice(ctx, record) });

/** One handler for an action that answers the invoice as it is now. */
function action(run: (ctx: ServiceContext, id: string, req: ApiRequest) => InvoiceRecord | Promise<InvoiceRecord>) {
  return async (req: ApiRequest): Promise<ApiResponse> => {
    const ctx = req.ctx();
    return invoiceOk(ctx, await run(ctx, req.input.path.invoice_id, req));
  };
}

/** Each failed id with the status and code its single-invoice operation would have answered. */
function batchResult(outcome: batch.BatchOutcome): components['schemas']['BatchResult'] {
  const failed = outcome.failed.map(({ id, error }) => {
    const problem = toApiError(error);
    return { id, status: problem.status, code: problem.code, message: problem.detail };
  });
  return { action: outcome.action, succeeded: outcome.succeeded, failed };
}

const pageRequest = (query: Record<string, any>): PageRequest => ({ limit: query.limit, offset: query.offset, page: query.page, after: query.after, before: query.before });

/** Handlers for the invoice actions, payments, credit notes, batches, the CSV export and the PDF. */
export function actionHandlers(deps: ActionHandlerDeps): HandlerRegistry {
  return {
    sendInvoice: action((ctx, id, req) => actions.sendInvoice(ctx, id, deps.outbox, req.input.body ?? {})),
    markInvoiceSent: action((ctx, id) => actions.markSent(ctx, id)),
    publishInvoice: action((ctx, id) => actions.publishInvoice(ctx, id)),
    unpublishInvoice: action((ctx, id) => actions.unpublishInvoice(ctx, id)),
    voidInvoice: action((ctx, id) => actions.voidInvoice(ctx, id)),
    markInvoicePaid: action((ctx, id, req) => actions.markPaid(ctx, id, req.input.body ?? {})),

    duplicateInvoice: (req) => {
      const ctx = req.ctx();
      const copy = actions.duplicateInvoice(ctx, req.input.path.invoice_id);
      return { status: 201, body: presentInvoice(ctx, copy), headers: { Location: `/api/v1/invoices/${copy.id}` } };
    },

    getInvoicePdf: async (req) => {
      const ctx = req.ctx();
      const invoice = loadInvoice(ctx, req.input.path.invoice_id);
      const pdf = await actions.invoicePdf(ctx, invoice);
      return {
        status: 200,
        body: pdf,
        contentType: 'application/pdf',
        headers: { 'Content-Disposition': `attachment; filename="${pdfFilename(invoice.number)}"`, 'Cache-Control': 'private, no-store' },
      };
    },
    getInvoicePdfLink: (req) => ({ status: 200, body: actions.pdfLink(req.ctx(), req.input.path.invoice_id, deps.secret) }),
    getInvoicePaymentLink: (req) => ({ status: 200, body: actions.paymentLink(req.ctx(), req.input.path.invoice_id) }),

    listPayments: (req) => ({ status: 200, body: payments.listPayments(req.ctx(), req.input.path.invoice_id, pageRequest(req.input.query)) }),
    recordPayment: (req) => {
      const { payment } = payments.recordPayment(req.ctx(), req.input.path.invoice_id, { ...req.input.body, source: 'api' });
      return { status: 201, body: payment };
    },
    deletePayment: (req) => {
      payments.deletePayment(req.ctx(), req.input.path.invoice_id, req.input.path.payment_id);
      return { status: 204 };
    },

    listCreditNotes: (req) => ({ status: 200, body: creditNotes.listCreditNotes(req.ctx(), req.input.path.invoice_id, pageRequest(req.input.query)) }),
    createCreditNote: (req) => {
      const { creditNote } = creditNotes.createCreditNote(req.ctx(), req.input.path.invoice_id, req.input.body ?? {});
      return { status: 201, body: creditNote };
    },

    batchInvoices: (req) => ({ status: 200, body: batchResult(batch.batchInvoices(req.ctx(), req.input.body)) }),
    batchTrashedInvoices: (req) => ({ status: 200, body: batchResult(batch.batchTrashedInvoices(req.ctx(), req.input.body)) }),

    exportInvoices: (req) => {
      const { stream, filename } = exportInvoicesCsv(req.ctx(), req.input.query as InvoiceFilters);
      return {
        status: 200,
        stream,
        contentType: 'text/csv; charset=utf-8; header=present',
        headers: { 'Content-Disposition': `attachment; filename="${filename}"`, 'Cache-Control': 'private, no-store' },
      };
    },
  };
}
