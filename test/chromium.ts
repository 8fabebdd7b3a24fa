// Headless Chromium for the browser tests (the docs, the public pages): /usr/bin/chromium or
// CHROMIUM_PATH, driven by playwright-core, with a fresh profile and a cleanup that leaves no
// process behind.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Every Playwright wait is bounded by this. */
export const UI_TIMEOUT_MS = 15_000;
const CLOSE_TIMEOUT_MS = 15_000;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** PIDs of the Chromium processes that use our profile directory (Linux /proc). */
async function processesUsing(profile: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(profile)) pids.push(Number(entry));
  }
  return pids;
}

/** Records what a page reports of itself: Content-Security-Policy violations and uncaught errors. */
export function recordPageProblems(page: Page, problems: { cspViolations: string[]; pageErrors: string[] }): void {
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) problems.cspViolations.push(m.text());
  });
  page.on('pageerror', (e) => problems.pageErrors.push(e.message));
}

export type Chromium = { context: BrowserContext; page: Page; close: () => Promise<void> };

/**
 * A browser with its profile in `work`/profile. Playwright takes the profile directory as
 * launchPersistentContext's first argument (it refuses --user-data-dir in args); a fresh one per
 * run. --no-zygote makes every Chromium process a child of the browser process, so none is
 * orphaned when the browser exits.
 */
export async function launchChromium(work: string, options: { viewport?: { width: number; height: number }; locale?: string } = {}): Promise<Chromium> {
  const profile = path.join(work, 'profile');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    timeout: 60_000,
    viewport: options.viewport ?? { width: 1400, height: 1000 },
    ...(options.locale ? { locale: options.locale } : {}),
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-zygote'],
  });
  context.setDefaultTimeout(UI_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(UI_TIMEOUT_MS);
  const page = context.pages()[0] ?? (await context.newPage());
  let browserPid: number | undefined;
  try {
    const cdp = await context.newCDPSession(page);
    const { processInfo } = (await cdp.send('SystemInfo.getProcessInfo')) as { processInfo: Array<{ type: string; id: number }> };
    browserPid = processInfo.find((p) => p.type === 'browser')?.id;
    await cdp.detach();
  } catch {
    // Only used as a fallback for cleanup; closing the context normally ends the browser.
  }
  const close = async () => {
    const closed = context.close().then(() => true, () => false);
    const finished = await Promise.race([closed, new Promise<false>((r) => setTimeout(() => r(false), CLOSE_TIMEOUT_MS))]);
    if (!finished && browserPid && alive(browserPid)) process.kill(browserPid, 'SIGKILL');
    // Whatever still runs with our fresh profile directory is ours: end it by PID.
    for (const pid of await processesUsing(profile)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  return { context, page, close };
}
