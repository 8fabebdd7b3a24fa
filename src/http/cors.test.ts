import cors from 'cors';
import type { Request, RequestHandler, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { corsHeaders } from './cors.ts';

// corsHeaders precomputes what the `cors` package works out on every request: for the options the
// server uses, both must give every request the same headers, status and fate (answered or passed on).
const exposed = ['X-Request-Id', 'RateLimit', 'Location'];
const allowed = ['Authorization', 'Content-Type'];

type Outcome = { headers: Record<string, string>; status: number; ended: boolean; passed: boolean };

function outcome(middleware: RequestHandler, method: string, headers: Record<string, string>): Outcome {
  const set: Record<string, string> = {};
  const out: Outcome = { headers: set, status: 200, ended: false, passed: false };
  const res = {
    get statusCode() {
      return out.status;
    },
    set statusCode(value: number) {
      out.status = value;
    },
    setHeader: (name: string, value: string) => void (set[name.toLowerCase()] = String(value)),
    getHeader: (name: string) => set[name.toLowerCase()],
    hasHeader: (name: string) => name.toLowerCase() in set,
    vary: (field: string) => void (set.vary = set.vary ? `${set.vary}, ${field}` : field),
    end: () => void (out.ended = true),
  };
  middleware({ method, headers } as unknown as Request, res as unknown as Response, () => void (out.passed = true));
  return out;
}

const requests: Array<[string, Record<string, string>]> = [
  ['GET', {}],
  ['GET', { origin: 'https://app.example' }],
  ['GET', { origin: 'https://evil.example' }],
  ['POST', { origin: 'https://app.example' }],
  ['OPTIONS', {}],
  ['OPTIONS', { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' }],
  ['OPTIONS', { origin: 'https://evil.example', 'access-control-request-method': 'POST' }],
];

describe('corsHeaders answers as the cors package does', () => {
  for (const origins of ['*', ['https://app.example']] as const) {
    const ours = corsHeaders({ origins: origins === '*' ? '*' : [...origins], exposedHeaders: exposed, allowedHeaders: allowed, maxAgeSeconds: 600 });
    const theirs = cors({ origin: origins === '*' ? true : [...origins], exposedHeaders: exposed, allowedHeaders: allowed, maxAge: 600 });
    it.each(requests)(`origins ${JSON.stringify(origins)}: %s %o`, (method, headers) => {
      expect(outcome(ours, method, headers)).toEqual(outcome(theirs, method, headers));
    });
  }
});
