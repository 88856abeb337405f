/**
 * MONAI 1.5.0's class `weight` in DiceLoss, FocalLoss and DiceFocalLoss, in float64,
 * written from MONAI's own code (monai/losses/dice.py, focal_loss.py, utils.py's
 * compute_tp_fp_fn), sharing nothing with the compiler or with the other oracles. Layout [B, C, S]: MONAI's spatial dims flattened (every
 * MONAI reduction over them is a sum or a mean over all of them).
 *
 *   the target: probabilities [B, C, S], or class indices [B, S] (MONAI's [B, 1, ...]) made
 *     one-hot when C > 1 (to_onehot_y); without the background (C > 1): channels 1..C-1 only.
 *   DiceLoss: per (b, c) f = 1 - (2·tp + nr)/(2·(tp + fp/2 + fn/2) + dr) (jaccard: fp, fn not
 *     halved), then f·w[c] when the kept channels are more than one, then torch.mean/sum.
 *   FocalLoss: per element, sigmoid: (x - x·y - logσ(x))·exp(γ·logσ(-x·(2y - 1))), times
 *     y·α + (1 - y)(1 - α) with alpha; softmax: -(1 - e^ls)^γ·ls·y, ls = log_softmax over the
 *     kept channels, times (1 - α, α, α, ...) with alpha (dropped without the background);
 *     then ·w[c] as DiceLoss; 'mean' over every element, 'sum' Σ_{b,c} mean_S.
 *   DiceFocalLoss: the same weight (kept channels) to both parts.
 *
 * `weight` here is MONAI's: the kept channels' weights (C - 1 of them without the background).
 */
import type { F64Tensor } from './tensor.js';

export type Activation = 'none' | 'sigmoid' | 'softmax';
export interface DiceOpts {
  include_background?: boolean;
  activation?: Activation;
  squared_pred?: boolean;
  jaccard?: boolean;
  smooth_nr?: number;
  smooth_dr?: number;
  batch?: boolean;
  soft_label?: boolean;
  weight?: readonly number[];
  reduction?: 'mean' | 'sum';
}
export interface FocalOpts {
  include_background?: boolean;
  gamma?: number;
  alpha?: number;
  use_softmax?: boolean;
  weight?: readonly number[];
  reduction?: 'mean' | 'sum';
}

/** [b][c][s] arrays. */
type Cube = number[][][];

function cube(t: F64Tensor): Cube {
  const [B, C] = [t.shape[0]!, t.shape[1]!];
  const S = t.data.length / (B * C);
  return Array.from({ length: B }, (_, b) => Array.from({ length: C }, (_, c) => Array.from({ length: S }, (_, s) => t.data[(b * C + c) * S + s]!)));
}

/** The target as probabilities [B, C, S]: indices [B, S] one-hot over C (C > 1). */
export function targetCube(y: F64Tensor, C: number): Cube {
  if (y.shape.length === 3 && y.shape[1] === C) return cube(y);
  const B = y.shape[0]!;
  const S = y.data.length / B;
  return Array.from({ length: B }, (_, b) => Array.from({ length: C }, (_, c) => Array.from({ length: S }, (_, s) => (y.data[b * S + s] === c ? 1 : 0))));
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));
const logSigmoid = (v: number): number => (v >= 0 ? -Math.log1p(Math.exp(-v)) : v - Math.log1p(Math.exp(v)));

function activate(x: Cube, a: Activation): Cube {
  const C = x[0]!.length;
  if (a === 'sigmoid') return x.map((bc) => bc.map((row) => row.map(sigmoid)));
  if (a === 'softmax' && C > 1) {
    return x.map((bc) => {
      const S = bc[0]!.length;
      const out = bc.map((row) => row.slice());
      for (let s = 0; s < S; s++) {
        const m = Math.max(...bc.map((row) => row[s]!));
        const z = bc.reduce((acc, row) => acc + Math.exp(row[s]! - m), 0);
        bc.forEach((row, c) => (out[c]![s] = Math.exp(row[s]! - m) / z));
      }
      return out;
    });
  }
  return x;
}

/** MONAI's torch.mean or torch.sum of the weighted per-(b, c) or per-element losses. */
const reduce = (vals: number[], r: 'mean' | 'sum'): number => {
  const s = vals.reduce((a, v) => a + v, 0);
  return r === 'sum' ? s : s / vals.length;
};

/** The kept channels' weight of channel k (of the kept ones), 1 when one channel is kept. */
function classWeight(weight: readonly number[] | undefined, kept: number, k: number): number {
  if (!weight || kept === 1) return 1;
  if (weight.length !== kept) throw new Error(`MONAI raises: weight has ${weight.length} values for ${kept} classes`);
  return weight[k]!;
}

/** monai.losses.DiceLoss(include_background, softmax/sigmoid, ..., weight, reduction)(x, y). */
export function diceLoss(x: F64Tensor, y: F64Tensor, o: DiceOpts = {}): number {
  const C = x.shape[1]!;
  let input = activate(cube(x), o.activation ?? 'none');
  let target = targetCube(y, C);
  if (o.include_background === false && C > 1) {
    input = input.map((bc) => bc.slice(1));
    target = target.map((bc) => bc.slice(1));
  }
  const B = input.length;
  const K = input[0]!.length;
  const S = input[0]![0]!.length;
  const nr = o.smooth_nr ?? 1e-5;
  const dr = o.smooth_dr ?? 1e-5;
  const ord = o.squared_pred ? 2 : 1;
  // compute_tp_fp_fn over the spatial positions (and the batch with `batch`).
  const terms = (bs: number[], k: number): number => {
    let tp: number, fp: number, fn: number;
    if (ord === 1 && !o.soft_label) {
      let pt = 0, p = 0, t = 0;
      for (const b of bs) for (let s = 0; s < S; s++) {
        pt += input[b]![k]![s]! * target[b]![k]![s]!;
        p += input[b]![k]![s]!;
        t += target[b]![k]![s]!;
      }
      tp = pt;
      fp = p - tp;
      fn = t - tp;
    } else {
      // vector norms of order ord, raised to ord when ord > 1.
      let po = 0, go = 0, d = 0;
      for (const b of bs) for (let s = 0; s < S; s++) {
        const [pi, ti] = [input[b]![k]![s]!, target[b]![k]![s]!];
        po += Math.abs(pi) ** ord;
        go += Math.abs(ti) ** ord;
        d += Math.abs(pi - ti) ** ord;
      }
      tp = (po + go - d) / 2;
      fp = po - tp;
      fn = go - tp;
    }
    if (!o.jaccard) {
      fp *= 0.5;
      fn *= 0.5;
    }
    return 1 - (2 * tp + nr) / (2 * (tp + fp + fn) + dr);
  };
  const vals: number[] = [];
  const rows = o.batch ? [[...Array(B).keys()]] : [...Array(B).keys()].map((b) => [b]);
  for (const bs of rows) for (let k = 0; k < K; k++) vals.push(terms(bs, k) * classWeight(o.weight, K, k));
  return reduce(vals, o.reduction ?? 'mean');
}

/** monai.losses.FocalLoss(include_background, gamma, alpha, weight, use_softmax, reduction)(x, y). */
export function focalLoss(x: F64Tensor, y: F64Tensor, o: FocalOpts = {}): number {
  const C = x.shape[1]!;
  let input = cube(x);
  let target = targetCube(y, C);
  if (o.include_background === false && C > 1) {
    input = input.map((bc) => bc.slice(1));
    target = target.map((bc) => bc.slice(1));
  }
  const gamma = o.gamma ?? 2;
  let alpha = o.alpha;
  const K = input[0]!.length;
  const S = input[0]![0]!.length;
  const per: number[][][] = [];
  for (let b = 0; b < input.length; b++) {
    const bc: number[][] = [];
    for (let k = 0; k < K; k++) bc.push(Array<number>(S).fill(0));
    for (let s = 0; s < S; s++) {
      if (o.use_softmax) {
        if (o.include_background === false) alpha = undefined;
        const col = input[b]!.map((row) => row[s]!);
        const m = Math.max(...col);
        const lse = m + Math.log(col.reduce((a, v) => a + Math.exp(v - m), 0));
        for (let k = 0; k < K; k++) {
          const ls = col[k]! - lse;
          let l = -((1 - Math.exp(ls)) ** gamma) * ls * target[b]![k]![s]!;
          if (alpha !== undefined) l *= k === 0 ? 1 - alpha : alpha;
          bc[k]![s] = l;
        }
      } else {
        for (let k = 0; k < K; k++) {
          const [xi, t] = [input[b]![k]![s]!, target[b]![k]![s]!];
          let l = xi - xi * t - logSigmoid(xi);
          l = Math.exp(logSigmoid(-xi * (t * 2 - 1)) * gamma) * l;
          if (alpha !== undefined) l *= t * alpha + (1 - t) * (1 - alpha);
          bc[k]![s] = l;
        }
      }
    }
    per.push(bc);
  }
  for (const bc of per) bc.forEach((row, k) => row.forEach((v, s) => (row[s] = classWeight(o.weight, K, k) * v)));
  if ((o.reduction ?? 'mean') === 'sum') return per.flatMap((bc) => bc.map((row) => row.reduce((a, v) => a + v, 0) / S)).reduce((a, v) => a + v, 0);
  return reduce(per.flat(2), 'mean');
}

/** monai.losses.DiceFocalLoss(..., gamma, weight (kept channels), lambda_dice, lambda_focal, alpha)(x, y). */
export function diceFocalLoss(x: F64Tensor, y: F64Tensor, o: DiceOpts & { gamma?: number; alpha?: number; lambda_dice?: number; lambda_focal?: number } = {}): number {
  const dice = diceLoss(x, y, o);
  const focal = focalLoss(x, y, {
    ...(o.include_background !== undefined ? { include_background: o.include_background } : {}),
    gamma: o.gamma ?? 2,
    ...(o.alpha !== undefined ? { alpha: o.alpha } : {}),
    ...(o.weight ? { weight: o.weight } : {}),
    ...(o.reduction ? { reduction: o.reduction } : {}),
  });
  return (o.lambda_dice ?? 1) * dice + (o.lambda_focal ?? 1) * focal;
}
