// The tutorial's pictures as one-click presets: regression losses and their gradients against
// the error (§2.5), focal loss against p for several γ (§3.4), the convergence comparison of
// MSE, MAE and Huber (§8.5) and the Rosenbrock landscape (§1.2).
import { DEMOS } from '../examples.js';
import { STDLIB } from '../stdlib.js';

export interface SourceRef {
  readonly text: string;
  readonly file: string;
}

export type Preset =
  | { readonly kind: 'sweep'; readonly title: string; readonly source: SourceRef; readonly losses: readonly string[]; readonly input: string; readonly lo: number; readonly hi: number;
      readonly values: Readonly<Record<string, number[]>>; readonly vary?: { readonly hyper: string; readonly values: readonly number[] }; readonly fixed?: Readonly<Record<string, number>>;
      readonly sigmoidX?: boolean; readonly xLabel: string }
  | { readonly kind: 'train'; readonly title: string; readonly source: SourceRef; readonly losses: readonly string[]; readonly input: string; readonly n: number; readonly steps: number; readonly lr: number; readonly outliers: number }
  | { readonly kind: 'landscape'; readonly title: string; readonly source: SourceRef; readonly loss: string; readonly x: string; readonly y: string; readonly xr: [number, number]; readonly yr: [number, number]; readonly values: Readonly<Record<string, number[]>> };

const stdlib = (file: string): SourceRef | undefined => {
  const text = STDLIB.get(file);
  return text === undefined ? undefined : { text, file };
};
const demo = (file: string): SourceRef => ({ text: DEMOS[file]!, file });

/** Which losses of a source exist, in the preset's order (a loss not yet in the stdlib is skipped). */
const present = (src: SourceRef, names: readonly string[]): string[] => names.filter((n) => new RegExp(`\\bloss\\s+${n}\\s*\\(`).test(src.text));

export function presets(): Record<string, Preset> {
  const out: Record<string, Preset> = {};
  const reg = stdlib('regression.loss');
  if (reg) {
    out['regression'] = {
      kind: 'sweep', title: 'Regression losses and their gradients', source: reg, losses: present(reg, ['mse', 'mae', 'huber', 'log_cosh', 'smooth_l1']),
      input: 'pred', lo: -3, hi: 3, values: { pred: [0], target: [0] }, xLabel: 'error e = pred − target',
    };
    out['convergence'] = {
      kind: 'train', title: 'Convergence: MSE, MAE and Huber', source: reg, losses: present(reg, ['mse', 'mae', 'huber']),
      input: 'pred', n: 64, steps: 100, lr: 0.05, outliers: 0.1,
    };
  }
  // Focal loss against p: the stdlib's binary focal loss on logits when it exists (p = sigmoid
  // of the logit, target 1), else the formula on p itself.
  const cls = stdlib('classification.loss');
  if (cls && present(cls, ['binary_focal']).length && /gamma/.test(cls.text)) {
    out['focal'] = {
      kind: 'sweep', title: 'Binary focal loss against p for several γ', source: cls, losses: ['binary_focal'], input: '', lo: -6, hi: 6,
      values: {}, vary: { hyper: 'gamma', values: [0, 1, 2, 5] }, fixed: { alpha: 1 }, sigmoidX: true, xLabel: 'p = sigmoid(logit), true class 1',
    };
  } else {
    out['focal'] = {
      kind: 'sweep', title: 'Focal loss against p for several γ', source: demo('focal_p.loss'), losses: ['focal_p'], input: 'p', lo: 0.01, hi: 1,
      values: { p: [0.5] }, vary: { hyper: 'gamma', values: [0, 1, 2, 5] }, xLabel: 'p (probability of the true class)',
    };
  }
  out['rosenbrock'] = {
    kind: 'landscape', title: 'Rosenbrock landscape', source: demo('rosenbrock.loss'), loss: 'rosenbrock', x: 'x', y: 'y', xr: [-2, 2], yr: [-1, 3], values: { x: [0], y: [0] },
  };
  return out;
}
