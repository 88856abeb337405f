// A tf.Tensor (or an array) passed where a generated loss takes its options object, e.g.
// per-sample weights passed positionally after the inputs: the module read it as an object
// and reported one of the tensor's own fields, "unknown option 'kept'". It now says what
// happened, names the tensors the options take by name and the options; the evaluator (the
// same lowering) says the same, and so does `<loss>.forLayers(options)`.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { check } from '../src/api.js';
import { evaluateTfjs } from '../src/eval/evaluate.js';
import { initBackend } from '../src/eval/setup.js';
import { lowerLoss } from '../src/lower/loss.js';
import { LiveInterp } from '../src/eval/live-interp.js';
import { compiledModule, type LossModule } from './helpers/compiled.js';

const SOURCE = `loss wce(x: [N, C], t: index[N] of C, smoothing: real in [0, 1] = 0, weight: [C] in [0, inf) = 1) = mean(-log_softmax(x, C)[t] * weight[t] * (1 - smoothing))
loss total(x: [N]) = sqrt(sum(x^2))
`;
const X = [[1, 2, 3], [0, 1, 0]];
const T = [0, 2];
const WCE = "the options are smoothing, weight, reduction, weights, checkValues, checkFinite";

let mod: LossModule;
beforeAll(async () => {
  await initBackend('cpu');
  mod = await compiledModule(SOURCE, 'opts.loss', 'options-tensor');
});

describe('a tensor where the options go', () => {
  it.each([
    ['per-sample weights as a tf.Tensor', () => tf.tensor1d([1, 2]), `wce: the options must be a plain object, but a tf.Tensor of shape [2] was given in their place, after the inputs x, t: tensors go in it by name, { weight: ... } or { weights: ... }; ${WCE}`],
    ['a class weight as an array', () => [1, 2, 3], `wce: the options must be a plain object, but an array was given in their place, after the inputs x, t: tensors go in it by name, { weight: ... } or { weights: ... }; ${WCE}`],
  ])('%s: the module says so, not "unknown option \'kept\'"', (_, third, message) => {
    const x = tf.tensor2d(X);
    const t = tf.tensor1d(T, 'int32');
    const v = third();
    expect(() => mod.wce!(x, t, v)).toThrow(message);
    // The evaluator runs the same lowering: its prologue, given the same arguments, says the same.
    const fn = check(SOURCE, 'opts.loss').losses.find((l) => l.name === 'wce')!;
    const args = new Map<string, unknown>([['x', x], ['t', t]]);
    expect(() => lowerLoss(new LiveInterp(), fn, { args, options: v, self: () => { throw new Error('not called'); } })).toThrow(message);
    if (v instanceof tf.Tensor) v.dispose();
    tf.dispose([x, t]);
  });

  it('a loss with no tensor options names none; the options are still listed', () => {
    const x = tf.tensor1d([2, 3]);
    expect(() => mod.total!(x, x)).toThrow('total: the options must be a plain object, but a tf.Tensor of shape [2] was given in their place, after the inputs x; the options are checkValues');
    // Given as they should be, the value is the norm (the call is otherwise right).
    expect(mod.total!(x, {}).dataSync()[0]).toBeCloseTo(Math.sqrt(13), 5);
    x.dispose();
  });

  it('the weights given by name run, and weigh the per-sample losses', () => {
    const x = tf.tensor2d(X);
    const t = tf.tensor1d(T, 'int32');
    const weights = tf.tensor1d([1, 3]);
    // Σ w·l / Σ w, the per-sample losses l = log Σ exp(x) - x[t] in float64.
    const l = X.map((row, n) => Math.log(row.reduce((a, v) => a + Math.exp(v), 0)) - row[T[n]!]!);
    const want = (l[0]! * 1 + l[1]! * 3) / 4;
    expect(mod.wce!(x, t, { weights }).dataSync()[0]).toBeCloseTo(want, 5);
    const fn = check(SOURCE, 'opts.loss').losses.find((f) => f.name === 'wce')!;
    expect(evaluateTfjs(fn, { x, t }, {}, { weights }).dataSync()[0]).toBeCloseTo(want, 5);
    tf.dispose([x, t, weights]);
  });

  it('forLayers(options) given a tensor says so too', () => {
    const w = tf.tensor1d([1, 2, 3]);
    const forLayers = (mod.wce as unknown as { forLayers: (o: unknown) => unknown }).forLayers;
    expect(() => forLayers(w)).toThrow('wce.forLayers: the options must be a plain object, but a tf.Tensor of shape [3] was given in their place; the options are smoothing, weight, checkValues');
    w.dispose();
  });
});
