import { isSecured } from '../contract.ts';
import type { AuthChoice, Check } from '../types.ts';
import { opId, statusText } from './util.ts';

/** Three ways to come without a valid credential; each must be a 401 with a challenge. */
const variants = (tag: string): Array<{ name: string; auth: AuthChoice }> => [
  { name: 'no credential', auth: 'none' },
  { name: 'a malformed Authorization header', auth: { authorization: 'NotBearer conform', label: 'malformed' } },
  { name: 'an unknown API key', auth: { authorization: `Bearer ik_unknown_${tag.replace(/[^A-Za-z0-9]/g, '')}`, label: 'unknown key' } },
];

export const authRequired: Check = {
  id: 'auth_required',
  severity: 'critical',
  description: 'Every secured operation answers 401 with WWW-Authenticate to no credential, a malformed Authorization header and an unknown key.',
  inline: false,
  async run(ctx, exchange) {
    const r = exchange.response;
    const op = exchange.operation;
    // Replay a request the server accepted, so that only the credential differs.
    if (!r || !op || r.status >= 300 || exchange.case.origin === 'probe' || (exchange.case.request.auth ?? 'primary') !== 'primary') return;
    if (!isSecured(ctx.contract.doc, op) || !ctx.once(`auth_required ${op.operationId}`)) return;
    const { method, path, query, json, raw, headers } = exchange.case.request;
    for (const variant of variants(ctx.options.runTag)) {
      const probe = await ctx.send({ origin: 'probe', operationId: op.operationId, label: `auth_required: ${variant.name}`, request: { method, path, ...(query ? { query } : {}), ...(json !== undefined ? { json } : {}), ...(raw ? { raw } : {}), headers: { ...headers, 'Idempotency-Key': `conform-auth-${ctx.options.runTag}-${variant.auth === 'none' ? 'none' : (variant.auth as any).label}-${op.operationId}`.slice(0, 255) }, auth: variant.auth } });
      const got = probe.response;
      if (!got) continue;
      if (got.status !== 401) {
        ctx.fail({ exchange: probe, cause: `${variant.name} → ${got.status}`, message: `A secured operation must refuse ${variant.name} with 401`, expected: '401', got: statusText(got) });
      } else if (!got.headers['www-authenticate']) {
        ctx.fail({ exchange: probe, cause: `${variant.name} → 401 without WWW-Authenticate`, message: 'A 401 must carry a WWW-Authenticate challenge (RFC 9110)', expected: 'WWW-Authenticate: Bearer …', got: '(absent)' });
      } else ctx.pass(opId(probe));
    }
  },
};
