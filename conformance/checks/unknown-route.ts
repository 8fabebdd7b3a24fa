import type { Check } from '../types.ts';
import { statusText } from './util.ts';

export const unknownRoute: Check = {
  id: 'unknown_route',
  severity: 'low',
  description: "A path that is not in the contract gets a 404 problem, under the API's prefix and beneath a real resource alike.",
  inline: false,
  async run(ctx, exchange) {
    if (!exchange.operation || exchange.case.origin === 'probe' || !ctx.once('unknown_route')) return;
    const tag = ctx.options.runTag.replace(/[^A-Za-z0-9-]/g, '');
    const paths = [`${ctx.contract.apiPrefix}/conformance-no-such-route-${tag}`, `${exchange.case.request.path.replace(/\/$/, '')}/conformance-no-such-child-${tag}`];
    for (const path of paths.filter((p) => ctx.contract.routes.match('GET', p).kind === 'none')) {
      const probe = await ctx.send({ origin: 'probe', label: `unknown_route: GET ${path}`, request: { method: 'GET', path } });
      const got = probe.response;
      if (!got) continue;
      if (got.status === 404) ctx.pass('(unknown route)');
      else ctx.fail({ exchange: probe, operationId: '(unknown route)', cause: `GET unknown path → ${got.status}`, message: 'A path the contract does not have must be a 404 problem', expected: '404', got: statusText(got) });
    }
  },
};
