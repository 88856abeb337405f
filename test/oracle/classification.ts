/**
 * Classification losses (seed §3), float64 references with PyTorch semantics and defaults.
 */
import { classLayout, classRow, classWeights } from './classes.js';
import { classIndex, logSigmoid, logSoftmax, sigmoid, softplus } from './math.js';
import { reduce, reduceWithDenominator, sameShape, type Reduced, type ReduceOpts, type Reduction } from './reduce.js';
import { broadcastIndex, broadcastShapes, el, fromArray, zipWith, type F64Tensor } from './tensor.js';

/**
 * torch.nn.BCELoss: l = −(y·max(log p, −100) + (1−y)·max(log(1−p), −100)), p a probability.
 * log(1−p) is taken as log1p(−p), as ATen does. Throws for p outside [0, 1] (torch errors too).
 * (The seed's `bce_manual` clamps p to [1e-7, 1−1e-7] instead; that is NOT what this follows.)
 */
export function bce<R extends Reduction = 'mean'>(p: F64Tensor, y: F64Tensor, opts: ReduceOpts<R> = {}): Reduced<R> {
  sameShape(p, y, 'bce');
  const l = zipWith(p, y, (pi, yi) => {
    if (!(pi >= 0 && pi <= 1)) throw new Error(`bce: input ${pi} is not a probability`);
    return -(yi * Math.max(Math.log(pi), -100) + (1 - yi) * Math.max(Math.log1p(-pi), -100));
  });
  return reduce(l, opts) as Reduced<R>;
}

export interface BceLogitsOpts<R extends Reduction> extends ReduceOpts<R> {
  /** torch pos_weight: multiplies the positive term; broadcasts NumPy-style (e.g. [C] over [N, C]). */
  pos_weight?: number | F64Tensor;
}

/**
 * torch.nn.BCEWithLogitsLoss: l = pw·y·softplus(−x) + (1−y)·softplus(x)
 * (= −[pw·y·log σ(x) + (1−y)·log(1−σ(x))], computed without overflow). Seed §3.1, §3.5.
 */
export function bce_with_logits<R extends Reduction = 'mean'>(
  x: F64Tensor,
  y: F64Tensor,
  opts: BceLogitsOpts<R> = {},
): Reduced<R> {
  sameShape(x, y, 'bce_with_logits');
  const pw = opts.pos_weight ?? 1;
  const pwT = typeof pw === 'number' ? fromArray([pw], []) : pw;
  const bs = broadcastShapes(x.shape, pwT.shape);
  if (bs.length !== x.shape.length || bs.some((d, i) => d !== x.shape[i])) {
    throw new Error(`bce_with_logits: pos_weight [${pwT.shape.join(', ')}] does not broadcast to [${x.shape.join(', ')}]`);
  }
  const pwIdx = broadcastIndex(pwT.shape, x.shape);
  const data = x.data.map((xi, i) => {
    const yi = el(y.data, i);
    return el(pwT.data, el(pwIdx, i)) * yi * softplus(-xi) + (1 - yi) * softplus(xi);
  });
  const l: F64Tensor = { shape: [...x.shape], data };
  return reduce(l, opts) as Reduced<R>;
}

export interface NllOpts<R extends Reduction> extends ReduceOpts<R> {
  /** Class weights [C] (torch `weight`). */
  weight?: ArrayLike<number> | F64Tensor;
  /** Default −100, as torch. */
  ignore_index?: number;
}

export interface CrossEntropyOpts<R extends Reduction> extends NllOpts<R> {
  /** ε in torch: targets become (1−ε)·onehot + ε/C. Default 0. */
  label_smoothing?: number;
}

/**
 * torch.nn.CrossEntropyLoss with class-index targets, input [N, C, d1…] or [C].
 * Per position (target y not ignored), with lsm = log_softmax over C and class weights w:
 *   l = (1−ε)·w[y]·(−lsm[y]) + (ε/C)·Σ_c w_c·(−lsm_c)
 * 'mean' divides Σ l by Σ w[y] over non-ignored positions (torch's nll mean and its
 * label-smoothing branch both do this); ignored positions give l = 0 and count nowhere;
 * all positions ignored gives NaN under 'mean', as torch. Per-sample `weights` s
 * (project extension) give Σ s·l / Σ s·w[y].
 */
export function cross_entropy<R extends Reduction = 'mean'>(
  logits: F64Tensor,
  target: F64Tensor,
  opts: CrossEntropyOpts<R> = {},
): Reduced<R> {
  return classLoss(logits, target, opts, opts.label_smoothing ?? 0, true, 'cross_entropy');
}

/** torch.nn.NLLLoss: l = −w[y]·logp[y], input already log-probabilities; mean divides by Σ w[y]. */
export function nll<R extends Reduction = 'mean'>(logp: F64Tensor, target: F64Tensor, opts: NllOpts<R> = {}): Reduced<R> {
  return classLoss(logp, target, opts, 0, false, 'nll');
}

function classLoss<R extends Reduction>(
  input: F64Tensor,
  target: F64Tensor,
  opts: NllOpts<R>,
  eps: number,
  softmax: boolean,
  what: string,
): Reduced<R> {
  const L = classLayout(input, target, what);
  const w = classWeights(opts.weight, L.C, what);
  const ignore = opts.ignore_index ?? -100;
  const n = L.N * L.S;
  const loss = new Float64Array(n);
  const den = new Float64Array(n);
  for (let pos = 0; pos < n; pos++) {
    const t = el(target.data, pos);
    if (t === ignore) continue;
    const y = classIndex(t, L.C, `${what} target`);
    const row = classRow(input, L, pos);
    const lp = softmax ? logSoftmax(row) : row;
    let smooth = 0;
    if (eps !== 0) for (let c = 0; c < L.C; c++) smooth -= el(w, c) * el(lp, c);
    loss[pos] = -(1 - eps) * el(w, y) * el(lp, y) + (eps / L.C) * smooth;
    den[pos] = el(w, y);
  }
  return reduceWithDenominator({ shape: L.outShape, data: loss }, den, opts) as Reduced<R>;
}

export interface LabelSmoothingOpts<R extends Reduction> extends ReduceOpts<R> {
  /** Default 0.1. */
  epsilon?: number;
}

/**
 * Seed §3.3 `LabelSmoothingCrossEntropy`: q[y] = 1−ε, q[c≠y] = ε/(C−1); l = Σ_c −q_c·log_softmax(x)_c,
 * mean over positions. Differs from torch's label_smoothing (which gives ε/C to every class,
 * the target included).
 */
export function label_smoothing_ce<R extends Reduction = 'mean'>(
  logits: F64Tensor,
  target: F64Tensor,
  opts: LabelSmoothingOpts<R> = {},
): Reduced<R> {
  const eps = opts.epsilon ?? 0.1;
  const L = classLayout(logits, target, 'label_smoothing_ce');
  const n = L.N * L.S;
  const loss = new Float64Array(n);
  for (let pos = 0; pos < n; pos++) {
    const y = classIndex(el(target.data, pos), L.C, 'label_smoothing_ce target');
    const lp = logSoftmax(classRow(logits, L, pos));
    let s = 0;
    for (let c = 0; c < L.C; c++) s -= (c === y ? 1 - eps : eps / (L.C - 1)) * el(lp, c);
    loss[pos] = s;
  }
  return reduce({ shape: L.outShape, data: loss }, opts) as Reduced<R>;
}

export interface FocalOpts<R extends Reduction> extends ReduceOpts<R> {
  /** Default 0.25 (a scalar for every class, as the seed). */
  alpha?: number;
  /** Default 2. */
  gamma?: number;
}

/**
 * Seed §3.4 `FocalLoss` (multi-class): ce = F.cross_entropy(logits, y, reduction='none'),
 * p_t = exp(−ce), l = α·(1−p_t)^γ·ce; mean / sum / none. A target equal to −100 (F.cross_entropy's
 * default ignore_index) gives ce = 0, hence l = 0, and still counts in the mean, as in the seed.
 */
export function focal<R extends Reduction = 'mean'>(logits: F64Tensor, target: F64Tensor, opts: FocalOpts<R> = {}): Reduced<R> {
  const alpha = opts.alpha ?? 0.25;
  const gamma = opts.gamma ?? 2;
  const ce = cross_entropy(logits, target, { reduction: 'none' });
  const l = ce.data.map((c) => alpha * Math.pow(1 - Math.exp(-c), gamma) * c);
  return reduce({ shape: ce.shape, data: l }, opts) as Reduced<R>;
}

/**
 * Seed §3.4 `BinaryFocalLoss` (= torchvision.ops.sigmoid_focal_loss with reduction 'mean'):
 * p = σ(x), p_t = p·y + (1−p)(1−y), α_t = α·y + (1−α)(1−y), l = α_t·(1−p_t)^γ·BCEwithLogits(x, y).
 */
export function binary_focal<R extends Reduction = 'mean'>(
  x: F64Tensor,
  y: F64Tensor,
  opts: FocalOpts<R> = {},
): Reduced<R> {
  sameShape(x, y, 'binary_focal');
  const alpha = opts.alpha ?? 0.25;
  const gamma = opts.gamma ?? 2;
  const l = zipWith(x, y, (xi, yi) => {
    const p = sigmoid(xi);
    const pt = p * yi + (1 - p) * (1 - yi);
    const at = alpha * yi + (1 - alpha) * (1 - yi);
    const b = -(yi * logSigmoid(xi) + (1 - yi) * logSigmoid(-xi));
    return at * Math.pow(1 - pt, gamma) * b;
  });
  return reduce(l, opts) as Reduced<R>;
}
