// bce_with_logits computes one softplus, (1 + (pw - 1)·y)·softplus(x) - pw·y·x, instead of
// pw·y·softplus(-x) + (1 - y)·softplus(x). Values and gradients at the extreme logits (±1e4,
// ±30, 0, and the float32 neighbours of 0) against the float64 oracle (test/oracle/) and a
// float64 gradient written here, on wasm and cpu: an error at most a few float32 ulps of the
// magnitudes involved, and at x = 0 the gradient of the smooth function, not a kink's.
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from './helpers/compile-cache.js';
import { initBackend } from '../src/eval/setup.js';
import { importModule } from './fuzz/compare.js';
import type { LossFunction } from './fuzz/inputs.js';
import { bce_with_logits as oracle } from './oracle/classification.js';
import { fromArray } from './oracle/tensor.js';

const FILE = 'stdlib/classification.loss';
let bceWithLogits: LossFunction;

beforeAll(async () => {
  const out = await compile(readFileSync(FILE, 'utf8'), FILE);
  expect(out.code).toBeTruthy();
  bceWithLogits = (await importModule<Record<string, LossFunction>>(out.code!, 'bce-extremes')).bce_with_logits!;
}, 120_000);

const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
/** d/dx of pw·y·softplus(-x) + (1 - y)·softplus(x), in float64. */
const gradByHand = (x: number, y: number, pw: number): number => -pw * y * sigmoid(-x) + (1 - y) * sigmoid(x);

const XS = [-1e4, -30, -1e-30, 0, 1e-30, 30, 1e4, -3, 0.5];
const YS = [0, 1, 0.3];

describe.each(['wasm', 'cpu'] as const)('bce_with_logits at extreme logits on %s', (backend) => {
  it.each([1, 2.5, 0])('pos_weight %s: per-element values and gradients against float64', async (pw) => {
    expect(await initBackend(backend)).toBe(backend);
    const xs = XS.flatMap((x) => YS.map(() => Math.fround(x)));
    const ys = XS.flatMap(() => YS.map((y) => Math.fround(y)));
    const x = tf.tensor1d(xs);
    const y = tf.tensor1d(ys);
    const got = bceWithLogits(x, y, { pos_weight: pw, reduction: 'none' });
    const want = oracle(fromArray(xs, [xs.length]), fromArray(ys, [ys.length]), { pos_weight: pw, reduction: 'none' }) as { data: ArrayLike<number> };
    const g = tf.grad((t: tf.Tensor) => bceWithLogits(t, y, { pos_weight: pw, reduction: 'sum' }) as tf.Scalar)(x);
    const values = got.dataSync();
    const grads = g.dataSync();
    xs.forEach((xi, k) => {
      const yi = ys[k]!;
      // A few float32 ulps of the largest magnitude in the formula: |x|·pw·y and softplus(x).
      const scale = Math.max(1, Math.abs(xi)) * Math.max(1, pw);
      expect([xi, yi, Math.abs(values[k]! - want.data[k]!) <= 4 * 2 ** -24 * scale]).toEqual([xi, yi, true]);
      expect([xi, yi, Math.abs(grads[k]! - gradByHand(xi, yi, pw)) <= 4 * 2 ** -24 * Math.max(1, pw)]).toEqual([xi, yi, true]);
    });
    // No overflow anywhere, and at x = 0 the smooth gradient: (1 - y)/2 - pw·y/2.
    expect(Array.from(values).every(Number.isFinite)).toBe(true);
    const atZero = xs.findIndex((v, k) => v === 0 && ys[k] === Math.fround(0.3));
    expect(grads[atZero]!).toBeCloseTo((1 - 0.3) / 2 - (pw * 0.3) / 2, 6);
    tf.dispose([x, y, got, g]);
  });
});
