// Hazards of the backward pass, as a table. They look at ranges without any condition: the
// backward pass differentiates both branches of a select and the unselected elements of a
// masked reduction, multiplying their local derivative by a zero upstream gradient, and
// 0 · Infinity is NaN. So a sqrt at 0 poisons the gradient even where a max() or an `if`
// hides its value, and a guarded log(0) or x/0 does too.

import * as R from '../ranges/interval.js';
import { argNode, argRange, type Site } from './sites.js';
import { text, type StabilityRule } from './rule.js';
import { show } from './witness.js';

/** `max(norm, eps)` guards the value of a norm but not its gradient. */
function guardedByMax(s: Site): boolean {
  return (s.consumers.get(s.node.id) ?? []).some((c) => s.fn.nodes[c]!.op === 'maximum');
}

export const GRADIENT_RULES: readonly StabilityRule[] = [
  {
    // d sqrt(u) = du / (2 sqrt(u)): Infinity at u = 0, and NaN once multiplied by du = 0
    // (‖x‖ at x = 0: the gradient of sum(x^2) there is 0).
    kind: 'SqrtGradientAtZero',
    ops: ['sqrt'],
    possible: (s) => R.canBeZero(argRange(s, 0)),
    triggers: (_s, p) => p.arg(0) === 0,
    consequence: (s) =>
      `${text(s)} = 0, where the gradient 1/(2·sqrt(0)) is Infinity${argNode(s, 0).op === 'sum' ? ' (NaN after the chain rule)' : ''}${guardedByMax(s) ? '; the max() around it guards only the value' : ''}`,
    fix: (s) =>
      guardedByMax(s)
        ? `clamp inside the square root: sqrt(max(${text(s, 0)}, 1e-24)) instead of max(sqrt(…), 1e-12)`
        : `keep the argument away from 0, e.g. sqrt(${text(s, 0)} + 1e-12), or use the squared value`,
  },
  {
    // d a^b / da = b · a^(b-1): Infinity at a = 0 for 0 < b < 1, and 0 · Infinity = NaN for b = 0.
    kind: 'PowGradientAtZero',
    ops: ['pow'],
    possible: (s) => R.canBeZero(argRange(s, 0)) && R.reachesBelow(argRange(s, 1), 1) && !R.reachesBelow(argRange(s, 1), 0),
    triggers: (_s, p) => p.arg(0) === 0 && p.arg(1) < 1 && p.arg(1) >= 0,
    consequence: (_s, p) => {
      const b = p.arg(1);
      return b === 0 ? `0^0, whose gradient 0·0^-1 is NaN` : `0^${show(b)}, whose gradient ${show(b)}·0^${show(b - 1)} is Infinity`;
    },
    fix: (s) => `keep the base away from 0, e.g. max(${text(s, 0)}, 1e-6)^${text(s, 1)}, or restrict the exponent's domain to [1, inf)`,
  },
  {
    // d log(u) = du / u: a guarded log(0) still gives 0 / 0 = NaN.
    kind: 'GuardedGradient',
    ops: ['log', 'log1p'],
    possible: (s) => R.contains(argRange(s, 0), s.node.op === 'log1p' ? -1 : 0) || R.reachesBelow(argRange(s, 0), s.node.op === 'log1p' ? -1 : 0),
    guardedOnly: true,
    triggers: (s, p) => Number.isFinite(p.arg(0)) && p.arg(0) <= (s.node.op === 'log1p' ? -1 : 0),
    consequence: (s, p) => `${s.node.op}(${show(p.arg(0))}) = ${show(p.value())} in the part the condition discards, and its gradient times 0 is NaN`,
    fix: (s) => `guard the argument, not the result: ${s.node.op}(max(${text(s, 0)}, 1e-7)), or ${s.node.op}(if … then ${text(s, 0)} else 1)`,
  },
  {
    // d (a/b) = da / b - a db / b²: a guarded x/0 still gives 0 · Infinity = NaN.
    kind: 'GuardedGradient',
    ops: ['div'],
    possible: (s) => R.canBeZero(argRange(s, 1)),
    guardedOnly: true,
    triggers: (_s, p) => p.arg(1) === 0,
    consequence: (s, p) => `${text(s)} = ${show(p.arg(0))}/0 = ${show(p.value())} in the part the condition discards, and its gradient times 0 is NaN`,
    fix: (s) => `guard the denominator, not the result: … / max(${text(s, 1)}, 1e-6), or … / (if … then ${text(s, 1)} else 1)`,
  },
];
