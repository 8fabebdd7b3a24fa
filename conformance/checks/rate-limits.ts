import { PrerequisiteError } from '../resources.ts';
import type { CheckContext, Exchange, ScenarioCheck } from '../types.ts';
import { problemCode, statusText } from './util.ts';

const ID = 'rate_limits';
const RULE = 'contract: Rate limits';
/** Bounds of the burst: at most twice the announced limit, this many requests in all, this long. */
const MAX_BURST = 600;
const BURST_MS = 30_000;
/** The longest wait for Retry-After the check accepts; longer is skipped with the reason. */
const MAX_WAIT_SECONDS = 65;
/** Slack for clocks that round the window's end. */
const SLACK_MS = 250;
const CONCURRENCY = 8;

/** `120;w=60` (draft-ietf-httpapi-ratelimit-headers-07) → limit and window. */
export function parsePolicy(header: string | undefined): { limit: number; window?: number } | undefined {
  const m = /^\s*(\d+)\s*(?:;(.*))?$/.exec(header?.split(',')[0] ?? '');
  if (!m) return undefined;
  const w = /(?:^|;)\s*w\s*=\s*(\d+)/.exec(m[2] ?? '');
  return { limit: Number(m[1]), ...(w ? { window: Number(w[1]) } : {}) };
}

/** `limit=120, remaining=119, reset=60` → its numbers. */
export function parseRateLimit(header: string | undefined): { limit?: number; remaining?: number; reset?: number } | undefined {
  if (!header) return undefined;
  const out: Record<string, number> = {};
  for (const m of header.matchAll(/(limit|remaining|reset)\s*=\s*(\d+)/g)) out[m[1]!] = Number(m[2]);
  return 'remaining' in out ? out : undefined;
}

export const rateLimits: ScenarioCheck = {
  id: ID,
  kind: 'scenario',
  inline: false,
  exclusive: true,
  severity: 'medium',
  description: 'A bounded burst reaches 429 rate_limited with Retry-After and consistent RateLimit/RateLimit-Policy headers (remaining counts down to 0); after waiting as told, requests succeed again.',
  requires: ['rate-limit-check'],
  operations: [],
  async run(ctx) {
    // The cheapest secured read without ids: every request of the burst costs the server little.
    const read = ctx.contract.operations.find((o) => o.method === 'get' && !o.path.includes('{') && ((o.operation.security ?? ctx.contract.doc.security ?? []) as unknown[]).length > 0 && o.operation.responses?.['429']);
    if (!read) throw new PrerequisiteError('the contract has no secured GET without ids that documents a 429');
    const query = read.parameters.some((p) => p.name === 'limit') ? { limit: '1' } : undefined;
    let sent = 0;
    const hit = (label: string, raw = true) => ctx.send({ origin: 'probe', operationId: read.operationId, label: `${ID}: ${label}`, request: { method: 'GET', path: read.path, ...(query ? { query } : {}), rawRateLimit: raw } }).finally(() => sent++);
    const fail = (exchange: Exchange, rule: string, cause: string, expected: string, got?: string) =>
      ctx.fail({ exchange, operationId: read.operationId, cause, message: `${rule} (${RULE})`, expected, got: got ?? (exchange.response ? statusText(exchange.response) : '(no answer)') });

    // The run's earlier requests may have spent the window: this one waits it out as any other request does.
    const first = await hit('read the policy', false);
    if (!first.response) return;
    const policy = parsePolicy(first.response.headers['ratelimit-policy']);
    const state = parseRateLimit(first.response.headers.ratelimit);
    if (first.response.status === 429) throw new PrerequisiteError(`${ID} could not start: the credential is still rate limited after waiting Retry-After (${first.response.headers['retry-after'] ?? 'absent'})`);
    if (!policy || !state) return fail(first, 'Every authenticated answer carries RateLimit-Policy (`120;w=60`) and RateLimit (`limit=…, remaining=…, reset=…`)', 'rate-limit headers missing', 'RateLimit-Policy and RateLimit', `RateLimit-Policy: ${first.response.headers['ratelimit-policy'] ?? '(absent)'}, RateLimit: ${first.response.headers.ratelimit ?? '(absent)'}`);
    if (state.limit !== undefined && state.limit !== policy.limit) return fail(first, 'RateLimit names the limit of RateLimit-Policy', 'RateLimit and RateLimit-Policy disagree', `limit=${policy.limit}`, first.response.headers.ratelimit);
    const budget = Math.min(2 * policy.limit + 2, MAX_BURST);
    if (state.remaining! + 1 > MAX_BURST) throw new PrerequisiteError(`the limit (${policy.limit}) is too large for a bounded burst of ${MAX_BURST} requests`);

    // A few requests one by one: remaining counts down by one each time.
    let previous = state.remaining!;
    for (let i = 0; i < 3 && previous > 1; i++) {
      const next = await hit(`count down ${i + 1}`);
      const now = parseRateLimit(next.response?.headers.ratelimit);
      if (!next.response || next.response.status === 429) break;
      if (!now || now.remaining! >= previous) return fail(next, 'RateLimit remaining decreases with every request of the window', 'remaining does not decrease', `remaining < ${previous}`, next.response.headers.ratelimit ?? '(absent)');
      previous = now.remaining!;
    }

    // The burst, bounded in count and time, until the first 429.
    const deadline = Date.now() + BURST_MS;
    let limited: Exchange | undefined;
    while (!limited && sent < budget && Date.now() < deadline) {
      const wave = await Promise.all(Array.from({ length: Math.min(CONCURRENCY, budget - sent) }, (_, i) => hit(`burst ${sent + i + 1}`)));
      limited = wave.find((e) => e.response?.status === 429);
      if (wave.every((e) => !e.response)) return;
    }
    if (!limited) {
      const last = await hit('after the burst');
      return fail(last, `Past the limit RateLimit-Policy announces (${policy.limit} per window), the answer is 429 rate_limited`, 'no 429 past the limit', `429 within ${budget} requests`, `${sent} requests, none refused`);
    }
    const got = limited.response!;
    const retryText = got.headers['retry-after'];
    const retryAfter = retryText !== undefined && /^\s*\d+\s*$/.test(retryText) ? Number(retryText) : undefined;
    if (problemCode(got) !== 'rate_limited') return fail(limited, 'A 429 is the problem rate_limited', '429 without rate_limited', '429 rate_limited');
    if (retryAfter === undefined) return fail(limited, 'A 429 carries Retry-After in seconds', '429 without Retry-After', 'Retry-After: <seconds>', retryText ?? '(absent)');
    const at429 = parseRateLimit(got.headers.ratelimit);
    if (!parsePolicy(got.headers['ratelimit-policy']) || !at429) return fail(limited, 'A 429 carries RateLimit-Policy and RateLimit too', '429 without rate-limit headers', 'RateLimit-Policy and RateLimit', `RateLimit-Policy: ${got.headers['ratelimit-policy'] ?? '(absent)'}, RateLimit: ${got.headers.ratelimit ?? '(absent)'}`);
    if (at429.remaining !== 0) return fail(limited, 'At the 429, RateLimit says remaining=0', '429 with remaining above 0', 'remaining=0', got.headers.ratelimit);
    if (at429.reset !== undefined && retryAfter > at429.reset + 1) return fail(limited, 'Retry-After does not outlast the window the RateLimit reset announces', 'Retry-After longer than the reset', `≤ ${at429.reset} s`, `${retryAfter} s`);
    if (retryAfter > MAX_WAIT_SECONDS) {
      ctx.pass(read.operationId);
      return ctx.skip('(after Retry-After)', `Retry-After is ${retryAfter} s, longer than the ${MAX_WAIT_SECONDS} s this check waits: recovery not judged`);
    }

    // Wait as told, then the credential works again.
    await wait(ctx, retryAfter * 1000 + SLACK_MS);
    const recovered = await hit(`after waiting Retry-After (${retryAfter} s)`);
    if (!recovered.response) return;
    if (recovered.response.status === 429) return fail(recovered, 'After waiting Retry-After seconds, requests succeed again', '429 after waiting Retry-After', '2xx', `429 after waiting ${retryAfter} s (Retry-After: ${recovered.response.headers['retry-after'] ?? 'absent'})`);
    ctx.pass(read.operationId);
  },
};

const wait = (_ctx: CheckContext, ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
