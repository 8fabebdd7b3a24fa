// Request bodies as the pipeline reads them: a plain body with a Content-Length directly, every
// other framing (chunked, compressed, too large) through express.raw; the answers are the same.
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControllableClock } from '../deps.ts';
import { Journal } from '../control/journal.ts';
import { startTestServer, type TestServer } from '../testing/harness.ts';
import { BODY_LIMIT_BYTES } from './pipeline.ts';

let s: TestServer;
let customer: string;
const journal = new Journal(new ControllableClock());
beforeAll(async () => {
  s = await startTestServer({ deps: { journal } });
  customer = (await s.post('/api/v1/customers', { name: 'Acme Corp', email: 'ap@acme.example' })).body.id;
});
afterAll(() => s.close());

/** A POST with exactly these headers and body chunks (each chunk written on its own). */
function send(path: string, headers: Record<string, string>, chunks: Buffer[]): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(`${s.base}${path}`, { method: 'POST', headers: { authorization: 'Bearer ik_test_acme', ...headers } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : undefined });
      });
    });
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

const invoice = () => Buffer.from(JSON.stringify({ customer_id: customer, line_items: [{ description: 'Work', quantity: 2, unit_price: 1500 }] }));

describe('request bodies', () => {
  it('reads a plain body sent in several pieces under its Content-Length', async () => {
    const body = invoice();
    const res = await send('/api/v1/invoices', { 'content-type': 'application/json', 'content-length': String(body.length) }, [body.subarray(0, 10), body.subarray(10)]);
    expect(res.status).toBe(201);
    expect(res.body.total).toBe(3000);
  });

  it('reads a chunked body and a gzip body the same way', async () => {
    const chunked = await send('/api/v1/invoices', { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, [invoice()]);
    expect(chunked.status).toBe(201);
    const zipped = gzipSync(invoice());
    const gzip = await send('/api/v1/invoices', { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(zipped.length) }, [zipped]);
    expect(gzip.status).toBe(201);
    expect(gzip.body.total).toBe(3000);
  });

  it('takes an empty body as none, and refuses a body over the limit and an unknown coding', async () => {
    const empty = await send('/api/v1/invoices', { 'content-type': 'application/json', 'content-length': '0' }, []);
    expect(empty.status).toBe(400);
    expect(empty.body.errors).toEqual([{ pointer: '/body', message: 'a request body is required', keyword: 'required' }]);
    const big = Buffer.alloc(BODY_LIMIT_BYTES + 1, 0x20);
    const tooLarge = await send('/api/v1/invoices', { 'content-type': 'application/json', 'content-length': String(big.length) }, [big]);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.code).toBe('payload_too_large');
    const coded = await send('/api/v1/invoices', { 'content-type': 'application/json', 'content-encoding': 'x-unknown', 'content-length': String(invoice().length) }, [invoice()]);
    expect(coded.status).toBe(415);
    expect(coded.body.code).toBe('unsupported_media_type');
  });

  it('journals the body as it was read', async () => {
    const body = invoice();
    expect((await send('/api/v1/invoices', { 'content-type': 'application/json', 'content-length': String(body.length), 'x-request-id': 'req_body_journal' }, [body])).status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 20)); // recorded once the answer is closed
    const entry = journal.list({ path: '/api/v1/invoices' }).find((e) => e.response_headers['x-request-id'] === 'req_body_journal')!;
    expect(entry.request_body).toBe(body.toString('utf8'));
    expect(entry.status).toBe(201);
  });
});
