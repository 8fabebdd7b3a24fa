import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot as root } from './contract/package.ts';

export const docsDir = path.join(root, 'dist', 'docs');

/** What the start banner may promise about /docs. */
export type DocsState = 'fresh' | 'building' | 'unavailable';

export type DocsBuilder = {
  /** True when a page is missing or older than the contract. */
  stale: () => Promise<boolean>;
  build: (signal: AbortSignal) => Promise<unknown>;
  /** Whether a build can run here (redocly is a dev dependency). */
  canBuild: () => boolean;
};

type BuildScript = { docsAreStale: () => boolean; buildDocs: (options: { signal: AbortSignal }) => Promise<unknown> };
// Plain JS outside src/, loaded only when the server builds its docs.
const script = () => import(pathToFileURL(path.join(root, 'scripts', 'build-docs.mjs')).href) as Promise<BuildScript>;

export const scriptBuilder: DocsBuilder = {
  stale: async () => (await script()).docsAreStale(),
  build: async (signal) => (await script()).buildDocs({ signal }),
  canBuild: () => existsSync(path.join(root, 'node_modules', '.bin', 'redocly')),
};

/**
 * The docs the server advertises: built in the background when missing or older than the
 * contract, so that `serve` run directly (without `npm start`) serves them too and still starts
 * at once. /docs waits for a build in progress instead of answering 404.
 */
export class DocsPages {
  private pending: Promise<void> | undefined;
  private readonly abort = new AbortController();
  /** Why the docs cannot be served, for the 404 a request gets then. */
  failure: string | undefined;

  constructor(
    private readonly builder: DocsBuilder = scriptBuilder,
    readonly dir: string = docsDir,
  ) {}

  /** Starts a build when needed. */
  async start(): Promise<DocsState> {
    if (!(await this.builder.stale())) return 'fresh';
    if (!this.builder.canBuild()) {
      this.failure = 'the docs are not built and redocly (a dev dependency) is not installed: run `npm ci`, then `npm run docs`';
      // Stale docs are still better than none.
      return existsSync(path.join(this.dir, 'index.html')) ? 'fresh' : 'unavailable';
    }
    this.pending = this.builder.build(this.abort.signal).then(
      () => {
        this.failure = undefined;
      },
      (error: unknown) => {
        this.failure = `building the docs failed (${String((error as Error)?.message ?? error).split('\n')[0]}); run \`npm run docs\``;
      },
    );
    return 'building';
  }

  /** Stops a build under way; resolves once it has cleaned up after itself. */
  stop(): Promise<void> {
    this.abort.abort();
    return this.ready();
  }

  /** Resolves once no build is in progress. */
  ready(): Promise<void> {
    return this.pending ?? Promise.resolve();
  }
}
