import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuilt } from '../scripts/build.mjs';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../scripts/invoicekit.mjs', import.meta.url));
// The bin runs the compiled code (dist/), as users do: compile it first when the sources changed.
beforeAll(() => ensureBuilt(), 300_000);

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

/** Runs the CLI to its end (bounded) and returns its exit code and everything it printed. */
async function run(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
  // 'close', not 'exit': the output may still be on its way when the process has exited.
  const code = await new Promise<number | null>((r) => child.once('close', (c) => r(c)));
  clearTimeout(timer);
  return { code, out: out.trim() };
}

describe('invoicekit serve fails politely', () => {
  let dir: string;
  let busy: ReturnType<typeof createServer>;
  let busyPort: number;
  const version = JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8')).version as string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'invoicekit-cli-'));
    await writeFile(path.join(dir, 'broken.json'), '{"format": "invoicekit-dataset@1", "tenants": [');
    await writeFile(path.join(dir, 'other.json'), '{"hello": "world"}');
    busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    busyPort = (busy.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((r) => busy.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  it.concurrent.each([
    ['a port in use', () => ['--port', String(busyPort)], {}, /port \d+ on 127\.0\.0\.1 is already in use: .*--port/],
    ['a missing fixtures file', () => ['--fixtures', path.join(dir, 'nope.json')], {}, /fixtures file not found: .*nope\.json; .*--fixtures none/],
    ['a fixtures file that is not JSON', () => ['--fixtures', path.join(dir, 'broken.json')], {}, /data set .*broken\.json could not be loaded \(.*\); regenerate it/],
    ['a fixtures file that is not a data set', () => ['--fixtures', path.join(dir, 'other.json')], {}, /data set .*other\.json could not be loaded .*not an invoicekit dataset/],
    ['a HOST that is no host name', () => [], { HOST: 'bad host!' }, /HOST \(--host\) must be an IP address or a host name/],
    ['a HOST that is not this machine', () => [], { HOST: '203.0.113.7' }, /HOST '203\.0\.113\.7' is not an address of this machine: use 127\.0\.0\.1/],
    ['a HOST that does not resolve', () => [], { HOST: 'no-such-host.invalid' }, /HOST 'no-such-host\.invalid' does not resolve to an address/],
    ['a public URL that is not http(s)', () => [], { INVOICEKIT_PUBLIC_URL: 'ftp:/x' }, /INVOICEKIT_PUBLIC_URL \(--public-url\) must be an http\(s\) URL .*'ftp:\/x'/],
    ['a CORS origin that is not an origin', () => [], { INVOICEKIT_CORS_ORIGINS: 'notaurl' }, /INVOICEKIT_CORS_ORIGINS \(--cors\): 'notaurl' is not an origin/],
  ] as const)('%s: one line that says what to do, exit code 2', async (_what, args, env, message) => {
    const { code, out } = await run(['serve', '--port', '0', ...args()], env as Record<string, string>);
    expect(out.split('\n'), out).toHaveLength(1);
    expect(out).toMatch(/^invoicekit: /);
    expect(out).toMatch(message);
    expect(out).not.toMatch(/\n\s+at |Error:|errno|syscall/);
    expect(code).toBe(2);
  });

  it('--version prints the version', async () => {
    for (const flag of ['--version', '-V']) expect(await run([flag])).toEqual({ code: 0, out: version });
  });
});
