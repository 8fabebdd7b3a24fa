import { randomFillSync } from 'node:crypto';

/** Time source; every date and instant the server writes comes from here. */
export interface Clock {
  now(): Date;
  /** now() in epoch milliseconds, without making a Date (hot paths); absent, now().getTime() is used. */
  nowMs?(): number;
}
export const systemClock: Clock = { now: () => new Date(), nowMs: () => Date.now() };

/** The clock's instant in epoch milliseconds, with no Date made when the clock can say it directly. */
export function epochMs(clock: Clock): number {
  return clock.nowMs ? clock.nowMs() : clock.now().getTime();
}

/** What a data directory keeps of a ControllableClock. */
export type ClockSettings = { frozen_at: number | null; offset_ms: number };

/** A clock tests and the control API can freeze and move. */
export class ControllableClock implements Clock {
  private frozenAt: number | undefined;
  private offsetMs = 0;
  /** `changed` hears of every freeze, move and reset (a data directory persists them). */
  constructor(
    private readonly base: Clock = systemClock,
    private readonly changed?: (settings: ClockSettings) => void,
  ) {}
  settings(): ClockSettings {
    return { frozen_at: this.frozenAt ?? null, offset_ms: this.offsetMs };
  }
  restore(settings: ClockSettings): void {
    this.frozenAt = settings.frozen_at ?? undefined;
    this.offsetMs = settings.offset_ms;
    this.changed?.(this.settings());
  }
  now(): Date {
    return new Date(this.nowMs());
  }
  nowMs(): number {
    return this.frozenAt ?? epochMs(this.base) + this.offsetMs;
  }
  freeze(at: Date): void {
    this.frozenAt = at.getTime();
    this.changed?.(this.settings());
  }
  advance(ms: number): void {
    if (this.frozenAt !== undefined) this.frozenAt += ms;
    else this.offsetMs += ms;
    this.changed?.(this.settings());
  }
  /** A frozen clock runs on from the instant it shows (its distance from the base clock becomes the offset). */
  resume(): void {
    if (this.frozenAt === undefined) return;
    this.offsetMs = this.frozenAt - this.base.now().getTime();
    this.frozenAt = undefined;
    this.changed?.(this.settings());
  }
  reset(): void {
    this.frozenAt = undefined;
    this.offsetMs = 0;
    this.changed?.(this.settings());
  }
  get frozen(): boolean {
    return this.frozenAt !== undefined;
  }
}

/** Id generator: `prefix_` + opaque characters. */
export type IdGenerator = (prefix: string) => string;

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/**
 * Cryptographically secure bytes drawn from a pool refilled in batches: one system call per
 * 4 KiB instead of one per id (a create draws several ids). Every byte is used once.
 */
const pool = Buffer.allocUnsafe(4096);
let poolOffset = pool.length;
function secureByte(): number {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  return pool[poolOffset++]!;
}

/** ALPHABET as character codes, and room to spell one text in (one string made per text, not one per character). */
const ALPHABET_CODES = Buffer.from(ALPHABET, 'latin1');
const spelled = Buffer.allocUnsafe(256);

/** Unguessable random text from a cryptographically secure source (tokens, keys, ids). */
export function secureRandomText(length: number): string {
  if (length > spelled.length) {
    let out = '';
    while (out.length < length) out += secureRandomText(Math.min(spelled.length, length - out.length));
    return out;
  }
  let n = 0;
  while (n < length) {
    const b = secureByte();
    if (b < 248) spelled[n++] = ALPHABET_CODES[b % 62]!; // 248 = 4 × 62: no modulo bias
  }
  return spelled.toString('latin1', 0, Math.max(0, length));
}

export const randomIds: IdGenerator = (prefix) => `${prefix}_${secureRandomText(16)}`;

/** Printable ASCII without spaces, up to 128 characters: an incoming X-Request-Id worth keeping. */
const ACCEPTED_REQUEST_ID = /^[\x21-\x7E]{1,128}$/;

/** The request's id: the caller's X-Request-Id when it is acceptable, otherwise a new unguessable one. */
export function requestIdFor(incoming: string | undefined): string {
  return incoming !== undefined && ACCEPTED_REQUEST_ID.test(incoming) ? incoming : `req_${secureRandomText(24)}`;
}

/** Deterministic ids for tests: prefix_000001, prefix_000002, ... */
export function sequentialIds(): IdGenerator {
  const counters = new Map<string, number>();
  return (prefix) => {
    const n = (counters.get(prefix) ?? 0) + 1;
    counters.set(prefix, n);
    return `${prefix}_${String(n).padStart(6, '0')}`;
  };
}

export function isoDate(clock: Clock): string {
  return clock.now().toISOString().slice(0, 10);
}
