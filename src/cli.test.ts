import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../scripts/invoicekit.mjs', import.meta.url));

/** Starts `invoicekit serve` as users do, waits for its banner (bounded), and returns what it printed. */
async function serve(args: string[]) {
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const deadline = Date.now() + 20_000;
  while (!/Try|listening[\s\S]*Data/.test(out) && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return { child, out: () => out };
}

describe('invoicekit serve', () => {
  it('prints the base URL, a working API key, the docs URL and the admin token', async () => {
    const { child, out } = await serve([]);
    try {
      const text = out();
      const base = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(text)?.[1];
      const key = /API key\s+: (\S+)/.exec(text)?.[1];
      const admin = /admin token: (\S+)/.exec(text)?.[1];
      expect(text).toContain('/docs');
      expect(base && key && admin, text).toBeTruthy();
      const list = await request(`${base}/api/v1/invoices?limit=1`, { headers: { authorization: `Bearer ${key}` } });
      expect(list.statusCode).toBe(200);
      expect(((await list.body.json()) as any).pagination.total).toBeGreaterThan(100);
      const clock = await request(`${base}/control/clock`, { headers: { authorization: `Bearer ${admin}` } });
      expect(((await clock.body.json()) as any).now.startsWith('2026-06-30')).toBe(true);
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('exits with a clear message on bad configuration', async () => {
    const { child, out } = await serve(['--rate-limit', 'lots']);
    await new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r(null)));
    expect(child.exitCode).toBe(2);
    expect(out()).toContain('INVOICEKIT_RATE_LIMIT must be an integer');
  });

  it('documents its flags in --help', async () => {
    const child = spawn(process.execPath, [bin, 'serve', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    await new Promise((r) => child.once('exit', r));
    for (const flag of ['--port', '--host', '--seed', '--fixtures', '--clock', '--latency', '--faults', '--api-keys', '--rate-limit', '--admin-token']) expect(text).toContain(flag);
  });
});
