import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CREATE_CURL, SKIP_REASON, runEvents, runResult } from './fixture.ts';
import { createMarkdownReporter, mdCode, renderMarkdown } from './markdown.ts';

async function report(outputDir: string, env: NodeJS.ProcessEnv) {
  const reporter = createMarkdownReporter(outputDir, env);
  for (const e of runEvents()) reporter.onEvent(e);
  return reporter.finish();
}

describe('markdown reporter', () => {
  let dir: string;
  beforeEach(async () => void (dir = await mkdtemp(join(tmpdir(), 'ikc-md-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes summary.md with verdict, checks table, failures in <details>, coverage, tool errors and skips', async () => {
    const paths = await report(join(dir, 'out'), {});
    expect(paths).toEqual([join(dir, 'out', 'summary.md')]);
    const md = await readFile(paths[0]!, 'utf8');
    expect(md.split('\n')[0]).toBe('## ❌ invoicekit conform: FAILED');
    expect(md).toContain('| Check | Severity | Passed | Failed | Skipped |');
    expect(md).toContain('| `tenant-isolation` | critical | 0 | 0 | all |');
    expect(md).toContain('| `response-schema` | high | 2 | 1 | 0 |');
    expect(md).toContain('| `content-type` | medium | 1 | 1 | 1 |');
    expect(md).toContain('<details>\n<summary><code>response-schema</code> (high): 2 failures</summary>\n\n');
    expect(md).toContain('```sh\n' + CREATE_CURL + '\n```');
    expect(md).toContain('- Expected: `integer (minor units)`');
    expect(md).toContain('HTTP 201 · seen 3 times');
    expect(md).toContain('**Coverage**: 57.1% of documented operation × status pairs exercised (4/7); threshold 80%: **not met**.');
    expect(md).toContain('### Tool errors (1)');
    expect(md).toContain(`- \`tenant-isolation\`: ${SKIP_REASON}`);
    expect(md).toContain('`invoicekit conform --seed 4242`');
    // Markup and control characters from the server are shown, never interpreted.
    expect(md).toContain('Body must match &lt;Invoice&gt; &amp;');
    expect(md).not.toMatch(/[\u0000\u001b]/);
  });

  it('appends to GITHUB_STEP_SUMMARY, keeping what was there', async () => {
    const stepSummary = join(dir, 'step-summary.md');
    await writeFile(stepSummary, '# Earlier step\n');
    const env = { GITHUB_STEP_SUMMARY: stepSummary };
    expect(await report(join(dir, 'a'), env)).toEqual([join(dir, 'a', 'summary.md'), stepSummary]);
    await report(join(dir, 'b'), env);
    const text = await readFile(stepSummary, 'utf8');
    expect(text.startsWith('# Earlier step\n## ❌ invoicekit conform: FAILED')).toBe(true);
    expect(text.match(/## ❌ invoicekit conform: FAILED/g)).toHaveLength(2);
    expect(text.match(/```sh\n/g)).toHaveLength(6);
  });

  it('says PASSED on a clean run and leaves out empty sections', () => {
    const md = renderMarkdown({ ...runResult(), ok: true, exitCode: 0, failures: [], toolErrors: [], skipped: [], results: [], coverageThreshold: undefined });
    expect(md.split('\n')[0]).toBe('## ✅ invoicekit conform: PASSED');
    for (const section of ['### Failures', '### Tool errors', '### Skipped', 'not met']) expect(md).not.toContain(section);
  });

  it('keeps code spans and fences intact around backticks and pipes', () => {
    expect(mdCode('a`b')).toBe('``a`b``');
    expect(mdCode('`x`')).toBe('`` `x` ``');
    const result = runResult();
    result.failures[0]!.curl = "curl --data-binary '```' http://x";
    result.results[0]!.checkId = result.failures[0]!.checkId = result.failures[1]!.checkId = 'a|b';
    const md = renderMarkdown(result);
    expect(md).toContain("````sh\ncurl --data-binary '```' http://x\n````");
    expect(md).toContain('| `a\\|b` |');
  });
});
