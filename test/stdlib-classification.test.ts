// stdlib/classification.loss against the float64 oracles (test/oracle/classification.ts,
// tfstyle.ts), finite differences, LOSSES.md *ref* values and tf.losses.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { evaluateTfjs } from '../src/eval/evaluate.js';
import { bce, bce_with_logits, binary_focal, cross_entropy, focal, label_smoothing_ce, nll } from './oracle/classification.js';
import { maxRelErr } from './oracle/fd.js';
import { logSoftmax } from './oracle/math.js';
import { cosine_distance, hinge } from './oracle/tfstyle.js';
import { fromNested, mulberry32, oneHot, randomInts, randomTensor, type F64Tensor } from './oracle/tensor.js';
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

const CLS = 'stdlib/classification.loss';
const R = (reduction?: Reduction, weights?: F64Tensor) => ({ ...(reduction ? { reduction } : {}), ...(weights ? { weights } : {}) });

const probs = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  return { p: randomTensor(shape, rng, { lo: 0.02, hi: 0.98 }), y: randomTensor(shape, rng, { lo: 0, hi: 1 }) };
};
const logits = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  return { x: randomTensor(shape, rng, { lo: -4, hi: 4 }), y: randomTensor(shape, rng, { lo: 0, hi: 1 }) };
};
const hardLabels = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  return { x: randomTensor(shape, rng, { lo: -3, hi: 3 }), labels: randomInts(shape, rng, 2) };
};
/** Logits [..., C] and class indices [...]. */
const classes = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  return { x: randomTensor(shape, rng, { lo: -3, hi: 3 }), t: randomInts(shape.slice(0, -1), rng, shape[shape.length - 1]!) };
};
/** Log-probabilities: log_softmax of random logits along the last axis. */
const logProbs = (seed: number, shape: number[]): Inputs => {
  const { x, t } = classes(seed, shape);
  const C = shape[shape.length - 1]!;
  const data = new Float64Array(x!.data.length);
  for (let r = 0; r < data.length / C; r++) data.set(logSoftmax(x!.data.subarray(r * C, (r + 1) * C)), r * C);
  return { logp: { shape: [...shape], data }, t: t! };
};
const unitRows = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  return { x: randomTensor(shape, rng, { lo: -1, hi: 1 }), labels: randomTensor(shape, rng, { lo: -1, hi: 1 }) };
};

const CLASS_SHAPES = [[6, 4], [5], [3, 7]];
const CASES: readonly LossCase[] = [
  { file: CLS, loss: 'bce', oracle: (x, _h, r, w) => bce(x.p!, x.y!, R(r, w)), inputs: probs, shapes: [[7], [4, 5], [2, 3, 4]], hypers: [] },
  { file: CLS, loss: 'bce_with_logits', oracle: (x, h, r, w) => bce_with_logits(x.x!, x.y!, { pos_weight: h.pos_weight ?? 1, ...R(r, w) }), inputs: logits, shapes: [[7], [4, 5]], hypers: [{ pos_weight: 3 }, { pos_weight: 0.5 }] },
  { file: CLS, loss: 'cross_entropy', oracle: (x, h, r, w) => cross_entropy(x.x!, x.t!, { label_smoothing: h.label_smoothing ?? 0, ...R(r, w) }), inputs: classes, shapes: CLASS_SHAPES, hypers: [{ label_smoothing: 0.1 }, { label_smoothing: 1 }] },
  { file: CLS, loss: 'nll', oracle: (x, _h, r, w) => nll(x.logp!, x.t!, R(r, w)), inputs: logProbs, shapes: CLASS_SHAPES, hypers: [] },
  { file: CLS, loss: 'label_smoothing_ce', oracle: (x, h, r, w) => label_smoothing_ce(x.x!, x.t!, { epsilon: h.epsilon ?? 0.1, ...R(r, w) }), inputs: classes, shapes: CLASS_SHAPES, hypers: [{ epsilon: 0.3 }, { epsilon: 0 }] },
  { file: CLS, loss: 'focal', oracle: (x, h, r, w) => focal(x.x!, x.t!, { alpha: h.alpha ?? 0.25, gamma: h.gamma ?? 2, ...R(r, w) }), inputs: classes, shapes: CLASS_SHAPES, hypers: [{ alpha: 1, gamma: 0 }, { gamma: 0.5 }, { gamma: 5 }] },
  { file: CLS, loss: 'binary_focal', oracle: (x, h, r, w) => binary_focal(x.x!, x.y!, { alpha: h.alpha ?? 0.25, gamma: h.gamma ?? 2, ...R(r, w) }), inputs: logits, shapes: [[7], [4, 5]], hypers: [{ alpha: 0.5, gamma: 1 }, { gamma: 0 }] },
  { file: CLS, loss: 'hinge', oracle: (x, _h, r, w) => hinge(x.labels!, x.x!, R(r, w)), inputs: hardLabels, shapes: [[7], [4, 5]], hypers: [], wrt: ['x'] },
  { file: CLS, loss: 'cosine_distance', oracle: (x, _h, r, w) => cosine_distance(x.labels!, x.x!, -1, R(r, w)), inputs: unitRows, shapes: [[6, 3], [2, 3, 4]], hypers: [] },
];

useWasm();
describeLossCases(CASES);
const moduleOf = describeGeneratedModules('stdlib-classification', [CLS], CASES);

describe('LOSSES.md *ref* values', () => {
  const seedLogits = [0.5, 2, -1, 0];
  const seedY = [1, 1, 0, 0];
  const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));
  it.each<{ loss: string; x: Inputs; ref: number }>([
    { loss: 'bce_with_logits', x: { x: fromNested(seedLogits), y: fromNested(seedY) }, ref: 0.4018535 },
    // The same example as probabilities (tutorial §3.1, method 1).
    { loss: 'bce', x: { p: fromNested(seedLogits.map(sigmoid)), y: fromNested(seedY) }, ref: 0.4018535 },
    { loss: 'cross_entropy', x: { x: fromNested([[2, 1, 0.1], [0.5, 2.5, 0.3], [0.1, 0.2, 3]]), t: fromNested([0, 1, 2]) }, ref: 0.2488937 },
  ])('$loss = $ref', ({ loss, x, ref }) => {
    const fn = lossFn(CLS, loss);
    expect(refValue(CLS, loss, x)[0]).toBeCloseTo(ref, 7);
    const out = evaluateTfjs(fn, toTf(fn, x), {});
    expect(out.dataSync()[0]).toBeCloseTo(ref, 6);
    out.dispose();
    recordRef(loss);
  });
});

describe('where the tutorial and PyTorch differ', () => {
  const x = classes(5, [8, 5]);
  it("torch's label_smoothing ε is the tutorial's label_smoothing_ce with ε·(C − 1)/C, not with ε", () => {
    const torch = refValue(CLS, 'cross_entropy', x, { label_smoothing: 0.2 })[0]!;
    expect(torch).toBeCloseTo(cross_entropy(x.x!, x.t!, { label_smoothing: 0.2 }), 12);
    expect(refValue(CLS, 'label_smoothing_ce', x, { epsilon: 0.2 * (4 / 5) })[0]).toBeCloseTo(torch, 12);
    expect(Math.abs(refValue(CLS, 'label_smoothing_ce', x, { epsilon: 0.2 })[0]! - torch)).toBeGreaterThan(1e-3);
  });
  it("bce at p = 0 costs 100 per wrong element (torch's log floor), not the tutorial's 16.1 (clamp at 1e-7)", () => {
    const got = refValue(CLS, 'bce', { p: fromNested([0, 1]), y: fromNested([1, 0]) })[0]!;
    expect(got).toBe(bce(fromNested([0, 1]), fromNested([1, 0])));
    expect(got).toBeCloseTo(100, 10);
    expect(-Math.log(1e-7)).toBeCloseTo(16.118, 3);
  });
});

const big = 1e4;
const mean4 = 1 / 4;
const EXTREMES: readonly ExtremeCase[] = [
  {
    loss: 'bce', what: 'p exactly 0 and 1',
    x: { p: fromNested([0, 1, 0, 1]), y: fromNested([1, 0, 0, 1]) },
    want: 50,
    // Along p, torch's backward (ATen binary_cross_entropy_backward): (p - y)/max(p(1 - p), 1e-12)/N,
    // so ∓1e12/N where the floor at -100 is taken with the wrong label, and 0 at a right one
    // (torch 1.13: p = [0, 1], y = [1, 0] gives p.grad ±4.99999998e11 for N = 2);
    // d/dy = -(max(log p, -100) - max(log(1 - p), -100))/N = ±100/N.
    grads: { p: [-1e12 * mean4, 1e12 * mean4, 0, 0], y: [100 * mean4, -100 * mean4, 100 * mean4, -100 * mean4] },
  },
  ...[{ what: 'logits ±1e4', hypers: {} }, { what: 'logits ±1e4, pos_weight 3', hypers: { pos_weight: 3 } }].map(({ what, hypers }) => {
    const x = { x: fromNested([big, -big, big, -big]), y: fromNested([0, 1, 1, 0]) };
    const oracle = (v: Inputs): number => bce_with_logits(v.x!, v.y!, { pos_weight: hypers.pos_weight ?? 1 });
    return { loss: 'bce_with_logits', what, x, hypers, want: oracle(x), grads: 'fd' as const, oracle };
  }),
  ...(['cross_entropy', 'label_smoothing_ce', 'focal'] as const).map((loss) => {
    const x = { x: fromNested([[big, -big, 0], [-big, big, 0], [0, 0, big]]), t: fromNested([1, 1, 0]) };
    const oracle = (v: Inputs): number =>
      loss === 'cross_entropy' ? cross_entropy(v.x!, v.t!) : loss === 'focal' ? focal(v.x!, v.t!) : label_smoothing_ce(v.x!, v.t!);
    return { loss, what: 'logits ±1e4', x, want: oracle(x), grads: 'fd' as const, oracle };
  }),
  (() => {
    const x = { x: fromNested([big, -big, big, -big]), y: fromNested([0, 1, 1, 0]) };
    const oracle = (v: Inputs): number => binary_focal(v.x!, v.y!);
    return { loss: 'binary_focal', what: 'logits ±1e4', x, want: oracle(x), grads: 'fd' as const, oracle };
  })(),
  (() => {
    const x = { x: fromNested([big, -big, big, -big]), labels: fromNested([0, 1, 1, 0]) };
    const oracle = (v: Inputs): number => hinge(v.labels!, v.x!);
    return { loss: 'hinge', what: 'scores ±1e4', x, want: oracle(x), grads: 'fd' as const, oracle, wrt: ['x'] };
  })(),
];
describeExtremes(CLS, EXTREMES, moduleOf);

describe('against tf.losses', () => {
  const reductions: [Reduction, tf.Reduction][] = [['mean', tf.Reduction.MEAN], ['sum', tf.Reduction.SUM], ['none', tf.Reduction.NONE]];
  const rng = mulberry32(41);
  const N = 6;
  const C = 4;
  const cls = classes(42, [N, C]);
  const probsX = probs(43, [N, C]);
  const logitsX = logits(44, [N, C]);
  const hingeX = hardLabels(45, [N, C]);
  const unitX = unitRows(46, [N, C]);
  const wFull = randomTensor([N, C], rng, { lo: 0, hi: 2 });
  const wRows = randomTensor([N], rng, { lo: 0, hi: 2 });
  const tfT = (t: F64Tensor, shape = t.shape) => tf.tensor(Array.from(t.data), shape);
  type Peer = { loss: string; hypers: Record<string, number>; x: Inputs; w: F64Tensor; tw: F64Tensor; peer: (w: tf.Tensor | undefined, r: tf.Reduction) => tf.Tensor };
  it.each<Peer>([
    // [inputs, our weights, tf's weights, tf's loss]: tf.losses take the labels first.
    { loss: 'bce_with_logits', hypers: {}, x: logitsX, w: wFull, tw: wFull, peer: (w: tf.Tensor | undefined, r: tf.Reduction) => tf.losses.sigmoidCrossEntropy(tfT(logitsX.y!), tfT(logitsX.x!), w, 0, r) },
    { loss: 'cross_entropy', hypers: { label_smoothing: 0.2 }, x: cls, w: wRows, tw: wRows, peer: (w: tf.Tensor | undefined, r: tf.Reduction) => tf.losses.softmaxCrossEntropy(tfT(oneHot(cls.t!, C)), tfT(cls.x!), w, 0.2, r) },
    // epsilon 0: tf's logLoss adds epsilon inside each log, torch's BCELoss does not.
    { loss: 'bce', hypers: {}, x: probsX, w: wFull, tw: wFull, peer: (w: tf.Tensor | undefined, r: tf.Reduction) => tf.losses.logLoss(tfT(probsX.y!), tfT(probsX.p!), w, 0, r) },
    { loss: 'hinge', hypers: {}, x: hingeX, w: wFull, tw: wFull, peer: (w: tf.Tensor | undefined, r: tf.Reduction) => tf.losses.hingeLoss(tfT(hingeX.labels!), tfT(hingeX.x!), w, r) },
    // tf keeps the summed axis with size 1: its per-row weights are [N, 1].
    { loss: 'cosine_distance', hypers: {}, x: unitX, w: wRows, tw: { shape: [N, 1], data: wRows.data }, peer: (w: tf.Tensor | undefined, r: tf.Reduction) => tf.losses.cosineDistance(tfT(unitX.labels!), tfT(unitX.x!), -1, w, r) },
  ])('$loss equals its tf.losses counterpart, with weights and MEAN/SUM/NONE', ({ loss, hypers, x, w, tw, peer }) => {
    const fn = lossFn(CLS, loss);
    const inputs = toTf(fn, x);
    for (const [ours, theirs] of reductions) {
      for (const weighted of [false, true]) {
        const a = evaluateTfjs(fn, inputs, hypers, { reduction: ours, ...(weighted ? { weights: tfT(w) } : {}) });
        const b = peer(weighted ? tfT(tw) : undefined, theirs);
        expect(maxRelErr(Float64Array.from(a.dataSync()), Float64Array.from(b.dataSync()), 1e-6), `${ours}${weighted ? ' weighted' : ''}`).toBeLessThan(1e-5);
        tf.dispose([a, b]);
      }
    }
    tf.dispose(Object.values(inputs));
  });
});

describe("torch's class `weight` and `ignore_index` through per-sample `weights`", () => {
  // torch: l_n = w[t_n]·(−lsm[t_n]); 'mean' = Σ l_n / Σ w[t_n], ignored samples left out of both
  // sums. That is the `weights` option with per-sample weights w[t_n] (0 where ignored).
  const C = 4;
  const rng = mulberry32(77);
  const x = randomTensor([9, C], rng, { lo: -3, hi: 3 });
  const t = randomInts([9], rng, C);
  const classWeight = fromNested([0.2, 1, 3, 0.5]);
  const perSample = (ignored: Set<number>) => fromNested(Array.from(t.data, (c, n) => (ignored.has(n) ? 0 : classWeight.data[c]!)));
  const run = (fnName: 'cross_entropy' | 'nll', input: F64Tensor, targets: F64Tensor, weights: F64Tensor, reduction: Reduction) => {
    const fn = lossFn(CLS, fnName);
    const names = fn.inputs.map((i) => i.name);
    const out = evaluateTfjs(fn, toTf(fn, { [names[0]!]: input, [names[1]!]: targets }), {}, { reduction, weights: tf.tensor(Array.from(weights.data), weights.shape) });
    const v = Float64Array.from(out.dataSync());
    out.dispose();
    return v;
  };
  it.each(['mean', 'sum', 'none'] as const)("cross_entropy and nll with class weights, reduction '%s'", (reduction) => {
    const want = cross_entropy(x, t, { weight: classWeight, reduction });
    expect(maxRelErr(run('cross_entropy', x, t, perSample(new Set()), reduction), typeof want === 'number' ? Float64Array.of(want) : want.data, 1e-6)).toBeLessThan(1e-5);
    const lp = { shape: x.shape, data: Float64Array.from(Array.from({ length: 9 }, (_, n) => Array.from(logSoftmax(x.data.subarray(n * C, (n + 1) * C)))).flat()) } as F64Tensor;
    const wantNll = nll(lp, t, { weight: classWeight, reduction });
    expect(maxRelErr(run('nll', lp, t, perSample(new Set()), reduction), typeof wantNll === 'number' ? Float64Array.of(wantNll) : wantNll.data, 1e-6)).toBeLessThan(1e-5);
  });
  it('cross_entropy with ignore_index: weight 0 for the ignored samples (any valid class in their place)', () => {
    const ignored = new Set([1, 4, 5]);
    const withSentinel = fromNested(Array.from(t.data, (c, n) => (ignored.has(n) ? -100 : c)));
    const want = cross_entropy(x, withSentinel, { ignore_index: -100, weight: classWeight });
    expect(run('cross_entropy', x, t, perSample(ignored), 'mean')[0]).toBeCloseTo(want as number, 5);
  });
});
