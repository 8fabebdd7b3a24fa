// Every status an operation can really answer is declared, and nothing it cannot: the rules below
// follow the pipeline (src/http/pipeline.ts, src/control/router.ts), so a contract edit that
// forgets one fails here. The hostile suite checks the other side: every answer is declared.
import { describe, expect, it } from 'vitest';
import { controlContractPath, listOperations, loadContract, type OperationEntry } from '../src/contract/load.ts';

const api = loadContract();
const control = loadContract(controlContractPath);

function expected(op: OperationEntry, isControl: boolean): { must: string[]; mustNot: string[] } {
  const secured = isControl || ((op.operation.security as unknown[] | undefined) ?? (api.security as unknown[])).length > 0;
  const hasBody = Boolean(op.operation.requestBody);
  // Every operation refuses unknown query parameters; credentials, rate limits and idempotency only where they apply.
  const must = ['400'];
  const mustNot: string[] = ['500', '501', '502', '503'];
  if (secured) must.push('401');
  if (secured && !isControl) must.push('403', '429');
  else mustNot.push('429');
  if (hasBody) must.push('413', '415');
  else mustNot.push('413', '415');
  if (secured && !isControl && op.method === 'post') must.push('409', '422');
  // The token endpoint authenticates the client itself (401 invalid_client); other open operations never 401.
  if (op.operationId === 'createAccessToken') must.push('401');
  else if (!secured) mustNot.push('401', '403');
  return { must, mustNot };
}

describe.each([
  ['API', api, false],
  ['control', control, true],
] as const)('%s contract', (_name, doc, isControl) => {
  it.each(listOperations(doc).map((op) => [op.operationId, op] as const))('%s declares what it can answer, and only that', (_id, op) => {
    const declared = Object.keys(op.operation.responses);
    const { must, mustNot } = expected(op, isControl);
    expect(must.filter((s) => !declared.includes(s))).toEqual([]);
    expect(mustNot.filter((s) => declared.includes(s))).toEqual([]);
  });
});
