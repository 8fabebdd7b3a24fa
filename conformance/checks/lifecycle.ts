import { isDeepStrictEqual } from 'node:util';
import type { ExpectedOutcome, LifecycleAction, Refusal } from '../../src/contract/lifecycle.ts';
import { PrerequisiteError } from '../resources.ts';
import type { Exchange, ScenarioCheck } from '../types.ts';
import { problemCode, statusText } from './util.ts';
export { LIFECYCLE_OPERATIONS } from './lifecycle-matrix.ts';
import { POOL, LINE, type Setup, SETUPS, LIFECYCLE_OPERATIONS, type Invoice, isInvoice, paymentsOf, num, refusalText, factsText, allowedRule, refusedRule, changedFields, Matrix } from './lifecycle-matrix.ts';

// The invoice lifecycle matrix: every action of the contract's `x-invoicekit-lifecycle` data,
// applied to an invoice brought into every status (and every fact the data's refusals depend
// on: trash, payments, publication) through the API. The data, read from the contract the run
// was given, is the only oracle; nothing here knows the server's code.

export const lifecycle: ScenarioCheck = {
  id: 'lifecycle',
  kind: 'scenario',
  inline: false,
  severity: 'critical',
  description: "Every lifecycle action from every status (trash, payments and publication included) is allowed or refused as the contract's x-invoicekit-lifecycle data says; an allowed one leads to the documented status, a refused one changes nothing.",
  requires: ['writes'],
  operations: LIFECYCLE_OPERATIONS,
  async run(ctx) {
    let m: Matrix;
    try {
      m = new Matrix(ctx, 'lifecycle');
    } catch (error) {
      throw new PrerequisiteError(`the contract's lifecycle data cannot be read: ${(error as Error).message}`);
    }
    await runMatrix(m);
  },
};

type Case = { action: LifecycleAction; operationId: string; setup: Setup; expected: ExpectedOutcome };
type Bound = Exclude<ReturnType<Matrix['request']>, string>;

async function runMatrix(m: Matrix): Promise<void> {
  const { s, oracle, ctx } = m;
  m.customer = await ctx.resources.customer();
  // The server's today: the default issue date of an invoice created without one.
  const probe = await s.must('createInvoice', { json: { customer_id: m.customer, currency: 'USD', title: ctx.resources.label('lifecycle clock probe'), line_items: [LINE] }, label: "learn the server's date" });
  m.today = typeof probe?.issue_date === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(probe.issue_date) ? probe.issue_date : new Date().toISOString().slice(0, 10);

  const statuses = new Set(oracle.lifecycle.statuses.map((st) => st.name));
  const setups = SETUPS.filter((setup) => statuses.has(setup.facts.status));
  const tasks: Array<() => Promise<void>> = [];
  for (const setup of setups) {
    const cases: Case[] = oracle.lifecycle.actions.flatMap((action) => action.operations.map((operationId) => ({ action, operationId, setup, expected: oracle.expectedOutcome(action.name, setup.facts.status, setup.facts) })));
    // One invoice per setup serves every case that should leave it in the setup's state: the
    // refused ones (they change nothing), a duplicate (it leaves the original alone), and allowed
    // ones whose result keeps the status (an edit, a reminder); those come last, since one that
    // does change the facts costs a new invoice. Every other allowed case gets a fresh invoice.
    const keeps = (c: Case) => c.expected.allowed && (c.expected.result === 'new_draft' || ((c.expected.result === 'unchanged' || c.expected.result === 'sent_if_draft') && setup.facts.status !== 'draft'));
    const onShared = [...cases.filter((c) => !c.expected.allowed), ...cases.filter(keeps)];
    tasks.push(() => runShared(m, setup, onShared));
    for (const c of cases.filter((x) => !onShared.includes(x))) tasks.push(() => runFresh(m, c));
  }
  // Each setup's shared invoice first, then its fresh ones; a few at a time.
  const queue = [...tasks];
  await Promise.all(
    Array.from({ length: POOL }, async () => {
      for (let task = queue.shift(); task; task = queue.shift()) await task();
    }),
  );
}

/** The refusal expected, and the request-dependent ones also acceptable when the request cannot avoid them (an amount when nothing is due). */
function acceptableRefusals(c: Case, amountExceedsDue: boolean): Refusal[] {
  const expected = c.expected as Extract<ExpectedOutcome, { allowed: false }>;
  return [{ httpStatus: expected.httpStatus, code: expected.code }, ...(amountExceedsDue ? c.action.otherRefusals.filter((r) => r.httpStatus === 422) : [])];
}

/** The request of a case, or undefined (with the reason recorded) when the case does not apply. */
function bind(m: Matrix, c: Case, invoice: Invoice): Bound | undefined {
  let reason: string | undefined;
  if (!m.s.has(c.operationId)) reason = `the contract has no operation '${c.operationId}'`;
  // A full replacement sends every field: only from the statuses where every field may change.
  else if (c.action.editableFields && c.expected.allowed && m.s.operation(c.operationId).method.toLowerCase() === 'put' && !c.action.editableFields.everyFieldFrom.includes(c.setup.facts.status)) {
    reason = `${c.operationId} replaces every field, which only ${c.action.editableFields.everyFieldFrom.join(', ')} invoices accept`;
  }
  const req = reason ? reason : m.request(c.action, c.operationId, invoice);
  if (typeof req !== 'string') return req;
  if (m.ctx.once(`lifecycle n/a ${c.action.name} ${c.operationId} ${c.setup.name}`)) m.ctx.skip(c.operationId, `${c.action.label} from ${c.setup.name} is not tried: ${req}`);
  return undefined;
}

/** Whether an invoice is (still) in a setup's state. */
function inSetup(setup: Setup, inv: Invoice): boolean {
  const f = setup.facts;
  return inv.status === f.status && (inv.deleted_at != null) === f.trashed && (inv.share_link != null) === f.published && paymentsOf(inv).length > 0 === f.hasPayments;
}

async function runShared(m: Matrix, setup: Setup, cases: Case[]): Promise<void> {
  let invoice: Invoice | undefined;
  for (const c of cases) {
    invoice ??= await m.prepare(setup);
    if (!invoice) return;
    const req = bind(m, c, invoice);
    if (!req) continue;
    const exchange = await m.s.call(c.operationId, { ...req.options, label: `${c.action.label} from ${setup.name}` });
    if (!exchange.response) {
      invoice = undefined;
      continue;
    }
    // Later cases need an invoice in the setup's state: one that left it is replaced.
    const after = c.expected.allowed ? await judgeAllowed(m, c, invoice, exchange, req) : await judgeRefused(m, c, invoice, exchange, req);
    invoice = after && inSetup(setup, after) ? after : undefined;
  }
}

async function runFresh(m: Matrix, c: Case): Promise<void> {
  if (m.unreachable.has(c.setup.name)) return;
  const before = await m.prepare(c.setup);
  if (!before) return;
  const req = bind(m, c, before);
  if (!req) return;
  const exchange = await m.s.call(c.operationId, { ...req.options, label: `${c.action.label} from ${c.setup.name}` });
  if (exchange.response) await judgeAllowed(m, c, before, exchange, req);
}

/** A refused case: the documented refusal, and the invoice reads exactly as before. Returns the invoice read after. */
async function judgeRefused(m: Matrix, c: Case, before: Invoice, exchange: Exchange, req: Bound): Promise<Invoice | undefined> {
  const res = exchange.response!;
  const expected = c.expected as Extract<ExpectedOutcome, { allowed: false }>;
  const accepted = acceptableRefusals(c, req.amountExceedsDue);
  const rule = refusedRule(c.action, expected, c.setup.facts);
  const refusedRight = accepted.some((r) => r.httpStatus === res.status && r.code === problemCode(res));
  if (!refusedRight) m.s.fail(exchange, { rule, cause: `${c.action.name} from ${c.setup.name}: not refused as documented`, expected: accepted.map(refusalText).join(' or '), got: statusText(res) });
  const after = await m.get(before.id, `read back after ${c.action.label} from ${c.setup.name}`);
  const read = after.response;
  if (read?.status !== 200 || !isDeepStrictEqual(read.body, before)) {
    const changes = read?.status === 200 ? changedFields(before, read.body) : [`GET answered ${read ? statusText(read) : 'nothing'}`];
    m.s.fail(exchange, { rule, cause: `${c.action.name} from ${c.setup.name}: refused but changed`, expected: 'the invoice reads exactly as before', got: `changed: ${changes.slice(0, 4).join('; ')}` });
    return read?.status === 200 && isInvoice(read.body) ? read.body : undefined;
  }
  if (refusedRight) m.s.pass(c.operationId);
  // An answer of success, even with nothing changed, may have changed what it does not show.
  return res.status < 300 ? undefined : before;
}

/** An allowed case: a success, the documented status after (from the money the invoice reports), and the state it names. Returns the invoice read after. */
async function judgeAllowed(m: Matrix, c: Case, before: Invoice, exchange: Exchange, req: Bound): Promise<Invoice | undefined> {
  const res = exchange.response!;
  const rule = allowedRule(c.action);
  const facts = c.setup.facts;
  const cause = (what: string) => `${c.action.name} from ${c.setup.name}: ${what}`;
  if (res.status >= 300) {
    m.s.fail(exchange, { rule, cause: cause('refused'), expected: `a success, from ${factsText(facts)}`, got: statusText(res) });
    return before; // a refusal of an allowed action changes nothing the matrix relies on (refusals are judged elsewhere)
  }
  const result = c.action.result;
  const after = await m.get(before.id, `read back after ${c.action.label} from ${c.setup.name}`);
  const read = after.response;
  if (result === 'gone') {
    if (read?.status !== 404) m.s.fail(after, { rule, cause: cause('not gone'), expected: 'GET answers 404', got: read ? statusText(read) : '(no answer)' });
    else m.s.pass(c.operationId);
    return undefined;
  }
  if (read?.status !== 200 || !isInvoice(read.body)) {
    m.s.fail(after, { rule, cause: cause('unreadable after'), expected: 'GET answers 200 with the invoice', got: read ? statusText(read) : '(no answer)' });
    return undefined;
  }
  const now = read.body;
  if (result === 'new_draft') {
    const next = m.oracle.statusAfter(c.action.name, { status: before.status, pastDue: facts.pastDue });
    const copy = res.body;
    if (!isInvoice(copy) || copy.id === before.id || copy.status !== next) {
      m.s.fail(exchange, { rule, cause: cause(`no new ${next}`), expected: `a new invoice (another id) with status ${next}`, got: isInvoice(copy) ? `id ${copy.id}, status ${copy.status}` : 'no invoice in the answer' });
    } else if (!isDeepStrictEqual(now, before)) {
      m.s.fail(after, { rule, cause: cause('original changed'), expected: 'the original reads exactly as before', got: `changed: ${changedFields(before, now).slice(0, 4).join('; ')}` });
    } else m.s.pass(c.operationId);
    return now;
  }
  // Money facts read from the invoice after the change: the status must be the one they give.
  const money = { amountDue: num(now.amount_due) ?? 0, amountPaid: num(now.amount_paid) ?? 0, viewed: now.viewed_at != null };
  const next = m.oracle.statusAfter(c.action.name, { status: before.status, pastDue: facts.pastDue }, money);
  const problems: string[] = [];
  if (now.status !== next) problems.push(`status ${now.status} (expected ${next})`);
  if (isInvoice(res.body) && res.body.id === before.id && res.body.status !== next) problems.push(`the answer says status ${res.body.status} (expected ${next})`);
  const trashedAfter = result === 'trashed' ? true : result === 'restored' ? false : facts.trashed;
  if ((now.deleted_at != null) !== trashedAfter) problems.push(`deleted_at ${JSON.stringify(now.deleted_at)} (expected ${trashedAfter ? 'set' : 'null'})`);
  // The money the request moved.
  const dueBefore = num(before.amount_due);
  const dueNow = num(now.amount_due);
  if (req.amount !== undefined && dueBefore !== undefined && dueNow !== dueBefore - req.amount) problems.push(`amount_due ${dueNow} (expected ${dueBefore} − ${req.amount} = ${dueBefore - req.amount})`);
  if (req.paymentId) {
    const removed = paymentsOf(before).find((p) => p.id === req.paymentId);
    if (paymentsOf(now).some((p) => p.id === req.paymentId)) problems.push(`payment ${req.paymentId} still listed`);
    else if (removed && dueBefore !== undefined && dueNow !== dueBefore + removed.amount) problems.push(`amount_due ${dueNow} (expected ${dueBefore} + ${removed.amount})`);
  }
  // amount_due as the lifecycle data defines it for the status now: 0 where nothing is owed (void), and the total kept.
  const dueExpected = m.oracle.expectedAmountDue(String(now.status), { total: num(now.total) ?? 0, amountPaid: num(now.amount_paid) ?? 0, amountCredited: num(now.amount_credited) ?? 0 });
  if (dueNow !== undefined && dueNow !== dueExpected) problems.push(`amount_due ${dueNow} (expected ${dueExpected}${dueExpected === 0 && now.status !== 'paid' ? `: nothing is owed on a ${String(now.status)} invoice` : ''})`);
  if (now.status !== before.status && !c.action.editableFields && num(now.total) !== num(before.total)) problems.push(`total ${String(now.total)} (was ${String(before.total)}; the action keeps it)`);
  if (c.action.name === 'publish' && now.share_link == null) problems.push('no share_link');
  if (c.action.name === 'unpublish' && now.share_link != null) problems.push('share_link still set');
  // An edit reads back what it sent.
  if (c.action.editableFields && req.options.json && typeof req.options.json === 'object') {
    for (const [k, v] of Object.entries(req.options.json as Record<string, unknown>)) {
      if (k !== 'line_items' && k !== 'discount' && k in now && !isDeepStrictEqual(now[k], v)) problems.push(`${k} ${JSON.stringify(now[k])} (sent ${JSON.stringify(v)})`);
    }
  }
  if (problems.length) m.s.fail(exchange, { rule, cause: cause('wrong state after'), expected: `from ${factsText(facts)}: status ${next}${result === 'trashed' ? ', in the trash' : ''}`, got: problems.join('; ') });
  else m.s.pass(c.operationId);
  return now;
}
