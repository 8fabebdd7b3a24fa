import { randomBytes } from 'node:crypto';

/** Time source; every date and instant the server writes comes from here. */
export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };

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
    return new Date(this.frozenAt ?? this.base.now().getTime() + this.offsetMs);
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

/** Unguessable random text from a cryptographically secure source (tokens, keys). */
export function secureRandomText(length: number): string {
  const bytes = randomBytes(length * 2);
  let out = '';
  for (let i = 0; i < bytes.length && out.length < length; i++) {
    const b = bytes[i]!;
    if (b < 248) out += ALPHABET[b % 62]; // 248 = 4 × 62: no modulo bias
  }
  return out.length === length ? out : out + secureRandomText(length - out.length);
}

export const randomIds: IdGenerator = (prefix) => `${prefix}_${secureRandomText(16)}`;

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
