/**
 * Losses over a rest group of dims that is not first (`[B, C, ...]`, `[B, ..., D]`), in float64,
 * written from their definitions with explicit loops over row-major data: MONAI's
 * DiceLoss(sigmoid=True, smooth_nr, smooth_dr) on [B, C, spatial...], and sums along one axis
 * before or after the spatial dims. No code shared with src/.
 */
import type { F64Tensor } from './tensor.js';

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));
const product = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

/**
 * MONAI DiceLoss(sigmoid=True, smooth_nr=s, smooth_dr=s, reduction='mean') on x, y of shape
 * [B, C, spatial...]: per (b, c), 1 - (2·Σ p·y + s) / (Σ p + Σ y + s) over the spatial dims with
 * p = sigmoid(x); the mean of those B·C values. `perSample` gives them as [B, C].
 */
export function monaiSigmoidDice(x: F64Tensor, y: F64Tensor, smooth: number): { mean: number; perSample: F64Tensor } {
  const [B, C] = [x.shape[0]!, x.shape[1]!];
  const S = product(x.shape.slice(2));
  const out = new Float64Array(B * C);
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      let inter = 0;
      let ps = 0;
      let ys = 0;
      for (let s = 0; s < S; s++) {
        const k = (b * C + c) * S + s;
        const p = sigmoid(x.data[k]!);
        inter += p * y.data[k]!;
        ps += p;
        ys += y.data[k]!;
      }
      out[b * C + c] = 1 - (2 * inter + smooth) / (ps + ys + smooth);
    }
  }
  return { mean: out.reduce((a, v) => a + v, 0) / out.length, perSample: { shape: [B, C], data: out } };
}

/** Σ_d (x - y)² along the last axis of [B, rest..., D]: a tensor [B, rest...]. */
export function squaredDistanceLast(x: F64Tensor, y: F64Tensor): F64Tensor {
  const D = x.shape[x.shape.length - 1]!;
  const rows = x.data.length / D;
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let d = 0; d < D; d++) s += (x.data[r * D + d]! - y.data[r * D + d]!) ** 2;
    out[r] = s;
  }
  return { shape: x.shape.slice(0, -1), data: out };
}

/** Σ_c (x - y)² along the second axis of [B, C, rest...]: a tensor [B, rest...]. */
export function squaredDistanceChannels(x: F64Tensor, y: F64Tensor): F64Tensor {
  const [B, C] = [x.shape[0]!, x.shape[1]!];
  const S = product(x.shape.slice(2));
  const out = new Float64Array(B * S);
  for (let b = 0; b < B; b++) {
    for (let s = 0; s < S; s++) {
      let sum = 0;
      for (let c = 0; c < C; c++) {
        const k = (b * C + c) * S + s;
        sum += (x.data[k]! - y.data[k]!) ** 2;
      }
      out[b * S + s] = sum;
    }
  }
  return { shape: [B, ...x.shape.slice(2)], data: out };
}

/**
 * The mean of x over the elements whose mask m[b, rest...] holds, for x: [B, C, rest...] (each
 * selected position counts once per channel); `empty` when the mask selects nothing.
 */
export function maskedMeanChannels(x: F64Tensor, m: F64Tensor, empty: number): number {
  const [B, C] = [x.shape[0]!, x.shape[1]!];
  const S = product(x.shape.slice(2));
  let sum = 0;
  let count = 0;
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      for (let s = 0; s < S; s++) {
        if (m.data[b * S + s] === 0) continue;
        sum += x.data[(b * C + c) * S + s]!;
        count++;
      }
    }
  }
  return count === 0 ? empty : sum / count;
}
