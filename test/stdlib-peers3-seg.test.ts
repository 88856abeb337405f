// The remaining peers' losses, segmentation: segmentation_models_pytorch 0.3.x's Dice,
// Jaccard and Tversky losses (one loss per mode family, `score` choosing the peer), Focal,
// SoftBCEWithLogits, SoftCrossEntropy and MCC losses, against the float64 oracles of
// test/oracle/peers3.ts, written from smp's source, and finite differences of those oracles.
import { fromNested } from './oracle/tensor.js';
import * as P from './oracle/peers3.js';
import { describeExtremes, describeGeneratedModules, describeLossCases, useWasm, type ExtremeCase, type Inputs, type LossCase } from './helpers/loss-harness.js';
import { describe } from 'vitest';
import { asBools, describeOptionModules, ignoringClasses, logits01, logitsAndIgnored, numericSettings, probs01, SEG, segmentation, segmentationIdx, smp, smpFocal } from './stdlib-peers3-shared.js';

const BASE_CASES: readonly LossCase[] = [
  {
    file: SEG, loss: 'smp_dice', oracle: (x, h) => P.smp_dice(x.x!, x.y!, smp(h)), inputs: segmentation, shapes: [[2, 3, 4], [2, 3, 5]], reductions: false, wrt: ['x'],
    hypers: [{ score: 1 }, { score: 2, alpha: 0.3, beta: 0.7, gamma: 1.5 }, { log_loss: 1, smooth: 1 }, { score: 1, smooth: 0.5, log_loss: 1 }, { from_logits: 0 }, { from_logits: 0, score: 2, gamma: 0.5 }],
  },
  {
    file: SEG, loss: 'smp_dice_multiclass', oracle: (x, h) => P.smp_dice_multiclass(x.x!, x.t!, { ...smp(h), ignore_index: h.ignore_index ?? -100 }),
    inputs: segmentationIdx, shapes: [[2, 3, 5], [3, 4, 6]], reductions: false, wrt: ['x'],
    hypers: [{ score: 1 }, { score: 2, alpha: 0.7, beta: 0.3, gamma: 2 }, { log_loss: 1, smooth: 1 }, { from_logits: 0, score: 1 }],
  },
  {
    file: SEG, loss: 'smp_focal', oracle: (x, h) => P.smp_focal(x.x!, x.y!, smpFocal(h)), inputs: segmentation, shapes: [[2, 3, 4], [2, 3, 5]], reductions: false, wrt: ['x'],
    hypers: [{ use_alpha: 1, alpha: 0.3 }, { normalized: 1, gamma: 1.5 }],
  },
  {
    file: SEG, loss: 'smp_focal_multiclass', oracle: (x, h) => P.smp_focal_multiclass(x.x!, x.t!, { ...smpFocal(h), ignore_index: h.ignore_index ?? -100 }),
    inputs: segmentationIdx, shapes: [[2, 3, 5]], reductions: false, wrt: ['x'],
    hypers: [{ use_alpha: 1, alpha: 0.3 }, { normalized: 1 }],
  },
  {
    file: SEG, loss: 'smp_soft_bce', oracle: (x, h) => P.smp_soft_bce(x.x!, x.y!, h.smooth_factor ?? 0, h.pos_weight ?? 1), inputs: logits01, shapes: [[4, 3], [2, 3, 5]], reductions: false,
    hypers: [{ smooth_factor: 0.1, pos_weight: 2 }],
  },
  {
    file: SEG, loss: 'smp_soft_ce', oracle: (x, h) => P.smp_soft_ce(x.x!, x.t!, h.smooth_factor ?? 0, h.ignore_index ?? -100), inputs: logitsAndIgnored, shapes: [[6, 4], [2, 3, 5]], reductions: false, wrt: ['x'],
    hypers: [{ smooth_factor: 0.1 }],
  },
  { file: SEG, loss: 'smp_mcc', oracle: (x, h) => P.smp_mcc(x.p!, x.y!, h.eps ?? 1e-5), inputs: probs01, shapes: [[4, 3], [2, 3, 5]], reductions: false, hypers: [{ eps: 1e-2 }] },
];
const byName = (loss: string): LossCase => BASE_CASES.find((c) => c.loss === loss)!;
const CASES: readonly LossCase[] = [
  ...BASE_CASES,
  ignoringClasses(byName('smp_dice_multiclass'), [{ log_loss: 1, smooth: 1, ignore_index: 0 }]),
  ignoringClasses(byName('smp_focal_multiclass'), [{ normalized: 1, ignore_index: 1 }]),
  ignoringClasses(byName('smp_soft_ce'), [{ smooth_factor: 0.2, ignore_index: 0 }]),
];

useWasm();
describeLossCases(CASES);
const moduleOf = describeGeneratedModules('stdlib-peers3-seg', [SEG], numericSettings(CASES));
describeOptionModules(CASES, moduleOf);

// ---------------------------------------------------------------------------------------
// Extreme inputs

const EXTREMES: Record<string, readonly ExtremeCase[]> = (() => {
  const n = fromNested;
  const value = (loss: string, what: string, x: Inputs, want: number, hypers?: Record<string, number>): ExtremeCase => ({ loss, what, x, want, ...(hypers ? { hypers: asBools(hypers) } : {}) });
  const seg = segmentation(21, [2, 3, 4]);
  const big = { x: { ...seg.x!, data: seg.x!.data.map((v, i) => (i % 2 === 0 ? 1e4 : -1e4) * Math.sign(v)) }, y: seg.y! };
  const segI = segmentationIdx(22, [2, 3, 5]);
  const bigI = { x: { ...segI.x!, data: segI.x!.data.map((v, i) => (i % 2 === 0 ? 1e4 : -1e4) * Math.sign(v)) }, t: segI.t! };
  return {
    [SEG]: [
      value('smp_dice', 'logits ±1e4', big, P.smp_dice(big.x, big.y)),
      value('smp_dice', 'logits ±1e4, jaccard, log_loss', big, P.smp_dice(big.x, big.y, { score: 'jaccard', log_loss: true }), { score: 1, log_loss: 1 }),
      value('smp_dice', 'an empty target (every class left out: 0)', { x: seg.x!, y: { ...seg.y!, data: new Float64Array(seg.y!.data.length) } }, 0),
      value('smp_dice_multiclass', 'logits ±1e4, tversky', bigI, P.smp_dice_multiclass(bigI.x, bigI.t, { score: 'tversky' }), { score: 2 }),
      value('smp_focal', 'logits ±1e4', big, P.smp_focal(big.x, big.y)),
      value('smp_focal_multiclass', 'logits ±1e4, normalized', bigI, P.smp_focal_multiclass(bigI.x, bigI.t, { normalized: true }), { normalized: 1 }),
      value('smp_soft_bce', 'logits ±1e4', big, P.smp_soft_bce(big.x, big.y)),
      value('smp_soft_ce', 'logits ±1e4, all but one ignored', { x: n([[1e4, -1e4], [0, 0], [3, 4]]), t: n([0, -100, -100]) }, 0),
      value('smp_mcc', 'a perfect prediction', { p: n([1, 0, 1, 0]), y: n([1, 0, 1, 0]) }, P.smp_mcc(n([1, 0, 1, 0]), n([1, 0, 1, 0]))),
    ],
  };
})();
describe('extreme inputs', () => {
  for (const [file, cases] of Object.entries(EXTREMES)) describeExtremes(file, cases, moduleOf);
});
