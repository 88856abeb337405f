/**
 * Regression losses (seed §2, §7.3), float64 references. e = pred − target, elementwise,
 * pred and target broadcast NumPy-style (torch broadcasts too, with a warning).
 */
import { logCosh } from './math.js';
import { reduce, type Reduced, type ReduceOpts, type Reduction } from './reduce.js';
import { zipWith, type F64Tensor } from './tensor.js';

function elementwise<R extends Reduction>(
  pred: F64Tensor,
  target: F64Tensor,
  f: (e: number) => number,
  opts: ReduceOpts<R>,
): Reduced<R> {
  return reduce(zipWith(pred, target, (p, t) => f(p - t)), opts) as Reduced<R>;
}

/** torch.nn.MSELoss: mean(e²). Seed §2.1. */
export function mse<R extends Reduction = 'mean'>(pred: F64Tensor, target: F64Tensor, opts: ReduceOpts<R> = {}): Reduced<R> {
  return elementwise(pred, target, (e) => e * e, opts);
}

/** torch.nn.L1Loss: mean(|e|). Seed §2.2. */
export function mae<R extends Reduction = 'mean'>(pred: F64Tensor, target: F64Tensor, opts: ReduceOpts<R> = {}): Reduced<R> {
  return elementwise(pred, target, (e) => Math.abs(e), opts);
}

export interface HuberOpts<R extends Reduction> extends ReduceOpts<R> {
  /** Default 1. */
  delta?: number;
}

/**
 * torch.nn.HuberLoss(delta): 0.5e² if |e| ≤ δ else δ(|e| − 0.5δ).
 * Same as tf.losses.huberLoss(delta) and as the seed's `huber_manual` (§2.3).
 */
export function huber<R extends Reduction = 'mean'>(pred: F64Tensor, target: F64Tensor, opts: HuberOpts<R> = {}): Reduced<R> {
  const d = opts.delta ?? 1;
  return elementwise(pred, target, (e) => {
    const a = Math.abs(e);
    return a <= d ? 0.5 * e * e : d * (a - 0.5 * d);
  }, opts);
}

export interface SmoothL1Opts<R extends Reduction> extends ReduceOpts<R> {
  /** Default 1. beta = 0 is plain L1, as in torch. */
  beta?: number;
}

/**
 * torch.nn.SmoothL1Loss(beta): 0.5e²/β if |e| < β else |e| − 0.5β; equals huber(β)/β.
 * (The seed §2.3 calls SmoothL1Loss "Huber"; the two coincide only at β = δ = 1.)
 */
export function smooth_l1<R extends Reduction = 'mean'>(pred: F64Tensor, target: F64Tensor, opts: SmoothL1Opts<R> = {}): Reduced<R> {
  const b = opts.beta ?? 1;
  return elementwise(pred, target, (e) => {
    const a = Math.abs(e);
    return a < b ? (0.5 * e * e) / b : a - 0.5 * b;
  }, opts);
}

/**
 * Seed §2.4 `log_cosh_loss`: mean(log(cosh(e))), computed as |e| + log1p(e^{-2|e|}) − log 2
 * so that it stays right where cosh overflows (|e| > ~710 in float64, ~89 in float32).
 */
export function log_cosh<R extends Reduction = 'mean'>(pred: F64Tensor, target: F64Tensor, opts: ReduceOpts<R> = {}): Reduced<R> {
  return elementwise(pred, target, logCosh, opts);
}

export interface AsymmetricOpts<R extends Reduction> extends ReduceOpts<R> {
  /** Default 2. */
  over_penalty?: number;
}

/**
 * Seed §7.3 `AsymmetricMSELoss`: mean(e > 0 ? k·e² : e²), e = pred − target, k = over_penalty.
 * Over-estimation (pred above target) is the side penalised; e = 0 gets e² = 0 either way.
 */
export function asymmetric_mse<R extends Reduction = 'mean'>(
  pred: F64Tensor,
  target: F64Tensor,
  opts: AsymmetricOpts<R> = {},
): Reduced<R> {
  const k = opts.over_penalty ?? 2;
  return elementwise(pred, target, (e) => (e > 0 ? k * e * e : e * e), opts);
}
