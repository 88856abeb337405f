// The one way through an IR graph: every phase that visits nodes in dependency order, or asks
// what a set of roots depends on, walks with these. The walks are iterative, so a long chain
// of nodes (a sum of 3000 terms) cannot overflow the call stack.

import type { IrNode, NodeId } from './types.js';

/** A node list (a loss's, or a builder's that is still growing) looked up by id. */
type Nodes = readonly IrNode[];

function nodeAt(nodes: Nodes, id: NodeId): IrNode {
  const node = nodes[id];
  if (!node) throw new Error(`internal: no IR node %${id}`);
  return node;
}

/**
 * The nodes `roots` depend on, each after its operands, each once. The operands of a node in
 * `leaves` are not visited (its value comes from elsewhere: a function parameter's result, a
 * preset value).
 */
export function postorder(nodes: Nodes, roots: readonly NodeId[], leaves: ReadonlySet<NodeId> | ((id: NodeId) => boolean) = new Set()): IrNode[] {
  const isLeaf = typeof leaves === 'function' ? leaves : (id: NodeId): boolean => leaves.has(id);
  const done = new Set<NodeId>();
  const out: IrNode[] = [];
  const stack: { id: NodeId; expanded: boolean }[] = [...roots].reverse().map((id) => ({ id, expanded: false }));
  while (stack.length > 0) {
    const top = stack.pop()!;
    if (done.has(top.id)) continue;
    const node = nodeAt(nodes, top.id);
    if (top.expanded || isLeaf(top.id)) {
      done.add(top.id);
      out.push(node);
      continue;
    }
    stack.push({ id: top.id, expanded: true });
    for (const a of [...node.args].reverse()) if (!done.has(a)) stack.push({ id: a, expanded: false });
  }
  return out;
}

/** The ids `roots` depend on (themselves included), not entering `stop`. */
export function reachable(nodes: Nodes, roots: readonly NodeId[], stop: ReadonlySet<NodeId> = new Set()): Set<NodeId> {
  const seen = new Set<NodeId>();
  const stack = roots.filter((r) => !stop.has(r));
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const a of nodeAt(nodes, id).args) if (!stop.has(a) && !seen.has(a)) stack.push(a);
  }
  return seen;
}

/**
 * The value of node `id` by `compute`, each operand computed first and once; `memo` holds what
 * is known (presets included) and receives what is computed.
 */
export function evaluateInOrder<V>(nodes: Nodes, id: NodeId, memo: Map<NodeId, V>, compute: (node: IrNode, args: V[]) => V): V {
  for (const node of postorder(nodes, [id], (n) => memo.has(n))) {
    if (!memo.has(node.id)) memo.set(node.id, compute(node, node.args.map((a) => memo.get(a)!)));
  }
  return memo.get(id)!;
}
