// What a person in a browser reads when a public page (share page, payment page, signed PDF
// link) cannot answer: what happened and what to do, in the payer's words, amounts in their
// currency. API clients get the same refusal as problem+json (src/http/problem.ts).
import { PDF_LINK_TTL_SECONDS } from './links.ts';
import { amountInputRules, moneyFormatter } from './money-format.ts';
import { actionButtons, escapeHtml, page } from './public-pages.ts';

/** Which public page the error happened on. */
export type PublicPage = 'share' | 'payment' | 'payment_form' | 'pdf';

export type PayerErrorContext = {
  page: PublicPage;
  /** The invoice the link belongs to, when the link is genuine (never for an unknown link). */
  invoice?: { number: string; currency: string; amount_due: number; status: string } | undefined;
  /** Who issued the invoice. */
  issuer?: string | undefined;
  /** The amount (minor units) the payer tried to pay. */
  attempted?: number | undefined;
  /** Where "back to the payment page" leads (the page's own path). */
  paymentPagePath?: string | undefined;
  locale?: string | undefined;
  /** Shown in small print so support can find the request. */
  requestId?: string | undefined;
};

type Explanation = { title: string; paragraphs: string[]; back?: boolean };

/** What the page needs of a refusal: its stable code and HTTP status. */
export type PageRefusal = { code: string; status: number };

const LINK_WORDS: Record<PublicPage, string> = { share: 'invoice link', payment: 'payment link', payment_form: 'payment link', pdf: 'download link' };

function explain(error: PageRefusal, c: PayerErrorContext): Explanation {
  const invoice = c.invoice;
  const money = invoice ? moneyFormatter(invoice.currency, c.locale) : undefined;
  const due = invoice && money ? money(Math.max(invoice.amount_due, 0)) : undefined;
  const which = invoice ? `invoice ${invoice.number}` : 'this invoice';
  const askSender = `Ask ${c.issuer ?? 'whoever sent you the invoice'} for a new link.`;
  const badLink: Explanation = {
    title: 'This link does not work',
    paragraphs: [`This ${LINK_WORDS[c.page]} is not valid. It may be incomplete or mistyped, or the invoice is no longer shared through it.`, askSender],
  };
  if (error.code === 'not_found' || error.code === 'route_not_found') return badLink;
  if (error.code === 'link_expired') {
    return {
      title: 'This download link has expired',
      paragraphs: [`Links to download an invoice PDF work for ${PDF_LINK_TTL_SECONDS / 60} minutes. Open the invoice page again and choose Download PDF, or ask for a new link.`],
    };
  }
  if (c.page !== 'payment_form') {
    if (error.code === 'validation_failed') return badLink;
  } else {
    switch (error.code) {
      case 'validation_failed': {
        const rules = invoice ? amountInputRules(invoice.currency) : undefined;
        return {
          title: 'Check the amount',
          paragraphs: [
            'The amount you entered is not one we can take, so no payment was made.',
            rules && due ? `Enter ${rules.hint}, more than zero and at most the amount due, ${due}.` : 'Enter the amount as digits, with a point before the decimals.',
          ],
          back: true,
        };
      }
      case 'overpayment':
        return {
          title: 'That is more than is due',
          paragraphs: [
            c.attempted !== undefined && money && due
              ? `You entered ${money(c.attempted)}, but only ${due} is due on ${which}. No payment was made.`
              : `The amount you entered is more than is due on ${which}. No payment was made.`,
            due ? `Enter an amount up to ${due}.` : 'Enter an amount up to the amount due.',
          ],
          back: true,
        };
      case 'nothing_due':
        return { title: 'Nothing left to pay', paragraphs: [`${which[0]!.toUpperCase()}${which.slice(1)} has nothing left to pay, so no payment was made. Thank you!`] };
      case 'payload_too_large':
      case 'unsupported_media_type':
      case 'malformed_json':
      case 'malformed_request':
        return { title: 'The payment form could not be read', paragraphs: ['Your browser sent the form in a way we could not read, so no payment was made. Go back to the payment page and try again.'], back: true };
    }
    if (error.status === 409 || error.status === 422) {
      const status = invoice?.status === 'void' ? ': it has been cancelled (void)' : invoice?.status === 'draft' ? ': it has not been issued yet' : ' at the moment';
      return { title: 'This invoice cannot be paid online', paragraphs: [`${which[0]!.toUpperCase()}${which.slice(1)} cannot be paid online${status}. No payment was made.`, `Contact ${c.issuer ?? 'the sender'} if you think this is a mistake.`] };
    }
  }
  if (error.status >= 500) {
    return {
      title: 'Something went wrong on our side',
      paragraphs:
        c.page === 'payment_form'
          ? ['We could not finish your payment just now. Open the payment page again to see what is still due before you try again.']
          : ['We could not show this page just now. Please try again in a moment.'],
      back: c.page === 'payment_form',
    };
  }
  return { title: 'This page cannot be shown', paragraphs: ['The request could not be completed. Check the link and try again, or ask the sender of the invoice for help.'] };
}

/** The HTML page a browser gets for `error` on a public page; its status stays the error's. */
export function renderPayerErrorPage(error: PageRefusal, context: PayerErrorContext): string {
  const { title, paragraphs, back } = explain(error, context);
  const from = context.invoice ? `<p class="muted">${context.issuer ? `${escapeHtml(context.issuer)} · ` : ''}Invoice ${escapeHtml(context.invoice.number)}</p>` : '';
  const body = `${from}
<h1>${escapeHtml(title)}</h1>
<div class="problem" role="alert">
${paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n')}
</div>
${back && context.paymentPagePath ? actionButtons([{ href: context.paymentPagePath, label: 'Back to the payment page' }]) : ''}
${context.requestId ? `<p class="muted"><small>Reference: ${escapeHtml(context.requestId)}</small></p>` : ''}`;
  return page(title, body);
}
