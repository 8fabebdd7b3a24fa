import { describe, expect, it } from 'vitest';
import { lifecycleOracle } from '../contract/lifecycle.ts';
import { loadContract } from '../contract/load.ts';
import { invalidInput, Refusal } from '../domain/errors.ts';
import { StorageError } from '../errors.ts';
import { ApiError, PROBLEMS, problemResponse, toApiError } from './problem.ts';

const contract = loadContract();

describe('problem codes and their statuses', () => {
  it('are exactly the contract’s Problem code enum (tsc checks it too: satisfies Record<ProblemCode, …>)', () => {
    const codes = (contract.components.schemas.Problem as any).properties.code.enum as string[];
    expect(Object.keys(PROBLEMS).sort()).toEqual([...codes].sort());
  });

  it('give every refusal of the lifecycle data the HTTP status the data gives', () => {
    const { lifecycle } = lifecycleOracle(contract);
    const refusals = [lifecycle.trash.inTrash, lifecycle.trash.notInTrash, ...lifecycle.actions.flatMap((a) => [
      a.refusal, ...Object.values(a.refusalByStatus), ...(a.refusedWithPayments ? [a.refusedWithPayments] : []), ...(a.requiresPublished ? [a.requiresPublished] : []), ...a.otherRefusals,
    ])];
    expect(refusals.length).toBeGreaterThan(16);
    for (const r of refusals) expect(toApiError(new Refusal(r.code as keyof typeof PROBLEMS, 'x')).status, r.code).toBe(r.httpStatus);
  });
});

describe('toApiError: the only place a refusal gets a status and pointers', () => {
  it('takes the status from the table and turns each refused field into a JSON pointer into the request', () => {
    const e = toApiError(new Refusal('invalid_pagination', 'One way.', [
      { in: 'query', path: 'offset', message: 'a', rule: 'pagination' },
      { in: 'query', path: 'page', message: 'b' },
    ]));
    expect([e.status, e.code, e.detail]).toEqual([400, 'invalid_pagination', 'One way.']);
    expect(e.extras.errors).toEqual([{ pointer: '/query/offset', message: 'a', keyword: 'pagination' }, { pointer: '/query/page', message: 'b' }]);
    expect(toApiError(invalidInput('invalid_quantity', 'line_items[0].quantity', 'bad')).extras.errors).toEqual([{ pointer: '/body/line_items[0].quantity', message: 'bad', keyword: 'invalid_quantity' }]);
    expect(toApiError(invalidInput('invalid_quantity', undefined, 'bad')).extras.errors![0]!.pointer).toBe('/body');
  });

  it('answers a refusal without a field with no errors[], and keeps HTTP-only extras of an ApiError', () => {
    const plain = problemResponse(toApiError(new Refusal('nothing_due', 'Paid.')), 'req_1', '/x');
    expect(plain).toEqual({
      status: 409,
      contentType: 'application/problem+json',
      headers: {},
      body: { type: 'https://invoicekit.dev/problems/nothing_due', title: 'Nothing is due', status: 409, code: 'nothing_due', detail: 'Paid.', instance: '/x', request_id: 'req_1' },
    });
    const http = problemResponse(new ApiError('method_not_allowed', 'No.', { headers: { Allow: 'GET' } }), 'req_2', '/y');
    expect([http.status, http.headers]).toEqual([405, { Allow: 'GET' }]);
    expect(new ApiError('internal_error', 'Later.', { status: 501 }).status).toBe(501);
  });

  it('hides anything else behind a 500, and a storage failure behind a 503', () => {
    expect([toApiError(new Error('secret path /x')).status, toApiError(new Error('x')).code]).toEqual([500, 'internal_error']);
    expect(toApiError(new Error('secret path /x')).detail).not.toContain('secret');
    expect([toApiError(new StorageError('full', 'disk')).status, toApiError(new StorageError('full', 'disk')).code]).toEqual([503, 'storage_unavailable']);
  });
});
