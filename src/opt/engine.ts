// The rewrite engine, separate from the rules it applies: each pass rebuilds the live IR
// bottom-up into a fresh hash-consing builder (so equal subexpressions become one node),
// folds constants, and at each node applies the most specific rule whose pattern matches
// and whose conditions hold. Passes repeat until nothing changes, within a budget.

import { IrBuilder } from '../ir/graph.js';
import { liveNodes } from '../ir/live.js';
import { OPS } from '../ir/ops.js';
import { withNodes } from '../ir/remap.js';
import type { IrFunction, IrNode, NodeId, TensorType } from '../ir/types.js';
import type { Span } from '../diagnostics/span.js';
import type { AppliedRewrite } from './applied.js';
import { conditionsHold, type ConditionContext } from './conditions.js';
import { eliminateDeadCode } from './dead-code.js';
import { describeNode } from './describe.js';
import { foldConstant } from './fold.js';
import { constValue, EMPTY_BINDINGS, instantiate, matchTerm, SYMMETRIC, type Bindings } from './match.js';
import { RangeAnalysis } from '../ranges/analysis.js';
import { RULES_BY_OP, type RewriteRule } from './rules.js';

export interface EngineOptions {
  /** The rules by root op, most specific first (default: the rule table). */
  readonly rules?: ReadonlyMap<string, readonly RewriteRule[]>;
  /** Whole-graph passes before giving up on a fixed point. */
  readonly maxPasses?: number;
  /** Rewrites in all, a guard against rules that would undo each other forever. */
  readonly maxRewrites?: number;
}

export interface EngineResult {
  readonly fn: IrFunction;
  readonly rewrites: readonly AppliedRewrite[];
  /** The budget ran out before a fixed point. */
  readonly exhausted: boolean;
}

/** Rules tried again at a node after one fired there. */
const MAX_RULES_PER_NODE = 8;

export function rewriteToFixedPoint(fn: IrFunction, options: EngineOptions = {}): EngineResult {
  const rules = options.rules ?? RULES_BY_OP;
  const maxPasses = options.maxPasses ?? 12;
  const budget = { left: options.maxRewrites ?? 20 * fn.nodes.length + 100 };
  const rewrites: AppliedRewrite[] = [];
  let current = fn;
  for (let pass = 0; pass < maxPasses; pass++) {
    const before = rewrites.length;
    current = eliminateDeadCode(rewritePass(current, rules, rewrites, budget));
    if (rewrites.length === before) return { fn: current, rewrites, exhausted: false };
    if (budget.left <= 0) break;
  }
  return { fn: current, rewrites, exhausted: true };
}

function rewritePass(fn: IrFunction, rules: ReadonlyMap<string, readonly RewriteRule[]>, out: AppliedRewrite[], budget: { left: number }): IrFunction {
  const b = new IrBuilder();
  // Ranges of the nodes built so far, on demand: the builder's list grows as the pass runs.
  const ranges = new RangeAnalysis(fn, b.nodes);
  const ctx: ConditionContext = { range: (id) => ranges.range(id), mayBeNaN: (id) => ranges.mayBeNaN(id), type: (id) => b.type(id), node: (id) => b.node(id) };
  const node = (id: NodeId): IrNode => b.node(id);
  const map = new Map<NodeId, NodeId>();
  const live = liveNodes(fn);
  fn.inputs.forEach((i) => live.add(i.node));
  fn.hypers.forEach((h) => live.add(h.node));

  const applyRules = (id: NodeId, original: IrNode): NodeId => {
    for (let round = 0; round < MAX_RULES_PER_NODE && budget.left > 0; round++) {
      const fired = firstRewrite(id, original.span);
      if (!fired) break;
      out.push({ rule: fired.rule.name, category: fired.rule.category, ...(original.span ? { span: original.span } : {}), detail: `${describeNode(node, id)} → ${describeNode(node, fired.to)}` });
      budget.left--;
      id = fired.to;
    }
    return id;
  };

  /** The most specific rule that matches at `id`, holds, and builds a replacement of the same type. */
  const firstRewrite = (id: NodeId, span: Span | undefined): { rule: RewriteRule; to: NodeId } | undefined => {
    const here = b.node(id);
    for (const rule of rules.get(here.op) ?? []) {
      for (const env of matchTerm(rule.pattern, id, node, EMPTY_BINDINGS)) {
        if (!conditionsHold(rule.conditions, env, ctx)) continue;
        const to = instantiateFitted(rule, env, here.type, span);
        if (to !== undefined && to !== id) return { rule, to };
      }
    }
    return undefined;
  };

  /**
   * The replacement, if it builds and has exactly the node's type (a real node may get a
   * to_real). Axis order is part of the type: consumers line operands up by name, but the
   * loss's result has the layout of its node, and a changed order would reach it. When the
   * order differs, the replacement is tried with commutative operands the other way round.
   */
  const instantiateFitted = (rule: RewriteRule, env: Bindings, want: TensorType, span: Span | undefined): NodeId | undefined => {
    for (const swap of [false, true]) {
      let id: NodeId;
      try {
        id = instantiate(rule.replacement, env, b, span, swap);
      } catch {
        return undefined; // operands that do not line up: the rule does not apply here
      }
      const got = b.type(id);
      if (!sameAxes(got, want)) continue;
      if (got.dtype === want.dtype) return id;
      return want.dtype === 'real' ? b.op('to_real', [id], {}, span) : undefined;
    }
    return undefined;
  };

  // Ids that stand for some node of `fn` already: another node landing on one is computed once.
  const images = new Set<NodeId>();
  const commuted = new Map<string, NodeId>();
  const spans = new Map<NodeId, Span>();
  for (const old of fn.nodes) {
    if (!live.has(old.id)) continue;
    const args = old.args.map((a) => map.get(a)!);
    let id = rebuild(b, old, args, commuted);
    const span = old.span ? { span: old.span } : {};
    if (b.node(id).op === 'const' && old.op !== 'const' && !(old.op === 'neg' && b.node(args[0]!).op === 'const')) {
      // A negated literal is how `-2` is written; other folds are worth telling.
      out.push({ rule: 'fold', category: 'fold', ...span, detail: `${describeNode(node, b.op(old.op, args, old.attrs))} → ${describeNode(node, id)}` });
    } else if (OPS[old.op].kind !== 'leaf' && images.has(id)) {
      out.push({ rule: 'cse', category: 'cost', ...span, detail: `${describeNode(node, id)} is computed once` });
    }
    // The outer mean/sum of a loss with a `reduction` option stays as it is: merging it with
    // the per-sample loss would change what `reduction: 'none'` returns.
    if (!(fn.reduction && old.id === fn.output)) id = applyRules(id, old);
    // A rewrite's result made inside another one (log-exp keeping the a - logsumexp(x) that
    // softmax-split built) has no span of its own: it computes the source it replaced.
    if (old.span && !b.node(id).span && !spans.has(id)) spans.set(id, old.span);
    map.set(old.id, id);
    images.add(id);
  }
  const at = (id: NodeId): NodeId => map.get(id)!;
  const nodes = spans.size === 0 ? b.nodes : b.nodes.map((n) => (n.span || !spans.has(n.id) ? n : { ...n, span: spans.get(n.id)! }));
  return withNodes(fn, nodes, at);
}

function sameAxes(a: TensorType, b: TensorType): boolean {
  return a.axes.length === b.axes.length && a.axes.every((x, i) => x.name === b.axes[i]!.name && x.dim === b.axes[i]!.dim);
}

/**
 * `old` rebuilt on its new operands, folded when they are constants. A commutative op whose
 * operands were seen the other way round (b·a after a·b) becomes that node, when the axis
 * order of the result allows; `commuted` remembers them by their unordered operands.
 */
export function rebuild(b: IrBuilder, old: IrNode, args: NodeId[], commuted: Map<string, NodeId>): NodeId {
  const span = old.span;
  switch (old.op) {
    case 'input':
      return b.input(old.attrs.name!, old.type, span);
    case 'const':
      return b.constant(old.attrs.value!, old.type.dtype, span);
    case 'iota':
      return b.iota({ name: old.attrs.axis!, dim: old.attrs.dim! }, span);
    case 'size':
      return b.size(old.attrs.dim!, span);
    case 'apply': // a function called at run time: its declared type, never folded
      return b.apply(old.attrs.name!, args[0]!, old.type, span);
  }
  const value = foldConstant({ ...old, args }, args.map((a) => constValue(b.node(a))));
  if (value !== undefined) return b.constant(value, old.type.dtype, span);
  const id = b.op(old.op, args, old.attrs, span);
  if (!SYMMETRIC.has(old.op) || args.length !== 2) return id;
  const key = `${old.op}(${[...args].sort((x, y) => x - y).join(',')})`;
  const seen = commuted.get(key);
  if (seen !== undefined && sameAxes(b.type(seen), b.type(id))) return seen;
  if (seen === undefined) commuted.set(key, id);
  return id;
}
