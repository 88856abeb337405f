/**
 * Float64 oracles for peer options, written from the peers' own code and sharing nothing with
 * the compiler:
 * - segmentation_models_pytorch 0.3 (losses/dice.py, jaccard.py, tversky.py, focal.py,
 *   _functional.py): DiceLoss/JaccardLoss/TverskyLoss with `classes` (the per-class losses
 *   `loss[classes]` averaged), FocalLoss's focal_loss_with_logits with `reduced_threshold`;
 * - Keras 3 (keras/src/losses/losses.py, sparse_categorical_crossentropy with ignore_class, and
 *   loss.py's apply_mask / reduce_weighted_values) on its tensorflow backend.
 * Tensors are nested arrays: x[b][c][s] over [B, C, S] (the spatial dims flattened, as smp's
 * view(bs, num_classes, -1)), rows[i][c] for Keras.
 */

const sigmoid = (v: number): number => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));
const softplus = (v: number): number => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));

export interface SmpDiceOptions {
  readonly score?: 'dice' | 'jaccard' | 'tversky';
  readonly fromLogits?: boolean;
  readonly logLoss?: boolean;
  readonly smooth?: number;
  readonly eps?: number;
  readonly alpha?: number;
  readonly beta?: number;
  readonly gamma?: number;
  /** smp's `classes`: the class indices whose losses are averaged. */
  readonly classes?: readonly number[];
}

/**
 * smp's DiceLoss / JaccardLoss / TverskyLoss in mode 'multilabel' (sigmoid) on [B, C, S], or
 * 'multiclass' (softmax over C) when `t` holds class indices t[b][s] (ignoreIndex zeroes the
 * prediction and the one-hot target there).
 */
export function smpDice(x: number[][][], target: { y: number[][][] } | { t: number[][]; ignoreIndex?: number }, o: SmpDiceOptions = {}): number {
  const B = x.length;
  const C = x[0]!.length;
  const S = x[0]![0]!.length;
  const fromLogits = o.fromLogits ?? true;
  const smooth = o.smooth ?? 0;
  const eps = o.eps ?? 1e-7;
  const p: number[][][] = [];
  const y: number[][][] = [];
  for (let b = 0; b < B; b++) {
    p.push([]);
    y.push([]);
    for (let c = 0; c < C; c++) {
      p[b]!.push([]);
      y[b]!.push([]);
      for (let s = 0; s < S; s++) {
        let pv: number;
        let yv: number;
        if ('y' in target) {
          pv = fromLogits ? sigmoid(x[b]![c]![s]!) : x[b]![c]![s]!;
          yv = target.y[b]![c]![s]!;
        } else {
          const col = x[b]!.map((row) => row[s]!);
          const m = Math.max(...col);
          const z = col.reduce((a, v) => a + Math.exp(v - m), 0);
          pv = fromLogits ? Math.exp(col[c]! - m) / z : x[b]![c]![s]!;
          const t = target.t[b]![s]!;
          const keep = target.ignoreIndex === undefined || t !== target.ignoreIndex ? 1 : 0;
          pv *= keep;
          yv = keep && t === c ? 1 : 0;
        }
        p[b]![c]!.push(pv);
        y[b]![c]!.push(yv);
      }
    }
  }
  // Per class, over dims (0, 2): smp's soft_*_score.
  const losses: number[] = [];
  for (let c = 0; c < C; c++) {
    let inter = 0;
    let card = 0;
    let fp = 0;
    let fn = 0;
    let ysum = 0;
    for (let b = 0; b < B; b++) {
      for (let s = 0; s < S; s++) {
        const pv = p[b]![c]![s]!;
        const yv = y[b]![c]![s]!;
        inter += pv * yv;
        card += pv + yv;
        fp += pv * (1 - yv);
        fn += (1 - pv) * yv;
        ysum += yv;
      }
    }
    let score: number;
    if ((o.score ?? 'dice') === 'dice') score = (2 * inter + smooth) / Math.max(card + smooth, eps);
    else if (o.score === 'jaccard') score = (inter + smooth) / Math.max(card - inter + smooth, eps);
    else score = (inter + smooth) / Math.max(inter + (o.alpha ?? 0.5) * fp + (o.beta ?? 0.5) * fn + smooth, eps);
    const l = o.logLoss ? -Math.log(Math.max(score, eps)) : 1 - score;
    losses.push(ysum > 0 ? l : 0);
  }
  const picked = o.classes ? o.classes.map((c) => losses[c]!) : losses;
  const mean = picked.reduce((a, v) => a + v, 0) / picked.length;
  return o.score === 'tversky' ? Math.pow(mean, o.gamma ?? 1) : mean;
}

export interface SmpFocalOptions {
  readonly gamma?: number;
  readonly alpha?: number;
  readonly normalized?: boolean;
  readonly reducedThreshold?: number;
}

/** smp's focal_loss_with_logits over flat logits and targets, reduction 'mean'. */
export function smpFocalWithLogits(x: readonly number[], y: readonly number[], o: SmpFocalOptions = {}): number {
  const gamma = o.gamma ?? 2;
  let total = 0;
  let norm = 0;
  x.forEach((v, i) => {
    const t = y[i]!;
    const logpt = t * softplus(-v) + (1 - t) * softplus(v);
    const pt = Math.exp(-logpt);
    const focal = o.reducedThreshold === undefined ? Math.pow(1 - pt, gamma) : pt < o.reducedThreshold ? 1 : Math.pow((1 - pt) / o.reducedThreshold, gamma);
    let l = focal * logpt;
    if (o.alpha !== undefined) l *= o.alpha * t + (1 - o.alpha) * (1 - t);
    total += l;
    norm += focal;
  });
  const mean = total / x.length;
  return o.normalized ? mean / Math.max(norm, 1e-6) : mean;
}

/** smp's FocalLoss in mode 'multiclass': for each class, focal_loss_with_logits of x[:, c] against t == c over the positions not ignored, summed. */
export function smpFocalMulticlass(x: number[][][], t: number[][], o: SmpFocalOptions & { ignoreIndex?: number } = {}): number {
  const C = x[0]!.length;
  let sum = 0;
  for (let c = 0; c < C; c++) {
    const xs: number[] = [];
    const ys: number[] = [];
    x.forEach((row, b) =>
      row[c]!.forEach((v, s) => {
        const tv = t[b]![s]!;
        if (o.ignoreIndex !== undefined && tv === o.ignoreIndex) return;
        xs.push(v);
        ys.push(tv === c ? 1 : 0);
      }),
    );
    sum += smpFocalWithLogits(xs, ys, o);
  }
  return sum;
}

export type KerasReduction = 'sum_over_batch_size' | 'sum' | 'none';

/**
 * Keras 3's sparse_categorical_crossentropy (tensorflow backend) with ignore_class, reduced as
 * keras.losses.Loss does: ignored rows have y_true and y_pred zeroed, the loss computed, then
 * set to 0 with the mask attached; reduce_weighted_values applies the mask to the sample
 * weights (for 'sum_over_batch_size' scaled by total / (valid + 1e-7)) and divides the sum by
 * the number of losses.
 */
export function kerasSparseCe(rows: number[][], t: number[], o: { fromLogits?: boolean; ignoreClass?: number; reduction?: KerasReduction; sampleWeight?: number[] } = {}): number | number[] {
  const eps = 1e-7;
  const valid = t.map((v): number => (o.ignoreClass === undefined || v !== o.ignoreClass ? 1 : 0));
  const res = rows.map((row, i) => {
    const ti = t[i]! * valid[i]!;
    const pred = row.map((v) => v * valid[i]!);
    // tf.nn.sparse_softmax_cross_entropy_with_logits of the logits, or of log(clip(p)).
    const logits = o.fromLogits ? pred : pred.map((v) => Math.log(Math.min(Math.max(v, eps), 1 - eps)));
    const m = Math.max(...logits);
    const lse = m + Math.log(logits.reduce((a, v) => a + Math.exp(v - m), 0));
    const l = lse - logits[ti]!;
    return valid[i] ? l : 0;
  });
  let weight = o.sampleWeight ?? rows.map(() => 1);
  if (o.ignoreClass !== undefined) {
    const total = rows.length;
    const count = valid.reduce((a, v) => a + v, 0);
    const scale = (o.reduction ?? 'sum_over_batch_size') === 'sum_over_batch_size' ? total / (count + eps) : 1;
    weight = weight.map((w, i) => w * valid[i]! * scale);
  }
  const weighted = res.map((l, i) => l * weight[i]!);
  switch (o.reduction ?? 'sum_over_batch_size') {
    case 'none':
      return weighted;
    case 'sum':
      return weighted.reduce((a, v) => a + v, 0);
    case 'sum_over_batch_size':
      return weighted.reduce((a, v) => a + v, 0) / weighted.length;
  }
}
