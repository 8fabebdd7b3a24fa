// The Node HTTP server around the Express app: deliberate timeouts, and problem+json for the
// errors Node's parser answers before Express ever sees a request.
import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { secureRandomText } from '../deps.ts';
import { PROBLEMS, type ProblemCode } from './problem.ts';

export type ServerTimeouts = {
  /** Time to receive a request's complete headers (slowloris). */
  headersTimeout: number;
  /** Time to receive a whole request, body included. */
  requestTimeout: number;
  /** How long an idle keep-alive connection stays open. */
  keepAliveTimeout: number;
};

/** Documented in the README and the contract; Node's own defaults hold a slow body for 300 s. */
export const SERVER_TIMEOUTS: ServerTimeouts = { headersTimeout: 10_000, requestTimeout: 30_000, keepAliveTimeout: 5_000 };

/** Most header bytes Node accepts (its default, --max-http-header-size); more is a 431. */
export const MAX_HEADER_BYTES = 16 * 1024;

function codeOf(error: NodeJS.ErrnoException): ProblemCode {
  if (error.code === 'HPE_HEADER_OVERFLOW') return 'headers_too_large';
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT' || error.code === 'ERR_HTTP_HEADERS_TIMEOUT') return 'request_timeout';
  return 'malformed_request';
}

/** The bytes of a problem+json answer for a request Node's parser refused (there is no Express response to write to). */
export function parserProblem(error: NodeJS.ErrnoException): string {
  const code = codeOf(error);
  const detail =
    code === 'headers_too_large' ? `The request headers exceed ${MAX_HEADER_BYTES} bytes.`
    : code === 'request_timeout' ? 'The request was not received in time.'
    : 'The request is not valid HTTP/1.1 (method, request line or header).';
  return rawProblem(code, detail);
}

function rawProblem(code: ProblemCode, detail: string): string {
  const [status, title] = PROBLEMS[code];
  const requestId = `req_${secureRandomText(24)}`;
  const body = JSON.stringify({ type: `https://invoicekit.dev/problems/${code}`, title, status, code, detail, request_id: requestId });
  return [
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
    'Content-Type: application/problem+json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    `X-Request-Id: ${requestId}`,
    'X-Content-Type-Options: nosniff',
    'Cache-Control: no-store',
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

/** Sets the timeouts and answers parser-level errors as problem+json through the `clientError` hook. */
export function hardenHttpServer(server: Server, timeouts: Partial<ServerTimeouts> = {}): Server {
  const t = { ...SERVER_TIMEOUTS, ...timeouts };
  server.headersTimeout = t.headersTimeout;
  server.requestTimeout = t.requestTimeout;
  server.keepAliveTimeout = t.keepAliveTimeout;
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // A reset connection, or one where an answer already started, cannot take another answer.
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    socket.end(parserProblem(error));
  });
  // CONNECT never reaches Express; without a listener Node would drop the connection unanswered.
  server.on('connect', (_req, socket: Duplex) => {
    socket.end(rawProblem('method_not_allowed', 'CONNECT is not supported.'));
  });
  return server;
}
