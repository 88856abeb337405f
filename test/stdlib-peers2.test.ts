// More of the peers' losses (Keras 3's focal cross-entropies; torchvision's DIoU and CIoU
// losses; pytorch-metric-learning's NTXent, SupCon, MultiSimilarity and Circle losses;
// Barlow Twins; MONAI's Dice, DiceCE, DiceFocal, Focal, Tversky and GeneralizedDice) against
// the float64 oracles of test/oracle/peers2.ts, written from the peers' definitions, and
// finite differences of those oracles.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { fdGrad, maxRelErr } from './oracle/fd.js';
import * as P from './oracle/peers2.js';
import { fromNested, mulberry32, randomInts, randomTensor, type F64Tensor, type Rng } from './oracle/tensor.js';
import { describeExtremes, describeGeneratedModules, describeLossCases, lossFn, optionForms, refValue, roundInputs, tfjsValueAndGrads, toTf, useWasm, type ExtremeCase, type Hypers, type Inputs, type LossCase, type Reduction } from './helpers/loss-harness.js';
import { evaluateTfjs } from '../src/eval/evaluate.js';

const CLS = 'stdlib/classification.loss';
const DET = 'stdlib/detection.loss';
const MET = 'stdlib/metric.loss';
const SEG = 'stdlib/segmentation.loss';
const R = (reduction?: Reduction, weights?: F64Tensor) => ({ ...(reduction ? { reduction } : {}), ...(weights ? { weights } : {}) });
const U = (shape: number[], rng: Rng, lo: number, hi: number) => randomTensor(shape, rng, { lo, hi });
const flag = (v: number | undefined, dflt = false): boolean => (v === undefined ? dflt : v !== 0);

// ---------------------------------------------------------------------------------------
// Inputs

const oneHotRows = (shape: number[], rng: Rng): F64Tensor => {
  const C = shape[shape.length - 1]!;
  const data = new Float64Array(shape.reduce((a, b) => a * b, 1));
  for (let r = 0; r < data.length / C; r++) data[r * C + rng.int(C)] = 1;
  return { shape: [...shape], data };
};
/** Probabilities (also fine as logits) and one-hot targets; soft targets for rank 3. */
const probsAndTargets = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  return { y_pred: U(shape, rng, 0.05, 0.95), y_true: shape.length === 3 ? U(shape, rng, 0, 1) : oneHotRows(shape, rng) };
};
/** n boxes (x1, y1, x2, y2), x1 < x2 and y1 < y2; `near` puts each within ±2 of its pair. */
const boxes = (rng: Rng, n: number, near?: F64Tensor): F64Tensor => {
  const data = new Float64Array(4 * n);
  for (let i = 0; i < n; i++) {
    const [x, y] = near ? [near.data[4 * i]! + rng.uniform(-2, 2), near.data[4 * i + 1]! + rng.uniform(-2, 2)] : [rng.uniform(0, 10), rng.uniform(0, 10)];
    data.set([x, y, x + rng.uniform(1, 5), y + rng.uniform(1, 5)], 4 * i);
  }
  return { shape: [n, 4], data };
};
const boxPairs = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  const t = boxes(rng, shape[0]!);
  return { p: boxes(rng, shape[0]!, t), t };
};
/** Embeddings [N, D] and labels of 3 classes, each class at least twice. */
const labelled = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  const [N] = shape as [number];
  const label = randomInts([N], rng, 3);
  for (let k = 0; k < 3 && 2 * k + 1 < N; k++) label.data[2 * k] = label.data[2 * k + 1] = k;
  return { e: U(shape, rng, -1, 1), label };
};
const views = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  const za = U(shape, rng, -1, 1);
  return { za, zb: { shape: [...shape], data: za.data.map((v) => 0.6 * v + rng.uniform(-0.5, 0.5)) } };
};
/** The MONAI losses' `activation`: 1 'sigmoid', 2 'softmax' (the evaluators take a string option's position). */
/** MONAI inputs [B, C, S]: x in (0.05, 0.95) (probabilities or logits), y one-hot over C, soft when S is odd. */
const segmentation = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  const [B, C, S] = shape as [number, number, number];
  const y = new Float64Array(B * C * S);
  for (let b = 0; b < B; b++) {
    for (let s = 0; s < S; s++) {
      if (S % 2 === 1) for (let c = 0; c < C; c++) y[(b * C + c) * S + s] = rng.uniform(0, 1);
      else y[(b * C + rng.int(C)) * S + s] = 1;
    }
  }
  return { x: U(shape, rng, 0.05, 0.95), y: { shape: [...shape], data: y } };
};

// ---------------------------------------------------------------------------------------
// The options of the MONAI losses as the oracles take them.

const monai = (h: Hypers): P.MonaiOpts => ({
  include_background: flag(h.include_background, true),
  sigmoid: h.activation === 1,
  softmax: h.activation === 2,
  squared_pred: flag(h.squared_pred),
  jaccard: flag(h.jaccard),
  batch: flag(h.batch),
  soft_label: flag(h.soft_label),
  ...(h.smooth_nr !== undefined ? { smooth_nr: h.smooth_nr } : {}),
  ...(h.smooth_dr !== undefined ? { smooth_dr: h.smooth_dr } : {}),
});
const alphaOf = (h: Hypers): { alpha?: number } => (flag(h.use_alpha) ? { alpha: h.alpha ?? 0.25 } : {});
const W_TYPE = ['square', 'simple', 'uniform'] as const;

// The targets of the MONAI losses are differentiated along x only: at a one-hot target's 0 and
// 1 a central difference leaves the domain, and MONAI's generalized Dice jumps where a class
// is absent (its weight 1/0² is replaced); test/grad-stdlib differentiates y one-sided.
const CASES: readonly LossCase[] = [
  {
    file: CLS, loss: 'categorical_focal_crossentropy',
    oracle: (x, h, r, w) => P.categorical_focal_crossentropy(x.y_pred!, x.y_true!, { ...h, from_logits: flag(h.from_logits), ...R(r, w) }),
    inputs: probsAndTargets, shapes: [[5, 4], [2, 3, 5]],
    hypers: [{ gamma: 0.5 }, { alpha: 0.5, label_smoothing: 0.1 }, { from_logits: 1 }, { from_logits: 1, gamma: 3, label_smoothing: 0.2 }],
  },
  {
    file: CLS, loss: 'binary_focal_crossentropy',
    oracle: (x, h, r, w) => P.binary_focal_crossentropy(x.y_pred!, x.y_true!, { ...h, from_logits: flag(h.from_logits), apply_class_balancing: flag(h.apply_class_balancing), ...R(r, w) }),
    inputs: probsAndTargets, shapes: [[5, 4], [2, 3, 5]],
    hypers: [{ apply_class_balancing: 1 }, { from_logits: 1 }, { label_smoothing: 0.1, gamma: 1.5 }, { from_logits: 1, apply_class_balancing: 1, alpha: 0.4, gamma: 0.5 }],
  },
  { file: DET, loss: 'distance_box_iou_loss', oracle: (x, h, r, w) => P.distance_box_iou_loss(x.p!, x.t!, h.eps ?? 1e-7, R(r, w)), inputs: boxPairs, shapes: [[5, 4], [9, 4]], hypers: [{ eps: 1e-3 }] },
  {
    file: MET, loss: 'multi_similarity',
    oracle: (x, h, r, w) => P.multi_similarity(x.e!, x.label!, h.alpha ?? 2, h.beta ?? 50, h.base ?? 0.5, R(r, w)),
    inputs: labelled, shapes: [[6, 3], [8, 4]], hypers: [{ alpha: 1, beta: 10, base: 0.3 }], wrt: ['e'],
  },
    // A sum plus λ times another sum, and masked means: no reduction option.
  { file: MET, loss: 'barlow_twins', oracle: (x, h) => P.barlow_twins(x.za!, x.zb!, h.lambda ?? 5e-3) as number, inputs: views, shapes: [[6, 3], [5, 4]], hypers: [{ lambda: 0.1 }], reductions: false },
  { file: MET, loss: 'nt_xent', oracle: (x, h) => P.nt_xent(x.e!, x.label!, h.temperature ?? 0.07), inputs: labelled, shapes: [[6, 3], [8, 4]], hypers: [{ temperature: 0.5 }], wrt: ['e'], reductions: false },
  { file: MET, loss: 'supcon', oracle: (x, h) => P.supcon(x.e!, x.label!, h.temperature ?? 0.1).value, inputs: labelled, shapes: [[6, 3], [8, 4]], hypers: [{ temperature: 0.3 }], wrt: ['e'], reductions: false },
  {
    file: SEG, loss: 'monai_dice', oracle: (x, h) => P.monai_dice(x.x!, x.y!, monai(h)), inputs: segmentation, shapes: [[2, 3, 4], [2, 3, 5]], reductions: false, wrt: ['x'],
    hypers: [{ activation: 2, include_background: 0 }, { squared_pred: 1, jaccard: 1, activation: 1 }, { batch: 1, activation: 2 }, { jaccard: 1, soft_label: 1, smooth_nr: 0.5, smooth_dr: 0.25 }],
  },
  {
    file: SEG, loss: 'monai_tversky', oracle: (x, h) => P.monai_tversky(x.x!, x.y!, { ...monai(h), ...(h.alpha !== undefined ? { alpha: h.alpha } : {}), ...(h.beta !== undefined ? { beta: h.beta } : {}) }),
    inputs: segmentation, shapes: [[2, 3, 5]], reductions: false, wrt: ['x'],
    hypers: [{ alpha: 0.3, beta: 0.7 }, { soft_label: 1, activation: 1 }, { batch: 1, include_background: 0, activation: 2 }],
  },
  {
    file: SEG, loss: 'monai_generalized_dice', oracle: (x, h) => P.monai_generalized_dice(x.x!, x.y!, { ...monai(h), w_type: W_TYPE[h.w_type ?? 0]! }),
    inputs: segmentation, shapes: [[2, 3, 5]], reductions: false, wrt: ['x'],
    hypers: [{ w_type: 1 }, { w_type: 2, activation: 2 }, { batch: 1, activation: 1, include_background: 0, soft_label: 1 }],
  },
  {
    file: SEG, loss: 'monai_focal', oracle: (x, h) => P.monai_focal(x.x!, x.y!, { include_background: flag(h.include_background, true), gamma: h.gamma ?? 2, use_softmax: flag(h.use_softmax), ...alphaOf(h) }),
    inputs: segmentation, shapes: [[2, 3, 5]], reductions: false, wrt: ['x'],
    hypers: [{ use_alpha: 1, alpha: 0.3 }, { use_softmax: 1, use_alpha: 1, alpha: 0.3 }, { include_background: 0, use_softmax: 1, use_alpha: 1 }, { gamma: 0.5, include_background: 0 }],
  },
  {
    file: SEG, loss: 'monai_dice_ce',
    oracle: (x, h) => P.monai_dice_ce(x.x!, x.y!, { ...monai(h), ...(h.lambda_dice !== undefined ? { lambda_dice: h.lambda_dice } : {}), ...(h.lambda_ce !== undefined ? { lambda_ce: h.lambda_ce } : {}), ...(h.label_smoothing !== undefined ? { label_smoothing: h.label_smoothing } : {}) }),
    inputs: segmentation, shapes: [[2, 3, 4], [2, 1, 4]], reductions: false, wrt: ['x'],
    hypers: [{ activation: 2, label_smoothing: 0.1 }, { lambda_ce: 0.3, lambda_dice: 2, jaccard: 1, include_background: 0 }],
  },
  {
    file: SEG, loss: 'monai_dice_focal',
    oracle: (x, h) => P.monai_dice_focal(x.x!, x.y!, { ...monai(h), gamma: h.gamma ?? 2, ...alphaOf(h), ...(h.lambda_dice !== undefined ? { lambda_dice: h.lambda_dice } : {}), ...(h.lambda_focal !== undefined ? { lambda_focal: h.lambda_focal } : {}) }),
    inputs: segmentation, shapes: [[2, 3, 5]], reductions: false, wrt: ['x'],
    hypers: [{ activation: 1, use_alpha: 1, alpha: 0.25 }, { include_background: 0, gamma: 1, activation: 2, lambda_focal: 0.5 }],
  },
];

// CIoU's α and Circle's weights carry no gradient in their peers: finite differences of the
// value do not give their gradients, checked below with those factors frozen. Here only the
// generated modules' agreement.
const MODULE_ONLY: readonly LossCase[] = [
  { file: DET, loss: 'complete_box_iou_loss', oracle: (x, h, r, w) => P.complete_box_iou_loss(x.p!, x.t!, h.eps ?? 1e-7, R(r, w)), inputs: boxPairs, shapes: [[5, 4]], hypers: [{ eps: 1e-3 }] },
  { file: MET, loss: 'circle', oracle: (x, h) => P.circle(x.e!, x.label!, h.m ?? 0.4, h.gamma ?? 80).value, inputs: labelled, shapes: [[6, 3]], hypers: [{ m: 0.25, gamma: 32 }], reductions: false },
];

useWasm();
describeLossCases(CASES);

// The generated functions take booleans (not 0/1) and strings (not the positions the
// evaluators take for them): the harness's module check gets the settings without them, and
// describeOptionModules each setting with them, as booleans and strings.
const BOOL_NAMES = ['from_logits', 'apply_class_balancing', 'include_background', 'squared_pred', 'jaccard', 'batch', 'soft_label', 'use_alpha', 'use_softmax'];
const STRINGS: Record<string, readonly string[]> = { activation: ['none', 'sigmoid', 'softmax'], w_type: W_TYPE };
const { asOptions, numericSettings, describeOptionModules } = optionForms(BOOL_NAMES, STRINGS);
const moduleOf = describeGeneratedModules('stdlib-peers2', [CLS, DET, MET, SEG], numericSettings([...CASES, ...MODULE_ONLY]));
describeOptionModules(CASES, moduleOf);

// ---------------------------------------------------------------------------------------
// Gradients where the peer detaches part of the loss: finite differences of the oracle with
// that part frozen at the point.

describe('complete_box_iou_loss and circle: values (their gradients: below)', () => {
  const settings = [
    ...[[5, 4], [9, 4]].flatMap((shape, i) => ([{}, { eps: 1e-3 }] as Hypers[]).map((h) => ({ file: DET, loss: 'complete_box_iou_loss', x: boxPairs(100 + i, shape), h, want: (x: Inputs, h: Hypers) => P.complete_box_iou_loss(x.p!, x.t!, h.eps ?? 1e-7) as number }))),
    ...[[6, 3], [8, 4]].flatMap((shape, i) => ([{}, { m: 0.25, gamma: 32 }] as Hypers[]).map((h) => ({ file: MET, loss: 'circle', x: labelled(100 + i, shape), h, want: (x: Inputs, h: Hypers) => P.circle(x.e!, x.label!, h.m ?? 0.4, h.gamma ?? 80).value }))),
  ];
  it.each(settings.map((s) => ({ ...s, title: `${s.loss} ${JSON.stringify(s.x.p?.shape ?? s.x.e!.shape)} ${JSON.stringify(s.h)}` })))('$title: float64 as written and optimized, float32 (wasm)', ({ file, loss, x, h, want }) => {
    const w = want(x, h);
    for (const raw of [true, false]) expect(Math.abs(refValue(file, loss, x, h, raw)[0]! - w), raw ? 'as written' : 'optimized').toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(w)));
    const x32 = roundInputs(x);
    const got = evaluateTfjs(lossFn(file, loss), toTf(lossFn(file, loss), x32), h);
    expect(Math.abs(got.dataSync()[0]! - want(x32, h)) / Math.max(1, Math.abs(w))).toBeLessThanOrEqual(2e-6);
    got.dispose();
  });
  it.each((['none', 'sum', 'mean'] as const).map((reduction) => ({ reduction })))("complete_box_iou_loss: reduction '$reduction' and per-box weights", ({ reduction }) => {
    const x = boxPairs(7, [9, 4]);
    const weights = randomTensor([9], mulberry32(8), { lo: 0.1, hi: 2 });
    for (const wt of [undefined, weights]) {
      const want = P.complete_box_iou_loss(x.p!, x.t!, 1e-7, R(reduction, wt));
      const fn = lossFn(DET, 'complete_box_iou_loss');
      const out = evaluateTfjs(fn, toTf(fn, x), {}, { reduction, ...(wt ? { weights: tf.tensor(Array.from(wt.data), wt.shape) } : {}) });
      expect(maxRelErr(Float64Array.from(out.dataSync()), typeof want === 'number' ? Float64Array.of(want) : want.data, 1e-6)).toBeLessThan(1e-5);
      out.dispose();
    }
  });
});

describe('gradients with a detached factor', () => {
  it('complete_box_iou_loss: α = v/(1 - IoU + v + eps) is a constant to the gradient (torch.no_grad())', () => {
    const fn = lossFn(DET, 'complete_box_iou_loss');
    for (const seed of [3, 4]) {
      const x = roundInputs(boxPairs(seed, [6, 4]));
      const got = tfjsValueAndGrads(fn, x, {}, ['p', 't']);
      const frozen: [F64Tensor, F64Tensor] = [x.p!, x.t!];
      const f = (p: F64Tensor, t: F64Tensor): number => P.complete_box_iou_loss(p, t, 1e-7, {}, frozen) as number;
      expect(Math.abs(got.value[0]! - f(x.p!, x.t!))).toBeLessThan(2e-6);
      (['p', 't'] as const).forEach((name, k) => {
        const fd = fdGrad(f, [x.p!, x.t!], k);
        expect(maxRelErr(got.grads[name]!, fd.data, 1e-3), `d/d${name}`).toBeLessThan(2e-3);
      });
      // Not the gradient of the value with α differentiated: that one differs.
      const live = fdGrad((p: F64Tensor, t: F64Tensor) => P.complete_box_iou_loss(p, t) as number, [x.p!, x.t!], 0);
      expect(maxRelErr(got.grads.p!, live.data, 1e-3)).toBeGreaterThan(1e-2);
    }
  });
  it('circle: the weights relu(1 + m - s_p) and relu(s_n + m) are constants to the gradient (PML detaches them)', () => {
    const fn = lossFn(MET, 'circle');
    for (const [seed, hypers] of [[5, {}], [6, { m: 0.25, gamma: 32 }]] as [number, Hypers][]) {
      const x = roundInputs(labelled(seed, [6, 3]));
      const got = tfjsValueAndGrads(fn, x, hypers, ['e']);
      const frozen = P.cosineSimilarities(x.e!);
      const f = (e: F64Tensor): number => P.circle(e, x.label!, hypers.m ?? 0.4, hypers.gamma ?? 80, frozen).value;
      expect(Math.abs(got.value[0]! - f(x.e!)) / Math.max(1, f(x.e!))).toBeLessThan(2e-6);
      expect(maxRelErr(got.grads.e!, fdGrad(f, [x.e!], 0).data, 1e-3)).toBeLessThan(2e-3);
    }
  });
});

// ---------------------------------------------------------------------------------------
// Where the peers have a subtlety

describe('where the peers have a subtlety', () => {
  const ref = (file: string, loss: string, x: Inputs, h: Hypers = {}): number => refValue(file, loss, x, h)[0]!;

  it("Keras's documented examples: binary_focal_crossentropy([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]], gamma 2) = [0.330, 0.206]", () => {
    const x = { y_pred: fromNested([[0.6, 0.4], [0.4, 0.6]]), y_true: fromNested([[0, 1], [0, 0]]) };
    const rows = P.binary_focal_crossentropy(x.y_pred, x.y_true, { reduction: 'none' }) as F64Tensor;
    expect(Array.from(rows.data).map((v) => Number(v.toFixed(3)))).toEqual([0.33, 0.206]);
    expect(ref(CLS, 'binary_focal_crossentropy', x)).toBeCloseTo((rows.data[0]! + rows.data[1]!) / 2, 12);
  });
  it('categorical_focal_crossentropy by hand: Σ α·(1 - p)²·(-y·log p) of the clipped, normalised p', () => {
    const x = { y_pred: fromNested([[0.05, 0.95, 0], [0.1, 0.8, 0.1]]), y_true: fromNested([[0, 1, 0], [0, 0, 1]]) };
    const rows = P.categorical_focal_crossentropy(x.y_pred, x.y_true, { reduction: 'none' }) as F64Tensor;
    expect(rows.data[0]).toBeCloseTo(0.25 * 0.05 ** 2 * -Math.log(0.95), 14);
    expect(rows.data[1]).toBeCloseTo(0.25 * 0.9 ** 2 * Math.log(10), 14);
    expect(ref(CLS, 'categorical_focal_crossentropy', x)).toBeCloseTo((rows.data[0]! + rows.data[1]!) / 2, 12);
  });
  it('binary_focal_crossentropy from logits keeps the cross-entropy of a wrong logit of -30 (tensorflow backend: unclipped)', () => {
    const x = { y_pred: fromNested([[-30, 30]]), y_true: fromNested([[1, 1]]) };
    // (1 - p_t)^2 · softplus(30) for the wrong one, ≈ 30; the clipped form would give 16.1.
    expect(ref(CLS, 'binary_focal_crossentropy', x, { from_logits: 1 })).toBeCloseTo(P.binary_focal_crossentropy(x.y_pred, x.y_true, { from_logits: true }) as number, 10);
    expect(ref(CLS, 'binary_focal_crossentropy', x, { from_logits: 1 })).toBeGreaterThan(14.9);
  });
  it('categorical_focal_crossentropy divides each row by its sum: scaled probabilities give the same loss', () => {
    const x = probsAndTargets(9, [4, 3]);
    const scaled = { ...x, y_pred: { ...x.y_pred!, data: x.y_pred!.data.map((v) => v * 0.5) } };
    expect(ref(CLS, 'categorical_focal_crossentropy', scaled)).toBeCloseTo(ref(CLS, 'categorical_focal_crossentropy', x), 12);
  });
  it('DIoU of identical boxes is 0, of boxes apart 1 plus the centres term', () => {
    const t = fromNested([[0, 0, 2, 2]]);
    expect(ref(DET, 'distance_box_iou_loss', { p: t, t })).toBeCloseTo(0, 6);
    const apart = fromNested([[4, 0, 6, 2]]);
    // centres (1, 1) and (5, 1): ρ² = 16, enclosing box 6 × 2: c² = 40.
    expect(ref(DET, 'distance_box_iou_loss', { p: apart, t })).toBeCloseTo(1 + 16 / (40 + 1e-7), 12);
    expect(ref(DET, 'complete_box_iou_loss', { p: apart, t })).toBeCloseTo(1 + 16 / (40 + 1e-7), 12);
  });
  it('CIoU: a box of height 0 and positive width has aspect angle π/2, as torch.atan(inf)', () => {
    const x = { p: fromNested([[0, 0, 2, 0]]), t: fromNested([[0, 0, 2, 2]]) };
    expect(ref(DET, 'complete_box_iou_loss', x)).toBeCloseTo(P.complete_box_iou_loss(x.p, x.t) as number, 12);
  });
  it('nt_xent: a batch with no negative pair, or no positive pair, gives 0 (PML\'s zero loss)', () => {
    const e = labelled(12, [4, 3]).e!;
    expect(Math.abs(ref(MET, 'nt_xent', { e, label: fromNested([1, 1, 1, 1]) }))).toBeLessThan(1e-15);
    expect(Math.abs(ref(MET, 'nt_xent', { e, label: fromNested([0, 1, 2, 3]) }))).toBe(0);
    expect(P.nt_xent(e, fromNested([0, 1, 2, 3]))).toBe(0);
  });
  it('nt_xent averages over positive pairs, not anchors: a class of 3 has 6 pairs, a class of 2 has 2', () => {
    const x = { e: labelled(13, [5, 3]).e!, label: fromNested([0, 0, 0, 1, 1]) };
    expect(ref(MET, 'nt_xent', x)).toBeCloseTo(P.nt_xent(x.e, x.label), 12);
  });
  it('supcon: every label equal gives 0 (no negative pair in the batch), and an anchor without a positive is left out of the mean', () => {
    const e = labelled(14, [5, 3]).e!;
    expect(Math.abs(ref(MET, 'supcon', { e, label: fromNested([2, 2, 2, 2, 2]) }))).toBe(0);
    const label = fromNested([0, 0, 1, 1, 2]);
    const { value, perAnchor } = P.supcon(e, label);
    expect(Math.abs(perAnchor[4]!)).toBe(0);
    expect(value).toBeCloseTo(perAnchor.slice(0, 4).reduce((s, v) => s + v, 0) / 4, 12);
    expect(ref(MET, 'supcon', { e, label })).toBeCloseTo(value, 12);
  });
  it('multi_similarity: an anchor without positives still pays its negatives (log(1 + Σ) of an empty sum is 0)', () => {
    const e = labelled(15, [4, 3]).e!;
    const label = fromNested([0, 0, 1, 2]);
    expect(ref(MET, 'multi_similarity', { e, label })).toBeCloseTo(P.multi_similarity(e, label) as number, 12);
  });
  it('circle: only anchors with a positive and a negative count (AvgNonZeroReducer)', () => {
    const e = labelled(16, [5, 3]).e!;
    const label = fromNested([0, 0, 1, 1, 2]);
    const { value, perAnchor } = P.circle(e, label);
    expect(Math.abs(perAnchor[4]!)).toBe(0);
    expect(ref(MET, 'circle', { e, label })).toBeCloseTo(value, 12);
    expect(Math.abs(ref(MET, 'circle', { e, label: fromNested([1, 1, 1, 1, 1]) }))).toBe(0);
  });
  it('barlow_twins: identical views with features orthogonal over the batch: c = (N - 1)/N · I (the unbiased std)', () => {
    const za = fromNested([[1, 1], [-1, 1], [1, -1], [-1, -1]]);
    expect(ref(MET, 'barlow_twins', { za, zb: za })).toBeCloseTo(((4 - 1) / 4 - 1) ** 2 * 2, 12);
    expect(ref(MET, 'barlow_twins', { za, zb: za })).toBeCloseTo(P.barlow_twins(za, za) as number, 12);
  });
  it('barlow_twins: a feature constant over the batch counts as 0 (the pseudocode gives 0/0 = NaN)', () => {
    const za = fromNested([[1, 5], [-1, 5], [2, 5]]);
    const zb = fromNested([[0.5, 1], [-1, 2], [1, 0]]);
    expect(Number.isNaN(P.barlow_twins(za, zb) as number)).toBe(true);
    // Feature 1 of za standardised is 0: its row of c is 0, (1 - 0)² on the diagonal.
    const standardize = (col: number[]): number[] => {
      const mu = col.reduce((a, b) => a + b, 0) / col.length;
      const sd = Math.sqrt(col.reduce((a, b) => a + (b - mu) ** 2, 0) / (col.length - 1));
      return col.map((v) => (v - mu) / sd);
    };
    const [a0, b0, b1] = [standardize([1, -1, 2]), standardize([0.5, -1, 1]), standardize([1, 2, 0])];
    const c = (u: number[], v: number[]): number => u.reduce((acc, x, i) => acc + x * v[i]!, 0) / 3;
    expect(ref(MET, 'barlow_twins', { za, zb })).toBeCloseTo((1 - c(a0, b0)) ** 2 + 5e-3 * c(a0, b1) ** 2 + 1, 10);
  });
  it('MONAI: with one channel, softmax and include_background=False are ignored, and DiceCE takes BCE with logits', () => {
    const x = segmentation(17, [2, 1, 6]);
    const plain = ref(SEG, 'monai_dice', x);
    expect(ref(SEG, 'monai_dice', x, { activation: 2, include_background: 0 })).toBeCloseTo(plain, 12);
    expect(plain).toBeCloseTo(P.monai_dice(x.x!, x.y!), 12);
    expect(ref(SEG, 'monai_dice_ce', x)).toBeCloseTo(P.monai_dice_ce(x.x!, x.y!), 12);
  });
  it('MONAI focal with softmax and no background: the log-softmax is over the remaining channels', () => {
    const x = segmentation(18, [2, 3, 4]);
    const got = ref(SEG, 'monai_focal', x, { use_softmax: 1, include_background: 0 });
    expect(got).toBeCloseTo(P.monai_focal(x.x!, x.y!, { use_softmax: true, include_background: false }), 12);
  });
  it('MONAI generalized Dice: a class absent from the target gets the largest weight of the present ones', () => {
    const x = segmentation(19, [2, 3, 6]);
    // Class 2 absent everywhere: its weight 1/0² is replaced.
    const y = { ...x.y!, data: Float64Array.from(x.y!.data) };
    for (let b = 0; b < 2; b++) for (let s = 0; s < 6; s++) {
      if (y.data[(b * 3 + 2) * 6 + s] === 1) { y.data[(b * 3 + 2) * 6 + s] = 0; y.data[(b * 3 + 0) * 6 + s] = 1; }
    }
    for (const batch of [0, 1]) {
      expect(ref(SEG, 'monai_generalized_dice', { x: x.x!, y }, { batch })).toBeCloseTo(P.monai_generalized_dice(x.x!, y, { batch: batch === 1 }), 12);
    }
    // Every class absent: every weight 0, the loss 1 - smooth_nr/smooth_dr = 0.
    const none = { shape: y.shape, data: new Float64Array(y.data.length) };
    expect(ref(SEG, 'monai_generalized_dice', { x: x.x!, y: none })).toBeCloseTo(0, 12);
  });
  it("MONAI generalized Dice's 'none': one value per sample [B]", () => {
    const fn = lossFn(SEG, 'monai_generalized_dice');
    const x = segmentation(20, [3, 4, 6]);
    const inputs = toTf(fn, x);
    const none = evaluateTfjs(fn, inputs, {}, { reduction: 'none' });
    expect(none.shape).toEqual([3]);
    const per = [0, 1, 2].map((b) => P.monai_generalized_dice({ shape: [1, 4, 6], data: x.x!.data.slice(b * 24, (b + 1) * 24) }, { shape: [1, 4, 6], data: x.y!.data.slice(b * 24, (b + 1) * 24) }));
    expect(maxRelErr(Float64Array.from(none.dataSync()), per, 1e-6)).toBeLessThan(1e-5);
    tf.dispose([none, ...Object.values(inputs)]);
  });
});

// ---------------------------------------------------------------------------------------
// Extreme inputs

/** Boolean options as booleans, which the evaluator and the generated functions both take. */
const asBools = (h: Hypers): Hypers => asOptions(h) as unknown as Hypers;
const EXTREMES: Record<string, readonly ExtremeCase[]> = (() => {
  const n = fromNested;
  const fd = (loss: string, what: string, x: Inputs, oracle: (v: Inputs) => number, wrt: string[], hypers?: Record<string, number>): ExtremeCase =>
    ({ loss, what, x, want: oracle(x), grads: 'fd', oracle, wrt, ...(hypers ? { hypers: asBools(hypers) } : {}) });
  const value = (loss: string, what: string, x: Inputs, want: number, hypers?: Record<string, number>): ExtremeCase => ({ loss, what, x, want, ...(hypers ? { hypers: asBools(hypers) } : {}) });
  const same = n([[0.5, -0.25, 1], [0.5, -0.25, 1], [2, 0, -1], [2, 0, -1]]);
  const seg = segmentation(21, [2, 3, 4]);
  const big = { x: { ...seg.x!, data: seg.x!.data.map((v, i) => (i % 2 === 0 ? 1e4 : -1e4) * v) }, y: seg.y! };
  const emptySeg = { x: { ...seg.x!, data: new Float64Array(seg.x!.data.length) }, y: { ...seg.y!, data: new Float64Array(seg.y!.data.length) } };
  return {
    [CLS]: [
      fd('categorical_focal_crossentropy', 'logits ±1e4 (from_logits)', { y_pred: n([[1e4, -1e4, 0], [-1e4, 1e4, 0]]), y_true: n([[0, 1, 0], [0, 1, 0]]) },
        (v) => P.categorical_focal_crossentropy(v.y_pred!, v.y_true!, { from_logits: true }) as number, ['y_true'], { from_logits: 1 }),
      value('categorical_focal_crossentropy', 'probabilities exactly 0 and 1 (clipped)', { y_pred: n([[0, 1, 0], [1, 0, 0]]), y_true: n([[0, 1, 0], [0, 1, 0]]) },
        P.categorical_focal_crossentropy(n([[0, 1, 0], [1, 0, 0]]), n([[0, 1, 0], [0, 1, 0]])) as number),
      value('categorical_focal_crossentropy', 'a row of zeros (Keras: 0/0)', { y_pred: n([[0, 0, 0], [0.2, 0.3, 0.5]]), y_true: n([[0, 1, 0], [0, 1, 0]]) },
        (0.25 * (1 - 1e-7) ** 2 * -Math.log(1e-7) + (P.categorical_focal_crossentropy(n([[0.2, 0.3, 0.5]]), n([[0, 1, 0]])) as number)) / 2),
      fd('binary_focal_crossentropy', 'logits ±1e4, gamma 0.5 (from_logits)', { y_pred: n([[1e4, -1e4], [-1e4, 1e4]]), y_true: n([[0, 1], [0, 1]]) },
        (v) => P.binary_focal_crossentropy(v.y_pred!, v.y_true!, { from_logits: true, gamma: 0.5 }) as number, ['y_pred'], { from_logits: 1, gamma: 0.5 }),
      // The clip's upper end 1 - 1e-7 is 1 - 1.19e-7 in float32, as in Keras's float32: the wrong p = 1 costs -log(1.19e-7).
      value('binary_focal_crossentropy', 'probabilities exactly 0 and 1 (clipped; float32 rounds 1 - 1e-7)', { y_pred: n([[0, 1], [1, 0]]), y_true: n([[0, 1], [0, 1]]) },
        (-Math.log(1 - Math.fround(1 - 1e-7)) - Math.log(1e-7)) / 4),
    ],
    [DET]: [
      value('distance_box_iou_loss', 'identical boxes', { p: n([[0, 0, 2, 3]]), t: n([[0, 0, 2, 3]]) }, P.distance_box_iou_loss(n([[0, 0, 2, 3]]), n([[0, 0, 2, 3]])) as number),
      value('complete_box_iou_loss', 'identical boxes', { p: n([[0, 0, 2, 3]]), t: n([[0, 0, 2, 3]]) }, P.complete_box_iou_loss(n([[0, 0, 2, 3]]), n([[0, 0, 2, 3]])) as number),
      value('distance_box_iou_loss', 'zero-area boxes at one point', { p: n([[1, 1, 1, 1]]), t: n([[1, 1, 1, 1]]) }, 1),
      // torch: atan(0/0) = NaN; here atan2(0, 0) = 0 for both, v = 0.
      value('complete_box_iou_loss', 'zero-area boxes at one point (torch: NaN)', { p: n([[1, 1, 1, 1]]), t: n([[1, 1, 1, 1]]) }, 1),
      fd('distance_box_iou_loss', 'boxes 1e4 apart', { p: n([[0, 0, 1, 1]]), t: n([[1e4, 1e4, 1e4 + 1, 1e4 + 1]]) }, (v) => P.distance_box_iou_loss(v.p!, v.t!) as number, ['p', 't']),
      value('complete_box_iou_loss', 'a box of height 0', { p: n([[0, 0, 2, 0]]), t: n([[0, 0, 2, 2]]) }, P.complete_box_iou_loss(n([[0, 0, 2, 0]]), n([[0, 0, 2, 2]])) as number),
    ],
    [MET]: [
      fd('nt_xent', 'identical embeddings in pairs', { e: same, label: n([0, 0, 1, 1]) }, (v) => P.nt_xent(v.e!, v.label!), ['e']),
      value('nt_xent', 'a zero embedding', { e: n([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]]), label: n([0, 0, 1, 1]) }, P.nt_xent(n([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]]), n([0, 0, 1, 1]))),
      fd('nt_xent', 'temperature 1e-3', { e: labelled(22, [4, 2]).e!, label: n([0, 0, 1, 1]) }, (v) => P.nt_xent(v.e!, v.label!, 1e-3), ['e'], { temperature: 1e-3 }),
      fd('supcon', 'identical embeddings in pairs', { e: same, label: n([0, 0, 1, 1]) }, (v) => P.supcon(v.e!, v.label!).value, ['e']),
      value('supcon', 'all-zero embeddings', { e: n([[0, 0], [0, 0], [0, 0]]), label: n([0, 0, 1]) }, P.supcon(n([[0, 0], [0, 0], [0, 0]]), n([0, 0, 1])).value),
      fd('multi_similarity', 'identical embeddings in pairs', { e: same, label: n([0, 0, 1, 1]) }, (v) => P.multi_similarity(v.e!, v.label!) as number, ['e']),
      value('multi_similarity', 'every embedding identical, beta 1e3', { e: n([[1, 2], [1, 2], [1, 2]]), label: n([0, 1, 1]) }, P.multi_similarity(n([[1, 2], [1, 2], [1, 2]]), n([0, 1, 1]), 2, 1e3) as number, { beta: 1e3 }),
      value('circle', 'identical embeddings in pairs, gamma 1e4', { e: same, label: n([0, 0, 1, 1]) }, P.circle(same, n([0, 0, 1, 1]), 0.4, 1e4).value, { gamma: 1e4 }),
      fd('barlow_twins', 'features of 1e4', { za: n([[1e4, 1], [-1e4, 2], [3e3, 0]]), zb: n([[2e4, -1], [0, 1], [1e4, 3]]) }, (v) => P.barlow_twins(v.za!, v.zb!) as number, ['za', 'zb']),
    ],
    [SEG]: [
      value('monai_dice', 'logits ±1e4, softmax', big, P.monai_dice(big.x, big.y, { softmax: true }), { activation: 2 }),
      value('monai_dice', 'an empty prediction and target (0 with smoothing)', emptySeg, 0),
      value('monai_dice_ce', 'logits ±1e4, softmax', big, P.monai_dice_ce(big.x, big.y, { softmax: true }), { activation: 2 }),
      value('monai_focal', 'logits ±1e4, softmax, gamma 0.5', big, P.monai_focal(big.x, big.y, { use_softmax: true, gamma: 0.5 }), { use_softmax: 1, gamma: 0.5 }),
      value('monai_focal', 'logits ±1e4, sigmoid', big, P.monai_focal(big.x, big.y), {}),
      value('monai_dice_focal', 'logits ±1e4, sigmoid', big, P.monai_dice_focal(big.x, big.y, { sigmoid: true }), { activation: 1 }),
      value('monai_tversky', 'an empty prediction and target', emptySeg, 0),
      value('monai_generalized_dice', 'an empty target (every weight replaced by 0)', emptySeg, 0),
      value('monai_generalized_dice', 'logits ±1e4, sigmoid', big, P.monai_generalized_dice(big.x, big.y, { sigmoid: true }), { activation: 1 }),
    ],
  };
})();
describe('extreme inputs', () => {
  for (const [file, cases] of Object.entries(EXTREMES)) describeExtremes(file, cases, moduleOf);
});
