import { remapGradients, type IrFunction, type IrNode, type NodeId } from './types.js';

/**
 * `fn` over a rebuilt or renumbered node list: every node id it holds (output, inputs,
 * hyperparameters, the per-sample node, the gradients) passed through `at`.
 */
export function withNodes(fn: IrFunction, nodes: readonly IrNode[], at: (id: NodeId) => NodeId): IrFunction {
  return {
    ...fn,
    nodes: [...nodes],
    output: at(fn.output),
    inputs: fn.inputs.map((i) => ({ ...i, node: at(i.node) })),
    hypers: fn.hypers.map((h) => ({ ...h, node: at(h.node) })),
    ...(fn.reduction ? { reduction: { ...fn.reduction, perSample: at(fn.reduction.perSample), ...(fn.reduction.mask !== undefined ? { mask: at(fn.reduction.mask) } : {}), ...(fn.reduction.denominator !== undefined ? { denominator: at(fn.reduction.denominator) } : {}) } } : {}),
    ...(fn.gradients ? { gradients: remapGradients(fn.gradients, at) } : {}),
  };
}
