// checkFinite over inputs whose `...` is not first (issue 17, item 4): inside, the rest dims come
// first (src/lower/layout.ts), but a non-finite value is reported at its position in the
// caller's layout, both where an input holds it and in the input values shown beside the first
// operation that made one, and the per-sample losses' own position too. checkValues: false lets
// the NaN past the boundary scan.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { check } from '../src/api.js';
import { evaluateTfjs } from '../src/eval/evaluate.js';
import { initBackend } from '../src/eval/setup.js';
import { compiledModule, type LossModule } from './helpers/compiled.js';
import { expectThrowsClean } from './helpers/throws.js';

const SOURCE = `
loss plain(x: [B, C, ...]) = mean(x)
loss logged(x: [B, C, ...]) = mean(log(x))
loss middle(x: [B, ..., C]) = mean(x)
`;
/** [2, 3, 4, 5], x[b, c, h, w] = 1 + b + c/10 + h/100 + w/1000, with `v` at [1, 2, 3, 0]. */
function input(shape: number[], at: number[], v: number): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const data = Float32Array.from({ length: size }, (_, k) => 1 + k / size);
  const flat = at.reduce((acc, p, i) => acc * shape[i]! + p, 0);
  data[flat] = v;
  return tf.tensor(data, shape);
}
const escape = (s: string): RegExp => new RegExp(`^${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);

let mod: LossModule;
beforeAll(async () => {
  await initBackend('cpu');
  mod = await compiledModule(SOURCE, 'finite.loss', 'finite-rest');
});
const fnOf = (name: string) => check(SOURCE, 'finite.loss').losses.find((f) => f.name === name)!;

describe("checkFinite reports positions in the caller's layout when '...' is not first", () => {
  it.each([
    ['plain', [2, 3, 4, 5], [1, 2, 3, 0], NaN, "plain: the loss is NaN at [1, 2, 3, 0] (checkFinite): input 'x' holds NaN at [1, 2, 3, 0]"],
    ['plain', [2, 3, 4, 5], [0, 1, 0, 4], Infinity, "plain: the loss is Infinity at [0, 1, 0, 4] (checkFinite): input 'x' holds Infinity at [0, 1, 0, 4]"],
    ['plain', [2, 3, 2, 3, 2], [1, 0, 1, 2, 1], NaN, "plain: the loss is NaN at [1, 0, 1, 2, 1] (checkFinite): input 'x' holds NaN at [1, 0, 1, 2, 1]"],
    ['middle', [2, 4, 5, 3], [1, 3, 0, 2], NaN, "middle: the loss is NaN at [1, 3, 0, 2] (checkFinite): input 'x' holds NaN at [1, 3, 0, 2]"],
  ])('%s on %j with %s at %j', (loss, shape, at, v, message) => {
    const x = input(shape as number[], at as number[], v as number);
    expectThrowsClean(() => mod[loss as string]!(x, { checkValues: false, checkFinite: true }), escape(message as string), 'module');
    expect(() => evaluateTfjs(fnOf(loss as string), { x }, {}, { checkValues: false, checkFinite: true })).toThrow(message as string);
    tf.dispose(x);
  });

  it('the input values beside the first operation that made a non-finite value are the caller\'s', () => {
    const x = input([2, 3, 4, 5], [1, 2, 3, 0], 0);
    const message = "logged: the loss is -Infinity at [1, 2, 3, 0] (checkFinite): it first appears as -Infinity in log (finite.loss:3:36) at [...=[3, 0], B=1, C=2] from finite operands, where x[1, 2, 3, 0] = 0";
    expectThrowsClean(() => mod.logged!(x, { checkFinite: true }), escape(message), 'module');
    expect(() => evaluateTfjs(fnOf('logged'), { x }, {}, { checkFinite: true })).toThrow(message);
    tf.dispose(x);
  });
});
