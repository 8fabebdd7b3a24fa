import { describe, expect, it } from 'vitest';
import type { CustomerRecord, InvoiceSummary } from '../../store/types.ts';
import { SearchText } from './query.ts';

const invoice = (number: string, title: string | null) => ({ id: `inv_${number}`, number, title, customer_id: 'cus_1' }) as unknown as InvoiceSummary;
const customer = { id: 'cus_1', name: 'Acme GmbH', email: null } as unknown as CustomerRecord;
const customerOf = (id: string) => (id === 'cus_1' ? customer : undefined);

describe('SearchText', () => {
  it.each([
    ['inv-7', true],
    ['design', true],
    ['acme', true],
    ['gmbh', true],
    ['7\ndesign', false], // across the number and the title: never one field
    ['-7\n', false],
    ['ign\nacme', false],
    ['\n', true], // the title itself holds one
    ['zzz', false],
  ])('%j in number INV-7, title "Design\\nwork", customer Acme GmbH: %s', (needle, found) => {
    const search = new SearchText();
    const record = invoice('INV-7', 'Design\nwork');
    expect(search.matches(record, needle, customerOf)).toBe(found);
    // Kept lowered text answers the same the second time.
    expect(search.matches(record, needle, customerOf)).toBe(found);
  });

  it('finds a line break inside one field, and handles a missing title and an unknown customer', () => {
    const search = new SearchText();
    expect(search.matches(invoice('INV-8', 'Design\nwork'), 'design\nwork', customerOf)).toBe(true);
    expect(search.matches(invoice('INV-9', null), 'inv-9', () => undefined)).toBe(true);
    expect(search.matches(invoice('INV-9', null), 'acme', () => undefined)).toBe(false);
  });
});
