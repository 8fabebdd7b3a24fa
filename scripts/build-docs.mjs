// Builds the published API reference: one self-contained HTML file per contract, rendered by
// `redocly build-docs --inlineBundle` (Redoc's scripts and styles embedded in the page).
//
//   npm run docs                      → dist/docs/index.html (+ dist/docs/control.html)
//   node scripts/build-docs.mjs --out <file>
//
// The page must work with no internet: it may not load any script, stylesheet, font or image
// from another host. The build uses its own minimal page template (no CDN, no web fonts: Redoc
// falls back to system fonts), strips any external resource Redoc might still emit, then scans
// the result and fails when an external reference is left.
//
// When src/generated/control-openapi.yaml exists (the mock-control API), it is built too, into
// control.html next to the main page; when it is absent it is skipped silently.
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const defaultOut = path.join(root, 'dist', 'docs', 'index.html');
export const contractYaml = path.join(root, 'src', 'generated', 'openapi.yaml');
export const controlContractYaml = path.join(root, 'src', 'generated', 'control-openapi.yaml');

/**
 * The invoice lifecycle table (five columns of operations, statuses and error codes) does not fit
 * Redoc's middle column: squeezed into it, its last column was cut off and code wrapped mid-word
 * ("/publis h"). In the three-panel layout (Redoc's breakpoint, 1280px, and wider) the
 * table spans the middle and right columns: the middle column's content is half the row minus
 * the paddings (64px outside, 32px inside each column), so twice that plus 64px reaches the
 * right column's content edge. The info section's right panel (contact, servers) then stays at
 * the top of the page instead of following the reader over the table. Code in the table never
 * wraps, so an operation or error code reads as one word. test/docs.test.ts checks the result at
 * 1400 px: no cell overflows, the table fits, no code is broken.
 */
export const LIFECYCLE_SECTION = '[data-section-id="/section/invoice-lifecycle"]';
export const LIFECYCLE_TABLE_STYLE = `${LIFECYCLE_SECTION} table code { white-space: nowrap; word-break: normal; overflow-wrap: normal; }
    ${LIFECYCLE_SECTION} table { width: 100%; }
    ${LIFECYCLE_SECTION} .md-table-wrapper > table tr > th, ${LIFECYCLE_SECTION} .md-table-wrapper > table tr > td { padding-left: 8px; padding-right: 8px; }
    @media (min-width: 1280px) {
      ${LIFECYCLE_SECTION} .md-table-wrapper { width: calc(200% + 64px); overflow: visible; }
      div:has(> ${LIFECYCLE_SECTION}) + div { position: static; }
    }`;

/**
 * Page template for `redocly build-docs --template` (Handlebars). Redoc fills `redocHead` (its
 * inline styles, and with --inlineBundle no CDN link) and `redocHTML` (the prerendered page and
 * the inline hydration script). The Content-Security-Policy makes the browser refuse any load
 * from another origin, so a stray external reference cannot phone home even if one slipped in.
 */
const TEMPLATE = `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <title>{{title}}</title>
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self' data: blob:; worker-src 'self' blob:; frame-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'" />
  <meta name="generator" content="invoicekit scripts/build-docs.mjs (redocly build-docs --inlineBundle)" />
  <link rel="icon" href="data:," />
  <style>
    body { padding: 0; margin: 0; }
    ${LIFECYCLE_TABLE_STYLE}
  </style>
  {{{redocHead}}}
</head>
<body>
  {{{redocHTML}}}
</body>
</html>
`;

/** An absolute http(s) or protocol-relative URL, that is one pointing at some host. */
const EXTERNAL_URL = /^\s*(?:https?:)?\/\//i;
const isExternal = (value) => EXTERNAL_URL.test(decodeEntities(value));

function decodeEntities(value) {
  return value
    .replace(/&#x([0-9a-f]+);?/gi, (_, hex) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);?/g, (_, dec) => String.fromCodePoint(Number(dec)))
    .replace(/&colon;/gi, ':')
    .replace(/&sol;/gi, '/')
    .replace(/&amp;/gi, '&');
}

// Elements whose attributes make the browser fetch something.
const RESOURCE_TAG = /<(script|link|img|iframe|frame|source|embed|object|video|audio|track|input|image|use)\b[^>]*>/gi;
const RESOURCE_ATTR = /\s(src|href|xlink:href|srcset|imagesrcset|poster|data)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/gi;
const CSS_IMPORT = /@import\s+(?:url\(\s*)?["']?\s*([^"')\s;]+)/gi;
const CSS_URL = /url\(\s*["']?\s*([^"')\s]+)/gi;
// A URL of a script, stylesheet, font or image file on some host, wherever it appears (also as a
// string literal in inline code that would create an element with it at run time).
const ASSET_URL = /https?:\/\/[a-z0-9.-]+(?::\d+)?\/[^"'`\s()<>\\]*\.(?:m?js|css|svg|png|jpe?g|gif|webp|avif|ico|bmp|woff2?|ttf|otf|eot)(?![a-z0-9])/gi;
// Hosts that exist only to serve page resources (web fonts).
const RESOURCE_HOST = /(?:https?:)?\/\/(?:fonts\.googleapis\.com|fonts\.gstatic\.com|use\.typekit\.net|fonts\.bunny\.net)[^"'`\s()<>\\]*/gi;

/**
 * Redoc 3 renders its "API docs by Redocly" footer with <img> elements pointing at
 * cdn.redoc.ly. They are replaced by small inline SVG wordmarks; the link to redocly.com (a
 * navigation, not a load) stays.
 */
const svgDataUri = (svg) => `data:image/svg+xml,${encodeURIComponent(svg)}`;
const REDOC_LOGOS = new Map([
  [
    'https://cdn.redoc.ly/redoc/logo-mini-full.svg',
    svgDataUri(
      '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="16" viewBox="0 0 64 16"><text x="0" y="12.5" font-family="system-ui,-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif" font-size="13" font-weight="600" fill="#0044d4">Redocly</text></svg>',
    ),
  ],
  [
    'https://cdn.redoc.ly/redoc/logo-mini.svg',
    svgDataUri(
      '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#0044d4"/><text x="8" y="12" text-anchor="middle" font-family="system-ui,-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif" font-size="11" font-weight="700" fill="#fff">R</text></svg>',
    ),
  ],
]);

/**
 * Every reference in `html` that would make a browser load a resource from another host:
 * `<script src>`, `<link href>`, `<img src|srcset>` (and the other fetching elements), CSS
 * `@import` and `url(...)`. The whole text is scanned, inline scripts and styles included, so a
 * URL that a script would inject at run time is caught as well. Anchors (`<a href>`) are
 * navigation, not resources, and are allowed. Returns human-readable findings; empty = offline.
 */
export function findExternalResources(html) {
  const found = [];
  for (const tag of html.matchAll(RESOURCE_TAG)) {
    const name = tag[1].toLowerCase();
    for (const attr of tag[0].matchAll(RESOURCE_ATTR)) {
      const attrName = attr[1].toLowerCase();
      const value = attr[2] ?? attr[3] ?? attr[4] ?? '';
      const candidates = attrName.endsWith('srcset') ? value.split(',').map((part) => part.trim().split(/\s+/)[0] ?? '') : [value];
      for (const url of candidates) if (isExternal(url)) found.push(`<${name} ${attrName}> ${url}`);
    }
  }
  for (const m of html.matchAll(CSS_IMPORT)) if (isExternal(m[1])) found.push(`@import ${m[1]}`);
  for (const m of html.matchAll(CSS_URL)) if (isExternal(m[1])) found.push(`url(${m[1]})`);
  for (const m of html.matchAll(ASSET_URL)) found.push(`asset ${m[0]}`);
  for (const m of html.matchAll(RESOURCE_HOST)) found.push(`resource host ${m[0]}`);
  return [...new Set(found)];
}

/**
 * Removes the external resources Redoc's output is known to carry (CDN module preloads, Google
 * Fonts links and imports, remote images) outside of script bodies. Whatever is left is caught
 * by findExternalResources.
 */
export function stripExternalResources(html) {
  // Split on script elements so their code is never rewritten.
  const parts = html.split(/(<script\b[^>]*>[\s\S]*?<\/script\s*>)/i);
  return parts
    .map((part, i) => {
      if (i % 2 === 1) {
        // A script element: drop it entirely when it loads an external file.
        const open = /^<script\b[^>]*>/i.exec(part)?.[0] ?? '';
        const src = /\ssrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(open);
        if (src && isExternal(src[1] ?? src[2] ?? src[3] ?? '')) return '';
        let code = part;
        for (const [url, replacement] of REDOC_LOGOS) code = code.split(url).join(replacement);
        return code;
      }
      return part
        .replace(/<link\b[^>]*>/gi, (tag) => {
          const href = /\shref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(tag);
          return href && isExternal(href[1] ?? href[2] ?? href[3] ?? '') ? '' : tag;
        })
        .replace(/@import\s+(?:url\(\s*)?["']?\s*((?:https?:)?\/\/[^"')\s;]+)["']?\s*\)?[^;]*;/gi, '')
        .replace(/url\(\s*["']?\s*(?:https?:)?\/\/[^"')\s]+["']?\s*\)/gi, 'url("data:,")')
        .replace(/(<img\b[^>]*?\s)src\s*=\s*(?:"(?:https?:)?\/\/[^"]*"|'(?:https?:)?\/\/[^']*')/gi, '$1src="data:,"')
        .replace(/(<img\b[^>]*?\s)srcset\s*=\s*(?:"[^"]*\/\/[^"]*"|'[^']*\/\/[^']*')/gi, '$1');
    })
    .join('');
}

/** Renders one OpenAPI document into one offline HTML file. */
async function buildOne(spec, out, templateFile, signal) {
  const work = await mkdtemp(path.join(tmpdir(), 'invoicekit-docs-'));
  try {
    const raw = path.join(work, 'redoc.html');
    const args = ['build-docs', spec, '--inlineBundle', '--template', templateFile, '--output', raw, '--lint-config', 'off'];
    const config = path.join(root, 'redocly.yaml');
    if (existsSync(config)) args.push('--config', config);
    try {
      await run(path.join(root, 'node_modules', '.bin', 'redocly'), args, {
        cwd: root,
        timeout: 180_000,
        signal,
        maxBuffer: 16 * 1024 * 1024,
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
      });
    } catch (error) {
      const output = [error.stdout, error.stderr].filter(Boolean).join('\n').trim();
      throw new Error(`redocly build-docs failed for ${path.relative(root, spec)}: ${error.message}${output ? `\n${output}` : ''}`);
    }
    const html = stripExternalResources(await readFile(raw, 'utf8'));
    const external = findExternalResources(html);
    if (external.length) {
      throw new Error(`${path.relative(root, spec)}: the docs page would load resources from other hosts:\n  ${external.join('\n  ')}`);
    }
    await mkdir(path.dirname(out), { recursive: true });
    // Written beside and renamed: a server reading the page, or a second build, never sees half of it.
    const partial = `${out}.${process.pid}.${Date.now()}.partial`;
    await writeFile(partial, html);
    await rename(partial, out);
    return out;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Builds the API reference into `out` (default dist/docs/index.html) and, when
 * src/generated/control-openapi.yaml exists, the mock-control reference into `controlOut`
 * (default control.html next to `out`). Throws when a build fails or a page is not offline.
 * `signal` stops a build under way (a server shutting down does not leave redocly running).
 */
export async function buildDocs({ out = defaultOut, spec = contractYaml, controlSpec = controlContractYaml, controlOut, signal } = {}) {
  const indexOut = path.resolve(out);
  const work = await mkdtemp(path.join(tmpdir(), 'invoicekit-docs-template-'));
  try {
    const templateFile = path.join(work, 'template.hbs');
    await writeFile(templateFile, TEMPLATE);
    const files = [await buildOne(path.resolve(spec), indexOut, templateFile, signal)];
    let control = null;
    if (controlSpec && existsSync(controlSpec)) {
      control = await buildOne(path.resolve(controlSpec), path.resolve(controlOut ?? path.join(path.dirname(indexOut), 'control.html')), templateFile, signal);
      files.push(control);
    }
    return { index: indexOut, control, files };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const mtime = (file) => {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
};

/**
 * Whether a page is missing or older than the contract it renders (so `npm start` and `serve`
 * build the docs only when needed: a build takes seconds).
 */
export function docsAreStale({ out = defaultOut, spec = contractYaml, controlSpec = controlContractYaml, controlOut } = {}) {
  const pairs = [[path.resolve(out), spec]];
  if (controlSpec && existsSync(controlSpec)) pairs.push([path.resolve(controlOut ?? path.join(path.dirname(path.resolve(out)), 'control.html')), controlSpec]);
  return pairs.some(([page, source]) => {
    const built = mtime(page);
    return built === undefined || built < (mtime(source) ?? Infinity);
  });
}

function parseArgs(argv) {
  const options = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--out' || arg === '-o') {
      const value = argv[++i];
      if (!value) throw new Error(`${arg} needs a file path`);
      options.out = value;
    } else if (arg.startsWith('--out=')) {
      options.out = arg.slice('--out='.length);
    } else if (arg === '--if-stale') {
      options.ifStale = true;
    } else if (arg === '--help' || arg === '-h') {
      options.help = true;
    } else {
      throw new Error(`Unknown argument: ${arg}`);
    }
  }
  return options;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const options = parseArgs(process.argv.slice(2));
    if (options.help) {
      console.log('Usage: node scripts/build-docs.mjs [--out <file>] [--if-stale]  (default dist/docs/index.html; --if-stale: only when missing or older than the contract)');
    } else if (options.ifStale && !docsAreStale({ out: options.out ? path.resolve(process.cwd(), options.out) : defaultOut })) {
      console.log('docs are up to date with the contract');
    } else {
      const { files } = await buildDocs({ out: options.out ? path.resolve(process.cwd(), options.out) : defaultOut });
      for (const file of files) console.log(`wrote ${path.relative(process.cwd(), file) || file} (offline: no external resources)`);
    }
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
