// stdlib/generative.loss against the float64 oracles of test/oracle/generative.ts (and the
// BCE oracle for the generator's reductions), finite differences and extreme inputs.
import { describe, expect, it } from 'vitest';
import { bce_with_logits } from './oracle/classification.js';
import * as tf from '@tensorflow/tfjs';
import { evaluateReference } from '../src/reference/evaluate.js';
import { valueAndGradsTfjs } from '../src/eval/evaluate.js';
import { fdGrad, maxRelErr } from './oracle/fd.js';
import { gan_discriminator, gan_generator, perceptual, vae, wgan_discriminator, wgan_generator } from './oracle/generative.js';
import { reduce } from './oracle/reduce.js';
import { fromNested, full, map, mulberry32, randomTensor, type F64Tensor } from './oracle/tensor.js';
import {
  describeExtremes,
  describeGeneratedModules,
  describeLossCases,
  lossFn,
  refValue,
  toRef,
  useWasm,
  type ExtremeCase,
  type Inputs,
  type LossCase,
  type Reduction,
} from './helpers/loss-harness.js';

const GEN = 'stdlib/generative.loss';
const R = (reduction?: Reduction, weights?: F64Tensor) => ({ ...(reduction ? { reduction } : {}), ...(weights ? { weights } : {}) });

const scores = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  return { real_out: randomTensor(shape, rng, { lo: -4, hi: 4 }), fake_out: randomTensor(shape, rng, { lo: -4, hi: 4 }) };
};
const fakeOnly = (seed: number, shape: number[]): Inputs => ({ fake_out: scores(seed, shape).fake_out! });
/** A batch of reconstructions [N, ...] with latent mean and log-variance [N, 3]. */
const vaeBatch = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  const latent = [shape[0]!, 3];
  return {
    recon: randomTensor(shape, rng, { lo: 0.02, hi: 0.98 }),
    x: randomTensor(shape, rng, { lo: 0, hi: 1 }),
    mu: randomTensor(latent, rng, { lo: -2, hi: 2 }),
    logvar: randomTensor(latent, rng, { lo: -2, hi: 2 }),
  };
};

const CASES: readonly LossCase[] = [
  { file: GEN, loss: 'gan_discriminator', oracle: (x) => gan_discriminator(x.real_out!, x.fake_out!), inputs: scores, shapes: [[7], [4, 1]], hypers: [], reductions: false },
  // The generator's loss is BCE on logits against 1, whose oracle also has reductions.
  { file: GEN, loss: 'gan_generator', oracle: (x, _h, r, w) => (r || w ? bce_with_logits(x.fake_out!, full(x.fake_out!.shape, 1), R(r, w)) : gan_generator(x.fake_out!)), inputs: fakeOnly, shapes: [[7], [4, 2]], hypers: [] },
  { file: GEN, loss: 'wgan_discriminator', oracle: (x) => wgan_discriminator(x.real_out!, x.fake_out!), inputs: scores, shapes: [[7], [4, 1]], hypers: [], reductions: false },
  { file: GEN, loss: 'wgan_generator', oracle: (x, _h, r, w) => (r || w ? reduce(map(x.fake_out!, (v) => -v), R(r, w)) : wgan_generator(x.fake_out!)), inputs: fakeOnly, shapes: [[7], [4, 2]], hypers: [] },
  { file: GEN, loss: 'vae', oracle: (x, h) => vae(x.recon!, x.x!, x.mu!, x.logvar!, { beta: h.beta ?? 1 }), inputs: vaeBatch, shapes: [[4, 6], [2, 3, 5]], hypers: [{ beta: 4 }, { beta: 0 }], reductions: false },
];

useWasm();
describeLossCases(CASES);
const moduleOf = describeGeneratedModules('stdlib-generative', [GEN], CASES);

describe('composition', () => {
  it('gan_discriminator averages real and fake separately, as two BCE losses', () => {
    const x = scores(5, [6]);
    const want = bce_with_logits(x.real_out!, full([6], 1)) + bce_with_logits(x.fake_out!, full([6], 0));
    expect(refValue(GEN, 'gan_discriminator', x)[0]).toBeCloseTo(want, 12);
  });
  it('vae sums the reconstruction BCE over every element: twice the data, twice the term', () => {
    const x = vaeBatch(6, [2, 4]);
    const doubled = { ...x, recon: fromNested([[...x.recon!.data], [...x.recon!.data]].flat()), x: fromNested([[...x.x!.data], [...x.x!.data]].flat()) };
    const kl0 = { beta: 0 };
    expect(refValue(GEN, 'vae', doubled, kl0)[0]).toBeCloseTo(2 * refValue(GEN, 'vae', x, kl0)[0]!, 10);
  });
});

const big = 1e4;
const withFd = (loss: string, what: string, x: Inputs, oracle: (v: Inputs) => number): ExtremeCase => ({ loss, what, x, want: oracle(x), grads: 'fd', oracle });
const EXTREMES: readonly ExtremeCase[] = [
  withFd('gan_discriminator', 'logits ±1e4', { real_out: fromNested([big, -big]), fake_out: fromNested([-big, big]) }, (v) => gan_discriminator(v.real_out!, v.fake_out!)),
  withFd('gan_generator', 'logits ±1e4', { fake_out: fromNested([big, -big]) }, (v) => gan_generator(v.fake_out!)),
  (() => {
    const x = { recon: fromNested([0, 1, 0, 1]), x: fromNested([1, 0, 0, 1]), mu: fromNested([[0.5, -1]]), logvar: fromNested([[0, 1]]) };
    // BCE summed, with torch's gradient along the reconstruction, (r - x)/max(r(1 - r), 1e-12):
    // ∓1e12 where the -100 floor is taken with the wrong target, 0 at a right one; d/dx = ±100;
    // the KL term gives d/dμ = μ and d/dlogvar = (exp(logvar) - 1)/2.
    const grads = { recon: [-1e12, 1e12, 0, 0], x: [100, -100, 100, -100], mu: [0.5, -1], logvar: [0, (Math.E - 1) / 2] };
    return { loss: 'vae', what: 'reconstructions exactly 0 and 1', x, want: vae(x.recon, x.x, x.mu, x.logvar), grads };
  })(),
];
describeExtremes(GEN, EXTREMES, moduleOf);

describe('perceptual: a feature extractor passed as a function', () => {
  // Two "layers" of a tiny fixed network on [N, C=2, H=4, W=4] images: a 1x1 convolution to
  // K=3 channels with tanh, then a 2x2 average pool of it. Written twice, independently: in
  // float64 for the oracle, and in tfjs for the evaluator and the generated module.
  const W1 = [[0.5, -1], [1.5, 0.25], [-0.75, 0.8]];
  const at = (t: F64Tensor, n: number, c: number, h: number, w: number) => t.data[((n * t.shape[1]! + c) * t.shape[2]! + h) * t.shape[3]! + w]!;
  const features64 = (x: F64Tensor): F64Tensor[] => {
    const [N, , H, Wd] = x.shape as [number, number, number, number];
    const l1 = { shape: [N, 3, H, Wd], data: new Float64Array(N * 3 * H * Wd) };
    for (let n = 0; n < N; n++) for (let k = 0; k < 3; k++) for (let h = 0; h < H; h++) for (let w = 0; w < Wd; w++)
      l1.data[((n * 3 + k) * H + h) * Wd + w] = Math.tanh(W1[k]![0]! * at(x, n, 0, h, w) + W1[k]![1]! * at(x, n, 1, h, w));
    const l2 = { shape: [N, 3, H / 2, Wd / 2], data: new Float64Array(N * 3 * (H / 2) * (Wd / 2)) };
    for (let n = 0; n < N; n++) for (let k = 0; k < 3; k++) for (let h = 0; h < H / 2; h++) for (let w = 0; w < Wd / 2; w++)
      l2.data[((n * 3 + k) * (H / 2) + h) * (Wd / 2) + w] = (at(l1, n, k, 2 * h, 2 * w) + at(l1, n, k, 2 * h + 1, 2 * w) + at(l1, n, k, 2 * h, 2 * w + 1) + at(l1, n, k, 2 * h + 1, 2 * w + 1)) / 4;
    return [l1, l2];
  };
  const featuresTf = (x: tf.Tensor): tf.Tensor[] => {
    const [N, C, H, W] = x.shape as [number, number, number, number];
    // 1x1 convolution as a matrix product over C (einsum has no gradient in tfjs).
    const pixels = tf.reshape(tf.transpose(x, [0, 2, 3, 1]), [N * H * W, C]);
    const l1 = tf.tanh(tf.transpose(tf.reshape(tf.matMul(pixels, tf.tensor2d(W1), false, true), [N, H, W, 3]), [0, 3, 1, 2]));
    const l2 = tf.mean(tf.reshape(l1, [N, 3, H / 2, 2, W / 2, 2]), [3, 5]);
    return [l1, l2];
  };
  const images = (seed: number) => {
    const rng = mulberry32(seed);
    return { pred: randomTensor([2, 2, 4, 4], rng), target: randomTensor([2, 2, 4, 4], rng) };
  };
  const tfOf = (t: F64Tensor) => tf.tensor(Array.from(t.data), t.shape);

  it('= the tutorial’s loop (mean over layers of each MSE), in float64 and on tfjs', () => {
    const x = images(4);
    const want = perceptual(x.pred, x.target, features64);
    const fn = lossFn(GEN, 'perceptual');
    const ref = evaluateReference(fn, toRef(x), {}, { functions: { features: features64 } });
    expect(ref.data[0]).toBeCloseTo(want, 12);
    const { value, grads } = valueAndGradsTfjs(fn, { pred: tfOf(x.pred), target: tfOf(x.target) }, {}, ['pred'], { functions: { features: featuresTf } });
    expect(Math.abs(value.dataSync()[0]! - want)).toBeLessThan(1e-5 * Math.max(1, want));
    const fd = fdGrad((p, t) => perceptual(p!, t!, features64), [x.pred, x.target], 0);
    expect(maxRelErr(Float64Array.from(grads.pred!.dataSync()), fd.data, 1e-4)).toBeLessThan(1e-3);
  });

  it('the generated module takes the extractor as an argument and trains through it', () => {
    const x = images(5);
    const mod = moduleOf(GEN) as unknown as Record<string, (...a: unknown[]) => tf.Scalar>;
    const want = perceptual(x.pred, x.target, features64);
    const target = tfOf(x.target);
    expect(mod.perceptual!(tfOf(x.pred), target, featuresTf).dataSync()[0]).toBeCloseTo(want, 5);
    // One extractor returning a single map is the one-layer case.
    expect(mod.perceptual!(tfOf(x.pred), target, (t: tf.Tensor) => featuresTf(t)[1]!).dataSync()[0]).toBeCloseTo(perceptual(x.pred, x.target, (t) => [features64(t)[1]!]), 5);
    const g = tf.grad((p: tf.Tensor) => mod.perceptual!(p, target, featuresTf))(tfOf(x.pred));
    const fd = fdGrad((p, t) => perceptual(p!, t!, features64), [x.pred, x.target], 0);
    expect(maxRelErr(Float64Array.from(g.dataSync()), fd.data, 1e-4)).toBeLessThan(1e-3);
    expect(() => mod.perceptual!(tfOf(x.pred), target, 'vgg16')).toThrow(/perceptual: argument 'features' must be a function/);
  });
});
