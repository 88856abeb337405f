// Hazards of the forward pass, as a table: what makes the loss's value NaN, infinite or
// inaccurate in float32. For one node the first rule of the table with a witness is reported
// (NaN from a negative argument before -Infinity from a zero one), so each node gets at most
// one forward finding.

import * as R from '../ranges/interval.js';
import { COSH_OVERFLOW, EXP_OVERFLOW, FLT_MAX } from '../ranges/float32.js';
import { render, renderOperand } from './render.js';
import { argNode, argRange, type Site } from './sites.js';
import { inaccurate, summand, text, type StabilityRule } from './rule.js';
import { power, show } from './witness.js';

const EPS_FIX = (s: Site): string => `keep the argument away from 0 with the epsilon spelled out, e.g. log(max(${text(s, 0)}, 1e-7)), or declare a domain that excludes 0 (e.g. 'in (0, 1]')`;

/** clamp(x, lo, hi) with lo and hi inside [0, 1]: the x of it, else undefined. */
function clampedProbability(s: Site): number | undefined {
  const inner = argNode(s, 0);
  if (s.node.op !== 'minimum' || inner.op !== 'maximum') return undefined;
  const within01 = (r: R.Range): boolean => r.lo >= 0 && r.hi <= 1;
  const lo = s.ranges.range(inner.args[1]!, s.ctx);
  if (!within01(lo) || !within01(argRange(s, 1))) return undefined;
  const feedsLog = (s.consumers.get(s.node.id) ?? []).some((c) => ['log', 'log1p'].includes(s.fn.nodes[c]!.op));
  return feedsLog ? inner.args[0]! : undefined;
}

/** A divisor that counts selected elements: sum of a condition or of 0/1 values. */
/**
 * Every use of the node is a min against a value with a finite upper bound: an overflow to
 * Infinity is clamped away (min(exp(x), 1) is 1 there) and the derived gradient takes 0 on the
 * losing side of a min.
 */
function clampedAbove(s: Site): boolean {
  const users = s.consumers.get(s.node.id) ?? [];
  return (
    users.length > 0 &&
    users.every((c) => {
      const user = s.fn.nodes[c]!;
      if (user.op !== 'minimum') return false;
      const other = user.args[0] === s.node.id ? user.args[1]! : user.args[0]!;
      return other !== s.node.id && Number.isFinite(s.ranges.range(other, s.ctx).hi);
    })
  );
}

function countsSelection(s: Site): boolean {
  const d = argNode(s, 1);
  if (d.op !== 'sum') return false;
  const x = s.fn.nodes[d.args[0]!]!;
  const r = s.ranges.range(x.id, s.ctx);
  return (x.op === 'to_real' && s.fn.nodes[x.args[0]!]!.type.dtype === 'bool') || (r.values?.every((v) => v === 0 || v === 1) ?? false);
}

/**
 * The call gives its own `empty:`. The IR holds the default and a written value alike, so the
 * call's source says which (without the source, the value counts as the default).
 */
function writesEmpty(s: Site): boolean {
  const span = s.node.span;
  const call = span && s.source?.(span.file)?.slice(span.start.offset, span.end.offset);
  return call !== undefined && /\bempty\s*:/.test(call);
}

/** The smallest argument each op is safe at, as a fix spells it. */
const DOMAIN_FLOOR: Readonly<Record<string, string>> = { log: '1e-7', log1p: '-1 + 1e-7', sqrt: '0' };

/** An infinite value is reachable: an end beyond float32's largest, or an infinity itself (log 0). */
const reachesInfinity = (r: R.Range): boolean => !R.isEmpty(r) && (r.hi > FLT_MAX || r.lo < -FLT_MAX);

/** Which factor of a product can be infinite (a log or exp first, when both can). */
function infiniteFactor(s: Site): number {
  const can = [0, 1].filter((i) => reachesInfinity(argRange(s, i)));
  return can.find((i) => ['log', 'exp', 'log1p', 'pow', 'div'].includes(argNode(s, i).op)) ?? can[0] ?? 1;
}

/** 0 or a negative whole number lies in the range: a pole of the gamma family. */
function reachesPole(r: R.Range): boolean {
  if (R.isEmpty(r)) return false;
  if (r.values) return r.values.some((v) => v <= 0 && Number.isInteger(v));
  const top = Math.floor(Math.min(r.hi, 0));
  return R.contains(r, top) || R.contains(r, top - 1);
}

/** Elements of a product a witness assumes along a dim of unknown size. */
const PROD_ELEMENTS = 10;

const isConst = (s: Site, i: number, v?: number): boolean => argNode(s, i).op === 'const' && (v === undefined || argNode(s, i).attrs.value === v);
const SATURATING = ['sigmoid', 'exp', 'tanh', 'softmax'];

export const FORWARD_RULES: readonly StabilityRule[] = [
  {
    // clamp(x, eps, 1 - eps) before a log is the probability form of BCE; logits given to it
    // are silently clamped, with zero gradient outside [eps, 1 - eps].
    kind: 'ProbabilityFromUnbounded',
    ops: ['minimum'],
    possible: (s) => {
      const x = clampedProbability(s);
      return x !== undefined && (R.reachesBelow(s.ranges.range(x, s.ctx), 0) || R.reachesAbove(s.ranges.range(x, s.ctx), 1));
    },
    triggers: (s, p) => {
      const x = p.of(clampedProbability(s)!);
      return x < 0 || x > 1;
    },
    consequence: (s, p) => `${text(s)} = ${show(p.value())}, with zero gradient`,
    args: (s) => ({ what: `'${render(s.fn, clampedProbability(s)!)}'` }),
    fix: (s) => `if ${render(s.fn, clampedProbability(s)!)} holds logits, use log_sigmoid(x) and log_sigmoid(-x) (the bce_with_logits form) instead of clamping; if it holds probabilities, declare its input 'in [0, 1]'`,
  },
  {
    kind: 'OutsideOpDomain',
    ops: ['log', 'sqrt', 'log1p'],
    possible: (s) => R.reachesBelow(argRange(s, 0), s.node.op === 'log1p' ? -1 : 0),
    triggers: (_s, p) => Number.isNaN(p.value()) && Number.isFinite(p.arg(0)),
    consequence: (s, p) => `${s.node.op}(${show(p.arg(0))}) = NaN`,
    args: (s) => ({ op: s.node.op, bad: s.node.op === 'log1p' ? 'below -1' : 'negative' }),
    fix: (s) =>
      R.isUnboundedBelow(argRange(s, 0))
        ? `if ${text(s, 0)} holds logits, use log_sigmoid or log_softmax on them; if it holds probabilities or other non-negative values, declare its domain (e.g. 'in [0, 1]')`
        : `clamp the argument into the domain with the epsilon spelled out: ${s.node.op}(max(${text(s, 0)}, ${DOMAIN_FLOOR[s.node.op]}))`,
  },
  {
    // A negative base to a fractional power is NaN.
    kind: 'OutsideOpDomain',
    ops: ['pow'],
    possible: (s) => R.reachesBelow(argRange(s, 0), 0) && !(argRange(s, 1).values?.every(Number.isInteger) ?? false),
    triggers: (_s, p) => Number.isNaN(p.value()) && Number.isFinite(p.arg(0)) && Number.isFinite(p.arg(1)),
    consequence: (_s, p) => `${power(p.arg(0), p.arg(1))} = NaN`,
    args: () => ({ op: 'a fractional power', bad: 'negative' }),
    fix: (s) => `raise a non-negative base: max(${text(s, 0)}, 0)^${text(s, 1)}, or abs(${text(s, 0)})^${text(s, 1)}`,
  },
  {
    // lgamma, digamma and trigamma are infinite (digamma NaN) at 0 and the negative whole
    // numbers, as log is at 0: Γ has its poles there.
    kind: 'GammaPole',
    ops: ['lgamma', 'digamma', 'trigamma'],
    possible: (s) => reachesPole(argRange(s, 0)),
    triggers: (_s, p) => p.arg(0) <= 0 && Number.isInteger(p.arg(0)) && !Number.isFinite(p.value()),
    consequence: (s, p) => `${s.node.op}(${show(p.arg(0))}) = ${show(p.value())}`,
    args: (s) => ({ op: s.node.op }),
    fix: (s) =>
      R.reachesBelow(argRange(s, 0), 0)
        ? `keep the argument positive, e.g. ${s.node.op}(softplus(${text(s, 0)}) + 1e-6), or declare a domain that excludes 0 and the negatives (e.g. 'in (0, inf)')`
        : `keep the argument away from 0, e.g. ${s.node.op}(${text(s, 0)} + 1) for a count n (lgamma(n + 1) = log n!), or declare a domain that excludes 0 (e.g. 'in (0, inf)')`,
  },
  {
    kind: 'LogOfZero',
    ops: ['log', 'log1p'],
    possible: (s) => R.contains(argRange(s, 0), s.node.op === 'log1p' ? -1 : 0),
    triggers: (_s, p) => p.value() === -Infinity,
    consequence: (s, p) => `${s.node.op}(${show(p.arg(0))}) = -Infinity`,
    fix: EPS_FIX,
  },
  {
    // sum(x * m) / count(m) is the mean of nothing (0/0) when m selects nothing.
    kind: 'EmptyMask',
    ops: ['div'],
    possible: (s) => countsSelection(s) && R.canBeZero(argRange(s, 1)),
    triggers: (_s, p) => p.arg(1) === 0,
    consequence: (s, p) => `${text(s, 1)} = 0 and ${show(p.arg(0))}/0 = ${show(p.value())}`,
    args: () => ({ what: 'a division by the number of selected elements is 0/0' }),
    fix: () => "use mean(x, where: mask), which gives 'empty:' (0 unless given) when nothing is selected, or divide by max(count, 1)",
  },
  {
    // Masked max/min/mean/logsumexp of nothing is the `empty` value: keep it finite. A value
    // the user wrote (`empty: -inf`) is what they mean: only the default is reported.
    kind: 'EmptyMask',
    ops: ['mean', 'max', 'min', 'logsumexp', 'prod'],
    possible: (s) => s.node.args.length > 1 && !Number.isFinite(s.node.attrs.empty ?? 0) && R.canBeZero(argRange(s, 1)) && !writesEmpty(s),
    triggers: (_s, p) => p.arg(1) === 0,
    consequence: (s, p) => `${s.node.op} over nothing = ${show(p.value())}`,
    args: (s) => ({ what: `${s.node.op} is ${show(s.node.attrs.empty ?? NaN)}` }),
    fix: (s) => `give a finite value for the empty case, e.g. ${s.node.op}(…, where: …, empty: 0)`,
  },
  {
    // 0 · ∞ is NaN: a factor that can be 0 times one that overflows float32 or is log(0), as in
    // p * log(p) at p = 0 or mask * exp(x) where the mask is 0. Witnesses are finite inputs, so
    // the infinity is one the loss computes.
    kind: 'InfTimesZero',
    ops: ['mul'],
    possible: (s) => [0, 1].some((i) => R.canBeZero(argRange(s, i)) && reachesInfinity(argRange(s, 1 - i))),
    triggers: (_s, p) => Number.isNaN(p.value()) && [0, 1].some((i) => p.arg(i) === 0 && Math.abs(p.arg(1 - i)) === Infinity),
    consequence: (s, p) => {
      const zero = p.arg(0) === 0 && Math.abs(p.arg(1)) === Infinity ? 0 : 1;
      return `${text(s, zero)} = 0 and ${text(s, 1 - zero)} = ${show(p.arg(1 - zero))}: 0 · ${show(p.arg(1 - zero))} = NaN`;
    },
    fix: (s) => {
      const inf = infiniteFactor(s);
      const other = renderOperand(s.fn, s.node.args[1 - inf]!, 6, s.quote);
      const big = argNode(s, inf);
      if (big.op === 'log') return `keep the log finite where its factor is 0: ${other} * log(max(${render(s.fn, big.args[0]!, s.quote)}, 1e-12)) (0 there, the limit of x·log x)`;
      return `keep ${text(s, inf)} finite (e.g. exp(min(…, 80)), or compute in log space), or multiply only where the factor is not 0: if ${text(s, 1 - inf)} != 0 then ${text(s)} else 0`;
    },
  },
  {
    kind: 'DivisionByZero',
    ops: ['div'],
    possible: (s) => R.canBeZero(argRange(s, 1)),
    triggers: (_s, p) => p.arg(1) === 0,
    consequence: (s, p) => `${text(s, 1)} = 0 and ${text(s)} = ${show(p.arg(0))}/0 = ${show(p.value())}`,
    fix: (s) => `keep the denominator away from 0 with the epsilon spelled out: … / (${summand(s, 1)} + 1e-6) for a non-negative one, or … / max(${text(s, 1)}, 1e-6)`,
  },
  {
    kind: 'DivisionByZero',
    ops: ['pow'],
    possible: (s) => R.canBeZero(argRange(s, 0)) && R.reachesBelow(argRange(s, 1), 0),
    triggers: (_s, p) => p.arg(0) === 0 && p.arg(1) < 0,
    consequence: (_s, p) => `${power(0, p.arg(1))} = ${show(p.value())}`,
    fix: (s) => `keep the base away from 0: max(${text(s, 0)}, 1e-6)^${text(s, 1)}`,
  },
  {
    kind: 'Float32Overflow',
    ops: ['exp', 'expm1'],
    possible: (s) => R.reachesAbove(argRange(s, 0), EXP_OVERFLOW) && !clampedAbove(s),
    triggers: (_s, p) => p.value() === Infinity && Number.isFinite(p.arg(0)),
    consequence: (s, p) => `${s.node.op}(${show(p.arg(0))}) = Infinity`,
    args: (s) => ({ op: s.node.op, limit: '88.7' }),
    fix: (s) => `use a stable primitive (softplus, log_sigmoid, logsumexp, softmax, log_softmax), or bound the argument: exp(min(${text(s, 0)}, 80))`,
  },
  {
    // A product of many factors above 1 overflows (of many below 1, underflows): the point
    // model has one element per free dim, so the witness takes PROD_ELEMENTS of them.
    kind: 'Float32Overflow',
    ops: ['prod'],
    possible: (s) => R.reachesAbove(R.abs(argRange(s, 0)), 1),
    triggers: (_s, p) => Number.isFinite(p.arg(0)) && Math.abs(Math.fround(p.arg(0))) > 1 && Math.abs(p.arg(0)) ** PROD_ELEMENTS > FLT_MAX,
    consequence: (s, p) => `${text(s)} over ${PROD_ELEMENTS} elements = ${show(p.arg(0))}^${PROD_ELEMENTS} = Infinity`,
    args: () => ({ op: 'a product', limit: '3.4e38' }),
    fix: (s) => `take the log of each factor and sum: sum(log(${text(s, 0)}), …) instead of log(prod(…)), or bound the factors`,
  },
  {
    kind: 'Float32Overflow',
    ops: ['cosh'],
    possible: (s) => R.reachesAbove(R.abs(argRange(s, 0)), COSH_OVERFLOW),
    triggers: (_s, p) => p.value() === Infinity && Number.isFinite(p.arg(0)),
    consequence: (_s, p) => `cosh(${show(p.arg(0))}) = Infinity`,
    args: () => ({ op: 'cosh', limit: '|x| = 89.4' }),
    fix: (s) => `write log(cosh(x)) as abs(x) + softplus(-2 * abs(x)) - log(2); or bound the argument: cosh(clamp(${text(s, 0)}, -80, 80))`,
  },
  {
    // A power with a variable exponent is exp(b log a) and overflows like exp.
    kind: 'Float32Overflow',
    ops: ['pow'],
    possible: (s) => !isConst(s, 1) && R.reachesAbove(argRange(s, 0), 1) && R.reachesAbove(argRange(s, 1), 1),
    triggers: (_s, p) => p.value() === Infinity && Number.isFinite(p.arg(0)) && Number.isFinite(p.arg(1)),
    consequence: (_s, p) => `${power(p.arg(0), p.arg(1))} = Infinity`,
    args: () => ({ op: 'a power', limit: '3.4e38' }),
    fix: (s) => `bound the base or the exponent, e.g. min(${text(s, 0)}, 1e6)^${text(s, 1)}`,
  },
  {
    // 1 - f(x) for an f that rounds to 1 (sigmoid(17), exp(-1e-9)) keeps none of its digits.
    kind: 'Cancellation',
    ops: ['sub'],
    possible: (s) => [0, 1].some((i) => isConst(s, i, 1) && SATURATING.includes(argNode(s, 1 - i).op)),
    triggers: (_s, p) => inaccurate(p.value(), p.exact()),
    consequence: (s, p) => `${text(s)} = ${show(p.value())} instead of ${show(p.exact())}`,
    fix: (s) => `compute the difference directly instead of subtracting two nearly equal numbers (sigmoid(-x) for 1 - sigmoid(x), expm1 for exp(x) - 1) in ${text(s)}`,
  },
  {
    kind: 'LogOfOnePlusSmall',
    ops: ['log'],
    possible: (s) => ['add', 'sub'].includes(argNode(s, 0).op) && argNode(s, 0).args.some((a) => s.fn.nodes[a]!.op === 'const' && s.fn.nodes[a]!.attrs.value === 1),
    triggers: (_s, p) => inaccurate(p.value(), p.exact()),
    consequence: (s, p) => `${text(s)} = ${show(p.value())} instead of ${show(p.exact())}`,
    fix: () => 'use log1p(x) for log(1 + x) and log1p(-x) for log(1 - x)',
  },
];
