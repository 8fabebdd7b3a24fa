import { json, withJson, type Answer, type Forwarded, type PlantedDefect } from '../broken-server.test-helper.ts';
import { LIFECYCLE_OPERATIONS } from '../checks/lifecycle.ts';

// Illegal transitions and refusals that lie, each planted in front of the reference server: the
// lifecycle matrix must catch every one, naming the rule of the contract's lifecycle data.

const INVOICE = /^\/api\/v1\/invoices\/(inv_[A-Za-z0-9]+)(?:\/([a-z-]+))?$/;
const action = (req: Forwarded, name: string) => req.method === 'POST' && INVOICE.exec(req.path)?.[2] === name;
const invoicePath = (req: Forwarded) => `/api/v1/invoices/${INVOICE.exec(req.path)![1]}`;
const refusedWith = (a: Answer, code: string) => a.status === 409 && json(a).code === code;
const get = (req: Forwarded, path: string): Forwarded => ({ ...req, method: 'GET', path, query: new URLSearchParams(), body: '' });
const post = (req: Forwarded, path: string): Forwarded => ({ ...req, method: 'POST', path, query: new URLSearchParams(), body: '' });

/** A refusal answered as a success with the (unchanged) invoice. */
function acceptedInstead(name: string, code: string): PlantedDefect['breakage'] {
  return {
    response: async (req, a, forward) => (action(req, name) && refusedWith(a, code) ? { ...(await forward(get(req, invoicePath(req)))), status: 200 } : a),
  };
}

const base = { include: LIFECYCLE_OPERATIONS, only: ['lifecycle'], checks: ['lifecycle'] };

export const LIFECYCLE_DEFECTS: PlantedDefect[] = [
  { ...base, name: 'mark-sent allowed from sent (200 instead of 409 invalid_transition)', breakage: acceptedInstead('mark-sent', 'invalid_transition') },
  {
    ...base,
    name: 'a refused void that still marks the invoice sent',
    breakage: {
      response: async (req, a, forward) => {
        if (action(req, 'void') && refusedWith(a, 'invalid_transition')) await forward(post(req, `${invoicePath(req)}/mark-sent`));
        return a;
      },
    },
  },
  {
    ...base,
    name: 'mark-paid refused with the wrong problem code (invoice_not_editable instead of invalid_transition)',
    breakage: { response: (req, a) => (action(req, 'mark-paid') && refusedWith(a, 'invalid_transition') ? withJson(a, { ...json(a), code: 'invoice_not_editable' }) : a) },
  },
  {
    ...base,
    name: 'void answered 200 while a sent invoice stays sent',
    breakage: {
      // The void of a sent invoice is turned into a read and answered as if voided; any other void goes through.
      request: (req) => (action(req, 'void') ? { ...get(req, invoicePath(req)), headers: { ...req.headers, 'x-planted-void': '1' } } : req),
      response: async (req, a, forward) => {
        if (req.headers['x-planted-void'] !== '1') return a;
        if (a.status === 200 && json(a).status === 'sent') return withJson(a, { ...json(a), status: 'void' });
        const { 'x-planted-void': _, ...headers } = req.headers;
        return forward({ ...post(req, `${req.path}/void`), headers });
      },
    },
  },
  {
    ...base,
    name: 'trash accepted for an invoice with payments (204 instead of 409 invoice_has_payments)',
    breakage: { response: (req, a) => (req.method === 'DELETE' && INVOICE.test(req.path) && !req.query.has('permanent') && refusedWith(a, 'invoice_has_payments') ? { status: 204, headers: { 'x-request-id': a.headers['x-request-id'] ?? 'planted' }, body: '' } : a) },
  },
  {
    ...base,
    name: 'a void invoice that still shows an amount due',
    breakage: {
      response: (req, a) => {
        if (a.status !== 200 || !INVOICE.test(req.path) || !a.headers['content-type']?.startsWith('application/json')) return a;
        const body = json(a);
        return body.status === 'void' ? withJson(a, { ...body, amount_due: body.total - body.amount_paid - body.amount_credited }) : a;
      },
    },
  },
  { ...base, name: 'restore of an invoice not in the trash answered 200', breakage: acceptedInstead('restore', 'invoice_not_in_trash') },
  { ...base, name: 'unpublish of an unpublished invoice answered 200', breakage: acceptedInstead('unpublish', 'not_published') },
  {
    ...base,
    name: 'a refused permanent delete that still removes the invoice',
    breakage: {
      response: async (req, a, forward) => {
        if (req.method === 'DELETE' && req.query.get('permanent') === 'true' && refusedWith(a, 'invoice_not_in_trash')) {
          const trash = await forward({ ...req, query: new URLSearchParams() });
          if (trash.status === 204) await forward(req);
        }
        return a;
      },
    },
  },
];
