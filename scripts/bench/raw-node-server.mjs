// Raw node:http answering GET by id with the reference server's response headers: the
// platform's ceiling for `npm run bench`. BENCH_PEER as in express-server.mjs.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';

const { id, body, headers } = JSON.parse(process.env.BENCH_PEER ?? '{}');
const contract = readFileSync(new URL('../../src/generated/openapi.json', import.meta.url));
const prefix = '/api/v1/invoices/';
let next = 0;

const server = createServer((req, res) => {
  if (req.url === '/openapi.json') {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': contract.length });
    res.end(contract);
    return;
  }
  const found = req.method === 'GET' && req.url?.startsWith(prefix) && req.url.slice(prefix.length) === id;
  const text = JSON.stringify(found ? body : { code: 'not_found' });
  for (const [name, value] of headers) res.setHeader(name, value);
  res.setHeader('X-Request-Id', `req_${(next++).toString(36).padStart(24, '0')}`);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.statusCode = found ? 200 : 404;
  res.end(text);
});
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
