import type { IrNode, NodeId, ReductionInfo } from './types.js';

/**
 * A loss whose last operation is a mean or sum over every axis of its operand gets PyTorch's
 * `reduction` option: the operand is the per-sample loss that 'none' returns. For a masked
 * one (`mean(l, where: m)`) the per-sample losses are select(m, l, 0) and the mask weighs
 * them: `masked` builds both nodes (m broadcast to l's axes, and the select).
 */
export function findReduction(
  nodes: readonly IrNode[],
  output: NodeId,
  masked?: (operand: NodeId, mask: NodeId) => { readonly perSample: NodeId; readonly mask: NodeId } | undefined,
): ReductionInfo | undefined {
  const out = nodes[output];
  if (!out || (out.op !== 'mean' && out.op !== 'sum') || out.args.length > 2) return undefined;
  const operand = nodes[out.args[0]!]!;
  const removed = out.attrs.axes ?? [];
  if (operand.type.axes.length === 0 || removed.length !== operand.type.axes.length) return undefined;
  if (out.args.length === 1) return { kind: out.op, perSample: operand.id };
  const built = masked?.(operand.id, out.args[1]!);
  return built ? { kind: out.op, ...built } : undefined;
}

/**
 * The values of a loss's `reduction` option: PyTorch's three, and the other names tf.losses
 * and Keras give (with their semantics, which differ only with weights).
 */
export const REDUCTION_MODES = {
  mean: 'Σ w·l / Σ w, the weights broadcast to the per-sample shape (tf.losses MEAN); unweighted, the mean',
  sum: 'Σ w·l',
  none: 'w·l, one per sample',
  sum_by_nonzero_weights: 'Σ w·l / the number of nonzero weights after broadcasting (tf.losses SUM_BY_NONZERO_WEIGHTS); unweighted, the mean',
  sum_over_batch_size: 'Σ w·l / the number of per-sample losses (Keras, its default); unweighted, the mean; under a mask, the number it selects (Keras 3)',
} as const;

export type ReductionMode = keyof typeof REDUCTION_MODES;

export const REDUCTION_NAMES = Object.keys(REDUCTION_MODES) as ReductionMode[];

/** `'mean', 'sum', 'none', … or 'sum_over_batch_size'`, for messages. */
export const REDUCTION_LIST = REDUCTION_NAMES.map((m, i) => (i === REDUCTION_NAMES.length - 1 ? `or '${m}'` : `'${m}'`)).join(', ');

/** Why a loss takes no `reduction` or `weights` option (it has no ReductionInfo), for messages. */
export function noReductionReason(nodes: readonly IrNode[], output: NodeId): string {
  const out = nodes[output];
  if (!out || (out.op !== 'mean' && out.op !== 'sum')) return `it ends in ${out?.op ?? 'nothing'}, not in a mean or sum over every axis`;
  return `its outer ${out.op} keeps axes, so there is no per-sample loss to weight`;
}
