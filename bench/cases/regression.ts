// stdlib/regression.loss: elementwise on [N, 100] predictions and targets.
import type * as tf from '@tensorflow/tfjs';
import * as base from '../baselines/regression.js';
import * as lib from '../baselines/tf-losses.js';
import { normal } from './random.js';
import { rowElements, rows, SIZES } from './sizes.js';
import { call, get, type BenchCase, type Inputs, type LossFn } from './types.js';

type Pair = (pred: tf.Tensor, target: tf.Tensor) => tf.Scalar;
const onPair = (f: Pair): LossFn => (x: Inputs) => f(get(x, 'pred'), get(x, 'target'));

function regression(loss: string, baseline: Pair, tfLosses?: Pair, note?: string): BenchCase {
  return {
    loss,
    file: 'regression',
    sizes: SIZES,
    unit: 'elements of pred',
    dims: rows(100),
    elements: rowElements,
    inputs: (d, rng) => ({ pred: normal(rng, [d.N!, d.K!]), target: normal(rng, [d.N!, d.K!]) }),
    wrt: ['pred'],
    compiled: (m, x, o) => call(m, loss, get(x, 'pred'), get(x, 'target'), o),
    baseline: onPair(baseline),
    ...(tfLosses ? { tfLosses: onPair(tfLosses) } : {}),
    ...(note ? { note } : {}),
  };
}

export const REGRESSION: readonly BenchCase[] = [
  regression('mse', base.mse, lib.mse),
  regression('mae', base.mae, lib.mae),
  regression('huber', base.huber, lib.huber),
  regression('smooth_l1', base.smoothL1, lib.huber, 'tf.losses.huberLoss equals SmoothL1Loss only at beta = 1, the default'),
  regression('log_cosh', base.logCosh, undefined, 'the baseline is the tutorial\'s log(cosh(e)), which overflows for |e| > 89; the stdlib uses the stable form'),
  regression('asymmetric_mse', base.asymmetricMse),
];
