import { addDays } from '../documents/text.ts';
import { PrerequisiteError } from '../resources.ts';
import { Scenario } from '../scenario.ts';
import { statusText } from './util.ts';
import { isInvoice, listedIds } from './overdue.ts';
import type { CheckContext, Exchange, ScenarioCheck } from '../types.ts';

type ClockState = { now: string; frozen: boolean; offset_ms: number };
const isClock = (body: unknown): body is ClockState => !!body && typeof body === 'object' && typeof (body as ClockState).now === 'string' && !Number.isNaN(Date.parse((body as ClockState).now)) && typeof (body as ClockState).frozen === 'boolean';

/**
 * The clock of an invoicekit server, through its mock-control API (spec/control/openapi.yaml:
 * `/control/clock`, the admin token as a Bearer credential). Not part of the canonical contract:
 * only this check uses it.
 */
class ControlClock {
  constructor(private readonly ctx: CheckContext) {}

  async send(method: string, path: string, label: string, json?: unknown): Promise<Exchange> {
    const auth = { authorization: `Bearer ${this.ctx.options.adminToken}`, label: 'admin token' };
    return this.ctx.send({ origin: 'probe', label: `overdue_clock: ${label}`, request: { method, path: `/control${path}`, auth, ...(json !== undefined ? { json } : {}) } });
  }

  private async must(method: string, path: string, label: string, json?: unknown): Promise<ClockState> {
    const exchange = await this.send(method, path, label, json);
    const r = exchange.response;
    if (r?.status !== 200 || !isClock(r.body)) {
      const why = exchange.toolError?.message ?? `answered ${statusText(r!)}`;
      throw new PrerequisiteError(`overdue_clock needs the clock of invoicekit's mock-control API (${method} /control${path} with --admin-token): ${why}`);
    }
    return r.body;
  }

  read = () => this.must('GET', '/clock', 'read the clock');
  freeze = (at: string) => this.must('POST', '/clock/freeze', `freeze the clock at ${at}`, { at });
  advance = (duration: string) => this.must('POST', '/clock/advance', `advance the clock by ${duration}`, { duration });

  /**
   * Puts the clock back as it was found: a frozen clock frozen again at its instant; a running one
   * frozen at the instant it would show now, then let run on (resume). A server without resume
   * gets the nearest it allows: real time plus an offset ahead of it, else the clock stays frozen.
   */
  async restore(saved: ClockState, savedAt: number): Promise<void> {
    if (saved.frozen) return void (await this.freeze(saved.now));
    await this.freeze(new Date(Date.parse(saved.now) + (Date.now() - savedAt)).toISOString());
    if ((await this.send('POST', '/clock/resume', 'let the clock run on as it did')).response?.status === 200) return;
    const offsetSeconds = Math.round((Number(saved.offset_ms) || 0) / 1000);
    if (offsetSeconds < 0) return;
    await this.must('DELETE', '/clock', 'return to real time');
    if (offsetSeconds > 0) await this.advance(`PT${offsetSeconds}S`);
  }
}

export const overdueClock: ScenarioCheck = {
  id: 'overdue_clock',
  kind: 'scenario',
  inline: false,
  // Alone: it moves the server's clock, which every other check's dates depend on.
  exclusive: true,
  severity: 'high',
  description: "With invoicekit's clock controls: a sent invoice is not overdue on its due date, is overdue the day after, is sent again when the clock goes back, and paid in full it is paid, not overdue; the clock is restored.",
  requires: ['writes', 'admin-token'],
  operations: ['createCustomer', 'createInvoice', 'markInvoiceSent', 'getInvoice', 'listInvoices', 'recordPayment'],
  async run(ctx) {
    const s = new Scenario(ctx, 'overdue_clock');
    const rule = "An invoice whose status is sent, viewed or partially_paid is reported as overdue once the server's clock is past its due_date (not on the due date itself), goes back to its stored status when the clock does, and a payment in full makes it paid (contract: Invoice lifecycle)";
    const clock = new ControlClock(ctx);
    const saved = await clock.read();
    const savedAt = Date.now();
    try {
      // Noon UTC of the server's day, and noon of the days after: half a day of margin for a server that keeps dates in another zone.
      const start = saved.now.slice(0, 10);
      await clock.freeze(`${start}T12:00:00Z`);
      const customer = await ctx.resources.customer();
      const created = await s.must('createInvoice', { json: { customer_id: customer, currency: 'USD', title: ctx.resources.label('overdue_clock'), issue_date: start, due_date: addDays(start, 2), line_items: [{ description: 'Clock probe', quantity: 1, unit_price: 9900 }] }, label: `create an invoice due ${addDays(start, 2)}` });
      if (!isInvoice(created)) throw new PrerequisiteError('overdue_clock could not set up: createInvoice answered no invoice');
      const id = created.id;
      await s.must('markInvoiceSent', { params: { invoice_id: id }, label: 'mark sent' });

      /** Reads the invoice and judges its status; false (after a failure) ends the check. */
      const expectStatus = async (expected: string, when: string, cause: string): Promise<boolean> => {
        const read = await s.call('getInvoice', { params: { invoice_id: id }, label: `read the invoice ${when}` });
        const body = read.response?.body;
        if (read.response?.status !== 200 || !isInvoice(body)) throw new PrerequisiteError(`overdue_clock could not read its invoice ${when}`);
        if (body.status === expected) return true;
        s.fail(read, { rule, cause, expected: `status ${expected} ${when} (due ${addDays(start, 2)})`, got: `status ${body.status}` });
        return false;
      };

      if (!(await expectStatus('sent', `on ${start}, two days before it is due`, 'invoice overdue before its due date'))) return;
      await clock.advance('P2D');
      if (!(await expectStatus('sent', `on its due date ${addDays(start, 2)}`, 'invoice overdue on its due date (a day early)'))) return;
      await clock.advance('P1D');
      if (!(await expectStatus('overdue', `on ${addDays(start, 3)}, the day after its due date`, 'invoice not overdue after its due date passed'))) return;
      const listed = await listedIds(s, { customer_id: customer, status: 'overdue' }, 'list the overdue invoices after the due date');
      if (listed.ids && !listed.ids.includes(id)) return void s.fail(listed.exchange, { rule, cause: 'status=overdue filter misses an invoice turned overdue by the clock', expected: `${id} in the list`, got: `ids ${listed.ids.join(', ') || '(none)'}` });
      await clock.freeze(`${addDays(start, 2)}T12:00:00Z`);
      if (!(await expectStatus('sent', `with the clock back on its due date ${addDays(start, 2)}`, 'invoice still overdue after the clock went back'))) return;
      await clock.advance('P1D');
      if (!(await expectStatus('overdue', `on ${addDays(start, 3)} again`, 'invoice not overdue again after its due date'))) return;
      const due = (await s.must('getInvoice', { params: { invoice_id: id }, label: 'read the amount due' })) as { amount_due?: unknown };
      if (typeof due.amount_due !== 'number') throw new PrerequisiteError('overdue_clock could not read the amount due');
      await s.must('recordPayment', { params: { invoice_id: id }, json: { amount: due.amount_due }, label: 'pay the overdue invoice in full' });
      if (!(await expectStatus('paid', 'after a payment in full, past its due date', 'overdue invoice paid in full not reported paid'))) return;
      s.pass('getInvoice');
      s.pass('(clock)');
    } finally {
      await clock.restore(saved, savedAt);
    }
  },
};
