import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CREATE_CURL, ESC_GOT, NASTY_MESSAGE, SKIP_REASON, runEvents, runResult } from './fixture.ts';
import { createJunitReporter, renderJunit, xmlAttr, xmlText } from './junit.ts';
import { findAll, parseXml, type XmlElement } from './xml-check.ts';

const suite = (root: XmlElement, name: string) => findAll(root, 'testsuite').find((s) => s.attrs.name === name)!;
const testcase = (root: XmlElement, check: string, op: string) => findAll(root, 'testcase').find((t) => t.attrs.classname === check && t.attrs.name === op)!;

// An independent second opinion when fast-xml-parser happens to be installed (only transitively: it is not a dependency).
const fxpName = 'fast-xml-parser';
const fxp: { XMLValidator: { validate(xml: string): true | object } } | undefined = await import(fxpName).catch(() => undefined);

describe('junit reporter', () => {
  let dir: string;
  beforeEach(async () => void (dir = await mkdtemp(join(tmpdir(), 'ikc-junit-'))));
  afterEach(async () => {
    vi.useRealTimers();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes one testcase per (check, operation), one suite per check, tool errors apart', async () => {
    const reporter = createJunitReporter(join(dir, 'nested', 'out'));
    for (const e of runEvents()) reporter.onEvent(e);
    const paths = await reporter.finish();
    expect(paths).toEqual([join(dir, 'nested', 'out', 'junit.xml')]);
    const root = parseXml(await readFile(paths[0]!, 'utf8'));

    expect(root.name).toBe('testsuites');
    // 6 result rows + 1 case for the check skipped as a whole + 1 tool error.
    expect(root.attrs).toMatchObject({ tests: '8', failures: '2', errors: '1', skipped: '2', time: '4.200' });
    expect(findAll(root, 'testcase')).toHaveLength(8);
    expect(findAll(root, 'failure')).toHaveLength(2);
    expect(findAll(root, 'skipped')).toHaveLength(2);

    expect(suite(root, 'response-schema').attrs).toMatchObject({ tests: '3', failures: '1', skipped: '0', errors: '0' });
    expect(suite(root, 'content-type').attrs).toMatchObject({ tests: '3', failures: '1', skipped: '1' });
    expect(suite(root, 'tenant-isolation').attrs).toMatchObject({ tests: '1', failures: '0', skipped: '1' });
    expect(findAll(suite(root, 'response-schema'), 'property').map((p) => p.attrs)).toContainEqual({ name: 'severity', value: 'high' });

    const skipped = findAll(testcase(root, 'content-type', 'getInvoice'), 'skipped');
    expect(skipped[0]!.attrs.message).toBe('every request timed out');
    expect(findAll(testcase(root, 'tenant-isolation', '(all operations)'), 'skipped')[0]!.attrs.message).toBe(SKIP_REASON);
    expect(testcase(root, 'response-schema', 'listInvoices').children).toEqual([]);
  });

  it('lists every failure of a (check, operation) with expected, got and the reproducer', () => {
    const root = parseXml(renderJunit(runResult()));
    const failure = findAll(testcase(root, 'response-schema', 'createInvoice'), 'failure');
    expect(failure).toHaveLength(1);
    expect(failure[0]!.attrs.type).toBe('response-schema');
    expect(failure[0]!.attrs.message).toMatch(/^2 failures; first: Body must match <Invoice> & "total" isn't a string/);
    const text = failure[0]!.text;
    expect(text).toContain('--- 1 of 2 ---');
    expect(text).toContain('expected: integer (minor units)');
    expect(text).toContain('got: "12.50" (string)');
    expect(text).toContain('occurrences: 3');
    expect(text).toContain('response: HTTP 201');
    expect(text.split(CREATE_CURL)).toHaveLength(3); // the reproducer of both failures, unchanged
  });

  it('keeps tool errors out of failures, as errors of their own suite', () => {
    const root = parseXml(renderJunit(runResult()));
    const errors = findAll(root, 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.attrs).toEqual({ message: 'No answer within 5000 ms', type: 'timeout' });
    const tools = findAll(root, 'testsuite').find((s) => s.attrs.name!.startsWith('tool errors'))!;
    expect(tools.attrs).toMatchObject({ tests: '1', failures: '0', errors: '1' });
    expect(findAll(tools, 'failure')).toHaveLength(0);
  });

  it('stays well-formed with markup, quotes, NUL and ESC in messages, and loses no information', () => {
    const xml = renderJunit(runResult());
    expect(xml).not.toMatch(/[\u0000\u001b]/);
    const root = parseXml(xml);
    expect(findAll(testcase(root, 'response-schema', 'createInvoice'), 'failure')[0]!.text).toContain(NASTY_MESSAGE.replace('\u0000', '\\u0000'));
    expect(findAll(testcase(root, 'content-type', 'createInvoice'), 'failure')[0]!.text).toContain(ESC_GOT.replaceAll('\u001b', '\\u001b'));
    // Attributes keep their line breaks as character references.
    expect(parseXml(`<a b="${xmlAttr('one\ntwo\t"<&>\'')}"/>`).attrs.b).toBe('one\ntwo\t"<&>\'');
  });

  it.skipIf(!fxp)('is accepted by fast-xml-parser too', () => {
    expect(fxp!.XMLValidator.validate(renderJunit(runResult()))).toBe(true);
  });

  it('gives each check an even share of its operation time; a suite time is the sum of its cases', async () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2025-01-01T10:00:00Z'));
    const reporter = createJunitReporter(dir);
    for (const e of runEvents()) {
      reporter.onEvent(e);
      if (e.type === 'operation-start' && e.operationId === 'createInvoice') vi.advanceTimersByTime(300);
    }
    const root = parseXml(await readFile((await reporter.finish())[0]!, 'utf8'));
    expect(testcase(root, 'response-schema', 'createInvoice').attrs.time).toBe('0.150');
    expect(testcase(root, 'content-type', 'createInvoice').attrs.time).toBe('0.150');
    expect(suite(root, 'response-schema').attrs.time).toBe('0.150');
  });

  it('writes nothing without a run-end', async () => {
    const reporter = createJunitReporter(dir);
    for (const e of runEvents().slice(0, -1)) reporter.onEvent(e);
    expect(await reporter.finish()).toEqual([]);
  });
});

describe('strict XML check', () => {
  it('rejects what is not well-formed', () => {
    for (const bad of ['<a>\u0000</a>', '<a>&</a>', '<a>&nope;</a>', '<a><b></a></b>', '<a x="1" x="2"/>', '<a/><b/>', '<a>&#0;</a>', '<a x="<"/>', '<a>'])
      expect(() => parseXml(bad), bad).toThrow();
    expect(parseXml(`<a x='&lt;&#x41;'>${xmlText('<&>')}</a>`)).toMatchObject({ attrs: { x: '<A' }, text: '<&>' });
  });
});
