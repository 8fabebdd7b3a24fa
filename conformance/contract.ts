import { readFile } from 'node:fs/promises';
import { request } from 'undici';
import { parse as parseYaml } from 'yaml';
import { createContractAjv } from '../src/contract/ajv.ts';
import { contractPath, listOperations, resolveRef, type OpenApiDocument, type OperationEntry } from '../src/contract/load.ts';
import { ResponseValidator } from '../src/contract/responses.ts';
import { RouteTable } from '../src/contract/routes.ts';

/** A failure to start the run (bad usage, unreadable contract, unreachable server, bad credentials): exit code 2. */
export class SetupError extends Error {}

export type LoadedContract = {
  source: string;
  doc: OpenApiDocument;
  operations: OperationEntry[];
  byId: Map<string, OperationEntry>;
  routes: RouteTable;
  validator: ResponseValidator;
  ajv: ReturnType<typeof createContractAjv>;
  /** Every `code` the Problem schema lists. */
  problemCodes: Set<string>;
  /** The prefix every API path shares (`/api/v1`), so a base URL may be given with or without it. */
  apiPrefix: string;
  /** The OAuth2 client-credentials token URL the contract declares, if any. */
  tokenUrl?: string;
};

async function readSource(source: string): Promise<string> {
  if (/^https?:\/\//i.test(source)) {
    const res = await request(source, { headersTimeout: 10_000, bodyTimeout: 10_000 }).catch((e: Error) => {
      throw new SetupError(`cannot fetch the contract at ${source}: ${e.message}`);
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new SetupError(`cannot fetch the contract at ${source}: HTTP ${res.statusCode}`);
    return text;
  }
  return readFile(source, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new SetupError(`cannot read the contract ${source}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  });
}

function findExternalRef(node: unknown, seen = 0): string | undefined {
  if (seen > 100_000 || !node || typeof node !== 'object') return undefined;
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = findExternalRef(item, seen + 1);
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string' && !value.startsWith('#')) return value;
    const found = findExternalRef(value, seen + 1);
    if (found) return found;
  }
  return undefined;
}

function commonApiPrefix(paths: string[]): string {
  const api = paths.filter((p) => p.startsWith('/api/'));
  if (!api.length) return '';
  let prefix = api[0]!.split('/').slice(0, 3);
  for (const p of api) {
    const parts = p.split('/');
    let i = 0;
    while (i < prefix.length && parts[i] === prefix[i] && !prefix[i]!.startsWith('{')) i++;
    prefix = prefix.slice(0, i);
  }
  return prefix.join('/');
}

/** Loads a bundled contract (JSON or YAML, a file or a URL) and compiles what the checks need once. */
export async function loadConformanceContract(source: string = contractPath): Promise<LoadedContract> {
  const text = await readSource(source);
  let doc: OpenApiDocument;
  try {
    doc = (text.trimStart().startsWith('{') ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 1000 })) as OpenApiDocument;
  } catch (e) {
    throw new SetupError(`the contract ${source} is neither JSON nor YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!doc || typeof doc !== 'object' || typeof doc.openapi !== 'string' || !doc.paths) throw new SetupError(`${source} is not an OpenAPI document (no 'openapi' or 'paths')`);
  if (!doc.openapi.startsWith('3.1')) throw new SetupError(`${source} is OpenAPI ${doc.openapi}; the runner reads OpenAPI 3.1`);
  const external = findExternalRef(doc);
  if (external) throw new SetupError(`the contract ${source} refers to another file ('${external}'); bundle it into one file first (npx @redocly/cli bundle)`);
  doc.components ??= { schemas: {} };
  doc.components.schemas ??= {};
  let ajv: ReturnType<typeof createContractAjv>;
  let validator: ResponseValidator;
  try {
    ajv = createContractAjv(doc);
    validator = new ResponseValidator(doc);
  } catch (e) {
    throw new SetupError(`the contract's schemas do not compile: ${(e as Error).message}`);
  }
  const operations = listOperations(doc).filter((o) => typeof o.operationId === 'string');
  const problem = resolveRef<{ properties?: { code?: { enum?: string[] } } }>(doc, doc.components.schemas.Problem);
  const oauth = resolveRef<any>(doc, doc.components.securitySchemes?.oauth2);
  return {
    source,
    doc,
    operations,
    byId: new Map(operations.map((o) => [o.operationId, o])),
    routes: new RouteTable(operations),
    validator,
    ajv,
    problemCodes: new Set(problem?.properties?.code?.enum ?? []),
    apiPrefix: commonApiPrefix(Object.keys(doc.paths)),
    tokenUrl: oauth?.flows?.clientCredentials?.tokenUrl,
  };
}

/** The operation's documented statuses, as the contract writes them (`200`, `4XX`, `default`). */
export function documentedStatuses(entry: OperationEntry): string[] {
  return Object.keys((entry.operation.responses ?? {}) as Record<string, unknown>);
}

/** True when the operation needs credentials (an empty security requirement list means public). */
export function isSecured(doc: OpenApiDocument, entry: OperationEntry): boolean {
  const security = (entry.operation.security ?? doc.security ?? []) as Array<Record<string, string[]>>;
  return security.length > 0 && !security.some((req) => Object.keys(req).length === 0);
}
