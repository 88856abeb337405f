import type { IrNode, NodeId, ReductionInfo } from './types.js';

/**
 * A loss whose last operation is an unmasked mean or sum over every axis of its operand gets
 * PyTorch's `reduction` option: the operand is the per-sample loss that 'none' returns.
 */
export function findReduction(nodes: readonly IrNode[], output: NodeId): ReductionInfo | undefined {
  const out = nodes[output];
  if (!out || (out.op !== 'mean' && out.op !== 'sum') || out.args.length !== 1) return undefined;
  const operand = nodes[out.args[0]!]!;
  const removed = out.attrs.axes ?? [];
  if (operand.type.axes.length === 0 || removed.length !== operand.type.axes.length) return undefined;
  return { kind: out.op, perSample: operand.id };
}
