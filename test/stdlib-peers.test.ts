// The peers' losses beyond the tutorial (Keras's msle, mape, poisson, cosine_similarity,
// categorical_hinge, squared_hinge, kl_divergence; torch.nn.functional's margin_ranking,
// hinge_embedding, cosine_embedding, soft_margin, multilabel_soft_margin, multi_margin,
// poisson_nll, gaussian_nll, kl_div) against the float64 oracles of test/oracle/peers.ts,
// written from the peers' definitions, and finite differences of those oracles.
import * as tf from '@tensorflow/tfjs';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { maxRelErr } from './oracle/fd.js';
import { softmaxLastAxis } from './oracle/math.js';
import * as P from './oracle/peers.js';
import { fromNested, mulberry32, randomInts, randomTensor, type F64Tensor, type Rng } from './oracle/tensor.js';
import { evaluateReference } from '../src/reference/evaluate.js';
import { dataOf, describeExtremes, describeGeneratedModules, describeLossCases, lossFn, refValue, roundInputs, tfjsValueAndGrads, toRef, toTf, useWasm, type ExtremeCase, type Hypers, type Inputs, type LossCase, type Reduction } from './helpers/loss-harness.js';

const REG = 'stdlib/regression.loss';
const CLS = 'stdlib/classification.loss';
const MET = 'stdlib/metric.loss';
const R = (reduction?: Reduction, weights?: F64Tensor) => ({ ...(reduction ? { reduction } : {}), ...(weights ? { weights } : {}) });
const U = (shape: number[], rng: Rng, lo: number, hi: number) => randomTensor(shape, rng, { lo, hi });
const signs = (shape: number[], rng: Rng): F64Tensor => ({ shape: [...shape], data: randomInts(shape, rng, 2).data.map((b) => 2 * b - 1) });
const softmaxRows = softmaxLastAxis;
const oneHotRows = (shape: number[], rng: Rng): F64Tensor => {
  const C = shape[shape.length - 1]!;
  const data = new Float64Array(shape.reduce((a, b) => a * b, 1));
  for (let r = 0; r < data.length / C; r++) data[r * C + rng.int(C)] = 1;
  return { shape: [...shape], data };
};

const predTarget = (lo: number, hi: number, tlo = lo, thi = hi) => (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  return { pred: U(shape, rng, lo, hi), target: U(shape, rng, tlo, thi) };
};
/** Targets away from 0 with either sign, as MAPE is meant for. */
const percentages = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  const s = signs(shape, rng);
  return { pred: U(shape, rng, -3, 3), target: { shape: [...shape], data: U(shape, rng, 0.5, 3).data.map((v, i) => v * s.data[i]!) } };
};
const scoresOneHot = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  return { x: U(shape, rng, -2, 2), y: oneHotRows(shape, rng) };
};
const scoresPm1 = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  return { x: U(shape, rng, -2, 2), y: signs(shape, rng) };
};
const distributions = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  return { y: softmaxRows(U(shape, rng, -2, 2), false), p: softmaxRows(U(shape, rng, -2, 2), false) };
};
const logInputs = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  return { input: softmaxRows(U(shape, rng, -2, 2), true), target: softmaxRows(U(shape, rng, -2, 2), false) };
};
const rankingPairs = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  return { x1: U(shape, rng, -2, 2), x2: U(shape, rng, -2, 2), y: signs(shape, rng) };
};
const embeddingPairs = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  return { x1: U(shape, rng, -1, 1), x2: U(shape, rng, -1, 1), y: signs([shape[0]!], rng) };
};
const classScores = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  return { x: U(shape, rng, -1.5, 1.5), t: randomInts([shape[0]!], rng, shape[1]!) };
};
const multiLabel = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  return { x: U(shape, rng, -3, 3), y: randomInts(shape, rng, 2) };
};
const counts = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  return { input: U(shape, rng, 0.1, 2), target: U(shape, rng, 0, 5) };
};
const gaussian = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  return { input: U(shape, rng, -2, 2), target: U(shape, rng, -2, 2), var: U(shape, rng, 0.1, 2) };
};

const CLASS_WEIGHT = fromNested([0.5, 2, 1.25, 0.8]);
const flag = (v: number | undefined, dflt: boolean): boolean => (v === undefined ? dflt : v !== 0);

const CASES: readonly LossCase[] = [
  // Keras
  { file: REG, loss: 'msle', oracle: (x, _h, r, w) => P.msle(x.pred!, x.target!, R(r, w)), inputs: predTarget(-0.5, 4, 0, 4), shapes: [[5, 3], [2, 3, 4]], hypers: [] },
  { file: REG, loss: 'mape', oracle: (x, _h, r, w) => P.mape(x.pred!, x.target!, R(r, w)), inputs: percentages, shapes: [[5, 3], [2, 3, 4]], hypers: [] },
  { file: REG, loss: 'poisson', oracle: (x, _h, r, w) => P.poisson(x.pred!, x.target!, R(r, w)), inputs: predTarget(0.05, 3, 0, 5), shapes: [[5, 3], [2, 3, 4]], hypers: [] },
  { file: REG, loss: 'cosine_similarity', oracle: (x, _h, r, w) => P.cosine_similarity(x.pred!, x.target!, R(r, w)), inputs: predTarget(-1, 1), shapes: [[5, 3], [2, 3, 4]], hypers: [] },
  { file: CLS, loss: 'categorical_hinge', oracle: (x, _h, r, w) => P.categorical_hinge(x.x!, x.y!, R(r, w)), inputs: scoresOneHot, shapes: [[6, 4], [2, 3, 5]], hypers: [], wrt: ['x'] },
  { file: CLS, loss: 'squared_hinge', oracle: (x, _h, r, w) => P.squared_hinge(x.x!, x.y!, R(r, w)), inputs: scoresPm1, shapes: [[6, 4], [2, 3, 5]], hypers: [], wrt: ['x'] },
  { file: CLS, loss: 'kl_divergence', oracle: (x, _h, r, w) => P.kl_divergence(x.y!, x.p!, R(r, w)), inputs: distributions, shapes: [[6, 4], [2, 3, 5]], hypers: [] },
  // torch.nn.functional
  { file: MET, loss: 'margin_ranking', oracle: (x, h, r, w) => P.margin_ranking(x.x1!, x.x2!, x.y!, h.margin ?? 0, R(r, w)), inputs: rankingPairs, shapes: [[8], [3, 4]], hypers: [{ margin: 0.5 }, { margin: -0.2 }], wrt: ['x1', 'x2'] },
  { file: MET, loss: 'hinge_embedding', oracle: (x, h, r, w) => P.hinge_embedding(x.x!, x.y!, h.margin ?? 1, R(r, w)), inputs: (s, sh) => { const p = rankingPairs(s, sh); return { x: p.x1!, y: p.y! }; }, shapes: [[8], [3, 4]], hypers: [{ margin: 2 }, { margin: 0.3 }], wrt: ['x'] },
  { file: MET, loss: 'cosine_embedding', oracle: (x, h, r, w) => P.cosine_embedding(x.x1!, x.x2!, x.y!, h.margin ?? 0, R(r, w)), inputs: embeddingPairs, shapes: [[6, 3], [4, 8]], hypers: [{ margin: 0.3 }, { margin: -0.5 }], wrt: ['x1', 'x2'] },
  { file: CLS, loss: 'soft_margin', oracle: (x, _h, r, w) => P.soft_margin(x.x!, x.y!, R(r, w)), inputs: scoresPm1, shapes: [[8], [3, 4]], hypers: [], wrt: ['x'] },
  { file: CLS, loss: 'multilabel_soft_margin', oracle: (x, _h, r, w) => P.multilabel_soft_margin(x.x!, x.y!, undefined, R(r, w)), inputs: multiLabel, shapes: [[5, 4], [3, 7]], hypers: [], wrt: ['x'] },
  {
    file: CLS, loss: 'multi_margin',
    oracle: (x, h, r, w) => P.multi_margin(x.x!, x.t!, { p: h.p ?? 1, margin: h.margin ?? 1, ...R(r, w) }),
    inputs: classScores, shapes: [[6, 4], [3, 5]], hypers: [{ p: 2 }, { margin: 0.4 }, { p: 2, margin: 2 }], wrt: ['x'],
  },
  {
    file: REG, loss: 'poisson_nll',
    oracle: (x, h, r, w) => P.poisson_nll(x.input!, x.target!, { log_input: flag(h.log_input, true), full: flag(h.full, false), eps: h.eps ?? 1e-8, ...R(r, w) }),
    inputs: counts, shapes: [[8], [3, 4]], hypers: [{ eps: 0.5 }, { log_input: 0 }, { full: 1 }, { log_input: 0, full: 1, eps: 0.1 }],
  },
  {
    file: REG, loss: 'gaussian_nll',
    oracle: (x, h, r, w) => P.gaussian_nll(x.input!, x.target!, x.var!, { full: flag(h.full, false), eps: h.eps ?? 1e-6, ...R(r, w) }),
    inputs: gaussian, shapes: [[8], [3, 4]], hypers: [{ eps: 0.05 }, { full: 1 }],
  },
  {
    file: CLS, loss: 'kl_div',
    oracle: (x, h, r, w) => P.kl_div(x.input!, x.target!, flag(h.log_target, false), R(r, w)),
    inputs: logInputs, shapes: [[6, 4], [2, 3, 5]], hypers: [{ log_target: 1 }],
  },
];

useWasm();
describeLossCases(CASES);
// The generated functions take booleans (not 0/1) and optional tensor inputs in the options:
// the module agreement below gives them as such; the harness's gets the other settings.
const BOOLS = new Set(['log_input', 'full', 'log_target']);
const WITH_OPTIONAL_INPUT = new Set(['multilabel_soft_margin', 'multi_margin']);
const moduleOf = describeGeneratedModules(
  'stdlib-peers',
  [REG, CLS, MET],
  CASES.filter((c) => !WITH_OPTIONAL_INPUT.has(c.loss)).map((c) => ({ ...c, hypers: c.hypers.filter((h) => Object.keys(h).every((k) => !BOOLS.has(k))) })),
);

describe('generated modules with booleans and optional inputs', () => {
  const asOptions = (h: Hypers): Record<string, number | boolean> => Object.fromEntries(Object.entries(h).map(([k, v]) => [k, BOOLS.has(k) ? v !== 0 : v]));
  const settings = CASES.flatMap((c) => c.hypers.filter((h) => Object.keys(h).some((k) => BOOLS.has(k))).map((h) => ({ c, h, weight: undefined as F64Tensor | undefined })))
    .concat(CASES.filter((c) => WITH_OPTIONAL_INPUT.has(c.loss)).flatMap((c) => [{}, ...c.hypers].flatMap((h) => [undefined, CLASS_WEIGHT].map((weight) => ({ c, h, weight })))));
  it.each(settings.map((s) => ({ ...s, title: `${s.c.loss} ${JSON.stringify(s.h)}${s.weight ? ' with weight' : ''}` })))('$title: module = oracle under every reduction', ({ c, h, weight }) => {
    const fn = lossFn(c.file, c.loss);
    const x = roundInputs(c.inputs(51, c.shapes[0]!));
    const full: Inputs = weight ? { ...x, weight } : x;
    const inputs = toTf(fn, full);
    const required = fn.inputs.filter((i) => i.name !== 'weight');
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      const got = moduleOf(c.file)[c.loss]!(...required.map((i) => inputs[i.name]!), { ...asOptions(h), reduction, ...(weight ? { weight: inputs.weight } : {}) });
      const want = c.loss === 'multilabel_soft_margin' ? P.multilabel_soft_margin(x.x!, x.y!, weight, { reduction })
        : c.loss === 'multi_margin' ? P.multi_margin(x.x!, x.t!, { p: h.p ?? 1, margin: h.margin ?? 1, ...(weight ? { weight } : {}), reduction })
        : c.oracle(x, h, reduction);
      expect(maxRelErr(Float64Array.from(got.dataSync()), dataOf(want), 1e-6)).toBeLessThan(2e-6);
      got.dispose();
    }
    tf.dispose(Object.values(inputs));
  });
});

describe('options whose weights are per class', () => {
  it('multilabel_soft_margin with weight: each class term scaled, still divided by C', () => {
    const x = multiLabel(40, [5, 4]);
    const got = refValue(CLS, 'multilabel_soft_margin', { ...x, weight: CLASS_WEIGHT })[0]!;
    expect(got).toBeCloseTo(P.multilabel_soft_margin(x.x!, x.y!, CLASS_WEIGHT) as number, 12);
    expect(Math.abs(got - (P.multilabel_soft_margin(x.x!, x.y!) as number))).toBeGreaterThan(1e-3);
  });
  it('multi_margin with weight: weight[t] scales a sample, the mean still divides by N', () => {
    const x = classScores(41, [6, 4]);
    for (const hypers of [{}, { p: 2, margin: 1.5 }] as Hypers[]) {
      const got = refValue(CLS, 'multi_margin', { ...x, weight: CLASS_WEIGHT }, hypers)[0]!;
      expect(got).toBeCloseTo(P.multi_margin(x.x!, x.t!, { ...hypers, weight: CLASS_WEIGHT }) as number, 12);
    }
  });
});

describe('where the peers have a subtlety', () => {
  it("cosine_similarity gives Keras's documented example: [-0, -0.99999994, 0.99999994] per sample", () => {
    // keras.losses.cosine_similarity's docstring: y_true = [[0, 1], [1, 1], [1, 1]], y_pred = [[1, 0], [1, 1], [-1, -1]].
    const fn = lossFn(REG, 'cosine_similarity');
    const x = { pred: fromNested([[1, 0], [1, 1], [-1, -1]]), target: fromNested([[0, 1], [1, 1], [1, 1]]) };
    const rows = evaluateReference(fn, toRef(x), {}, { reduction: 'none' });
    expect(rows.shape).toEqual([3]);
    expect(maxRelErr(rows.data, [0, -1, 1], 1e-12)).toBeLessThan(1e-12);
  });
  it("kl_div's 'mean' is torch's 'batchmean' on [N, C]; torch's 'mean' is that over C", () => {
    const x = logInputs(42, [6, 4]);
    const got = refValue(CLS, 'kl_div', x)[0]!;
    expect(got).toBeCloseTo(P.kl_div_batchmean(x.input!, x.target!), 12);
    // torch's elementwise 'mean' (sum over N·C terms) is the loss divided by C = 4.
    const sum = P.kl_div(x.input!, x.target!, false, { reduction: 'sum' }) as number;
    expect(got / 4).toBeCloseTo(sum / 24, 12);
  });
  it('kl_div counts a zero target probability as 0·log 0 = 0 (torch\'s xlogy)', () => {
    const input = softmaxRows(fromNested([[0.3, -1, 2]]), true);
    const target = fromNested([[0, 0.25, 0.75]]);
    expect(refValue(CLS, 'kl_div', { input, target })[0]).toBeCloseTo(P.kl_div(input, target) as number, 12);
  });
  it('squared_hinge maps labels that are all 0 or 1 to ±1, and leaves a batch with -1 as it is', () => {
    const x = fromNested([[0.3, -1.2], [2, 0.1]]);
    const binary = fromNested([[0, 1], [1, 0]]);
    const pm = fromNested([[-1, 1], [1, -1]]);
    const mixed = fromNested([[-1, 0], [1, 0]]);
    expect(refValue(CLS, 'squared_hinge', { x, y: binary })[0]).toBeCloseTo(refValue(CLS, 'squared_hinge', { x, y: pm })[0]!, 12);
    expect(refValue(CLS, 'squared_hinge', { x, y: binary })[0]).toBeCloseTo(P.squared_hinge(x, binary) as number, 12);
    // A 0 beside a -1 is a label of 0: max(0, 1 - 0)² = 1 for it.
    expect(refValue(CLS, 'squared_hinge', { x, y: mixed })[0]).toBeCloseTo(P.squared_hinge(x, mixed) as number, 12);
    expect(P.squared_hinge(x, mixed)).toBeCloseTo((1.3 ** 2 + 1 + 0 + 1) / 4, 12);
  });
  it("hinge_embedding's y = 1 term is x itself, negative x included", () => {
    const x = fromNested([-0.5, 0.25, 3]);
    const y = fromNested([1, 1, -1]);
    expect(refValue(MET, 'hinge_embedding', { x, y })[0]).toBeCloseTo((-0.5 + 0.25 + 0) / 3, 12);
  });
  it("poisson_nll's Stirling term counts only where target > 1", () => {
    const input = fromNested([0.5, 0.5, 0.5]);
    const target = fromNested([0.5, 1, 3]);
    const plain = refValue(REG, 'poisson_nll', { input, target })[0]!;
    const full = refValue(REG, 'poisson_nll', { input, target }, { full: 1 })[0]!;
    expect(full - plain).toBeCloseTo((3 * Math.log(3) - 3 + 0.5 * Math.log(2 * Math.PI * 3)) / 3, 12);
    expect(full).toBeCloseTo(P.poisson_nll(input, target, { full: true }) as number, 12);
  });
  it("Keras's poisson is torch's poisson_nll(log_input: false, eps: 1e-7) per element, averaged per sample first", () => {
    const x = predTarget(0.05, 3, 0, 5)(43, [4, 3]);
    const keras = refValue(REG, 'poisson', x)[0]!;
    const torch = refValue(REG, 'poisson_nll', { input: x.pred!, target: x.target! }, { log_input: 0, eps: 1e-7 })[0]!;
    expect(keras).toBeCloseTo(torch, 12);
  });
  it("gaussian_nll's clamp of var is not in the gradient (torch clamps under no_grad)", () => {
    // var 0 and 1e-8 are both clamped to eps = 1e-3: the value is the clamped one, and the
    // gradient along var is the one at eps, not 0.
    const fn = lossFn(REG, 'gaussian_nll');
    const x = { input: fromNested([0.5, 0, 1]), target: fromNested([0, 0, 2]), var: fromNested([0, 1e-8, 0.5]) };
    const eps = 1e-3;
    const got = tfjsValueAndGrads(fn, x, { eps }, ['var']);
    const vs = [eps, eps, 0.5];
    const es = [0.5, 0, -1];
    const want = vs.reduce((s, v, i) => s + 0.5 * (Math.log(v) + es[i]! ** 2 / v), 0) / 3;
    expect(Math.abs(got.value[0]! - want) / Math.abs(want)).toBeLessThan(1e-5);
    const grad = vs.map((v, i) => (0.5 * (1 / v - es[i]! ** 2 / v ** 2)) / 3);
    grad.forEach((g, i) => expect(Math.abs(got.grads.var![i]! - g) / Math.abs(g)).toBeLessThan(1e-5));
  });
  it('cosine_similarity normalises (tf.losses-style cosine_distance does not): unit inputs give cosine_distance - 1', () => {
    const pred = fromNested([[0.6, 0.8], [1, 0]]);
    const target = fromNested([[0, 1], [0.6, -0.8]]);
    const sim = refValue(REG, 'cosine_similarity', { pred, target })[0]!;
    const dist = refValue(CLS, 'cosine_distance', { x: pred, labels: target })[0]!;
    expect(sim).toBeCloseTo(dist - 1, 12);
    const scaled = refValue(REG, 'cosine_similarity', { pred: { shape: [2, 2], data: pred.data.map((v) => 5 * v) }, target })[0]!;
    expect(scaled).toBeCloseTo(sim, 12);
  });
});

const EXTREMES: readonly ExtremeCase[] = (() => {
  const fd = (loss: string, what: string, x: Inputs, oracle: (v: Inputs) => number, wrt: string[], hypers?: Record<string, number>): ExtremeCase =>
    ({ loss, what, x, want: oracle(x), grads: 'fd', oracle, wrt, ...(hypers ? { hypers } : {}) });
  const rows2 = (a: number[][]) => fromNested(a);
  return [
    fd('msle', 'negative predictions (clipped at 1e-7, gradient 0)', { pred: rows2([[-3, 0.5], [-1e-3, 2]]), target: rows2([[1, 0], [0.2, 2]]) }, (v) => P.msle(v.pred!, v.target!) as number, ['pred']),
    fd('mape', 'a zero target (divided by 1e-7)', { pred: rows2([[0.5, 1], [2, -1]]), target: rows2([[0, 1], [2, 3]]) }, (v) => P.mape(v.pred!, v.target!) as number, ['pred']),
    fd('poisson', 'a zero rate', { pred: rows2([[0, 1], [2, 0.5]]), target: rows2([[3, 1], [0, 2]]) }, (v) => P.poisson(v.pred!, v.target!) as number, ['target']),
    { loss: 'cosine_similarity', what: 'a zero vector', x: { pred: rows2([[0, 0, 0], [1, 2, 3]]), target: rows2([[1, 0, 0], [0, 0, 0]]) }, want: 0 },
    // At a clip's end the gradient is one-sided: only the value is compared (and finiteness).
    (() => { const x = { y: rows2([[0, 1, 0], [0.5, 0.5, 0]]), p: rows2([[0.2, 0, 0.8], [0, 0.5, 0.5]]) }; return { loss: 'kl_divergence', what: 'zeros in both distributions (clipped at 1e-7)', x, want: P.kl_divergence(x.y, x.p) as number }; })(),
    fd('categorical_hinge', 'scores of 1e4', { x: rows2([[1e4, -1e4, 3], [0, 1e4, 1e4]]), y: rows2([[0, 1, 0], [1, 0, 0]]) }, (v) => P.categorical_hinge(v.x!, v.y!) as number, ['x']),
    fd('soft_margin', 'scores of ±100', { x: fromNested([100, -100, 100, 0]), y: fromNested([-1, -1, 1, 1]) }, (v) => P.soft_margin(v.x!, v.y!) as number, ['x']),
    fd('multilabel_soft_margin', 'logits of ±100', { x: rows2([[100, -100], [-100, 100]]), y: rows2([[0, 0], [0, 1]]) }, (v) => P.multilabel_soft_margin(v.x!, v.y!) as number, ['x']),
    { loss: 'cosine_embedding', what: 'a zero row (cos 0)', x: { x1: rows2([[0, 0, 0], [1, 2, 3]]), x2: rows2([[1, 0, 0], [0, 0, 0]]), y: fromNested([1, -1]) }, want: 0.5 },
    fd('kl_div', 'zero target probabilities', { input: softmaxRows(rows2([[1, 2, 3], [0, 0, 30]]), true), target: rows2([[0, 0, 1], [0.5, 0.5, 0]]) }, (v) => P.kl_div(v.input!, v.target!) as number, ['input']),
    fd('gaussian_nll', 'a zero variance (clamped at eps)', { input: fromNested([0.5, 1]), target: fromNested([0, 1]), var: fromNested([0, 1]) }, (v) => P.gaussian_nll(v.input!, v.target!, v.var!) as number, ['input', 'target']),
    fd('multi_margin', 'every score equal', { x: rows2([[1, 1, 1], [0, 0, 0]]), t: fromNested([0, 2]) }, (v) => P.multi_margin(v.x!, v.t!) as number, ['x']),
  ];
})();
describe('extreme inputs', () => {
  it('poisson_nll, a zero rate (log of eps): the evaluator (log_input 0) and the module (log_input false) give the oracle, gradients finite', () => {
    const fn = lossFn(REG, 'poisson_nll');
    const x = { input: fromNested([0, 1]), target: fromNested([3, 1]) };
    const want = P.poisson_nll(x.input, x.target, { log_input: false }) as number;
    // d/dinput = (1 - target / (input + eps)) / 2: -1.5e8 at the zero rate.
    const grad = [(1 - 3 / 1e-8) / 2, (1 - 1 / (1 + 1e-8)) / 2];
    const evaluated = tfjsValueAndGrads(fn, x, { log_input: 0 }, ['input']);
    const inputs = toTf(fn, x);
    const viaModule = tf.valueAndGrad((i: tf.Tensor) => moduleOf(REG).poisson_nll!(i, inputs.target, { log_input: false }) as tf.Scalar)(inputs.input!);
    for (const [value, g] of [[evaluated.value[0]!, evaluated.grads.input!], [viaModule.value.dataSync()[0]!, viaModule.grad.dataSync()]] as const) {
      expect(Math.abs(value - want) / want).toBeLessThan(1e-6);
      expect(maxRelErr(Float64Array.from(g), grad, 1e-3)).toBeLessThan(1e-5);
    }
    tf.dispose([viaModule.value, viaModule.grad, ...Object.values(inputs)]);
  });
  for (const file of [REG, CLS, MET]) {
    const here = EXTREMES.filter((e) => CASES.find((c) => c.loss === e.loss)!.file === file);
    describeExtremes(file, here, moduleOf);
  }
});

describe('docs/stdlib.md', () => {
  it('lists every stdlib loss, under its file', () => {
    const doc = readFileSync('docs/stdlib.md', 'utf8');
    const missing: string[] = [];
    for (const file of readdirSync('stdlib').filter((f) => f.endsWith('.loss'))) {
      for (const [, name] of readFileSync(`stdlib/${file}`, 'utf8').matchAll(/^loss (\w+)/gm)) {
        if (!doc.includes(`| ${name} |`)) missing.push(`${file}: ${name}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
