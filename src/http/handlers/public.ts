// The pages served without credentials (the contract's `security: []`). There is no principal:
// each handler finds the invoice from its token and then works in that invoice's tenant.
import type { Clock } from '../../deps.ts';
import { parseDecimal } from '../../domain/currency.ts';
import { ApiError } from '../problem.ts';
import { Refusal } from '../../domain/errors.ts';
import { invoicePdf, recordShareView } from '../../services/actions.ts';
import type { ServiceContext } from '../../services/context.ts';
import { presentInvoice } from '../../services/invoices.ts';
import { invalidLink, verifyPdfToken } from '../../services/links.ts';
import { assertPayable, recordPayment } from '../../services/payments.ts';
import { pdfFilename } from '../../services/pdf.ts';
import { HTML_TYPE, PUBLIC_PAGE_HEADERS, renderInvoicePage, renderPaymentPage, renderReceiptPage } from '../../services/public-pages.ts';
import type { InvoiceRecord, Store } from '../../store/types.ts';
import type { ApiRequest, ApiResponse, HandlerRegistry } from '../types.ts';

export type PublicHandlerDeps = {
  store: Store;
  clock: Clock;
  /** Verifies the signed PDF links. */
  secret: string;
};

const html = (body: string): ApiResponse => ({ status: 200, body, contentType: HTML_TYPE, headers: { ...PUBLIC_PAGE_HEADERS } });

/** A live (not trashed) invoice found by a token, in its tenant's context; otherwise 404. */
function byToken(req: ApiRequest, found: { tenant: string; invoice: InvoiceRecord } | undefined): { ctx: ServiceContext; invoice: InvoiceRecord } {
  if (!found || found.invoice.deleted_at !== null) throw invalidLink();
  return { ctx: req.ctxFor(found.tenant), invoice: found.invoice };
}

function paymentRefusal(ctx: ServiceContext, invoice: InvoiceRecord): string | undefined {
  try {
    assertPayable(ctx, invoice);
    return undefined;
  } catch (error) {
    if (error instanceof Refusal && error.code === 'nothing_due') return 'This invoice has nothing left to pay. Thank you!';
    return 'This invoice cannot be paid online at the moment.';
  }
}

/** The form's `amount` (major units of the invoice currency) in minor units; the whole amount due when absent. */
function amountFrom(body: unknown, invoice: InvoiceRecord): number {
  const raw = (body as { amount?: unknown } | undefined)?.amount;
  if (raw === undefined || raw === '') return invoice.amount_due;
  const invalid = (message: string) => new ApiError('validation_failed', `The amount is not valid: ${message}.`, { errors: [{ pointer: '/body/amount', message, keyword: 'amount' }] });
  if (typeof raw !== 'string') throw invalid('must be a single decimal number');
  let amount: number;
  try {
    amount = parseDecimal(raw, invoice.currency);
  } catch (error) {
    throw invalid((error as Error).message);
  }
  if (amount <= 0) throw invalid('must be greater than 0');
  return amount;
}

export function publicHandlers(deps: PublicHandlerDeps): HandlerRegistry<'viewSharedInvoice' | 'downloadSignedPdf' | 'viewPaymentPage' | 'submitPayment'> {
  return {
    viewSharedInvoice: (req) => {
      const { ctx, invoice } = byToken(req, deps.store.invoiceByShareToken(req.input.path.share_token));
      const viewed = recordShareView(ctx, invoice);
      return html(renderInvoicePage({ invoice: presentInvoice(ctx, viewed), customer: ctx.store.getCustomer(ctx.tenant.id, viewed.customer_id), issuer: ctx.tenant.name }));
    },

    downloadSignedPdf: async (req) => {
      const claims = verifyPdfToken(deps.secret, req.input.path.signed_token, deps.clock.now());
      if (!deps.store.tenant(claims.tenant)) throw invalidLink();
      const ctx = req.ctxFor(claims.tenant);
      const invoice = ctx.store.getInvoice(ctx.tenant.id, claims.invoiceId);
      if (!invoice) throw invalidLink();
      const pdf = await invoicePdf(ctx, invoice);
      return {
        status: 200,
        body: pdf,
        contentType: 'application/pdf',
        headers: { 'Content-Disposition': `inline; filename="${pdfFilename(invoice.number)}"`, 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer', 'X-Content-Type-Options': 'nosniff' },
      };
    },

    viewPaymentPage: (req) => {
      const { ctx, invoice } = byToken(req, deps.store.invoiceByPaymentToken(req.input.path.payment_token));
      return html(renderPaymentPage({ invoice: presentInvoice(ctx, invoice), issuer: ctx.tenant.name, refusal: paymentRefusal(ctx, invoice) }));
    },

    submitPayment: (req) => {
      const { ctx, invoice } = byToken(req, deps.store.invoiceByPaymentToken(req.input.path.payment_token));
      assertPayable(ctx, invoice);
      const amount = amountFrom(req.input.body, invoice);
      const { payment, invoice: paid } = recordPayment(ctx, invoice.id, { amount, method: 'online_payment', source: 'payment_link' });
      return html(renderReceiptPage({ invoice: presentInvoice(ctx, paid), payment, issuer: ctx.tenant.name }));
    },
  };
}
