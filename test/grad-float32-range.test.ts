// Derivatives written so that float32 neither overflows nor underflows where the true
// gradient is a float32 number: d asinh x = 1/√(1 + x²) at x = 1e20 is 1e-20 (x² overflows to
// Infinity: 0), and d atan2(a, b) at a = b = 1e-25 is about 5e24 (a² + b² underflows to 0,
// where the guard gave 0). The module, on wasm and cpu, against the formulas in float64.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/eval/setup.js';
import { compiledModule, type LossModule } from './helpers/compiled.js';

const SOURCE = 'loss as(x: [N]) = sum(asinh(x))\nloss at(a: [N], b: [N]) = sum(atan2(a, b))';
const rel = (got: number, want: number): number => Math.abs(got - want) / Math.abs(want);

describe.each(['wasm', 'cpu'] as const)('float32 range of derivatives (%s)', (backend) => {
  let mod: LossModule;
  beforeAll(async () => {
    await initBackend(backend);
    mod = await compiledModule(SOURCE, 'range.loss', `grad-range-${backend}`);
  });

  it('asinh at ±1e20, 3e30 and 0.5', () => {
    const xs = [1e20, -1e20, 3e30, 0.5].map(Math.fround);
    const x = tf.tensor1d(xs);
    const g = tf.grad((v: tf.Tensor) => mod.as!(v))(x);
    g.dataSync().forEach((got, k) => expect(rel(got, 1 / Math.sqrt(1 + xs[k]! ** 2)), `x = ${xs[k]}`).toBeLessThan(1e-6));
    tf.dispose([x, g]);
  });

  it('atan2 at (1e20, 1e20), (1e-25, 1e-25), (3, -4), and 0 at (0, 0)', () => {
    const as = [1e20, 1e-25, 3, 0].map(Math.fround);
    const bs = [1e20, 1e-25, -4, 0].map(Math.fround);
    const [a, b] = [tf.tensor1d(as), tf.tensor1d(bs)];
    const [ga, gb] = tf.grads((u: tf.Tensor, v: tf.Tensor) => mod.at!(u, v))([a, b]);
    const [da, db] = [ga!.dataSync(), gb!.dataSync()];
    for (let k = 0; k < 3; k++) {
      const r2 = as[k]! ** 2 + bs[k]! ** 2;
      expect(rel(da[k]!, bs[k]! / r2), `d/da at ${as[k]}, ${bs[k]}`).toBeLessThan(1e-6);
      expect(rel(db[k]!, -as[k]! / r2), `d/db at ${as[k]}, ${bs[k]}`).toBeLessThan(1e-6);
    }
    expect([da[3], db[3]]).toEqual([0, 0]);
    tf.dispose([a, b, ga!, gb!]);
  });
});
