import { gradientRoots, type IrFunction } from './types.js';

/** Nodes reachable from the output (and the per-sample node of a reduction, and the gradients). */
export function liveNodes(fn: IrFunction): Set<number> {
  const live = new Set<number>();
  const stack = [fn.output, ...(fn.reduction ? [fn.reduction.perSample] : []), ...gradientRoots(fn.gradients)];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (live.has(id)) continue;
    live.add(id);
    stack.push(...fn.nodes[id]!.args);
  }
  return live;
}
