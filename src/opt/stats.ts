// Op counts of a lowered loss, for `lossc explain --stats`: how much work the optimizer saved.

import { liveNodes } from '../ir/live.js';
import { OPS } from '../ir/ops.js';
import type { IrFunction } from '../ir/types.js';

export interface OpCounts {
  /** Live nodes that compute something (inputs, constants, negative literals, sizes, positions excluded). */
  readonly ops: number;
  /** The same, by op name. */
  readonly byOp: Readonly<Record<string, number>>;
}

export function countOps(fn: IrFunction): OpCounts {
  const byOp: Record<string, number> = {};
  let ops = 0;
  for (const id of liveNodes(fn)) {
    const { op, args } = fn.nodes[id]!;
    // A negated constant is a negative literal as written (`-2`), not work.
    if (OPS[op].kind === 'leaf' || (op === 'neg' && fn.nodes[args[0]!]!.op === 'const')) continue;
    byOp[op] = (byOp[op] ?? 0) + 1;
    ops++;
  }
  return { ops, byOp };
}

/** `exp 2 → 0, log 2 → 0, log_softmax 0 → 1`: the ops whose count changed, in name order. */
export function formatCountChanges(before: OpCounts, after: OpCounts): string {
  const names = [...new Set([...Object.keys(before.byOp), ...Object.keys(after.byOp)])].sort();
  return names
    .filter((n) => (before.byOp[n] ?? 0) !== (after.byOp[n] ?? 0))
    .map((n) => `${n} ${before.byOp[n] ?? 0} → ${after.byOp[n] ?? 0}`)
    .join(', ');
}
