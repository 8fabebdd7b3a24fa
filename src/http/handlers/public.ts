// The pages served without credentials (the contract's `security: []`). There is no principal:
// each handler finds the invoice from its token and then works in that invoice's tenant.
import type { Request } from 'express';
import type { Clock } from '../../deps.ts';
import { parseDecimal } from '../../domain/currency.ts';
import { ApiError } from '../problem.ts';
import { Refusal } from '../../domain/errors.ts';
import { invoicePdf, paymentLink, recordShareView } from '../../services/actions.ts';
import type { ServiceContext } from '../../services/context.ts';
import { presentInvoice, statusOf } from '../../services/invoices.ts';
import { invalidLink, issuePdfToken, verifyPdfToken } from '../../services/links.ts';
import { localeFrom } from '../../services/money-format.ts';
import { assertPayable, recordPayment } from '../../services/payments.ts';
import { pdfFilename } from '../../services/pdf.ts';
import { renderPayerErrorPage, type PublicPage } from '../../services/public-error-pages.ts';
import { HTML_TYPE, PUBLIC_PAGE_HEADERS, renderInvoicePage, renderPaymentPage, renderReceiptPage } from '../../services/public-pages.ts';
import type { InvoiceRecord, Store } from '../../store/types.ts';
import type { ErrorPresenter } from '../pipeline.ts';
import { problemResponse } from '../problem.ts';
import type { ApiRequest, ApiResponse, HandlerRegistry } from '../types.ts';

export type PublicHandlerDeps = {
  store: Store;
  clock: Clock;
  /** Verifies the signed PDF links. */
  secret: string;
};

const html = (body: string, status = 200): ApiResponse => ({ status, body, contentType: HTML_TYPE, headers: { ...PUBLIC_PAGE_HEADERS } });

/** The locale the page formats amounts in, from the browser's Accept-Language. */
const localeOf = (req: Request) => localeFrom(req.get('accept-language'));

/** The amount (minor units) each payment request asked for, for the page that explains a refusal. */
const attemptedAmounts = new WeakMap<Request, number>();

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
      // "Pay" only when a payment can be taken now; the payment page's token is made on first need, as GET …/payment-link does.
      const pay = paymentRefusal(ctx, viewed) === undefined ? new URL(paymentLink(ctx, viewed.id).url).pathname : undefined;
      const pdf = `/public/pdf/${issuePdfToken(deps.secret, ctx.tenant.id, viewed.id, deps.clock.now()).token}`;
      return html(
        renderInvoicePage({ invoice: presentInvoice(ctx, viewed), customer: ctx.store.getCustomer(ctx.tenant.id, viewed.customer_id), issuer: ctx.tenant.name, locale: localeOf(req.raw), links: { pay, pdf } }),
      );
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
      return html(renderPaymentPage({ invoice: presentInvoice(ctx, invoice), issuer: ctx.tenant.name, refusal: paymentRefusal(ctx, invoice), locale: localeOf(req.raw) }));
    },

    submitPayment: (req) => {
      const { ctx, invoice } = byToken(req, deps.store.invoiceByPaymentToken(req.input.path.payment_token));
      assertPayable(ctx, invoice);
      const amount = amountFrom(req.input.body, invoice);
      attemptedAmounts.set(req.raw, amount);
      const { payment, invoice: paid } = recordPayment(ctx, invoice.id, { amount, method: 'online_payment', source: 'payment_link' });
      return html(renderReceiptPage({ invoice: presentInvoice(ctx, paid), payment, issuer: ctx.tenant.name, locale: localeOf(req.raw) }));
    },
  };
}

/** True when the client prefers an HTML page to JSON: a browser. No Accept, any type, or a JSON type keeps problem+json. */
export function prefersHtml(req: Request): boolean {
  return req.accepts(['application/problem+json', 'application/json', 'text/html']) === 'text/html';
}

const PAGES: Record<string, PublicPage> = { viewSharedInvoice: 'share', viewPaymentPage: 'payment', submitPayment: 'payment_form', downloadSignedPdf: 'pdf' };

/** The token in a public page's path (its last segment); undefined when it cannot be read. */
function tokenOf(req: Request): string | undefined {
  try {
    return decodeURIComponent(req.path.slice(req.path.lastIndexOf('/') + 1));
  } catch {
    return undefined;
  }
}

/**
 * The pipeline's error presenters for the public pages: a browser gets an HTML page that says
 * what happened in the payer's terms, with the same status; every other client the problem+json
 * it always got. Both vary on Accept.
 */
export function publicErrorPresenters(deps: Pick<PublicHandlerDeps, 'store' | 'clock'>): Record<string, ErrorPresenter> {
  const presenterFor = (pageName: PublicPage): ErrorPresenter => (error, req) => {
    const requestId = String(req.res?.getHeader('X-Request-Id') ?? '');
    const problem = problemResponse(error, requestId, req.path);
    // Added to what is there already (CORS varies on Origin).
    const vary = [req.res?.getHeader('Vary'), 'Accept'].filter(Boolean).join(', ');
    const negotiated = { ...problem, headers: { ...problem.headers, Vary: vary } };
    if (!prefersHtml(req)) return negotiated;
    try {
      const token = pageName === 'pdf' ? undefined : tokenOf(req);
      const found = token === undefined ? undefined : pageName === 'share' ? deps.store.invoiceByShareToken(token) : deps.store.invoiceByPaymentToken(token);
      const live = found && found.invoice.deleted_at === null ? found : undefined;
      const body = renderPayerErrorPage(error, {
        page: pageName,
        invoice: live && { number: live.invoice.number, currency: live.invoice.currency, amount_due: live.invoice.amount_due, status: statusOf(deps, live.invoice) },
        issuer: live ? deps.store.tenant(live.tenant)?.name : undefined,
        attempted: attemptedAmounts.get(req),
        paymentPagePath: pageName === 'payment_form' ? req.path : undefined,
        locale: localeOf(req),
        requestId,
      });
      return { ...html(body, error.status), headers: { ...problem.headers, ...PUBLIC_PAGE_HEADERS, Vary: vary } };
    } catch {
      // The page could not be made: the refusal still reaches the browser, as problem+json.
      return negotiated;
    }
  };
  return Object.fromEntries(Object.entries(PAGES).map(([operationId, pageName]) => [operationId, presenterFor(pageName)]));
}
