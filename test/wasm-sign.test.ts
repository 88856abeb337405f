// tfjs-wasm's Sign kernel returns 0 for |x| up to about 1.2e-7 (and for NaN). The gradient of
// |x| is sign(x), so mae's gradient at a residual of 1e-8 came out 0 on wasm instead of ±1/N,
// with no diagnostic. The lowering computes sign from comparisons on every backend.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '../src/api.js';
import { compile } from './helpers/compile-cache.js';
import { initBackend } from '../src/eval/setup.js';
import { importModule } from './fuzz/compare.js';

const SOURCE = 'loss mae(pred: [N], target: [N]) = mean(abs(pred - target))\nloss signs(x: [N]) = sum(sign(x) * x / abs(x + 1e-30))';
const pred = [1e-8, -1e-8, 1.1e-7, -5e-8, 0, 2];
const target = [0, 0, 0, 0, 0, 0];

describe.each(['wasm', 'cpu'] as const)('sign at tiny values (%s)', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it('mae: the gradient is ±1/N at residuals of 1e-8, 0 at 0 (evaluator and module)', async () => {
    const want = [1, -1, 1, -1, 0, 1].map((s) => s / 6);
    const r = await evaluate(SOURCE, 'sign.loss', { loss: 'mae', inputs: { pred, target }, grad: true, backend });
    expect(r.diagnostics).toEqual([]);
    expect(r.grads!.pred).toEqual(want.map((v) => Math.fround(v)));
    const { code } = await compile(SOURCE, 'sign.loss');
    const mod = await importModule<Record<string, (...a: unknown[]) => tf.Scalar>>(code!, `sign-${backend}`);
    const [p, t] = [tf.tensor(pred), tf.tensor(target)];
    const g = tf.grad((x: tf.Tensor) => mod.mae!(x, t))(p);
    expect(Array.from(g.dataSync())).toEqual(want.map((v) => Math.fround(v)));
    tf.dispose([p, t, g]);
  });

  it('sign as a builtin: -1, 0, 1 at tiny values', async () => {
    const r = await evaluate(SOURCE, 'sign.loss', { loss: 'signs', inputs: { x: [1e-8, -1e-8, 0, 3e-9] }, backend });
    // 1 + 1 + 0 + 1: each nonzero x contributes sign(x)·x/|x| = 1.
    expect(r.loss).toBeCloseTo(3, 5);
  });
});
