import { createHash } from 'node:crypto';
import type { Clock } from '../deps.ts';
import { ApiError } from './problem.ts';

export type StoredResponse = { status: number; headers: Record<string, string>; body: unknown; contentType: string };

type Entry = { fingerprint: string; state: 'in_flight' | 'done'; response?: StoredResponse; expiresAt: number };

/** A finished key as a durable sink keeps it. */
export type IdempotencyRecord = { fingerprint: string; response: StoredResponse; expiresAt: number };

/** Where finished keys are also kept (the `--data-dir` database), in the same commit as the request's changes. */
export interface IdempotencySink {
  save(id: string, record: IdempotencyRecord): void;
  remove(id: string): void;
  clear(): void;
}

const TTL_MS = 24 * 60 * 60 * 1000;
const MAX_ENTRIES = 50_000;

/** Remembers the first response per (credential, Idempotency-Key) for 24 hours. */
export class IdempotencyKeys {
  private readonly entries = new Map<string, Entry>();
  constructor(
    private readonly clock: Clock,
    private readonly sink?: IdempotencySink,
  ) {}

  /** Puts back finished keys read from the sink at start. */
  load(records: Iterable<[string, IdempotencyRecord]>) {
    for (const [id, record] of records) this.entries.set(id, { ...record, state: 'done' });
  }

  /** After a failed commit: the finished keys become what the sink holds; keys in flight stay reserved. */
  reload(records: Iterable<[string, IdempotencyRecord]>) {
    for (const [id, entry] of this.entries) if (entry.state === 'done') this.entries.delete(id);
    this.load(records);
  }

  static fingerprint(method: string, path: string, body: unknown): string {
    return createHash('sha256').update(`${method} ${path}\n${JSON.stringify(body ?? null)}`).digest('hex');
  }

  /** Starts a request: returns a replay, throws 409/422, or reserves the key. */
  begin(credential: string, key: string, fingerprint: string): StoredResponse | undefined {
    const id = `${credential}\u0000${key}`;
    const now = this.clock.now().getTime();
    const entry = this.entries.get(id);
    if (entry && entry.expiresAt > now) {
      if (entry.fingerprint !== fingerprint) {
        throw new ApiError('idempotency_key_reused', 'This Idempotency-Key was first used with another request (path or body); use a new key.');
      }
      if (entry.state === 'in_flight') throw new ApiError('idempotency_in_flight', 'A request with this Idempotency-Key is still running; retry later.');
      return entry.response;
    }
    if (this.entries.size >= MAX_ENTRIES) this.evict(now);
    this.entries.set(id, { fingerprint, state: 'in_flight', expiresAt: now + TTL_MS });
    return undefined;
  }

  finish(credential: string, key: string, response: StoredResponse | undefined) {
    const id = `${credential}\u0000${key}`;
    const entry = this.entries.get(id);
    if (!entry) return;
    // A server failure is not an answer worth replaying: free the key for a retry.
    if (!response || response.status >= 500) this.entries.delete(id);
    else {
      Object.assign(entry, { state: 'done', response });
      this.sink?.save(id, { fingerprint: entry.fingerprint, response, expiresAt: entry.expiresAt });
    }
  }

  clear() {
    this.entries.clear();
    this.sink?.clear();
  }

  private evict(now: number) {
    for (const [id, entry] of this.entries) if (entry.expiresAt <= now) this.drop(id);
    // Still full: drop the oldest (Map keeps insertion order).
    for (const id of this.entries.keys()) {
      if (this.entries.size < MAX_ENTRIES) break;
      this.drop(id);
    }
  }

  private drop(id: string) {
    if (this.entries.get(id)?.state === 'done') this.sink?.remove(id);
    this.entries.delete(id);
  }
}
