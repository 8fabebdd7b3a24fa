import { addDays } from '../documents/text.ts';
import { PrerequisiteError } from '../resources.ts';
import { Scenario } from '../scenario.ts';
import type { Exchange, ScenarioCheck } from '../types.ts';

type Invoice = { id: string; status: string; issue_date: string; due_date: string; amount_due: number };
export const isInvoice = (body: unknown): body is Invoice => !!body && typeof body === 'object' && typeof (body as Invoice).id === 'string' && typeof (body as Invoice).status === 'string';
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The ids of a filtered invoice list (one page of 100 is plenty for a fresh customer's few invoices), or undefined when it is not a list. */
export async function listedIds(s: Scenario, query: Record<string, string>, label: string): Promise<{ exchange: Exchange; ids?: string[] }> {
  const exchange = await s.call('listInvoices', { query: { ...query, limit: '100' }, label });
  const data = (exchange.response?.body as { data?: Array<{ id?: unknown }> } | undefined)?.data;
  return { exchange, ...(exchange.response?.status === 200 && Array.isArray(data) ? { ids: data.map((i) => String(i.id)) } : {}) };
}

export const overdue: ScenarioCheck = {
  id: 'overdue',
  kind: 'scenario',
  inline: false,
  severity: 'high',
  description: 'An invoice sent with a due date in the past is reported overdue, on GET and by the list\'s status=overdue filter; one not yet due is not.',
  requires: ['writes'],
  operations: ['createCustomer', 'createInvoice', 'updateInvoice', 'markInvoiceSent', 'getInvoice', 'listInvoices'],
  async run(ctx) {
    const s = new Scenario(ctx, 'overdue');
    const rule = 'An invoice whose status is sent, viewed or partially_paid is reported as overdue once the server\'s clock is past its due_date, and only then; the list\'s status=overdue filter finds exactly those (contract: Invoice lifecycle, listInvoices)';
    const customer = await ctx.resources.customer();
    const line = [{ description: 'Overdue probe', quantity: 1, unit_price: 7500 }];
    // The server's today is the issue date it gives an invoice created without one (contract: createInvoice).
    const notYetDue = await s.must('createInvoice', { json: { customer_id: customer, currency: 'USD', title: ctx.resources.label('overdue: not yet due'), line_items: line }, label: 'create an invoice dated by the server' });
    const today = isInvoice(notYetDue) ? notYetDue.issue_date : undefined;
    if (!isInvoice(notYetDue) || typeof today !== 'string' || !DATE.test(today)) throw new PrerequisiteError('overdue could not learn the server\'s date: createInvoice gave no issue_date');
    // Days of margin on both sides, so that a server keeping its dates in another time zone is judged fairly.
    await s.must('updateInvoice', { params: { invoice_id: notYetDue.id }, json: { due_date: addDays(today, 30) }, label: 'due in 30 days' });
    const pastDue = await s.must('createInvoice', { json: { customer_id: customer, currency: 'USD', title: ctx.resources.label('overdue: past due'), issue_date: addDays(today, -10), due_date: addDays(today, -3), line_items: line }, label: 'create an invoice due 3 days ago' });
    if (!isInvoice(pastDue)) throw new PrerequisiteError('overdue could not set up: createInvoice answered no invoice');
    await Promise.all([pastDue, notYetDue].map((i) => s.must('markInvoiceSent', { params: { invoice_id: i.id }, label: 'mark sent' })));

    const [past, future] = await Promise.all([pastDue, notYetDue].map((i) => s.call('getInvoice', { params: { invoice_id: i.id }, label: i === pastDue ? 'read the past-due invoice' : 'read the invoice not yet due' })));
    const statusOf = (e: Exchange) => (isInvoice(e.response?.body) ? (e.response!.body as Invoice).status : undefined);
    if (past!.response?.status !== 200 || future!.response?.status !== 200) throw new PrerequisiteError('overdue could not read its invoices back');
    if (statusOf(past!) !== 'overdue') return void s.fail(past!, { rule, cause: 'past-due sent invoice not reported overdue', expected: `status overdue (sent, due ${addDays(today, -3)}, today ${today})`, got: `status ${statusOf(past!)}` });
    if (statusOf(future!) !== 'sent') return void s.fail(future!, { rule, cause: 'sent invoice not yet due reported otherwise', expected: `status sent (due ${addDays(today, 30)}, today ${today})`, got: `status ${statusOf(future!)}` });
    s.pass('getInvoice');

    const listed = await listedIds(s, { customer_id: customer, status: 'overdue' }, 'list the customer\'s overdue invoices');
    if (!listed.ids) return void s.fail(listed.exchange, { rule, cause: 'status=overdue filter refused', expected: '200 with the overdue invoices' });
    if (!listed.ids.includes(pastDue.id)) return void s.fail(listed.exchange, { rule, cause: 'status=overdue filter misses an overdue invoice', expected: `${pastDue.id} in the list`, got: `ids ${listed.ids.join(', ') || '(none)'}` });
    if (listed.ids.includes(notYetDue.id)) return void s.fail(listed.exchange, { rule, cause: 'status=overdue filter lists an invoice not yet due', expected: `${notYetDue.id} not in the list`, got: `ids ${listed.ids.join(', ')}` });
    s.pass('listInvoices');
  },
};
