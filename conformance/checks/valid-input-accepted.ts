import type { Check } from '../types.ts';
import { isGenerated, opId, problemCode, statusText } from './util.ts';

/** Refusals that a schema-valid request can still meet by the contract's business rules. */
const BUSINESS_REFUSALS = new Set(['overpayment', 'credit_exceeds_balance', 'discount_exceeds_subtotal', 'invalid_transition', 'invoice_not_editable', 'nothing_due', 'duplicate_number', 'customer_has_invoices', 'plan_limit_reached', 'no_recipient', 'customer_inactive', 'not_published']);

export const validInputAccepted: Check = {
  id: 'valid_input_accepted',
  severity: 'high',
  description: "Requests built from the contract's examples and generated from its schemas are accepted (2xx); a generated one may meet a documented business refusal, never a validation error.",
  inline: true,
  run(ctx, exchange) {
    const r = exchange.response;
    if (!r || !isGenerated(exchange) || r.status >= 500) return;
    if (r.status < 300) return ctx.pass(opId(exchange));
    const code = problemCode(r);
    if (exchange.case.origin === 'generated' && (r.status === 409 || r.status === 422) && code && BUSINESS_REFUSALS.has(code)) return ctx.pass(opId(exchange));
    ctx.fail({
      exchange,
      cause: `${exchange.case.origin} → ${statusText(r)}`,
      message: `A request valid by the contract (${exchange.case.label}) was refused with ${statusText(r)}`,
      expected: '2xx',
      got: `${statusText(r)}: ${r.text.slice(0, 160)}`,
    });
  },
};
