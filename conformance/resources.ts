import type { LoadedContract } from './contract.ts';
import type { Exchange, TestCase } from './types.ts';

/** A prerequisite could not be created through the API: the cases that need it are skipped, with this reason. */
export class PrerequisiteError extends Error {}

export type InvoiceState = 'draft' | 'sent' | 'partially_paid' | 'paid' | 'void' | 'published' | 'trashed';
export type PreparedInvoice = { id: string; customerId: string; total: number; amountDue: number; currency: string; paymentId?: string };

type Created = { kind: 'customer' | 'invoice'; id: string };

/**
 * Creates what an operation needs (a customer, an invoice in a given status, a payment, a public
 * token) through the API itself, never by reaching into a server, and removes it at the end.
 * Everything carries the run tag, so that leftovers can be found.
 */
export class Resources {
  private readonly created: Created[] = [];
  private counter = 0;
  private readonly existing = new Map<string, string>();

  constructor(
    private readonly send: (testCase: TestCase) => Promise<Exchange>,
    private readonly contract: LoadedContract,
    readonly runTag: string,
    private readonly readOnly: boolean,
  ) {}

  /** A name for created data that says which run made it. */
  label(what: string): string {
    return `[${this.runTag}#${++this.counter}] ${what}`; // the closing bracket keeps #1 from matching #12 in a search
  }

  /** Registers a resource created by any request (a probe included), for the clean-up. */
  track(kind: Created['kind'], id: string): void {
    if (!this.created.some((c) => c.id === id)) this.created.push({ kind, id });
  }

  private async call(operationId: string, method: string, path: string, body?: unknown, query?: Record<string, string>): Promise<any> {
    const exchange = await this.send({ origin: 'setup', operationId, label: `set-up: ${method} ${path}`, request: { method, path, ...(body !== undefined ? { json: body } : {}), ...(query ? { query } : {}) } });
    const status = exchange.response?.status;
    if (!exchange.response || status === undefined || status >= 300) {
      const why = exchange.toolError ? exchange.toolError.message : `answered ${status}: ${exchange.response?.text.slice(0, 200)}`;
      throw new PrerequisiteError(`could not prepare a prerequisite: ${method} ${path} ${why}`);
    }
    return exchange.response.body;
  }

  private async firstExisting(kind: 'customer' | 'invoice'): Promise<string> {
    const cached = this.existing.get(kind);
    if (cached) return cached;
    const [op, path] = kind === 'customer' ? ['listCustomers', '/api/v1/customers'] : ['listInvoices', '/api/v1/invoices'];
    const list = await this.call(op, 'GET', path, undefined, { limit: '1' });
    const id = list?.data?.[0]?.id;
    if (typeof id !== 'string') throw new PrerequisiteError(`read-only mode needs an existing ${kind}, and ${path} lists none`);
    this.existing.set(kind, id);
    return id;
  }

  async customer(): Promise<string> {
    if (this.readOnly) return this.firstExisting('customer');
    const body = await this.call('createCustomer', 'POST', '/api/v1/customers', {
      name: this.label('customer'),
      email: `conform+${this.runTag.toLowerCase()}-${this.counter}@example.com`,
      notes: `Created by invoicekit conform, run ${this.runTag}.`,
    });
    this.track('customer', body.id);
    return body.id as string;
  }

  async invoice(state: InvoiceState = 'draft', customerId?: string): Promise<PreparedInvoice> {
    if (this.readOnly) {
      const id = await this.firstExisting('invoice');
      return { id, customerId: '', total: 0, amountDue: 0, currency: 'USD' };
    }
    const customer = customerId ?? (await this.customer());
    const created = await this.call('createInvoice', 'POST', '/api/v1/invoices', {
      customer_id: customer,
      currency: 'USD',
      title: this.label('invoice'),
      notes: `Created by invoicekit conform, run ${this.runTag}.`,
      line_items: [
        { description: 'Conformance work', quantity: 2, unit_price: 12500 },
        { description: 'Conformance review', quantity: 1.5, unit_price: 10000 },
      ],
    });
    this.track('invoice', created.id);
    const id = created.id as string;
    const base = `/api/v1/invoices/${id}`;
    let current = created;
    let paymentId: string | undefined;
    if (state === 'trashed') {
      await this.call('deleteInvoice', 'DELETE', base);
    } else if (state === 'published') {
      await this.call('publishInvoice', 'POST', `${base}/publish`);
      current = await this.call('getInvoice', 'GET', base);
    } else if (state !== 'draft') {
      current = await this.call('markInvoiceSent', 'POST', `${base}/mark-sent`);
      if (state === 'partially_paid') {
        const payment = await this.call('recordPayment', 'POST', `${base}/payments`, { amount: Math.floor(current.amount_due / 3) });
        paymentId = payment.id;
        current = await this.call('getInvoice', 'GET', base);
      } else if (state === 'paid') {
        const payment = await this.call('recordPayment', 'POST', `${base}/payments`, { amount: current.amount_due });
        paymentId = payment.id;
        current = await this.call('getInvoice', 'GET', base);
      } else if (state === 'void') {
        current = await this.call('voidInvoice', 'POST', `${base}/void`);
      }
    }
    return { id, customerId: customer, total: current.total, amountDue: current.amount_due, currency: current.currency, ...(paymentId ? { paymentId } : {}) };
  }

  /** The token of a public URL the API handed out, read through the contract's own route. */
  tokenOf(url: string, param: string): string {
    const path = new URL(url, 'http://server.invalid').pathname;
    for (const prefix of ['', this.contract.apiPrefix]) {
      const match = this.contract.routes.match('GET', path.startsWith(prefix) ? path : prefix + path);
      if (match.kind === 'operation' && match.params[param]) return match.params[param]!;
    }
    // A server mounted under a prefix: match on the tail of the path.
    const tail = path.split('/').filter(Boolean);
    for (let i = 1; i < tail.length; i++) {
      const match = this.contract.routes.match('GET', '/' + tail.slice(i).join('/'));
      if (match.kind === 'operation' && match.params[param]) return match.params[param]!;
    }
    throw new PrerequisiteError(`the link ${url} is not a route of the contract with a '${param}'`);
  }

  async shareToken(): Promise<string> {
    const invoice = await this.invoice('sent');
    const published = await this.call('publishInvoice', 'POST', `/api/v1/invoices/${invoice.id}/publish`);
    const url = published?.share_link?.url;
    if (typeof url !== 'string') throw new PrerequisiteError(`publishing invoice ${invoice.id} gave no share_link.url`);
    return this.tokenOf(url, 'share_token');
  }

  async paymentToken(): Promise<string> {
    const invoice = await this.invoice('sent');
    const link = await this.call('getInvoicePaymentLink', 'GET', `/api/v1/invoices/${invoice.id}/payment-link`);
    return this.tokenOf(link.url, 'payment_token');
  }

  async signedToken(): Promise<string> {
    const invoice = await this.invoice('sent');
    const link = await this.call('getInvoicePdfLink', 'GET', `/api/v1/invoices/${invoice.id}/pdf-link`);
    return this.tokenOf(link.url, 'signed_token');
  }

  /** Removes what the run created, as far as the contract's rules allow; says what is left and why. */
  async cleanup(): Promise<{ removed: number; left: number; notes: string[] }> {
    let removed = 0;
    const notes: string[] = [];
    const quiet = async (operationId: string, method: string, path: string, query?: Record<string, string>) => {
      const ex = await this.send({ origin: 'setup', operationId, label: `clean-up: ${method} ${path}`, request: { method, path, ...(query ? { query } : {}) } });
      return ex.response?.status ?? 0;
    };
    const invoices = this.created.filter((c) => c.kind === 'invoice');
    let kept = 0;
    const removeInvoice = async (id: string) => {
      const path = `/api/v1/invoices/${id}`;
      let status = await quiet('deleteInvoice', 'DELETE', path);
      if (status === 409) {
        // The contract keeps invoices with payments out of the trash: delete the payments the run recorded, void, then trash.
        const list = await this.send({ origin: 'setup', operationId: 'listPayments', label: `clean-up: GET ${path}/payments`, request: { method: 'GET', path: `${path}/payments`, query: { limit: '100' } } });
        const payments = (list.response?.body as { data?: Array<{ id?: unknown }> } | undefined)?.data;
        for (const payment of Array.isArray(payments) ? payments : []) {
          if (typeof payment?.id === 'string') await quiet('deletePayment', 'DELETE', `${path}/payments/${encodeURIComponent(payment.id)}`);
        }
        await quiet('voidInvoice', 'POST', `${path}/void`);
        status = await quiet('deleteInvoice', 'DELETE', path);
      }
      const permanent = await quiet('deleteInvoice', 'DELETE', path, { permanent: 'true' });
      if (permanent < 300 || permanent === 404) removed++;
      else kept++;
    };
    const queue = invoices.map((c) => c.id);
    await Promise.all(Array.from({ length: Math.min(4, queue.length) }, async () => {
      for (let id = queue.shift(); id; id = queue.shift()) await removeInvoice(id);
    }));
    if (kept) notes.push(`${kept} invoice(s) could not be deleted; find them by '${this.runTag}' in their title or notes`);
    let deactivated = 0;
    for (const { id } of this.created.filter((c) => c.kind === 'customer')) {
      const path = `/api/v1/customers/${id}`;
      const status = await quiet('deleteCustomer', 'DELETE', path, { permanent: 'true' });
      if (status < 300 || status === 404) removed++;
      else if ((await quiet('deleteCustomer', 'DELETE', path)) < 300) deactivated++;
    }
    if (deactivated) notes.push(`${deactivated} customer(s) with invoices left were deactivated instead of deleted`);
    return { removed, left: kept + deactivated, notes };
  }
}
