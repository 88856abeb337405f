/**
 * Advanced losses (seed §7), float64 references.
 */
import { el, type F64Tensor } from './tensor.js';

function values(x: ArrayLike<number> | F64Tensor): ArrayLike<number> {
  return 'data' in x && 'shape' in x ? x.data : (x as ArrayLike<number>);
}

/**
 * Kendall et al. 2018 (seed §7.1 method 2 `MultiTaskLoss`, exercise 3): Σ_i exp(−s_i)·L_i + s_i,
 * s_i the learnable log-variances (initialised to 0 in the seed).
 */
export function uncertainty_weighting(losses: ArrayLike<number> | F64Tensor, log_vars: ArrayLike<number> | F64Tensor): number {
  const L = values(losses);
  const s = values(log_vars);
  if (L.length !== s.length) throw new Error(`uncertainty_weighting: ${L.length} losses, ${s.length} log-variances`);
  let total = 0;
  for (let i = 0; i < L.length; i++) total += Math.exp(-el(s, i)) * el(L, i) + el(s, i);
  return total;
}

/**
 * Seed §7.2 `CurriculumLoss` on per-sample base losses (the base criterion's reduction='none'
 * output): w_i = [difficulty_i ≤ epoch/total_epochs], w ← w/(Σw + 1e-6)·N, loss = Σ w·l.
 */
export function curriculum(
  losses: F64Tensor,
  difficulty: F64Tensor,
  opts: { epoch: number; total_epochs: number },
): number {
  const n = losses.data.length;
  if (difficulty.data.length !== n) throw new Error('curriculum: one difficulty per sample');
  const threshold = opts.epoch / opts.total_epochs;
  const w = Float64Array.from(difficulty.data, (d) => (d <= threshold ? 1 : 0));
  let sw = 0;
  for (const v of w) sw += v;
  let total = 0;
  w.forEach((wi, i) => {
    total += ((wi / (sw + 1e-6)) * n) * el(losses.data, i);
  });
  return total;
}
