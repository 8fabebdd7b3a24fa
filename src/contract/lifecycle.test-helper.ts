// The test row of the lifecycle: the actions the contract's data must name, in its order. The
// contract gate, the domain's matrix and the server's matrix all check the data against this one
// list, so an action added to (or lost from) spec/lifecycle.yaml is one edit here.
export const LIFECYCLE_ACTIONS = [
  'update', 'send', 'mark_sent', 'publish', 'unpublish', 'void', 'mark_paid',
  'record_payment', 'delete_payment', 'credit_note', 'duplicate', 'delete', 'restore', 'permanent_delete',
] as const;
