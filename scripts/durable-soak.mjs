#!/usr/bin/env node
// Soak for `serve --data-dir` under whichever Node runs this script (see README, "Durable state").
// Spawns the real CLI with --expose-gc and a preload that forces a major GC every few ms as a
// task of its own (gc({ execution: 'async' }) runs the collection outside any JavaScript
// context: the case that aborts better-sqlite3 12.x on Node >= 24.19 if a statement is garbage),
// sends mixed requests (creates with Idempotency-Key, mark-sent, payments, reads, lists,
// OAuth tokens, control snapshots) with idle pauses between bursts, then SIGTERMs it (exit 0
// expected), restarts it on the same directory, checks what was acknowledged is there, and
// SIGTERMs it again. Exit 0 if no process aborted and every check held.
//
//   node scripts/durable-soak.mjs [requests=3000]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const total = Number(process.argv[2] ?? 3000);
const KEY = 'soak_key_0123456789';
const ADMIN = 'soak-admin-token-0123456789';
const work = mkdtempSync(path.join(tmpdir(), 'invoicekit-soak-'));
const dataDir = path.join(work, 'data');
const pulse = path.join(work, 'gc-pulse.mjs');
writeFileSync(
  pulse,
  `if (typeof globalThis.gc === 'function') {
  let n = 0;
  setInterval(() => { n++; void globalThis.gc({ type: n % 4 ? 'minor' : 'major', execution: 'async' }); }, 5).unref();
}
`,
);

const children = [];
function serve() {
  const args = ['--expose-gc', '--import', pathToUrl(pulse), path.join(root, 'scripts/invoicekit.mjs'), 'serve', '--port', '0', '--host', '127.0.0.1', '--rate-limit', '0', '--api-keys', `acme:${KEY}`, '--oauth-clients', 'acme:soak-client:soak-secret', '--admin-token', ADMIN, '--data-dir', dataDir];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const ready = (async () => {
    const deadline = Date.now() + 60_000;
    while (!/Try/.test(out) && child.exitCode === null && child.signalCode === null && Date.now() < deadline) await sleep(50);
    const base = /listening on (http:\/\/\S+)/.exec(out)?.[1];
    if (!base) throw new Error(`server did not start:\n${out}`);
    return base;
  })();
  return { child, ready, exited, out: () => out };
}

function pathToUrl(p) {
  return new URL(`file://${p}`).href;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function call(base, method, url, body, headers = {}) {
  const res = await fetch(base + url, {
    method,
    headers: { authorization: `Bearer ${KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const expectStatus = (what, res, ...ok) => {
  if (!ok.includes(res.status)) throw new Error(`${what} → ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  return res;
};

async function mixed(base, count) {
  const customers = (await call(base, 'GET', '/api/v1/customers?limit=8')).body.data.map((c) => c.id);
  const created = [];
  let done = 0;
  const counts = {};
  const tally = (k) => (counts[k] = (counts[k] ?? 0) + 1);
  const worker = async (w) => {
    for (let i = 0; done < count; i++) {
      const kind = (w + i) % 8;
      done++;
      if (kind <= 2 || created.length === 0) {
        const body = { customer_id: customers[(w + i) % customers.length], line_items: [{ description: `soak ${w}/${i}`, quantity: 1 + (i % 3), unit_price: 1000 + i }] };
        const key = `soak-${w}-${i}`;
        const res = expectStatus('create', await call(base, 'POST', '/api/v1/invoices', body, { 'idempotency-key': key }), 201);
        // The same key again: the kept answer.
        if (i % 5 === 0) expectStatus('create replay', await call(base, 'POST', '/api/v1/invoices', body, { 'idempotency-key': key }), 201);
        created.push({ id: res.body.id, total: res.body.total, sending: false, sent: false, paid: false });
        tally('create');
      } else if (kind === 3) {
        const inv = created.find((c) => !c.sending);
        if (inv) {
          inv.sending = true;
          expectStatus('mark-sent', await call(base, 'POST', `/api/v1/invoices/${inv.id}/mark-sent`), 200);
          inv.sent = true;
          tally('mark-sent');
        }
      } else if (kind === 4) {
        const inv = created.filter((c) => c.sent && !c.paid).at(-1);
        if (inv) {
          inv.paid = true;
          expectStatus('payment', await call(base, 'POST', `/api/v1/invoices/${inv.id}/payments`, { amount: Math.floor(inv.total / 2) }), 201);
          tally('payment');
        }
      } else if (kind === 5) {
        expectStatus('list', await call(base, 'GET', `/api/v1/invoices?limit=50&page=${1 + (i % 3)}`), 200);
        tally('list');
      } else if (kind === 6) {
        const res = await fetch(`${base}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('soak-client:soak-secret').toString('base64')}` }, body: 'grant_type=client_credentials' });
        await res.text();
        if (res.status !== 200) throw new Error(`token → ${res.status}`);
        tally('token');
      } else if (i % 40 === 7) {
        const name = `soak-${w}-${i}`;
        expectStatus('snapshot', await call(base, 'POST', '/control/snapshots', { name }, { authorization: `Bearer ${ADMIN}` }), 200, 201);
        expectStatus('snapshots', await call(base, 'GET', '/control/snapshots', undefined, { authorization: `Bearer ${ADMIN}` }), 200);
        tally('snapshot');
      } else {
        expectStatus('get', await call(base, 'GET', `/api/v1/invoices/${created[i % created.length].id}`), 200);
        tally('get');
      }
      // Idle now and then, so that V8's idle-time and memory-reducer collections get their turn too.
      if (i % 100 === 99) await sleep(200);
    }
  };
  await Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)));
  return { created, counts };
}

async function stop(server, what) {
  server.child.kill('SIGTERM');
  const { code, signal } = await server.exited;
  if (code !== 0) throw new Error(`${what}: exit ${code} ${signal ?? ''}\n${server.out().slice(-3000)}`);
}

const started = Date.now();
let failed = false;
try {
  const first = serve();
  const base = await first.ready;
  const { created, counts } = await mixed(base, total);
  await sleep(1500); // idle with the pulse running
  if (first.child.exitCode !== null || first.child.signalCode !== null) throw new Error(`server died: ${first.child.exitCode} ${first.child.signalCode}\n${first.out().slice(-3000)}`);
  await stop(first, 'first server, SIGTERM');
  const second = serve();
  const base2 = await second.ready;
  for (const c of created) expectStatus(`after restart ${c.id}`, await call(base2, 'GET', `/api/v1/invoices/${c.id}`), 200);
  await sleep(1000);
  await stop(second, 'second server, SIGTERM');
  console.log(`durable-soak: ${process.version}: ${total} mixed requests (${JSON.stringify(counts)}), ${created.length} invoices there after a restart, both servers exited 0 under forced GCs; ${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (error) {
  failed = true;
  console.error(`durable-soak: ${process.version}: FAILED: ${error instanceof Error ? error.message : error}`);
} finally {
  // A server left running by a failed check is not left behind.
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
