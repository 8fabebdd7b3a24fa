// `npm run bench:details`: speed and memory of the reference server in this process on the large
// data set (100,000 invoices; `-- small` for a quick run): generation, loading, list pages cold and
// warm, the CSV export, creates, the cost of --data-dir, and the time to refuse hostile input (4×
// the input in less than 8× the time, or exit 1). Loops are bounded in count; loopback only.
// (`npm run bench` compares the server with its peers, each in its own process: scripts/bench.ts.)
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import { generateDataset } from '../../fixtures/generate.ts';
import { createApp } from '../../src/app.ts';
import { loadDataset, type Dataset } from '../../src/dataset.ts';
import { ControllableClock } from '../../src/deps.ts';
import { readConfig } from '../../src/config.ts';
import { Credentials } from '../../src/http/auth.ts';
import { startServer } from '../../src/server.ts';
import { DATABASE_FILE } from '../../src/store/sqlite.ts';
import { MemoryStore } from '../../src/store/memory.ts';

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
const rows: Array<[string, string]> = [];
const time = async <T>(label: string, fn: () => Promise<T> | T): Promise<T> => {
  const started = performance.now();
  const result = await fn();
  rows.push([label, `${(performance.now() - started).toFixed(0)} ms`]);
  return result;
};

const preset = (process.argv[2] as 'small' | 'medium' | 'large' | undefined) ?? 'large';
const dataset: Dataset = await time(`generate ${preset} data set`, () => generateDataset({ preset, seed: 42 }));
const invoiceCount = dataset.tenants.reduce((n, t) => n + t.invoices.length, 0);
rows.push(['invoices in the data set', String(invoiceCount)]);

const clock = new ControllableClock();
clock.freeze(new Date(dataset.reference_time ?? '2026-06-30T12:00:00.000Z'));
const store = new MemoryStore();
const credentials = new Credentials(clock);
const heapBefore = process.memoryUsage().heapUsed;
await time('load into the store', () => loadDataset(store, credentials, dataset));
const key = credentials.apiKeysOf('acme')[0]!;
const built = createApp({ clock, store, credentials, settings: { rateLimit: 0 } });
const server = built.app.listen(0, '127.0.0.1');
await new Promise<void>((r) => server.once('listening', r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const customer = dataset.tenants[0]!.customers[0]!.id;

async function get(path: string) {
  const res = await request(base + path, { headers: { authorization: `Bearer ${key}` } });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`${path} → ${res.statusCode}: ${text.slice(0, 200)}`);
  return text;
}

/** The first (cold: filter and sort computed) request, then the median of `count` repeats (cached order). */
async function median(label: string, path: string, count = 15) {
  const samples: number[] = [];
  for (let i = 0; i <= count; i++) {
    const started = performance.now();
    await get(path);
    samples.push(performance.now() - started);
  }
  const cold = samples.shift()!;
  samples.sort((a, b) => a - b);
  rows.push([label, `cold ${cold.toFixed(1)} ms, then ${samples[Math.floor(samples.length / 2)]!.toFixed(1)} ms median of ${count}`]);
}

await median('list, first page (limit 20)', '/api/v1/invoices');
await median('list, status=overdue,sent sort=-total', '/api/v1/invoices?status=overdue,sent&sort=-total');
await median('list, one customer', `/api/v1/invoices?customer_id=${customer}`);
await median('list, search', '/api/v1/invoices?search=acme');
await median('list, page 2000 (offset 39,980)', '/api/v1/invoices?page=2000');
const first = JSON.parse(await get('/api/v1/invoices?limit=100'));
await median('list, next page by cursor', `/api/v1/invoices?limit=100&after=${encodeURIComponent(first.pagination.end_cursor)}`);
await median('get one invoice', `/api/v1/invoices/${first.data[0].id}`, 50);

global.gc?.();
const heapBeforeExport = process.memoryUsage().heapUsed;
let peak = heapBeforeExport;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 5);
const csv = await time('CSV export of every invoice', async () => {
  const res = await request(`${base}/api/v1/invoices/export`, { headers: { authorization: `Bearer ${key}` } });
  let bytes = 0;
  let lines = 0;
  for await (const chunk of res.body) {
    bytes += chunk.length;
    for (const byte of chunk as Buffer) if (byte === 10) lines++;
  }
  return { bytes, lines };
});
clearInterval(sampler);
rows.push(['CSV export size', `${mib(csv.bytes)}, ${csv.lines - 1} rows`]);
rows.push(['CSV export heap growth (peak)', mib(peak - heapBeforeExport)]);

await time('100 sequential invoice creates', async () => {
  for (let i = 0; i < 100; i++) {
    const res = await request(`${base}/api/v1/invoices`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ customer_id: customer, line_items: [{ description: 'Bench', quantity: 2, unit_price: 1999, tax_rate: 8 }] }),
    });
    await res.body.text();
    if (res.statusCode !== 201) throw new Error(`create → ${res.statusCode}`);
  }
});
rows.push(['heap used by the store', mib(process.memoryUsage().heapUsed - heapBefore)]);

// Time to refuse hostile input must grow linearly: 4× the input in less than 8× the time
// (median of 7; every input stays under the 1 MiB body limit, so each is read and refused).
const hostile: Array<[string, string, string, (n: number) => string, number]> = [
  ['form body, repeated keys', '/oauth/token', 'application/x-www-form-urlencoded', (n) => 'grant_type=client_credentials&' + Array(n).fill('a=').join('&'), 40_000],
  ['empty line items', '/api/v1/invoices', 'application/json', (n) => JSON.stringify({ customer_id: customer, line_items: Array(n).fill({}) }), 64_000],
  ['batch ids', '/api/v1/invoices/batch', 'application/json', (n) => JSON.stringify({ action: 'void', ids: Array(n).fill('') }), 200_000],
  ['unknown keys', '/api/v1/customers', 'application/json', (n) => JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 1]))), 60_000],
  ['strings with NUL', '/api/v1/customers', 'application/json', (n) => JSON.stringify({ name: 'x', tags: Array(n).fill('a\u0000') }), 80_000],
  ['nesting', '/api/v1/customers', 'application/json', (n) => '['.repeat(n) + ']'.repeat(n), 200_000],
];
async function refuse(path: string, type: string, body: string) {
  const started = performance.now();
  const res = await request(base + path, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': type }, body });
  await res.body.text();
  if (res.statusCode < 400 || res.statusCode >= 500) throw new Error(`${path} → ${res.statusCode}: hostile input not refused`);
  return performance.now() - started;
}
let nonLinear = 0;
for (const [label, path, type, make, large] of hostile) {
  const timing = async (n: number) => {
    const body = make(n);
    const samples: number[] = [];
    await refuse(path, type, body); // warm-up
    for (let i = 0; i < 7; i++) samples.push(await refuse(path, type, body));
    return samples.sort((a, b) => a - b)[3]!;
  };
  const small = await timing(large / 4);
  const big = await timing(large);
  const ratio = big / small;
  if (ratio >= 8) nonLinear++;
  rows.push([`refuse ${label}, ${large / 4} → ${large}`, `${small.toFixed(1)} ms → ${big.toFixed(1)} ms (×${ratio.toFixed(1)}, ${ratio < 8 ? 'ok' : 'NOT LINEAR'})`]);
}
server.close();

// The cost of --data-dir: the same creates through the same server, in memory and on disk, in this run.
const dataDir = mkdtempSync(path.join(tmpdir(), 'invoicekit-bench-'));
try {
  const CREATES = 500;
  const rate = async (dir: string | undefined) => {
    const flags = { port: '0', fixtures: 'none', apiKeys: 'bench:ik_bench', rateLimit: '0', clock: '2026-06-30T12:00:00Z', dataDir: dir };
    const running = await startServer(readConfig({}, flags));
    const post = async (url: string, body: unknown) => {
      const res = await request(running.baseUrl + url, { method: 'POST', headers: { authorization: 'Bearer ik_bench', 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const json = (await res.body.json()) as { id: string };
      if (res.statusCode !== 201) throw new Error(`${url} → ${res.statusCode}`);
      return json;
    };
    const { id } = await post('/api/v1/customers', { name: 'Bench', email: 'bench@example.com' });
    const invoice = { customer_id: id, line_items: [{ description: 'Bench', quantity: 2, unit_price: 1999, tax_rate: 8 }] };
    let started = performance.now();
    for (let i = 0; i < CREATES; i++) await post('/api/v1/invoices', invoice);
    const sequential = CREATES / ((performance.now() - started) / 1000);
    started = performance.now();
    await Promise.all(Array.from({ length: 8 }, async () => {
      for (let i = 0; i < CREATES / 8; i++) await post('/api/v1/invoices', invoice);
    }));
    const concurrent = CREATES / ((performance.now() - started) / 1000);
    await running.shutdown();
    return `${sequential.toFixed(0)}/s one at a time, ${concurrent.toFixed(0)}/s with 8 in flight`;
  };
  rows.push([`invoice creates, in memory (${CREATES} + ${CREATES})`, await rate(undefined)]);
  rows.push([`invoice creates, --data-dir (${CREATES} + ${CREATES})`, await rate(path.join(dataDir, 'creates'))]);

  const big = path.join(dataDir, 'big');
  const bigFlags = { port: '0', seed: '42', preset, rateLimit: '0', dataDir: big };
  const loaded = await time(`--data-dir: generate ${preset} and write it to disk`, () => startServer(readConfig({}, bigFlags)));
  await loaded.shutdown();
  rows.push([`--data-dir: database size`, mib(statSync(path.join(big, DATABASE_FILE)).size)]);
  const resumed = await time(`--data-dir: start with ${invoiceCount} invoices on disk`, () => startServer(readConfig({}, bigFlags)));
  if (!resumed.resumed || resumed.store.countInvoices('acme') === 0) throw new Error('the data directory was not resumed');
  await resumed.shutdown();
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}

const width = Math.max(...rows.map(([l]) => l.length));
console.log(rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n'));
if (nonLinear) {
  console.error(`${nonLinear} hostile input(s) took 8× the time or more for 4× the size`);
  process.exitCode = 1;
}
