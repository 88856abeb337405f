// `<loss>.forLayers()`: generated losses in tfjs-layers' convention, trained with model.fit
// and model.fitDataset. The oracles: the quantile a pinball loss must reach (its definition),
// tfjs-layers' own losses under classWeight, and per-example values computed here in float64.
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from './helpers/compile-cache.js';
import { fsHost } from '../src/cli/files.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';
import { initBackend } from '../src/eval/setup.js';
import { importModule } from './fuzz/compare.js';
import { mulberry32 } from './oracle/tensor.js';

type LayersLoss = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;
type Loss = ((...args: never[]) => tf.Tensor) & { forLayers?: (options?: Record<string, unknown>) => LayersLoss };

const PINBALL = `
/// The pinball (quantile) loss: its minimiser is the tau-quantile of the target.
loss pinball(pred: [...], y: [...], tau: real in (0, 1) = 0.5) =
  mean(max(tau * (y - pred), (tau - 1) * (y - pred)))
`;

async function compiled(text: string, file: string): Promise<Record<string, Loss>> {
  const r = await compile(text, file, { host: fsHost });
  expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d))).toEqual([]);
  return importModule<Record<string, Loss>>(r.code!, 'layers');
}

/** Standard normal draws from a seeded generator. */
function normals(n: number, seed: number): number[] {
  const rng = mulberry32(seed);
  return Array.from({ length: n }, () => rng.normal());
}

/** A dense model with the given kernel and bias, so two models start the same. */
function dense(inputs: number, units: number, kernel: number[][], bias: number[], activation?: 'sigmoid' | 'softmax'): tf.Sequential {
  const model = tf.sequential({ layers: [tf.layers.dense({ units, inputShape: [inputs], ...(activation ? { activation } : {}) })] });
  model.setWeights([tf.tensor2d(kernel), tf.tensor1d(bias)]);
  return model;
}

let pinball: Loss;
let cls: Record<string, Loss>;
let reg: Record<string, Loss>;

beforeAll(async () => {
  await initBackend('wasm');
  pinball = (await compiled(PINBALL, 'pinball.loss')).pinball!;
  cls = await compiled(readFileSync('stdlib/classification.loss', 'utf8'), 'stdlib/classification.loss');
  reg = await compiled(readFileSync('stdlib/regression.loss', 'utf8'), 'stdlib/regression.loss');
}, 120_000);

describe('forLayers in model.fit', () => {
  it('trains the pinball loss to its quantile: about 90% of targets fall below the tau = 0.9 prediction', async () => {
    // y = 2x + 1 + noise: the 0.9 quantile of y given x is 2x + 1 + 1.28.
    const n = 2000;
    const rng = mulberry32(7);
    const xs = Array.from({ length: n }, () => rng.next());
    const noise = normals(n, 8);
    const ys = xs.map((x, i) => 2 * x + 1 + noise[i]!);
    const x = tf.tensor2d(xs, [n, 1]);
    const y = tf.tensor2d(ys, [n, 1]);
    const model = dense(1, 1, [[0]], [0]);
    model.compile({ optimizer: tf.train.adam(0.05), loss: pinball.forLayers!({ tau: 0.9 }) });
    await model.fit(x, y, { epochs: 400, batchSize: n, verbose: 0 });
    const pred = (model.predict(x) as tf.Tensor).dataSync();
    const covered = ys.filter((v, i) => v <= pred[i]!).length / n;
    // Sampling error of a 0.9 proportion over 2000 draws is 0.007; the fitted line adds a little.
    expect(covered).toBeGreaterThan(0.87);
    expect(covered).toBeLessThan(0.93);
    const [w, b] = model.getWeights().map((t) => t.dataSync()[0]!);
    expect(w!).toBeCloseTo(2, 0);
    expect(b!).toBeCloseTo(1 + 1.2816, 0);
    tf.dispose([x, y, pred as unknown as tf.Tensor]);
    model.dispose();
  }, 120_000);

  it('with classWeight, bce gives the value and the update of tfjs-layers\' binaryCrossentropy', async () => {
    const n = 12;
    const rng = mulberry32(11);
    const xs = Array.from({ length: n * 2 }, () => rng.next() * 4 - 2);
    const labels = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const kernel = [[0.3], [-0.2]];
    const bias = [0.1];
    const classWeight = { 0: 1, 1: 3 };
    const x = tf.tensor2d(xs, [n, 2]);
    const y = tf.tensor2d(labels, [n, 1]);
    const ours = dense(2, 1, kernel, bias, 'sigmoid');
    const theirs = dense(2, 1, kernel, bias, 'sigmoid');
    ours.compile({ optimizer: tf.train.sgd(0.5), loss: cls.bce!.forLayers!() });
    theirs.compile({ optimizer: tf.train.sgd(0.5), loss: 'binaryCrossentropy' });
    const a = await ours.fit(x, y, { epochs: 1, batchSize: n, verbose: 0, classWeight });
    const b = await theirs.fit(x, y, { epochs: 1, batchSize: n, verbose: 0, classWeight });

    // The value both must give, in float64: the class-weighted mean of the per-example BCE.
    let expected = 0;
    for (let i = 0; i < n; i++) {
      const z = kernel[0]![0]! * xs[2 * i]! + kernel[1]![0]! * xs[2 * i + 1]! + bias[0]!;
      const p = 1 / (1 + Math.exp(-z));
      const t = labels[i]!;
      expected += classWeight[t as 0 | 1] * -(t * Math.log(p) + (1 - t) * Math.log(1 - p));
    }
    expected /= n;
    const ourLoss = a.history.loss![0] as number;
    expect(Math.abs(ourLoss - expected) / expected).toBeLessThan(1e-5);
    expect(Math.abs((b.history.loss![0] as number) - expected) / expected).toBeLessThan(1e-5);
    // The same gradient step.
    const after = (m: tf.Sequential): number[] => m.getWeights().flatMap((t) => Array.from(t.dataSync()));
    after(ours).forEach((v, i) => expect(v).toBeCloseTo(after(theirs)[i]!, 5));
    tf.dispose([x, y]);
    ours.dispose();
    theirs.dispose();
  });

  it('with classWeight and one-hot targets, cross_entropy on logits gives categoricalCrossentropy on a softmax model', async () => {
    const n = 9;
    const rng = mulberry32(12);
    const xs = Array.from({ length: n * 2 }, () => rng.next() * 2 - 1);
    const classes = Array.from({ length: n }, (_, i) => i % 3);
    const kernel = [[0.5, -0.4, 0.1], [0.2, 0.3, -0.6]];
    const bias = [0, 0.1, -0.1];
    const classWeight = { 0: 2, 1: 0.5, 2: 1 };
    const x = tf.tensor2d(xs, [n, 2]);
    const y = tf.oneHot(tf.tensor1d(classes, 'int32'), 3).toFloat();
    const ours = dense(2, 3, kernel, bias);
    const theirs = dense(2, 3, kernel, bias, 'softmax');
    ours.compile({ optimizer: tf.train.sgd(0.5), loss: cls.cross_entropy!.forLayers!() });
    theirs.compile({ optimizer: tf.train.sgd(0.5), loss: 'categoricalCrossentropy' });
    const a = await ours.fit(x, y, { epochs: 1, batchSize: n, verbose: 0, classWeight });
    const b = await theirs.fit(x, y, { epochs: 1, batchSize: n, verbose: 0, classWeight });
    let expected = 0;
    for (let i = 0; i < n; i++) {
      const z = [0, 1, 2].map((c) => kernel[0]![c]! * xs[2 * i]! + kernel[1]![c]! * xs[2 * i + 1]! + bias[c]!);
      const lse = Math.log(z.reduce((s, v) => s + Math.exp(v), 0));
      expected += classWeight[classes[i] as 0 | 1 | 2] * (lse - z[classes[i]!]!);
    }
    expected /= n;
    expect(Math.abs((a.history.loss![0] as number) - expected) / expected).toBeLessThan(1e-5);
    expect(Math.abs((b.history.loss![0] as number) - expected) / expected).toBeLessThan(1e-5);
    const after = (m: tf.Sequential): number[] => m.getWeights().flatMap((t) => Array.from(t.dataSync()));
    after(ours).forEach((v, i) => expect(v).toBeCloseTo(after(theirs)[i]!, 5));
    tf.dispose([x, y]);
    ours.dispose();
    theirs.dispose();
  });

  it('sparse cross-entropy trains: [N, 1] float32 class indices through fitDataset, as tfjs-layers delivers them', async () => {
    // Three separable blobs; fitDataset passes targets as given (model.fit would check them
    // against the output shape [N, 3] first, and only its own sparse loss is let through).
    const n = 300;
    const rng = mulberry32(13);
    const centres = [[2, 0], [-1, 1.7], [-1, -1.7]];
    const classes = Array.from({ length: n }, (_, i) => i % 3);
    const xs = classes.flatMap((c) => centres[c]!.map((v) => v + (rng.next() - 0.5)));
    const x = tf.tensor2d(xs, [n, 2]);
    const y = tf.tensor2d(classes, [n, 1]); // float32, as a dataset of plain numbers gives
    const model = dense(2, 3, [[0, 0, 0], [0, 0, 0]], [0, 0, 0]);
    model.compile({ optimizer: tf.train.adam(0.1), loss: cls.cross_entropy!.forLayers!({ label_smoothing: 0 }) });
    const data = tf.data.zip({ xs: tf.data.array(tf.unstack(x)), ys: tf.data.array(tf.unstack(y)) }).batch(50);
    const history = await model.fitDataset(data, { epochs: 20, verbose: 0 });
    const losses = history.history.loss as number[];
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! / 5);
    const predicted = (tf.argMax(model.predict(x) as tf.Tensor, 1).dataSync() as Int32Array);
    const accuracy = classes.filter((c, i) => predicted[i] === c).length / n;
    expect(accuracy).toBeGreaterThan(0.97);
    tf.dispose([x, y]);
    model.dispose();
  });
});

describe('forLayers, called directly', () => {
  it('returns one loss per example: the mean of the per-sample losses over all but the first axis', () => {
    const yPred = tf.tensor2d([[1, 2, 3], [0, 0, 4]]);
    const yTrue = tf.tensor2d([[1, 0, 0], [1, 1, 1]]);
    const l = reg.mse!.forLayers!()(yTrue, yPred);
    expect(l.shape).toEqual([2]);
    // (0 + 4 + 9) / 3 and (1 + 1 + 9) / 3
    expect(Array.from(l.dataSync())).toEqual([13 / 3, 11 / 3].map(Math.fround));
    tf.dispose([yPred, yTrue, l]);
  });

  it('takes class indices as int32, float32 [N], sparse [N, 1] or one-hot rows, with the same losses', () => {
    const logits = tf.tensor2d([[1, 2, 0.5], [0.1, -1, 2], [3, 0, 0]]);
    const f = cls.cross_entropy!.forLayers!();
    const forms = [tf.tensor1d([1, 2, 0], 'int32'), tf.tensor1d([1, 2, 0]), tf.tensor2d([[1], [2], [0]]), tf.tensor2d([[0, 1, 0], [0, 0, 1], [1, 0, 0]])];
    const expected = [[1, 2, 0.5], [0.1, -1, 2], [3, 0, 0]].map((z, i) => Math.log(z.reduce((s, v) => s + Math.exp(v), 0)) - z[[1, 2, 0][i]!]!);
    for (const t of forms) {
      const l = f(t, logits);
      expect(l.shape).toEqual([3]);
      Array.from(l.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
      l.dispose();
    }
    tf.dispose([logits, ...forms]);
  });

  it('a masked mean over the batch (ignored class indices): tfjs-layers\' mean of the per-example losses is the mean over the selected examples, and so is its gradient', () => {
    const z = [[1, 2, 0.5], [0.1, -1, 2], [3, 0, 0], [-0.5, 0.25, 1]];
    const t = [1, -100, 0, 2];
    const logits = tf.tensor2d(z);
    const f = cls.cross_entropy!.forLayers!();
    // float32 -100 as tfjs-layers passes targets, and sparse [N, 1].
    const yTrue = tf.tensor2d(t.map((v) => [v]));
    // Oracle: the mean of log-sum-exp minus the target logit over the 3 kept rows; its gradient
    // (softmax - onehot) / 3 on those rows, 0 on the ignored one.
    const kept = t.flatMap((c, i) => (c < 0 ? [] : [i]));
    const ce = (i: number): number => Math.log(z[i]!.reduce((s, v) => s + Math.exp(v), 0)) - z[i]![t[i]!]!;
    const expected = kept.reduce((s, i) => s + ce(i), 0) / kept.length;
    const grad = z.map((row, i) => {
      if (t[i]! < 0) return row.map(() => 0);
      const e = row.map(Math.exp);
      const total = e.reduce((a, b) => a + b, 0);
      return e.map((v, c) => (v / total - (c === t[i] ? 1 : 0)) / kept.length);
    });
    const { value, grads } = tf.valueAndGrads((x: tf.Tensor) => tf.mean(f(yTrue, x)))([logits]);
    expect(value.dataSync()[0]).toBeCloseTo(expected, 5);
    Array.from(grads[0]!.dataSync()).forEach((g, k) => expect(g).toBeCloseTo(grad[Math.floor(k / 3)]![k % 3]!, 5));
    // Nothing ignored: the per-example losses are the plain ones (classWeight weighs them as
    // tfjs-layers' own losses), up to float32 rounding.
    const plain = f(tf.tensor1d([1, 2, 0, 2], 'int32'), logits);
    Array.from(plain.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(Math.log(z[i]!.reduce((s, x) => s + Math.exp(x), 0)) - z[i]![[1, 2, 0, 2][i]!]!, 5));
    tf.dispose([logits, yTrue, value, ...grads, plain]);
  });

  it('refuses what it would have to guess: soft labels, fractional indices, reduction and weights, unknown options', () => {
    const logits = tf.tensor2d([[1, 2, 0.5], [0.1, -1, 2]]);
    const f = cls.cross_entropy!.forLayers!();
    const soft = tf.tensor2d([[0.2, 0.8, 0], [0, 0, 1]]);
    expect(() => f(soft, logits)).toThrow(/not every row is 0s and a single 1/);
    const half = tf.tensor2d([[0.5], [1]]);
    expect(() => f(half, logits)).toThrow(/yTrue holds 0.5 at flat position 0, which is not a class index/);
    expect(() => cls.cross_entropy!.forLayers!({ weights: tf.ones([2]) })).toThrow(/option 'weights' is not taken: tfjs-layers weighs/);
    expect(() => cls.cross_entropy!.forLayers!({ reduction: 'sum' })).toThrow(/option 'reduction' is not taken/);
    expect(() => cls.cross_entropy!.forLayers!({ labelSmoothing: 0.1 })).toThrow("cross_entropy.forLayers: unknown option 'labelSmoothing' (did you mean 'label_smoothing'?)");
    tf.dispose([logits, soft, half]);
  });

  it('leaks no tensor, in the forward call and under tf.grad', () => {
    const yPred = tf.tensor2d([[0.2, 0.7], [0.9, 0.1]]);
    const yTrue = tf.tensor2d([[0, 1], [1, 0]]);
    const f = cls.bce!.forLayers!();
    tf.dispose(f(yTrue, yPred));
    const before = tf.memory().numTensors;
    tf.dispose(f(yTrue, yPred));
    tf.dispose(tf.grad((p: tf.Tensor) => tf.mean(f(yTrue, p)))(yPred));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([yPred, yTrue]);
  });
});
