// The regression losses and the tutorial's triplet against oracles that share no code with the
// compiler: the float64 loss implementations in test/oracle/, tf.losses, central finite
// differences, and the *ref* values of LOSSES.md. The harness is test/helpers/loss-harness.ts.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { evaluateTfjs } from '../src/eval/evaluate.js';
import { maxRelErr } from './oracle/fd.js';
import { triplet as tripletRef } from './oracle/metric.js';
import { asymmetric_mse, huber, log_cosh, mae, mse, smooth_l1 } from './oracle/regression.js';
import { fromNested, mulberry32, randomTensor, type F64Tensor } from './oracle/tensor.js';
import {
  allFinite,
  describeGeneratedModules,
  describeLossCases,
  lossFn,
  recordRef,
  refValue,
  tfjsValueAndGrads,
  toTf,
  useWasm,
  type Inputs,
  type LossCase,
  type Reduction,
} from './helpers/loss-harness.js';

const pairs = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  return { pred: randomTensor(shape, rng, { lo: -3, hi: 3 }), target: randomTensor(shape, rng, { lo: -3, hi: 3 }) };
};
const triples = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  return { a: randomTensor(shape, rng, { lo: -1, hi: 1 }), p: randomTensor(shape, rng, { lo: -1, hi: 1 }), n: randomTensor(shape, rng, { lo: -1, hi: 1 }) };
};
const R = (reduction?: Reduction, weights?: F64Tensor) => ({ ...(reduction ? { reduction } : {}), ...(weights ? { weights } : {}) });
const REG = 'stdlib/regression.loss';

const CASES: readonly LossCase[] = [
  { file: REG, loss: 'mse', oracle: (x, _h, r, w) => mse(x.pred!, x.target!, R(r, w)), inputs: pairs, shapes: [[7], [4, 5], [2, 3, 4]], hypers: [] },
  { file: REG, loss: 'mae', oracle: (x, _h, r, w) => mae(x.pred!, x.target!, R(r, w)), inputs: pairs, shapes: [[7], [4, 5], [2, 3, 4]], hypers: [] },
  { file: REG, loss: 'huber', oracle: (x, h, r, w) => huber(x.pred!, x.target!, { delta: h.delta ?? 1, ...R(r, w) }), inputs: pairs, shapes: [[9], [4, 5]], hypers: [{ delta: 0.5 }, { delta: 2.5 }] },
  { file: REG, loss: 'smooth_l1', oracle: (x, h, r, w) => smooth_l1(x.pred!, x.target!, { beta: h.beta ?? 1, ...R(r, w) }), inputs: pairs, shapes: [[9], [4, 5]], hypers: [{ beta: 0.5 }, { beta: 2.5 }] },
  { file: REG, loss: 'log_cosh', oracle: (x, _h, r, w) => log_cosh(x.pred!, x.target!, R(r, w)), inputs: pairs, shapes: [[9], [4, 5], [2, 2, 3]], hypers: [] },
  { file: REG, loss: 'asymmetric_mse', oracle: (x, h, r, w) => asymmetric_mse(x.pred!, x.target!, { over_penalty: h.over_penalty ?? 2, ...R(r, w) }), inputs: pairs, shapes: [[9], [4, 5]], hypers: [{ over_penalty: 5 }] },
  { file: 'stdlib/metric.loss', loss: 'triplet', oracle: (x, h, r, w) => tripletRef(x.a!, x.p!, x.n!, { margin: h.margin ?? 1, ...R(r, w) }), inputs: triples, shapes: [[6, 4], [3, 8]], hypers: [{ margin: 0.2 }, { margin: 0 }] },
];

useWasm();
describeLossCases(CASES);

describe('LOSSES.md *ref* values', () => {
  const seedPred = [2.5, 0.0, 2.1, 7.8];
  const seedTarget = [3.0, -0.5, 2.0, 8.0];
  const outlier = [2.5, 0.0, 2.1, 10.0];
  it.each([
    { loss: 'mse', pred: seedPred, target: seedTarget, ref: 0.1375 },
    { loss: 'mae', pred: seedPred, target: seedTarget, ref: 0.325 },
    { loss: 'huber', pred: outlier, target: seedTarget, ref: 0.43875 },
    { loss: 'log_cosh', pred: outlier, target: seedTarget, ref: 0.3925559 },
    { loss: 'asymmetric_mse', pred: [2.5, 1, 3], target: [2, 2, 2], ref: 1.1666667 },
  ])('$loss = $ref', ({ loss, pred, target, ref }) => {
    const fn = lossFn(REG, loss);
    const x = { pred: fromNested(pred), target: fromNested(target) };
    expect(refValue(REG, loss, x)[0]).toBeCloseTo(ref, 7);
    const out = evaluateTfjs(fn, toTf(fn, x), {});
    expect(out.dataSync()[0]).toBeCloseTo(ref, 5);
    out.dispose();
    recordRef(loss);
  });
});

describe('where the tutorial and PyTorch differ', () => {
  it('smooth_l1(beta) = huber(delta = beta) / beta, and they differ for beta != 1', () => {
    const x = pairs(3, [20]);
    const s = refValue(REG, 'smooth_l1', x, { beta: 2 })[0]!;
    const h = refValue(REG, 'huber', x, { delta: 2 })[0]!;
    expect(s).toBeCloseTo(h / 2, 12);
    expect(Math.abs(s - h)).toBeGreaterThan(1e-3);
  });
  it('log_cosh stays finite where cosh overflows float32 (|e| = 200)', () => {
    const x = { pred: fromNested([200, -200, 0.5]), target: fromNested([0, 0, 0]) };
    const got = tfjsValueAndGrads(lossFn(REG, 'log_cosh'), x, {}, ['pred']);
    expect(got.value[0]).toBeCloseTo(log_cosh(x.pred, x.target), 3);
    expect(allFinite(got)).toBe(true);
  });
});

describe('against tf.losses', () => {
  it.each([
    { loss: 'mse', peer: (p: tf.Tensor, t: tf.Tensor, w?: tf.Tensor, red?: tf.Reduction) => tf.losses.meanSquaredError(t, p, w, red) },
    { loss: 'mae', peer: (p: tf.Tensor, t: tf.Tensor, w?: tf.Tensor, red?: tf.Reduction) => tf.losses.absoluteDifference(t, p, w, red) },
    { loss: 'huber', peer: (p: tf.Tensor, t: tf.Tensor, w?: tf.Tensor, red?: tf.Reduction) => tf.losses.huberLoss(t, p, w, 1, red) },
  ])('$loss equals its tf.losses counterpart, with weights and MEAN/SUM/NONE', ({ loss, peer }) => {
    const fn = lossFn(REG, loss);
    const x = toTf(fn, pairs(21, [6, 3]));
    const w = tf.tensor(Array.from(randomTensor([6, 3], mulberry32(22), { lo: 0, hi: 2 }).data), [6, 3]);
    const cases: [Reduction, tf.Reduction][] = [['mean', tf.Reduction.MEAN], ['sum', tf.Reduction.SUM], ['none', tf.Reduction.NONE]];
    for (const [ours, theirs] of cases) {
      for (const weights of [undefined, w]) {
        const a = evaluateTfjs(fn, x, {}, { reduction: ours, ...(weights ? { weights } : {}) });
        const b = peer(x.pred!, x.target!, weights, theirs);
        expect(maxRelErr(Float64Array.from(a.dataSync()), Float64Array.from(b.dataSync()), 1e-6), `${ours} ${weights ? 'weighted' : ''}`).toBeLessThan(1e-5);
        tf.dispose([a, b]);
      }
    }
    tf.dispose([...Object.values(x), w]);
  });
});

// These stdlib modules are compiled and run here; test/emitter-grad.test.ts type-checks every
// stdlib module, these the same text, together under tsc --strict (once: tsc takes seconds).
const STDLIB = ['regression', 'classification', 'segmentation', 'detection', 'generative', 'metric'].map((f) => `stdlib/${f}.loss`);
describeGeneratedModules('stdlib', STDLIB, CASES);
