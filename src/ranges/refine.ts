// What a condition being true (or false) says about the ranges of its operands:
// `u < v` true bounds u above by v's largest value and v below by u's smallest. Conditions
// combine through not/and/or; any other condition only fixes its own value.

import type { NodeId } from '../ir/types.js';
import * as R from './interval.js';
import type { Range } from './interval.js';
import type { Context, RangeAnalysis } from './analysis.js';

type Refinement = [NodeId, Range];

/** `u < v` (strict) or `u <= v` known to hold: bounds for u and for v. */
function ordered(a: RangeAnalysis, ctx: Context, u: NodeId, v: NodeId, strict: boolean): Refinement[] {
  const ru = a.range(u, ctx);
  const rv = a.range(v, ctx);
  return [
    [u, R.interval(-Infinity, rv.hi, true, strict || rv.hiOpen)],
    [v, R.interval(ru.lo, Infinity, strict || ru.loOpen, true)],
  ];
}

/** A closed end equal to `c` becomes open: the value is known to differ from c. */
function excluding(r: Range, c: number): Range {
  if (r.values) return R.fromValues(r.values.filter((x) => x !== c));
  return R.interval(r.lo, r.hi, r.loOpen || r.lo === c, r.hiOpen || r.hi === c);
}

export function refinements(a: RangeAnalysis, ctx: Context, cond: NodeId, truth: boolean): Refinement[] {
  const node = a.node(cond);
  const self: Refinement = [cond, R.point(truth ? 1 : 0)];
  const [u, v] = node.args as [NodeId, NodeId];
  switch (node.op) {
    case 'not':
      return [self, ...refinements(a, ctx, u, !truth)];
    case 'and':
      return truth ? [self, ...refinements(a, ctx, u, true), ...refinements(a, ctx, v, true)] : [self];
    case 'or':
      return truth ? [self] : [self, ...refinements(a, ctx, u, false), ...refinements(a, ctx, v, false)];
    case 'lt':
      return [self, ...(truth ? ordered(a, ctx, u, v, true) : ordered(a, ctx, v, u, false))];
    case 'le':
      return [self, ...(truth ? ordered(a, ctx, u, v, false) : ordered(a, ctx, v, u, true))];
    case 'gt':
      return [self, ...(truth ? ordered(a, ctx, v, u, true) : ordered(a, ctx, u, v, false))];
    case 'ge':
      return [self, ...(truth ? ordered(a, ctx, v, u, false) : ordered(a, ctx, u, v, true))];
    case 'eq':
    case 'ne': {
      const same = node.op === 'eq' ? truth : !truth;
      const ru = a.range(u, ctx);
      const rv = a.range(v, ctx);
      if (same) return [self, [u, rv], [v, ru]];
      const out: Refinement[] = [self];
      if (rv.values?.length === 1) out.push([u, excluding(ru, rv.values[0]!)]);
      if (ru.values?.length === 1) out.push([v, excluding(rv, ru.values[0]!)]);
      return out;
    }
    default:
      return [self];
  }
}

/** The operands `cond` can refine: those of its comparisons, through not, and, or. */
export function refinedOperands(a: RangeAnalysis, cond: NodeId): NodeId[] {
  const node = a.node(cond);
  switch (node.op) {
    case 'not':
    case 'and':
    case 'or':
      return node.args.flatMap((c) => refinedOperands(a, c));
    case 'lt':
    case 'le':
    case 'gt':
    case 'ge':
    case 'eq':
    case 'ne':
      return [...node.args];
    default:
      return [];
  }
}
