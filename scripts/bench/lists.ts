// Lists under writes: each read (a filtered list, a search, a sort) comes right after a write
// (an invoice created), one at a time, so no cache kept from the read before can answer it.
import { performance } from 'node:perf_hooks';
import { Client } from 'undici';
import { AUTH } from './peers.ts';
import { percentile } from './load.ts';

export type ListQueries = { filtered: string; search: string; sort: string };
export type ListTimings = Record<keyof ListQueries, { p50Ms: number; p99Ms: number; reads: number }>;

const PAIRS = 40;
const MAX_SECONDS_PER_QUERY = 40;

export const createBody = (customerId: string) => JSON.stringify({ customer_id: customerId, line_items: [{ description: 'Bench', quantity: 2, unit_price: 1999, tax_rate: 8 }] });

/** The queries (a search term taken from the server's own data), and a new customer to invoice. */
export async function listQueries(baseUrl: string): Promise<{ queries: ListQueries; customerId: string }> {
  const res = await fetch(`${baseUrl}/api/v1/invoices?limit=1&sort=number`, { headers: AUTH });
  if (res.status !== 200) throw new Error(`GET /api/v1/invoices → ${res.status}: ${(await res.text()).slice(0, 300)}`);
  const first = ((await res.json()) as { data: Array<{ customer: { name: string } }> }).data[0];
  if (!first) throw new Error('the data set has no invoice');
  const term = first.customer.name.split(/\s+/)[0]!.toLowerCase();
  const created = await fetch(`${baseUrl}/api/v1/customers`, { method: 'POST', headers: { ...AUTH, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Bench Customer', email: 'bench@example.com' }) });
  if (created.status !== 201) throw new Error(`POST /api/v1/customers → ${created.status}: ${(await created.text()).slice(0, 300)}`);
  return {
    customerId: ((await created.json()) as { id: string }).id,
    queries: {
      filtered: '/api/v1/invoices?status=sent,overdue&limit=20',
      search: `/api/v1/invoices?search=${encodeURIComponent(term)}&limit=20`,
      sort: '/api/v1/invoices?sort=-total&limit=20',
    },
  };
}

export async function listsUnderWrites(baseUrl: string, queries: ListQueries, customerId: string): Promise<ListTimings> {
  const client = new Client(baseUrl, { headersTimeout: 30_000, bodyTimeout: 30_000 });
  const call = async (method: 'GET' | 'POST', path: string, expected: number, body?: string) => {
    const res = await client.request({ method, path, headers: { ...AUTH, 'content-type': 'application/json' }, body });
    const text = await res.body.text();
    if (res.statusCode !== expected) throw new Error(`${method} ${path} → ${res.statusCode}: ${text.slice(0, 300)}`);
  };
  const write = createBody(customerId);
  try {
    const out = {} as ListTimings;
    for (const [kind, path] of Object.entries(queries) as Array<[keyof ListQueries, string]>) {
      await call('GET', path, 200); // warm-up: JIT and the read path, once
      const samples: number[] = [];
      const deadline = performance.now() + MAX_SECONDS_PER_QUERY * 1000;
      while (samples.length < PAIRS && performance.now() < deadline) {
        await call('POST', '/api/v1/invoices', 201, write);
        const started = performance.now();
        await call('GET', path, 200);
        samples.push(performance.now() - started);
      }
      samples.sort((a, b) => a - b);
      out[kind] = { p50Ms: percentile(samples, 50), p99Ms: percentile(samples, 99), reads: samples.length };
    }
    return out;
  } finally {
    await client.close();
  }
}
