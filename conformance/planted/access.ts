import { createHash } from 'node:crypto';
import { ADMIN_TOKEN, json, PRIMARY_KEY, SECOND_KEY, withJson, type Answer, type PlantedDefect } from '../broken-server.test-helper.ts';

const B = `Bearer ${SECOND_KEY}`;
const A = `Bearer ${PRIMARY_KEY}`;
const problem = (answer: Answer, status: number, code: string, detail: string): Answer => ({
  ...answer,
  status,
  headers: { ...answer.headers, 'content-type': 'application/problem+json' },
  body: JSON.stringify({ type: `https://invoicekit.dev/problems/${code}`, title: code, status, code, detail, request_id: answer.headers['x-request-id'] ?? 'req_planted' }),
});

const IDEMPOTENCY = { checks: ['idempotency'], include: ['createCustomer', 'createInvoice'], only: ['idempotency'] };
const ISOLATION = { checks: ['tenant_isolation'], include: ['createCustomer', 'createInvoice', 'getInvoice', 'listInvoices'], only: ['tenant_isolation'], extra: { secondApiKey: SECOND_KEY } };
const SCOPES = { checks: ['scopes'], include: ['createCustomer', 'createInvoice'], only: ['scopes'], extra: { oauthClientId: 'acme-client', oauthClientSecret: 'acme-secret' } };
const RATE = { checks: ['rate_limits'], include: ['listCustomers'], only: ['rate_limits'], extra: { rateLimitCheck: true }, rateLimit: 40 };

export const ACCESS_DEFECTS: PlantedDefect[] = [
  {
    name: 'an Idempotency-Key ignored (stripped before the server sees it)',
    ...IDEMPOTENCY,
    breakage: { request: (req) => ({ ...req, headers: Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== 'idempotency-key')) }) },
  },
  {
    name: 'a replay without Idempotent-Replayed',
    ...IDEMPOTENCY,
    breakage: { response: (_req, a) => ({ ...a, headers: Object.fromEntries(Object.entries(a.headers).filter(([k]) => k !== 'idempotent-replayed')) }) },
  },
  {
    name: 'a key reused with another body accepted (the key is made per body)',
    ...IDEMPOTENCY,
    breakage: {
      request: (req) => {
        const key = req.headers['idempotency-key'];
        return key ? { ...req, headers: { ...req.headers, 'idempotency-key': `${key}-${createHash('sha256').update(req.body).digest('hex').slice(0, 8)}` } } : req;
      },
    },
  },
  {
    name: "another tenant's key accepted on getInvoice (B's key swapped for A's)",
    ...ISOLATION,
    breakage: { request: (req) => (req.method === 'GET' && req.headers.authorization === B && /^\/api\/v1\/invoices\/inv_[^/]+$/.test(req.path) ? { ...req, headers: { ...req.headers, authorization: A } } : req) },
  },
  {
    name: "tenant A's invoice in tenant B's search",
    ...ISOLATION,
    breakage: {
      response: (req, a, forward) => (req.method === 'GET' && req.path === '/api/v1/invoices' && req.query.has('search') && req.headers.authorization === B ? forward({ ...req, headers: { ...req.headers, authorization: A } }) : a),
    },
  },
  {
    name: "a 403 instead of a 404 for another tenant's id",
    ...ISOLATION,
    breakage: {
      // The proxy remembers what tenant A created; B's 404 for one of those ids becomes a 403 (which tells B the id exists).
      response: (() => {
        const owned = new Set<string>();
        return (req, a) => {
          if (req.headers.authorization === A && a.status === 201) {
            const id = json(a).id;
            if (typeof id === 'string') owned.add(id);
          }
          if (req.headers.authorization === B && a.status === 404 && req.path.split('/').some((part) => owned.has(part))) return problem(a, 403, 'insufficient_scope', 'This invoice belongs to another tenant.');
          return a;
        };
      })(),
    },
  },
  {
    name: "scopes ignored (the token request's scope dropped, so every token holds all scopes)",
    ...SCOPES,
    breakage: {
      request: (req) => {
        if (req.method !== 'POST' || req.path !== '/oauth/token') return req;
        const form = new URLSearchParams(req.body);
        form.delete('scope');
        return { ...req, body: form.toString() };
      },
    },
  },
  {
    name: 'an expired access token still accepted (after the clock moved past its lifetime)',
    ...SCOPES,
    extra: { ...SCOPES.extra, adminToken: ADMIN_TOKEN },
    breakage: (() => {
      const issued = new Set<string>();
      let clockMoved = false;
      return {
        // Once the clock has moved, a token this proxy saw issued is swapped for a valid credential: what a server that never checks expiry does.
        request: (req) => {
          if (req.path === '/control/clock/advance') clockMoved = true;
          const token = req.headers.authorization?.replace(/^Bearer /, '');
          return clockMoved && token && issued.has(token) ? { ...req, headers: { ...req.headers, authorization: `Bearer ${PRIMARY_KEY}` } } : req;
        },
        response: (req, a) => {
          if (req.path === '/oauth/token' && a.status === 200) issued.add(json(a).access_token);
          return a;
        },
      };
    })(),
  },
  {
    name: 'a 403 insufficient_scope without WWW-Authenticate',
    ...SCOPES,
    breakage: { response: (_req, a) => (a.status === 403 ? { ...a, headers: Object.fromEntries(Object.entries(a.headers).filter(([k]) => k !== 'www-authenticate')) } : a) },
  },
  {
    name: 'a 429 without Retry-After',
    ...RATE,
    breakage: { response: (_req, a) => (a.status === 429 ? { ...a, headers: Object.fromEntries(Object.entries(a.headers).filter(([k]) => k !== 'retry-after')) } : a) },
  },
  {
    name: 'a 429 that never ends (still 429 after waiting Retry-After)',
    ...RATE,
    breakage: {
      response: (() => {
        let limited: Answer | undefined;
        return (req, a) => {
          if (a.status === 429) limited ??= a;
          return limited && req.method === 'GET' && req.path === '/api/v1/customers' ? withJson(limited, json(limited)) : a;
        };
      })(),
    },
  },
];
