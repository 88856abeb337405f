// torch.nn.functional.interpolate's nearest modes, in float64 from ATen's definition
// (aten/src/ATen/native/UpSample.h, the output size given, no scale factor): the scale is the
// float32 quotient in/out; 'nearest' reads floor(d · scale) in float32 (d itself when the sizes
// agree, d >> 1 when the output is twice the input), 'nearest-exact' floor((d + 0.5) · scale)
// with the double product rounded to float32 by floorf's argument; both at most in - 1.
// MONAI's DeepSupervisionLoss (monai/losses/ds_loss.py) brings the target to each head so.

import { monai_dice_ce } from './peers2.js';
import { sizeOf, type F64Tensor } from './tensor.js';

const f32 = new Float32Array(1);
/** x rounded to float32 (through a Float32Array store). */
const toF32 = (x: number): number => {
  f32[0] = x;
  return f32[0];
};

export type NearestMode = 'nearest' | 'nearest-exact';

/** ATen's source index for output position d. */
export function torchNearestIndex(mode: NearestMode, d: number, inSize: number, outSize: number): number {
  const scale = toF32(toF32(inSize) / outSize);
  if (mode === 'nearest') {
    if (outSize === inSize) return d;
    if (outSize === 2 * inSize) return d >> 1;
    return Math.min(Math.floor(toF32(toF32(d) * scale)), inSize - 1);
  }
  return Math.min(Math.floor(toF32((d + 0.5) * scale)), inSize - 1);
}

/** F.interpolate(x, size=out, mode=mode) of x [B, C, ...spatial]. */
export function interpolateNearest(x: F64Tensor, out: readonly number[], mode: NearestMode): F64Tensor {
  const [B, C, ...inp] = x.shape as number[];
  const shape = [B!, C!, ...out];
  const data = new Float64Array(sizeOf(shape));
  const inSize = sizeOf(inp);
  const outSize = sizeOf(out);
  for (let o = 0; o < outSize; o++) {
    // The output position's coordinates, row-major, and the source's.
    let rem = o;
    const coords: number[] = [];
    for (let j = out.length - 1; j >= 0; j--) {
      coords.unshift(rem % out[j]!);
      rem = Math.floor(rem / out[j]!);
    }
    let src = 0;
    coords.forEach((d, j) => (src = src * inp[j]! + torchNearestIndex(mode, d, inp[j]!, out[j]!)));
    for (let bc = 0; bc < B! * C!; bc++) data[bc * outSize + o] = x.data[bc * inSize + src]!;
  }
  return { shape, data };
}

/** [B, C, ...spatial] as [B, C, S], the form the MONAI oracles take. */
export const flatSpatial = (t: F64Tensor): F64Tensor => ({ shape: [t.shape[0]!, t.shape[1]!, sizeOf(t.shape.slice(2))], data: t.data });

/** MONAI's get_weights for weight_mode 'same', 'exp', 'two'. */
export const DS_WEIGHTS = {
  same: () => 1,
  exp: (k: number) => Math.max(0.5 ** k, 0.0625),
  two: (k: number) => (k === 0 ? 1 : 0.5),
} as const;

/**
 * monai.losses.DeepSupervisionLoss(DiceCELoss(softmax=True), weight_mode): Σ_k w_k ·
 * DiceCE(heads[k], y interpolated to heads[k]'s size with 'nearest-exact' when the sizes differ).
 */
export function deepSupervisionDiceCE(heads: readonly F64Tensor[], y: F64Tensor, mode: keyof typeof DS_WEIGHTS): number {
  return heads.reduce((acc, h, k) => {
    const same = h.shape.slice(2).every((n, j) => n === y.shape[2 + j]);
    const target = same ? y : interpolateNearest(y, h.shape.slice(2), 'nearest-exact');
    return acc + DS_WEIGHTS[mode](k) * monai_dice_ce(flatSpatial(h), flatSpatial(target), { softmax: true });
  }, 0);
}
