import { Scenario } from '../scenario.ts';
import type { Exchange, ScenarioCheck } from '../types.ts';
import { hasQuery, idList, walkAll } from './list-pages.ts';
import { statusText } from './util.ts';

const INVOICE_FIELDS = ['status', 'number', 'title', 'notes', 'currency', 'due_date', 'total', 'amount_due', 'deleted_at', 'updated_at', 'customer.name'];
const CUSTOMER_FIELDS = ['name', 'email', 'notes', 'is_active', 'deleted_at', 'updated_at'];
const RULE = 'contract: a read answers the resource "as it is now"';

const at = (body: unknown, path: string): unknown => path.split('.').reduce<any>((v, k) => (v && typeof v === 'object' ? v[k] : undefined), body);
const show = (v: unknown) => (v === undefined ? '(absent)' : JSON.stringify(v));

export const readAfterWrite: ScenarioCheck = {
  id: 'read_after_write',
  kind: 'scenario',
  inline: false,
  severity: 'high',
  description:
    'Every write is visible to the very next read, in the detail and in the lists: invoice create, PATCH, mark-sent, void, delete to the trash and permanent delete; customer create, PATCH (also in its invoices) and deactivation.',
  requires: ['writes'],
  operations: ['createCustomer', 'getCustomer', 'updateCustomer', 'listCustomers', 'createInvoice', 'getInvoice', 'updateInvoice', 'listInvoices', 'markInvoiceSent', 'voidInvoice', 'deleteInvoice', 'listTrashedInvoices', 'deleteCustomer'],
  async run(ctx) {
    const s = new Scenario(ctx, 'read_after_write');
    const tag = ctx.options.runTag;
    const judged = new Map<string, boolean>();
    const note = (operationId: string, ok: boolean) => judged.set(operationId, (judged.get(operationId) ?? true) && ok);

    /** The fields of the expected state that a read shows differently. */
    const differences = (expected: Record<string, unknown>, got: unknown) =>
      Object.entries(expected)
        .filter(([k, v]) => v !== undefined && JSON.stringify(at(got, k)) !== JSON.stringify(v))
        .map(([k, v]) => `${k}: ${show(at(got, k))} instead of ${show(v)}`);
    const pick = (body: unknown, fields: string[]) => Object.fromEntries(fields.map((f) => [f, at(body, f)]).filter(([, v]) => v !== undefined));

    /** The detail read right after a write shows the state written. */
    const detail = async (step: string, write: Exchange, operationId: string, params: Record<string, string>, expected: Record<string, unknown>) => {
      const read = await s.call(operationId, { params, label: `read back after ${step}` });
      const diff = read.response?.status === 200 ? differences(expected, read.response.body) : [`answered ${read.response ? statusText(read.response) : '(no answer)'}`];
      if (diff.length) s.fail(read, { rule: `The read right after ${step} shows the new state (${RULE})`, cause: `stale detail after ${step}`, expected: Object.entries(expected).map(([k, v]) => `${k} ${show(v)}`).join(', '), got: diff.join('; '), operationId: write.case.operationId ?? operationId });
      note(write.case.operationId ?? operationId, !diff.length);
      note(operationId, !diff.length);
      return read.response?.body;
    };

    /** The list filtered to the item right after a write: present with the state written, or absent. */
    const listed = async (step: string, write: Exchange, operationId: string, query: Record<string, string>, id: string, expected: Record<string, unknown> | 'absent') => {
      const walk = await walkAll(s, operationId, query, `list after ${step}`);
      const item = walk.items.find((i) => i.id === id);
      const listQuery = new URLSearchParams(query).toString();
      let problem: string | undefined;
      if (walk.problem && !item) problem = walk.problem;
      else if (expected === 'absent') problem = item ? `still listed: ${idList(walk.items)}` : undefined;
      else if (!item) problem = `not listed: ${idList(walk.items)}`;
      else problem = differences(expected, item).join('; ') || undefined;
      if (problem)
        s.fail(walk.last, {
          rule: `The list read right after ${step} ${expected === 'absent' ? 'no longer shows it' : 'shows it as written'} (${RULE}; ${operationId}?${listQuery})`,
          cause: `stale list after ${step}`,
          expected: expected === 'absent' ? `${id} not listed` : `${id} listed with ${Object.entries(expected).map(([k, v]) => `${k} ${show(v)}`).join(', ')}`,
          got: problem,
          operationId: write.case.operationId ?? operationId,
        });
      note(write.case.operationId ?? operationId, !problem);
      note(operationId, !problem);
    };

    /** A write that must succeed for the next steps; its answer is the state to find. */
    const write = async (operationId: string, options: Parameters<Scenario['call']>[1], step: string) => {
      const exchange = await s.call(operationId, { ...options, label: step });
      if (!exchange.response || exchange.response.status >= 300) {
        // Refused writes are judged by the exchange checks; the scenario cannot go on without them.
        ctx.skip(operationId, `read_after_write could not ${step}: ${exchange.response ? statusText(exchange.response) : '(no answer)'}`);
        return undefined;
      }
      return exchange;
    };

    // Customer: create, read, list.
    const oldMarker = `rawc-${tag}`;
    const newMarker = `rawc2-${tag}`;
    const customerBody = { name: `${ctx.resources.label('customer')} ${oldMarker}`, email: `raw+${tag}@example.com`, notes: 'read-after-write, first version' };
    const created = await write('createCustomer', { json: customerBody }, 'create a customer');
    const customerId = at(created?.response?.body, 'id');
    if (!created || typeof customerId !== 'string') return;
    const customerState = (body: unknown, sent: Record<string, unknown>) => ({ ...pick(body, CUSTOMER_FIELDS), ...sent });
    let expectedCustomer = customerState(created.response!.body, customerBody);
    await detail('creating a customer', created, 'getCustomer', { customer_id: customerId }, expectedCustomer);
    await listed('creating a customer', created, 'listCustomers', { search: oldMarker }, customerId, expectedCustomer);

    // Invoice: create, read, list.
    const invoiceBody = { customer_id: customerId, currency: 'USD', title: ctx.resources.label('read-after-write v1'), due_date: '2099-06-30', line_items: [{ description: 'Read-after-write probe', quantity: 2, unit_price: 1500 }] };
    const made = await write('createInvoice', { json: invoiceBody }, 'create an invoice');
    const invoiceId = at(made?.response?.body, 'id');
    if (!made || typeof invoiceId !== 'string') return;
    const params = { invoice_id: invoiceId };
    const byCustomer = { customer_id: customerId };
    const invoiceState = (body: unknown, sent: Record<string, unknown> = {}) => ({ ...pick(body, INVOICE_FIELDS), ...sent });
    let expectedInvoice = invoiceState(made.response!.body, { title: invoiceBody.title });
    await detail('creating an invoice', made, 'getInvoice', params, expectedInvoice);
    await listed('creating an invoice', made, 'listInvoices', byCustomer, invoiceId, expectedInvoice);

    // PATCH the draft: title, notes and lines (so the totals change too).
    const patch = { title: ctx.resources.label('read-after-write v2'), notes: 'read-after-write, second version', line_items: [{ description: 'Read-after-write probe', quantity: 3, unit_price: 1500 }] };
    const patched = await write('updateInvoice', { params, json: patch }, 'PATCH the invoice');
    if (!patched) return;
    expectedInvoice = invoiceState(patched.response!.body, { title: patch.title, notes: patch.notes });
    await detail('PATCH of the invoice', patched, 'getInvoice', params, expectedInvoice);
    await listed('PATCH of the invoice', patched, 'listInvoices', byCustomer, invoiceId, expectedInvoice);

    // PATCH the customer: its detail, its lists, and the summary its invoices embed.
    const customerPatch = { name: `${ctx.resources.label('customer')} ${newMarker}`, notes: 'read-after-write, second version' };
    const renamed = await write('updateCustomer', { params: { customer_id: customerId }, json: customerPatch }, 'PATCH the customer');
    if (!renamed) return;
    expectedCustomer = customerState(renamed.response!.body, customerPatch);
    await detail('PATCH of the customer', renamed, 'getCustomer', { customer_id: customerId }, expectedCustomer);
    await listed('PATCH of the customer', renamed, 'listCustomers', { search: newMarker }, customerId, expectedCustomer);
    await listed('PATCH of the customer (search by the old name)', renamed, 'listCustomers', { search: oldMarker }, customerId, 'absent');
    await detail('PATCH of the customer (its invoice)', renamed, 'getInvoice', params, { 'customer.name': customerPatch.name });
    await listed('PATCH of the customer (its invoice)', renamed, 'listInvoices', byCustomer, invoiceId, { 'customer.name': customerPatch.name });

    // Actions: mark sent, void; each read back and found under its new status.
    for (const [operationId, step] of [
      ['markInvoiceSent', 'mark-sent'],
      ['voidInvoice', 'void'],
    ] as const) {
      const acted = await write(operationId, { params }, step);
      if (!acted) return;
      expectedInvoice = invoiceState(acted.response!.body);
      await detail(step, acted, 'getInvoice', params, expectedInvoice);
      const status = at(acted.response!.body, 'status');
      await listed(step, acted, 'listInvoices', { ...byCustomer, ...(typeof status === 'string' ? { status } : {}) }, invoiceId, expectedInvoice);
    }

    // Delete to the trash: the detail shows deleted_at, the list drops it, the trash holds it.
    const trashed = await write('deleteInvoice', { params }, 'delete the invoice to the trash');
    if (!trashed) return;
    const inTrash = await s.call('getInvoice', { params, label: 'read back after the delete to the trash' });
    const deletedAt = at(inTrash.response?.body, 'deleted_at');
    const trashOk = inTrash.response?.status === 200 && typeof deletedAt === 'string';
    if (!trashOk) s.fail(inTrash, { rule: `An invoice in the trash is returned with deleted_at set, right after the delete (${RULE}; getInvoice)`, cause: 'stale detail after delete to the trash', expected: '200 with deleted_at set', got: inTrash.response ? `${statusText(inTrash.response)}, deleted_at ${show(deletedAt)}` : '(no answer)', operationId: 'deleteInvoice' });
    note('deleteInvoice', trashOk);
    await listed('the delete to the trash', trashed, 'listInvoices', byCustomer, invoiceId, 'absent');
    await listed('the delete to the trash', trashed, 'listTrashedInvoices', byCustomer, invoiceId, typeof deletedAt === 'string' ? { deleted_at: deletedAt } : {});

    // Delete for good: gone from the detail and from the trash.
    const gone = await write('deleteInvoice', { params, query: { permanent: 'true' } }, 'delete the invoice permanently');
    if (!gone) return;
    const afterGone = await s.call('getInvoice', { params, label: 'read back after the permanent delete' });
    const goneOk = afterGone.response?.status === 404;
    if (!goneOk) s.fail(afterGone, { rule: `An invoice deleted permanently is a 404 on the next read (${RULE}; getInvoice)`, cause: 'stale detail after permanent delete', expected: '404', got: afterGone.response ? statusText(afterGone.response) : '(no answer)', operationId: 'deleteInvoice' });
    note('deleteInvoice', goneOk);
    await listed('the permanent delete', gone, 'listTrashedInvoices', byCustomer, invoiceId, 'absent');

    // Deactivate the customer: not in the default list, still readable and listed with include_inactive.
    const deactivated = await write('deleteCustomer', { params: { customer_id: customerId } }, 'deactivate the customer');
    if (deactivated) {
      await detail('deactivating the customer', deactivated, 'getCustomer', { customer_id: customerId }, { is_active: false });
      await listed('deactivating the customer', deactivated, 'listCustomers', { search: newMarker }, customerId, 'absent');
      if (hasQuery(s, 'listCustomers', 'include_inactive')) await listed('deactivating the customer', deactivated, 'listCustomers', { search: newMarker, include_inactive: 'true' }, customerId, { is_active: false });
    }

    for (const [operationId, ok] of judged) if (ok) s.pass(operationId);
  },
};
