import type { Prepared } from '../plan.ts';
import { PrerequisiteError } from '../resources.ts';
import { Scenario } from '../scenario.ts';
import type { AuthChoice, CheckContext, Exchange, ScenarioCheck } from '../types.ts';
import { boundRequest, idParams, isJsonObject, listItems, madeUpId, sendSpec } from './access.ts';
import { differences } from './lists.ts';
import { problemCode, statusText } from './util.ts';

const ID = 'tenant_isolation';
const RULE = 'contract: Authentication and scopes — a credential sees only its tenant; Errors — another tenant\'s id is a 404';
const PARALLEL = 4;

type TenantA = { customerId: string; customerName: string; invoiceId: string; invoiceTitle: string; invoiceNumber?: string; paymentId: string; trashedId: string; trashedTitle: string; creditNoteId?: string };

/** What tenant A's resources look like to A, read before and after B's requests. */
async function snapshot(ctx: CheckContext, a: TenantA): Promise<Array<{ what: string; exchange: Exchange }>> {
  const get = (operationId: string, path: string, what: string, query?: Record<string, string>) =>
    ctx.send({ origin: 'probe', operationId, label: `${ID}: tenant A reads ${what}`, request: { method: 'GET', path, ...(query ? { query } : {}) } }).then((exchange) => ({ what, exchange }));
  return Promise.all([
    get('getCustomer', `/api/v1/customers/${a.customerId}`, `customer ${a.customerId}`),
    get('getInvoice', `/api/v1/invoices/${a.invoiceId}`, `invoice ${a.invoiceId}`),
    get('listPayments', `/api/v1/invoices/${a.invoiceId}/payments`, `the payments of invoice ${a.invoiceId}`),
    get('listCreditNotes', `/api/v1/invoices/${a.invoiceId}/credit-notes`, `the credit notes of invoice ${a.invoiceId}`),
    get('listTrashedInvoices', '/api/v1/invoices/trash', `the trash (invoice ${a.trashedId})`, { search: a.trashedTitle }),
  ]);
}

export const tenantIsolation: ScenarioCheck = {
  id: ID,
  kind: 'scenario',
  inline: false,
  severity: 'critical',
  description: "Tenant B's key gets a 404 for every id of tenant A, exactly as for an unknown id, changes nothing of A's, and never sees A's data in lists, searches, exports or batch results.",
  requires: ['writes', 'second-api-key'],
  operations: ['createCustomer', 'createInvoice', 'getInvoice', 'listInvoices'],
  async run(ctx) {
    const s = new Scenario(ctx, ID);
    const B: AuthChoice = { authorization: `Bearer ${ctx.options.secondApiKey}`, label: 'tenant B' };
    const fail = (exchange: Exchange, rule: string, cause: string, expected: string, got?: string) =>
      ctx.fail({ exchange, operationId: exchange.case.operationId ?? '(no operation)', cause, message: `${rule} (${RULE})`, expected, got: got ?? (exchange.response ? statusText(exchange.response) : '(no answer)') });

    // Tenant A: a customer, a partly paid invoice with a credit note, a trashed invoice.
    const customerId = await ctx.resources.customer();
    const invoice = await ctx.resources.invoice('partially_paid', customerId);
    const trashed = await ctx.resources.invoice('trashed', customerId);
    if (!invoice.paymentId) throw new PrerequisiteError(`${ID} could not set up: no payment recorded on invoice ${invoice.id}`);
    const customer = await s.must('getCustomer', { params: { customer_id: customerId } });
    const detail = await s.must('getInvoice', { params: { invoice_id: invoice.id } });
    const trashedRow = listItems(await s.call('listTrashedInvoices', { query: { limit: '100' } }))?.find((i) => i.id === trashed.id);
    const note = s.has('createCreditNote') ? await s.call('createCreditNote', { params: { invoice_id: invoice.id }, json: { amount: 1, reason: ctx.resources.label('credit note') }, label: 'tenant A issues a credit note' }) : undefined;
    const a: TenantA = {
      customerId,
      customerName: String(customer?.name ?? ''),
      invoiceId: invoice.id,
      invoiceTitle: String(detail?.title ?? ''),
      ...(typeof detail?.number === 'string' ? { invoiceNumber: detail.number } : {}),
      paymentId: invoice.paymentId,
      trashedId: trashed.id,
      trashedTitle: String(trashedRow?.title ?? ''),
      ...(note?.response?.status === 201 && isJsonObject(note.response.body) && typeof note.response.body.id === 'string' ? { creditNoteId: note.response.body.id } : {}),
    };
    if (!a.invoiceTitle || !a.customerName) throw new PrerequisiteError(`${ID} could not set up: tenant A's invoice or customer came back without its title or name`);
    // Anything of A's that B must never see: ids, the tagged names, the invoice number.
    const markers = [a.customerId, a.invoiceId, a.trashedId, a.paymentId, a.creditNoteId, a.invoiceTitle, a.customerName, a.trashedTitle, a.invoiceNumber].filter((m): m is string => !!m && m.length > 3);
    const leaked = (exchange: Exchange, except: string[] = []) => markers.find((m) => !except.includes(m) && exchange.response?.text.includes(m));

    const before = await snapshot(ctx, a);

    // Every operation that takes an id: A's ids with B's key, then made-up ids with B's key.
    const ids: Record<string, string> = { customer_id: a.customerId, invoice_id: a.invoiceId, payment_id: a.paymentId };
    const operations = ctx.contract.operations.filter((o) => idParams(o).length > 0 && idParams(o).every((p) => p in ids));
    const prepared: Prepared = { pathParams: { ...ids }, invoice, customerId, context: {} };
    const sweep = async (entry: (typeof operations)[number]) => {
      const op = entry.operationId;
      const pathIds = Object.fromEntries(idParams(entry).map((p) => [p, op === 'restoreInvoice' && p === 'invoice_id' ? a.trashedId : ids[p]!]));
      const bound = await boundRequest(ctx, entry, { ...prepared, pathParams: pathIds, context: {} });
      if (!bound) return ctx.skip(op, 'the example cannot be bound to real resources');
      const fake = { ...bound.spec, path: Object.values(pathIds).reduce((path, id) => path.replaceAll(encodeURIComponent(id), encodeURIComponent(madeUpId(id))), bound.spec.path) };
      const [theirs, unknown] = await Promise.all([sendSpec(ctx, ID, op, bound.spec, "tenant A's id with tenant B's key", { auth: B }), sendSpec(ctx, ID, op, fake, "a made-up id with tenant B's key", { auth: B })]);
      if (!theirs.response || !unknown.response) return;
      const got = theirs.response;
      if (got.status !== 404 || got.status !== unknown.response.status || problemCode(got) !== problemCode(unknown.response)) {
        return fail(theirs, `Another tenant's id is a 404, exactly as an unknown id is`, `another tenant's id → ${got.status}`, '404, the same status and code as for a made-up id', `${statusText(got)} (a made-up id: ${statusText(unknown.response)})`);
      }
      const leak = leaked(theirs, Object.values(pathIds));
      if (leak) return fail(theirs, "A refusal of another tenant's id shows none of that tenant's data", "another tenant's data in a 404", `nothing of tenant A's`, `'${leak}' in the answer`);
      ctx.pass(op);
    };
    const queue = [...operations];
    await Promise.all(Array.from({ length: PARALLEL }, async () => {
      for (let entry = queue.shift(); entry; entry = queue.shift()) await sweep(entry);
    }));

    // Batches naming A's ids: each one fails for B as an unknown id does.
    const batches = [
      { op: 'batchInvoices', path: '/api/v1/invoices/batch', body: { action: 'void', ids: [a.invoiceId] }, id: a.invoiceId },
      { op: 'batchTrashedInvoices', path: '/api/v1/invoices/trash/batch', body: { action: 'restore', ids: [a.trashedId] }, id: a.trashedId },
    ].filter((b) => s.has(b.op));
    for (const batch of batches) {
      const exchange = await ctx.send({ origin: 'probe', operationId: batch.op, label: `${ID}: tenant B batches tenant A's id`, request: { method: 'POST', path: batch.path, json: batch.body, auth: B, headers: { 'Idempotency-Key': `ikc-${ctx.options.runTag}-${ID}-${batch.op}` } } });
      const body = exchange.response?.body;
      if (!exchange.response) continue;
      const failed = isJsonObject(body) && Array.isArray(body.failed) ? body.failed.find((f: any) => f?.id === batch.id) : undefined;
      const succeeded = isJsonObject(body) && Array.isArray(body.succeeded) && body.succeeded.includes(batch.id);
      if (exchange.response.status !== 200 || succeeded || !failed || failed.status !== 404) {
        fail(exchange, "A batch naming another tenant's id fails for that id with 404 not_found, as for an unknown id", "another tenant's id in a batch not a 404", `${batch.id} in failed with status 404`, exchange.response.status !== 200 ? statusText(exchange.response) : succeeded ? `${batch.id} in succeeded` : `failed: ${JSON.stringify(failed ?? null)}`);
      } else ctx.pass(batch.op);
    }

    // B's lists, searches and export never show A's data.
    type Read = { op: string; path: string; query: Record<string, string>; what: string };
    const reads = ([
      { op: 'listInvoices', path: '/api/v1/invoices', query: { search: a.invoiceTitle, limit: '100' }, what: "a search for tenant A's invoice title" },
      { op: 'listInvoices', path: '/api/v1/invoices', query: { limit: '100' }, what: 'the first page of invoices' },
      { op: 'listCustomers', path: '/api/v1/customers', query: { search: a.customerName, limit: '100' }, what: "a search for tenant A's customer name" },
      { op: 'listTrashedInvoices', path: '/api/v1/invoices/trash', query: { search: a.trashedTitle, limit: '100' }, what: "a search of the trash for tenant A's trashed invoice" },
      { op: 'exportInvoices', path: '/api/v1/invoices/export', query: { search: a.invoiceTitle }, what: "a CSV export searched for tenant A's invoice title" },
    ] as Read[]).filter((r) => s.has(r.op) && (r.query.search ?? 'x').length > 0);
    await Promise.all(reads.map(async (read) => {
      const exchange = await ctx.send({ origin: 'probe', operationId: read.op, label: `${ID}: tenant B reads ${read.what}`, request: { method: 'GET', path: read.path, query: read.query, auth: B } });
      if (!exchange.response) return;
      if (exchange.response.status !== 200) return ctx.skip(read.op, `tenant B's ${read.what} answered ${statusText(exchange.response)}: not judged`);
      const leak = leaked(exchange);
      if (leak) return fail(exchange, "A credential's lists, searches and exports show only its own tenant's data", `tenant A's data in tenant B's ${read.op}`, "nothing of tenant A's", `'${leak}' in ${read.what}`);
      ctx.pass(read.op);
    }));

    // And none of B's writes changed anything of A's.
    const after = await snapshot(ctx, a);
    before.forEach((was, i) => {
      const now = after[i]!;
      if (!was.exchange.response || !now.exchange.response) return;
      const diff = was.exchange.response.status !== now.exchange.response.status ? [`status ${was.exchange.response.status} → ${now.exchange.response.status}`] : differences(was.exchange.response.body, now.exchange.response.body);
      if (diff.length) fail(now.exchange, "Another tenant's writes with a tenant's ids change nothing of that tenant's", `tenant B's writes changed tenant A's data`, `${was.what} as it was before tenant B's requests`, diff.join('; '));
    });
  },
};
