/**
 * Scalar float64 helpers for the oracles, each in its textbook stable form.
 * Written here, not imported from `src/`, so that a bug there cannot hide in both.
 */
import { el, type F64Tensor } from './tensor.js';

/** softplus(x) = log(1 + e^x) = max(x, 0) + log1p(e^-|x|): no overflow for large |x|. */
export function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/** log σ(x) = -softplus(-x). */
export function logSigmoid(x: number): number {
  return -softplus(-x);
}

/** σ(x), without overflow of e^-x for very negative x. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/**
 * log cosh(e) = |e| + log1p(e^{-2|e|}) - log 2.
 * From cosh e = e^{|e|}(1 + e^{-2|e|})/2; right for |e| > 710 where cosh overflows.
 */
export function logCosh(e: number): number {
  const a = Math.abs(e);
  return a + Math.log1p(Math.exp(-2 * a)) - Math.LN2;
}

/** log Σ e^{x_i}, shifted by the max; entries of -Infinity contribute 0. */
export function logSumExp(xs: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < xs.length; i++) m = Math.max(m, el(xs, i));
  if (m === -Infinity) return -Infinity;
  if (!Number.isFinite(m)) return m; // +Inf or NaN
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += Math.exp(el(xs, i) - m);
  return m + Math.log(s);
}

/** log softmax of a row: x_i - logsumexp(x). */
export function logSoftmax(xs: ArrayLike<number>): Float64Array {
  const lse = logSumExp(xs);
  const out = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) out[i] = el(xs, i) - lse;
  return out;
}

/** log softmax (or softmax, `log` false) along the last axis of a tensor, row by row. */
export function softmaxLastAxis(x: F64Tensor, log = true): F64Tensor {
  const C = x.shape[x.shape.length - 1]!;
  const data = new Float64Array(x.data.length);
  for (let r = 0; r < data.length / C; r++) {
    const row = logSoftmax(x.data.subarray(r * C, (r + 1) * C));
    row.forEach((v, c) => (data[r * C + c] = log ? v : Math.exp(v)));
  }
  return { shape: [...x.shape], data };
}

export function relu(x: number): number {
  return x > 0 ? x : 0;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`dot: lengths ${a.length} and ${b.length} differ`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += el(a, i) * el(b, i);
  return s;
}

/** Euclidean norm, exact (no eps). */
export function l2norm(a: ArrayLike<number>): number {
  return Math.sqrt(dot(a, a));
}

/** Sum of an array. */
export function sum(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += el(a, i);
  return s;
}

/** Checks that v is a whole number in [0, n); returns it. */
export function classIndex(v: number, n: number, what = 'class index'): number {
  if (!Number.isInteger(v) || v < 0 || v >= n) throw new Error(`${what} ${v} not in [0, ${n})`);
  return v;
}
