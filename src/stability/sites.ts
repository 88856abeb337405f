// Where the rules look: every node the loss's value depends on, once per context of conditions
// it is reached under (a log inside `if p > 0 then log(p) else 0` is reached knowing p > 0),
// and the nodes the backward pass differentiates, which see no conditions at all.

import { OPS } from '../ir/ops.js';
import type { IrFunction, IrNode, NodeId } from '../ir/types.js';
import type { Range } from '../ranges/interval.js';
import { BASE, type Context, type RangeAnalysis } from '../ranges/analysis.js';
import type { Quote, SourceText } from './render.js';

/** One node in one context, as a rule sees it. */
export interface Site {
  readonly fn: IrFunction;
  readonly node: IrNode;
  readonly ctx: Context;
  readonly ranges: RangeAnalysis;
  readonly consumers: ReadonlyMap<NodeId, readonly NodeId[]>;
  /** The user's text of a node, for messages (render.ts). */
  readonly quote?: Quote;
  /** The source files' text, when known. */
  readonly source?: SourceText;
}

export function argRange(s: Site, i: number): Range {
  return s.ranges.range(s.node.args[i]!, s.ctx);
}

export function argNode(s: Site, i: number): IrNode {
  return s.fn.nodes[s.node.args[i]!]!;
}

/** Nodes that use each node. */
export function consumersOf(fn: IrFunction): Map<NodeId, NodeId[]> {
  const out = new Map<NodeId, NodeId[]>();
  for (const n of fn.nodes) for (const a of new Set(n.args)) out.set(a, [...(out.get(a) ?? []), n.id]);
  return out;
}

/** Every (node, context) the output is computed from, in the order first reached. */
export function forwardSites(fn: IrFunction, ranges: RangeAnalysis, consumers: ReadonlyMap<NodeId, readonly NodeId[]>, extra: Pick<Site, 'quote' | 'source'> = {}): Site[] {
  const seen = new Set<string>();
  const sites: Site[] = [];
  const stack: [NodeId, Context][] = [[fn.output, BASE]];
  while (stack.length > 0) {
    const [id, ctx] = stack.pop()!;
    const key = `${id}@${ctx.key}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const node = fn.nodes[id]!;
    sites.push({ fn, node, ctx, ranges, consumers, ...extra });
    const push = (arg: NodeId, c: Context): void => void stack.push([arg, c]);
    const branch = (cond: NodeId, truth: boolean, arg: NodeId): void => {
      if (ranges.possible(cond, truth, ctx)) push(arg, ranges.refine(ctx, cond, truth));
    };
    if (node.op === 'select') {
      push(node.args[0]!, ctx);
      branch(node.args[0]!, true, node.args[1]!);
      branch(node.args[0]!, false, node.args[2]!);
    } else if (OPS[node.op].kind === 'reduce' && node.args.length > 1) {
      push(node.args[1]!, ctx);
      branch(node.args[1]!, true, node.args[0]!);
    } else {
      node.args.forEach((a) => push(a, ctx));
    }
  }
  return sites;
}

/** Operands through which a gradient flows (not conditions, masks, indices). */
function differentiableArgs(node: IrNode): readonly NodeId[] {
  if (node.op === 'detach') return [];
  switch (OPS[node.op].kind) {
    case 'select':
      return node.args.slice(1);
    case 'reduce':
    case 'gather':
      return node.args.slice(0, 1);
    default:
      return node.type.dtype === 'real' ? node.args : [];
  }
}

/**
 * Nodes the backward pass computes a local derivative for: they depend on a real tensor input
 * and the loss depends on them through differentiable operands. Hyperparameters are not
 * differentiated.
 */
export function gradientPath(fn: IrFunction): Set<NodeId> {
  const realInputs = new Set(fn.inputs.filter((i) => i.elem === 'real').map((i) => i.node));
  const dependsOnInput: boolean[] = [];
  for (const n of fn.nodes) dependsOnInput[n.id] = realInputs.has(n.id) || differentiableArgs(n).some((a) => dependsOnInput[a]);
  const path = new Set<NodeId>();
  const stack = [fn.output];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (path.has(id) || !dependsOnInput[id]) continue;
    path.add(id);
    stack.push(...differentiableArgs(fn.nodes[id]!));
  }
  return path;
}
