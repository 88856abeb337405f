// What a backend must keep from the forward pass for the backward one: tfjs may dispose the
// inputs and the forward's intermediates before a tf.customGrad's gradFunc runs, so the
// gradFunc reads only what the forward saved and what it can rebuild for free.

import type { IrBackward, IrFunction, NodeId } from '../ir/types.js';
import { reachable } from '../ir/walk.js';

/**
 * Forward nodes the backward of `pass` reads, in id order, except what it rebuilds:
 * constants, positions, sizes and hyperparameters (numbers in the lowered code).
 */
export function savedForBackward(fn: IrFunction, pass: IrBackward): NodeId[] {
  const hypers = new Set(fn.hypers.map((h) => h.node));
  const forward = reachable(fn.nodes, [pass.root]);
  const roots = pass.grads.map((s) => s.node);
  const backward = reachable(fn.nodes, roots, forward);
  const out = new Set<NodeId>();
  const keep = (id: NodeId): void => {
    const op = fn.nodes[id]!.op;
    if (forward.has(id) && op !== 'const' && op !== 'iota' && op !== 'size' && !hypers.has(id)) out.add(id);
  };
  // A gradient that is a forward value itself (no seed in it) is read as well.
  roots.forEach(keep);
  for (const id of backward) for (const a of fn.nodes[id]!.args) keep(a);
  return [...out].sort((x, y) => x - y);
}
