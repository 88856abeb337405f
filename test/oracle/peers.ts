/**
 * The peers' losses beyond the tutorial, float64 references written from the peers'
 * definitions (not from the .loss text):
 *   Keras 3, keras/src/losses/losses.py (the functions behind keras.losses.*): each computes
 *   one loss per sample over the last axis; the default reduction 'sum_over_batch_size'
 *   divides their sum by the number of samples. backend.epsilon() is 1e-7.
 *   torch.nn.functional (torch 2.x, torch/nn/functional.py and ATen's Loss.cpp).
 * Each returns the per-sample losses reduced by reduce.ts's convention (Σw·l / Σw for 'mean').
 */
import { reduce, sameShape, type ReduceOpts } from './reduce.js';
import { el, type F64Tensor } from './tensor.js';

const EPS_KERAS = 1e-7;

/** Rows along the last axis: f(row of a, row of b, row index) for each row, shape [...]. */
function rows(a: F64Tensor, b: F64Tensor, f: (x: Float64Array, y: Float64Array, r: number) => number): F64Tensor {
  sameShape(a, b, 'rows');
  const D = a.shape[a.shape.length - 1]!;
  const n = a.data.length / D;
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) out[r] = f(a.data.subarray(r * D, (r + 1) * D), b.data.subarray(r * D, (r + 1) * D), r);
  return { shape: a.shape.slice(0, -1), data: out };
}
const elementwise = (a: F64Tensor, b: F64Tensor, f: (x: number, y: number, i: number) => number): F64Tensor => {
  sameShape(a, b, 'elementwise');
  return { shape: [...a.shape], data: a.data.map((x, i) => f(x, el(b.data, i), i)) };
};
const meanOf = (xs: ArrayLike<number>): number => Array.from(xs).reduce((s, v) => s + v, 0) / xs.length;
const softplus = (z: number): number => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
const logSigmoid = (z: number): number => -softplus(-z);

// ---------------------------------------------------------------------------------------
// Keras

/** keras.losses.mean_squared_logarithmic_error: mean(square(log(max(p, ε) + 1) − log(max(t, ε) + 1)), -1). */
export const msle = (pred: F64Tensor, target: F64Tensor, o: ReduceOpts = {}) =>
  reduce(rows(pred, target, (p, t) => meanOf(p.map((pi, k) => (Math.log(Math.max(pi, EPS_KERAS) + 1) - Math.log(Math.max(t[k]!, EPS_KERAS) + 1)) ** 2))), o);

/** keras.losses.mean_absolute_percentage_error: 100 · mean(|(t − p) / max(|t|, ε)|, -1). */
export const mape = (pred: F64Tensor, target: F64Tensor, o: ReduceOpts = {}) =>
  reduce(rows(pred, target, (p, t) => 100 * meanOf(p.map((pi, k) => Math.abs((t[k]! - pi) / Math.max(Math.abs(t[k]!), EPS_KERAS))))), o);

/** keras.losses.poisson: mean(p − t·log(p + ε), -1). */
export const poisson = (pred: F64Tensor, target: F64Tensor, o: ReduceOpts = {}) =>
  reduce(rows(pred, target, (p, t) => meanOf(p.map((pi, k) => pi - t[k]! * Math.log(pi + EPS_KERAS)))), o);

/** tf.math.l2_normalize: x · rsqrt(max(Σx², 1e-12)). */
const l2Normalize = (v: Float64Array): Float64Array => {
  const ss = v.reduce((s, x) => s + x * x, 0);
  return v.map((x) => x / Math.sqrt(Math.max(ss, 1e-12)));
};
/** keras.losses.cosine_similarity (tf.keras): −Σ l2_normalize(t)·l2_normalize(p), axis -1. */
export const cosine_similarity = (pred: F64Tensor, target: F64Tensor, o: ReduceOpts = {}) =>
  reduce(rows(pred, target, (p, t) => {
    const [u, v] = [l2Normalize(t), l2Normalize(p)];
    return -u.reduce((s, x, k) => s + x * v[k]!, 0);
  }), o);

/** keras.losses.categorical_hinge: pos = Σ t·p, neg = max((1 − t)·p), max(neg − pos + 1, 0). */
export const categorical_hinge = (x: F64Tensor, y: F64Tensor, o: ReduceOpts = {}) =>
  reduce(rows(x, y, (p, t) => {
    const pos = p.reduce((s, pi, k) => s + t[k]! * pi, 0);
    const neg = Math.max(...p.map((pi, k) => (1 - t[k]!) * pi));
    return Math.max(neg - pos + 1, 0);
  }), o);

/**
 * keras.losses.squared_hinge: y_true = convert_binary_labels_to_hinge(y_true) (2y − 1 when
 * every label is 0 or 1, else unchanged), then mean(square(max(1 − y·p, 0)), -1).
 */
export function squared_hinge(x: F64Tensor, y: F64Tensor, o: ReduceOpts = {}) {
  const binary = y.data.every((v) => v === 0 || v === 1);
  const yy: F64Tensor = { shape: [...y.shape], data: y.data.map((v) => (binary ? 2 * v - 1 : v)) };
  return reduce(rows(x, yy, (p, t) => meanOf(p.map((pi, k) => Math.max(1 - t[k]! * pi, 0) ** 2))), o);
}

/** keras.losses.kl_divergence: t = clip(t, ε, 1), p = clip(p, ε, 1), Σ t·log(t / p), axis -1. */
export const kl_divergence = (y: F64Tensor, p: F64Tensor, o: ReduceOpts = {}) =>
  reduce(rows(y, p, (t, q) => t.reduce((s, ti, k) => {
    const [a, b] = [Math.min(Math.max(ti, EPS_KERAS), 1), Math.min(Math.max(q[k]!, EPS_KERAS), 1)];
    return s + a * Math.log(a / b);
  }, 0)), o);

// ---------------------------------------------------------------------------------------
// torch.nn.functional

/** F.margin_ranking_loss: max(0, −y·(x1 − x2) + margin). */
export const margin_ranking = (x1: F64Tensor, x2: F64Tensor, y: F64Tensor, margin = 0, o: ReduceOpts = {}) =>
  reduce(elementwise(x1, x2, (a, b, i) => Math.max(0, -el(y.data, i) * (a - b) + margin)), o);

/** ATen hinge_embedding_loss: where(y ≠ 1, clamp_min(margin − x, 0), 0) + where(y ≠ −1, x, 0). */
export const hinge_embedding = (x: F64Tensor, y: F64Tensor, margin = 1, o: ReduceOpts = {}) =>
  reduce(elementwise(x, y, (xi, yi) => (yi !== 1 ? Math.max(margin - xi, 0) : 0) + (yi !== -1 ? xi : 0)), o);

/** ATen cosine_embedding_loss: cos = Σx1x2 / sqrt((Σx1² + 1e-12)(Σx2² + 1e-12)); 1 − cos (y = 1), clamp_min(cos − margin, 0) (y = −1). */
export const cosine_embedding = (x1: F64Tensor, x2: F64Tensor, y: F64Tensor, margin = 0, o: ReduceOpts = {}) =>
  reduce(rows(x1, x2, (a, b, r) => {
    let [ab, aa, bb] = [0, 1e-12, 1e-12];
    a.forEach((ai, k) => {
      ab += ai * b[k]!;
      aa += ai * ai;
      bb += b[k]! * b[k]!;
    });
    const cos = ab / Math.sqrt(aa * bb);
    const t = el(y.data, r);
    return (t === 1 ? 1 - cos : 0) + (t === -1 ? Math.max(cos - margin, 0) : 0);
  }), o);

/** F.soft_margin_loss: log(1 + exp(−y·x)). */
export const soft_margin = (x: F64Tensor, y: F64Tensor, o: ReduceOpts = {}) => reduce(elementwise(x, y, (xi, yi) => softplus(-yi * xi)), o);

/** F.multilabel_soft_margin_loss: −(y·logσ(x) + (1 − y)·logσ(−x)), times weight[c], summed over C / C; per sample. */
export const multilabel_soft_margin = (x: F64Tensor, y: F64Tensor, weight?: F64Tensor, o: ReduceOpts = {}) =>
  reduce(rows(x, y, (p, t) => p.reduce((s, xi, c) => s - (weight ? weight.data[c]! : 1) * (t[c]! * logSigmoid(xi) + (1 - t[c]!) * logSigmoid(-xi)), 0) / p.length), o);

/** ATen multi_margin_loss: Σ_{c ≠ t} w[t]·max(0, margin − x[t] + x[c])^p / C, per sample. */
export function multi_margin(x: F64Tensor, t: F64Tensor, opts: { p?: number; margin?: number; weight?: F64Tensor } & ReduceOpts = {}) {
  const [p, margin] = [opts.p ?? 1, opts.margin ?? 1];
  const C = x.shape[1]!;
  const out = new Float64Array(x.shape[0]!);
  for (let n = 0; n < out.length; n++) {
    const target = el(t.data, n);
    const xt = x.data[n * C + target]!;
    let s = 0;
    for (let c = 0; c < C; c++) {
      if (c === target) continue;
      const z = margin - xt + x.data[n * C + c]!;
      if (z > 0) s += (opts.weight ? opts.weight.data[target]! : 1) * z ** p;
    }
    out[n] = s / C;
  }
  return reduce({ shape: [out.length], data: out }, opts);
}

/**
 * F.poisson_nll_loss: log_input: exp(x) − t·x; else x − t·log(x + eps). full: + the Stirling
 * term t·log t − t + ½·log(2π t), masked to 0 where t ≤ 1.
 */
export function poisson_nll(input: F64Tensor, target: F64Tensor, opts: { log_input?: boolean; full?: boolean; eps?: number } & ReduceOpts = {}) {
  const [logInput, full, eps] = [opts.log_input ?? true, opts.full ?? false, opts.eps ?? 1e-8];
  return reduce(elementwise(input, target, (x, t) => {
    const l = logInput ? Math.exp(x) - t * x : x - t * Math.log(x + eps);
    return l + (full && t > 1 ? t * Math.log(t) - t + 0.5 * Math.log(2 * Math.PI * t) : 0);
  }), opts);
}

/** F.gaussian_nll_loss: var clamped at eps (under no_grad), ½(log var + (x − t)²/var) (+ ½ log 2π with full). */
export function gaussian_nll(input: F64Tensor, target: F64Tensor, variance: F64Tensor, opts: { full?: boolean; eps?: number } & ReduceOpts = {}) {
  const [full, eps] = [opts.full ?? false, opts.eps ?? 1e-6];
  return reduce(elementwise(input, target, (x, t, i) => {
    const v = Math.max(el(variance.data, i), eps);
    return 0.5 * (Math.log(v) + (x - t) ** 2 / v) + (full ? 0.5 * Math.log(2 * Math.PI) : 0);
  }), opts);
}

/**
 * F.kl_div pointwise terms: xlogy(t, t) − t·x, or exp(t)·(t − x) with log_target; summed
 * over the last axis per sample (so 'mean' is torch's 'batchmean' for [N, C]).
 */
export const kl_div = (input: F64Tensor, target: F64Tensor, logTarget = false, o: ReduceOpts = {}) =>
  reduce(rows(input, target, (x, t) => x.reduce((s, xi, k) => {
    const ti = t[k]!;
    return s + (logTarget ? Math.exp(ti) * (ti - xi) : (ti === 0 ? 0 : ti * Math.log(ti)) - ti * xi);
  }, 0)), o);

/** torch's reduction 'batchmean': the sum of every pointwise term over the batch size. */
export function kl_div_batchmean(input: F64Tensor, target: F64Tensor, logTarget = false): number {
  return (kl_div(input, target, logTarget, { reduction: 'sum' }) as number) / input.shape[0]!;
}
