// stdlib/metric.loss (contrastive, triplet_margin, batch_hard_triplet, info_nce, nt_xent_simple; triplet is in
// stdlib.test.ts) against the float64 oracles of test/oracle/metric.ts and finite differences.
import { describe, expect, it } from 'vitest';
import { batch_hard_triplet, contrastive, info_nce, nt_xent_simple, triplet, triplet_margin } from './oracle/metric.js';
import { fromNested, mulberry32, randomInts, randomTensor, type F64Tensor } from './oracle/tensor.js';
import { evaluateReference } from '../src/reference/evaluate.js';
import { maxRelErr } from './oracle/fd.js';
import {
  describeExtremes,
  lossFn,
  toRef,
  describeGeneratedModules,
  describeLossCases,
  refValue,
  useWasm,
  type ExtremeCase,
  type Inputs,
  type LossCase,
  type Reduction,
} from './helpers/loss-harness.js';

const MET = 'stdlib/metric.loss';
const R = (reduction?: Reduction, weights?: F64Tensor) => ({ ...(reduction ? { reduction } : {}), ...(weights ? { weights } : {}) });

const pairsWithLabels = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  return { x1: randomTensor(shape, rng), x2: randomTensor(shape, rng), y: randomInts([shape[0]!], rng, 2) };
};
const triples = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  return { a: randomTensor(shape, rng), pos: randomTensor(shape, rng), neg: randomTensor(shape, rng) };
};
/** Embeddings [N, D] with labels from 3 classes. */
const labelled = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  return { e: randomTensor(shape, rng), label: randomInts([shape[0]!], rng, 3) };
};

/** Two views [N, D] of the same N samples. */
const views = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  return { zi: randomTensor(shape, rng), zj: randomTensor(shape, rng) };
};

const CASES: readonly LossCase[] = [
  { file: MET, loss: 'contrastive', oracle: (x, h, r, w) => contrastive(x.x1!, x.x2!, x.y!, { margin: h.margin ?? 1, ...R(r, w) }), inputs: pairsWithLabels, shapes: [[6, 4], [9, 2]], hypers: [{ margin: 2 }, { margin: 0.5 }] },
  {
    file: MET, loss: 'triplet_margin',
    oracle: (x, h, r, w) => triplet_margin(x.a!, x.pos!, x.neg!, { margin: h.margin ?? 1, p: h.p ?? 2, swap: !!h.swap, ...R(r, w) }),
    inputs: triples, shapes: [[6, 4], [3, 8]], hypers: [{ margin: 0.3 }, { p: 1 }, { p: 1, swap: 1 }, { swap: 1, margin: 2 }],
  },
  { file: MET, loss: 'batch_hard_triplet', oracle: (x, h) => batch_hard_triplet(x.e!, x.label!, { margin: h.margin ?? 1 }), inputs: labelled, shapes: [[8, 3], [12, 5]], hypers: [{ margin: 0.2 }, { margin: 5 }], reductions: false },
  // Per-query losses are [V, N] (2N queries); weights per view-sample are checked below.
  { file: MET, loss: 'info_nce', oracle: (x, h) => info_nce(x.zi!, x.zj!, { temperature: h.temperature ?? 0.07 }), inputs: views, shapes: [[5, 3], [8, 16]], hypers: [{ temperature: 0.5 }, { temperature: 1 }], reductions: false },
  { file: MET, loss: 'nt_xent_simple', oracle: (x, h, r, w) => nt_xent_simple(x.zi!, x.zj!, { temperature: h.temperature ?? 0.5, ...R(r, w) }), inputs: views, shapes: [[5, 3], [8, 16]], hypers: [{ temperature: 0.07 }, { temperature: 2 }] },
];

useWasm();
describeLossCases(CASES);
const moduleOf = describeGeneratedModules('stdlib-metric', [MET], CASES);

describe('where the tutorial and PyTorch differ', () => {
  it("info_nce's per-query losses are the oracle's rows, in view-major order (reduction 'none')", () => {
    const x = views(12, [6, 4]);
    const fn = lossFn(MET, 'info_nce');
    const rows = evaluateReference(fn, toRef(x), {}, { reduction: 'none' });
    expect(rows.shape).toEqual([2, 6]);
    const want = info_nce(x.zi!, x.zj!, { reduction: 'none' });
    expect(maxRelErr(rows.data, want.data, 1e-12)).toBeLessThan(1e-12);
  });
  it("nt_xent_simple counts the positive twice, so it exceeds info_nce's first-view terms", () => {
    const x = views(13, [6, 4]);
    const simple = refValue(MET, 'nt_xent_simple', x, { temperature: 0.5 })[0]!;
    const firstView = info_nce(x.zi!, x.zj!, { temperature: 0.5, reduction: 'none' }).data.slice(0, 6);
    expect(simple).toBeCloseTo(nt_xent_simple(x.zi!, x.zj!, { temperature: 0.5 }), 12);
    // log(e^p + e^p + Σ others) - p = softplus(info_nce row): larger than the row itself.
    const softplusMean = firstView.reduce((s, v) => s + Math.log1p(Math.exp(v)), 0) / 6;
    expect(simple).toBeCloseTo(softplusMean, 10);
  });
  it("contrastive follows the tutorial's code, without the ½ of its formula line", () => {
    const x = pairsWithLabels(3, [10, 4]);
    const got = refValue(MET, 'contrastive', x)[0]!;
    const code = contrastive(x.x1!, x.x2!, x.y!);
    expect(got).toBeCloseTo(code, 12);
    // The formula line, L = ½[y·d² + (1 − y)·max(0, m − d)²], is not what the code computes.
    expect(Math.abs(got - 0.5 * code)).toBeGreaterThan(1e-3);
  });
  it("triplet_margin (torch: plain distance + eps) differs from the tutorial's triplet (squared distance)", () => {
    const x = triples(4, [10, 4]);
    const torch = refValue(MET, 'triplet_margin', x)[0]!;
    const tutorial = refValue('stdlib/metric.loss', 'triplet', { a: x.a!, p: x.pos!, n: x.neg! })[0]!;
    expect(torch).toBeCloseTo(triplet_margin(x.a!, x.pos!, x.neg!), 12);
    expect(tutorial).toBeCloseTo(triplet(x.a!, x.pos!, x.neg!), 12);
    expect(Math.abs(torch - tutorial)).toBeGreaterThan(1e-3);
  });
  it('the distance swap matters on the inputs the oracle checks use', () => {
    const x = triples(100, [6, 4]);
    const swapped = refValue(MET, 'triplet_margin', x, { swap: 1, margin: 2 })[0]!;
    expect(swapped).toBeCloseTo(triplet_margin(x.a!, x.pos!, x.neg!, { swap: true, margin: 2 }), 12);
    expect(Math.abs(swapped - triplet_margin(x.a!, x.pos!, x.neg!, { margin: 2 }))).toBeGreaterThan(1e-3);
  });
  it('batch_hard_triplet averages only over anchors with a positive and a negative', () => {
    // Samples 2 and 3 have unique labels, so only anchors 0 and 1 count: with margin 2,
    // anchor 0 gives relu(1 − 2 + 2) = 1 and anchor 1 relu(1 − √5 + 2) = 3 − √5.
    const x = { e: fromNested([[0, 0], [1, 0], [0, 2], [3, 3]]), label: fromNested([0, 0, 1, 2]) };
    const want = (1 + 3 - Math.sqrt(5)) / 2;
    expect(batch_hard_triplet(x.e, x.label, { margin: 2 })).toBeCloseTo(want, 12);
    expect(refValue(MET, 'batch_hard_triplet', x, { margin: 2 })[0]).toBeCloseTo(want, 12);
  });
});

const near = (loss: string, what: string, x: Inputs, oracle: (v: Inputs) => number, wrt: string[]): ExtremeCase =>
  // A relative step of 1e-9: the distances here are ~1e-6 (torch's eps), far below 1e-6 · |x|.
  ({ loss, what, x, want: oracle(x), grads: 'fd', oracle, fdStep: 1e-9, wrt });
const same = fromNested([[0.5, -0.25, 1], [2, 0, -1]]);
const other = fromNested([[1.5, 0.75, 0], [-1, 1, 1]]);
const EXTREMES: readonly ExtremeCase[] = [
  near('contrastive', 'identical x1 and x2 (similar and dissimilar pairs)', { x1: same, x2: same, y: fromNested([1, 0]) }, (v) => contrastive(v.x1!, v.x2!, v.y!), ['x1', 'x2']),
  near('triplet_margin', 'identical anchor and positive', { a: same, pos: same, neg: other }, (v) => triplet_margin(v.a!, v.pos!, v.neg!), ['a', 'pos', 'neg']),
  near('triplet', 'identical anchor and positive', { a: same, p: same, n: other }, (v) => triplet(v.a!, v.p!, v.n!), ['a', 'p', 'n']),
  // No positive pair: every label is different, so no anchor counts and the loss is 0.
  { loss: 'batch_hard_triplet', what: 'no positive pair in the batch', x: { e: fromNested([[0, 1], [1, 0], [2, 2]]), label: fromNested([0, 1, 2]) }, want: 0, grads: { e: [0, 0, 0, 0, 0, 0] } },
  // Samples 0 and 1 share a label and an embedding: the hardest positive of 0 and 1 is at distance 0.
  (() => {
    const x = { e: fromNested([[0, 1], [0, 1], [2, 0], [3, 1]]), label: fromNested([0, 0, 1, 1]) };
    return { loss: 'batch_hard_triplet', what: 'identical anchor and positive', x, want: batch_hard_triplet(x.e, x.label) };
  })(),
];
const zeroRow = fromNested([[0, 0, 0], [1, 2, -1], [0.5, 0.5, 0.5]]);
const VIEW_EXTREMES: readonly ExtremeCase[] = [
  { loss: 'info_nce', what: 'identical views', x: { zi: other, zj: other }, want: info_nce(other, other), grads: 'fd', oracle: (v) => info_nce(v.zi!, v.zj!) },
  // F.normalize maps a zero row to zero (eps 1e-12), so its similarities are all 0.
  { loss: 'info_nce', what: 'a zero embedding', x: { zi: zeroRow, zj: other.shape[0] === 2 ? fromNested([[1, 0, 0], [0, 1, 0], [0, 0, 1]]) : other }, want: info_nce(zeroRow, fromNested([[1, 0, 0], [0, 1, 0], [0, 0, 1]])) },
  { loss: 'nt_xent_simple', what: 'identical views, temperature 0.05', x: { zi: other, zj: other }, hypers: { temperature: 0.05 }, want: nt_xent_simple(other, other, { temperature: 0.05 }), grads: 'fd', oracle: (v) => nt_xent_simple(v.zi!, v.zj!, { temperature: 0.05 }) },
];
describeExtremes(MET, [...EXTREMES, ...VIEW_EXTREMES], moduleOf);
