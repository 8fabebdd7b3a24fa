import type { InvoiceState, PreparedInvoice, Resources } from './resources.ts';
import type { RequestSpec } from './types.ts';

/**
 * What each operation of the canonical contract needs before a valid request can succeed, and how
 * a generated request is bound to those resources. The contract states these rules in prose (the
 * lifecycle table, the pagination and numbering sections); this table is their reading.
 */
export type Prepared = { pathParams: Record<string, string>; invoice?: PreparedInvoice; customerId?: string; context: Record<string, string> };

const INVOICE_STATE: Record<string, InvoiceState> = {
  replaceInvoice: 'draft',
  updateInvoice: 'draft',
  deleteInvoice: 'draft',
  sendInvoice: 'draft',
  markInvoiceSent: 'draft',
  publishInvoice: 'draft',
  unpublishInvoice: 'published',
  voidInvoice: 'sent',
  markInvoicePaid: 'sent',
  restoreInvoice: 'trashed',
  getInvoicePaymentLink: 'sent',
  recordPayment: 'sent',
  deletePayment: 'partially_paid',
  createCreditNote: 'sent',
};

const BATCH_STATE: Record<string, InvoiceState> = { delete: 'draft', 'mark-sent': 'draft', 'mark-paid': 'sent', void: 'sent', restore: 'trashed', 'permanent-delete': 'trashed' };

/** Currencies every implementation of the contract is expected to know (the contract's worked examples use them). */
const KNOWN_CURRENCIES = ['USD', 'EUR', 'JPY', 'KWD', 'GBP'];

/** Query parameters only the server can fill (opaque cursors), and the ones that exclude each other. */
const SERVER_ISSUED_QUERY = new Set(['after', 'before']);
const EXCLUSIVE_QUERY = ['offset', 'page'];

export function isServerIssuedQuery(name: string): boolean {
  return SERVER_ISSUED_QUERY.has(name);
}

/** Creates the resources the operation's path (and a valid body) need; `spec` may ask for more (a permanent delete). */
export async function prepare(operationId: string, pathParams: string[], resources: Resources, spec?: Partial<RequestSpec>): Promise<Prepared> {
  const out: Prepared = { pathParams: {}, context: {} };
  let state = INVOICE_STATE[operationId] ?? 'draft';
  if (operationId === 'deleteInvoice' && String(spec?.query?.permanent) === 'true') state = 'trashed';
  for (const name of pathParams) {
    if (name === 'invoice_id' || name === 'payment_id') {
      out.invoice ??= await resources.invoice(state);
      out.pathParams.invoice_id = out.invoice.id;
      out.context.invoice_id = out.invoice.id;
      if (name === 'payment_id') {
        if (!out.invoice.paymentId) throw new Error(`no payment on invoice ${out.invoice.id}`);
        out.pathParams.payment_id = out.invoice.paymentId;
      }
    } else if (name === 'customer_id') {
      out.customerId = await resources.customer();
      out.pathParams.customer_id = out.customerId;
    } else if (name === 'share_token') out.pathParams.share_token = await resources.shareToken();
    else if (name === 'payment_token') out.pathParams.payment_token = await resources.paymentToken();
    else if (name === 'signed_token') out.pathParams.signed_token = await resources.signedToken();
  }
  return out;
}

/** True when the runner knows how to obtain every path parameter of the operation. */
export function canPrepare(pathParams: string[]): boolean {
  return pathParams.every((p) => ['invoice_id', 'payment_id', 'customer_id', 'share_token', 'payment_token', 'signed_token'].includes(p));
}

type Body = Record<string, any>;

function bindInvoiceBody(body: Body, customerId: () => Promise<string>, customerRequired: boolean): Promise<void> | void {
  delete body.number; // a client-chosen number may collide; numbering is part 2's subject
  if (typeof body.currency === 'string') body.currency = KNOWN_CURRENCIES[body.currency.charCodeAt(0) % KNOWN_CURRENCIES.length];
  // The contract's rule that an invoice is not due before it is issued (the issue date defaults to today).
  if (body.issue_date && body.due_date && body.due_date < body.issue_date) [body.issue_date, body.due_date] = [body.due_date, body.issue_date];
  else if (body.due_date && !body.issue_date) body.issue_date = body.due_date;
  else if (body.issue_date && !body.due_date) body.due_date = body.issue_date;
  // Keep quantity × price inside what a currency amount can hold.
  for (const line of Array.isArray(body.line_items) ? body.line_items : []) {
    if (typeof line.quantity === 'number') line.quantity = Math.min(line.quantity, 1000);
    if (typeof line.unit_price === 'number') line.unit_price = Math.min(line.unit_price, 10_000_000);
  }
  if ('customer_id' in body || customerRequired) return customerId().then((id) => void (body.customer_id = id));
}

/**
 * Binds a valid request to the prepared resources: real ids instead of the example's, amounts
 * within what is due, dates in order, at most one way to page. Returns false when the request
 * cannot be made valid (then it is not sent as a valid case).
 */
export async function bindRequest(operationId: string, spec: RequestSpec, prepared: Prepared, resources: Resources, credentials: { clientId?: string; clientSecret?: string }): Promise<boolean> {
  const query = spec.query ?? {};
  for (const name of Object.keys(query)) if (SERVER_ISSUED_QUERY.has(name)) delete query[name];
  const paging = EXCLUSIVE_QUERY.filter((n) => n in query);
  for (const extra of paging.slice(1)) delete query[extra];
  if (query.customer_id !== undefined && prepared.customerId) query.customer_id = prepared.customerId;

  const body = spec.json as Body | undefined;
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const due = prepared.invoice?.amountDue ?? 0;
    switch (operationId) {
      case 'createInvoice':
      case 'replaceInvoice':
      case 'updateInvoice':
        await bindInvoiceBody(body, async () => prepared.invoice?.customerId || (prepared.customerId ??= await resources.customer()), operationId !== 'updateInvoice');
        if (typeof body.customer_id === 'string') prepared.context.customer_id = body.customer_id;
        break;
      case 'createCustomer':
      case 'updateCustomer':
        if (typeof body.currency === 'string') body.currency = 'USD';
        if (typeof body.name === 'string') prepared.context.marker = body.name = resources.label('customer');
        break;
      case 'recordPayment':
      case 'createCreditNote':
        if (due <= 0) return false;
        if (typeof body.amount === 'number') body.amount = Math.max(1, Math.min(body.amount, due));
        break;
      case 'batchInvoices':
      case 'batchTrashedInvoices': {
        const count = Math.max(1, Math.min(Array.isArray(body.ids) ? body.ids.length : 1, 3));
        const ids: string[] = [];
        for (let i = 0; i < count; i++) ids.push((await resources.invoice(BATCH_STATE[body.action] ?? 'draft')).id);
        body.ids = ids;
        break;
      }
      case 'createAccessToken':
        if (!credentials.clientId || !credentials.clientSecret) return false;
        body.client_id = credentials.clientId;
        body.client_secret = credentials.clientSecret;
        delete body.scope; // which scopes a client may ask for is the server's to say
        break;
    }
  }
  if (operationId === 'createAccessToken' && spec.raw) {
    if (!credentials.clientId || !credentials.clientSecret) return false;
    spec.raw.text = new URLSearchParams({ grant_type: 'client_credentials', client_id: credentials.clientId, client_secret: credentials.clientSecret }).toString();
  }
  if (operationId === 'submitPayment' && spec.raw) spec.raw.text = 'amount=1.00';
  return true;
}
