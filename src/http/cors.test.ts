import type { Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { corsStep } from './cors.ts';

// The server's CORS step (the `cors` package with its header lists joined once): the headers,
// status and fate (answered or passed on) of each kind of request.
const exposed = ['X-Request-Id', 'RateLimit', 'Location'];
const allowed = ['Authorization', 'Content-Type'];

type Outcome = { headers: Record<string, string>; status: number; ended: boolean; passed: boolean };

function outcome(step: ReturnType<typeof corsStep>, method: string, headers: Record<string, string>): Outcome {
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
  out.passed = !step({ method, headers } as unknown as Request, res as unknown as Response);
  return out;
}

const ORIGIN = 'https://app.example';
const EXPOSED = { 'access-control-expose-headers': 'X-Request-Id,RateLimit,Location' };
const PREFLIGHT = { 'access-control-allow-methods': 'GET,HEAD,PUT,PATCH,POST,DELETE', 'access-control-allow-headers': 'Authorization,Content-Type', 'access-control-max-age': '600', 'content-length': '0' };
const passed = (headers: Record<string, string>): Outcome => ({ headers, status: 200, ended: false, passed: true });
const answered = (headers: Record<string, string>): Outcome => ({ headers, status: 204, ended: true, passed: false });

describe('the CORS step', () => {
  const step = (origins: '*' | string[]) => corsStep({ origins, exposedHeaders: exposed, allowedHeaders: allowed, maxAgeSeconds: 600 });
  const cases: Array<[string, '*' | string[], string, Record<string, string>, Outcome]> = [
    ['any origin: a request without Origin', '*', 'GET', {}, passed({ vary: 'Origin', ...EXPOSED })],
    ['any origin: reflects the origin', '*', 'GET', { origin: ORIGIN }, passed({ 'access-control-allow-origin': ORIGIN, vary: 'Origin', ...EXPOSED })],
    ['any origin: answers a preflight', '*', 'OPTIONS', { origin: ORIGIN, 'access-control-request-method': 'POST' }, answered({ 'access-control-allow-origin': ORIGIN, vary: 'Origin', ...PREFLIGHT, ...EXPOSED })],
    ['listed origins: allows a listed one', [ORIGIN], 'POST', { origin: ORIGIN }, passed({ 'access-control-allow-origin': ORIGIN, vary: 'Origin', ...EXPOSED })],
    ['listed origins: names no other', [ORIGIN], 'GET', { origin: 'https://evil.example' }, passed({ vary: 'Origin', ...EXPOSED })],
    ['listed origins: a preflight from another origin is answered without allowing it', [ORIGIN], 'OPTIONS', { origin: 'https://evil.example', 'access-control-request-method': 'POST' }, answered({ vary: 'Origin', ...PREFLIGHT, ...EXPOSED })],
  ];
  it.each(cases)('%s', (_name, origins, method, headers, expected) => {
    expect(outcome(step(origins), method, headers)).toEqual(expected);
  });
});
