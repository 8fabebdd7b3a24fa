import { authRequired } from './checks/auth-required.ts';
import { contentTypeDocumented } from './checks/content-type-documented.ts';
import { createdResourceReadable } from './checks/created-resource-readable.ts';
import { deletedResourceGone } from './checks/deleted-resource-gone.ts';
import { documents } from './checks/documents.ts';
import { overdue } from './checks/overdue.ts';
import { overdueClock } from './checks/overdue-clock.ts';
import { invalidInputRejected } from './checks/invalid-input-rejected.ts';
import { payloadTooLarge } from './checks/payload-too-large.ts';
import { unknownId } from './checks/unknown-id.ts';
import { unsupportedMediaType } from './checks/unsupported-media-type.ts';
import { numbering } from './checks/numbering.ts';
import { pagination } from './checks/pagination.ts';
import { filtersAndSort } from './checks/filters-and-sort.ts';
import { readAfterWrite } from './checks/read-after-write.ts';
import { payments } from './checks/payments.ts';
import { totals } from './checks/totals.ts';
import { idempotency } from './checks/idempotency.ts';
import { rateLimits } from './checks/rate-limits.ts';
import { scopes } from './checks/scopes.ts';
import { tenantIsolation } from './checks/tenant-isolation.ts';
// lifecycle group
import { lifecycle } from './checks/lifecycle.ts';
import { methodNotAllowed } from './checks/method-not-allowed.ts';
import { problemDetails } from './checks/problem-details.ts';
import { refusedWriteLeavesNothing } from './checks/refused-write-leaves-nothing.ts';
import { responseHeaders } from './checks/response-headers.ts';
import { responseSchema } from './checks/response-schema.ts';
import { serverError } from './checks/server-error.ts';
import { statusDocumented } from './checks/status-documented.ts';
import { unknownRoute } from './checks/unknown-route.ts';
import { validInputAccepted } from './checks/valid-input-accepted.ts';
import type { Check } from './types.ts';

/** Every check of the runner, in report order. Ids are stable: CI configurations name them. */
export const CHECKS: readonly Check[] = [
  serverError,
  statusDocumented,
  contentTypeDocumented,
  responseHeaders,
  responseSchema,
  problemDetails,
  invalidInputRejected,
  refusedWriteLeavesNothing,
  validInputAccepted,
  authRequired,
  methodNotAllowed,
  unknownRoute,
  createdResourceReadable,
  deletedResourceGone,
  unknownId,
  unsupportedMediaType,
  payloadTooLarge,
  // Business rules (scenarios).
  numbering,
  // Group 'lists': paging, filters and sort, read-after-write.
  pagination,
  filtersAndSort,
  readAfterWrite,
  // Group money: the totals formula everywhere an amount shows, payments and credit notes.
  totals,
  payments,
  // Access (idempotency, tenant isolation, scopes, rate limits).
  idempotency,
  tenantIsolation,
  scopes,
  rateLimits,
  // lifecycle group
  lifecycle,
  // Business rules: documents (PDF, CSV, links, send, overdue).
  documents,
  overdue,
  overdueClock,
];
