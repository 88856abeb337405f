/**
 * The remaining peers' losses, float64 references written from the peers' own definitions
 * (not from the .loss text), each citing the function and version it follows:
 *   torchvision 0.15+ (torchvision/ops/giou_loss.py, boxes.py box_iou and
 *     generalized_box_iou, _utils.py _loss_inter_union).
 *   Keras 3 (keras/src/losses/losses.py hinge, binary_crossentropy, categorical_crossentropy,
 *     sparse_categorical_crossentropy; keras/src/backend/tensorflow/nn.py for the ops on the
 *     default backend); backend.epsilon() = 1e-7.
 *   TensorFlow.js 4.x tf.losses.logLoss and softmaxCrossEntropy (tfjs-core/src/ops/losses).
 *   PyTorch 2.x F.cross_entropy with label_smoothing and ignore_index (the mean over kept
 *     samples), for the tutorial's label_smoothing_ce and focal with ignore_index.
 *   segmentation_models_pytorch 0.3.x (smp/losses/dice.py, jaccard.py, tversky.py,
 *     _functional.py soft_dice_score/soft_jaccard_score/soft_tversky_score and
 *     focal_loss_with_logits, focal.py, soft_bce.py, soft_ce.py label_smoothed_nll_loss,
 *     mcc.py).
 * Each returns the per-sample losses reduced by reduce.ts's convention where the loss takes a
 * reduction, else the number the peer returns.
 */
import { perRow } from './peers2.js';
import { reduce, type ReduceOpts } from './reduce.js';
import type { F64Tensor } from './tensor.js';

const EPS_KERAS = 1e-7;
const clip = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);
const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));
/** log(1 + e^z) without overflow. */
const softplus = (z: number): number => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
/** torch's F.binary_cross_entropy_with_logits per element (pos_weight w). */
const bceLogits = (x: number, y: number, w = 1): number => w * y * softplus(-x) + (1 - y) * softplus(x);
const logSoftmax = (row: ArrayLike<number>): number[] => {
  const r = Array.from(row);
  const m = Math.max(...r);
  const l = m + Math.log(r.reduce((s, v) => s + Math.exp(v - m), 0));
  return r.map((v) => v - l);
};
const sumOf = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

/** Row r of the last axis of `t` paired with entry r of `idx` (class indices of shape [...]). */
function perIndexedRow(x: F64Tensor, t: F64Tensor, f: (row: Float64Array, t: number) => number): F64Tensor {
  const C = x.shape[x.shape.length - 1]!;
  const out = new Float64Array(t.data.length);
  for (let r = 0; r < t.data.length; r++) out[r] = f(x.data.subarray(r * C, (r + 1) * C), t.data[r]!);
  return { shape: x.shape.slice(0, -1), data: out };
}

// ---------------------------------------------------------------------------------------
// torchvision

type Box = readonly number[];
const boxAt = (b: F64Tensor, i: number): Box => Array.from(b.data.subarray(4 * i, 4 * i + 4));
const boxArea = (b: Box): number => (b[2]! - b[0]!) * (b[3]! - b[1]!);
/** torchvision.ops._utils._loss_inter_union: intersection 0 unless both overlaps are positive. */
function interUnion(a: Box, b: Box): { inter: number; union: number } {
  const xk1 = Math.max(a[0]!, b[0]!);
  const yk1 = Math.max(a[1]!, b[1]!);
  const xk2 = Math.min(a[2]!, b[2]!);
  const yk2 = Math.min(a[3]!, b[3]!);
  const inter = yk2 > yk1 && xk2 > xk1 ? (xk2 - xk1) * (yk2 - yk1) : 0;
  return { inter, union: boxArea(a) + boxArea(b) - inter };
}
const hullArea = (a: Box, b: Box): number =>
  (Math.max(a[2]!, b[2]!) - Math.min(a[0]!, b[0]!)) * (Math.max(a[3]!, b[3]!) - Math.min(a[1]!, b[1]!));

/** torchvision.ops.generalized_box_iou_loss(boxes1, boxes2, eps): 1 − (iou − (area_c − union)/(area_c + eps)), iou = inter/(union + eps). */
export function generalized_box_iou_loss(b1: F64Tensor, b2: F64Tensor, eps = 1e-7, o: ReduceOpts = {}) {
  const N = b1.shape[0]!;
  const out = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const [a, b] = [boxAt(b1, i), boxAt(b2, i)];
    const { inter, union } = interUnion(a, b);
    const c = hullArea(a, b);
    out[i] = 1 - (inter / (union + eps) - (c - union) / (c + eps));
  }
  return reduce({ shape: [N], data: out }, o);
}

/** torchvision.ops.box_iou and generalized_box_iou (boxes.py; wh = (rb − lt).clamp(min=0)): [N, M] of f(iou, union, hull). */
function pairwise(b1: F64Tensor, b2: F64Tensor, f: (iou: number, union: number, hull: number) => number): F64Tensor {
  const [N, M] = [b1.shape[0]!, b2.shape[0]!];
  const out = new Float64Array(N * M);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < M; j++) {
      const [a, b] = [boxAt(b1, i), boxAt(b2, j)];
      const w = Math.max(Math.min(a[2]!, b[2]!) - Math.max(a[0]!, b[0]!), 0);
      const h = Math.max(Math.min(a[3]!, b[3]!) - Math.max(a[1]!, b[1]!), 0);
      const union = boxArea(a) + boxArea(b) - w * h;
      out[i * M + j] = f((w * h) / union, union, hullArea(a, b));
    }
  }
  return { shape: [N, M], data: out };
}
/** torchvision.ops.box_iou: inter/union. */
export const box_iou = (b1: F64Tensor, b2: F64Tensor): F64Tensor => pairwise(b1, b2, (iou) => iou);
/** torchvision.ops.generalized_box_iou: iou − (areai − union)/areai. */
export const generalized_box_iou = (b1: F64Tensor, b2: F64Tensor): F64Tensor => pairwise(b1, b2, (iou, union, hull) => iou - (hull - union) / hull);

// ---------------------------------------------------------------------------------------
// Keras 3

/** keras.losses.hinge: convert_binary_labels_to_hinge (2y − 1 when every label is 0 or 1), then mean(max(1 − y·x, 0), -1). */
export function keras_hinge(x: F64Tensor, y: F64Tensor, o: ReduceOpts = {}) {
  const binary = y.data.every((v) => v === 0 || v === 1);
  return reduce(perRow([x, y], ([xs, ys]) => sumOf(Array.from(xs!, (v, k) => Math.max(1 - (binary ? 2 * ys![k]! - 1 : ys![k]!) * v, 0))) / xs!.length), o);
}

export interface KerasCeOpts extends ReduceOpts {
  from_logits?: boolean;
  label_smoothing?: number;
}

/**
 * keras.losses.binary_crossentropy: y·(1 − ls) + 0.5·ls; ops.binary_crossentropy on the
 * tensorflow backend: from logits tf.nn.sigmoid_cross_entropy_with_logits
 * (max(x, 0) − x·z + log(1 + exp(−|x|))); else clip to [ε, 1 − ε] and
 * −(z·log p + (1 − z)·log(1 − p)); mean over the last axis.
 */
export function binary_crossentropy(yPred: F64Tensor, yTrue: F64Tensor, o: KerasCeOpts = {}) {
  const { from_logits = false, label_smoothing = 0 } = o;
  return reduce(perRow([yPred, yTrue], ([xs, ts]) => sumOf(Array.from(xs!, (x, k) => {
    const z = ts![k]! * (1 - label_smoothing) + 0.5 * label_smoothing;
    if (from_logits) return Math.max(x, 0) - x * z + Math.log1p(Math.exp(-Math.abs(x)));
    const p = clip(x, EPS_KERAS, 1 - EPS_KERAS);
    return -(z * Math.log(p) + (1 - z) * Math.log(1 - p));
  })) / xs!.length), o);
}

/**
 * keras.losses.categorical_crossentropy: y·(1 − ls) + ls/num_classes; from logits
 * tf.nn.softmax_cross_entropy_with_logits; else output / sum(output, -1), clipped to
 * [ε, 1 − ε], −Σ y·log(output).
 */
export function categorical_crossentropy(yPred: F64Tensor, yTrue: F64Tensor, o: KerasCeOpts = {}) {
  const { from_logits = false, label_smoothing = 0 } = o;
  return reduce(perRow([yPred, yTrue], ([xs, ts]) => {
    const C = xs!.length;
    const y = Array.from(ts!, (v) => v * (1 - label_smoothing) + label_smoothing / C);
    if (from_logits) return -sumOf(logSoftmax(xs!).map((l, k) => y[k]! * l));
    const total = sumOf(Array.from(xs!));
    return -sumOf(Array.from(xs!, (p, k) => y[k]! * Math.log(clip(p / total, EPS_KERAS, 1 - EPS_KERAS))));
  }), o);
}

/**
 * keras.losses.sparse_categorical_crossentropy on the tensorflow backend: from logits
 * tf.nn.sparse_softmax_cross_entropy_with_logits(t, x); else the same of log(clip(p, ε, 1 − ε)).
 */
export function sparse_categorical_crossentropy(yPred: F64Tensor, t: F64Tensor, o: KerasCeOpts = {}) {
  const { from_logits = false } = o;
  return reduce(perIndexedRow(yPred, t, (row, c) => {
    const logits = from_logits ? Array.from(row) : Array.from(row, (p) => Math.log(clip(p, EPS_KERAS, 1 - EPS_KERAS)));
    return -logSoftmax(logits)[c]!;
  }), o);
}

// ---------------------------------------------------------------------------------------
// tf.losses (TensorFlow.js 4.x)

/** tf.losses.logLoss per element: −y·log(p + ε) − (1 − y)·log(1 − p + ε). */
export function log_loss(p: F64Tensor, labels: F64Tensor, epsilon = 1e-7, o: ReduceOpts = {}) {
  const data = p.data.map((v, k) => -labels.data[k]! * Math.log(v + epsilon) - (1 - labels.data[k]!) * Math.log(1 - v + epsilon));
  return reduce({ shape: [...p.shape], data }, o);
}

/** tf.losses.softmaxCrossEntropy per row: labels·(1 − ls) + ls/numClasses, −Σ labels·logSoftmax(logits). */
export function softmax_cross_entropy(logits: F64Tensor, labels: F64Tensor, labelSmoothing = 0, o: ReduceOpts = {}) {
  return reduce(perRow([logits, labels], ([xs, ys]) => {
    const C = xs!.length;
    return -sumOf(logSoftmax(xs!).map((l, k) => (ys![k]! * (1 - labelSmoothing) + labelSmoothing / C) * l));
  }), o);
}

// ---------------------------------------------------------------------------------------
// torch 2.x F.cross_entropy with ignore_index, for the tutorial's label_smoothing_ce and focal

/**
 * The tutorial's label-smoothing CE (target 1 − ε, every other class ε/(C − 1)) with
 * ignore_index: per kept sample −(1 − ε)·lp[t] − ε/(C − 1)·Σ_{c≠t} lp_c, the mean over the kept
 * samples (NaN when none is kept, as torch's mean of nothing).
 */
export function label_smoothing_ce(x: F64Tensor, t: F64Tensor, epsilon = 0.1, ignoreIndex = -100): number {
  const C = x.shape[x.shape.length - 1]!;
  const losses: number[] = [];
  perIndexedRow(x, t, (row, c) => {
    if (c === ignoreIndex) return 0;
    const lp = logSoftmax(row);
    losses.push(-(1 - epsilon) * lp[c]! - (epsilon / (C - 1)) * sumOf(lp.filter((_, k) => k !== c)));
    return 0;
  });
  return sumOf(losses) / losses.length;
}

/** The tutorial's focal loss with ignore_index: mean over kept samples of α·(1 − e^−CE)^γ·CE, CE = −lp[t]. */
export function focal(x: F64Tensor, t: F64Tensor, alpha = 0.25, gamma = 2, ignoreIndex = -100): number {
  const losses: number[] = [];
  perIndexedRow(x, t, (row, c) => {
    if (c === ignoreIndex) return 0;
    const ce = -logSoftmax(row)[c]!;
    losses.push(alpha * (1 - Math.exp(-ce)) ** gamma * ce);
    return 0;
  });
  return sumOf(losses) / losses.length;
}

// ---------------------------------------------------------------------------------------
// segmentation_models_pytorch 0.3.x, inputs [B, C, S]

export interface SmpOverlapOpts {
  score?: 'dice' | 'jaccard' | 'tversky';
  from_logits?: boolean;
  log_loss?: boolean;
  smooth?: number;
  eps?: number;
  alpha?: number;
  beta?: number;
  gamma?: number;
}

/** smp's soft_*_score over dims (0, 2) of p, y [B, C, S] → the loss of smp's forward from there on. */
function smpOverlap(p: number[][][], y: number[][][], o: SmpOverlapOpts): number {
  const { score = 'dice', log_loss = false, smooth = 0, eps = 1e-7, alpha = 0.5, beta = 0.5, gamma = 1 } = o;
  const B = p.length;
  const C = p[0]!.length;
  const S = p[0]![0]!.length;
  const losses: number[] = [];
  for (let c = 0; c < C; c++) {
    let tp = 0, card = 0, fp = 0, fn = 0, ysum = 0;
    for (let b = 0; b < B; b++) {
      for (let s = 0; s < S; s++) {
        const [pv, yv] = [p[b]![c]![s]!, y[b]![c]![s]!];
        tp += pv * yv;
        card += pv + yv;
        fp += pv * (1 - yv);
        fn += (1 - pv) * yv;
        ysum += yv;
      }
    }
    const sc = score === 'dice' ? (2 * tp + smooth) / Math.max(card + smooth, eps)
      : score === 'jaccard' ? (tp + smooth) / Math.max(card - tp + smooth, eps)
      : (tp + smooth) / Math.max(tp + alpha * fp + beta * fn + smooth, eps);
    const l = log_loss ? -Math.log(Math.max(sc, eps)) : 1 - sc;
    losses.push(ysum > 0 ? l : 0);
  }
  const m = sumOf(losses) / C;
  return score === 'tversky' ? m ** gamma : m;
}
const nested = (t: F64Tensor, f: (v: number) => number = (v) => v): number[][][] => {
  const [B, C, S] = t.shape as [number, number, number];
  return Array.from({ length: B }, (_, b) => Array.from({ length: C }, (_, c) => Array.from({ length: S }, (_, s) => f(t.data[(b * C + c) * S + s]!))));
};

/** smp DiceLoss/JaccardLoss/TverskyLoss, mode 'binary'/'multilabel' (y [B, C, S]); from_logits: logsigmoid(x).exp(). */
export function smp_dice(x: F64Tensor, y: F64Tensor, o: SmpOverlapOpts = {}): number {
  const { from_logits = true } = o;
  return smpOverlap(nested(x, from_logits ? sigmoid : (v) => v), nested(y), o);
}

/** The same in mode 'multiclass': t [B, S] class indices, log_softmax(x, 1).exp(), ignore_index positions zeroed in both. */
export function smp_dice_multiclass(x: F64Tensor, t: F64Tensor, o: SmpOverlapOpts & { ignore_index?: number } = {}): number {
  const { from_logits = true, ignore_index = -100 } = o;
  const [B, C, S] = x.shape as [number, number, number];
  const p = nested(x);
  if (from_logits) {
    for (let b = 0; b < B; b++) {
      for (let s = 0; s < S; s++) {
        const lp = logSoftmax(p[b]!.map((row) => row[s]!));
        lp.forEach((v, c) => (p[b]![c]![s] = Math.exp(v)));
      }
    }
  }
  // F.one_hot((y_true * mask)) * mask: an ignored position is 0 in every class, even when
  // ignore_index is a class.
  const kept = (b: number, s: number): boolean => t.data[b * S + s] !== ignore_index;
  const y = Array.from({ length: B }, (_, b) => Array.from({ length: C }, (_, c) => Array.from({ length: S }, (_, s) => (kept(b, s) && t.data[b * S + s] === c ? 1 : 0))));
  for (let b = 0; b < B; b++) for (let s = 0; s < S; s++) if (!kept(b, s)) for (let c = 0; c < C; c++) p[b]![c]![s] = 0;
  return smpOverlap(p, y, o);
}

export interface SmpFocalOpts {
  gamma?: number;
  alpha?: number;
  normalized?: boolean;
}
/** smp's focal_loss_with_logits (reduction 'mean', no reduced_threshold) of paired logits and targets. */
function focalLossWithLogits(xs: number[], ys: number[], o: SmpFocalOpts): number {
  const { gamma = 2, alpha, normalized = false } = o;
  let total = 0;
  let focalSum = 0;
  xs.forEach((x, k) => {
    const y = ys[k]!;
    const logpt = bceLogits(x, y);
    const focalTerm = (1 - Math.exp(-logpt)) ** gamma;
    let l = focalTerm * logpt;
    if (alpha !== undefined) l *= alpha * y + (1 - alpha) * (1 - y);
    total += l;
    focalSum += focalTerm;
  });
  let m = total / xs.length;
  if (normalized) m /= Math.max(focalSum, 1e-6);
  return m;
}
/** smp FocalLoss, mode 'binary'/'multilabel': every element at once. */
export const smp_focal = (x: F64Tensor, y: F64Tensor, o: SmpFocalOpts = {}): number => focalLossWithLogits(Array.from(x.data), Array.from(y.data), o);
/** smp FocalLoss, mode 'multiclass': Σ over classes c of the focal loss of x[:, c] against t == c at the non-ignored positions. */
export const smp_focal_multiclass = (x: F64Tensor, t: F64Tensor, o: SmpFocalOpts & { ignore_index?: number } = {}): number =>
  sumOf(Array.from(smp_focal_per_class(x, t, o).data));
/** The per-class terms of smp_focal_multiclass, [C]. */
export function smp_focal_per_class(x: F64Tensor, t: F64Tensor, o: SmpFocalOpts & { ignore_index?: number } = {}): F64Tensor {
  const { ignore_index = -100 } = o;
  const [B, C, S] = x.shape as [number, number, number];
  const out = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    const xs: number[] = [];
    const ys: number[] = [];
    for (let b = 0; b < B; b++) {
      for (let s = 0; s < S; s++) {
        const tv = t.data[b * S + s]!;
        if (tv === ignore_index) continue;
        xs.push(x.data[(b * C + c) * S + s]!);
        ys.push(tv === c ? 1 : 0);
      }
    }
    out[c] = focalLossWithLogits(xs, ys, o);
  }
  return { shape: [C], data: out };
}

/** smp SoftBCEWithLogitsLoss: soft targets (1 − y)·ε + y·(1 − ε), F.binary_cross_entropy_with_logits(pos_weight), mean. */
export const smp_soft_bce = (x: F64Tensor, y: F64Tensor, smoothFactor = 0, posWeight = 1): number =>
  sumOf(Array.from(smp_soft_bce_terms(x, y, smoothFactor, posWeight).data)) / x.data.length;
/** The per-element terms of smp_soft_bce (its reduction='none'). */
export const smp_soft_bce_terms = (x: F64Tensor, y: F64Tensor, smoothFactor = 0, posWeight = 1): F64Tensor =>
  ({ shape: [...x.shape], data: x.data.map((v, k) => bceLogits(v, (1 - y.data[k]!) * smoothFactor + y.data[k]! * (1 - smoothFactor), posWeight)) });

/** smp SoftCrossEntropyLoss: label_smoothed_nll_loss, ignored positions 0 in both terms, means over every position. */
export function smp_soft_ce(x: F64Tensor, t: F64Tensor, smoothFactor = 0, ignoreIndex = -100): number {
  const C = x.shape[x.shape.length - 1]!;
  let nll = 0;
  let smooth = 0;
  perIndexedRow(x, t, (row, c) => {
    if (c === ignoreIndex) return 0;
    const lp = logSoftmax(row);
    nll += -lp[c]!;
    smooth += -sumOf(lp);
    return 0;
  });
  const n = t.data.length;
  return (1 - smoothFactor) * (nll / n) + (smoothFactor / C) * (smooth / n);
}

/** smp MCCLoss: 1 − (tp·tn − fp·fn)/sqrt((tp + fp)(tp + fn)(tn + fp)(tn + fn)), each count + eps. */
export function smp_mcc(p: F64Tensor, y: F64Tensor, eps = 1e-5): number {
  let tp = eps, tn = eps, fp = eps, fn = eps;
  p.data.forEach((v, k) => {
    const g = y.data[k]!;
    tp += v * g;
    tn += (1 - v) * (1 - g);
    fp += v * (1 - g);
    fn += (1 - v) * g;
  });
  return 1 - (tp * tn - fp * fn) / Math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn));
}
