/**
 * Self-tests of the float64 oracles (test/oracle/): the *ref* values of LOSSES.md, agreement with
 * tf.losses (an independent implementation), algebraic relations between losses, and finite
 * differences against analytic gradients. No expected value here comes from the seed's comments.
 */
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { fdGrad, maxAbsErr, maxRelErr, relErr } from './oracle/fd.js';
import * as L from './oracle/losses.js';
import {
  fromArray,
  fromNested,
  map,
  mulberry32,
  oneHot,
  randomInts,
  randomNormal,
  randomTensor,
  roundF32,
  scalar,
  toNested,
  zipWith,
  type F64Tensor,
} from './oracle/tensor.js';

const T = fromNested;
const sig = (x: number): number => 1 / (1 + Math.exp(-x));

// Seed example inputs (seed §2.1–§2.4, §3.1, §3.2, §5.2, §7.3).
const PRED = T([2.5, 0.0, 2.1, 7.8]);
const PRED_OUTLIER = T([2.5, 0.0, 2.1, 10.0]);
const TARGET = T([3.0, -0.5, 2.0, 8.0]);
const LOGITS_BIN = T([0.5, 2.0, -1.0, 0.0]);
const Y_BIN = T([1, 1, 0, 0]);
const LOGITS_3 = T([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3], [0.1, 0.2, 3.0]]);
const Y_3 = T([0, 1, 2]);
const BOX_P = T([[10, 10, 50, 50], [20, 20, 60, 60]]);
const BOX_T = T([[15, 15, 55, 55], [25, 25, 65, 65]]);

describe('LOSSES.md *ref* values (to 1e-6)', () => {
  const cases: [string, () => number, number][] = [
    ['mse', () => L.mse(PRED, TARGET), 0.1375],
    ['mae', () => L.mae(PRED, TARGET), 0.325],
    ['huber outlier', () => L.huber(PRED_OUTLIER, TARGET), 0.43875],
    ['smooth_l1(β=1) outlier = huber(1)', () => L.smooth_l1(PRED_OUTLIER, TARGET), 0.43875],
    ['log_cosh outlier', () => L.log_cosh(PRED_OUTLIER, TARGET), 0.3925559],
    ['asymmetric_mse, scalar target', () => L.asymmetric_mse(T([2.5, 1, 3]), scalar(2)), 1.1666667],
    ['asymmetric_mse, tensor target', () => L.asymmetric_mse(T([2.5, 1, 3]), T([2, 2, 2])), 1.1666667],
    ['bce_with_logits', () => L.bce_with_logits(LOGITS_BIN, Y_BIN), 0.4018535],
    ['bce on sigmoid probabilities', () => L.bce(map(LOGITS_BIN, sig), Y_BIN), 0.4018535],
    ['cross_entropy 3×3', () => L.cross_entropy(LOGITS_3, Y_3), 0.2488937],
    ['iou_loss', () => L.iou_loss(BOX_P, BOX_T), 0.3797468],
    ['giou_loss', () => L.giou_loss(BOX_P, BOX_T), 0.4044382],
  ];
  it.each(cases)('%s', (_name, f, ref) => {
    expect(Math.abs(f() - ref)).toBeLessThan(1e-6);
  });

  it('nll on log_softmax equals cross_entropy (seed §3.2 method 2)', () => {
    const lsm = fromArray(
      [0, 1, 2].flatMap((i) => {
        const r = [0, 1, 2].map((c) => LOGITS_3.data[3 * i + c] ?? 0);
        const m = Math.log(r.reduce((s, v) => s + Math.exp(v), 0));
        return r.map((v) => v - m);
      }),
      [3, 3],
    );
    expect(Math.abs(L.nll(lsm, Y_3) - 0.2488937)).toBeLessThan(1e-6);
  });
});

describe('closed forms and extreme inputs', () => {
  it('log_cosh is right where cosh overflows', () => {
    const e = T([1000, -800, 720, 1e6]);
    const none = L.log_cosh(e, T([0, 0, 0, 0]), { reduction: 'none' });
    expect(maxRelErr(none, [1000 - Math.LN2, 800 - Math.LN2, 720 - Math.LN2, 1e6 - Math.LN2], 1e-12)).toBeLessThan(1e-15);
    expect(Math.log(Math.cosh(800))).toBe(Infinity); // the naive form, for contrast
    expect(relErr(L.log_cosh(T([1e-3]), T([0])), 0.5e-6 - 1e-12 / 12, 0)).toBeLessThan(1e-9);
  });
  it('bce_with_logits is finite for |x| = 1000', () => {
    const v = L.bce_with_logits(T([1000, -1000, 1000, -1000]), T([1, 0, 0, 1]), { reduction: 'none' });
    expect(Array.from(v.data)).toEqual([0, 0, 1000, 1000]);
  });
  it('bce clamps each log at −100 like torch', () => {
    expect(L.bce(T([0, 1, 0.5]), T([1, 0, 1]), { reduction: 'none' }).data).toEqual(Float64Array.of(100, 100, Math.LN2));
    expect(() => L.bce(T([1.5]), T([1]))).toThrow(/probability/);
  });
  it('cross_entropy of uniform logits is log C (seed §8.4 baseline)', () => {
    expect(relErr(L.cross_entropy(T([[0, 0, 0, 0, 0]]), T([3])), Math.log(5))).toBeLessThan(1e-14);
  });
  it('cross_entropy is stable for logits of 1000 (seed §7.4)', () => {
    expect(L.cross_entropy(T([[1000, 1001, 1002]]), T([2]))).toBeCloseTo(Math.log(1 + Math.exp(-1) + Math.exp(-2)), 12);
  });
  it('wgan and gan losses', () => {
    expect(L.wgan_discriminator(T([1, 2, 3]), T([0, 1]))).toBeCloseTo(-1.5, 14);
    expect(L.wgan_generator(T([[1], [3]]))).toBeCloseTo(-2, 14);
    const g = L.gan_discriminator(T([[0]]), T([[0]]));
    expect(g).toBeCloseTo(2 * Math.LN2, 14);
    expect(L.gan_generator(T([[0], [0]]))).toBeCloseTo(Math.LN2, 14);
  });
  it('vae: zero KL at μ = 0, log σ² = 0; KL = ½(μ² + σ² − 1 − log σ²)', () => {
    const r = T([0.2, 0.9]);
    const x = T([0, 1]);
    const b = -(Math.log(0.8) + Math.log(0.9));
    expect(L.vae(r, x, T([0, 0]), T([0, 0]))).toBeCloseTo(b, 14);
    expect(L.vae(r, x, T([1]), T([Math.log(2)]), { beta: 2 })).toBeCloseTo(b + 2 * 0.5 * (1 + 2 - 1 - Math.log(2)), 14);
  });
  it('hinge maps {0,1} labels to {−1,1}', () => {
    expect(L.hinge(T([1, 0, 1, 0]), T([2, -2, 0.5, 0.5]), { reduction: 'none' }).data).toEqual(Float64Array.of(0, 0, 0.5, 1.5));
  });
  it('dice / tversky / multiclass_dice by hand', () => {
    expect(L.dice(T([1, 0, 1]), T([1, 0, 0]))).toBeCloseTo(1 - 3 / 4, 15);
    expect(L.tversky(T([1, 0, 1]), T([1, 0, 0]), { alpha: 1, beta: 0 })).toBeCloseTo(1 - 2 / 3, 15);
    // Equal logits: p = 1/2 everywhere; class 0 has targets at 1 of 2 pixels, class 1 at 1.
    const md = L.multiclass_dice(T([[[0, 0], [0, 0]]]), T([[0, 1]]));
    expect(md).toBeCloseTo(1 - (2 * 0.5 + 1) / (1 + 1 + 1), 15);
  });
  it('batch_hard_triplet: hand case, and 0 without valid anchors', () => {
    const e = T([[0, 0], [3, 0], [0, 1], [10, 10]]);
    // anchor 0 (label 0): pos d=3, neg min d=1 → 3; anchor 1: pos 3, neg min √10 → relu(3−√10+1);
    // anchors 2, 3 (labels 1, 2): no positive → skipped.
    const want = (3 - 1 + 1 + Math.max(0, 3 - Math.sqrt(10) + 1)) / 2;
    expect(L.batch_hard_triplet(e, T([0, 0, 1, 2]))).toBeCloseTo(want, 14);
    expect(L.batch_hard_triplet(e, T([0, 1, 2, 3]))).toBe(0);
    expect(L.batch_hard_triplet(e, T([0, 0, 0, 0]))).toBe(0);
  });
  it('curriculum (seed §7.2) by hand; all-easy gives the SUM of the losses (seed quirk)', () => {
    const l = T([1, 2, 3, 4]);
    const d = T([0.1, 0.9, 0.4, 0.6]);
    expect(L.curriculum(l, d, { epoch: 50, total_epochs: 100 })).toBeCloseTo((4 / (2 + 1e-6)) * (1 + 3), 12);
    expect(L.curriculum(l, d, { epoch: 100, total_epochs: 100 })).toBeCloseTo((4 / (4 + 1e-6)) * 10, 12);
    expect(L.curriculum(l, d, { epoch: 0, total_epochs: 100 })).toBe(0);
  });
  it('uncertainty_weighting: Σ e^{−s}L + s', () => {
    expect(L.uncertainty_weighting([2.5, 0.8, 1.2], [0, 0, 0])).toBeCloseTo(4.5, 14);
    expect(L.uncertainty_weighting(T([2, 3]), T([Math.log(2), 0]))).toBeCloseTo(1 + Math.log(2) + 3, 14);
  });
  it('reductions and weights: mean = Σwl/Σw, per-sample weights broadcast over trailing dims', () => {
    const p = T([[1, 2], [3, 4]]);
    const t = T([[0, 0], [0, 0]]);
    expect(L.mse(p, t, { reduction: 'sum' })).toBe(30);
    expect(L.mse(p, t, { weights: T([1, 3]) })).toBeCloseTo((1 + 4 + 3 * (9 + 16)) / 8, 14);
    expect(L.mse(p, t, { weights: T([[1], [3]]) })).toBeCloseTo((1 + 4 + 3 * (9 + 16)) / 8, 14);
    expect(toNested(L.mse(p, t, { reduction: 'none', weights: T([2, 0]) }))).toEqual([[2, 8], [0, 0]]);
    expect(() => L.mse(p, t, { weights: T([1, 2, 3]) })).toThrow(/broadcast/);
  });
});

// ---------------------------------------------------------------------------------------
// Cross-checks against tf.losses (float32, cpu backend) on seeded random inputs.

type TfRed = 'MEAN' | 'SUM' | 'NONE';
const RED: [TfRed, L.Reduction][] = [['MEAN', 'mean'], ['SUM', 'sum'], ['NONE', 'none']];
const tfT = (t: F64Tensor): tf.Tensor => tf.tensor(Array.from(t.data), t.shape, 'float32');
const tfOut = (r: tf.Tensor): F64Tensor => fromArray(Array.from(r.dataSync()), r.shape);
const asT = (v: number | F64Tensor): F64Tensor => (typeof v === 'number' ? scalar(v) : v);
/** float32 vs float64: relative 2e-5, with an absolute floor of 1e-4. */
const expectF32Close = (got: F64Tensor, want: number | F64Tensor): void => {
  expect(maxRelErr(got, asT(want), 1e-4)).toBeLessThan(2e-5);
};

describe('agreement with tf.losses', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    await tf.ready();
  });

  const rng = mulberry32(20260101);
  const N = 6;
  const D = 5;
  const p = roundF32(randomNormal([N, D], rng, { std: 2 }));
  const t = roundF32(randomNormal([N, D], rng, { std: 2 }));
  const wElem = roundF32(randomTensor([N, D], rng, { lo: 0, hi: 2 }));
  const wSample = roundF32(randomTensor([N], rng, { lo: 0, hi: 2 }));
  const wSampleCol = fromArray(wSample.data, [N, 1]); // tf broadcasts trailing-aligned
  const weightings: [string, F64Tensor | undefined, F64Tensor | undefined][] = [
    ['no weights', undefined, undefined],
    ['per-element weights', wElem, wElem],
    ['per-sample weights', wSample, wSampleCol],
  ];
  const grid = RED.flatMap(([tr, r]) => weightings.map(([wn, ow, tw]) => ({ tr, r, wn, ow, tw })));

  const run = (f: () => tf.Tensor): F64Tensor => {
    const r = tf.tidy(f);
    const out = tfOut(r);
    r.dispose();
    return out;
  };

  it.each(grid)('meanSquaredError / absoluteDifference / huberLoss: $tr, $wn', ({ tr, r, ow, tw }) => {
    const tw_ = tw ? tfT(tw) : undefined;
    const red = tf.Reduction[tr];
    expectF32Close(run(() => tf.losses.meanSquaredError(tfT(t), tfT(p), tw_, red)), L.mse(p, t, { reduction: r, weights: ow }));
    expectF32Close(run(() => tf.losses.absoluteDifference(tfT(t), tfT(p), tw_, red)), L.mae(p, t, { reduction: r, weights: ow }));
    for (const delta of [1, 0.7, 2.5]) {
      // tf's huberLoss(delta) is torch's HuberLoss(delta) (not SmoothL1, which divides by delta).
      const want = L.huber(p, t, { delta, reduction: r, weights: ow });
      expectF32Close(run(() => tf.losses.huberLoss(tfT(t), tfT(p), tw_, delta, red)), want);
    }
  });

  it.each(grid)('sigmoidCrossEntropy (labelSmoothing 0) / hingeLoss / logLoss: $tr, $wn', ({ tr, r, ow, tw }) => {
    const tw_ = tw ? tfT(tw) : undefined;
    const red = tf.Reduction[tr];
    const hard = randomInts([N, D], rng, 2);
    const soft = roundF32(randomTensor([N, D], rng, { lo: 0, hi: 1 }));
    for (const y of [hard, soft]) {
      const want = L.bce_with_logits(p, y, { reduction: r, weights: ow });
      expectF32Close(run(() => tf.losses.sigmoidCrossEntropy(tfT(y), tfT(p), tw_, 0, red)), want);
    }
    expectF32Close(run(() => tf.losses.hingeLoss(tfT(hard), tfT(p), tw_, red)), L.hinge(hard, p, { reduction: r, weights: ow }));
    // logLoss computes log(p + ε) and log(1 − p + ε) with ε = 1e-7 by default; with ε = 0 it is torch's BCE
    // away from the −100 clamp. Probabilities kept in [0.02, 0.98].
    const prob = roundF32(randomTensor([N, D], rng, { lo: 0.02, hi: 0.98 }));
    const want = L.bce(prob, soft, { reduction: r, weights: ow });
    expectF32Close(run(() => tf.losses.logLoss(tfT(soft), tfT(prob), tw_, 0, red)), want);
    // Default ε shifts each term by at most ε/min(p, 1−p) = 5e-6 relative.
    const withEps = run(() => tf.losses.logLoss(tfT(soft), tfT(prob), tw_, undefined, red));
    expect(maxRelErr(withEps, asT(want), 1e-4)).toBeLessThan(2e-5 + 5e-6);
  });

  it.each(RED.flatMap(([tr, r]) => [false, true].map((w) => ({ tr, r, w }))))(
    'softmaxCrossEntropy (one-hot labels): $tr, weights $w',
    ({ tr, r, w }) => {
      const C = 7;
      const logits = roundF32(randomNormal([N, C], rng, { std: 3 }));
      const y = randomInts([N], rng, C);
      const ws = w ? wSample : undefined;
      const red = tf.Reduction[tr];
      for (const ls of [0, 0.1, 0.3]) {
        // tf smooths one-hot labels as (1−ε)·onehot + ε/C: the same as torch's label_smoothing.
        const got = run(() => tf.losses.softmaxCrossEntropy(tfT(oneHot(y, C)), tfT(logits), ws && tfT(ws), ls, red));
        expectF32Close(got, L.cross_entropy(logits, y, { label_smoothing: ls, reduction: r, weights: ws }));
      }
    },
  );

  it.each(RED)('cosineDistance along each axis: %s', (tr, r) => {
    const x = randomNormal([3, 4, 5], rng);
    const z = randomNormal([3, 4, 5], rng);
    for (const axis of [0, 1, 2, -1]) {
      const unit = (u: F64Tensor): F64Tensor =>
        roundF32(run(() => tf.div(tfT(u), tf.norm(tfT(u), 'euclidean', axis, true))));
      const a = unit(x);
      const b = unit(z);
      const got = run(() => tf.losses.cosineDistance(tfT(a), tfT(b), axis, undefined, tf.Reduction[tr]));
      const want = L.cosine_distance(a, b, axis, { reduction: r });
      expectF32Close(got, want);
    }
  });
});

// ---------------------------------------------------------------------------------------
// Relations that must hold between the oracles.

const close = (a: number | F64Tensor, b: number | F64Tensor, tol = 1e-12): void => {
  expect(maxRelErr(asT(a), asT(b), 1e-9)).toBeLessThan(tol);
};
const FC = { numRuns: 40, seed: 7 };
const arrPair = fc
  .integer({ min: 1, max: 12 })
  .chain((n) =>
    fc.tuple(
      fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: n, maxLength: n }),
      fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: n, maxLength: n }),
    ),
  );

describe('relations between losses', () => {
  it('smooth_l1(β) = huber(β)/β, every reduction', () => {
    fc.assert(
      fc.property(arrPair, fc.double({ min: 0.05, max: 4, noNaN: true }), ([a, b], beta) => {
        for (const reduction of ['mean', 'sum', 'none'] as const) {
          const s = L.smooth_l1(T(a), T(b), { beta, reduction });
          const h = L.huber(T(a), T(b), { delta: beta, reduction });
          close(s, typeof h === 'number' ? h / beta : map(h, (v) => v / beta), 1e-12);
        }
      }),
      FC,
    );
  });
  it('huber(δ) = ½·mse when every |e| ≤ δ', () => {
    fc.assert(
      fc.property(arrPair, ([a, b]) => close(L.huber(T(a), T(b), { delta: 10 }), 0.5 * L.mse(T(a), T(b)))),
      FC,
    );
  });
  it('asymmetric_mse(1) = mse; over-estimates cost k×', () => {
    fc.assert(
      fc.property(arrPair, ([a, b]) => close(L.asymmetric_mse(T(a), T(b), { over_penalty: 1 }), L.mse(T(a), T(b)))),
      FC,
    );
    expect(L.asymmetric_mse(T([3]), T([2]), { over_penalty: 5 })).toBe(5);
    expect(L.asymmetric_mse(T([1]), T([2]), { over_penalty: 5 })).toBe(1);
  });
  it('tversky(0.5, 0.5, smooth s) = dice(smooth 2s); equal smoothing only agrees at s = 0', () => {
    // TP + ½FP + ½FN = ½(Σp + Σt), so Tversky's ratio is (2TP + 2s)/(Σp + Σt + 2s).
    const rng = mulberry32(3);
    for (let k = 0; k < 20; k++) {
      const p = randomTensor([2, 3, 4], rng, { lo: 0, hi: 1 });
      const t = randomInts([2, 3, 4], rng, 2);
      for (const smooth of [1, 0.01]) close(L.tversky(p, t, { smooth }), L.dice(p, t, { smooth: 2 * smooth }));
      close(L.tversky(p, t, { smooth: 0 }), L.dice(p, t, { smooth: 0 }));
      expect(relErr(L.tversky(p, t), L.dice(p, t))).toBeGreaterThan(1e-6); // the defaults (s = 1) differ
    }
  });
  it('bce(σ(x)) = bce_with_logits(x); pos_weight 1 = none; pos_weight scales the positive term', () => {
    const rng = mulberry32(4);
    const x = randomNormal([5, 3], rng, { std: 3 });
    const y = randomTensor([5, 3], rng, { lo: 0, hi: 1 });
    close(L.bce(map(x, sig), y), L.bce_with_logits(x, y), 1e-10);
    close(L.bce_with_logits(x, y, { pos_weight: 1 }), L.bce_with_logits(x, y));
    const pw = T([1, 2, 0.5]);
    const got = L.bce_with_logits(x, y, { pos_weight: pw, reduction: 'none' });
    const want = zipWith(x, y, (xi, yi) => -(yi * Math.log(sig(xi)) + (1 - yi) * Math.log(1 - sig(xi))));
    const pos = zipWith(zipWith(x, y, (xi, yi) => -yi * Math.log(sig(xi))), pw, (v, w) => (w - 1) * v);
    close(got, zipWith(want, pos, (u, v) => u + v), 1e-10);
  });
  it('cross_entropy: label smoothing 0 = plain CE = nll(log_softmax); class weights; ignore_index; spatial', () => {
    const rng = mulberry32(5);
    const N = 8;
    const C = 4;
    const x = randomNormal([N, C], rng, { std: 2 });
    const y = randomInts([N], rng, C);
    close(L.cross_entropy(x, y, { label_smoothing: 0 }), L.cross_entropy(x, y));
    const byHand = Array.from(y.data).reduce((s, yi, i) => {
      const row = Array.from(x.data.subarray(i * C, (i + 1) * C));
      return s + Math.log(row.reduce((a, v) => a + Math.exp(v), 0)) - (row[yi] ?? 0);
    }, 0);
    close(L.cross_entropy(x, y, { reduction: 'sum' }), byHand);
    // Class weights: mean divides by Σ w[y]; invariant to scaling w; all-ones = unweighted.
    const w = T([0.5, 2, 1, 3]);
    const wy = Array.from(y.data, (c) => w.data[c] ?? 0);
    const wl = L.cross_entropy(x, y, { weight: w, reduction: 'none' });
    close(L.cross_entropy(x, y, { weight: w }), wl.data.reduce((a, v) => a + v, 0) / wy.reduce((a, v) => a + v, 0));
    close(L.cross_entropy(x, y, { weight: map(w, (v) => 7 * v) }), L.cross_entropy(x, y, { weight: w }));
    close(L.cross_entropy(x, y, { weight: [1, 1, 1, 1] }), L.cross_entropy(x, y));
    // torch's smoothed + weighted CE: (1−ε)·nll_w + ε/C·Σ_c w_c(−lsm_c), both means over Σ w[y].
    const eps = 0.2;
    const lsm = (i: number): number[] => {
      const row = Array.from(x.data.subarray(i * C, (i + 1) * C));
      const m = Math.log(row.reduce((a, v) => a + Math.exp(v), 0));
      return row.map((v) => v - m);
    };
    let num = 0;
    for (let i = 0; i < N; i++) {
      const l = lsm(i);
      num += (1 - eps) * (wy[i] ?? 0) * -(l[y.data[i] ?? 0] ?? 0) + (eps / C) * l.reduce((a, v, c) => a - (w.data[c] ?? 0) * v, 0);
    }
    close(L.cross_entropy(x, y, { weight: w, label_smoothing: eps }), num / wy.reduce((a, v) => a + v, 0));
    // ignore_index: ignored rows drop out of numerator and denominator; all ignored → NaN (torch).
    const yi = fromArray(Array.from(y.data, (c, i) => (i % 3 === 0 ? -100 : c)));
    const keep = Array.from(y.data.keys()).filter((i) => i % 3 !== 0);
    const xs = fromArray(keep.flatMap((i) => Array.from(x.data.subarray(i * C, (i + 1) * C))), [keep.length, C]);
    const ys = fromArray(keep.map((i) => y.data[i] ?? 0));
    for (const opts of [{}, { weight: w }, { label_smoothing: 0.1 }, { weight: w, label_smoothing: 0.1 }]) {
      close(L.cross_entropy(x, yi, opts), L.cross_entropy(xs, ys, opts));
    }
    close(L.cross_entropy(x, fromArray(Array.from(y.data, () => 3)), { ignore_index: 3, reduction: 'sum' }), 0);
    expect(L.cross_entropy(x, fromArray(Array.from(y.data, () => 3)), { ignore_index: 3 })).toBeNaN();
    // Spatial [N, C, H, W] = the same positions laid out as [N·H·W, C].
    const xs4 = randomNormal([2, C, 3, 2], rng);
    const ys4 = randomInts([2, 3, 2], rng, C);
    const flatRows: number[] = [];
    for (let n = 0; n < 2; n++) for (let s = 0; s < 6; s++) for (let c = 0; c < C; c++) flatRows.push(xs4.data[n * C * 6 + c * 6 + s] ?? 0);
    const x2 = fromArray(flatRows, [12, C]);
    const y2 = fromArray(ys4.data, [12]);
    close(L.cross_entropy(xs4, ys4, { weight: w, label_smoothing: 0.1 }), L.cross_entropy(x2, y2, { weight: w, label_smoothing: 0.1 }));
    expect(L.cross_entropy(xs4, ys4, { reduction: 'none' }).shape).toEqual([2, 3, 2]);
    close(L.multiclass_dice(xs4, ys4), L.multiclass_dice(fromArray(flatRows, [12, C]), y2));
    close(L.ce_dice(xs4, ys4), 0.5 * L.cross_entropy(xs4, ys4) + 0.5 * L.multiclass_dice(xs4, ys4));
  });
  it('label_smoothing_ce(ε) = torch CE with label_smoothing ε·C/(C−1); focal(α=1, γ=0) = CE', () => {
    const rng = mulberry32(6);
    const C = 5;
    const x = randomNormal([4, C], rng, { std: 2 });
    const y = T([0, 2, 1, 4]);
    for (const eps of [0, 0.1, 0.4]) close(L.label_smoothing_ce(x, y, { epsilon: eps }), L.cross_entropy(x, y, { label_smoothing: (eps * C) / (C - 1) }));
    close(L.focal(x, y, { alpha: 1, gamma: 0, reduction: 'none' }), L.cross_entropy(x, y, { reduction: 'none' }));
    const ce = L.cross_entropy(x, y, { reduction: 'none' });
    close(L.focal(x, y), ce.data.reduce((a, c) => a + 0.25 * (1 - Math.exp(-c)) ** 2 * c, 0) / 4);
  });
  it('binary_focal(γ=0) = α_t·BCE; matches torchvision sigmoid_focal_loss by formula', () => {
    const rng = mulberry32(8);
    const x = randomNormal([10], rng, { std: 2 });
    const y = randomInts([10], rng, 2);
    const b = L.bce_with_logits(x, y, { reduction: 'none' });
    const at = map(y, (v) => (v === 1 ? 0.3 : 0.7));
    close(L.binary_focal(x, y, { alpha: 0.3, gamma: 0, reduction: 'none' }), zipWith(at, b, (u, v) => u * v));
    const pt = zipWith(x, y, (xi, yi) => (yi === 1 ? sig(xi) : 1 - sig(xi)));
    const want = Array.from(b.data).reduce((s, v, i) => s + (at.data[i] ?? 0) * (1 - (pt.data[i] ?? 0)) ** 2 * v, 0) / 10;
    close(L.binary_focal(x, y, { alpha: 0.3 }), want);
  });
  it('triplet / triplet_margin / contrastive by formula; swap never lowers the loss', () => {
    const rng = mulberry32(9);
    const [a, pp, n] = [0, 1, 2].map(() => randomNormal([6, 4], rng)) as [F64Tensor, F64Tensor, F64Tensor];
    const dist = (u: F64Tensor, v: F64Tensor, i: number, eps: number, sq: boolean): number => {
      let s = 0;
      for (let k = 0; k < 4; k++) s += ((u.data[i * 4 + k] ?? 0) - (v.data[i * 4 + k] ?? 0) + eps) ** 2;
      return sq ? s : Math.sqrt(s);
    };
    const rows = [0, 1, 2, 3, 4, 5];
    const tri = rows.map((i) => Math.max(0, dist(a, pp, i, 0, true) - dist(a, n, i, 0, true) + 2));
    close(L.triplet(a, pp, n, { margin: 2, reduction: 'none' }), fromArray(tri));
    const tm = rows.map((i) => Math.max(0, dist(a, pp, i, 1e-6, false) - dist(a, n, i, 1e-6, false) + 1));
    close(L.triplet_margin(a, pp, n, { reduction: 'none' }), fromArray(tm));
    const sw = L.triplet_margin(a, pp, n, { swap: true, reduction: 'none' });
    sw.data.forEach((v, i) => expect(v).toBeGreaterThanOrEqual(tm[i] ?? Infinity));
    const y = T([1, 0, 1, 0, 0, 1]);
    const con = rows.map((i) => {
      const d = dist(a, pp, i, 1e-6, false);
      return (y.data[i] ?? 0) * d * d + (1 - (y.data[i] ?? 0)) * Math.max(0, 1.5 - d) ** 2;
    });
    close(L.contrastive(a, pp, y, { margin: 1.5 }), con.reduce((s, v) => s + v, 0) / 6);
    expect(L.pairwise_distance(T([[0, 0]]), T([[3, 4]]), { eps: 0 }).data[0]).toBe(5);
  });
  it('nt_xent_simple row i = softplus(info_nce row i): the positive counted twice', () => {
    const rng = mulberry32(10);
    const zi = randomNormal([5, 8], rng);
    const zj = randomNormal([5, 8], rng);
    for (const temperature of [0.07, 0.5, 2]) {
      const a = L.info_nce(zi, zj, { temperature, reduction: 'none' });
      const b = L.nt_xent_simple(zi, zj, { temperature, reduction: 'none' });
      expect(a.shape).toEqual([10]);
      expect(b.shape).toEqual([5]);
      close(b, fromArray(Array.from(a.data.subarray(0, 5), (v) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v))))), 1e-11);
      // The two differ: the duplicated positive adds log 2 when negatives vanish, so nt_xent > its info_nce rows.
      b.data.forEach((v, i) => expect(v).toBeGreaterThan(a.data[i] ?? Infinity));
      // info_nce is symmetric in the two views and invariant to rescaling an embedding.
      close(L.info_nce(zi, zj, { temperature }), L.info_nce(zj, zi, { temperature }), 1e-12);
      close(L.info_nce(map(zi, (v) => 3 * v), zj, { temperature }), L.info_nce(zi, zj, { temperature }), 1e-12);
    }
    // Identical views, orthogonal pairs: info_nce row = log(1 + (2N−2)·e^{0}/e^{1/τ}) with N=2 one-hot rows.
    const e = T([[1, 0], [0, 1]]);
    const tau = 0.5;
    close(L.info_nce(e, e, { temperature: tau }), Math.log(1 + 2 * Math.exp(-1 / tau)));
  });
  it('perceptual = mean over feature maps of mse', () => {
    const rng = mulberry32(11);
    const a = randomNormal([2, 6], rng);
    const b = randomNormal([2, 6], rng);
    const feats = (x: F64Tensor): F64Tensor[] => [map(x, (v) => Math.max(v, 0)), map(x, (v) => v * v)];
    const want = (L.mse(feats(a)[0] as F64Tensor, feats(b)[0] as F64Tensor) + L.mse(feats(a)[1] as F64Tensor, feats(b)[1] as F64Tensor)) / 2;
    close(L.perceptual(a, b, feats), want);
  });
});

// ---------------------------------------------------------------------------------------
// Finite differences against analytic gradients.

describe('finite differences', () => {
  const rng = mulberry32(12);
  const p = randomNormal([4, 3], rng, { std: 2 });
  const t = randomNormal([4, 3], rng, { std: 2 });
  const n = 12;
  const FD_TOL = 1e-7;

  it('mse: 2e/n', () => {
    const g = fdGrad((a, b) => L.mse(a, b), [p, t], 0);
    expect(maxRelErr(g, zipWith(p, t, (a, b) => (2 * (a - b)) / n))).toBeLessThan(FD_TOL);
  });
  it('log_cosh: tanh(e)/n', () => {
    const g = fdGrad((a, b) => L.log_cosh(a, b), [p, t], 0);
    expect(maxRelErr(g, zipWith(p, t, (a, b) => Math.tanh(a - b) / n))).toBeLessThan(FD_TOL);
  });
  it('bce_with_logits: (σ(x) − y)/n, also w.r.t. the target: −x/n', () => {
    const y = randomTensor([4, 3], rng, { lo: 0, hi: 1 });
    const f = (a: F64Tensor, b: F64Tensor): number => L.bce_with_logits(a, b);
    expect(maxRelErr(fdGrad(f, [p, y], 0), zipWith(p, y, (x, z) => (sig(x) - z) / n))).toBeLessThan(FD_TOL);
    expect(maxRelErr(fdGrad(f, [p, y], 1), map(p, (x) => -x / n))).toBeLessThan(FD_TOL);
  });
  it('cross_entropy: (softmax − onehot)/N', () => {
    const y = randomInts([4], rng, 3);
    const g = fdGrad((a) => L.cross_entropy(a, y), [p], 0);
    const want = map(p, (_v, k) => {
      const i = Math.floor(k / 3);
      const row = Array.from(p.data.subarray(i * 3, i * 3 + 3));
      const z = row.reduce((s, v) => s + Math.exp(v), 0);
      return (Math.exp(p.data[k] ?? 0) / z - (y.data[i] === k % 3 ? 1 : 0)) / 4;
    });
    expect(maxRelErr(g, want)).toBeLessThan(FD_TOL);
  });
  it('uncertainty_weighting: ∂/∂s_i = 1 − e^{−s_i}L_i', () => {
    const losses = T([2.5, 0.8, 1.2]);
    const s = T([0.3, -0.2, 0.1]);
    const g = fdGrad((a) => L.uncertainty_weighting(losses, a), [s], 0);
    expect(maxRelErr(g, zipWith(s, losses, (si, li) => 1 - Math.exp(-si) * li))).toBeLessThan(FD_TOL);
  });
  it('leaves its inputs untouched, and the error helpers behave', () => {
    const before = Array.from(p.data);
    fdGrad((a, b) => L.mse(a, b), [p, t], 0);
    expect(Array.from(p.data)).toEqual(before);
    expect(relErr(1, 1 + 1e-9)).toBeCloseTo(1e-9, 15);
    expect(relErr(0, 1e-9)).toBeCloseTo(1e-3, 12); // absolute floor 1e-6
    expect(relErr(NaN, NaN)).toBe(0);
    expect(relErr(NaN, 1)).toBe(Infinity);
    expect(relErr(Infinity, Infinity)).toBe(0);
    expect(maxAbsErr([1, 2], [1, 2.5])).toBe(0.5);
    expect(() => maxRelErr(T([1, 2]), T([[1, 2]]))).toThrow(/shapes/);
  });
});

describe('tensor utilities', () => {
  it('nested arrays round-trip; ragged input throws', () => {
    const x = [[[1, 2], [3, 4], [5, 6]]];
    expect(T(x).shape).toEqual([1, 3, 2]);
    expect(toNested(T(x))).toEqual(x);
    expect(toNested(scalar(3))).toBe(3);
    expect(() => T([[1, 2], [3]])).toThrow(/ragged/);
  });
  it('mulberry32 is deterministic and in range; normal has mean ≈ 0 and variance ≈ 1', () => {
    const a = randomTensor([100], mulberry32(1), { lo: -2, hi: 3 });
    expect(randomTensor([100], mulberry32(1), { lo: -2, hi: 3 }).data).toEqual(a.data);
    expect(Math.min(...a.data)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...a.data)).toBeLessThan(3);
    const z = randomNormal([20000], mulberry32(2));
    const m = z.data.reduce((s, v) => s + v, 0) / z.data.length;
    const v = z.data.reduce((s, u) => s + (u - m) ** 2, 0) / z.data.length;
    expect(Math.abs(m)).toBeLessThan(0.03);
    expect(Math.abs(v - 1)).toBeLessThan(0.05);
    const k = randomInts([1000], mulberry32(3), 4);
    expect(new Set(k.data)).toEqual(new Set([0, 1, 2, 3]));
  });
});
