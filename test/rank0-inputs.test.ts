// `t: []`: a rank-0 tensor input, passed positionally as a tensor (a scalar computed on the
// device, a learnable temperature), not as a number in the options as a hyperparameter is.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '../src/api.js';
import { initBackend } from '../src/eval/setup.js';
import { expectAgreement } from './fuzz/differential.js';
import { compiledModule, type LossModule } from './helpers/compiled.js';
import { expectThrowsClean } from './helpers/throws.js';

const SOURCE = [
  'loss scaled(x: [N], t: []) = mean(x) * t',
  'loss tempered(x: [N], param log_t: [] in [-10, 10] = 0) = mean(x * exp(-log_t)) + log_t',
].join('\n');


describe('rank-0 tensor inputs', () => {
  let mod: LossModule;
  beforeAll(async () => {
    await initBackend('cpu');
    mod = await compiledModule(SOURCE, 'rank0.loss', 'rank0');
  });

  it('evaluate: value and gradient, the scalar given as a number', async () => {
    const r = await evaluate(SOURCE, 'rank0.loss', { loss: 'scaled', inputs: { x: [1, 2, 3], t: 2 }, grad: true, backend: 'cpu' });
    expect(r.diagnostics).toEqual([]);
    expect(r.loss).toBe(4);
    expect(r.grads).toEqual({ x: [2 / 3, 2 / 3, 2 / 3].map(Math.fround), t: 2 });
  });

  it('the module takes a tf.Scalar positionally, differentiates it, and refuses another rank', () => {
    const [x, t] = [tf.tensor1d([1, 2, 3]), tf.scalar(2)];
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => mod.scaled!(a, b))([x, t]);
    expect(g[1]!.shape).toEqual([]);
    expect(g[1]!.dataSync()[0]).toBe(2);
    const t1 = tf.tensor1d([2]);
    expectThrowsClean(() => mod.scaled!(x, t1), /^scaled: input 't' should have 0 dimensions \[\], but has shape \[1\]$/, 'rank 1 for t');
    tf.dispose([x, t, t1, ...g]);
  });

  it('a learnable scalar: created by <loss>_parameters and trained', () => {
    const { log_t } = (mod.tempered_parameters as unknown as (dims: object) => { log_t: tf.Variable })({});
    expect(log_t.shape).toEqual([]);
    const x = tf.tensor1d([4, 4]);
    // d/dlog_t (4·e^-t + t) = 1 - 4 at t = 0.
    const g = tf.grad((v: tf.Tensor) => mod.tempered!(x, { log_t: v }))(log_t);
    expect(g.dataSync()[0]).toBeCloseTo(-3, 6);
    tf.dispose([x, g, log_t]);
  });

  it('module, evaluator and float64 reference agree on random inputs', async () => {
    await expectAgreement(SOURCE, 5);
  });
});
