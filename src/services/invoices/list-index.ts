// The read model behind invoice lists, kept per tenant on the store (store.readModels) and brought
// up to date from the store's change log: a write costs O(log n) plus an array move per view, and
// a read after a write patches instead of rescanning the tenant.
import type { InvoiceSummary, Store } from '../../store/types.ts';
import { compareKeys, sortItems, type SortValue } from '../pagination.ts';
import { SearchText, SORT_KEYS, type SortField } from './query.ts';

const MODEL = 'invoice-lists';
/** Results of recent queries kept and patched (least recently used dropped first). */
const RESULTS_KEPT = 16;

type KeyOf = (i: InvoiceSummary) => SortValue[];
/** Records ascending by a sort key, as of a store version. */
type View = { version: number; items: InvoiceSummary[] };
type Result = View & { field: SortField; matches: (i: InvoiceSummary) => boolean; readsCustomers: boolean };

/** First position whose key is not below `key`. */
function lowerBound(items: InvoiceSummary[], key: SortValue[], keyOf: KeyOf): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(keyOf(items[mid]!), key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
function insertSorted(items: InvoiceSummary[], record: InvoiceSummary, keyOf: KeyOf) {
  items.splice(lowerBound(items, keyOf(record), keyOf), 0, record);
}
/** Removes the record (found by its key, which ends with its id); false when it is not there. */
function removeSorted(items: InvoiceSummary[], record: InvoiceSummary, keyOf: KeyOf): boolean {
  const at = lowerBound(items, keyOf(record), keyOf);
  if (items[at]?.id !== record.id) return false;
  items.splice(at, 1);
  return true;
}

export class InvoiceLists {
  readonly search = new SearchText();
  /** Every invoice of the tenant (live and trashed) ascending by each sort key asked for so far. */
  private readonly orders = new Map<SortField, View>();
  private readonly results = new Map<string, Result>();

  /** The tenant's lists, made on first use and kept with the tenant's data in the store. */
  static of(store: Store, tenant: string): InvoiceLists {
    const models = store.readModels(tenant);
    let lists = models.get(MODEL) as InvoiceLists | undefined;
    if (!lists) models.set(MODEL, (lists = new InvoiceLists(store, tenant)));
    return lists;
  }

  private constructor(
    private readonly store: Store,
    private readonly tenant: string,
  ) {}

  /** Every invoice of the tenant ascending by `field` (then id). Read only: it is kept current in place. */
  order(field: SortField): readonly InvoiceSummary[] {
    const keyOf = SORT_KEYS[field];
    const kept = this.orders.get(field);
    if (kept && this.catchUp(kept, keyOf, () => true, false)) return kept.items;
    const version = this.store.version(this.tenant);
    const items = sortItems([...this.store.invoices(this.tenant)], { name: field, key: keyOf, descending: false });
    this.orders.set(field, { version, items });
    return items;
  }

  /**
   * The records `matches` accepts, ascending by `field`: the kept result of the same query brought
   * up to date, or `build()` (which must return exactly those records in that order).
   * `readsCustomers`: the query depends on customer data (search), so a customer change rebuilds it.
   */
  result(query: string, field: SortField, matches: (i: InvoiceSummary) => boolean, readsCustomers: boolean, build: () => InvoiceSummary[]): readonly InvoiceSummary[] {
    const kept = this.results.get(query);
    if (kept) {
      this.results.delete(query); // re-inserted below as the most recently used
      if (kept.field === field && this.catchUp(kept, SORT_KEYS[field], kept.matches, kept.readsCustomers)) {
        this.results.set(query, kept);
        return kept.items;
      }
    }
    const version = this.store.version(this.tenant);
    const made: Result = { version, items: build(), field, matches, readsCustomers };
    this.results.set(query, made);
    if (this.results.size > RESULTS_KEPT) this.results.delete(this.results.keys().next().value!);
    return made.items;
  }

  /** Applies the changes since the view's version; false when it cannot (log trimmed, customer change), and the view must be rebuilt. */
  private catchUp(view: View, keyOf: KeyOf, matches: (i: InvoiceSummary) => boolean, readsCustomers: boolean): boolean {
    const now = this.store.version(this.tenant);
    if (view.version === now) return true;
    const changes = this.store.changesSince(this.tenant, view.version);
    if (!changes) return false;
    for (const change of changes) {
      if (change.kind === 'customer') {
        if (readsCustomers) return false;
        continue;
      }
      // A record that matched must be found where its key says; if not, it was changed in place: rebuild.
      if (change.before && matches(change.before) && !removeSorted(view.items, change.before, keyOf)) return false;
      if (change.after && matches(change.after)) insertSorted(view.items, change.after, keyOf);
    }
    view.version = now;
    return true;
  }
}
