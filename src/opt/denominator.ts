// The loss's outer `mean(l, where: m, by: d)` whose per-sample denominators are select(m, 1, 0)
// (a class weight left out, read as 1 by the rules gather-uniform and select-uniform-then) is
// the plain masked mean: rule by-one (or by-one-neg) applied to the output, which the engine
// leaves alone (reduction.perSample and .mask keep what `reduction` returns). The denominator
// is dropped too, so the backends neither reduce it nor differentiate it: every reduction
// option divides by Σ w·m·1 = Σ w·m, what a masked mean without `by:` divides by.

import { IrBuilder } from '../ir/graph.js';
import type { IrFunction } from '../ir/types.js';
import type { AppliedRewrite } from './applied.js';
import { EMPTY_BINDINGS, instantiate, matchTerm } from './match.js';
import { parseTerm } from './pattern.js';
import { RULES } from './rules.js';

const BY_ONE = RULES.filter((r) => r.name === 'by-one' || r.name === 'by-one-neg');
const UNIT_DENOMINATOR = parseTerm('(select ?m 1 0)');

export function plainDenominator(fn: IrFunction, out: AppliedRewrite[] = []): IrFunction {
  const r = fn.reduction;
  if (r?.denominator === undefined || r.mask === undefined || r.kind !== 'mean') return fn;
  const b = new IrBuilder(fn.nodes);
  const node = (id: number) => b.node(id);
  const unit = matchTerm(UNIT_DENOMINATOR, r.denominator, node, EMPTY_BINDINGS).find((e) => e.nodes['m'] === r.mask);
  if (!unit) return fn;
  // The first rule whose pattern matches at the output with the reduction's own mask.
  const [match] = BY_ONE.flatMap((rule) => matchTerm(rule.pattern, fn.output, node, EMPTY_BINDINGS).filter((e) => e.nodes['m'] === r.mask).map((env) => ({ rule, env })));
  if (!match) return fn;
  const { rule, env } = match;
  const output = instantiate(rule.replacement, env, b, b.node(fn.output).span);
  if (JSON.stringify(b.type(output)) !== JSON.stringify(b.type(fn.output))) return fn;
  out.push({ rule: rule.name, category: rule.category, ...(b.node(fn.output).span ? { span: b.node(fn.output).span! } : {}), detail: "the outer mean's denominators are all 1: a masked mean" });
  const { denominator: _, ...reduction } = r;
  return { ...fn, nodes: b.nodes, output, reduction };
}
