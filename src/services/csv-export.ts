// CSV export of the invoice list: the list's filters and sort, no pagination, streamed row by row.
import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import { formatMinor } from '../domain/currency.ts';
import type { InvoiceRecord, InvoiceSummary } from '../store/types.ts';
import { invoiceAmountDue } from '../domain/lifecycle.ts';
import { today, type ServiceContext } from './context.ts';
import { invoiceOf, sortedInvoices, statusOf, type InvoiceFilters } from './invoices.ts';

/** The contract's columns, in its order (spec/paths/invoices-export.yaml: its description and its example; src/services/csv-export.test.ts compares them). */
export const CSV_COLUMNS = [
  'id',
  'number',
  'status',
  'customer_id',
  'customer_name',
  'customer_email',
  'currency',
  'issue_date',
  'due_date',
  'subtotal',
  'discount_total',
  'tax_total',
  'total',
  'amount_paid',
  'amount_credited',
  'amount_due',
  'created_at',
] as const;
export type CsvColumn = (typeof CSV_COLUMNS)[number];

const AMOUNT_COLUMNS = ['subtotal', 'discount_total', 'tax_total', 'total', 'amount_paid', 'amount_credited', 'amount_due'] as const satisfies readonly CsvColumn[];
type AmountColumn = (typeof AMOUNT_COLUMNS)[number];
const AMOUNTS = new Set<CsvColumn>(AMOUNT_COLUMNS);

const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * A text cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, carriage return)
 * gets a leading single quote, so it is shown as text instead of being evaluated.
 */
export function neutralizeFormula(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/** One CSV row, as the text of each column. Amounts are decimal strings and are never neutralised. */
export function csvRow(ctx: ServiceContext, invoice: InvoiceRecord): string[] {
  const customer = ctx.store.getCustomer(ctx.tenant.id, invoice.customer_id);
  const text: Record<Exclude<CsvColumn, AmountColumn>, string> = {
    id: invoice.id,
    number: invoice.number,
    status: statusOf(ctx, invoice),
    customer_id: invoice.customer_id,
    customer_name: customer?.name ?? '',
    customer_email: customer?.email ?? '',
    currency: invoice.currency,
    issue_date: invoice.issue_date,
    due_date: invoice.due_date,
    created_at: invoice.created_at,
  };
  // amount_due as the contract defines it (0 on a void invoice), the same as the JSON's.
  const amount = (column: AmountColumn) => (column === 'amount_due' ? invoiceAmountDue(invoice) : invoice[column]);
  return CSV_COLUMNS.map((column) =>
    AMOUNTS.has(column) ? formatMinor(amount(column as AmountColumn), invoice.currency) : neutralizeFormula(text[column as Exclude<CsvColumn, AmountColumn>]),
  );
}

/** Rows pulled one at a time from an already sorted array: nothing is formatted before it is asked for. */
function rowSource(ctx: ServiceContext, invoices: readonly InvoiceSummary[]): Readable {
  let index = 0;
  return new Readable({
    objectMode: true,
    highWaterMark: 64,
    read() {
      // Push until the stream says stop; read() is called again when the consumer wants more.
      while (index < invoices.length) {
        if (!this.push(csvRow(ctx, invoiceOf(ctx, invoices[index++]!)))) return;
      }
      this.push(null);
    },
  });
}

/**
 * The CSV (RFC 4180: CRLF line ends, fields with commas, quotes or line breaks quoted, quotes
 * doubled) of every invoice matching the list filters, in the list's order, as a stream.
 */
export function exportInvoicesCsv(ctx: ServiceContext, filters: InvoiceFilters): { stream: Readable; filename: string; count: number } {
  const { items } = sortedInvoices(ctx, filters, false);
  const source = rowSource(ctx, items);
  const csv = stringify({
    header: true,
    columns: [...CSV_COLUMNS],
    record_delimiter: 'windows',
    // csv-stringify only quotes on the record delimiter (CRLF); RFC 4180 wants any CR or LF quoted.
    quoted_match: /[\r\n]/,
  });
  source.on('error', (error) => csv.destroy(error));
  csv.on('close', () => source.destroy());
  source.pipe(csv);
  return { stream: csv, filename: `invoices-${today(ctx)}.csv`, count: items.length };
}
