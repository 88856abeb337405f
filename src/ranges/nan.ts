// Where an op makes NaN from operands that are not NaN, judged from their ranges: log of a
// negative, 0·∞, ∞ - ∞, 0/0, pow of a negative base, a softmax of ±∞. Tables beside the range
// tables of transfer.ts; the analysis (analysis.ts) ORs each with the flags of the operands.
// Inputs are never NaN (generated code rejects them) but may hold ±Infinity, and float32
// overflows: an end beyond float32's largest value may be reached as an infinity.

import type { BinaryOp, ReduceOp, UnaryOp } from '../ir/ops.js';
import { FLT_MAX } from './float32.js';
import * as R from './interval.js';
import type { Range } from './interval.js';

export const mayBePosInf = (r: Range): boolean => !R.isEmpty(r) && r.hi > FLT_MAX;
export const mayBeNegInf = (r: Range): boolean => !R.isEmpty(r) && r.lo < -FLT_MAX;
const mayBeInf = (r: Range): boolean => mayBePosInf(r) || mayBeNegInf(r);

const never = (): boolean => false;

export const UNARY_NAN: Record<UnaryOp, (x: Range) => boolean> = {
  log: (x) => R.reachesBelow(x, 0),
  sqrt: (x) => R.reachesBelow(x, 0),
  log1p: (x) => R.reachesBelow(x, -1),
  // sin and cos of ±∞.
  sin: (x) => mayBeInf(x),
  cos: (x) => mayBeInf(x),
  // digamma at the negative whole numbers and -∞; trigamma at -∞ (at its poles it is +∞).
  digamma: (x) => reachesNegativeWhole(x) || mayBeNegInf(x),
  trigamma: (x) => mayBeNegInf(x),
  // Each of the others has a value (or limit) at every number and at ±∞.
  neg: never, abs: never, sign: never, exp: never, expm1: never, square: never, sigmoid: never,
  softplus: never, log_sigmoid: never, tanh: never, cosh: never, erf: never, atan: never, asinh: never, lgamma: never, relu: never, floor: never,
  not: never, to_real: never, detach: never,
};

/** A whole number below 0 lies in the range. */
function reachesNegativeWhole(r: Range): boolean {
  if (R.isEmpty(r)) return false;
  if (r.values) return r.values.some((v) => v < 0 && Number.isInteger(v));
  const top = Math.min(r.hi, -1);
  const whole = Math.floor(top);
  // The largest one not above the top, or the next below it when an open end excludes that one.
  return R.contains(r, whole) || R.contains(r, whole - 1);
}

/** Math.pow: NaN for a negative base under a non-integer power, and for (±1)^±∞. */
function powNaN(a: Range, b: Range): boolean {
  const integral = b.values !== undefined && b.values.every(Number.isInteger);
  return (R.reachesBelow(a, 0) && !integral) || (mayBeInf(b) && (R.contains(a, 1) || R.contains(a, -1)));
}

export const BINARY_NAN: Record<BinaryOp, (a: Range, b: Range) => boolean> = {
  add: (a, b) => (mayBePosInf(a) && mayBeNegInf(b)) || (mayBeNegInf(a) && mayBePosInf(b)),
  sub: (a, b) => (mayBePosInf(a) && mayBePosInf(b)) || (mayBeNegInf(a) && mayBeNegInf(b)),
  mul: (a, b) => (R.canBeZero(a) && mayBeInf(b)) || (mayBeInf(a) && R.canBeZero(b)),
  div: (a, b) => (R.canBeZero(a) && R.canBeZero(b)) || (mayBeInf(a) && mayBeInf(b)),
  pow: powNaN,
  atan2: never,
  maximum: never, minimum: never, eq: never, ne: never, lt: never, le: never, gt: never, ge: never, and: never, or: never,
};

/** Of the selected elements (the empty result of a masked reduction is the analysis's concern). */
export const REDUCE_NAN: Record<ReduceOp, (x: Range) => boolean> = {
  // Elements of both infinities, or partial sums overflowing both ways, add to ∞ - ∞.
  sum: (x) => mayBePosInf(x) && mayBeNegInf(x),
  mean: (x) => mayBePosInf(x) && mayBeNegInf(x),
  // Partial products of factors below and above 1 in magnitude can underflow to 0 and
  // overflow to ∞: 0·∞.
  prod: (x) => {
    const m = R.abs(x);
    return R.reachesBelow(m, 1) && R.reachesAbove(m, 1);
  },
  // tf.logSumExp shifts by the max: x - max is ∞ - ∞ when the max is ∞, or when every element is -∞.
  logsumexp: (x) => mayBeInf(x),
  max: never, min: never, any: never, all: never,
};

/** softmax and log_softmax shift by the max as logsumexp does. */
export const AXIS_NAN = (x: Range): boolean => mayBeInf(x);
