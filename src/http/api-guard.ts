import type { Request } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { OperationEntry } from '../contract/load.ts';
import { ApiError } from './problem.ts';
import type { Credentials, Principal } from './auth.ts';
import { run, type Guard } from './pipeline.ts';

export type ApiGuardDeps = {
  credentials: Credentials;
  /** Requests per minute per credential; 0 turns the limit off. Read on every request so it can change at run time. */
  rateLimit: () => number;
  /** The window the limit counts in, in seconds (fixed when the server starts). */
  rateLimitWindowSeconds?: number;
};

type WithPrincipal = Request & { principal: Principal };

/** The canonical API's guard: the operation's security requirements, then the rate limit, then its scopes. */
export function apiGuard(deps: ApiGuardDeps): Guard {
  const windowSeconds = deps.rateLimitWindowSeconds ?? 60;
  const limiter = rateLimit({
    windowMs: windowSeconds * 1000,
    limit: () => deps.rateLimit(),
    keyGenerator: (req) => (req as WithPrincipal).principal.credentialId,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    validate: false,
    // express-rate-limit has set Retry-After and the RateLimit headers by the time this runs.
    handler: (_req, res, next) => {
      next(new ApiError('rate_limited', `${deps.rateLimit()} requests per ${windowSeconds} seconds; retry in ${String(res.getHeader('Retry-After'))} seconds.`));
    },
  });
  // API keys share one scope set: the operations it was allowed are remembered (refusals are not).
  const allowedForKeys = new WeakMap<ReadonlySet<string>, WeakSet<OperationEntry>>();
  const authorize = (principal: Principal, entry: OperationEntry, security: Array<Record<string, string[]>>) => {
    if (principal.kind !== 'api_key') return deps.credentials.authorize(principal, security);
    let allowed = allowedForKeys.get(principal.scopes);
    if (allowed?.has(entry)) return;
    deps.credentials.authorize(principal, security);
    if (!allowed) allowedForKeys.set(principal.scopes, (allowed = new WeakSet()));
    allowed.add(entry);
  };

  // Synchronous unless the limiter runs: a request that is not counted costs no promise.
  return (req, res, entry) => {
    const security = (entry.operation.security ?? []) as Array<Record<string, string[]>>;
    if (!security.length) return undefined;
    // Answers to credentials are never stored by a cache, refusals included.
    res.setHeader('Cache-Control', 'no-store');
    const principal = deps.credentials.authenticate(req.headers.authorization);
    (req as WithPrincipal).principal = principal;
    // At 0 the limiter is not run at all (it counts nothing and sets no header); set at run time, it is.
    if (deps.rateLimit() > 0) {
      return run(limiter, req, res).then(() => {
        authorize(principal, entry, security);
        return principal;
      });
    }
    authorize(principal, entry, security);
    return principal;
  };
}
