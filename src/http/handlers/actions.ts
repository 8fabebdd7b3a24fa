import { TRANSITIONS } from '../../domain/lifecycle.ts';
import type { components } from '../../generated/api-types.ts';
import { INVOICE_ACTION_TABLE, invoicePdf, paymentLink, pdfLink, type InvoiceActionOperation, type InvoiceActionRow } from '../../services/actions.ts';
import * as batch from '../../services/batch.ts';
import * as creditNotes from '../../services/credit-notes.ts';
import { exportInvoicesCsv } from '../../services/csv-export.ts';
import { loadInvoice, presentInvoice, type InvoiceFilters } from '../../services/invoices.ts';
import type { Outbox } from '../../services/outbox.ts';
import type { PageRequest } from '../../services/pagination.ts';
import * as payments from '../../services/payments.ts';
import { pdfFilename } from '../../services/pdf.ts';
import { toApiError } from '../problem.ts';
import type { ApiRequest, ApiResponse, Handler, HandlerRegistry, SomeHandlers } from '../types.ts';

export type ActionHandlerDeps = {
  /** Where sent invoices go instead of an SMTP server. */
  outbox: Outbox;
  /** Signs the PDF links. */
  secret: string;
};

/** The row an operation's request means: the one whose lifecycle query it carries, else the one without a query. */
function rowFor(rows: readonly InvoiceActionRow[], query: Record<string, unknown>): InvoiceActionRow {
  const named = rows.find((row) => {
    const wanted = TRANSITIONS[row.action].query;
    return wanted !== undefined && Object.entries(wanted).every(([name, value]) => String(query[name]) === value);
  });
  return named ?? rows.find((row) => TRANSITIONS[row.action].query === undefined)!;
}

/**
 * The handler of an invoice action's operation. What it answers follows from the lifecycle
 * result: a new draft is created (201 and its Location), a trashed or deleted invoice is gone
 * from view (204), anything else answers the invoice as it is now (200).
 */
function actionHandler(rows: readonly InvoiceActionRow[], deps: ActionHandlerDeps): Handler {
  return async (req: ApiRequest): Promise<ApiResponse> => {
    const row = rowFor(rows, req.input.query);
    const ctx = req.ctx();
    const record = await row.run(ctx, req.input.path.invoice_id, { body: req.input.body ?? {}, outbox: deps.outbox });
    const result = TRANSITIONS[row.action].result;
    if (result === 'trashed' || result === 'gone' || !record) return { status: 204 };
    if (result === 'new_draft') return { status: 201, body: presentInvoice(ctx, record), headers: { Location: `/api/v1/invoices/${record.id}` } };
    return { status: 200, body: presentInvoice(ctx, record) };
  };
}

/** A handler for every operation of the action table. */
export function invoiceActionHandlers(deps: ActionHandlerDeps): HandlerRegistry<InvoiceActionOperation> {
  const byOperation = new Map<string, InvoiceActionRow[]>();
  for (const row of INVOICE_ACTION_TABLE as readonly InvoiceActionRow[]) byOperation.set(row.operationId, [...(byOperation.get(row.operationId) ?? []), row]);
  return Object.fromEntries([...byOperation].map(([operationId, rows]) => [operationId, actionHandler(rows, deps)])) as HandlerRegistry<InvoiceActionOperation>;
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
export function actionHandlers(deps: ActionHandlerDeps) {
  return {
    ...invoiceActionHandlers(deps),

    getInvoicePdf: async (req) => {
      const ctx = req.ctx();
      const invoice = loadInvoice(ctx, req.input.path.invoice_id);
      const pdf = await invoicePdf(ctx, invoice);
      return {
        status: 200,
        body: pdf,
        contentType: 'application/pdf',
        headers: { 'Content-Disposition': `attachment; filename="${pdfFilename(invoice.number)}"`, 'Cache-Control': 'private, no-store' },
      };
    },
    getInvoicePdfLink: (req) => ({ status: 200, body: pdfLink(req.ctx(), req.input.path.invoice_id, deps.secret) }),
    getInvoicePaymentLink: (req) => ({ status: 200, body: paymentLink(req.ctx(), req.input.path.invoice_id) }),

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
  } satisfies SomeHandlers;
}
