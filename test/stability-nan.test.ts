// The NaN tables of the range analysis (src/ranges/nan.ts) against Math at random points,
// ±Infinity included (inputs may hold it): wherever an op gives NaN from operands that are not
// NaN, its table must say it can. The reductions and softmax are computed as tfjs does, shifted
// by the max (tf.logSumExp, tf.logSoftmax).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BinaryOp, ReduceOp, UnaryOp } from '../src/ir/ops.js';
import * as R from '../src/ranges/interval.js';
import { AXIS_NAN, BINARY_NAN, REDUCE_NAN, UNARY_NAN } from '../src/ranges/nan.js';
import { digammaRef, lgammaRef, trigammaRef } from '../src/reference/gamma.js';

const end = fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.constantFrom(0, 1, -1, 0.5, 2, -2, 1e38, -1e38), fc.constantFrom(Infinity, -Infinity));

/** A non-empty range and points in it, each inside or at an end it reaches (an unbounded end as an infinity). */
const rangeAndPoints = fc
  .tuple(end, end, fc.boolean(), fc.boolean(), fc.array(fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom('lo', 'hi')), { minLength: 1, maxLength: 4 }))
  .filter(([a, b]) => a !== b || Number.isFinite(a))
  .map(([a, b, loOpen, hiOpen, picks]) => {
    const [l, h] = a <= b ? [a, b] : [b, a];
    const r = l === h ? R.point(l) : R.interval(l, h, loOpen, hiOpen);
    const [lo, hi] = [Number.isFinite(l) ? l : -1e6, Number.isFinite(h) ? h : 1e6];
    const xs = picks.map((t) => {
      if (t === 'lo' && (r.lo === -Infinity || !r.loOpen)) return r.lo;
      if (t === 'hi' && (r.hi === Infinity || !r.hiOpen)) return r.hi;
      const x = lo + (typeof t === 'number' ? t : 0.5) * (hi - lo);
      return R.contains(r, x) ? x : (lo + hi) / 2;
    });
    return { r, xs };
  })
  .filter(({ r, xs }) => xs.every((x) => !Number.isFinite(x) || R.contains(r, x)));

const set = fc.array(fc.constantFrom(-2, -1, 0, 0.5, 1, 2, 3), { minLength: 1, maxLength: 4 }).map((vs) => ({ r: R.fromValues(vs), xs: vs }));
const anyRange = fc.oneof(rangeAndPoints, rangeAndPoints, set);

const UNARY: Partial<Record<UnaryOp, (x: number) => number>> = {
  log: Math.log, log1p: Math.log1p, sqrt: Math.sqrt, exp: Math.exp, expm1: Math.expm1, neg: (x) => -x, abs: Math.abs,
  square: (x) => x * x, tanh: Math.tanh, cosh: Math.cosh, sign: Math.sign, floor: Math.floor, relu: (x) => Math.max(x, 0),
  sin: Math.sin, cos: Math.cos, asinh: Math.asinh, lgamma: lgammaRef, digamma: digammaRef, trigamma: trigammaRef,
};
const BINARY: Partial<Record<BinaryOp, (x: number, y: number) => number>> = {
  add: (x, y) => x + y, sub: (x, y) => x - y, mul: (x, y) => x * y, div: (x, y) => x / y, pow: Math.pow, maximum: Math.max, minimum: Math.min,
  atan2: Math.atan2,
};
const shifted = (xs: readonly number[]): number => {
  const m = Math.max(...xs);
  return Math.log(xs.reduce((s, x) => s + Math.exp(x - m), 0)) + m;
};
const REDUCE: Partial<Record<ReduceOp, (xs: readonly number[]) => number>> = {
  sum: (xs) => xs.reduce((s, x) => s + x, 0),
  mean: (xs) => xs.reduce((s, x) => s + x, 0) / xs.length,
  prod: (xs) => xs.reduce((s, x) => s * x, 1),
  logsumexp: shifted,
  max: (xs) => Math.max(...xs),
  min: (xs) => Math.min(...xs),
};

const SEED = Number(process.env.LOSSC_FUZZ_SEED ?? 20261128);
const says = (flagged: boolean, value: number): boolean => flagged || !Number.isNaN(value);

describe('an op that gives NaN from operands in their ranges is flagged', () => {
  for (const [op, f] of Object.entries(UNARY)) {
    it(op, () => {
      fc.assert(fc.property(anyRange, ({ r, xs }) => xs.every((x) => says(UNARY_NAN[op as UnaryOp](r), f(x)))), { numRuns: 300, seed: SEED });
    });
  }
  for (const [op, f] of Object.entries(BINARY)) {
    it(op, () => {
      fc.assert(fc.property(anyRange, anyRange, (a, b) => a.xs.every((x) => b.xs.every((y) => says(BINARY_NAN[op as BinaryOp](a.r, b.r), f(x, y))))), { numRuns: 400, seed: SEED });
    });
  }
  for (const [op, f] of Object.entries(REDUCE)) {
    it(`${op} (reduction)`, () => {
      fc.assert(fc.property(anyRange, ({ r, xs }) => says(REDUCE_NAN[op as ReduceOp](r), f(xs))), { numRuns: 400, seed: SEED });
    });
  }
  it('log_softmax (along an axis)', () => {
    fc.assert(fc.property(anyRange, ({ r, xs }) => xs.every((x) => says(AXIS_NAN(r), x - shifted(xs)))), { numRuns: 400, seed: SEED });
  });

  it('a product of factors below and above 1 in magnitude can underflow and overflow: 0 · ∞', () => {
    const f = Math.fround; // float32: (1e-30 · 1e-30) · (1e30 · 1e30)
    expect(f(f(1e-30 * 1e-30) * f(f(1e30) * f(1e30)))).toBeNaN();
    expect(REDUCE_NAN.prod(R.interval(1e-30, 1e30))).toBe(true);
    expect(REDUCE_NAN.prod(R.interval(0, 1))).toBe(false);
  });

  it('what is never NaN is not flagged', () => {
    expect(BINARY_NAN.pow(R.REAL, R.point(2))).toBe(false);
    expect(BINARY_NAN.div(R.REAL, R.interval(1, 2))).toBe(false);
    expect(BINARY_NAN.mul(R.interval(0, 1), R.interval(-5, 5))).toBe(false);
    expect(UNARY_NAN.log(R.interval(0, Infinity))).toBe(false);
  });
});
