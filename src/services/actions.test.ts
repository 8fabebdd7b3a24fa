import { PDFParse } from 'pdf-parse';
import { describe, expect, it } from 'vitest';
import { ControllableClock, sequentialIds } from '../deps.ts';
import { DEFAULT_CREDIT_NOTE_PATTERN, DEFAULT_INVOICE_PATTERN } from '../domain/numbering.ts';
import { MemoryStore } from '../store/memory.ts';
import { markSent, sendInvoice, voidInvoice } from './actions.ts';
import type { ServiceContext } from './context.ts';
import { createInvoice, updateInvoice } from './invoices.ts';
import { Outbox } from './outbox.ts';
import { CursorCodec } from './pagination.ts';

function setup() {
  const store = new MemoryStore();
  store.putTenant({ id: 'acme', name: 'Acme', invoice_pattern: DEFAULT_INVOICE_PATTERN, credit_note_pattern: DEFAULT_CREDIT_NOTE_PATTERN });
  store.putCustomer('acme', { id: 'cus_1', name: 'Customer', email: 'c@example.com', phone: null, address: null, tax_id: null, notes: null, currency: null, is_active: true, created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z', deleted_at: null });
  const clock = new ControllableClock();
  clock.freeze(new Date('2026-03-15T10:00:00.000Z'));
  const ctx: ServiceContext = { store, clock, ids: sequentialIds(), cursors: new CursorCodec('s'), tenant: store.tenant('acme')!, baseUrl: 'http://test' };
  const invoice = createInvoice(ctx, { customer_id: 'cus_1', payment_method: 'bank_transfer', exclude_from_autopay: false, line_items: [{ description: 'Work', quantity: 1, unit_price: 100 }] });
  return { ctx, store, invoice, outbox: new Outbox() };
}

describe('sendInvoice while the invoice changes under it', () => {
  it('does not email an invoice voided while its PDF was drawn', async () => {
    const { ctx, store, invoice, outbox } = setup();
    markSent(ctx, invoice.id);
    const sending = sendInvoice(ctx, invoice.id, outbox);
    voidInvoice(ctx, invoice.id); // runs while the PDF is being rendered
    await expect(sending).rejects.toMatchObject({ code: 'invalid_transition' });
    expect(outbox.size).toBe(0);
    expect(store.getInvoice('acme', invoice.id)).toMatchObject({ stored_status: 'void', sent_via_email: false });
  });

  it('attaches the PDF of what is stored when the email goes out', async () => {
    const { ctx, store, invoice, outbox } = setup();
    const sending = sendInvoice(ctx, invoice.id, outbox);
    updateInvoice(ctx, invoice.id, { notes: 'Edited while sending' });
    const sent = await sending;
    expect(sent).toMatchObject({ stored_status: 'sent', notes: 'Edited while sending', sent_via_email: true });
    expect(store.getInvoice('acme', invoice.id)).toBe(sent);
    const parser = new PDFParse({ data: outbox.last()!.attachments[0]!.content });
    try {
      expect((await parser.getText()).text).toContain('Edited while sending');
    } finally {
      await parser.destroy();
    }
  });
});
