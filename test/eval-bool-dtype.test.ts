// A bool input given as a float32 tf.Tensor is refused by the evaluator with the generated
// module's words, as an int input is (eval-int-dtype.test.ts): the evaluator read it as its
// nonzero entries, so a mask of 0.5s and -1s selected positions the module refuses to run
// with, and `lossc eval`, the playground and the module disagreed. Given as bool, both paths
// give the value of a float64 oracle written here.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { check } from '../src/api.js';
import { evaluateTfjs, valueAndGradsTfjs } from '../src/eval/evaluate.js';
import { initBackend } from '../src/eval/setup.js';
import type { IrFunction } from '../src/ir/types.js';
import { compiledModule, type LossModule } from './helpers/compiled.js';

const SOURCE = `loss kept(x: [N], keep: bool[N]) = sum(x^2, N, where: keep)
loss flagged(x: [N], flip: bool[N] = false) = sum(if flip then -x else x)
`;
const X = [1.5, -2, 0.25, 3];
const KEEP = [true, false, true, false];

let mod: LossModule;
let losses: IrFunction[];
beforeAll(async () => {
  await initBackend('cpu');
  mod = await compiledModule(SOURCE, 'bools.loss', 'eval-bool-dtype');
  losses = check(SOURCE, 'bools.loss').losses;
});
const fnOf = (name: string): IrFunction => losses.find((f) => f.name === name)!;

describe('a bool input given as a float32 tf.Tensor', () => {
  it.each([
    ['0/1', [1, 0, 1, 0]],
    ['other nonzero numbers', [0.5, 0, -1, 0]],
  ])('is refused by the module and the evaluator in the same words (%s)', (_, values) => {
    const x = tf.tensor1d(X);
    const keep = tf.tensor1d(values);
    const message = "kept: input 'keep' must be bool, but has dtype float32";
    expect(() => mod.kept!(x, keep)).toThrow(message);
    expect(() => evaluateTfjs(fnOf('kept'), { x, keep }, {})).toThrow(message);
    expect(() => valueAndGradsTfjs(fnOf('kept'), { x, keep }, {}, ['x'])).toThrow(message);
    tf.dispose([x, keep]);
  });

  it('an optional one too', () => {
    const x = tf.tensor1d(X);
    const flip = tf.tensor1d([1, 0, 0, 1]);
    const message = "flagged: input 'flip' must be bool, but has dtype float32";
    expect(() => mod.flagged!(x, { flip })).toThrow(message);
    expect(() => evaluateTfjs(fnOf('flagged'), { x, flip }, {})).toThrow(message);
    tf.dispose([x, flip]);
  });

  it('as bool it is read, and the value is the oracle\'s on both paths', () => {
    const x = tf.tensor1d(X);
    const keep = tf.tensor1d(KEEP, 'bool');
    const want = X.reduce((s, v, i) => s + (KEEP[i] ? v * v : 0), 0);
    expect(mod.kept!(x, keep).dataSync()[0]).toBeCloseTo(want, 6);
    expect(evaluateTfjs(fnOf('kept'), { x, keep }, {}).dataSync()[0]).toBeCloseTo(want, 6);
    tf.dispose([x, keep]);
  });
});
