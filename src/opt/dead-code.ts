import { liveNodes } from '../ir/live.js';
import { withNodes } from '../ir/remap.js';
import type { IrFunction, IrNode, NodeId } from '../ir/types.js';

/**
 * Drops nodes the output does not depend on (unused bindings, checks folded away) and
 * renumbers the rest densely, keeping their topological order.
 */
export function eliminateDeadCode(fn: IrFunction): IrFunction {
  const live = liveNodes(fn);
  for (const input of fn.inputs) live.add(input.node);
  for (const hyper of fn.hypers) live.add(hyper.node);
  const renumber = new Map<NodeId, NodeId>();
  const nodes: IrNode[] = [];
  for (const node of fn.nodes) {
    if (!live.has(node.id)) continue;
    const id = nodes.length;
    renumber.set(node.id, id);
    nodes.push({ ...node, id, args: node.args.map((a) => renumber.get(a)!) });
  }
  const at = (id: NodeId) => renumber.get(id)!;
  return withNodes(fn, nodes, at);
}
