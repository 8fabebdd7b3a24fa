// Errors Node's HTTP parser answers before Express sees the request, and the server's timeouts.
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { componentValidator, createContractAjv } from '../contract/ajv.ts';
import { startTestServer, type TestServer } from '../testing/harness.ts';
import { hardenHttpServer, SERVER_TIMEOUTS } from './node-server.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());
const problemSchema = componentValidator(createContractAjv(), 'Problem');

/** Sends raw bytes and reads until the server closes the connection. */
function raw(port: number, bytes: string | Buffer, waitMs = 0): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let out = '';
    socket.on('data', (d) => (out += d.toString('latin1')));
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
    socket.write(bytes);
    if (waitMs) setTimeout(() => socket.writable && socket.write(''), waitMs);
  });
}

function parse(answer: string) {
  const [head, body] = answer.split('\r\n\r\n');
  const status = Number(head!.split(' ')[1]);
  const type = /content-type: ([^\r\n]+)/i.exec(head!)?.[1];
  return { status, type, body: JSON.parse(body!) };
}

const portOf = (base: string) => Number(new URL(base).port);

describe('parser-level errors are problem+json', () => {
  const cases: Array<[string, string | Buffer, number, string]> = [
    ['oversized headers', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'headers_too_large'],
    ['a NUL in a header', Buffer.from('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Nul: a\0b\r\n\r\n', 'latin1'), 400, 'malformed_request'],
    ['an unknown method', 'FOO@ /api/v1/invoices HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'malformed_request'],
    ['a garbage request line', 'hello there\r\n\r\n', 400, 'malformed_request'],
    ['CONNECT', 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', 405, 'method_not_allowed'],
    ['an unknown method without odd characters', 'BREW /healthz HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'malformed_request'],
    ['an unknown HTTP version', 'GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n', 400, 'malformed_request'],
    ['a bad chunked body', 'POST /oauth/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 400, 'malformed_request'],
  ];
  it.each(cases)('%s', async (_name, bytes, status, code) => {
    const answer = parse(await raw(portOf(s.base), bytes));
    expect([answer.status, answer.type, answer.body.code, answer.body.status]).toEqual([status, 'application/problem+json; charset=utf-8', code, status]);
    expect(problemSchema(answer.body)).toBe(true);
  });

  it('the server keeps answering afterwards', async () => {
    expect((await s.get('/api/v1/invoices')).status).toBe(200);
  });
});

describe('timeouts', () => {
  it('are set deliberately, well below Node’s 300 s default', async () => {
    const server = hardenHttpServer(createServer());
    expect([server.headersTimeout, server.requestTimeout, server.keepAliveTimeout]).toEqual([SERVER_TIMEOUTS.headersTimeout, SERVER_TIMEOUTS.requestTimeout, SERVER_TIMEOUTS.keepAliveTimeout]);
    expect(SERVER_TIMEOUTS.requestTimeout).toBeLessThanOrEqual(30_000);
  });

  it('a body that never finishes is answered 408 problem+json', async () => {
    const server: Server = hardenHttpServer(createServer({ connectionsCheckingInterval: 50 }, s.app), { headersTimeout: 200, requestTimeout: 300 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const started = Date.now();
      const answer = parse(await raw((server.address() as AddressInfo).port, 'POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"grant'));
      expect([answer.status, answer.body.code]).toEqual([408, 'request_timeout']);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
