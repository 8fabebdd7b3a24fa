import { listOperations, type OperationEntry } from './load.ts';

export type RouteMatch =
  | { kind: 'operation'; entry: OperationEntry; params: Record<string, string> }
  | { kind: 'method_not_allowed'; allow: string[] }
  | { kind: 'none' };

type CompiledPath = { template: string; regex: RegExp; names: string[]; literalSegments: number; entries: Map<string, OperationEntry> };

/** Matches request paths against the contract's path templates; literal segments win over parameters. */
export class RouteTable {
  private readonly paths: CompiledPath[];
  /**
   * The templates by their number of slashes, each in `paths` order: a template matches only paths
   * with as many slashes (no segment pattern takes a '/'), so a request tries those alone.
   */
  private readonly bySlashes = new Map<number, CompiledPath[]>();

  constructor(entries: OperationEntry[] = listOperations()) {
    const byTemplate = new Map<string, CompiledPath>();
    for (const entry of entries) {
      let compiled = byTemplate.get(entry.path);
      if (!compiled) {
        const names: string[] = [];
        const source = entry.path
          .split('/')
          .map((segment) => {
            const m = /^\{(.+)\}$/.exec(segment);
            if (!m) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
            names.push(m[1]!);
            return '([^/]+)';
          })
          .join('/');
        compiled = {
          template: entry.path,
          regex: new RegExp(`^${source}$`),
          names,
          literalSegments: entry.path.split('/').filter((s) => s && !s.startsWith('{')).length,
          entries: new Map(),
        };
        byTemplate.set(entry.path, compiled);
      }
      compiled.entries.set(entry.method.toUpperCase(), entry);
    }
    this.paths = [...byTemplate.values()].sort((a, b) => b.literalSegments - a.literalSegments);
    for (const compiled of this.paths) {
      const slashes = slashCount(compiled.template);
      const bucket = this.bySlashes.get(slashes);
      if (bucket) bucket.push(compiled);
      else this.bySlashes.set(slashes, [compiled]);
    }
  }

  match(method: string, pathname: string): RouteMatch {
    const allow = new Set<string>();
    let matchedLiterals: number | undefined;
    for (const compiled of this.bySlashes.get(slashCount(pathname)) ?? []) {
      // OpenAPI matches concrete paths before templated ones: once a path with more literal
      // segments matched, a templated one must not take the request (`PUT /invoices/next-number` is a 405).
      if (matchedLiterals !== undefined && compiled.literalSegments < matchedLiterals) break;
      const m = compiled.regex.exec(pathname);
      if (!m) continue;
      matchedLiterals = compiled.literalSegments;
      const entry = compiled.entries.get(method === 'HEAD' ? 'GET' : method);
      if (entry) {
        const params: Record<string, string> = {};
        compiled.names.forEach((name, i) => {
          params[name] = safeDecode(m[i + 1]!);
        });
        return { kind: 'operation', entry, params };
      }
      for (const key of compiled.entries.keys()) allow.add(key);
    }
    return allow.size ? { kind: 'method_not_allowed', allow: [...allow].sort() } : { kind: 'none' };
  }

  /** True when the path belongs to the contract (used to keep other routes out of its way). */
  owns(pathname: string): boolean {
    return this.paths.some((p) => p.regex.test(pathname));
  }
}

function slashCount(path: string): number {
  let n = 0;
  for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) n++;
  return n;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // a malformed escape stays as sent; validation refuses it
  }
}
