// The published API reference: built by scripts/build-docs.mjs, it must be one self-contained
// page (no script, stylesheet, font or image from another host) that really renders every tag
// of the contract and the invoice state machine in a browser. Headless Chromium loads it from a
// loopback HTTP server and every request it makes is recorded.
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { docsContentSecurityPolicy } from '../src/http/security.ts';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { buildDocs, findExternalResources } from '../scripts/build-docs.mjs';
import { listOperations, loadContract } from '../src/contract/load.ts';
import { launchChromium, recordPageProblems, UI_TIMEOUT_MS, type Chromium } from './chromium.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const doc = loadContract();
const info = doc.info as { title: string; description: string };

// ---------------------------------------------------------------------------------------------
// What the page must show, derived from the contract

/** Every tag (declared or used) → the summaries of its operations. */
function tagSummaries(): Array<{ tag: string; summaries: string[] }> {
  const declared = ((doc.tags as Array<{ name: string }> | undefined) ?? []).map((t) => t.name);
  const operations = listOperations(doc);
  const used = operations.flatMap((o) => (o.operation.tags as string[] | undefined) ?? []);
  return [...new Set([...declared, ...used])].map((tag) => ({
    tag,
    summaries: operations.filter((o) => ((o.operation.tags as string[] | undefined) ?? []).includes(tag)).map((o) => String(o.operation.summary)),
  }));
}

/** Markdown inline syntax → the text a renderer shows. */
const plain = (cell: string) =>
  cell
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/\*\*([^*]*)\*\*/g, '$1')
    .replace(/(^|\W)[*_]([^*_]+)[*_](?=\W|$)/g, '$1$2')
    .replace(/\s+/g, ' ')
    .trim();

/** The first markdown table of the `## Invoice lifecycle` section of info.description. */
function lifecycleTable(): { header: string[]; rows: string[][] } {
  const section = info.description.split(/^## /m).find((s) => s.startsWith('Invoice lifecycle'));
  if (!section) throw new Error('info.description has no "## Invoice lifecycle" section');
  const lines = section.split('\n').filter((l) => l.trim().startsWith('|'));
  const cells = (line: string) => line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map(plain);
  const [header, separator, ...rows] = lines;
  if (!header || !separator || !/^[\s|:-]+$/.test(separator)) throw new Error('the lifecycle section has no markdown table');
  return { header: cells(header), rows: rows.map(cells) };
}

// ---------------------------------------------------------------------------------------------
// Fixture: built page, loopback server, browser

let work = '';
let html = '';
let controlHtml: string | undefined; // the mock-control reference, when its contract exists
let controlTitle = '';
let server: Server | undefined;
let baseUrl = '';
let browser: Chromium | undefined;
let context: BrowserContext | undefined;
let page: Page;
let screenshots = '';
const requests: string[] = [];
const failedRequests: string[] = [];
const cspViolations: string[] = [];
const pageErrors: string[] = [];

const isLoopbackHost = (host: string) => ['127.0.0.1', 'localhost', '[::1]', '::1'].includes(host.toLowerCase());

/** True when loading `url` does not leave the machine (loopback, or data:/blob: of a loopback page). */
function staysLocal(url: string): boolean {
  const parsed = new URL(url);
  if (parsed.protocol === 'data:' || parsed.protocol === 'about:') return true;
  if (parsed.protocol === 'blob:') return staysLocal(url.slice('blob:'.length));
  return isLoopbackHost(parsed.hostname);
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'invoicekit-docs-test-'));
  const built = await buildDocs({ out: path.join(work, 'site', 'index.html') });
  html = await readFile(built.index, 'utf8');
  if (built.control) {
    controlHtml = await readFile(built.control, 'utf8');
    controlTitle = String(YAML.parse(await readFile(path.join(root, 'src', 'generated', 'control-openapi.yaml'), 'utf8'))?.info?.title ?? '');
  }
  screenshots = process.env.DOCS_SCREENSHOT_DIR ?? path.join(work, 'screenshots');

  server = createServer((req, res) => {
    const body = req.url === '/' || req.url === '/index.html' ? html : req.url === '/control.html' ? controlHtml : undefined;
    if (req.method === 'GET' && body !== undefined) {
      // The reference server's own policy for the docs (src/http/security.ts): the page must render under it.
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': docsContentSecurityPolicy(body) });
      res.end(body);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server!.once('error', reject);
    server!.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no server address');
  baseUrl = `http://127.0.0.1:${address.port}`;

  browser = await launchChromium(work);
  context = browser.context;
  page = browser.page;
  context.on('request', (r) => requests.push(r.url()));
  context.on('requestfailed', (r) => failedRequests.push(`${r.url()} (${r.failure()?.errorText ?? '?'})`));
  recordPageProblems(page, { cspViolations, pageErrors });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  if (server) {
    server.closeAllConnections();
    await new Promise<void>((r) => server!.close(() => r()));
  }
  if (work) await rm(work, { recursive: true, force: true, maxRetries: 3 });
}, 60_000);

/** Headings whose whole text is `text` (not a longer heading that contains it). */
const heading = (text: string): Locator => {
  const exact = new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
  return page.locator('h1, h2, h3, h4, h5, h6').filter({ hasText: exact });
};

/** Waits (bounded) until the element is visible and at least partly inside the viewport. */
async function expectOnScreen(locator: Locator, what: string): Promise<void> {
  await locator.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS }).catch(() => {
    throw new Error(`${what} is not visible`);
  });
  await locator.scrollIntoViewIfNeeded({ timeout: UI_TIMEOUT_MS });
  const box = await locator.boundingBox();
  const viewport = page.viewportSize()!;
  expect(box, `${what} has a box`).not.toBeNull();
  expect(box!.width * box!.height, `${what} has an area`).toBeGreaterThan(0);
  expect(box!.y + box!.height > 0 && box!.y < viewport.height, `${what} is inside the viewport`).toBe(true);
}

/** The rendered table whose header row is the lifecycle table's header. */
async function findLifecycleTable(): Promise<Locator> {
  const expected = lifecycleTable();
  const tables = page.locator('table');
  const count = await tables.count();
  for (let i = 0; i < count; i++) {
    const header = (await tables.nth(i).locator('tr').first().locator('th, td').allInnerTexts()).map(plain);
    if (JSON.stringify(header) === JSON.stringify(expected.header)) return tables.nth(i);
  }
  throw new Error(`no table with the columns ${expected.header.join(' | ')}`);
}

/**
 * Runs in the page: what makes `table` hard to read. The table must fit its container (no
 * scrolling, no cut-off column), no cell may overflow its box, and every code element must sit on
 * one line inside its cell (a code wrapped mid-word reads "/publis h").
 */
function readabilityProblems(table: HTMLTableElement): string[] {
  const problems: string[] = [];
  const container = table.parentElement!;
  if (table.scrollWidth > table.clientWidth + 1 || container.scrollWidth > container.clientWidth + 1) {
    problems.push(`table wider than its container: ${table.scrollWidth}px in ${container.clientWidth}px`);
  }
  const outer = container.getBoundingClientRect();
  for (const cell of table.querySelectorAll('th, td')) {
    const box = cell.getBoundingClientRect();
    const text = (cell as HTMLElement).innerText.slice(0, 40);
    if (cell.scrollWidth > cell.clientWidth + 1) problems.push(`cell overflows: "${text}" (${cell.scrollWidth}px in ${cell.clientWidth}px)`);
    if (box.right > outer.right + 1) problems.push(`cell cut off: "${text}"`);
    for (const code of cell.querySelectorAll('code')) {
      const lines = new Set([...code.getClientRects()].map((r) => Math.round(r.top)));
      const at = code.getBoundingClientRect();
      if (lines.size > 1) problems.push(`code broken over ${lines.size} lines: "${code.textContent}"`);
      else if (at.right > box.right + 1 || at.left < box.left - 1) problems.push(`code overflows its cell: "${code.textContent}"`);
    }
  }
  return problems;
}

async function screenshot(name: string): Promise<string> {
  const file = path.join(screenshots, name);
  await page.screenshot({ path: file, timeout: UI_TIMEOUT_MS });
  return file;
}

// ---------------------------------------------------------------------------------------------

describe('docs build', () => {
  it('writes one self-contained page that references no other host', () => {
    expect(html).toContain('<div id="redoc">');
    expect(findExternalResources(html)).toEqual([]);
  });

  it('the offline check finds external resources when there are some (the gate can fail)', () => {
    const bad = [
      '<link href="https://fonts.googleapis.com/css?family=Montserrat:300,400,700" rel="stylesheet">',
      '<script src="https://cdn.redocly.com/redoc/v3/redoc.standalone.js"></script>',
      '<style>@import url("https://fonts.googleapis.com/css2?family=Inter");</style>',
      '<style>@font-face { src: url(//fonts.gstatic.com/s/inter.woff2) }</style>',
      '<img alt="logo" src="http://example.com/logo.png">',
      '<script>el.src = "https://cdn.redoc.ly/redoc/logo-mini.svg"</script>',
    ];
    for (const snippet of bad) expect(findExternalResources(`<html><head>${snippet}</head></html>`), snippet).not.toEqual([]);
    const fine = '<a href="https://redocly.com">docs</a><img src="data:image/png;base64,AAAA"><style>.a{background:url(#grad)}</style>';
    expect(findExternalResources(fine)).toEqual([]);
  });

  it('also builds the mock-control reference when its contract exists, and skips it silently when not', async () => {
    const small = path.join(work, 'control-openapi.yaml');
    await writeFile(
      small,
      [
        'openapi: 3.1.0',
        'info: { title: invoicekit mock control, version: 1.0.0 }',
        'paths:',
        '  /__control/reset:',
        '    post:',
        '      operationId: reset',
        '      summary: Reset the mock',
        '      responses:',
        "        '204': { description: Reset. }",
        '',
      ].join('\n'),
    );
    const withControl = await buildDocs({ out: path.join(work, 'with-control', 'index.html'), spec: small, controlSpec: small });
    expect(withControl.control).toBe(path.join(work, 'with-control', 'control.html'));
    const control = await readFile(withControl.control!, 'utf8');
    expect(control).toContain('invoicekit mock control');
    expect(findExternalResources(control)).toEqual([]);

    const without = await buildDocs({ out: path.join(work, 'without-control', 'index.html'), spec: small, controlSpec: path.join(work, 'absent.yaml') });
    expect(without.control).toBeNull();
    expect(without.files).toEqual([path.join(work, 'without-control', 'index.html')]);
  }, 120_000);
});

describe('docs page in headless Chromium', () => {
  it('renders the API title and introduction', async () => {
    await page.goto(`${baseUrl}/`, { waitUntil: 'load', timeout: UI_TIMEOUT_MS });
    await expectOnScreen(heading(`${info.title} (${(doc.info as { version: string }).version})`).or(heading(info.title)).first(), 'the API title');
    const shot = await screenshot('overview.png');
    // A blank or half-rendered page compresses to a few kB; the rendered one is far larger.
    expect((await stat(shot)).size).toBeGreaterThan(30_000);
    expect(readFileSync(shot).subarray(1, 4).toString()).toBe('PNG');
  });

  it('renders the invoice state machine as a visible HTML table with every row of the contract', async () => {
    const expected = lifecycleTable();
    const labels = expected.rows.map((r) => r[0]);
    expect(labels).toEqual(expect.arrayContaining(['void', 'mark as paid']));

    const table = await findLifecycleTable();
    await expectOnScreen(table, 'the state machine table');
    await screenshot('lifecycle.png');

    const rendered: string[][] = [];
    for (const row of await table.locator('tbody tr').all()) rendered.push((await row.locator('td, th').allInnerTexts()).map(plain));
    expect(rendered.map((r) => r[0])).toEqual(labels);
    expect(rendered).toEqual(expected.rows);
  });

  it('shows the state machine readably at 1400 px: wider than the middle column, nothing cut off, no code broken', async () => {
    expect(page.viewportSize()?.width).toBe(1400);
    await page.goto(`${baseUrl}/`, { waitUntil: 'load', timeout: UI_TIMEOUT_MS });
    const table = await findLifecycleTable();
    await table.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    await table.scrollIntoViewIfNeeded();
    expect(await table.evaluate(readabilityProblems)).toEqual([]);
    const layout = await table.evaluate((t) => {
      const box = t.getBoundingClientRect();
      // The prose of the same section is as wide as Redoc's middle column.
      const prose = t.closest('[data-section-id]')!.querySelector('p')!.getBoundingClientRect();
      const content = document.querySelector('.api-content')!.getBoundingClientRect();
      const overlapped = [...document.querySelectorAll('.panel-api-docs')].map((p) => p.getBoundingClientRect()).filter((p) => p.right > box.left && p.left < box.right && p.bottom > box.top && p.top < box.bottom);
      return { width: box.width, prose: prose.width, right: box.right, contentRight: content.right, viewport: window.innerWidth, overlapped: overlapped.length };
    });
    expect(layout.width, 'the table is wider than the middle column').toBeGreaterThan(layout.prose * 1.5);
    expect(layout.right).toBeLessThanOrEqual(Math.min(layout.contentRight, layout.viewport));
    expect(layout.overlapped, 'right-panel boxes over the table').toBe(0);
    await screenshot('lifecycle-1400.png');
  });

  it('the readability check finds a squeezed table with code broken mid-word (the gate can fail)', async () => {
    const table = await findLifecycleTable();
    await table.evaluate((t) => {
      // The table as Redoc showed it before: in a narrow column, code allowed to break anywhere.
      const box = document.createElement('div');
      box.id = 'squeezed-lifecycle-copy';
      box.style.cssText = 'width:420px;overflow:auto';
      const copy = t.cloneNode(true) as HTMLTableElement;
      for (const code of copy.querySelectorAll('code')) (code as HTMLElement).style.cssText = 'white-space:normal;word-break:break-all';
      box.append(copy);
      document.body.append(box);
    });
    const copy = page.locator('#squeezed-lifecycle-copy');
    let problems: string[];
    try {
      problems = await copy.locator('table').evaluate(readabilityProblems);
    } finally {
      await copy.evaluate((box) => box.remove());
    }
    expect(problems.some((p) => p.startsWith('code broken'))).toBe(true);
    expect(problems.some((p) => p.startsWith('table wider than its container') || p.startsWith('cell overflows'))).toBe(true);
  });

  const tags = tagSummaries();
  it('the contract has tags, each with operations', () => {
    expect(tags.length).toBeGreaterThan(0);
    for (const { tag, summaries } of tags) expect(summaries.length, `operations tagged ${tag}`).toBeGreaterThan(0);
  });

  it.each(tags.map((t) => [t.tag, t.summaries] as const))('shows the tag %s with its operations', async (tag, summaries) => {
    // Redoc 3 renders tag sections as they are reached: go there through the sidebar, as a reader would.
    await page.getByRole('link', { name: tag, exact: true }).first().click({ timeout: UI_TIMEOUT_MS });
    await expectOnScreen(heading(tag).first(), `the heading of tag ${tag}`);

    // Operations render right after their tag's heading; wait (bounded) for the first of them.
    const anyOperation = summaries.map((s) => heading(s)).reduce((a, b) => a.or(b));
    await anyOperation.first().waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS }).catch(() => undefined);
    const visible: string[] = [];
    for (const summary of summaries) {
      const candidate = heading(summary).first();
      if (await candidate.isVisible()) {
        await expectOnScreen(candidate, `operation "${summary}" of tag ${tag}`);
        visible.push(summary);
      }
    }
    expect(visible.length, `visible operation summaries of ${tag} (expected some of: ${summaries.join(', ')})`).toBeGreaterThan(0);
  });

  it('renders the mock-control reference too', async () => {
    expect(controlHtml, 'dist control.html was built').toBeDefined();
    expect(findExternalResources(controlHtml!)).toEqual([]);
    await page.goto(`${baseUrl}/control.html`, { waitUntil: 'load', timeout: UI_TIMEOUT_MS });
    expect(await page.title()).toBe(controlTitle);
    await expectOnScreen(page.locator('h1').filter({ hasText: controlTitle }).first(), 'the mock-control API title');
    await screenshot('control.png');
  });

  it('loaded nothing from another host and broke no content policy', async () => {
    await screenshot('last.png');
    expect(requests.length, 'the page was loaded').toBeGreaterThan(0);
    expect(requests.filter((url) => !staysLocal(url)), `requests: ${requests.join('\n')}\nfailed: ${failedRequests.join('\n')}`).toEqual([]);
    expect(cspViolations).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
