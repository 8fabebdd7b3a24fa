// Readers of the five vendor documents in spec/seeds/, for the seed-mapping gate
// (test/seed-mapping.test.ts).
// ---------------------------------------------------------------------------------------------
// Extraction from the seed documents. Each vendor page has its own layout (tables, run-together
// "nameTypeDescription" lines, GitBook blocks, JSON examples), so each seed has its own reader.
// ---------------------------------------------------------------------------------------------

type ParamKind = 'query' | 'path' | 'body';
interface SeedParam {
  name: string;
  kind: ParamKind;
}
interface SeedEndpoint {
  /** The path exactly as the seed writes it (`/api/v1/invoices/:id`, `/invoices/{id}`). */
  path: string;
  /** What tells this endpoint apart from others on the same path: a method or the seed's title. */
  label: string;
  params: SeedParam[];
}
interface SeedExtract {
  endpoints: SeedEndpoint[];
  /** Response fields (section-wide). */
  fields: string[];
  /** HTTP statuses the seed names (section-wide). */
  statuses: string[];
  /** HTTP headers the seed names (section-wide). */
  headers: string[];
  /** Authentication markers (key prefixes, OAuth2 flow). */
  auth: string[];
}

const uniq = <T>(xs: T[]) => [...new Set(xs)];
/** Group `i` of a regex match (or cell `i` of a row); '' when absent. */
export const at = (m: ArrayLike<string | undefined> | null | undefined, i: number): string => m?.[i] ?? '';
const uniqParams = (ps: SeedParam[]) => {
  const seen = new Set<string>();
  return ps.filter((p) => {
    const k = `${p.kind}:${p.name}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
};

/** Keys of every JSON object literal in `text` ("key": …), in order. */
const jsonKeys = (text: string) => [...text.matchAll(/"([A-Za-z_][A-Za-z0-9_]*)"\s*:/g)].map((m) => at(m, 1));

/** Top-level `{…}` blocks of `text`, by brace matching. */
function jsonBlocks(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}' && depth > 0) {
      depth--;
      if (depth === 0) out.push(text.slice(start, i + 1));
    }
  }
  return out;
}

/** Generic header and status mentions shared by all readers. */
const headerMentions = (text: string) =>
  uniq([...text.matchAll(/\b(Authorization|Content-Type|Content-Disposition|Retry-After)\b/g)].map((m) => at(m, 1)));

/** 000 PayCivo: "/api/v1/invoices— List Invoices…", then a "| Name | Type | Required |" table. */
function extractPayCivo(text: string): SeedExtract {
  const marks = [...text.matchAll(/(\/api\/v1\/[a-z/:]+)— ([A-Z][a-z]+ [A-Z][a-z]+?)(?=[A-Z])/g)];
  const endpoints: SeedEndpoint[] = marks.map((m, i) => {
    const segment = text.slice(m.index! + at(m, 0).length, marks[i + 1]?.index ?? text.length);
    const title = at(m, 2);
    const readOnly = /^(List|Get) /.test(title);
    const params: SeedParam[] = [];
    for (const row of segment.matchAll(/^\| (:?[a-z_]+) \| (string|number|array|boolean|integer) \| (required|optional) \| (.*) \|$/gm)) {
      const name = at(row, 1);
      params.push({ name, kind: name.startsWith(':') ? 'path' : readOnly ? 'query' : 'body' });
      // "Array of { description, quantity, rate }": the members of an array parameter.
      const members = /Array of \{([^}]+)\}/.exec(at(row, 4));
      if (members) for (const sub of at(members, 1).split(',')) params.push({ name: sub.trim(), kind: 'body' });
    }
    return { path: at(m, 1), label: title, params: uniqParams(params) };
  });
  const head = text.slice(0, marks[0]?.index ?? text.length);
  const examples = marks.map((m, i) => text.slice(m.index!, marks[i + 1]?.index ?? text.length));
  return {
    endpoints,
    fields: uniq(examples.flatMap((s) => jsonKeys(s.slice(s.indexOf('Example Response'))))),
    statuses: uniq([...head.matchAll(/^\| (\d{3}) \|/gm)].map((m) => at(m, 1))),
    headers: headerMentions(text),
    auth: uniq([...text.matchAll(/Bearer ([a-z]+_[a-z]+_)/g)].map((m) => at(m, 1))),
  };
}

/** 001 Paymavo: "GET/invoices/{id}" lines, "nametypeDescription" parameter lines, curl examples. */
function extractPaymavo(text: string): SeedExtract {
  const marks = [...text.matchAll(/^(GET|POST|PUT|PATCH|DELETE)(\/\S+)$/gm)];
  const endpoints: SeedEndpoint[] = marks.map((m, i) => {
    const segment = text.slice(m.index! + at(m, 0).length, marks[i + 1]?.index ?? text.length);
    const method = at(m, 1);
    const kind: ParamKind = method === 'GET' ? 'query' : 'body';
    const params: SeedParam[] = [];
    const table = /ParameterTypeDescription\n([\s\S]*?)(?:\n\n|\ncurl)/.exec(segment);
    for (const line of table ? at(table, 1).split('\n') : []) {
      const row = /^([A-Za-z]+?)\*?(integer|string|array|date-time|number|boolean)(.*)$/.exec(line);
      if (!row) continue;
      params.push({ name: at(row, 1), kind });
      // "Line items — each with description, quantity (int), unitPrice (cents)"
      const members = /each with (.+)$/.exec(at(row, 3));
      if (members) for (const sub of at(members, 1).split(',')) params.push({ name: at(sub.trim().split(/\s/), 0), kind: 'body' });
    }
    const curl = /curl[\s\S]*$/.exec(segment)?.[0] ?? '';
    for (const q of curl.matchAll(/[?&]([A-Za-z]+)=/g)) params.push({ name: at(q, 1), kind: 'query' });
    const body = /-d '([\s\S]*?)'/.exec(curl);
    if (body) for (const k of jsonKeys(at(body, 1))) params.push({ name: k, kind: 'body' });
    if (/\{id\}/.test(at(m, 2))) params.push({ name: '{id}', kind: 'path' });
    return { path: at(m, 2), label: method, params: uniqParams(params) };
  });
  return {
    endpoints,
    fields: uniq([...text.matchAll(/Records ([a-z][A-Za-z]+) /g)].map((m) => at(m, 1))),
    statuses: uniq([...text.matchAll(/[Rr]eturns (\d{3})\b/g)].map((m) => at(m, 1))),
    headers: headerMentions(text),
    auth: uniq([...text.matchAll(/Bearer ([a-z]+_[a-z]+_)/g)].map((m) => at(m, 1))),
  };
}

/** 002 Inkvoice: "GET /api/v1/invoicesQuery Parameters:" run-together headings, pipe rows, JSON bodies. */
function extractInkvoice(text: string): SeedExtract {
  const marks = [...text.matchAll(/\b(GET|POST|PUT|PATCH|DELETE) (\/api\/v1(?:\/(?::[a-z]+(?:Id)?|[a-z][a-z-]*))+)/g)];
  const endpoints: SeedEndpoint[] = marks.map((m, i) => {
    const segment = text.slice(m.index! + at(m, 0).length, marks[i + 1]?.index ?? text.length);
    const params: SeedParam[] = [];
    for (const p of at(m, 2).matchAll(/\/(:[A-Za-z]+)/g)) params.push({ name: at(p, 1), kind: 'path' });
    for (const row of segment.matchAll(/^([a-z_]+) \| (string|number|boolean|integer) \|/gm)) params.push({ name: at(row, 1), kind: 'query' });
    if (/Request Body:/.test(segment)) for (const k of jsonKeys(segment)) params.push({ name: k, kind: 'body' });
    return { path: at(m, 2), label: at(m, 1), params: uniqParams(params) };
  });
  return {
    endpoints,
    fields: [],
    statuses: [],
    headers: headerMentions(text),
    auth: [],
  };
}

/** 003 Alternative Payments (GitBook): blocks that end with "get\n/invoices/{id}", typed field lines. */
function extractAlternativePayments(text: string): SeedExtract {
  const marks = [...text.matchAll(/^(get|post|put|patch|delete)\n(\/\S+)$/gm)];
  const fields: string[] = [];
  const statuses: string[] = [];
  const endpoints: SeedEndpoint[] = marks.map((m, i) => {
    const previous = marks[i - 1];
    const block = text.slice(previous ? previous.index! + previous[0].length : 0, m.index);
    const params: SeedParam[] = [];
    let where: ParamKind | 'response' | undefined;
    for (const line of block.split('\n')) {
      if (line === 'Query parameters') where = 'query';
      else if (line === 'Path parameters') where = 'path';
      else if (line === 'Body') where = 'body';
      else if (line === 'Responses') where = 'response';
      else if (/^\d{3}$/.test(line) && where === 'response') statuses.push(line);
      const row = /^([a-z_]+?)(string|integer|boolean|number)(?: · enum)?(Optional|Required)/.exec(line);
      if (!row || !where) continue;
      if (where === 'response') fields.push(at(row, 1));
      else params.push({ name: at(row, 1), kind: where });
    }
    return { path: at(m, 2), label: at(m, 1), params: uniqParams(params) };
  });
  return {
    endpoints,
    fields: uniq(fields),
    statuses: uniq(statuses),
    headers: headerMentions(text),
    auth: uniq([...text.matchAll(/(OAuth2clientCredentials|Token URL|Required scopes)/g)].map((m) => at(m, 1))),
  };
}

/** 004 CleverInvo: "/api/v1/clientsList all active clients." headings, JSON request/response examples. */
function extractCleverInvo(text: string): SeedExtract {
  const generalAt = text.indexOf('List endpoints accept the following query parameters');
  const endpointText = generalAt >= 0 ? text.slice(0, generalAt) : text;
  const general = generalAt >= 0 ? text.slice(generalAt) : '';
  const marks = [...endpointText.matchAll(/(\/api\/v1\/[a-z]+(?:\/:id(?:\/[a-z]+)?)?)([A-Z][A-Za-z-]*) [^.\n]*\./g)];
  // "List endpoints accept": | page | 1 | …; the clientId row says "(invoices only)".
  const listParams = [...general.matchAll(/^\| ([A-Za-z]+) \| (.*?) \| (.*) \|$/gm)]
    .filter((r) => at(r, 1) !== 'Parameter' && at(r, 1) !== 'Status')
    .map((r) => ({ name: at(r, 1), invoicesOnly: /invoices only/.test(at(r, 3)) }));
  // "GET /api/v1/clients?page=2&limit=10&search=acme": parameters shown in the example request.
  for (const q of general.matchAll(/\?([A-Za-z]+=\S+)/g)) {
    for (const kv of at(q, 1).split('&')) listParams.push({ name: at(kv.split('='), 0), invoicesOnly: false });
  }
  const fields: string[] = [];
  const endpoints: SeedEndpoint[] = marks.map((m, i) => {
    const segment = endpointText.slice(m.index! + at(m, 0).length, marks[i + 1]?.index ?? endpointText.length);
    const params: SeedParam[] = [];
    if (at(m, 1).includes('/:id')) params.push({ name: ':id', kind: 'path' });
    for (const block of jsonBlocks(segment)) {
      const keys = jsonKeys(block);
      if (keys[0] === 'data') fields.push(...keys);
      else for (const k of keys) params.push({ name: k, kind: 'body' });
    }
    if (at(m, 2) === 'List') {
      for (const p of listParams) if (!p.invoicesOnly || at(m, 1) === '/api/v1/invoices') params.push({ name: p.name, kind: 'query' });
    }
    return { path: at(m, 1), label: at(m, 2), params: uniqParams(params) };
  });
  fields.push(...jsonKeys(general));
  return {
    endpoints,
    fields: uniq(fields),
    statuses: uniq([...text.matchAll(/^\| (\d{3}) \|/gm), ...text.matchAll(/^(\d{3}) No Content$/gm)].map((m) => at(m, 1))),
    headers: headerMentions(text),
    auth: uniq([...text.matchAll(/Bearer ([a-z]+_)your/g)].map((m) => at(m, 1))),
  };
}

/** The reader of each seed, and how many endpoints it must find (guards the readers against rot). */
export const readers: Record<string, { vendor: string; extract: (text: string) => SeedExtract; endpoints: number }> = {
  '000': { vendor: 'PayCivo', extract: extractPayCivo, endpoints: 6 },
  '001': { vendor: 'Paymavo', extract: extractPaymavo, endpoints: 9 },
  '002': { vendor: 'Inkvoice', extract: extractInkvoice, endpoints: 21 },
  '003': { vendor: 'Alternative Payments', extract: extractAlternativePayments, endpoints: 7 },
  '004': { vendor: 'CleverInvo', extract: extractCleverInvo, endpoints: 11 },
};

