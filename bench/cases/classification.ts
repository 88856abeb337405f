// stdlib/classification.loss: binary losses on [N, 100], class-index losses on [N, 10] logits
// (C = 10, a CIFAR-10 head), cosine distance on [N, 128] unit rows.
import * as tf from '@tensorflow/tfjs';
import * as base from '../baselines/classification.js';
import * as lib from '../baselines/tf-losses.js';
import { binary, ints, normal, uniform, unitRows } from './random.js';
import { rowElements, rows, SIZES } from './sizes.js';
import { call, get, type BenchCase, type Inputs, type LossFn } from './types.js';

const CLASSES = 10;
const on =
  (a: string, b: string, f: (x: tf.Tensor, y: tf.Tensor) => tf.Scalar): LossFn =>
  (x: Inputs) =>
    f(get(x, a), get(x, b));

/** A loss of two inputs [N, K]: `a` differentiated, `b` the target. */
function pairCase(loss: string, [a, b]: [string, string], K: number, inputs: BenchCase['inputs'], unit: string, baseline: (x: tf.Tensor, y: tf.Tensor) => tf.Scalar, tfLosses?: (x: tf.Tensor, y: tf.Tensor) => tf.Scalar, note?: string): BenchCase {
  return {
    loss,
    file: 'classification',
    sizes: SIZES,
    unit,
    dims: rows(K),
    elements: rowElements,
    inputs,
    wrt: [a],
    compiled: (m, x, o) => call(m, loss, get(x, a), get(x, b), o),
    baseline: on(a, b, baseline),
    ...(tfLosses ? { tfLosses: on(a, b, tfLosses) } : {}),
    ...(note ? { note } : {}),
  };
}

const logits = (d: { N?: number; K?: number }, rng: () => number): Record<string, tf.Tensor> => ({
  x: normal(rng, [d.N!, d.K!], 2),
  t: ints(rng, [d.N!], d.K!),
});
const binaryLogits = (d: { N?: number; K?: number }, rng: () => number): Record<string, tf.Tensor> => ({
  x: normal(rng, [d.N!, d.K!], 2),
  y: binary(rng, [d.N!, d.K!]),
});

export const CLASSIFICATION: readonly BenchCase[] = [
  pairCase('bce', ['p', 'y'], 100, (d, rng) => ({ p: uniform(rng, [d.N!, d.K!], 0.02, 0.98), y: binary(rng, [d.N!, d.K!]) }), 'elements of p', base.bce, lib.bce,
    "baseline = the tutorial's bce_manual (p clamped to [1e-7, 1 - 1e-7]); tf.losses.logLoss adds 1e-7 inside each log; the stdlib floors each log at -100 as torch does: equal away from p = 0 and 1"),
  pairCase('bce_with_logits', ['x', 'y'], 100, binaryLogits, 'elements of x', base.bceWithLogits, lib.bceWithLogits),
  pairCase('cross_entropy', ['x', 't'], CLASSES, logits, 'elements of x [N, 10]', base.crossEntropy, lib.crossEntropy),
  pairCase('nll', ['logp', 't'], CLASSES, (d, rng) => {
    const { x, t } = logits(d, rng);
    const logp = tf.logSoftmax(x!);
    x!.dispose();
    return { logp, t: t! };
  }, 'elements of logp [N, 10]', base.nll),
  pairCase('label_smoothing_ce', ['x', 't'], CLASSES, logits, 'elements of x [N, 10]', (x, t) => base.labelSmoothingCe(x, t)),
  pairCase('focal', ['x', 't'], CLASSES, logits, 'elements of x [N, 10]', (x, t) => base.focal(x, t)),
  pairCase('binary_focal', ['x', 'y'], 100, binaryLogits, 'elements of x', (x, y) => base.binaryFocal(x, y)),
  pairCase('hinge', ['x', 'labels'], 100, (d, rng) => ({ x: normal(rng, [d.N!, d.K!]), labels: binary(rng, [d.N!, d.K!]) }), 'elements of x', base.hinge, lib.hinge),
  pairCase('cosine_distance', ['x', 'labels'], 128, (d, rng) => ({ x: unitRows(rng, d.N!, d.K!), labels: unitRows(rng, d.N!, d.K!) }), 'elements of x [N, 128]', base.cosineDistance, lib.cosineDistance),
];
