// A name the loss does not declare, given to an evaluator, is refused with the loss's names:
// a misspelt optional input (`wieght` for cross_entropy's class `weight`) was ignored by
// evaluateTfjs, valueAndGradsTfjs and the float64 reference, which then ran the default
// weight of 1: a wrong number, no diagnostic. The words follow the generated module's for an
// unknown option. The weighted value the typo loses is checked against plain float64 loops.
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '../src/api.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';
import { evaluateTfjs, valueAndGradsTfjs } from '../src/eval/evaluate.js';
import { initBackend } from '../src/eval/setup.js';
import { evaluateReference, type RefTensor } from '../src/reference/evaluate.js';
import { frontEnd } from '../src/pipeline.js';
import { compiledModule } from './helpers/compiled.js';

const FILE = 'stdlib/classification.loss';
const TEXT = readFileSync(FILE, 'utf8');
const fn = frontEnd(TEXT, FILE).losses.find((l) => l.name === 'cross_entropy')!;

const X = [[1, 2, 3], [0, 1, 0], [2, -1, 0.5]];
const T = [0, 2, 1];
const W = [1, 2, 3];

/** torch's weighted cross-entropy, 'mean': Σ w[t]·(lse(x) - x[t]) / Σ w[t], in float64. */
function weightedCe(x: number[][], t: number[], w: number[]): number {
  let num = 0;
  let den = 0;
  x.forEach((row, n) => {
    const lse = Math.log(row.reduce((a, v) => a + Math.exp(v), 0));
    num += w[t[n]!]! * (lse - row[t[n]!]!);
    den += w[t[n]!]!;
  });
  return num / den;
}

const ref = (v: number[] | number[][]): RefTensor => ({ shape: Array.isArray(v[0]) ? [v.length, (v[0] as number[]).length] : [v.length], data: Float64Array.from(v.flat()) });

const NAMES = 'the inputs are x, t, weight';
const HYPERS = 'the hyperparameters are label_smoothing, ignore_index';

describe('names the loss does not declare', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('the weight matters: with it the loss is the weighted mean, not the default', () => {
    const x = tf.tensor2d(X);
    const t = tf.tensor1d(T, 'int32');
    const weight = tf.tensor1d(W);
    const got = evaluateTfjs(fn, { x, t, weight }, {});
    expect(got.dataSync()[0]).toBeCloseTo(weightedCe(X, T, W), 5);
    expect(Math.abs(weightedCe(X, T, W) - weightedCe(X, T, [1, 1, 1]))).toBeGreaterThan(0.05);
    tf.dispose([x, t, weight, got]);
  });

  it.each([
    ['a misspelt input', { wieght: W }, {}, `cross_entropy: unknown input 'wieght' (did you mean 'weight'?); ${NAMES}`],
    ['a misspelt hyperparameter', {}, { lable_smoothing: 0.1 }, `cross_entropy: unknown hyperparameter 'lable_smoothing' (did you mean 'label_smoothing'?); ${HYPERS}`],
    ['a hyperparameter among the inputs', { label_smoothing: [0.1] }, {}, `cross_entropy: 'label_smoothing' is a hyperparameter of the loss, given among its inputs; ${NAMES}`],
    ['an input among the hyperparameters', {}, { weight: 2 }, `cross_entropy: 'weight' is an input of the loss, given among its hyperparameters; ${HYPERS}`],
    ['per-sample weights among the inputs', { weights: [1, 2, 3] }, {}, `cross_entropy: unknown input 'weights' ('weights' is an option of the call, not of the loss: evaluate's own option, lossc eval --weights FILE.json); ${NAMES}`],
  ])('%s: refused by evaluateTfjs, valueAndGradsTfjs and the float64 reference', (_, more: Record<string, number[]>, hypers: Record<string, number>, message) => {
    const tensors = { x: tf.tensor2d(X), t: tf.tensor1d(T, 'int32'), ...Object.fromEntries(Object.entries(more).map(([k, v]) => [k, tf.tensor1d(v)])) };
    expect(() => evaluateTfjs(fn, tensors, hypers)).toThrow(message);
    expect(() => valueAndGradsTfjs(fn, tensors, hypers, ['x'])).toThrow(message);
    const refs = { x: ref(X), t: ref(T), ...Object.fromEntries(Object.entries(more).map(([k, v]) => [k, ref(v)])) };
    expect(() => evaluateReference(fn, refs, hypers)).toThrow(message);
    tf.dispose(Object.values(tensors));
  });

  it('evaluate (the API, lossc eval, the playground) lists the names and says what was meant', async () => {
    const run = async (inputs: Record<string, unknown>) => (await evaluate(TEXT, FILE, { loss: 'cross_entropy', inputs: { x: X, t: T, ...inputs }, backend: 'cpu' })).diagnostics.map((d) => formatDiagnostic(d));
    const all = `${NAMES} and the hyperparameters label_smoothing, ignore_index`;
    expect(await run({ wieght: W })).toEqual([`lossc: error E7005: loss 'cross_entropy' has no input or hyperparameter named 'wieght' (did you mean 'weight'?); ${all}`]);
    expect(await run({ zzz: 1 })).toEqual([`lossc: error E7005: loss 'cross_entropy' has no input or hyperparameter named 'zzz'; ${all}`]);
    // The nearest name, the class `weight`, would be another thing than per-sample weights.
    expect(await run({ weights: [1, 2, 3] })).toEqual([
      `lossc: error E7005: loss 'cross_entropy' has no input or hyperparameter named 'weights' ('weights' is an option of the call, not of the loss: evaluate's own option, lossc eval --weights FILE.json); ${all}`,
    ]);
  });

  it('the generated function says it in the same words for an unknown option', async () => {
    const src = 'loss wce(x: [N, C], t: index[N] of C, weight: [C] in [0, inf) = 1) = mean(-log_softmax(x, C)[t] * weight[t])\n';
    const mod = await compiledModule(src, 'wce.loss', 'unknown-names');
    const x = tf.tensor2d(X);
    const t = tf.tensor1d(T, 'int32');
    const weight = tf.tensor1d(W);
    expect(() => mod.wce!(x, t, { wieght: weight })).toThrow("wce: unknown option 'wieght' (did you mean 'weight'?); the options are weight, ");
    const evalFn = frontEnd(src, 'wce.loss').losses[0]!;
    expect(() => evaluateTfjs(evalFn, { x, t, wieght: weight }, {})).toThrow("wce: unknown input 'wieght' (did you mean 'weight'?); the inputs are x, t, weight");
    tf.dispose([x, t, weight]);
  });
});
