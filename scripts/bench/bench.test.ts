// The bench's own parts: /proc readings, the bounded load generator, the verdicts of the report.
// Nothing here is timed against a target: the bench measures, tests check what it computes.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoad } from './load.ts';
import { cpuMs, memory } from './proc.ts';
import { EXPRESS, markdown, PRISM, REFERENCE, targets, type Results } from './report.ts';

describe('proc', () => {
  it('reads CPU time that grows with work, and memory', () => {
    const before = cpuMs(process.pid);
    const until = performance.now() + 60;
    let x = 0;
    while (performance.now() < until) x += Math.sqrt(x + 1);
    expect(x).toBeGreaterThan(0);
    expect(cpuMs(process.pid)).toBeGreaterThan(before);
    const { rssMiB, hwmMiB } = memory(process.pid);
    expect(rssMiB).toBeGreaterThan(10);
    expect(hwmMiB).toBeGreaterThanOrEqual(rssMiB);
  });
});

describe('runLoad', () => {
  let server: Server;
  let baseUrl: string;
  let seen = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen++;
      res.statusCode = req.url === '/missing' ? 404 : 200;
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('sends the warm-up, then exactly the bounded number of measured requests', async () => {
    seen = 0;
    const result = await runLoad({ baseUrl, pid: process.pid, request: () => ({ method: 'GET', path: '/' }), expectStatus: 200, connections: 8, warmup: 20, maxRequests: 300, maxSeconds: 30 });
    expect(result.requests).toBe(300);
    expect(seen).toBe(320);
    expect(result.p50Ms).toBeLessThanOrEqual(result.p99Ms);
    expect(result.rps).toBeCloseTo(300 / result.seconds, 5);
  });

  it('stops at the time bound', async () => {
    const result = await runLoad({ baseUrl, pid: process.pid, request: () => ({ method: 'GET', path: '/' }), expectStatus: 200, connections: 2, warmup: 0, maxRequests: 10_000_000, maxSeconds: 0.3 });
    expect(result.seconds).toBeLessThan(5);
    expect(result.requests).toBeLessThan(10_000_000);
  });

  it('fails when the server keeps answering something else', async () => {
    await expect(runLoad({ baseUrl, pid: process.pid, request: () => ({ method: 'GET', path: '/missing' }), expectStatus: 200, connections: 2, warmup: 0, maxRequests: 100 })).rejects.toThrow(/wrong answers.*→ 404/);
  });
});

describe('report', () => {
  const run = (rps: number) => ({ requests: 1000, seconds: 1, rps, p50Ms: 1, p99Ms: 2, cpuMsPerRequest: 0.1 });
  const list = (p50Ms: number) => ({ filtered: { p50Ms, p99Ms: p50Ms, reads: 40 }, search: { p50Ms, p99Ms: p50Ms, reads: 40 }, sort: { p50Ms, p99Ms: p50Ms, reads: 40 } });
  const mem = (rssMiB: number) => ({ rssMiB, hwmMiB: rssMiB });
  const results = (over: { get: number; post: number; largeList: number; rss: number; cold: number; coldLarge: number; conformance: number }): Results => ({
    date: '2026-11-21T00:00:00.000Z',
    commit: 'abc1234',
    machine: { cpu: 'Test CPU', cores: 2, memoryGiB: 8, node: 'v20.0.0', os: 'Linux' },
    load: { 'GET by id': { [EXPRESS]: run(1000), [REFERENCE]: run(over.get) }, 'POST create': { [PRISM]: run(100), [REFERENCE]: run(over.post) } },
    headersMatch: { same: true, detail: '' },
    lists: { demo: list(2), large: list(over.largeList), largeInvoices: 100_000 },
    memory: { demo: { afterStart: mem(100), afterLoadTest: mem(120) }, large: { afterStart: mem(over.rss), afterLoadTest: mem(over.rss) } },
    coldStart: { [EXPRESS]: [100, 110, 90], [REFERENCE]: [over.cold, over.cold, 10_000], [`${REFERENCE}, large`]: [over.coldLarge] },
    conformance: { seconds: over.conformance, ok: true, detail: '100 requests' },
  });

  it('passes every target at its bound', () => {
    const rows = targets(results({ get: 850, post: 300, largeList: 4, rss: 476, cold: 400, coldLarge: 1500, conformance: 30 }));
    expect(rows.map((r) => r.pass)).toEqual(Array(rows.length).fill(true));
    expect(rows).toHaveLength(9);
  });

  it('misses each target just past its bound', () => {
    const rows = targets(results({ get: 849, post: 299, largeList: 4.1, rss: 478, cold: 401, coldLarge: 1501, conformance: 30.1 }));
    expect(rows.map((r) => r.pass)).toEqual(Array(rows.length).fill(false));
  });

  it('writes a markdown table naming the machine and every target', () => {
    const text = markdown(results({ get: 900, post: 400, largeList: 3, rss: 300, cold: 300, coldLarge: 1000, conformance: 20 }));
    expect(text).toContain('Test CPU, 2 cores');
    expect(text).toMatch(/\| GET by id, req\/s \| 900 vs 1,000 \(bare Express\) \| 0\.90× \| ≥ 0\.85× bare Express \| pass \|/);
    expect(text).toMatch(/\| cold start, demo data \| 300 ms vs 100 ms \(bare Express\) \| 3\.0× \| ≤ 4× bare Express \| pass \|/);
  });
});
