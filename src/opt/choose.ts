// The choice pass: at each live node matching one side of a row of choices.ts, build the
// other side and keep whichever costs less on the target backend by the measured cost model
// (op-costs.ts). A node the graph computes anyway costs nothing; a node only this form uses
// costs its op. Runs after the rewrite rules reach their fixed point, once, greedily.

import { IrBuilder } from '../ir/graph.js';
import { liveNodes, rootIds } from '../ir/live.js';
import type { OpName } from '../ir/ops.js';
import { withNodes } from '../ir/remap.js';
import type { IrFunction, IrNode, NodeId } from '../ir/types.js';
import type { AppliedRewrite } from './applied.js';
import { CHOICES, type Choice } from './choices.js';
import { describeNode } from './describe.js';
import { rebuild } from './engine.js';
import { EMPTY_BINDINGS, instantiate, matchTerm } from './match.js';
import { OP_COSTS, type CostBackend } from './op-costs.js';
import type { Term } from './pattern.js';

/** Milliseconds per op on some backend (op-costs.ts); unlisted ops cost like `add`. */
export type OpCosts = Readonly<Partial<Record<OpName, number>>>;

/** Cost of computing node `id` once, per 1M elements; scalars and leaves are free. */
export function nodeCost(b: IrBuilder, id: NodeId, costs: OpCosts): number {
  return opCost(b.node(id), costs);
}

/** Cost of computing `n` once, per 1M elements; scalars and leaves are free. */
export function opCost(n: IrNode, costs: OpCosts): number {
  if (n.type.axes.length === 0 || n.op === 'input' || n.op === 'const' || n.op === 'iota' || n.op === 'size') return 0;
  return costs[n.op] ?? costs.add ?? 1;
}

/** `fn` with each choice made for the backend `target` (a name from op-costs.ts) or a cost table. */
export function chooseForms(fn: IrFunction, target: CostBackend | OpCosts, out: AppliedRewrite[] = []): IrFunction {
  const costs: OpCosts = typeof target === 'string' ? OP_COSTS.ms[target] : target;
  const label = typeof target === 'string' ? target : 'the given costs';
  const b = new IrBuilder(fn.nodes);
  const live = liveNodes(fn);
  const users = new Map<NodeId, number>();
  for (const id of live) for (const a of new Set(b.node(id).args)) users.set(a, (users.get(a) ?? 0) + 1);
  const chosen = new Map<NodeId, NodeId>();

  /** Ops of the matched form at `id` that nothing else uses (they go away with it). */
  const ownCost = (term: Term, id: NodeId, root: boolean): number => {
    if (term.kind !== 'op') return 0;
    const n = b.node(id);
    if (!root && (users.get(id) ?? 0) > 1) return 0;
    return nodeCost(b, id, costs) + term.args.reduce((s, t, k) => s + ownCost(t, n.args[k]!, false), 0);
  };
  /** Ops of a built form that the graph does not compute already. */
  const newCost = (id: NodeId, seen = new Set<NodeId>()): number => {
    if (seen.has(id) || (id < fn.nodes.length && live.has(id))) return 0;
    seen.add(id);
    return nodeCost(b, id, costs) + b.node(id).args.reduce((s, a) => s + newCost(a, seen), 0);
  };

  for (const node of fn.nodes) {
    if (!live.has(node.id)) continue;
    for (const choice of CHOICES) {
      const to = cheaper(choice, node.id);
      // Two nodes each other's cheaper form (softmax(x) and e^log_softmax(x), both computed)
      // would make the rebuild go round for ever: keep the first choice, skip the closing one.
      if (to === undefined || reaches(to, node.id)) continue;
      chosen.set(node.id, to);
      out.push({ rule: choice.name, category: 'cost', ...(node.span ? { span: node.span } : {}), detail: `${describeNode((i) => b.node(i), node.id)} → ${describeNode((i) => b.node(i), to)} (cheaper on ${label})` });
      break;
    }
  }

  /** Whether building `from`, with the choices made so far, needs node `goal`. */
  function reaches(from: NodeId, goal: NodeId): boolean {
    const seen = new Set<NodeId>();
    const stack = [from];
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (id === goal) return true;
      if (seen.has(id)) continue;
      seen.add(id);
      const target = chosen.get(id);
      if (target !== undefined) stack.push(target);
      else stack.push(...b.node(id).args);
    }
    return false;
  }

  function cheaper(choice: Choice, id: NodeId): NodeId | undefined {
    for (const [from, other] of [[choice.one, choice.other], [choice.other, choice.one]] as const) {
      for (const env of matchTerm(from, id, (i) => b.node(i), EMPTY_BINDINGS)) {
        const to = instantiate(other, env, b, b.node(id).span);
        const t = b.type(to);
        const want = b.type(id);
        const sameType = t.dtype === want.dtype && t.axes.length === want.axes.length && t.axes.every((a, k) => a.name === want.axes[k]!.name);
        if (sameType && to !== id && newCost(to) < ownCost(from, id, true)) return to;
      }
    }
    return undefined;
  }

  return chosen.size === 0 ? fn : substitute(fn, b, chosen);
}

/** The live graph rebuilt with each node in `chosen` replaced, operands first. */
function substitute(fn: IrFunction, from: IrBuilder, chosen: ReadonlyMap<NodeId, NodeId>): IrFunction {
  const b = new IrBuilder();
  const map = new Map<NodeId, NodeId>();
  const commuted = new Map<string, NodeId>();
  const resolve = (id: NodeId): NodeId => chosen.get(id) ?? id;
  const build = (root: NodeId): NodeId => {
    const stack = [root];
    while (stack.length > 0) {
      const id = stack[stack.length - 1]!;
      if (map.has(id)) {
        stack.pop();
        continue;
      }
      const target = resolve(id);
      if (target !== id) {
        if (map.has(target)) {
          map.set(id, map.get(target)!);
          stack.pop();
        } else stack.push(target);
        continue;
      }
      const node = from.node(id);
      const missing = node.args.filter((a) => !map.has(a));
      if (missing.length > 0) {
        stack.push(...missing);
        continue;
      }
      stack.pop();
      map.set(id, rebuild(b, node, node.args.map((a) => map.get(a)!), commuted));
    }
    return map.get(root)!;
  };
  [...rootIds(fn), ...fn.inputs.map((i) => i.node), ...fn.hypers.map((h) => h.node)].forEach(build);
  const at = (id: NodeId): NodeId => map.get(id)!;
  return withNodes(fn, b.nodes, at);
}
