// Gate on spec/seed-mapping.md: every endpoint, parameter, field, status, header and auth item
// that the five vendor documents in spec/seeds/ describe must have a row in that seed's section,
// and every canonical reference in a row must exist in the bundled contract
// (src/generated/openapi.json).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { at, readers } from './seed-extract.test-helper.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const doc: any = JSON.parse(readFileSync(join(root, 'src/generated/openapi.json'), 'utf8'));
const MAPPING_PATH = join(root, 'spec/seed-mapping.md');
const SEED_DIR = join(root, 'spec/seeds');
const seedFiles = readdirSync(SEED_DIR)
  .filter((f) => f.endsWith('.txt'))
  .sort();
const seedText = (file: string) => readFileSync(join(SEED_DIR, file), 'utf8');

// ---------------------------------------------------------------------------------------------
// The mapping document: `## … <seed file>` sections, `### …` tables with the columns
// | seed item | kind | canonical | notes |
// ---------------------------------------------------------------------------------------------

const KINDS = ['endpoint', 'query', 'path', 'body', 'field', 'status', 'header', 'auth'] as const;
type Kind = (typeof KINDS)[number];
const HEADER = ['seed item', 'kind', 'canonical', 'notes'];
const NOT_CARRIED = 'not carried over';

interface Row {
  line: number;
  seed: string;
  table: number;
  item: string;
  kind: string;
  canonical: string;
  notes: string;
}
interface Section {
  seed: string;
  heading: string;
  rows: Row[];
}

/** Cells of a markdown table line; `\|` is a literal pipe. */
function cells(line: string): string[] {
  const inner = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  return inner.split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
}

function parseMapping(text: string) {
  const lines = text.split('\n');
  const sections: Section[] = [];
  const problems: string[] = [];
  let section: Section | undefined;
  let table = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = at(lines, i);
    if (/^## /.test(line)) {
      const seed = at(/(\d{3}_[0-9a-f]{16}\.txt)/.exec(line), 1);
      section = seed ? { seed, heading: line, rows: [] } : undefined;
      if (section) sections.push(section);
      continue;
    }
    if (!line.startsWith('|')) continue;
    const head = cells(line).map((c) => c.toLowerCase());
    if (at(head, 0) !== 'seed item') continue; // another kind of table (the summary)
    table++;
    if (head.join('|') !== HEADER.join('|')) problems.push(`line ${i + 1}: mapping table header must be | ${HEADER.join(' | ')} |`);
    if (!section) problems.push(`line ${i + 1}: mapping table outside a seed section`);
    if (!/^\|(\s*:?-+:?\s*\|)+\s*$/.test(lines[i + 1] ?? '')) problems.push(`line ${i + 2}: table separator expected`);
    for (i += 2; i < lines.length && at(lines, i).startsWith('|'); i++) {
      const c = cells(at(lines, i));
      if (c.length !== 4) {
        problems.push(`line ${i + 1}: ${c.length} cells instead of 4`);
        continue;
      }
      section?.rows.push({ line: i + 1, seed: section.seed, table, item: at(c, 0), kind: at(c, 1), canonical: at(c, 2), notes: at(c, 3) });
    }
    i--;
  }
  return { sections, problems };
}

// ---------------------------------------------------------------------------------------------
// Canonical references, checked against the bundled contract.
// ---------------------------------------------------------------------------------------------

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
type Ref =
  | { form: 'operation'; method: string; path: string }
  | { form: 'query'; method: string; path: string; name: string }
  | { form: 'header'; method: string; path: string; name: string }
  | { form: 'field'; schema: string; segments: string[] }
  | { form: 'status'; status: string }
  | { form: 'security'; scheme: string };

function parseRef(raw: string): Ref | undefined {
  let m = /^(GET|POST|PUT|PATCH|DELETE) (\/[^\s?#]*)$/.exec(raw);
  if (m) return { form: 'operation', method: at(m, 1), path: at(m, 2) };
  m = /^(GET|POST|PUT|PATCH|DELETE) (\/[^\s?#]*)\?([A-Za-z0-9_.-]+)$/.exec(raw);
  if (m) return { form: 'query', method: at(m, 1), path: at(m, 2), name: at(m, 3) };
  m = /^(GET|POST|PUT|PATCH|DELETE) (\/[^\s?#]*)#([A-Za-z0-9-]+)$/.exec(raw);
  if (m) return { form: 'header', method: at(m, 1), path: at(m, 2), name: at(m, 3) };
  m = /^HTTP ([1-5]\d\d)$/.exec(raw);
  if (m) return { form: 'status', status: at(m, 1) };
  m = /^security:([A-Za-z0-9_]+)$/.exec(raw);
  if (m) return { form: 'security', scheme: at(m, 1) };
  m = /^([A-Z][A-Za-z0-9]*)((?:\.[A-Za-z_][A-Za-z0-9_]*(?:\[\])?)+)$/.exec(raw);
  if (m) return { form: 'field', schema: at(m, 1), segments: at(m, 2).slice(1).split('.') };
  return undefined;
}

/** Follows a local `$ref` ("#/components/…"). */
function deref(node: any): any {
  let seen = 0;
  while (node && typeof node === 'object' && typeof node.$ref === 'string') {
    if (!node.$ref.startsWith('#/') || ++seen > 20) throw new Error(`unresolvable $ref ${node.$ref}`);
    node = node.$ref
      .slice(2)
      .split('/')
      .map((p: string) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce((o: any, k: string) => o?.[k], doc);
  }
  return node;
}

/** A schema and every alternative it stands for (through $ref, oneOf, anyOf, allOf). */
function alternatives(schema: any, depth = 0): any[] {
  const s = deref(schema);
  if (!s || typeof s !== 'object' || depth > 20) return [];
  const out = [s];
  for (const key of ['oneOf', 'anyOf', 'allOf']) for (const sub of s[key] ?? []) out.push(...alternatives(sub, depth + 1));
  return out;
}

function fieldExists(schemaName: string, segments: string[]): string | undefined {
  const root = doc.components?.schemas?.[schemaName];
  if (!root) return `no schema ${schemaName} in components.schemas`;
  let current: any[] = [root];
  const walked = [schemaName];
  for (const segment of segments) {
    const array = segment.endsWith('[]');
    const name = array ? segment.slice(0, -2) : segment;
    let next = current.flatMap((s) => alternatives(s)).flatMap((s) => (s.properties && name in s.properties ? [s.properties[name]] : []));
    walked.push(segment);
    if (!next.length) return `${walked.join('.')}: no property "${name}"`;
    if (array) {
      next = next.flatMap((s) => alternatives(s)).flatMap((s) => (s.items ? [s.items] : []));
      if (!next.length) return `${walked.join('.')}: "${name}" is not an array`;
    }
    current = next;
  }
  return undefined;
}

function operation(method: string, path: string) {
  const item = deref(doc.paths?.[path]);
  const op = item?.[method.toLowerCase()];
  if (!op) return undefined;
  const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map(deref);
  const responses = Object.entries<any>(op.responses ?? {}).map(([status, r]) => [status, deref(r)] as const);
  return { op, params, responses };
}

const allStatuses = new Set(
  Object.values<any>(doc.paths).flatMap((item) => METHODS.flatMap((m) => Object.keys(deref(item)?.[m.toLowerCase()]?.responses ?? {}))),
);

/** Why `ref` does not exist in the contract, or undefined when it does. */
function checkRef(ref: Ref): string | undefined {
  switch (ref.form) {
    case 'operation':
      return operation(ref.method, ref.path) ? undefined : `no operation ${ref.method} ${ref.path}`;
    case 'query': {
      const o = operation(ref.method, ref.path);
      if (!o) return `no operation ${ref.method} ${ref.path}`;
      return o.params.some((p: any) => p.in === 'query' && p.name === ref.name) ? undefined : `${ref.method} ${ref.path} has no query parameter "${ref.name}"`;
    }
    case 'header': {
      const o = operation(ref.method, ref.path);
      if (!o) return `no operation ${ref.method} ${ref.path}`;
      const want = ref.name.toLowerCase();
      const asParam = o.params.some((p: any) => p.in === 'header' && p.name.toLowerCase() === want);
      const asResponse = o.responses.some(([, r]) => Object.keys(r?.headers ?? {}).some((h) => h.toLowerCase() === want));
      return asParam || asResponse ? undefined : `${ref.method} ${ref.path} has no header parameter or response header "${ref.name}"`;
    }
    case 'field':
      return fieldExists(ref.schema, ref.segments);
    case 'status':
      return allStatuses.has(ref.status) ? undefined : `no operation answers HTTP ${ref.status}`;
    case 'security':
      return doc.components?.securitySchemes?.[ref.scheme] ? undefined : `no security scheme "${ref.scheme}"`;
  }
}

/** The backticked references of a canonical cell; anything else in the cell is an error. */
function canonicalRefs(cell: string): { refs: string[]; rest: string } {
  const refs = [...cell.matchAll(/`([^`]+)`/g)].map((m) => at(m, 1));
  const rest = cell.replace(/`[^`]+`/g, '').replace(/[\s,;+]/g, '');
  return { refs, rest };
}

// ---------------------------------------------------------------------------------------------
// Matching seed items to rows.
// ---------------------------------------------------------------------------------------------

const stripTicks = (s: string) => s.replace(/`/g, ' ');
/** Name-like tokens of a seed item: `line_items[].rate` → line_items, rate; `:id`; `{id}` → id. */
const tokens = (item: string) => stripTicks(item).split(/[^A-Za-z0-9_:$-]+/).filter(Boolean);
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Whether the item names exactly this path (not a longer path that starts with it). */
const namesPath = (item: string, path: string) => new RegExp(`(^|[\\s(])${escapeRe(path)}(?![\\w/{:-])`).test(stripTicks(item));
const namesWord = (item: string, word: string) => new RegExp(`(^|[^A-Za-z-])${escapeRe(word)}(?![A-Za-z])`, 'i').test(stripTicks(item));

// ---------------------------------------------------------------------------------------------
// The tests.
// ---------------------------------------------------------------------------------------------

const mapping = parseMapping(readFileSync(MAPPING_PATH, 'utf8'));
const allRows = mapping.sections.flatMap((s) => s.rows);
const rowLabel = (r: Row) => `line ${r.line} (${r.seed}): ${r.item}`;

describe('seed documents', () => {
  it('spec/seeds holds the five vendor documents, each with a reader', () => {
    expect(seedFiles.map((f) => f.slice(0, 3))).toEqual(Object.keys(readers));
    for (const f of seedFiles) expect(f).toMatch(/^\d{3}_[0-9a-f]{16}\.txt$/);
  });

  it.each(seedFiles)('%s: the reader finds every endpoint it should', (file) => {
    const reader = readers[file.slice(0, 3)];
    if (!reader) throw new Error(`no reader for ${file}`);
    const found = reader.extract(seedText(file));
    expect(found.endpoints.length, `${reader.vendor} endpoints`).toBe(reader.endpoints);
    expect(found.endpoints.flatMap((e) => e.params).length + found.fields.length, `${reader.vendor} parameters and fields`).toBeGreaterThan(0);
  });
});

describe('spec/seed-mapping.md is well formed', () => {
  it('has mapping tables in the agreed format', () => {
    expect(mapping.problems).toEqual([]);
  });

  it('has exactly one section per seed file, each with rows', () => {
    expect(mapping.sections.map((s) => s.seed).sort()).toEqual(seedFiles);
    for (const s of mapping.sections) expect(s.rows.length, s.heading).toBeGreaterThan(0);
  });

  it('every row has a seed item, a known kind and a non-empty canonical column', () => {
    const bad = allRows.flatMap((r) => {
      const out: string[] = [];
      if (!r.item) out.push(`${rowLabel(r)}: empty seed item`);
      if (!(KINDS as readonly string[]).includes(r.kind)) out.push(`${rowLabel(r)}: unknown kind "${r.kind}"`);
      if (!r.canonical) out.push(`${rowLabel(r)}: empty canonical column`);
      return out;
    });
    expect(bad).toEqual([]);
  });

  it('a row that is not carried over gives the reason', () => {
    const bad = allRows
      .filter((r) => r.canonical.toLowerCase().includes(NOT_CARRIED))
      .flatMap((r) => {
        const out: string[] = [];
        if (r.canonical !== NOT_CARRIED) out.push(`${rowLabel(r)}: write exactly "${NOT_CARRIED}" in the canonical column`);
        if (r.notes.replace(/[\s—–-]/g, '').length < 10) out.push(`${rowLabel(r)}: "${NOT_CARRIED}" without a reason in the notes`);
        return out;
      });
    expect(bad).toEqual([]);
  });

  it('every canonical reference has a known form and exists in the contract', () => {
    const bad: string[] = [];
    for (const r of allRows) {
      if (r.canonical === NOT_CARRIED || !r.canonical) continue;
      const { refs, rest } = canonicalRefs(r.canonical);
      if (!refs.length) bad.push(`${rowLabel(r)}: canonical column has no \`reference\``);
      if (rest) bad.push(`${rowLabel(r)}: canonical column has text outside backticks ("${rest}"); put explanations in the notes`);
      for (const raw of refs) {
        const ref = parseRef(raw);
        if (!ref) {
          bad.push(`${rowLabel(r)}: \`${raw}\` is not METHOD /path, METHOD /path?query, METHOD /path#header, Schema.field, HTTP nnn or security:scheme`);
          continue;
        }
        const why = checkRef(ref);
        if (why) bad.push(`${rowLabel(r)}: \`${raw}\`: ${why}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('the canonical column matches the kind of the row', () => {
    const bad: string[] = [];
    for (const r of allRows) {
      if (r.canonical === NOT_CARRIED) continue;
      const refs = canonicalRefs(r.canonical).refs.map(parseRef).filter((x): x is Ref => !!x);
      const has = (f: Ref['form']) => refs.some((x) => x.form === f);
      if (r.kind === 'endpoint' && !has('operation')) bad.push(`${rowLabel(r)}: an endpoint maps to an operation`);
      if (r.kind === 'query' && !has('query')) bad.push(`${rowLabel(r)}: a query parameter maps to METHOD /path?name`);
      if (r.kind === 'auth' && !has('security')) bad.push(`${rowLabel(r)}: an auth item maps to a security scheme`);
      if (r.kind === 'path' && !refs.some((x) => x.form === 'operation' && /\{[a-z_]+\}/.test(x.path))) {
        bad.push(`${rowLabel(r)}: a path parameter maps to an operation whose path has a parameter`);
      }
      if (r.kind === 'body' && !has('field') && !has('operation')) bad.push(`${rowLabel(r)}: a body parameter maps to Schema.field (or an operation)`);
    }
    expect(bad).toEqual([]);
  });

  it('a status named in an endpoint table is answered by that endpoint', () => {
    const bad: string[] = [];
    for (const s of mapping.sections) {
      const tables = new Map<number, Row[]>();
      for (const r of s.rows) tables.set(r.table, [...(tables.get(r.table) ?? []), r]);
      for (const rows of tables.values()) {
        const ops = rows
          .filter((r) => r.kind === 'endpoint')
          .flatMap((r) => canonicalRefs(r.canonical).refs.map(parseRef))
          .filter((x): x is Extract<Ref, { form: 'operation' }> => x?.form === 'operation');
        if (!ops.length) continue;
        for (const r of rows) {
          for (const ref of canonicalRefs(r.canonical).refs.map(parseRef)) {
            if (ref?.form !== 'status') continue;
            const answered = ops.some((o) => operation(o.method, o.path)?.responses.some(([st]) => st === ref.status));
            if (!answered) bad.push(`${rowLabel(r)}: HTTP ${ref.status} is not a response of ${ops.map((o) => `${o.method} ${o.path}`).join(', ')}`);
          }
        }
      }
    }
    expect(bad).toEqual([]);
  });
});

describe('completeness: everything a seed documents has a row in its section', () => {
  it.each(seedFiles)('%s', (file) => {
    const reader = readers[file.slice(0, 3)];
    if (!reader) throw new Error(`no reader for ${file}`);
    const found = reader.extract(seedText(file));
    const section = mapping.sections.find((s) => s.seed === file);
    expect(section, `section for ${file}`).toBeDefined();
    const rows = section!.rows;
    const missing: string[] = [];

    for (const e of found.endpoints) {
      const homes = rows.filter((r) => r.kind === 'endpoint' && namesPath(r.item, e.path) && namesWord(r.item, e.label));
      if (!homes.length) {
        missing.push(`endpoint ${e.label} ${e.path}: no endpoint row naming both`);
        continue;
      }
      // Its parameters belong in the same table as the endpoint row.
      const tableRows = rows.filter((r) => homes.some((h) => h.table === r.table));
      for (const p of e.params) {
        if (!tableRows.some((r) => r.kind === p.kind && tokens(r.item).includes(p.name.replace(/^\{(.*)\}$/, '$1')))) {
          missing.push(`${p.kind} parameter "${p.name}" of ${e.label} ${e.path}: no ${p.kind} row in that endpoint's table`);
        }
      }
    }
    for (const f of found.fields) {
      if (!rows.some((r) => r.kind === 'field' && tokens(r.item).includes(f))) missing.push(`response field "${f}": no field row`);
    }
    for (const st of found.statuses) {
      if (!rows.some((r) => r.kind === 'status' && tokens(r.item).includes(st))) missing.push(`status ${st}: no status row`);
    }
    for (const h of found.headers) {
      if (!rows.some((r) => (r.kind === 'header' || r.kind === 'auth') && namesWord(r.item, h))) missing.push(`header ${h}: no header or auth row`);
    }
    for (const a of found.auth) {
      if (!rows.some((r) => r.kind === 'auth' && stripTicks(r.item).includes(a))) missing.push(`auth "${a}": no auth row`);
    }
    expect(missing).toEqual([]);
  });
});
