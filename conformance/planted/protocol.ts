import { json, PRIMARY_KEY, withJson, type PlantedDefect } from '../broken-server.test-helper.ts';

/** Part 1's planted defects: each breaks one protocol or schema rule of the reference server. */
export const problem = (status: number, code: string) => ({ type: `https://invoicekit.dev/problems/${code}`, title: code, status, code, detail: 'broken on purpose', request_id: 'req_broken' });
export const isPath = (path: string, re: RegExp) => re.test(path);

/** Each variant breaks one rule; only the checks named must fail. */
export const PROTOCOL_DEFECTS: PlantedDefect[] = [
  {
    name: 'a 500 on the next-number preview',
    checks: ['server_error'],
    include: ['previewNextInvoiceNumber'],
    breakage: { response: (req, a) => (req.path.endsWith('/next-number') && req.method === 'GET' ? { ...withJson(a, problem(500, 'internal_error'), 500), headers: { ...a.headers, 'content-type': 'application/problem+json' } } : a) },
  },
  {
    name: 'an undocumented 203 on reading a customer',
    checks: ['status_documented'],
    include: ['getCustomer'],
    breakage: { response: (req, a) => (req.method === 'GET' && isPath(req.path, /^\/api\/v1\/customers\/[^/]+$/) && a.status === 200 ? { ...a, status: 203 } : a) },
  },
  {
    name: 'the next-number preview served as text/plain',
    checks: ['content_type_documented'],
    include: ['previewNextInvoiceNumber'],
    breakage: { response: (req, a) => (req.method === 'GET' && req.path.endsWith('/next-number') && a.status === 200 ? { ...a, headers: { ...a.headers, 'content-type': 'text/plain' } } : a) },
  },
  {
    name: 'no Location on a created customer',
    checks: ['response_headers'],
    include: ['createCustomer'],
    breakage: { response: (_req, a) => (a.status === 201 ? { ...a, headers: Object.fromEntries(Object.entries(a.headers).filter(([k]) => k !== 'location')) } : a) },
  },
  {
    name: 'a PDF link whose expiry is a number',
    checks: ['response_schema'],
    include: ['getInvoicePdfLink'],
    breakage: { response: (req, a) => (req.path.endsWith('/pdf-link') && a.status === 200 ? withJson(a, { ...json(a), expires_at: 12 }) : a) },
  },
  {
    name: 'a problem code the contract does not list',
    checks: ['problem_details'],
    include: ['voidInvoice'],
    breakage: { response: (_req, a) => (a.status === 409 ? withJson(a, { ...json(a), code: 'mystery_conflict' }) : a) },
  },
  {
    // The token endpoint documents RFC 6749 application/json errors: problem+json departs from it.
    name: 'the token endpoint answering its errors as problem+json',
    checks: ['problem_details', 'content_type_documented'],
    include: ['createAccessToken'],
    extra: { oauthClientId: 'acme-client', oauthClientSecret: 'acme-secret' },
    breakage: { response: (req, a) => (req.path === '/oauth/token' && a.status >= 400 ? { ...withJson(a, problem(a.status, 'validation_failed')), headers: { ...a.headers, 'content-type': 'application/problem+json' } } : a) },
  },
  {
    name: 'a token error whose error code is not one of RFC 6749',
    checks: ['problem_details'],
    include: ['createAccessToken'],
    extra: { oauthClientId: 'acme-client', oauthClientSecret: 'acme-secret' },
    breakage: { response: (req, a) => (req.path === '/oauth/token' && a.status === 400 ? withJson(a, { ...json(a), error: 'bad_request' }) : a) },
  },
  {
    name: 'an out-of-range limit quietly clamped',
    checks: ['invalid_input_rejected'],
    include: ['listCustomers'],
    breakage: {
      request: (req) => {
        const limit = req.query.get('limit');
        if (limit !== null && !/^(100|[1-9]\d?)$/.test(limit)) req.query.set('limit', '20');
        return req;
      },
    },
  },
  {
    name: 'a refused invoice create that stores a draft anyway',
    checks: ['refused_write_leaves_nothing'],
    include: ['createInvoice'],
    breakage: {
      response: async (req, a, forward) => {
        if (req.method !== 'POST' || req.path !== '/api/v1/invoices' || a.status !== 400) return a;
        const customer = (() => {
          try {
            return JSON.parse(req.body).customer_id;
          } catch {
            return undefined;
          }
        })();
        if (typeof customer === 'string') await forward({ ...req, body: JSON.stringify({ customer_id: customer, line_items: [{ description: 'leftover', quantity: 1, unit_price: 100 }] }) });
        return a;
      },
    },
  },
  {
    name: 'customers with a phone refused as invalid',
    checks: ['valid_input_accepted'],
    include: ['createCustomer'],
    breakage: {
      response: (req, a) => {
        if (req.method !== 'POST' || req.path !== '/api/v1/customers' || a.status !== 201 || !('phone' in JSON.parse(req.body))) return a;
        return { ...withJson(a, { ...problem(400, 'validation_failed'), errors: [{ pointer: '/body/phone', message: 'not allowed', keyword: 'broken' }] }, 400), headers: { 'content-type': 'application/problem+json', 'x-request-id': 'req_broken' } };
      },
    },
  },
  {
    name: 'customer lists served without a credential',
    checks: ['auth_required'],
    include: ['listCustomers'],
    breakage: { request: (req) => (req.path === '/api/v1/customers' && req.method === 'GET' ? { ...req, headers: { ...req.headers, authorization: `Bearer ${PRIMARY_KEY}` } } : req) },
  },
  {
    name: 'a 404 instead of 405 for DELETE on the customer collection',
    checks: ['method_not_allowed'],
    include: ['listCustomers'],
    breakage: { response: (req, a) => (req.method === 'DELETE' && req.path === '/api/v1/customers' ? { ...withJson(a, problem(404, 'route_not_found'), 404), headers: { ...a.headers, 'content-type': 'application/problem+json' } } : a) },
  },
  {
    name: 'unknown routes answered 400',
    checks: ['unknown_route'],
    include: ['getCustomer'],
    breakage: { response: (_req, a) => (a.status === 404 && a.body.includes('route_not_found') ? withJson(a, problem(400, 'validation_failed'), 400) : a) },
  },
  {
    name: 'a customer read back with another name than it was created with',
    checks: ['created_resource_readable'],
    include: ['createCustomer'],
    breakage: { response: (req, a) => (req.method === 'GET' && isPath(req.path, /^\/api\/v1\/customers\/[^/]+$/) && a.status === 200 ? withJson(a, { ...json(a), name: `${json(a).name} (stale)` }) : a) },
  },
  {
    name: 'a payment delete acknowledged but not done (an unknown payment too)',
    checks: ['deleted_resource_gone', 'unknown_id'],
    include: ['deletePayment'],
    breakage: { request: (req) => (req.method === 'DELETE' && /\/payments\/pay_[A-Za-z0-9]+$/.test(req.path) ? { ...req, method: 'GET', path: req.path.replace(/\/payments\/[^/]+$/, ''), headers: { ...req.headers, 'x-broken-delete': '1' } } : req), response: (req, a) => (req.method === 'GET' && a.status === 200 && /^\/api\/v1\/invoices\/[^/]+$/.test(req.path) && req.headers['x-broken-delete'] ? { status: 204, headers: { 'x-request-id': 'req_broken' }, body: '' } : a) },
  },
  {
    name: 'an unknown invoice id answered 403 instead of 404',
    checks: ['unknown_id'],
    include: ['getInvoice'],
    breakage: { response: (req, a) => (req.method === 'GET' && /^\/api\/v1\/invoices\/inv_[z9]+$/.test(req.path) && a.status === 404 ? withJson(a, { ...json(a), status: 403, code: 'insufficient_scope' }, 403) : a) },
  },
  {
    name: 'a text/plain body parsed as JSON anyway',
    checks: ['unsupported_media_type'],
    include: ['createCustomer'],
    breakage: { request: (req) => (req.headers['content-type']?.startsWith('text/plain') ? { ...req, headers: { ...req.headers, 'content-type': 'application/json' } } : req) },
  },
  {
    name: 'a body over 1 MiB answered 400 instead of 413',
    checks: ['payload_too_large'],
    include: ['createCustomer'],
    breakage: { response: (req, a) => (req.body.length > 1024 * 1024 && a.status === 413 ? withJson(a, { ...json(a), status: 400, code: 'validation_failed', errors: [] }, 400) : a) },
  },
];
