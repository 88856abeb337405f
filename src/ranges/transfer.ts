// How each elementwise op maps the ranges of its operands to the range of its result, as a
// table (the engine in analysis.ts handles leaves, reductions, selects and axis ops). Ranges are
// float32 images: a saturating op (sigmoid, tanh, exp) reaches its limit.

import type { BinaryOp, UnaryOp } from '../ir/ops.js';
import { digamma, lgamma, trigamma } from '../ir/gamma.js';
import { erf } from '../ir/scalar-ops.js';
import { image32, monotone32, round32, sigmoid, softplus } from './float32.js';
import * as R from './interval.js';
import { BOOL, type Range } from './interval.js';

const nonNegative = R.interval(0, Infinity);
const atLeast = (lo: number): Range => R.interval(lo, Infinity);

/** The part of `r` where `f` is defined; the rest gives NaN, which the rules report. */
function within(r: Range, domain: Range): Range {
  const d = R.intersect(r, domain);
  return R.isEmpty(d) ? R.REAL : d;
}

function sign(r: Range): Range {
  if (r.values) return R.fromValues(r.values.map(Math.sign));
  return R.fromValues([-1, 0, 1].filter((s) => (s < 0 ? r.lo < 0 : s > 0 ? r.hi > 0 : R.canBeZero(r))));
}

function cosh(r: Range): Range {
  return monotone32(R.abs(r), Math.cosh);
}

/** sin and cos: within [-1, 1], exactly at known values. */
const periodic = (f: (x: number) => number) => (r: Range): Range => (r.values ? image32(r.values.map(f)) : R.interval(-1, 1));

/** Known values with a 0 taken as both +0 and -0 (a range does not tell them apart), for ops that do. */
const signedZeros = (vs: readonly number[]): number[] => vs.flatMap((v) => (v === 0 ? [0, -0] : [v]));

/** Where lgamma has its minimum on (0, ∞): it falls before, rises after. */
const LGAMMA_MIN_AT = 1.4616321449683622;

/** lgamma over positive numbers by its two monotone pieces; near the poles it takes every value above its minimum. */
function lgammaRange(r: Range): Range {
  if (r.values) return image32(r.values.map(lgamma));
  if (r.lo < 0 || (r.lo === 0 && !r.loOpen)) return R.interval(-Infinity, Infinity);
  if (r.hi <= LGAMMA_MIN_AT) return monotone32(r, lgamma, true);
  if (r.lo >= LGAMMA_MIN_AT) return monotone32(r, lgamma);
  return R.union(monotone32(R.interval(r.lo, LGAMMA_MIN_AT, r.loOpen), lgamma, true), monotone32(R.interval(LGAMMA_MIN_AT, r.hi, false, r.hiOpen), lgamma));
}

/** digamma rises on (0, ∞), from -∞ at +0 (an open end at -0 is that +0); with 0 or negatives, any value. */
const digammaRange = (r: Range): Range =>
  r.values ? image32(signedZeros(r.values).map(digamma)) : r.lo > 0 || (r.lo === 0 && r.loOpen) ? monotone32({ ...r, lo: r.lo === 0 ? 0 : r.lo }, digamma) : R.REAL;

/** trigamma falls on (0, ∞) and is positive everywhere (+∞ at the poles). */
const trigammaRange = (r: Range): Range =>
  r.values ? image32(r.values.map(trigamma)) : r.lo > 0 || (r.lo === 0 && r.loOpen) ? monotone32(r, trigamma, true) : R.interval(0, Infinity, true);

/**
 * atan2(a, b) in [-π, π] (rounded out to float32); in [0, π] when a is positive. A zero in a
 * range may be -0, and the sign of a zero decides atan2 (atan2(±0, -1) = ±π, atan2(0, ±0) = 0
 * or π): each zero counts as both.
 */
function atan2(a: Range, b: Range): Range {
  if (R.isEmpty(a) || R.isEmpty(b)) return R.EMPTY;
  if (a.values && b.values && a.values.length * b.values.length <= 32) {
    return image32(signedZeros(a.values).flatMap((y) => signedZeros(b.values!).map((x) => Math.atan2(y, x))));
  }
  return R.interval(a.lo > 0 ? 0 : round32(-Math.PI, true), a.hi < 0 ? 0 : round32(Math.PI, false));
}

const canBeFalse = (r: Range): boolean => R.canBeZero(r);
const canBeTrue = (r: Range): boolean => R.reachesAbove(r, 0) || R.reachesBelow(r, 0);

function not(r: Range): Range {
  return R.fromValues([...(canBeTrue(r) ? [0] : []), ...(canBeFalse(r) ? [1] : [])]);
}

export const UNARY_RANGE: Record<UnaryOp, (x: Range) => Range> = {
  neg: R.neg,
  abs: R.abs,
  sign,
  exp: (x) => monotone32(x, Math.exp),
  log: (x) => monotone32(within(x, nonNegative), Math.log),
  log1p: (x) => monotone32(within(x, atLeast(-1)), Math.log1p),
  expm1: (x) => monotone32(x, Math.expm1),
  sqrt: (x) => monotone32(within(x, nonNegative), Math.sqrt),
  square: R.square,
  sigmoid: (x) => monotone32(x, sigmoid),
  softplus: (x) => monotone32(x, softplus),
  log_sigmoid: (x) => monotone32(x, (v) => -softplus(-v)),
  tanh: (x) => monotone32(x, Math.tanh),
  cosh,
  erf: (x) => monotone32(x, erf),
  atan: (x) => monotone32(x, Math.atan),
  sin: periodic(Math.sin),
  cos: periodic(Math.cos),
  asinh: (x) => monotone32(x, Math.asinh),
  lgamma: lgammaRange,
  digamma: digammaRange,
  trigamma: trigammaRange,
  relu: (x) => R.maximum(x, R.point(0)),
  floor: (x) => (x.values ? R.fromValues(x.values.map(Math.floor)) : R.interval(Math.floor(x.lo), Math.floor(x.hi))),
  not,
  to_real: (x) => x,
  detach: (x) => x,
};

/** Whether `a op b` is always true, always false, or either. */
function compare(a: Range, b: Range, lt: (x: number, y: number) => boolean, strict: boolean): Range {
  if (R.isEmpty(a) || R.isEmpty(b)) return BOOL;
  if (a.values && b.values) return R.fromValues(a.values.flatMap((x) => b.values!.map((y) => (lt(x, y) ? 1 : 0))));
  const always = strict ? a.hi < b.lo || (a.hi === b.lo && (a.hiOpen || b.loOpen)) : a.hi <= b.lo;
  const never = strict ? a.lo >= b.hi : a.lo > b.hi || (a.lo === b.hi && (a.loOpen || b.hiOpen));
  return always ? R.point(1) : never ? R.point(0) : BOOL;
}

function eq(a: Range, b: Range): Range {
  if (a.values && b.values) return R.fromValues(a.values.flatMap((x) => b.values!.map((y) => (x === y ? 1 : 0))));
  return R.isEmpty(R.intersect(a, b)) ? R.point(0) : BOOL;
}

/** base^exponent: exact for a constant exponent, by the corners for a non-negative base. */
function pow(a: Range, b: Range): Range {
  if (R.isEmpty(a) || R.isEmpty(b)) return R.EMPTY;
  if (a.values && b.values && a.values.length * b.values.length <= 32) {
    return image32(a.values.flatMap((x) => b.values!.map((y) => Math.pow(x, y))));
  }
  if (b.values?.length === 1) {
    const c = b.values[0]!;
    if (c === 0) return R.point(1);
    if (Number.isInteger(c)) {
      const even = c % 2 === 0;
      const base = even ? R.abs(a) : a;
      // x^c is monotone on a range of one sign (|x| for an even c); computing the ends with
      // Math.pow itself keeps them the values pow really takes (1 / x^|c| can differ by an ulp).
      if (c < 0 && (base.lo > 0 || base.hi < 0)) return monotone32(base, (x) => Math.pow(x, c), true);
      const up = monotone32(base, (x) => Math.pow(x, Math.abs(c)));
      // Across 0, a negative power is 1 over the positive one.
      return c > 0 ? up : R.div(R.point(1), up);
    }
    return monotone32(within(a, nonNegative), (x) => Math.pow(x, c), c < 0);
  }
  // A negative base, or 0 (±0) under a negative power (±Infinity by the sign of the zero).
  if (a.lo < 0 || (R.contains(a, 0) && b.lo < 0)) return R.REAL;
  const xs = [a.lo, a.hi];
  const ys = [b.lo, b.hi];
  const corners = xs.flatMap((x) => ys.map((y) => Math.pow(x, y))).filter((v) => !Number.isNaN(v));
  if (R.contains(a, 1)) corners.push(1);
  return corners.length ? R.interval(round32(Math.min(...corners), true), round32(Math.max(...corners), false)) : R.REAL;
}

export const BINARY_RANGE: Record<BinaryOp, (a: Range, b: Range) => Range> = {
  add: R.add,
  sub: R.sub,
  mul: R.mul,
  div: R.div,
  pow,
  atan2,
  maximum: R.maximum,
  minimum: R.minimum,
  eq,
  ne: (a, b) => not(eq(a, b)),
  lt: (a, b) => compare(a, b, (x, y) => x < y, true),
  le: (a, b) => compare(a, b, (x, y) => x <= y, false),
  gt: (a, b) => compare(b, a, (x, y) => x < y, true),
  ge: (a, b) => compare(b, a, (x, y) => x <= y, false),
  and: (a, b) => R.fromValues([...(canBeFalse(a) || canBeFalse(b) ? [0] : []), ...(canBeTrue(a) && canBeTrue(b) ? [1] : [])]),
  or: (a, b) => R.fromValues([...(canBeFalse(a) && canBeFalse(b) ? [0] : []), ...(canBeTrue(a) || canBeTrue(b) ? [1] : [])]),
};
