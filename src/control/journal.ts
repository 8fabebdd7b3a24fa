import type { NextFunction, Request, Response } from 'express';
import type { Clock } from '../deps.ts';
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

function asText(chunks: Buffer[], contentType: string | undefined): string | null {
  if (!chunks.length) return null;
  const buffer = Buffer.concat(chunks);
  if (contentType && !/json|text|xml|x-www-form-urlencoded|csv|html/.test(contentType)) return `(${buffer.length} bytes of ${contentType})`;
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

/** The last requests the API answered, newest kept, for tests to check what their client sent. */
export class Journal {
  private entries: JournalEntry[] = [];
  /** The credential each entry was made with, for the filter only: it is never shown. */
  private readonly credentialOf = new WeakMap<JournalEntry, string>();
  private nextId = 1;
  constructor(private readonly clock: Clock) {}

  list(filter: { path?: string; status?: number; credential?: string; limit?: number } = {}): JournalEntry[] {
    const out: JournalEntry[] = [];
    for (let i = this.entries.length - 1; i >= 0 && out.length < (filter.limit ?? 100); i--) {
      const e = this.entries[i]!;
      if (filter.path && !e.path.startsWith(filter.path)) continue;
      if (filter.status !== undefined && e.status !== filter.status) continue;
      if (filter.credential && e.credential !== filter.credential && this.credentialOf.get(e) !== filter.credential && e.tenant !== filter.credential) continue;
      out.push(e);
    }
    return out;
  }

  clear() {
    this.entries = [];
  }

  /** Express middleware recording every request that passes it (bodies as sent and as answered). */
  readonly middleware = (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    const at = this.clock.now().toISOString();
    const responseChunks: Buffer[] = [];
    let responseBytes = 0;
    const capture = (chunk: unknown, encoding?: unknown) => {
      if (chunk === undefined || chunk === null || typeof chunk === 'function' || responseBytes >= MAX_BODY) return;
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk), typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
      responseChunks.push(buffer);
      responseBytes += buffer.length;
    };
    const write = res.write.bind(res);
    const end = res.end.bind(res);
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      capture(chunk, rest[0]);
      return (write as any)(chunk, ...rest);
    }) as typeof res.write;
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      capture(chunk, rest[0]);
      return (end as any)(chunk, ...rest);
    }) as typeof res.end;
    let recorded = false;
    const record = (dropped: boolean) => {
      if (recorded) return;
      recorded = true;
      const principal = (req as Request & { principal?: { tenant: string; credentialId: string; kind: string } }).principal;
      const queryIndex = req.originalUrl.indexOf('?');
      const credential = principal?.credentialId.replace(/^(key|client):/, '') ?? null;
      const entry: JournalEntry = {
        id: this.nextId++,
        at,
        method: req.method,
        path: req.path,
        query: queryIndex >= 0 ? req.originalUrl.slice(queryIndex + 1) : '',
        tenant: principal?.tenant ?? null,
        credential: credential !== null && principal!.kind === 'api_key' ? keyFingerprint(credential) : credential,
        request_headers: flatHeaders(req.headers),
        // The pipeline reads bodies as raw Buffers; listening here would race it for the stream.
        request_body: withoutSecrets(Buffer.isBuffer(req.body) ? asText([req.body], req.get('content-type')) : null),
        status: dropped ? 0 : res.statusCode,
        response_headers: flatHeaders(res.getHeaders() as Record<string, unknown>),
        response_body: dropped ? null : withoutSecrets(asText(responseChunks, res.get('content-type'))),
        duration_ms: Number((process.hrtime.bigint() - started) / 1_000_000n),
      };
      if (credential !== null) this.credentialOf.set(entry, credential);
      this.entries.push(entry);
      if (this.entries.length > MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES);
    };
    res.on('finish', () => record(false));
    res.on('close', () => record(!res.writableFinished));
    next();
  };
}
