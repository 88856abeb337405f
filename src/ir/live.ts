import { gradientRoots, type IrFunction } from './types.js';

/** What a loss computes: its output, the per-sample node of a reduction, and the gradients. */
export function rootIds(fn: IrFunction): number[] {
  return [fn.output, ...(fn.reduction ? [fn.reduction.perSample] : []), ...gradientRoots(fn.gradients)];
}

/** Nodes reachable from the roots. */
export function liveNodes(fn: IrFunction): Set<number> {
  const live = new Set<number>();
  const stack = rootIds(fn);
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (live.has(id)) continue;
    live.add(id);
    stack.push(...fn.nodes[id]!.args);
  }
  return live;
}
