// The tfjs evaluator takes a bool hyperparameter as true/false or 1/0, as the generated
// function does: `false` read as `false !== 0` was true, with no diagnostic.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateTfjs } from '../src/eval/evaluate.js';
import { initBackend } from '../src/eval/setup.js';
import { frontEnd } from '../src/pipeline.js';

describe('bool hyperparameters in the evaluator', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it.each([
    [false, 6],
    [0, 6],
    [true, -6],
    [1, -6],
  ])('flip = %s', (flip, want) => {
    const fn = frontEnd('loss f(x: [N], flip: bool = false) = if flip then -sum(x) else sum(x)', 'f.loss').losses[0]!;
    const x = tf.tensor1d([1, 2, 3]);
    const r = evaluateTfjs(fn, { x }, { flip: flip as number });
    expect(r.dataSync()[0]).toBe(want);
    tf.dispose([x, r]);
  });
});
