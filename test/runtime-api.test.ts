// What a generated module does with what a JavaScript caller hands it, beyond wrong inputs
// (robustness-runtime.test.ts): option keys it does not take, TensorLike values where tensors
// go (as tf.losses takes them), learnable parameters made twice.
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluate, sampleCheck } from '../src/api.js';
import { compile } from './helpers/compile-cache.js';
import { fsHost } from '../src/cli/files.js';
import { initBackend } from '../src/eval/setup.js';
import { importModule } from './fuzz/compare.js';
import { check, timeout } from './fuzz/config.js';
import { mulberry32 } from './fuzz/gen-program.js';
import { callModule, sampleInputs, toTf, type Dense, type LossFunction } from './fuzz/inputs.js';
import { stdlibLosses, type StdlibLoss } from './fuzz/stdlib-modules.js';

let losses: StdlibLoss[] = [];
const modules: Record<string, Record<string, LossFunction & Record<string, unknown>>> = {};

async function stdlibModule(name: string): Promise<Record<string, LossFunction & Record<string, unknown>>> {
  const file = `stdlib/${name}.loss`;
  const r = await compile(readFileSync(file, 'utf8'), file, { host: fsHost });
  return importModule(r.code!, 'runtime-api');
}

beforeAll(async () => {
  await initBackend('wasm');
  ({ losses } = await stdlibLosses());
  for (const name of ['classification', 'segmentation', 'regression', 'multitask']) modules[name] = await stdlibModule(name);
}, 180_000);

/** A Dense sample value as a nested JavaScript array (or a number for a scalar). */
const nested = (d: Dense): unknown => (d.shape.length === 0 ? d.data[0] : tf.tidy(() => tf.tensor(d.data, d.shape, d.dtype).arraySync()));

describe('option keys a loss does not take are refused, with the keys it does take', () => {
  it('the cases of the report: a camelCase hyperparameter, an unknown reduction, a key dice does not have', () => {
    const { cross_entropy } = modules.classification!;
    const { dice } = modules.segmentation!;
    const { mse } = modules.regression!;
    const x = tf.tensor2d([[1, 2, 0.5]]);
    const t = tf.tensor1d([1], 'int32');
    expect(() => cross_entropy!(x, t, { labelSmoothing: 0.1 })).toThrow(
      new TypeError("cross_entropy: unknown option 'labelSmoothing' (did you mean 'label_smoothing'?); the options are label_smoothing, ignore_index, weight, reduction, weights, checkValues, checkFinite"),
    );
    expect(() => mse!(x, x, { reduction: 'unknown' })).toThrow(new RangeError("mse: option 'reduction' must be 'mean', 'sum', 'none', 'sum_by_nonzero_weights', or 'sum_over_batch_size', but is unknown"));
    const p = tf.tensor1d([0.2, 0.9]);
    expect(() => dice!(p, p, { reduction: 'none' })).toThrow("dice: unknown option 'reduction'; the options are smooth, checkValues, checkFinite");
    expect(() => dice!(p, p, { include_background: false })).toThrow("dice: unknown option 'include_background'; the options are smooth, checkValues, checkFinite");
    // A key that is known but undefined is left to its default, as before.
    expect(cross_entropy!(x, t, { label_smoothing: undefined }).dataSync()[0]).toBeCloseTo(cross_entropy!(x, t).dataSync()[0]!, 6);
    tf.dispose([x, t, p]);
  });

  it('the options interface lists exactly the keys a loss takes: each accepted, nothing else', () => {
    for (const { fn, f } of losses) {
      const rng = mulberry32(3);
      const sample = sampleInputs(fn, rng);
      const tensors = toTf(sample);
      // Every key the declared interface has, with the value the sample drew or its default.
      tf.dispose(callModule(fn, f, tensors, sample.hypers, { checkValues: true, ...(fn.reduction ? { reduction: 'mean' } : {}) }));
      expect(() => callModule(fn, f, tensors, sample.hypers, { checkvalues: false }), fn.name).toThrow(`${fn.name}: unknown option 'checkvalues' (did you mean 'checkValues'?)`);
      tf.dispose(Object.values(tensors));
    }
  });
});

describe('TensorLike inputs, as tf.losses takes them', () => {
  it('nested arrays give the values and gradients tensors give, and leave no tensor behind', () => {
    check(
      'tensorlike',
      fc.property(fc.record({ k: fc.nat(), seed: fc.nat() }), ({ k, seed }) => {
        const { fn, f, file } = losses[k % losses.length]!;
        const sample = sampleInputs(fn, mulberry32(seed));
        const tensors = toTf(sample);
        const arrays = Object.fromEntries(Object.entries(sample.tensors).map(([name, d]) => [name, nested(d)]));
        const what = `${file}#${fn.name}`;
        const expected = callModule(fn, f, tensors, sample.hypers, fn.reduction ? { reduction: 'none' } : {});
        const before = tf.memory().numTensors;
        const got = callModule(fn, f, arrays as Record<string, tf.Tensor>, sample.hypers, fn.reduction ? { reduction: 'none' } : {});
        expect(got.shape, what).toEqual(expected.shape);
        expect(Array.from(got.dataSync()), what).toEqual(Array.from(expected.dataSync()));
        got.dispose();
        expect(tf.memory().numTensors, `${what}: converted inputs left behind`).toBe(before);
        // The gradient with respect to one real input, the others given as arrays.
        const wrt = fn.inputs.find((i) => i.elem === 'real' && i.default === undefined && tensors[i.name]);
        if (wrt) {
          const grad = (given: Record<string, unknown>) =>
            tf.grad((x: tf.Tensor) => tf.sum(callModule(fn, f, { ...(given as Record<string, tf.Tensor>), [wrt.name]: x }, sample.hypers)))(tensors[wrt.name]!);
          const a = grad(tensors);
          const b = grad(arrays);
          expect(Array.from(b.dataSync()), `${what}: gradient`).toEqual(Array.from(a.dataSync()));
          tf.dispose([a, b]);
        }
        tf.dispose([expected, ...Object.values(tensors)]);
      }),
      40,
      () => undefined,
    );
  }, timeout(120_000));

  it('whole numbers become class indices; anything else is refused in the loss\'s words', () => {
    const { cross_entropy } = modules.classification!;
    const { mse } = modules.regression!;
    const logits = [[1, 2, 0.5], [0.1, -1, 2]];
    const fromArrays = cross_entropy!(logits, [1, 2]).dataSync()[0]!;
    const fromTensors = tf.tidy(() => cross_entropy!(tf.tensor2d(logits), tf.tensor1d([1, 2], 'int32')).dataSync()[0]!);
    expect(fromArrays).toBe(fromTensors);
    expect(cross_entropy!(logits, new Int32Array([1, 2])).dataSync()[0]).toBe(fromTensors);
    expect(() => cross_entropy!(logits, [0.5, 2])).toThrow("cross_entropy: input 't' must be int32 class indices of C (in [0, C)), but has dtype float32");
    expect(() => cross_entropy!(logits, [1, 3])).toThrow("cross_entropy: input 't' holds 3, which is not a class index of C in [0, 3)");
    expect(() => mse!('1, 2' as never, [1, 2])).toThrow("mse: input 'pred' must be a tf.Tensor or TensorLike of shape [...], but is a string");
    // tf.tensor (and so tf.losses) would read this as [[1, 2], [3, ?]] without a word.
    expect(() => mse!([[1, 2], [3]], [[1, 2], [3, 4]])).toThrow("mse: input 'pred' is a ragged array: pred[1] has 1 elements, but pred[0] has 2");
    expect(() => mse!([[1, 2], [3, 4]], [[1, 2], 3])).toThrow("mse: input 'target' is a ragged array: target[1] has no elements (a number), but target[0] has 2");
    // Weights too, and a scalar prediction.
    expect(mse!([1, 2, 3], [1, 2, 5], { weights: [0, 0, 1] }).dataSync()[0]).toBeCloseTo(4, 6);
    expect(mse!(3, 1).dataSync()[0]).toBe(4);
  });
});

describe('learnable parameters', () => {
  it('made twice, are two independent sets of variables, named after the loss or the name given', () => {
    const { uncertainty_weighting_parameters: make } = modules.multitask! as unknown as Record<string, (dims: { T: number }, name?: string) => { log_vars: tf.Variable }>;
    const a = make!({ T: 3 });
    const b = make!({ T: 3 });
    const c = make!({ T: 2 }, 'second_head');
    const d = make!({ T: 2 }, 'second_head');
    expect([a.log_vars.name, b.log_vars.name, c.log_vars.name, d.log_vars.name]).toEqual([
      'uncertainty_weighting/log_vars',
      'uncertainty_weighting_1/log_vars',
      'second_head/log_vars',
      'second_head_1/log_vars',
    ]);
    a.log_vars.assign(tf.ones([3]));
    expect(Array.from(b.log_vars.dataSync())).toEqual([0, 0, 0]);
    expect(b.log_vars.trainable).toBe(true);
    // A name freed by disposing is taken again.
    a.log_vars.dispose();
    const e = make!({ T: 3 });
    expect(e.log_vars.name).toBe('uncertainty_weighting/log_vars');
    tf.dispose([b.log_vars, c.log_vars, d.log_vars, e.log_vars]);
  });
});

describe('the API leaves the caller\'s TensorFlow.js as it found it', () => {
  it('evaluate and sampleCheck run on the backend asked for, then make the caller\'s active again', async () => {
    await tf.setBackend('cpu');
    const mine = tf.tensor1d([1, 2, 3]);
    const source = 'loss l(x: [N]) = mean(x^2)';
    const r = await evaluate(source, 'l.loss', { loss: 'l', inputs: { x: [1, 2] }, backend: 'wasm' });
    expect(r.diagnostics).toEqual([]);
    expect(r.backend).toBe('wasm');
    expect(r.loss).toBeCloseTo(2.5, 6);
    expect(tf.getBackend()).toBe('cpu');
    const s = await sampleCheck(source, 'l.loss', { backend: 'wasm', samples: 2 });
    expect(s.reports).toHaveLength(1);
    expect(tf.getBackend()).toBe('cpu');
    // Failing evaluations too.
    await evaluate(source, 'l.loss', { loss: 'l', inputs: { x: 'no' as never }, backend: 'wasm' });
    expect(tf.getBackend()).toBe('cpu');
    expect(Array.from(mine.dataSync())).toEqual([1, 2, 3]);
    mine.dispose();
    await initBackend('wasm');
  });
});
