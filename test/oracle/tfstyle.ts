/**
 * Losses whose semantics are tf.losses' (TensorFlow.js 4.22 `tf.losses.*`), float64 references.
 * Reductions follow the project convention (reduce.ts), which equals tf's Reduction.MEAN /
 * SUM / NONE; tf's default SUM_BY_NONZERO_WEIGHTS equals 'mean' when no weight is zero.
 */
import { reduce, sameShape, type Reduced, type ReduceOpts, type Reduction } from './reduce.js';
import { el, sizeOf, zipWith, type F64Tensor } from './tensor.js';

/**
 * tf.losses.hingeLoss(labels, predictions): labels in {0, 1} are mapped to y = 2·label − 1 ∈ {−1, 1},
 * l = relu(1 − y·x). Default reduction 'mean'.
 */
export function hinge<R extends Reduction = 'mean'>(
  labels: F64Tensor,
  predictions: F64Tensor,
  opts: ReduceOpts<R> = {},
): Reduced<R> {
  sameShape(labels, predictions, 'hinge');
  const l = zipWith(labels, predictions, (t, x) => Math.max(0, 1 - (2 * t - 1) * x));
  return reduce(l, opts) as Reduced<R>;
}

/**
 * tf.losses.cosineDistance(labels, predictions, axis): l = 1 − Σ_axis labels·predictions, the axis
 * KEPT with size 1 (tf sums with keepDims = true, so 'none' has that shape). The inputs are
 * assumed already unit-normalised along the axis, as tf assumes; nothing is normalised here.
 */
export function cosine_distance<R extends Reduction = 'mean'>(
  labels: F64Tensor,
  predictions: F64Tensor,
  axis: number,
  opts: ReduceOpts<R> = {},
): Reduced<R> {
  sameShape(labels, predictions, 'cosine_distance');
  const r = labels.shape.length;
  const ax = axis < 0 ? axis + r : axis;
  if (!(ax >= 0 && ax < r)) throw new Error(`cosine_distance: axis ${axis} out of range for rank ${r}`);
  const outer = sizeOf(labels.shape.slice(0, ax));
  const len = labels.shape[ax] ?? 1;
  const inner = sizeOf(labels.shape.slice(ax + 1));
  const out = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let s = 0;
      for (let k = 0; k < len; k++) {
        const j = (o * len + k) * inner + i;
        s += el(labels.data, j) * el(predictions.data, j);
      }
      out[o * inner + i] = 1 - s;
    }
  }
  const shape = labels.shape.map((d, i) => (i === ax ? 1 : d));
  return reduce({ shape, data: out }, opts) as Reduced<R>;
}
