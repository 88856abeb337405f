// Hazards of the backward pass, as a table. The compiler's derived gradient (src/grad) makes the
// share of a branch a select discards, or of what a mask leaves out, exactly 0, and takes the
// subgradient 0 for a^b at a = 0 with b < 1: so a sqrt at 0 is a hazard only where a condition
// does not keep it out, and guarded logs, divisions and powers are hazards only in a loss with a
// function parameter, which TensorFlow.js's autodiff differentiates (there the backward pass
// multiplies the discarded part's local derivative by a zero gradient, and 0 · Infinity is NaN).

import type { IrFunction, NodeId } from '../ir/types.js';
import * as R from '../ranges/interval.js';
import { argNode, argRange, forwardSites, type Site } from './sites.js';
import { text, type StabilityRule } from './rule.js';
import { show } from './witness.js';

/** `max(norm, eps)` guards the value of a norm but not its gradient. */
function guardedByMax(s: Site): boolean {
  return (s.consumers.get(s.node.id) ?? []).some((c) => s.fn.nodes[c]!.op === 'maximum');
}

/** The loss has a function parameter: tfjs's autodiff differentiates it, not src/grad. */
const byAutodiff = (s: Site): boolean => s.fn.nodes.some((n) => n.op === 'apply');
const AUTODIFF = " (TensorFlow.js's autodiff differentiates this loss, as it has a function parameter)";

const contexts = new WeakMap<IrFunction, Map<NodeId, Site[]>>();

/**
 * Operand `i` can be `v` where the node is computed: in one of the contexts of conditions the
 * forward pass reaches it under (the derived gradient is 0 outside them).
 */
function canBeAt(s: Site, i: number, v: number): boolean {
  if (byAutodiff(s)) return R.contains(argRange(s, i), v);
  let byNode = contexts.get(s.fn);
  if (!byNode) {
    byNode = new Map();
    for (const site of forwardSites(s.fn, s.ranges, s.consumers)) byNode.set(site.node.id, [...(byNode.get(site.node.id) ?? []), site]);
    contexts.set(s.fn, byNode);
  }
  return (byNode.get(s.node.id) ?? []).some((site) => R.contains(argRange(site, i), v));
}

export const GRADIENT_RULES: readonly StabilityRule[] = [
  {
    // d sqrt(u) = du / (2 sqrt(u)): Infinity at u = 0, and NaN once multiplied by du = 0
    // (‖x‖ at x = 0: the gradient of sum(x^2) there is 0).
    kind: 'SqrtGradientAtZero',
    ops: ['sqrt'],
    possible: (s) => canBeAt(s, 0, 0),
    triggers: (_s, p) => p.arg(0) === 0,
    consequence: (s) =>
      `${text(s)} = 0, where the gradient 1/(2·sqrt(0)) is Infinity${argNode(s, 0).op === 'sum' ? ' (NaN after the chain rule)' : ''}${guardedByMax(s) ? '; the max() around it guards only the value' : ''}`,
    // max(u, ε) rather than u + ε: it is finite for a negative u too, with gradient 0 below ε.
    fix: (s) =>
      guardedByMax(s)
        ? `clamp inside the square root: sqrt(max(${text(s, 0)}, 1e-24)) instead of max(sqrt(…), 1e-12)`
        : `keep the argument away from 0, e.g. sqrt(max(${text(s, 0)}, 1e-12)), or use the squared value`,
  },
  {
    // d a^b / da = b · a^(b-1): Infinity at a = 0 for 0 < b < 1, and 0 · Infinity = NaN for b = 0
    // (the derived gradient takes 0 there).
    kind: 'PowGradientAtZero',
    ops: ['pow'],
    possible: (s) => byAutodiff(s) && R.canBeZero(argRange(s, 0)) && R.reachesBelow(argRange(s, 1), 1) && !R.reachesBelow(argRange(s, 1), 0),
    triggers: (_s, p) => p.arg(0) === 0 && p.arg(1) < 1 && p.arg(1) >= 0,
    consequence: (_s, p) => {
      const b = p.arg(1);
      return (b === 0 ? `0^0, whose gradient 0·0^-1 is NaN` : `0^${show(b)}, whose gradient ${show(b)}·0^${show(b - 1)} is Infinity`) + AUTODIFF;
    },
    fix: (s) => `keep the base away from 0, e.g. max(${text(s, 0)}, 1e-6)^${text(s, 1)}, or restrict the exponent's domain to [1, inf)`,
  },
  {
    // d log(u) = du / u: a guarded log(0) still gives 0 / 0 = NaN under autodiff.
    kind: 'GuardedGradient',
    ops: ['log', 'log1p'],
    possible: (s) => byAutodiff(s) && (R.contains(argRange(s, 0), s.node.op === 'log1p' ? -1 : 0) || R.reachesBelow(argRange(s, 0), s.node.op === 'log1p' ? -1 : 0)),
    guardedOnly: true,
    triggers: (s, p) => Number.isFinite(p.arg(0)) && p.arg(0) <= (s.node.op === 'log1p' ? -1 : 0),
    consequence: (s, p) => `${s.node.op}(${show(p.arg(0))}) = ${show(p.value())} in the part the condition discards, and its gradient times 0 is NaN${AUTODIFF}`,
    fix: (s) => `guard the argument, not the result: ${s.node.op}(max(${text(s, 0)}, 1e-7)), or ${s.node.op}(if … then ${text(s, 0)} else 1)`,
  },
  {
    // d (a/b) = da / b - a db / b²: a guarded x/0 still gives 0 · Infinity = NaN under autodiff.
    kind: 'GuardedGradient',
    ops: ['div'],
    possible: (s) => byAutodiff(s) && R.canBeZero(argRange(s, 1)),
    guardedOnly: true,
    triggers: (_s, p) => p.arg(1) === 0,
    consequence: (s, p) => `${text(s)} = ${show(p.arg(0))}/0 = ${show(p.value())} in the part the condition discards, and its gradient times 0 is NaN${AUTODIFF}`,
    fix: (s) => `guard the denominator, not the result: … / max(${text(s, 1)}, 1e-6), or … / (if … then ${text(s, 1)} else 1)`,
  },
];
