// stdlib/segmentation.loss and stdlib/detection.loss against the float64 oracles
// (test/oracle/segmentation.ts), finite differences and the LOSSES.md *ref* values.
import { describe, expect, it } from 'vitest';
import { evaluateTfjs } from '../src/eval/evaluate.js';
import { ce_dice, dice, giou_loss, iou_loss, multiclass_dice, tversky } from './oracle/segmentation.js';
import { fromNested, mulberry32, randomInts, randomTensor, type F64Tensor, type Rng } from './oracle/tensor.js';
import {
  describeExtremes,
  describeGeneratedModules,
  describeLossCases,
  lossFn,
  recordRef,
  refValue,
  toTf,
  useWasm,
  type ExtremeCase,
  type Inputs,
  type LossCase,
  type Reduction,
} from './helpers/loss-harness.js';

const SEG = 'stdlib/segmentation.loss';
const DET = 'stdlib/detection.loss';
const R = (reduction?: Reduction, weights?: F64Tensor) => ({ ...(reduction ? { reduction } : {}), ...(weights ? { weights } : {}) });

const masks = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  return { p: randomTensor(shape, rng, { lo: 0, hi: 1 }), t: randomInts(shape, rng, 2) };
};
/** Logits [N, C, H, W] (PyTorch's layout) and class indices [N, H, W]. */
const segLogits = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  const [n, c, h, w] = shape as [number, number, number, number];
  return { x: randomTensor(shape, rng, { lo: -3, hi: 3 }), t: randomInts([n, h, w], rng, c) };
};
/** n boxes (x1, y1, x2, y2) with x1 < x2 and y1 < y2; `near` places each within ±4 of its pair. */
const boxData = (rng: Rng, n: number, near?: F64Tensor): F64Tensor => {
  const data = new Float64Array(4 * n);
  for (let i = 0; i < n; i++) {
    const [x, y] = near ? [near.data[4 * i]! + rng.uniform(-4, 4), near.data[4 * i + 1]! + rng.uniform(-4, 4)] : [rng.uniform(0, 10), rng.uniform(0, 10)];
    data.set([x, y, x + rng.uniform(1, 7), y + rng.uniform(1, 7)], 4 * i);
  }
  return { shape: [n, 4], data };
};
/** Pairs of boxes, most overlapping, some apart (the seeds used give both kinds). */
const boxes = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  const p = boxData(rng, shape[0]!);
  return { p, t: boxData(rng, shape[0]!, p) };
};

const CASES: readonly LossCase[] = [
  { file: SEG, loss: 'dice', oracle: (x, h) => dice(x.p!, x.t!, { smooth: h.smooth ?? 1 }), inputs: masks, shapes: [[7], [4, 5], [2, 3, 4]], hypers: [{ smooth: 0.1 }], reductions: false },
  { file: SEG, loss: 'tversky', oracle: (x, h) => tversky(x.p!, x.t!, { alpha: h.alpha ?? 0.5, beta: h.beta ?? 0.5, smooth: h.smooth ?? 1 }), inputs: masks, shapes: [[7], [2, 3, 4]], hypers: [{ alpha: 0.3, beta: 0.7 }, { alpha: 0.9, beta: 0.1, smooth: 0.01 }], reductions: false },
  { file: SEG, loss: 'multiclass_dice', oracle: (x, h) => multiclass_dice(x.x!, x.t!, { smooth: h.smooth ?? 1 }), inputs: segLogits, shapes: [[2, 3, 4, 5], [1, 4, 2, 3]], hypers: [{ smooth: 0.5 }], reductions: false },
  { file: SEG, loss: 'ce_dice', oracle: (x, h) => ce_dice(x.x!, x.t!, { ce_weight: h.ce_weight ?? 0.5, dice_weight: h.dice_weight ?? 0.5 }), inputs: segLogits, shapes: [[2, 3, 4, 5], [1, 4, 2, 3]], hypers: [{ ce_weight: 1, dice_weight: 0 }, { ce_weight: 0.2, dice_weight: 2 }], reductions: false },
  { file: DET, loss: 'iou_loss', oracle: (x, _h, r, w) => iou_loss(x.p!, x.t!, R(r, w)), inputs: boxes, shapes: [[5, 4], [9, 4]], hypers: [] },
  { file: DET, loss: 'giou_loss', oracle: (x, _h, r, w) => giou_loss(x.p!, x.t!, R(r, w)), inputs: boxes, shapes: [[5, 4], [9, 4]], hypers: [] },
];

useWasm();
describeLossCases(CASES);
const moduleOf = describeGeneratedModules('stdlib-segmentation', [SEG, DET], CASES);

describe('LOSSES.md *ref* values', () => {
  // Tutorial §5.2: two predicted boxes, each shifted by 5 from its target.
  const x = { p: fromNested([[10, 10, 50, 50], [20, 20, 60, 60]]), t: fromNested([[15, 15, 55, 55], [25, 25, 65, 65]]) };
  it.each([
    { loss: 'iou_loss', ref: 0.3797468 },
    { loss: 'giou_loss', ref: 0.4044382 },
  ])('$loss = $ref', ({ loss, ref }) => {
    const fn = lossFn(DET, loss);
    expect(refValue(DET, loss, x)[0]).toBeCloseTo(ref, 7);
    const out = evaluateTfjs(fn, toTf(fn, x), {});
    expect(out.dataSync()[0]).toBeCloseTo(ref, 6);
    out.dispose();
    recordRef(loss);
  });
});

describe('tversky and dice', () => {
  it('tversky(α = β = 0.5, smooth = s) is dice(smooth = 2s), not dice(s)', () => {
    const x = masks(9, [3, 6]);
    const t = refValue(SEG, 'tversky', x, { smooth: 0.7 })[0]!;
    expect(t).toBeCloseTo(refValue(SEG, 'dice', x, { smooth: 1.4 })[0]!, 12);
    expect(Math.abs(t - refValue(SEG, 'dice', x, { smooth: 0.7 })[0]!)).toBeGreaterThan(1e-4);
  });
});

const big = 1e4;
const fd = <T extends Inputs>(loss: string, what: string, x: T, oracle: (v: Inputs) => number, wrt?: string[]): ExtremeCase =>
  ({ loss, what, x, want: oracle(x), grads: 'fd', oracle, ...(wrt ? { wrt } : {}) });
const empty = { p: fromNested([[0, 0, 0], [0, 0, 0]]), t: fromNested([[0, 0, 0], [0, 0, 0]]) };
const saturated = (() => {
  // [N=1, C=3, H=2, W=2]: every pixel's logits ±1e4, one class never predicted nor present.
  const x = fromNested([[[[big, -big], [-big, big]], [[-big, big], [big, -big]], [[-big, -big], [-big, -big]]]]);
  return { x, t: fromNested([[[0, 0], [1, 1]]]) };
})();
const EXTREMES: readonly ExtremeCase[] = [
  // Both masks empty: the loss is 0 and the gradient 1/smooth everywhere.
  { ...fd('dice', 'empty prediction and target', empty, (v) => dice(v.p!, v.t!)), want: 0 },
  { ...fd('tversky', 'empty prediction and target', empty, (v) => tversky(v.p!, v.t!)), want: 0 },
  fd('multiclass_dice', 'logits ±1e4, a class absent', saturated, (v) => multiclass_dice(v.x!, v.t!), ['x']),
  fd('ce_dice', 'logits ±1e4, a class absent', saturated, (v) => ce_dice(v.x!, v.t!), ['x']),
  // Zero-area boxes: union and hull are 0, so IoU = 0/(0 + 1e-6) and the loss is 1.
  { loss: 'iou_loss', what: 'zero-area boxes', x: { p: fromNested([[1, 1, 1, 1]]), t: fromNested([[1, 1, 1, 1]]) }, want: 1 },
  { loss: 'giou_loss', what: 'zero-area boxes', x: { p: fromNested([[1, 1, 1, 1]]), t: fromNested([[1, 1, 1, 1]]) }, want: 1 },
  // Identical boxes sit on the kinks of min and max: finite, but no finite-difference check.
  { loss: 'iou_loss', what: 'identical boxes', x: { p: fromNested([[0, 0, 2, 3]]), t: fromNested([[0, 0, 2, 3]]) }, want: iou_loss(fromNested([[0, 0, 2, 3]]), fromNested([[0, 0, 2, 3]])) },
  // Boxes apart: IoU's gradient is 0, GIoU's pulls them together.
  { ...fd('iou_loss', 'boxes apart', { p: fromNested([[0, 0, 1, 1]]), t: fromNested([[5, 5, 6, 6]]) }, (v) => iou_loss(v.p!, v.t!)), grads: { p: [0, 0, 0, 0], t: [0, 0, 0, 0] } },
  fd('giou_loss', 'boxes apart', { p: fromNested([[0, 0, 1, 1]]), t: fromNested([[5, 5, 6, 6]]) }, (v) => giou_loss(v.p!, v.t!)),
];
describeExtremes(SEG, EXTREMES.filter((c) => !c.loss.includes('iou')), moduleOf);
describeExtremes(DET, EXTREMES.filter((c) => c.loss.includes('iou')), moduleOf);
