/**
 * Reductions and weights, shared by the oracles.
 *
 * Convention (the project's, see DESIGN.md "Semantics that hold everywhere"):
 *   'none' → w·l elementwise (l when no weights),
 *   'sum'  → Σ w·l,
 *   'mean' → Σ w·l / Σ w   (Σ over the weights broadcast to the loss shape; = mean(l) without weights).
 * This is also what tf.losses.computeWeightedLoss does for Reduction.MEAN / SUM / NONE.
 * NOTE: PyTorch's own per-element `weight` of BCELoss divides the mean by the element count
 * instead; the oracles follow the project convention above, not that one.
 *
 * Weights may be given per sample: their shape is aligned from the LEFT with the loss shape
 * and broadcast over the trailing dims ([N] on [N, D]); any weight dim may also be 1.
 */
import { el, sizeOf, stridesOf, type F64Tensor } from './tensor.js';

export type Reduction = 'mean' | 'sum' | 'none';

/** What a loss returns for a reduction: a number, or the per-element tensor for 'none'. */
export type Reduced<R extends Reduction> = R extends 'none' ? F64Tensor : number;

export interface ReduceOpts<R extends Reduction = Reduction> {
  /** Default 'mean'. */
  reduction?: R;
  /** Per-element or per-sample weights (left-aligned broadcast). */
  weights?: F64Tensor;
}

/** The weights broadcast (left-aligned) to `shape`, or undefined when none were given. */
export function expandWeights(weights: F64Tensor | undefined, shape: readonly number[]): Float64Array | undefined {
  if (!weights) return undefined;
  const ws = weights.shape;
  const bad = (): Error =>
    new Error(`weights of shape [${ws.join(', ')}] do not broadcast (left-aligned) to loss shape [${shape.join(', ')}]`);
  if (ws.length > shape.length) throw bad();
  ws.forEach((d, i) => {
    if (d !== 1 && d !== shape[i]) throw bad();
  });
  const n = sizeOf(shape);
  const outSt = stridesOf(shape);
  const wSt = stridesOf(ws);
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let rem = k;
    let off = 0;
    for (let d = 0; d < shape.length; d++) {
      const st = outSt[d] ?? 1;
      const i = Math.floor(rem / st);
      rem -= i * st;
      if (d < ws.length && (ws[d] ?? 1) !== 1) off += i * (wSt[d] ?? 0);
    }
    out[k] = el(weights.data, off);
  }
  return out;
}

/** Applies the reduction convention above to a tensor of per-element losses. */
export function reduce(loss: F64Tensor, opts: ReduceOpts = {}): number | F64Tensor {
  const r = opts.reduction ?? 'mean';
  const w = expandWeights(opts.weights, loss.shape);
  const n = loss.data.length;
  if (r === 'none') {
    if (!w) return { shape: [...loss.shape], data: Float64Array.from(loss.data) };
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = el(w, i) * el(loss.data, i);
    return { shape: [...loss.shape], data: out };
  }
  let s = 0;
  let sw = 0;
  for (let i = 0; i < n; i++) {
    const wi = w ? el(w, i) : 1;
    s += wi * el(loss.data, i);
    sw += wi;
  }
  if (r === 'sum') return s;
  if (r === 'mean') return s / sw; // empty or Σw = 0 gives NaN, as torch / tf do
  throw new Error(`unknown reduction ${String(r)}`);
}

/**
 * Reduction when each element carries its own normaliser (torch's class-weighted NLL /
 * cross-entropy: the mean divides by Σ weight[target], not by N).
 *   'mean' = Σ s·l / Σ s·den, with s the (optional) user weights.
 */
export function reduceWithDenominator(
  loss: F64Tensor,
  den: Float64Array,
  opts: ReduceOpts = {},
): number | F64Tensor {
  const r = opts.reduction ?? 'mean';
  if (r !== 'mean') return reduce(loss, opts);
  const w = expandWeights(opts.weights, loss.shape);
  let s = 0;
  let sd = 0;
  for (let i = 0; i < loss.data.length; i++) {
    const wi = w ? el(w, i) : 1;
    s += wi * el(loss.data, i);
    sd += wi * el(den, i);
  }
  return s / sd;
}

/** Checks that two tensors have the same shape (torch losses mostly require it). */
export function sameShape(a: F64Tensor, b: F64Tensor, what: string): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new Error(`${what}: shapes [${a.shape.join(', ')}] and [${b.shape.join(', ')}] differ`);
  }
}
