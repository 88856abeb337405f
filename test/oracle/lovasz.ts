/**
 * segmentation_models_pytorch's LovaszLoss (smp/losses/lovasz.py, Berman et al., 2018), in
 * float64, written from smp's code: filter out the ignored pixels, sort the errors largest
 * first, _lovasz_grad of the labels in that order (1 - intersection/union and its steps), the
 * dot product. Inputs are [B, C, ...spatial] flat row-major (x) and [B, C, ...] labels
 * (binary/multilabel) or [B, ...] class indices (multiclass).
 */
import type { F64Tensor } from './tensor.js';

/** smp's _lovasz_grad: the steps of 1 - (gts - cumsum(g)) / (gts + cumsum(1 - g)). */
export function lovaszGrad(gtSorted: readonly number[]): number[] {
  const p = gtSorted.length;
  const gts = gtSorted.reduce((a, b) => a + b, 0);
  let fg = 0;
  let bg = 0;
  const jaccard = gtSorted.map((g) => {
    fg += g;
    bg += 1 - g;
    return 1 - (gts - fg) / (gts + bg);
  });
  const grad = [...jaccard];
  if (p > 1) for (let i = p - 1; i >= 1; i--) grad[i] = jaccard[i]! - jaccard[i - 1]!;
  return grad;
}

/** The order that sorts `errors` largest first (ties: lower position first; the value does not depend on it). */
function descendingOrder(errors: readonly number[]): number[] {
  return errors.map((_, i) => i).sort((a, b) => errors[b]! - errors[a]! || a - b);
}

/** smp's _lovasz_hinge_flat: 0 for no pixel. */
export function lovaszHingeFlat(logits: readonly number[], labels: readonly number[]): number {
  if (labels.length === 0) return 0;
  const errors = logits.map((x, i) => 1 - x * (2 * labels[i]! - 1));
  const perm = descendingOrder(errors);
  const grad = lovaszGrad(perm.map((i) => labels[i]!));
  return perm.reduce((acc, i, j) => acc + Math.max(errors[i]!, 0) * grad[j]!, 0);
}

/** smp's mean helper: plain mean, `empty` for none. */
function smpMean(values: readonly number[], empty = 0): number {
  return values.length === 0 ? empty : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Pixels kept: each (logit, label) whose label is not `ignore`. */
function kept(logits: readonly number[], labels: readonly number[], ignore: number | undefined): [number[], number[]] {
  const keep = labels.map((l) => ignore === undefined || l !== ignore);
  return [logits.filter((_, i) => keep[i]), labels.filter((_, i) => keep[i])];
}

export interface LovaszOptions {
  readonly perImage?: boolean;
  readonly ignoreIndex?: number;
}

/** LovaszLoss(mode='binary' or 'multilabel'): smp's _lovasz_hinge on logits x and labels y of one shape [B, ...]. */
export function smp_lovasz(x: F64Tensor, y: F64Tensor, opts: LovaszOptions = {}): number {
  const B = x.shape[0]!;
  const per = x.data.length / B;
  const xs = Array.from(x.data);
  const ys = Array.from(y.data);
  if (!opts.perImage) return lovaszHingeFlat(...kept(xs, ys, opts.ignoreIndex));
  const losses = Array.from({ length: B }, (_, b) => lovaszHingeFlat(...kept(xs.slice(b * per, (b + 1) * per), ys.slice(b * per, (b + 1) * per), opts.ignoreIndex)));
  return smpMean(losses);
}

/**
 * smp's _lovasz_softmax_flat on probabilities [P][C] and labels [P] (ignored pixels removed):
 * per class, the dot product of the sorted errors |fg - p_c| with _lovasz_grad of fg; the mean
 * over the classes present (or all). With no pixel smp returns an empty tensor: here
 * undefined.
 */
export function lovaszSoftmaxFlat(probas: readonly (readonly number[])[], labels: readonly number[], classes: 'present' | 'all'): number | undefined {
  if (probas.length === 0) return undefined;
  const C = probas[0]!.length;
  const losses: number[] = [];
  for (let c = 0; c < C; c++) {
    const fg = labels.map((l) => (l === c ? 1 : 0));
    if (classes === 'present' && fg.every((v) => v === 0)) continue;
    const errors = probas.map((row, i) => Math.abs(fg[i]! - row[c]!));
    const perm = descendingOrder(errors);
    const grad = lovaszGrad(perm.map((i) => fg[i]!));
    losses.push(perm.reduce((acc, i, j) => acc + errors[i]! * grad[j]!, 0));
  }
  return smpMean(losses);
}

export interface LovaszSoftmaxOptions extends LovaszOptions {
  readonly classes?: 'present' | 'all';
}

/**
 * LovaszLoss(mode='multiclass'): softmax of logits x [B, C, ...] over C, class indices t
 * [B, ...]. Where smp gives an empty tensor (every pixel ignored) this gives 0, lossc's value.
 */
export function smp_lovasz_multiclass(x: F64Tensor, t: F64Tensor, opts: LovaszSoftmaxOptions = {}): number {
  const [B, C] = [x.shape[0]!, x.shape[1]!];
  const S = x.data.length / (B * C);
  const classes = opts.classes ?? 'present';
  // [B][S][C] probabilities: softmax over C at each pixel, in float64.
  const probas = Array.from({ length: B }, (_, b) =>
    Array.from({ length: S }, (_, s) => {
      const z = Array.from({ length: C }, (_, c) => x.data[(b * C + c) * S + s]!);
      const m = Math.max(...z);
      const e = z.map((v) => Math.exp(v - m));
      const sum = e.reduce((a, v) => a + v, 0);
      return e.map((v) => v / sum);
    }),
  );
  const labels = Array.from({ length: B }, (_, b) => Array.from({ length: S }, (_, s) => t.data[b * S + s]!));
  const flat = (bs: readonly number[]): number => {
    const rows: number[][] = [];
    const ls: number[] = [];
    for (const b of bs) {
      for (let s = 0; s < S; s++) {
        if (opts.ignoreIndex !== undefined && labels[b]![s] === opts.ignoreIndex) continue;
        rows.push(probas[b]![s]!);
        ls.push(labels[b]![s]!);
      }
    }
    return lovaszSoftmaxFlat(rows, ls, classes) ?? 0;
  };
  if (!opts.perImage) return flat(Array.from({ length: B }, (_, b) => b));
  return smpMean(Array.from({ length: B }, (_, b) => flat([b])));
}
