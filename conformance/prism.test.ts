import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrism, type PrismMock } from '../src/testing/processes.ts';
import { CHECKS } from './registry.ts';
import { runConformance } from './runner.ts';
import type { RunResult } from './types.ts';

// Prism's stateless mock answers with the contract's own examples: shape checks pass, and every
// rule that needs state fails with a message that says what was not kept, never a runner crash.
let prism: PrismMock;
let base: string;
let result: RunResult;

beforeAll(async () => {
  prism = await startPrism();
  base = prism.baseUrl;
  result = await runConformance({
    baseUrl: `${base}/api/v1`,
    apiKey: 'ik_test_any_key_prism_accepts',
    seed: 1,
    maxExamples: 2,
    include: ['createCustomer', 'getCustomer', 'listCustomers', 'deleteCustomer', 'createInvoice', 'previewNextInvoiceNumber'],
  });
}, 150_000);

afterAll(() => prism?.stop(), 20_000);

const failing = (id: string) => result.failures.filter((f) => f.checkId === id);

describe("against Prism's stateless mock", () => {
  it('runs to the end without a crash of the runner', () => {
    expect(result.toolErrors.filter((e) => e.kind === 'tool')).toEqual([]);
    expect(result.exitCode).toBe(1);
  });

  it('finds the shapes right: the examples Prism serves match the contract', () => {
    for (const id of ['response_schema', 'status_documented', 'content_type_documented', 'server_error']) expect(failing(id).map((f) => f.message)).toEqual([]);
  });

  it('fails the rules that need state, saying what was not kept', () => {
    const readBack = failing('created_resource_readable');
    expect(readBack.length).toBeGreaterThan(0);
    expect(readBack[0]!.message).toMatch(/read back must equal the create answer/);
    const gone = failing('deleted_resource_gone');
    expect(gone.map((f) => f.message).join('\n')).toMatch(/deleted resource must (be gone|not appear in its list)/);
    expect(failing('numbering')[0]?.message).toMatch(/previews exactly the number the next create gets/);
  });

  it('fails the rules Prism does not enforce: any credential is accepted, 405s have no Allow', () => {
    expect(failing('auth_required')[0]?.message).toMatch(/must refuse an unknown API key with 401/);
    expect(failing('method_not_allowed').map((f) => f.message).join('\n')).toMatch(/Allow header/);
  });

  it('names a registered check and a reproducer in every failure', () => {
    const ids = new Set(CHECKS.map((c) => c.id));
    for (const f of result.failures) {
      expect(ids.has(f.checkId)).toBe(true);
      expect(f.curl).toMatch(/^curl /);
    }
  });
});

// lifecycle group
describe("the lifecycle matrix against Prism's stateless mock", () => {
  it('fails saying which state was not kept, without a crash of the runner', async () => {
    const { LIFECYCLE_OPERATIONS } = await import('./checks/lifecycle.ts');
    const run = await runConformance({ baseUrl: `${base}/api/v1`, apiKey: 'ik_test_any_key_prism_accepts', seed: 1, maxExamples: 1, include: LIFECYCLE_OPERATIONS, only: ['lifecycle'] });
    expect(run.toolErrors.filter((e) => e.kind === 'tool')).toEqual([]);
    const messages = run.failures.filter((f) => f.checkId === 'lifecycle').map((f) => f.message);
    // Every invoice reads back as the one example Prism serves: the setups are not kept.
    expect(messages).toContain('An invoice published, then voided is void (contract: x-invoicekit-lifecycle)');
    expect(messages.every((m) => m.endsWith('(contract: x-invoicekit-lifecycle)'))).toBe(true);
  }, 120_000);
});

describe("every business rule against Prism's stateless mock", () => {
  it('fails the rules that need state with messages naming the rule, never with a crash of the runner', async () => {
    const business = CHECKS.filter((c) => c.kind === 'scenario').map((c) => c.id);
    const run = await runConformance({ baseUrl: `${base}/api/v1`, apiKey: 'ik_test_any_key_prism_accepts', secondApiKey: 'ik_test_other_key_prism_accepts', seed: 1, maxExamples: 1, only: business });
    expect(run.toolErrors.filter((e) => e.kind === 'tool')).toEqual([]);
    const failed = new Set(run.failures.map((f) => f.checkId));
    // Each of these needs the server to keep what it was sent; Prism keeps nothing.
    for (const id of ['numbering', 'totals', 'payments', 'pagination', 'read_after_write', 'idempotency', 'tenant_isolation', 'lifecycle', 'documents', 'overdue']) expect(failed, id).toContain(id);
    for (const f of run.failures) expect(f.message, f.checkId).toMatch(/contract|must|should|is |are /i);
  }, 150_000);
});
