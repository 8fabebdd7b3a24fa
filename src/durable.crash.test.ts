// The real CLI with --data-dir, killed under load. Loopback only; loops bounded in count and time.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuilt } from '../scripts/build.mjs';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../scripts/invoicekit.mjs', import.meta.url));
// The bin runs the compiled code (dist/), as users do: compile it first when the sources changed.
beforeAll(() => ensureBuilt(), 300_000);
const KEY = 'ik_test_crash_key';
const dirs: string[] = [];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'invoicekit-crash-'));
  dirs.push(dir);
  return dir;
};

type Running = { child: ChildProcess; base: string; out: () => string; exited: Promise<void> };

/**
 * `invoicekit serve --data-dir DIR` on a loopback port; resolves once it prints its banner (or exits).
 * With maxFileKiB, no file the process writes may grow past that (SIGXFSZ ignored, so the write
 * fails with EFBIG, which SQLite reports as SQLITE_IOERR_WRITE: a real I/O error, deterministic).
 */
async function serve(args: string[], options: { maxFileKiB?: number } = {}): Promise<Running> {
  const command = [process.execPath, bin, 'serve', '--port', '0', '--host', '127.0.0.1', '--rate-limit', '0', '--api-keys', `acme:${KEY}`, ...args];
  const child =
    options.maxFileKiB === undefined
      ? spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn('bash', ['-c', `trap '' XFSZ; ulimit -f ${options.maxFileKiB}; exec "$@"`, 'bash', ...command], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 30_000;
  while (!/Try/.test(out) && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const base = /listening on (http:\/\/\S+)/.exec(out)?.[1] ?? '';
  return { child, base, out: () => out, exited };
}

async function call(base: string, method: string, url: string, body?: unknown, headers: Record<string, string> = {}, dispatcher?: Agent) {
  const res = await request(base + url, {
    method: method as 'GET',
    headers: { authorization: `Bearer ${KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    ...(dispatcher ? { dispatcher } : {}),
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers as Record<string, string | undefined>, body: text ? JSON.parse(text) : undefined };
}

type Acked = {
  creates: Array<{ id: string; number: string; lines: number; total: number; key: string; body: unknown }>;
  sent: Set<string>;
  payments: Array<{ invoice: string; id: string; amount: number }>;
};

/**
 * Concurrent workers: create (with an Idempotency-Key), mark sent, record a payment, again and
 * again, noting every write that was acknowledged. Stops at the first failure (the server died),
 * at `stop()`, or at a bound on count and time.
 */
function load(base: string, workers: number) {
  const acked: Acked = { creates: [], sent: new Set(), payments: [] };
  const agent = new Agent({ connections: workers });
  let stopped = false;
  let inFlight = 0;
  const deadline = Date.now() + 20_000;
  const track = async <T>(p: Promise<T>) => {
    inFlight++;
    try {
      return await p;
    } finally {
      inFlight--;
    }
  };
  const worker = async (w: number, customer: string) => {
    for (let i = 0; i < 400 && !stopped && Date.now() < deadline; i++) {
      const lines = 1 + ((w + i) % 3);
      const body = { customer_id: customer, line_items: Array.from({ length: lines }, (_, n) => ({ description: `w${w} i${i} line ${n}`, quantity: n + 1, unit_price: 1000 + i })) };
      const key = `crash-${w}-${i}`;
      const created = await track(call(base, 'POST', '/api/v1/invoices', body, { 'idempotency-key': key }, agent));
      if (created.status !== 201) throw new Error(`create → ${created.status}`);
      acked.creates.push({ id: created.body.id, number: created.body.number, lines, total: created.body.total, key, body });
      const sent = await track(call(base, 'POST', `/api/v1/invoices/${created.body.id}/mark-sent`, undefined, {}, agent));
      if (sent.status !== 200) throw new Error(`mark-sent → ${sent.status}`);
      acked.sent.add(created.body.id);
      const amount = Math.floor(created.body.total / 2);
      const paid = await track(call(base, 'POST', `/api/v1/invoices/${created.body.id}/payments`, { amount }, {}, agent));
      if (paid.status !== 201) throw new Error(`payment → ${paid.status}`);
      acked.payments.push({ invoice: created.body.id, id: paid.body.id, amount });
    }
  };
  const run = (customers: string[]) =>
    Promise.allSettled(Array.from({ length: workers }, (_, w) => worker(w, customers[w % customers.length]!))).then(async (results) => {
      await agent.destroy().catch(() => undefined);
      return results;
    });
  return { acked, run, stop: () => (stopped = true), inFlight: () => inFlight };
}

async function customersOf(base: string) {
  return (await call(base, 'GET', '/api/v1/customers?limit=8')).body.data.map((c: { id: string }) => c.id) as string[];
}

async function allInvoices(base: string) {
  const out: any[] = [];
  for (let page = 1; page < 100; page++) {
    const res = await call(base, 'GET', `/api/v1/invoices?limit=100&page=${page}`);
    out.push(...res.body.data);
    if (!res.body.pagination.has_next_page) break;
  }
  return out;
}

/** Every acknowledged write is there and whole; no invoice anywhere is half-applied. */
async function checkAfterRestart(base: string, acked: Acked) {
  for (const c of acked.creates) {
    const res = await call(base, 'GET', `/api/v1/invoices/${c.id}`);
    expect(res.status, `acknowledged invoice ${c.id}`).toBe(200);
    expect(res.body).toMatchObject({ number: c.number, total: c.total });
    expect(res.body.line_items).toHaveLength(c.lines);
    if (acked.sent.has(c.id)) expect(res.body.status).not.toBe('draft');
  }
  for (const p of acked.payments) {
    const invoice = (await call(base, 'GET', `/api/v1/invoices/${p.invoice}`)).body;
    expect(invoice.payments.map((x: { id: string }) => x.id)).toContain(p.id);
  }
  for (const invoice of await allInvoices(base)) {
    expect(invoice.line_items.length).toBeGreaterThan(0);
    const paid = invoice.payments.reduce((n: number, x: { amount: number }) => n + x.amount, 0);
    expect(invoice.amount_paid, invoice.id).toBe(paid);
    if (paid > 0 && invoice.amount_due > 0 && invoice.status !== 'void') expect(['partially_paid', 'overdue']).toContain(invoice.status);
  }
}

const lastNumber = (numbers: string[]) => Math.max(...numbers.map((n) => Number(/(\d+)$/.exec(n)![1])));

describe('--data-dir survives crashes and shutdowns', () => {
  it('SIGKILL under concurrent load: every acknowledged write is there after a restart, and whole', async () => {
    const dir = tempDir();
    const first = await serve(['--data-dir', dir]);
    expect(first.base, first.out()).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const customers = await customersOf(first.base);
    const traffic = load(first.base, 8);
    const done = traffic.run(customers);
    const start = Date.now();
    while (traffic.acked.payments.length < 60 && Date.now() - start < 10_000) await new Promise((r) => setTimeout(r, 10));
    const inFlightAtKill = traffic.inFlight();
    first.child.kill('SIGKILL');
    await first.exited;
    traffic.stop();
    await done;
    expect(first.child.signalCode).toBe('SIGKILL');
    expect(inFlightAtKill).toBeGreaterThan(0);
    expect(traffic.acked.payments.length).toBeGreaterThanOrEqual(60);

    const second = await serve(['--data-dir', dir]);
    try {
      expect(second.out()).toContain('resumed');
      await checkAfterRestart(second.base, traffic.acked);
      // Numbering goes on after every number handed out before the crash.
      const customer = customers[0]!;
      const next = await call(second.base, 'POST', '/api/v1/invoices', { customer_id: customer, line_items: [{ description: 'after', quantity: 1, unit_price: 1 }] });
      expect(next.status).toBe(201);
      expect(Number(/(\d+)$/.exec(next.body.number)![1])).toBeGreaterThan(lastNumber(traffic.acked.creates.map((c) => c.number)));
      // An idempotent request repeated after the restart replays the first answer.
      const firstCreate = traffic.acked.creates[0]!;
      const replay = await call(second.base, 'POST', '/api/v1/invoices', firstCreate.body, { 'idempotency-key': firstCreate.key });
      expect(replay.status).toBe(201);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body.id).toBe(firstCreate.id);
    } finally {
      second.child.kill('SIGKILL');
      await second.exited;
    }
  }, 90_000);

  it('SIGTERM under load exits 0 within a few seconds, and everything acknowledged is there after a restart', async () => {
    const dir = tempDir();
    const first = await serve(['--data-dir', dir]);
    const customers = await customersOf(first.base);
    const traffic = load(first.base, 6);
    const done = traffic.run(customers);
    const start = Date.now();
    while (traffic.acked.creates.length < 40 && Date.now() - start < 10_000) await new Promise((r) => setTimeout(r, 10));
    const signalled = Date.now();
    first.child.kill('SIGTERM');
    await first.exited;
    const took = Date.now() - signalled;
    traffic.stop();
    await done;
    expect(first.child.exitCode, first.out()).toBe(0);
    expect(took).toBeLessThan(6_000);

    const second = await serve(['--data-dir', dir]);
    try {
      await checkAfterRestart(second.base, traffic.acked);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
    expect(second.child.exitCode).toBe(0);
  }, 90_000);

  it('a write the disk refuses (I/O error): that request gets 503, one line is logged, the process exits 1, and a restart has every acknowledged write', async () => {
    const dir = tempDir();
    const first = await serve(['--data-dir', dir, '--fixtures', 'none'], { maxFileKiB: 1024 });
    expect(first.base, first.out()).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const customer = (await call(first.base, 'POST', '/api/v1/customers', { name: 'Disk Ltd', email: 'disk@example.test' })).body;
    const acked: Array<{ id: string; number: string }> = [];
    let refused: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 400 && !refused; i++) {
      const body = { customer_id: customer.id, line_items: Array.from({ length: 20 }, (_, n) => ({ description: `create ${i} line ${n} `.padEnd(200, '.'), quantity: 1, unit_price: 100 + n })) };
      const res = await call(first.base, 'POST', '/api/v1/invoices', body);
      if (res.status === 201) acked.push({ id: res.body.id, number: res.body.number });
      else refused = res;
    }
    expect(refused, 'the WAL never reached the file size limit').toBeDefined();
    expect(refused!.status).toBe(503);
    expect(refused!.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused!.body.code).toBe('storage_unavailable');
    await first.exited;
    expect(first.child.exitCode, first.out()).toBe(1);
    const logged = first.out().split('\n').filter((line) => line.startsWith('invoicekit:'));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/^invoicekit: the data directory can no longer be written \(SQLITE_IOERR/);
    expect(first.out()).not.toMatch(/\n\s+at /);
    expect(acked.length).toBeGreaterThan(0);

    const second = await serve(['--data-dir', dir]);
    try {
      expect(second.out()).toContain('resumed');
      const listed = (await call(second.base, 'GET', '/api/v1/invoices?limit=100')).body;
      expect(listed.pagination.total).toBe(acked.length);
      for (const a of acked) expect((await call(second.base, 'GET', `/api/v1/invoices/${a.id}`)).body.number).toBe(a.number);
    } finally {
      second.child.kill('SIGKILL');
      await second.exited;
    }
  }, 90_000);

  it('a locked, unusable or corrupt data directory: one clear line and exit code 2 (and SIGINT exits 0)', async () => {
    const dir = tempDir();
    const holder = await serve(['--data-dir', dir]);
    try {
      const expectRefused = async (target: string, message: RegExp) => {
        const refused = await serve(['--data-dir', target]);
        await refused.exited;
        expect(refused.child.exitCode).toBe(2);
        const text = refused.out().trim();
        expect(text).toMatch(message);
        expect(text.split('\n')).toHaveLength(1);
        expect(text).not.toMatch(/\n\s+at /);
      };
      await expectRefused(dir, /^invoicekit: data directory .* is in use by another invoicekit server/);
      const file = path.join(tempDir(), 'not-a-dir');
      writeFileSync(file, 'x');
      await expectRefused(file, /^invoicekit: data directory .* not a writable directory/);
      const corrupt = tempDir();
      writeFileSync(path.join(corrupt, 'invoicekit.sqlite'), Buffer.alloc(4096, 7));
      await expectRefused(corrupt, /^invoicekit: data directory .* is corrupt/);
    } finally {
      holder.child.kill('SIGINT');
      await holder.exited;
    }
    // SIGINT shuts down as gracefully as SIGTERM.
    expect(holder.child.exitCode).toBe(0);
  }, 90_000);
});
