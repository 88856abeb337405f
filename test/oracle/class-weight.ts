/**
 * torch 2.x's cross_entropy and nll_loss with class weights, written in float64 from torch's
 * own definition (aten/src/ATen/native/LossNLL.cpp: nll_loss and
 * cross_entropy_loss_label_smoothing), sharing nothing with the compiler:
 *
 *   per kept sample i (t_i ≠ ignore_index), lp = log_softmax(x_i):
 *     l_i = (1 − ε)·w[t_i]·(−lp[t_i]) + ε/C · Σ_c w_c·(−lp_c)        (0 where ignored)
 *   'none' → l,  'sum' → Σ l,  'mean' → Σ l / Σ_{kept} w[t_i]  (0/0 = NaN, x/0 → NaN as torch adds
 *   the NaN of the nll part).
 *
 * Per-sample weights u (lossc's `weights` option, which torch does not have) multiply each l_i
 * and its share of the denominator: 'mean' Σ u·l / Σ u·w[t]; the tf.losses and Keras names:
 * 'sum_by_nonzero_weights' Σ u·l / #{kept i : u_i·w[t_i] ≠ 0}, 'sum_over_batch_size'
 * Σ u·l / #kept. Rows are [C] (the class axis last).
 */

export type Reduction = 'mean' | 'sum' | 'none' | 'sum_by_nonzero_weights' | 'sum_over_batch_size';

export interface CeOptions {
  /** torch's class weight [C]; all 1 when left out. */
  readonly weight?: readonly number[];
  readonly labelSmoothing?: number;
  readonly ignoreIndex?: number;
  readonly reduction?: Reduction;
  /** Per-sample weights [N]. */
  readonly weights?: readonly number[];
  /** x already holds log-probabilities (nll_loss). */
  readonly logProbabilities?: boolean;
}

function logSoftmax(row: readonly number[]): number[] {
  const m = Math.max(...row);
  let s = 0;
  for (const v of row) s += Math.exp(v - m);
  const lse = m + Math.log(s);
  return row.map((v) => v - lse);
}

/** torch's cross_entropy (or nll_loss with logProbabilities) over rows x[i] and targets t[i]. */
export function torchCrossEntropy(x: readonly (readonly number[])[], t: readonly number[], o: CeOptions = {}): number | number[] {
  const C = x[0]?.length ?? 0;
  const w = o.weight ?? Array<number>(C).fill(1);
  const eps = o.labelSmoothing ?? 0;
  const ignore = o.ignoreIndex ?? -100;
  const u = o.weights ?? Array<number>(x.length).fill(1);
  const per: number[] = [];
  let num = 0;
  let den = 0;
  let nonzero = 0;
  let kept = 0;
  x.forEach((row, i) => {
    const ti = t[i]!;
    if (ti === ignore) {
      per.push(0);
      return;
    }
    const lp = o.logProbabilities ? [...row] : logSoftmax(row);
    let smooth = 0;
    for (let c = 0; c < C; c++) smooth += w[c]! * -lp[c]!;
    const l = (1 - eps) * w[ti]! * -lp[ti]! + (eps / C) * smooth;
    per.push(u[i]! * l);
    num += u[i]! * l;
    den += u[i]! * w[ti]!;
    nonzero += u[i]! * w[ti]! !== 0 ? 1 : 0;
    kept += 1;
  });
  switch (o.reduction ?? 'mean') {
    case 'none':
      return per;
    case 'sum':
      return num;
    case 'mean':
      return den === 0 ? NaN : num / den;
    case 'sum_by_nonzero_weights':
      return nonzero === 0 ? NaN : num / nonzero;
    case 'sum_over_batch_size':
      return kept === 0 ? NaN : num / kept;
  }
}
