import { Scenario } from '../scenario.ts';
import type { Exchange, ScenarioCheck } from '../types.ts';

const CONCURRENT = 6;

/** The trailing sequence of a rendered number (`INV-2026-0043` → prefix `INV-2026-`, 43). */
function sequenceOf(number: string): { prefix: string; seq: number; width: number } | undefined {
  const m = /^(.*?)(\d+)$/.exec(number);
  return m ? { prefix: m[1]!, seq: Number(m[2]), width: m[2]!.length } : undefined;
}

export const numbering: ScenarioCheck = {
  id: 'numbering',
  kind: 'scenario',
  inline: false,
  exclusive: true,
  severity: 'high',
  description: 'Invoice numbers: the next-number preview is what the next create gets, and concurrent creates get unique numbers that follow the sequence without gaps.',
  requires: ['writes'],
  operations: ['previewNextInvoiceNumber', 'createInvoice', 'createCustomer'],
  async run(ctx) {
    const s = new Scenario(ctx, 'numbering');
    const customer = await ctx.resources.customer();
    const draft = () => ({ customer_id: customer, currency: 'USD', title: ctx.resources.label('numbering'), line_items: [{ description: 'Numbering probe', quantity: 1, unit_price: 100 }] });

    const preview = await s.must('previewNextInvoiceNumber');
    const created = await s.call('createInvoice', { json: draft(), label: 'create after the preview' });
    const got = (created.response?.body as { number?: string } | undefined)?.number;
    if (created.response?.status !== 201) return;
    if (got !== preview.number) {
      s.fail(created, { rule: 'GET /invoices/next-number previews exactly the number the next create gets (contract: Numbering)', cause: 'preview differs from the next create', expected: `number ${preview.number}`, got: `number ${got}` });
      return;
    }
    s.pass('previewNextInvoiceNumber');

    const next = await s.must('previewNextInvoiceNumber');
    const burst: Exchange[] = await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => s.call('createInvoice', { json: draft(), label: `concurrent create ${i + 1}/${CONCURRENT}` })));
    const numbers = burst.filter((e) => e.response?.status === 201).map((e) => String((e.response!.body as { number?: unknown }).number));
    if (numbers.length < CONCURRENT) return; // a refused create is judged by the exchange checks
    const duplicates = numbers.filter((n, i) => numbers.indexOf(n) !== i);
    if (duplicates.length) {
      const shown = burst.find((e) => (e.response!.body as { number?: string }).number === duplicates[0])!;
      s.fail(shown, { rule: 'Invoice numbers are unique per tenant, also under concurrent creates (contract: Numbering)', cause: 'duplicate number under concurrency', expected: `${CONCURRENT} distinct numbers`, got: `duplicates: ${[...new Set(duplicates)].join(', ')}` });
      return;
    }
    const start = sequenceOf(String(next.number));
    if (start) {
      const expected = Array.from({ length: CONCURRENT }, (_, i) => `${start.prefix}${String(start.seq + i).padStart(start.width, '0')}`);
      const sorted = [...numbers].sort();
      if (sorted.join() !== expected.join()) {
        s.fail(burst[0]!, { rule: 'Concurrent creates take the next numbers of the sequence, without gaps, starting at the previewed one (contract: Numbering)', cause: 'gap or skew in concurrent numbering', expected: expected.join(', '), got: sorted.join(', ') });
        return;
      }
    }
    s.pass('createInvoice');
  },
};
