import type { IrFunction, IrNode, NodeId } from './types.js';

/**
 * The value of node `id`, each operand computed first and once (memoised in `memo`). The walk
 * is iterative: a long chain of nodes must not overflow the call stack. Both evaluators use
 * it; what a node computes is theirs.
 */
export function valueInOrder<V>(fn: IrFunction, id: NodeId, memo: Map<NodeId, V>, compute: (node: IrNode, args: V[]) => V): V {
  const stack = [id];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const node = fn.nodes[top];
    if (!node) throw new Error(`internal: ${fn.name} has no IR node %${top}`);
    const missing = [...new Set(node.args)].filter((a) => !memo.has(a));
    if (memo.has(top) || missing.length === 0) {
      stack.pop();
      if (!memo.has(top)) memo.set(top, compute(node, node.args.map((a) => memo.get(a)!)));
    } else {
      if (stack.length > 3 * fn.nodes.length + 1) throw new Error(`internal: ${fn.name}: the IR has a cycle`);
      stack.push(...missing);
    }
  }
  return memo.get(id)!;
}
