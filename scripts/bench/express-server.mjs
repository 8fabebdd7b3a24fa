// Bare Express 5 answering GET by id with the reference server's response headers: the
// framework's ceiling for `npm run bench`. Plain JavaScript, run by node with no loader.
// BENCH_PEER (JSON): { id, body, headers: [[name, value], …] } copied from the reference server.
import express from 'express';
import { readFileSync } from 'node:fs';

const { id, body, headers } = JSON.parse(process.env.BENCH_PEER ?? '{}');
const contract = readFileSync(new URL('../../src/generated/openapi.json', import.meta.url), 'utf8');
const invoices = new Map([[id, body]]);
let next = 0;
// The same length as the server's ids (req_ + 24 characters), without its randomness.
const requestId = () => `req_${(next++).toString(36).padStart(24, '0')}`;

const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.get('/openapi.json', (_req, res) => {
  res.type('application/json').send(contract);
});
app.get('/api/v1/invoices/:id', (req, res) => {
  for (const [name, value] of headers) res.setHeader(name, value);
  res.setHeader('X-Request-Id', requestId());
  const invoice = invoices.get(req.params.id);
  if (invoice) res.json(invoice);
  else res.status(404).json({ code: 'not_found' });
});
const server = app.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
