// The lifecycle section of the docs, rendered from the contract's x-invoicekit-lifecycle data
// (npm run gen writes it into the contract's description), so the table is never written by hand.
import { LIFECYCLE_EXTENSION, LifecycleDataError, type Lifecycle, type LifecycleAction, type LifecycleEffect, type RecomputeCondition, type Refusal, isObj, readLifecycle } from './lifecycle.ts';

type Operation = { method: string; path: string };

/** operationId → method and path, from the contract's paths. */
function operationIndex(doc: unknown): Map<string, Operation> {
  const index = new Map<string, Operation>();
  const paths = isObj(doc) && isObj(doc.paths) ? doc.paths : {};
  for (const [path, item] of Object.entries(paths)) {
    if (!isObj(item)) continue;
    for (const [method, op] of Object.entries(item)) {
      if (isObj(op) && typeof op.operationId === 'string') index.set(op.operationId, { method: method.toUpperCase(), path });
    }
  }
  return index;
}

const INVOICE_PATH = '/api/v1/invoices/{invoice_id}';
const code = (s: string) => `\`${s}\``;
const list = (items: string[]) => items.join(', ');
const either = (items: string[]) => (items.length > 1 ? `${items.slice(0, -1).join(', ')} or ${items.at(-1)}` : list(items));

function operationCell(action: LifecycleAction, ops: Map<string, Operation>): string {
  const query = action.query ? '?' + Object.entries(action.query).map(([k, v]) => `${k}=${v}`).join('&') : '';
  return action.operations
    .map((id) => {
      const op = ops.get(id);
      if (!op) throw new LifecycleDataError(`${LIFECYCLE_EXTENSION}/actions/${action.name}/operations: no operation '${id}' in the contract`);
      const path = op.path === INVOICE_PATH ? '/invoices/{id}' : op.path.startsWith(INVOICE_PATH + '/') ? '…' + op.path.slice(INVOICE_PATH.length) : op.path;
      return code(`${op.method} ${path}${query}`);
    })
    .join(', ');
}

function allowedCell(lifecycle: Lifecycle, action: LifecycleAction): string {
  const every = lifecycle.statuses.every((s) => action.allowedFrom.includes(s.name));
  let cell: string;
  if (action.editableFields) {
    const rest = action.allowedFrom.filter((s) => !action.editableFields!.everyFieldFrom.includes(s));
    cell = `${list(action.editableFields.everyFieldFrom)} (every field); ${list(rest)} (only ${list(action.editableFields.otherwise.map(code))})`;
  } else {
    cell = every ? 'every status' : list(action.allowedFrom);
  }
  const conditions = [action.requiresTrashed && 'in the trash', action.refusedWithPayments && 'without payments', action.requiresPublished && 'while published'].filter(Boolean);
  return conditions.length ? `${cell} (${conditions.join(', ')})` : cell;
}

const EFFECT_TEXT: Record<LifecycleEffect, string> = {
  sent_if_draft: 'draft → `sent`, otherwise unchanged',
  unchanged: 'status unchanged',
  recomputed: 'status recomputed',
  new_draft: 'a new `draft`, the original unchanged',
  trashed: 'moved to the trash, status kept',
  restored: 'back in the list, status kept',
  gone: 'gone for good',
};

function resultCell(action: LifecycleAction): string {
  const text = (EFFECT_TEXT as Record<string, string>)[action.result] ?? code(action.result);
  return action.note ? `${text}; ${action.note}` : text;
}

const refusalText = (r: Refusal) => code(`${r.httpStatus} ${r.code}`);

function refusedCell(lifecycle: Lifecycle, action: LifecycleAction): string {
  const parts: string[] = [];
  if (action.requiresTrashed) parts.push(`${refusalText(lifecycle.trash.notInTrash)} when not in the trash`);
  const statusRefused = lifecycle.statuses.some((s) => !action.allowedFrom.includes(s.name));
  if (statusRefused) {
    const byStatus = Object.entries(action.refusalByStatus).map(([s, r]) => `${refusalText(r)} when ${s}`);
    parts.push([refusalText(action.refusal), ...byStatus].join('; '));
  }
  // Said once when it is the same answer as for a status (the allowed column says "without payments").
  if (action.refusedWithPayments && (!statusRefused || refusalText(action.refusedWithPayments) !== refusalText(action.refusal))) {
    parts.push(`${refusalText(action.refusedWithPayments)} with payments`);
  }
  if (action.requiresPublished) parts.push(`${refusalText(action.requiresPublished)} when not published`);
  for (const r of action.otherRefusals) parts.push(`${refusalText(r)} ${r.when}`);
  return parts.length ? parts.join('; ') : '—';
}

/** The docs' "Invoice lifecycle" section body: statuses, the action table and the recomputation, in markdown. */
export function renderLifecycleMarkdown(doc: unknown): string {
  const lifecycle = readLifecycle(doc);
  const ops = operationIndex(doc);
  const escape = (cell: string) => cell.replace(/\|/g, '\\|');
  const lines: string[] = [];
  lines.push(`Statuses are ${list(lifecycle.statuses.map((s) => code(s.name)))}.`);
  for (const s of lifecycle.statuses.filter((x) => !x.stored)) {
    lines.push(
      `${code(s.name)} is never stored: an invoice whose status is ${either(s.derivedFrom!.map(code))} is reported as ${code(s.name)} once the server's clock is past its \`due_date\`.`,
    );
  }
  const order = lifecycle.refusalOrder.join(', then ');
  lines.push(
    `A refused action changes nothing. When several refusals apply, the first in this order wins: ${order} (${refusalText(lifecycle.trash.inTrash)} for any action on an invoice in the trash except those that need it there).`,
  );
  lines.push('');
  lines.push('| action | operation | allowed from | result | otherwise |');
  lines.push('|---|---|---|---|---|');
  for (const action of lifecycle.actions) {
    const cells = [action.label, operationCell(action, ops), allowedCell(lifecycle, action), resultCell(action), refusedCell(lifecycle, action)];
    lines.push(`| ${cells.map(escape).join(' | ')} |`);
  }
  lines.push('');
  const rules = lifecycle.recomputed.rules.map((r) => (r.when === 'always' ? `otherwise ${code(r.status)}` : `${RECOMPUTE_TEXT[r.when]} → ${code(r.status)}`));
  lines.push(
    `A status **recomputed** after a payment or credit note change is the first that applies: ${rules.join('; ')} (reported as overdue past the due date). ${either(lifecycle.recomputed.keeps.map(code))} invoices are never moved by money.`,
  );
  const owing = lifecycle.statuses.filter((s) => s.owesNothing).map((s) => code(s.name));
  if (owing.length) {
    lines.push('');
    lines.push(`Nothing is owed on a ${either(owing)} invoice: its \`amount_due\` is 0 everywhere it is shown (JSON, CSV export, PDF, share page), while \`total\`, \`amount_paid\` and \`amount_credited\` stay as they were.`);
  }
  return lines.join('\n');
}

const RECOMPUTE_TEXT: Record<Exclude<RecomputeCondition, 'always'>, string> = {
  nothing_due: '`amount_due ≤ 0`',
  partly_paid: '`amount_paid > 0`',
  viewed: 'share page viewed',
};

/** The marker in info.description that the rendered section replaces. */
export const LIFECYCLE_MARKER = `<!-- ${LIFECYCLE_EXTENSION} -->`;

/** The document with the marker in info.description replaced by the rendered section (a copy). */
export function withRenderedLifecycle<T extends { info: { description?: string } }>(doc: T): T {
  const description = doc.info.description ?? '';
  const count = description.split(LIFECYCLE_MARKER).length - 1;
  if (count !== 1) throw new LifecycleDataError(`info.description must hold the marker ${LIFECYCLE_MARKER} exactly once, found ${count}`);
  return { ...doc, info: { ...doc.info, description: description.replace(LIFECYCLE_MARKER, () => renderLifecycleMarkdown(doc)) } };
}
