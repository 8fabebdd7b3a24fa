import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';

import type { ConformanceOptions } from './types.ts';

/** The credentials of the reference server the planted-defect tests run against. */
export const PRIMARY_KEY = 'ik_test_acme_conformance';
export const SECOND_KEY = 'ik_test_globex_conformance';
/** The admin token of its mock-control API (the clock), for checks that need --admin-token. */
export const ADMIN_TOKEN = 'adm_test_conformance';

/**
 * A server broken in one way on purpose: the runner must fail exactly `checks` on it. `include`
 * narrows the operations; `only` narrows the checks when a scenario's broken answers would also
 * (rightly) trip other checks; `extra` adds run options (second key, OAuth client, admin token);
 * `rateLimit` turns the reference server's rate limit on for the test.
 */
export type PlantedDefect = { name: string; checks: string[]; include: string[]; only?: string[]; extra?: Partial<ConformanceOptions>; breakage: Breakage; /** Requests per window the reference server allows during this test (rate-limit defects); off otherwise. */ rateLimit?: number };

export type Forwarded = { method: string; path: string; query: URLSearchParams; headers: Record<string, string>; body: string };
/** `bytes` keeps a binary answer (a PDF) intact: it is sent as long as `body` is still its UTF-8 reading. */
export type Answer = { status: number; headers: Record<string, string>; body: string; bytes?: Buffer };

/** One broken rule: rewrites a request before the reference server sees it, or its answer after. */
export type Breakage = {
  request?: (req: Forwarded) => Forwarded;
  /** `forward` sends a request to the reference server (for breakages that act on their own). */
  response?: (req: Forwarded, answer: Answer, forward: (req: Forwarded) => Promise<Answer>) => Answer | Promise<Answer>;
};


function read(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** A proxy in front of a reference server that breaks one rule: the runner must catch it. */
export async function brokenProxy(target: string, breakage: Breakage): Promise<{ url: string; close: () => Promise<void> }> {
  const forward = async (f: Forwarded): Promise<Answer> => {
    const qs = f.query.toString();
    const res = await request(`${target}${f.path}${qs ? `?${qs}` : ''}`, { method: f.method as any, headers: f.headers, body: f.body.length ? f.body : undefined });
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const bytes = Buffer.from(await res.body.arrayBuffer());
    return { status: res.statusCode, headers, body: bytes.toString('utf8'), bytes };
  };
  const server: Server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://proxy.invalid');
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && k !== 'host' && k !== 'content-length' && k !== 'connection') headers[k] = Array.isArray(v) ? v.join(', ') : v;
      let f: Forwarded = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers, body: await read(req) };
      if (breakage.request) f = breakage.request(f);
      let answer = await forward(f);
      if (breakage.response) answer = await breakage.response(f, answer, forward);
      const out = { ...answer.headers };
      delete out['content-length'];
      delete out['transfer-encoding'];
      delete out.connection;
      delete out['keep-alive'];
      res.writeHead(answer.status, out);
      // A breakage that rewrote the text sends the text; an untouched binary answer goes out byte for byte.
      res.end(answer.bytes && answer.body === answer.bytes.toString('utf8') ? answer.bytes : answer.body);
    } catch (error) {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export const json = (answer: Answer): any => JSON.parse(answer.body);
export const withJson = (answer: Answer, body: unknown, status = answer.status): Answer => ({ ...answer, status, body: JSON.stringify(body) });
/** An answer with a binary body of its own (a crafted PDF). */
export const withBytes = (answer: Answer, bytes: Buffer): Answer => ({ ...answer, body: bytes.toString('utf8'), bytes });
