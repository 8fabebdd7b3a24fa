import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docsAreStale } from '../scripts/build-docs.mjs';
import { DocsPages, type DocsBuilder } from './docs.ts';
import { startTestServer } from './testing/harness.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'invoicekit-docs-test-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const PAGE = '<!doctype html><html><head><title>invoicekit API</title></head><body><h1>invoicekit API</h1></body></html>';

/** A builder that writes a page after a delay, counting its builds. */
function fakeBuilder(out: string, opts: { stale?: boolean; canBuild?: boolean } = {}) {
  const calls = { builds: 0 };
  const builder: DocsBuilder = {
    stale: async () => opts.stale ?? true,
    canBuild: () => opts.canBuild ?? true,
    build: async () => {
      calls.builds++;
      await new Promise((r) => setTimeout(r, 300));
      await writeFile(path.join(out, 'index.html'), PAGE);
    },
  };
  return { builder, calls };
}

async function get(base: string, p: string) {
  const res = await request(base + p);
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

describe('GET /', () => {
  it('redirects to the docs', async () => {
    const s = await startTestServer();
    try {
      const res = await get(s.base, '/');
      expect([res.status, res.headers.location]).toEqual([302, '/docs']);
    } finally {
      await s.close();
    }
  });
});

describe('docs built on demand', () => {
  it('a server started without built docs builds them once and /docs waits for the page instead of a 404', async () => {
    const out = await mkdtemp(path.join(dir, 'missing-'));
    const { builder, calls } = fakeBuilder(out);
    const docs = new DocsPages(builder, out);
    const s = await startTestServer({ deps: { docs } });
    try {
      expect(await docs.start()).toBe('building');
      const [a, b] = await Promise.all([get(s.base, '/docs'), get(s.base, '/docs/')]);
      expect([a.status, b.status]).toEqual([200, 200]);
      expect(a.text).toContain('<h1>invoicekit API</h1>');
      expect(calls.builds).toBe(1);
    } finally {
      await s.close();
    }
  });

  it('fresh docs are not built again (start stays fast)', async () => {
    const out = await mkdtemp(path.join(dir, 'fresh-'));
    await writeFile(path.join(out, 'index.html'), PAGE);
    const { builder, calls } = fakeBuilder(out, { stale: false });
    const docs = new DocsPages(builder, out);
    expect(await docs.start()).toBe('fresh');
    expect(calls.builds).toBe(0);
  });

  it('when they cannot be built, start says so (the banner does not advertise them) and /docs says why', async () => {
    const out = await mkdtemp(path.join(dir, 'unbuildable-'));
    const { builder } = fakeBuilder(out, { canBuild: false });
    const docs = new DocsPages(builder, out);
    expect(await docs.start()).toBe('unavailable');
    const s = await startTestServer({ deps: { docs } });
    try {
      const res = await get(s.base, '/docs');
      expect(res.status).toBe(404);
      expect(JSON.parse(res.text).detail).toContain('npm run docs');
    } finally {
      await s.close();
    }
  });

  it('a page is stale when missing or older than its contract', async () => {
    const out = path.join(await mkdtemp(path.join(dir, 'stale-')), 'index.html');
    const spec = path.join(dir, 'spec.yaml');
    await writeFile(spec, 'openapi: 3.1.0');
    const options = { out, spec, controlSpec: '' };
    expect(docsAreStale(options)).toBe(true);
    await writeFile(out, PAGE);
    await utimes(spec, new Date('2026-01-01'), new Date('2026-01-01'));
    await utimes(out, new Date('2026-01-02'), new Date('2026-01-02'));
    expect(docsAreStale(options)).toBe(false);
    await utimes(spec, new Date('2026-01-03'), new Date('2026-01-03'));
    expect(docsAreStale(options)).toBe(true);
  });
});
