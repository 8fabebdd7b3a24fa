// Invoice services, one file per concern under ./invoices/: presentation, numbering, record
// building, CRUD, and list queries (with the read model that keeps lists current under writes).
export { actionContext, loadInvoice, presentInvoice, statusOf } from './invoices/present.ts';
export { allocateNumber, previewNextNumber } from './invoices/numbering.ts';
export { inputLines, type Editable } from './invoices/build.ts';
export { createInvoice, deleteInvoice, insertDraft, replaceInvoice, restoreInvoice, updateInvoice } from './invoices/crud.ts';
export { sortSpec, type InvoiceFilters, type InvoiceListQuery } from './invoices/query.ts';
export { invoiceOf, listInvoices, orderedInvoices, sortedInvoices } from './invoices/list.ts';
