// `broadcast m: [B, H, L]`: an input given with dims of size 1 or leading dims missing (Keras's
// (N, 1) sample weights, attention masks of shape (1, 1, L) against a batch), broadcast to its
// declared shape before anything reads it, so counts and sums see the full shape and its
// gradient is summed back to the shape given. Values and gradients against sums written out
// here; refusals with their messages.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '../src/api.js';
import { initBackend } from '../src/eval/setup.js';
import { expectAgreement } from './fuzz/differential.js';
import { compiledModule, type LossModule } from './helpers/compiled.js';
import { expectThrowsClean } from './helpers/throws.js';

const SOURCE = [
  'loss masked(x: [B, H, L], broadcast m: bool[B, H, L]) = sum(x, where: m) / max(count(m), 1)',
  'loss wmse(p: [N, C], t: [N, C], broadcast sw: [N, C]) = mean(sw * (p - t)^2)',
].join('\n');


describe('broadcast inputs', () => {
  let mod: LossModule;
  beforeAll(async () => {
    await initBackend('wasm');
    mod = await compiledModule(SOURCE, 'bc.loss', 'broadcast');
  });

  it('a mask of shape [1, 1, L] or [L] against [B, H, L]: counted over the full shape', async () => {
    const x = [[[1, 2, 3], [4, 5, 6]], [[7, 8, 9], [10, 11, 12]]];
    // L positions 0 and 2 selected in every (b, h): (1+3+4+6+7+9+10+12) / 8.
    for (const m of [[[[true, false, true]]], [true, false, true]]) {
      const r = await evaluate(SOURCE, 'bc.loss', { loss: 'masked', inputs: { x, m }, grad: true, backend: 'wasm' });
      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(r.loss).toBe(52 / 8);
      expect(r.grads!.x).toEqual(x.map((row) => row.map(() => [1 / 8, 0, 1 / 8])));
    }
  });

  it('weights of shape [N, 1]: the gradient is summed back to [N, 1] (module, with tfjs autodiff around it)', () => {
    const [p, t, sw] = [tf.tensor2d([[1, 2], [3, 4]]), tf.zeros([2, 2]), tf.tensor2d([[2], [0.5]])];
    const { value, grads } = tf.valueAndGrads((a: tf.Tensor, w: tf.Tensor) => mod.wmse!(a, t, w))([p, sw]);
    // (2·(1 + 4) + 0.5·(9 + 16)) / 4
    expect(value.dataSync()[0]).toBeCloseTo(22.5 / 4, 6);
    expect(grads[1]!.shape).toEqual([2, 1]);
    expect(Array.from(grads[1]!.dataSync())).toEqual([5 / 4, 25 / 4]);
    expect(Array.from(grads[0]!.dataSync())).toEqual([1, 2, 0.75, 1]);
    tf.dispose([p, t, sw, value, ...grads]);
  });

  it('refuses a dim that is neither 1 nor the size, and a rank above the declared one', () => {
    const [p, t] = [tf.zeros([2, 2]), tf.zeros([2, 2])];
    const [wide, deep] = [tf.ones([2, 3]), tf.ones([1, 2, 2])];
    expectThrowsClean(() => mod.wmse!(p, t, wide), [/^wmse: dimension C of input 'sw' is 3, but it must be 1 or 2 \(shape \[N, C\], broadcast\)$/], 'C = 3');
    expectThrowsClean(() => mod.wmse!(p, t, deep), [/^wmse: input 'sw' should have at most 2 dimensions \[N, C\] \(it broadcasts\), but has shape \[1, 2, 2\]$/], 'rank 3');
    tf.dispose([p, t, wide, deep]);
  });

  it('module, evaluator and float64 reference agree on random full-shape inputs', async () => {
    await expectAgreement(SOURCE, 7);
  });
});
