// MONAI's to_onehot_y=True in float64, written from MONAI 1.5's definitions (monai/losses/
// dice.py: DiceLoss, DiceCELoss; monai/networks/utils.py one_hot): the target given as class
// indices [B, S] (MONAI's [B, 1, ...] with the spatial dims flattened) is made one-hot along
// the channel axis, [B, C, S], before the loss; DiceCELoss's cross-entropy term reads the
// indices directly (torch.nn.CrossEntropyLoss with class-index targets and label smoothing).
import { monai_dice, type MonaiOpts } from './peers2.js';
import type { F64Tensor } from './tensor.js';

/** monai.networks.utils.one_hot(labels, C, dim=1) of indices t [B, S]: [B, C, S]. */
export function oneHotChannels(t: F64Tensor, C: number): F64Tensor {
  const [B, S] = [t.shape[0]!, t.data.length / t.shape[0]!];
  const data = new Float64Array(B * C * S);
  for (let b = 0; b < B; b++) for (let s = 0; s < S; s++) data[(b * C + t.data[b * S + s]!) * S + s] = 1;
  return { shape: [B, C, S], data };
}

/**
 * monai.losses.DiceCELoss(to_onehot_y=True, ...)(x, t) for x [B, C, S] and indices t [B, S]:
 * the Dice term of the one-hot target, and torch's cross-entropy on the indices themselves,
 * per position (1 − ε)·(−log_softmax(x)[t]) + ε·mean_c(−log_softmax(x)_c), averaged.
 */
export function monaiDiceCeIndices(x: F64Tensor, t: F64Tensor, o: MonaiOpts & { lambda_dice?: number; lambda_ce?: number; label_smoothing?: number } = {}): number {
  const { lambda_dice = 1, lambda_ce = 1, label_smoothing: eps = 0 } = o;
  const [B, C] = [x.shape[0]!, x.shape[1]!];
  const S = x.data.length / (B * C);
  let ce = 0;
  for (let b = 0; b < B; b++) {
    for (let s = 0; s < S; s++) {
      const col = Array.from({ length: C }, (_, c) => x.data[(b * C + c) * S + s]!);
      const m = Math.max(...col);
      const lse = m + Math.log(col.reduce((acc, v) => acc + Math.exp(v - m), 0));
      const ls = col.map((v) => v - lse);
      ce += (1 - eps) * -ls[t.data[b * S + s]!]! + (eps * -ls.reduce((a, v) => a + v, 0)) / C;
    }
  }
  return lambda_dice * monai_dice(x, oneHotChannels(t, C), { ...o, soft_label: false }) + (lambda_ce * ce) / (B * S);
}
