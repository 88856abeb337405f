import { gradientRoots, type IrFunction } from './types.js';
import { reachable } from './walk.js';

/** What a loss computes: its output, the per-sample node of a reduction, and the gradients. */
export function rootIds(fn: IrFunction): number[] {
  return [fn.output, ...(fn.reduction ? [fn.reduction.perSample] : []), ...(fn.reduction?.mask !== undefined ? [fn.reduction.mask] : []), ...(fn.reduction?.denominator !== undefined ? [fn.reduction.denominator] : []), ...gradientRoots(fn.gradients)];
}

/** Nodes reachable from the roots. */
export function liveNodes(fn: IrFunction): Set<number> {
  return reachable(fn.nodes, rootIds(fn));
}
