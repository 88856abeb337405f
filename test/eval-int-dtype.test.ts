// An int or class-index input given as a float32 tf.Tensor is refused by the evaluator with the
// generated module's words, whole numbers or not: a tf.Tensor keeps its dtype on both paths. Numbers
// (JSON, `lossc eval --inputs`, a JavaScript array) carry no dtype: whole ones are accepted by
// both and give the value of a float64 oracle written here; a fraction is refused by both.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { check, evaluate } from '../src/api.js';
import { evaluateTfjs, valueAndGradsTfjs } from '../src/eval/evaluate.js';
import { initBackend } from '../src/eval/setup.js';
import type { IrFunction } from '../src/ir/types.js';
import { compiledModule, type LossModule } from './helpers/compiled.js';

const SOURCE = `loss ce(x: [N, C], t: index[N] of C) = mean(-log_softmax(x, C)[t])
loss scaled(x: [N], k: int[N]) = sum(x * k)
loss deep(preds: list[K] of [N, C], t: index[N] of C) = mean(-log_softmax(preds, C)[t])
`;
const X = [[0.5, -1, 2], [0.1, 0.2, 0.3]];
const T = [2, 0];
const V = [1.5, -2, 0.25];
const K = [3, 1, -2];

/** Cross-entropy in float64: the mean over rows of log Σ exp(x) - x[t]. */
const ceOracle = (x: number[][], t: number[]): number =>
  x.reduce((s, row, n) => s + Math.log(row.reduce((a, v) => a + Math.exp(v), 0)) - row[t[n]!]!, 0) / x.length;

let mod: LossModule;
let losses: IrFunction[];
beforeAll(async () => {
  await initBackend('cpu');
  mod = await compiledModule(SOURCE, 'ints.loss', 'eval-int-dtype');
  losses = check(SOURCE, 'ints.loss').losses;
});
const fnOf = (name: string): IrFunction => losses.find((f) => f.name === name)!;

describe('an int or class-index input given as a float32 tf.Tensor', () => {
  it('is refused by the module and the evaluator in the same words, whole numbers or not', () => {
    const x = tf.tensor2d(X);
    const v = tf.tensor1d(V);
    const cases: [string, Record<string, tf.Tensor>, string][] = [
      ['ce', { x, t: tf.tensor1d(T) }, "ce: input 't' must be int32 class indices of C (in [0, C)), but has dtype float32"],
      ['ce', { x, t: tf.tensor1d([0.5, 1]) }, "ce: input 't' must be int32 class indices of C (in [0, C)), but has dtype float32"],
      ['scaled', { x: v, k: tf.tensor1d(K) }, "scaled: input 'k' must be int32, but has dtype float32"],
    ];
    for (const [name, inputs, message] of cases) {
      const order = name === 'ce' ? [inputs.x, inputs.t] : [inputs.x, inputs.k];
      expect(() => mod[name]!(...order)).toThrow(message);
      expect(() => evaluateTfjs(fnOf(name), inputs, {})).toThrow(message);
      expect(() => valueAndGradsTfjs(fnOf(name), inputs, {}, ['x'])).toThrow(message);
    }
    tf.dispose([x, v, ...cases.flatMap(([, i]) => Object.values(i))]);
  });

  it('in a stacked list input\'s class indices too', () => {
    const preds = tf.tensor3d([X, X]);
    const t = tf.tensor1d(T);
    const message = "deep: input 't' must be int32 class indices of C (in [0, C)), but has dtype float32";
    expect(() => mod.deep!([tf.tensor2d(X), tf.tensor2d(X)], t)).toThrow(message);
    expect(() => evaluateTfjs(fnOf('deep'), { preds, t }, {})).toThrow(message);
    tf.dispose([preds, t]);
  });

  it('as int32 it is read, and the value is the oracle\'s on both paths', () => {
    const x = tf.tensor2d(X);
    const t = tf.tensor1d(T, 'int32');
    const want = ceOracle(X, T);
    expect(Math.abs(mod.ce!(x, t).dataSync()[0]! - want)).toBeLessThan(1e-6);
    expect(Math.abs(evaluateTfjs(fnOf('ce'), { x, t }, {}).dataSync()[0]! - want)).toBeLessThan(1e-6);
    tf.dispose([x, t]);
  });
});

describe('numbers carry no dtype: whole ones are indices on both paths', () => {
  it('a JavaScript array given to the module, JSON numbers given to evaluate (lossc eval --inputs)', async () => {
    const want = ceOracle(X, T);
    expect(Math.abs(mod.ce!(X, T).dataSync()[0]! - want)).toBeLessThan(1e-6);
    expect(mod.scaled!(V, K).dataSync()[0]!).toBe(V.reduce((s, v, i) => s + v * K[i]!, 0));
    for (const t of [T, { shape: [2], data: T }]) {
      const r = await evaluate(SOURCE, 'ints.loss', { loss: 'ce', inputs: { x: X, t }, backend: 'cpu' });
      expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
      expect(Math.abs((r.loss as number) - want)).toBeLessThan(1e-6);
    }
    const s = await evaluate(SOURCE, 'ints.loss', { loss: 'scaled', inputs: { x: V, k: K }, backend: 'cpu' });
    expect(s.loss).toBe(V.reduce((a, v, i) => a + v * K[i]!, 0));
    const d = await evaluate(SOURCE, 'ints.loss', { loss: 'deep', inputs: { preds: [X, X], t: T }, backend: 'cpu', grad: true });
    expect(d.diagnostics.filter((x) => x.severity === 'error').map((x) => x.message)).toEqual([]);
    expect(Math.abs((d.loss as number) - want)).toBeLessThan(1e-6);
  });

  it('a fraction is refused by both', async () => {
    expect(() => mod.ce!(X, [0.5, 1])).toThrow("ce: input 't' must be int32 class indices of C (in [0, C)), but has dtype float32");
    const r = await evaluate(SOURCE, 'ints.loss', { loss: 'ce', inputs: { x: X, t: [0.5, 1] }, backend: 'cpu' });
    expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([
      "input 't' of loss 'ce': expected whole numbers (index[N] of C) but found 0.5",
    ]);
  });
});
