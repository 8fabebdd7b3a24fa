import type { OperationEntry } from '../../src/contract/load.ts';
import { PrerequisiteError } from '../resources.ts';
import type { AuthChoice, CheckContext, Exchange, ScenarioCheck } from '../types.ts';
import { boundRequest, idempotentOperations, isJsonObject, listItems, requestToken, sendSpec, type BoundRequest } from './access.ts';
import { differences } from './lists.ts';
import { problemCode, statusText } from './util.ts';

const ID = 'idempotency';
const RULE = 'contract: Idempotency';
const PARALLEL = 4;

const replayed = (e: Exchange) => e.response?.headers['idempotent-replayed']?.trim().toLowerCase() === 'true';
const sameAnswer = (a: Exchange, b: Exchange) => a.response!.status === b.response!.status && differences(a.response!.body, b.response!.body).length === 0;

/**
 * How many times the operation's effect shows, read back through a list: one created customer,
 * invoice or copy, one payment, one credit note. Undefined for actions whose effect is a state
 * change (a second run of those is refused, so the replayed answer shows it).
 */
async function effectCount(ctx: CheckContext, b: BoundRequest): Promise<{ count: number; expected: number; what: string; exchange: Exchange } | undefined> {
  const body = isJsonObject(b.spec.json) ? b.spec.json : {};
  const invoiceId = b.prepared.invoice?.id;
  const list = async (operationId: string, path: string, query: Record<string, string>, match: (item: Record<string, any>) => boolean, expected: number, what: string) => {
    const exchange = await ctx.send({ origin: 'probe', operationId, label: `${ID}: count ${what}`, request: { method: 'GET', path, query: { limit: '100', ...query } } });
    const items = listItems(exchange);
    return items ? { count: items.filter(match).length, expected, what, exchange } : undefined;
  };
  switch (b.entry.operationId) {
    case 'createCustomer':
      return typeof body.name === 'string' ? list('listCustomers', '/api/v1/customers', { search: body.name }, (c) => c.name === body.name, 1, `customers named '${body.name}'`) : undefined;
    case 'createInvoice':
      return typeof body.customer_id === 'string' ? list('listInvoices', '/api/v1/invoices', { customer_id: body.customer_id }, (i) => i.customer_id === body.customer_id, 1, `invoices of customer ${body.customer_id}`) : undefined;
    case 'duplicateInvoice': {
      const customer = b.prepared.invoice?.customerId;
      return customer ? list('listInvoices', '/api/v1/invoices', { customer_id: customer }, (i) => i.customer_id === customer, 2, `invoices of customer ${customer} (the original and one copy)`) : undefined;
    }
    case 'recordPayment':
    case 'markInvoicePaid':
      return invoiceId ? list('listPayments', `/api/v1/invoices/${invoiceId}/payments`, {}, () => true, 1, `payments of invoice ${invoiceId}`) : undefined;
    case 'createCreditNote':
      return invoiceId ? list('listCreditNotes', `/api/v1/invoices/${invoiceId}/credit-notes`, {}, () => true, 1, `credit notes of invoice ${invoiceId}`) : undefined;
    default:
      return undefined;
  }
}

/** The same request with another valid body, or undefined when the operation has none to vary. */
function otherBody(entry: OperationEntry, json: unknown): unknown {
  if (!isJsonObject(json)) return undefined;
  const body = structuredClone(json);
  for (const field of ['name', 'title', 'reason', 'reference', 'notes', 'message', 'subject']) {
    if (typeof body[field] === 'string' && body[field].length > 1) {
      body[field] = `${body[field].slice(0, 100)} (other)`;
      return body;
    }
  }
  if (typeof body.amount === 'number' && body.amount > 1) return { ...body, amount: body.amount - 1 };
  if (Array.isArray(body.ids) && body.ids.length > 1) return { ...body, ids: body.ids.slice(1) };
  void entry;
  return undefined;
}

/** The other credential a key must not replay for: keys are kept per credential (an OAuth token of the same tenant), else another tenant's key. */
async function otherCredential(ctx: CheckContext): Promise<{ auth: AuthChoice; what: string } | undefined> {
  if (ctx.options.apiKey && ctx.options.oauthClientId && ctx.options.oauthClientSecret) {
    const { token } = await requestToken(ctx, ID);
    if (token) return { auth: { authorization: `Bearer ${token}`, label: 'OAuth token' }, what: 'an OAuth token of the same tenant' };
  }
  if (ctx.options.secondApiKey) return { auth: { authorization: `Bearer ${ctx.options.secondApiKey}`, label: 'tenant B' }, what: "another tenant's API key" };
  return undefined;
}

export const idempotency: ScenarioCheck = {
  id: ID,
  kind: 'scenario',
  inline: false,
  severity: 'high',
  description: 'Every POST with an Idempotency-Key: the same key and body replay the first answer (Idempotent-Replayed: true) with one effect, also when sent concurrently; another body is 422 idempotency_key_reused; another credential does not replay.',
  requires: ['writes'],
  operations: ['createCustomer', 'createInvoice'],
  async run(ctx) {
    const operations = idempotentOperations(ctx).filter((o) => !o.path.startsWith('/public/'));
    if (!operations.length) throw new PrerequisiteError('the contract has no POST that takes an Idempotency-Key');
    const other = await otherCredential(ctx);
    if (!other) ctx.skip('(another credential)', 'a key used with another credential needs an OAuth client or --second-api-key: not judged');
    const key = (op: string, what: string) => `ikc-${ctx.options.runTag}-${op}-${what}`.slice(0, 255);
    const fail = (exchange: Exchange, rule: string, cause: string, expected: string, got?: string) =>
      ctx.fail({ exchange, operationId: exchange.case.operationId ?? '(no operation)', cause, message: `${rule} (${RULE})`, expected, got: got ?? (exchange.response ? statusText(exchange.response) : '(no answer)') });

    const judgeEffect = async (b: BoundRequest, when: string): Promise<boolean> => {
      const effect = await effectCount(ctx, b);
      if (!effect) return true;
      if (effect.count !== effect.expected) {
        fail(effect.exchange, `A request repeated with the same Idempotency-Key has one effect${when}`, `two effects${when}`, `${effect.expected} ${effect.what}`, `${effect.count}`);
        return false;
      }
      return true;
    };

    async function sequential(entry: OperationEntry): Promise<void> {
      const op = entry.operationId;
      const b = await boundRequest(ctx, entry);
      if (!b) return ctx.skip(op, 'the example cannot be bound to real resources');
      const k = key(op, 'seq');
      const first = await sendSpec(ctx, ID, op, b.spec, 'first request with a key', { headers: { 'Idempotency-Key': k } });
      if (!first.response) return;
      if (first.response.status >= 300) return ctx.skip(op, `the bound example was refused (${statusText(first.response)}): nothing to replay`);
      if (replayed(first)) return fail(first, 'Only a replay is marked Idempotent-Replayed: true, never the first answer for a key', 'first answer marked as a replay', 'no Idempotent-Replayed on the first answer', 'Idempotent-Replayed: true');
      const again = await sendSpec(ctx, ID, op, b.spec, 'same key, same body', { headers: { 'Idempotency-Key': k } });
      if (!again.response) return;
      if (!sameAnswer(first, again)) {
        const diff = again.response.status === first.response.status ? differences(first.response.body, again.response.body).join('; ') : statusText(again.response);
        return fail(again, 'The same Idempotency-Key with the same body replays the first answer: same status, same body', 'same key and body not replayed', `${statusText(first.response)}, the first body`, diff);
      }
      if (!replayed(again)) return fail(again, 'A replayed answer is marked with Idempotent-Replayed: true', 'replay without Idempotent-Replayed', 'Idempotent-Replayed: true', again.response.headers['idempotent-replayed'] ?? '(absent)');
      if (!(await judgeEffect(b, ''))) return;

      const changed = otherBody(entry, b.spec.json);
      if (changed !== undefined) {
        const reused = await sendSpec(ctx, ID, op, { ...b.spec, json: changed }, 'same key, another body', { headers: { 'Idempotency-Key': k } });
        if (!reused.response) return;
        if (reused.response.status !== 422 || problemCode(reused.response) !== 'idempotency_key_reused') {
          return fail(reused, 'The same Idempotency-Key with another body is refused with 422 idempotency_key_reused, and does nothing', 'key reused with another body not refused', '422 idempotency_key_reused', statusText(reused.response));
        }
      }

      if (other) {
        const foreign = await sendSpec(ctx, ID, op, b.spec, `same key and body, ${other.what}`, { headers: { 'Idempotency-Key': k }, auth: other.auth });
        if (!foreign.response) return;
        const created = foreign.response.status === 201 && isJsonObject(foreign.response.body) ? foreign.response.body : undefined;
        // A customer created in the other tenant is removed again (the clean-up only knows the primary credential).
        if (created && typeof created.id === 'string' && op === 'createCustomer' && other.auth !== 'primary') {
          await ctx.send({ origin: 'probe', operationId: 'deleteCustomer', label: `${ID}: remove what ${other.what} created`, request: { method: 'DELETE', path: `/api/v1/customers/${encodeURIComponent(created.id)}`, query: { permanent: 'true' }, auth: other.auth } });
        }
        // An action may rightly answer the same twice (send, publish); a create answered with the first create's body is a replay.
        const sameCreate = first.response.status === 201 && foreign.response.status === 201 && differences(first.response.body, foreign.response.body).length === 0;
        if (replayed(foreign) || sameCreate) {
          return fail(foreign, 'Idempotency keys are kept per credential: another credential sending the same key gets its own answer, never a replay of the first', `key replayed for ${other.what}`, 'an answer of its own (no Idempotent-Replayed)', `${statusText(foreign.response)}${replayed(foreign) ? ', Idempotent-Replayed: true' : ', the first answer again'}`);
        }
      }
      ctx.pass(op);
    }

    async function concurrent(entry: OperationEntry): Promise<void> {
      const op = entry.operationId;
      const b = await boundRequest(ctx, entry);
      if (!b) return;
      const k = key(op, 'conc');
      const pair = await Promise.all([0, 1].map((i) => sendSpec(ctx, ID, op, b.spec, `same key, concurrent ${i + 1}/2`, { headers: { 'Idempotency-Key': k } })));
      if (pair.some((e) => !e.response)) return;
      const inFlight = (e: Exchange) => e.response!.status === 409 && problemCode(e.response!) === 'idempotency_in_flight';
      const originals = pair.filter((e) => !replayed(e) && !inFlight(e));
      if (originals.length === 0) return fail(pair[0]!, 'Of two concurrent requests with one key, one is answered as the first', 'no original answer under concurrency', 'one answer that is not a replay', pair.map((e) => statusText(e.response!)).join(' and '));
      const original = originals[0]!;
      if (original.response!.status >= 300) return;
      if (originals.length > 1) {
        return fail(originals[1]!, 'Two concurrent requests with the same Idempotency-Key run once: the second is a replay or 409 idempotency_in_flight, never a second run', 'concurrent requests with one key both ran', 'a replay (Idempotent-Replayed: true) or 409 idempotency_in_flight', `${statusText(originals[0]!.response!)} and ${statusText(originals[1]!.response!)}, neither a replay`);
      }
      const second = pair.find((e) => e !== original)!;
      if (replayed(second) && !sameAnswer(original, second)) {
        return fail(second, 'A replay under concurrency is the first answer: same status, same body', 'concurrent replay differs', statusText(original.response!), statusText(second.response!));
      }
      if (await judgeEffect(b, ' under concurrency')) ctx.pass(op);
    }

    const queue = operations.flatMap((entry) => [() => sequential(entry), () => concurrent(entry)]);
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        for (let task = queue.shift(); task; task = queue.shift()) {
          try {
            await task();
          } catch (error) {
            if (!(error instanceof PrerequisiteError)) throw error;
            ctx.skip('*', error.message);
          }
        }
      }),
    );
  },
};
