// segmentation_models_pytorch's DiceLoss in float64, written from its definition (smp.losses.
// DiceLoss.forward and soft_dice_score): an oracle that shares no code with the compiler, for
// test/flatten*.
import type { RefTensor } from '../src/reference/evaluate.js';

/**
 * smp.losses.DiceLoss(mode, from_logits=True, smooth, eps) in float64, as its forward reads:
 * y_pred viewed as [bs, C, -1], y_true one-hot as [bs, C, -1], dims = (0, 2),
 * dice = (2·Σ y_pred·y_true + smooth) / clamp_min(Σ (y_pred + y_true) + smooth, eps),
 * loss = (1 - dice) · (Σ y_true > 0), then the mean over classes.
 */
function smpDice(yPred: number[][][], yTrue: number[][][], smooth: number, eps: number): number {
  const C = yPred[0]!.length;
  let total = 0;
  for (let c = 0; c < C; c++) {
    let inter = 0;
    let card = 0;
    let present = 0;
    yPred.forEach((sample, b) => sample[c]!.forEach((p, s) => {
      const t = yTrue[b]![c]![s]!;
      inter += p * t;
      card += p + t;
      present += t;
    }));
    const dice = (2 * inter + smooth) / Math.max(card + smooth, eps);
    total += present > 0 ? 1 - dice : 0;
  }
  return total / C;
}

/** x: [B, C, H, W] row-major, viewed as [B][C][H·W] (torch's view(bs, C, -1)). */
function viewBC(x: RefTensor): number[][][] {
  const [B, C, H, W] = x.shape as [number, number, number, number];
  return Array.from({ length: B }, (_, b) => Array.from({ length: C }, (_, c) => Array.from({ length: H * W }, (_, s) => x.data[((b * C + c) * H * W) + s]!)));
}

export function smpMulticlass(x: RefTensor, t: RefTensor, smooth: number, eps: number): number {
  const [B, C, H, W] = x.shape as [number, number, number, number];
  const logits = viewBC(x);
  const probs = logits.map((sample) => {
    const out = sample.map((row) => row.map(() => 0));
    for (let s = 0; s < H * W; s++) {
      const m = Math.max(...sample.map((row) => row[s]!));
      const z = sample.reduce((a, row) => a + Math.exp(row[s]! - m), 0);
      sample.forEach((row, c) => (out[c]![s] = Math.exp(row[s]! - m) / z));
    }
    return out;
  });
  // y_true.view(bs, -1), one_hot, permute(0, 2, 1): [bs, C, H·W].
  const hot = Array.from({ length: B }, (_, b) => Array.from({ length: C }, (_, c) => Array.from({ length: H * W }, (_, s) => (t.data[b * H * W + s] === c ? 1 : 0))));
  return smpDice(probs, hot, smooth, eps);
}

export function smpBinary(x: RefTensor, y: RefTensor, smooth: number, eps: number): number {
  const [B, H, W] = x.shape as [number, number, number];
  const asBC = (v: RefTensor, f: (z: number) => number): number[][][] => Array.from({ length: B }, (_, b) => [Array.from({ length: H * W }, (_, s) => f(v.data[b * H * W + s]!))]);
  return smpDice(asBC(x, (z) => 1 / (1 + Math.exp(-z))), asBC(y, (z) => z), smooth, eps);
}
