// The float32 limits the analysis reasons about, and a float32 image of monotone functions:
// ends are rounded outward to float32 (sigmoid(20) is exactly 1 there) and reached, as is a
// function's finite limit at an unbounded end (exp of a very negative number is exactly 0).

import { EMPTY, fromValues, interval, isEmpty, type Range } from './interval.js';

export const FLT_MAX = 3.4028234663852886e38;
/** exp(x) is Infinity in float32 above this. */
export const EXP_OVERFLOW = Math.log(FLT_MAX);
/** exp(x) rounds to 0 in float32 below this (half the smallest subnormal, 2^-150). */
export const EXP_UNDERFLOW = -150 * Math.LN2;
/** cosh(x) is Infinity in float32 for |x| above this. */
export const COSH_OVERFLOW = Math.log(2 * FLT_MAX);

export const f32 = Math.fround;

const f32buf = new Float32Array(1);
const i32buf = new Int32Array(f32buf.buffer);

/** The float32 next to `x` (a float32) toward +Infinity (`up`) or -Infinity. */
export function nextFloat32(x: number, up: boolean): number {
  if (Number.isNaN(x) || x === (up ? Infinity : -Infinity)) return x;
  if (x === 0) return up ? 2 ** -149 : -(2 ** -149);
  f32buf[0] = x;
  i32buf[0]! += (x > 0) === up ? 1 : -1;
  return f32buf[0]!;
}

/** The float32 nearest `x` that is not above it (`down`) or not below it. */
export function round32(x: number, down: boolean): number {
  const r = f32(x);
  if (r === x || !Number.isFinite(x)) return r;
  return down === r > x ? nextFloat32(r, !down) : r;
}

/** Distance in units in the last place of float32 at the magnitude of `scale`. */
export function ulp32(scale: number): number {
  const a = Math.abs(scale);
  if (!(a >= 2 ** -126)) return 2 ** -149;
  return 2 ** (Math.floor(Math.log2(a)) - 23);
}

/** log(1 + e^x) without overflow, the same formula the reference evaluator uses. */
export function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/**
 * Known values, kept as a set when float32 holds them exactly (sign, abs, 2^3), else as the
 * interval around them, so that float32 and float64 evaluations both fall in it.
 */
export function image32(values: readonly number[]): Range {
  const vs = values.filter((v) => !Number.isNaN(v));
  if (vs.every((v) => f32(v) === v)) return fromValues(vs);
  if (vs.length === 0) return EMPTY;
  return interval(round32(Math.min(...vs), true), round32(Math.max(...vs), false));
}

/** The float32 image of a non-decreasing (or non-increasing) `f` over `r`. */
export function monotone32(r: Range, f: (x: number) => number, decreasing = false): Range {
  if (isEmpty(r)) return EMPTY;
  if (r.values) return image32(r.values.map(f));
  // Ends rounded outward, so the range holds float64 values as well as float32 ones; a
  // finite end is reached (rounding or saturation: tanh(-40) is -1), only an infinite one not.
  const end = (x: number, low: boolean): [number, boolean] => {
    const v = round32(f(x), low);
    return [v, !Number.isFinite(v)];
  };
  const [a, ao] = end(r.lo, !decreasing);
  const [b, bo] = end(r.hi, decreasing);
  return decreasing ? interval(b, a, bo, ao) : interval(a, b, ao, bo);
}
