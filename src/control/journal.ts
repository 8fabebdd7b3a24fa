import type { NextFunction, Request, Response } from 'express';
import { performance } from 'node:perf_hooks';
import { epochMs, type Clock } from '../deps.ts';
import { keyFingerprint } from '../http/auth.ts';

export type JournalEntry = {
  id: number;
  at: string;
  method: string;
  path: string;
  query: string;
  tenant: string | null;
  /** An API key's fingerprint or an OAuth client id. */
  credential: string | null;
  request_headers: Record<string, string>;
  request_body: string | null;
  status: number;
  response_headers: Record<string, string>;
  response_body: string | null;
  duration_ms: number;
};

const MAX_ENTRIES = 1000;
const MAX_BODY = 64 * 1024;

type Chunk = Buffer | { text: string; encoding: BufferEncoding };

/** What a response in flight has written so far (the first MAX_BODY bytes, and then some). */
type Capture = { startedMs: number; atMs: number; chunks: Chunk[]; bytes: number };

/**
 * A request as answered, kept raw: references to what the request already holds, a copy of the
 * response headers, and larger bodies as Buffers (off the JS heap: 1,000 list pages held as strings
 * were ~60 MB of heap, which V8 lets grow to several times that between collections). It becomes a
 * JournalEntry (headers flattened, bodies decoded and cleared of secrets) only when the control
 * API asks for it, at most once. Neither the request nor the response object is kept.
 */
type Recorded = {
  id: number;
  atMs: number;
  method: string;
  path: string;
  query: string;
  tenant: string | null;
  /** The principal's credential id (`key:…` or `client:…`), as recorded. */
  credentialId: string | null;
  /** The raw credential (an API key or a client id), for the filter only: it is never shown. Set by show(). */
  credential?: string | null;
  apiKey: boolean;
  requestHeaders: Record<string, unknown>;
  requestBody: Buffer | undefined;
  /** Bodies over MAX_BODY are shown at once, so that no more than MAX_BODY of them is kept. */
  requestShown?: string | null;
  responseShown?: string | null;
  status: number;
  responseHeaders: Record<string, unknown>;
  responseBody: Chunk | undefined;
  durationMs: number;
  shown?: JournalEntry;
};

const CAPTURE = Symbol('journal capture');
type Captured = Response & { [CAPTURE]?: Capture };

function toBuffer(chunk: Chunk): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.text, chunk.encoding);
}

/** Bodies up to this size stay as written (a GET's body is often a string the server keeps cached anyway). */
const KEPT_AS_WRITTEN = 8 * 1024;

/** The chunks as one, larger bodies as a Buffer, off the JS heap (undefined when nothing was written). */
function joined(chunks: Chunk[], bytes: number): Chunk | undefined {
  if (chunks.length > 1) return Buffer.concat(chunks.map(toBuffer));
  const only = chunks[0];
  return only === undefined || bytes <= KEPT_AS_WRITTEN ? only : toBuffer(only);
}

function asText(chunk: Chunk | undefined, contentType: unknown): string | null {
  const buffer = chunk && toBuffer(chunk);
  if (!buffer?.length) return null;
  const type = contentType === undefined ? undefined : String(contentType);
  if (type && !/json|text|xml|x-www-form-urlencoded|csv|html/.test(type)) return `(${buffer.length} bytes of ${type})`;
  const text = buffer.subarray(0, MAX_BODY).toString('utf8');
  return buffer.length > MAX_BODY ? `${text}… (${buffer.length} bytes)` : text;
}

function flatHeaders(headers: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = name.toLowerCase() === 'authorization' ? String(value).replace(/^(\S+)\s+.*$/, '$1 [redacted]') : Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}

/** The token endpoint's secrets (client secret in, access token out) as fingerprints, like API keys. */
function withoutSecrets(text: string | null): string | null {
  return text && text.replace(/("?(?:client_secret|access_token)"?\s*[:=]\s*"?)([^"&\s]+)/g, (_, name: string, secret: string) => name + keyFingerprint(secret));
}

function capture(res: Captured, chunk: unknown, encoding: unknown): void {
  const c = res[CAPTURE];
  if (!c || chunk === undefined || chunk === null || typeof chunk === 'function' || c.bytes >= MAX_BODY) return;
  if (Buffer.isBuffer(chunk)) {
    c.chunks.push(chunk);
    c.bytes += chunk.length;
    return;
  }
  const text = String(chunk);
  const enc = typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8';
  c.chunks.push({ text, encoding: enc });
  c.bytes += Buffer.byteLength(text, enc);
}

/** The last requests the API answered, newest kept, for tests to check what their client sent. */
export class Journal {
  /** A ring of the last MAX_ENTRIES requests; `next` is where the next one goes. */
  private ring: Array<Recorded | undefined> = new Array(MAX_ENTRIES);
  private next = 0;
  private nextId = 1;
  private readonly patched = new WeakSet<object>();
  /** The response prototype patched last (one per app): most requests skip the WeakSet. */
  private lastPatched: object | undefined;
  /** The one 'close' listener every journaled response shares: `this` is the response (EventEmitter calls listeners on their emitter). */
  private readonly onClose: (this: Captured) => void;
  constructor(private readonly clock: Clock) {
    const journal = this;
    this.onClose = function (this: Captured) {
      journal.record(this.req, this);
    };
  }

  list(filter: { path?: string; status?: number; credential?: string; limit?: number } = {}): JournalEntry[] {
    const out: JournalEntry[] = [];
    const limit = filter.limit ?? 100;
    for (let n = 1; n <= MAX_ENTRIES && out.length < limit; n++) {
      const r = this.ring[(this.next - n + MAX_ENTRIES) % MAX_ENTRIES];
      if (!r) break;
      if (filter.path && !r.path.startsWith(filter.path)) continue;
      if (filter.status !== undefined && r.status !== filter.status) continue;
      const shown = this.show(r);
      if (filter.credential && shown.credential !== filter.credential && r.credential !== filter.credential && r.tenant !== filter.credential) continue;
      out.push(shown);
    }
    return out;
  }

  clear() {
    this.ring = new Array(MAX_ENTRIES);
    this.next = 0;
  }

  /**
   * Makes the responses of an Express app report what they write, once for the app: its response
   * prototype's write and end note each chunk of a response the middleware is journaling. No
   * function is bound per request.
   */
  captureResponses(responsePrototype: object): void {
    if (this.patched.has(responsePrototype)) return;
    this.patched.add(responsePrototype);
    const proto = responsePrototype as Response;
    const write = proto.write;
    const end = proto.end;
    // Fixed parameters rather than rest arguments: no array is made per call.
    proto.write = function (this: Captured, chunk: unknown, encoding?: unknown, callback?: unknown) {
      capture(this, chunk, encoding);
      return (write as (...args: unknown[]) => boolean).call(this, chunk, encoding, callback);
    } as Response['write'];
    proto.end = function (this: Captured, chunk?: unknown, encoding?: unknown, callback?: unknown) {
      capture(this, chunk, encoding);
      return (end as (...args: unknown[]) => Response).call(this, chunk, encoding, callback);
    } as Response['end'];
  }

  /** Starts recording a request, unless it is the control API's (bodies as sent and as answered). */
  start(req: Request, res: Response, pathname: string = req.path): void {
    if (pathname.startsWith('/control/')) return;
    const proto = Object.getPrototypeOf(res) as object;
    if (proto !== this.lastPatched) {
      this.captureResponses(proto);
      this.lastPatched = proto;
    }
    (res as Captured)[CAPTURE] = { startedMs: performance.now(), atMs: epochMs(this.clock), chunks: [], bytes: 0 };
    // A response emits close once, finished or cut: one listener, shared, no closure per request.
    res.on('close', this.onClose);
  }

  /** start() as Express middleware. */
  readonly middleware = (req: Request, res: Response, next: NextFunction) => {
    this.start(req, res);
    next();
  };

  private record(req: Request, res: Captured): void {
    const c = res[CAPTURE];
    if (!c) return;
    res[CAPTURE] = undefined;
    const dropped = !res.writableFinished;
    const principal = (req as Request & { principal?: { tenant: string; credentialId: string; kind: string } }).principal;
    const url = req.originalUrl;
    const queryIndex = url.indexOf('?');
    const entry: Recorded = {
      id: this.nextId++,
      atMs: c.atMs,
      method: req.method,
      path: req.path,
      query: queryIndex >= 0 ? url.slice(queryIndex + 1) : '',
      tenant: principal?.tenant ?? null,
      credentialId: principal ? principal.credentialId : null,
      apiKey: principal?.kind === 'api_key',
      requestHeaders: req.headers,
      // The pipeline reads bodies as raw Buffers; listening here would race it for the stream.
      requestBody: Buffer.isBuffer(req.body) ? req.body : undefined,
      status: dropped ? 0 : res.statusCode,
      responseHeaders: res.getHeaders() as Record<string, unknown>,
      responseBody: dropped ? undefined : joined(c.chunks, c.bytes),
      durationMs: Math.floor(performance.now() - c.startedMs),
    };
    if (entry.requestBody && entry.requestBody.length > MAX_BODY) {
      entry.requestShown = withoutSecrets(asText(entry.requestBody, entry.requestHeaders['content-type']));
      entry.requestBody = undefined;
    }
    if (c.bytes > MAX_BODY) {
      entry.responseShown = withoutSecrets(asText(entry.responseBody, entry.responseHeaders['content-type']));
      entry.responseBody = undefined;
    }
    this.ring[this.next] = entry;
    this.next = (this.next + 1) % MAX_ENTRIES;
  }

  private show(r: Recorded): JournalEntry {
    if (r.shown) return r.shown;
    r.credential = r.credentialId === null ? null : r.credentialId.replace(/^(key|client):/, '');
    const credential = r.credential !== null && r.apiKey ? keyFingerprint(r.credential) : r.credential;
    r.shown = {
      id: r.id,
      at: new Date(r.atMs).toISOString(),
      method: r.method,
      path: r.path,
      query: r.query,
      tenant: r.tenant,
      credential,
      request_headers: flatHeaders(r.requestHeaders),
      request_body: r.requestShown !== undefined ? r.requestShown : withoutSecrets(asText(r.requestBody, r.requestHeaders['content-type'])),
      status: r.status,
      response_headers: flatHeaders(r.responseHeaders),
      response_body: r.responseShown !== undefined ? r.responseShown : withoutSecrets(asText(r.responseBody, r.responseHeaders['content-type'])),
      duration_ms: r.durationMs,
    };
    // The raw parts are no longer needed once shown.
    r.requestBody = undefined;
    r.responseBody = undefined;
    return r.shown;
  }
}
