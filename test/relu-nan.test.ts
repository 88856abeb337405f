// A NaN reaching relu stays NaN on every backend. tfjs-wasm's Relu returns 0 for a NaN whose
// sign bit is set, the NaN that ∞ − ∞ gives on x86: a hinge of two infinite scores, or a
// distance of an embedding holding ∞ (whose Gram expansion is ∞ − ∞), was a finite loss there,
// even with checkFinite.

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../src/api.js';
import { initBackend } from '../src/eval/setup.js';
import { relu } from '../src/runtime/helpers.js';
import { compiledModule } from './helpers/compiled.js';

const SOURCE = `loss hinge(a: [N], b: [N]) = mean(max(0, a - b + 1))
loss dist(e: [N, D]) = mean(sqrt(sum((e[i] - e[j])^2, D) + 1e-6))
`;

// a − b at position 1 is ∞ − ∞: NaN with its sign bit set on x86, as tfjs computes it.
const A = [0.5, Infinity, -1];
const B = [0, Infinity, 2];
// Row 1 holds ∞: every distance to it is ∞, and its distance to itself (∞ − ∞)² is NaN.
const E = [[1, 2], [Infinity, 0], [3, 1]];

const backends = ['wasm', 'cpu'] as const;

describe('a NaN reaching relu stays NaN', () => {
  it.each(backends)('the tfjs kernel this guards against (%s): a NaN made by ∞ − ∞', async (backend) => {
    await tf.setBackend(backend);
    const nan = tf.sub(tf.scalar(Infinity), tf.scalar(Infinity));
    // The kernel itself: 0 on wasm, NaN on cpu. If wasm is fixed this documents it, not fails.
    expect([0, NaN]).toContainEqual(tf.relu(nan).dataSync()[0]);
    nan.dispose();
  });

  it.each(backends)('in the generated module (%s)', async (backend) => {
    await tf.setBackend(backend);
    const mod = await compiledModule(SOURCE, 'relu.loss', 'relu-nan');
    expect(mod.hinge!(A, B).dataSync()[0]).toBeNaN();
    expect(mod.dist!(E).dataSync()[0]).toBeNaN();
    // Finite inputs are untouched: the hinge terms 1.5 and 0.
    expect(mod.hinge!([0.5, -3], [0, 0]).dataSync()[0]).toBeCloseTo((1.5 + 0) / 2, 6);
    expect(() => mod.hinge!(A, B, { checkFinite: true })).toThrow(/hinge: the loss is NaN/);
    expect(() => mod.dist!(E, { checkFinite: true })).toThrow(/dist: the loss is NaN .*input 'e' holds Infinity at \[1, 0\]/);
  });

  it.each(backends)('in the evaluator (%s)', async (backend) => {
    const hinge = await evaluate(SOURCE, 'relu.loss', { loss: 'hinge', inputs: { a: A, b: B }, backend });
    expect(hinge.loss).toBeNaN();
    const dist = await evaluate(SOURCE, 'relu.loss', { loss: 'dist', inputs: { e: E }, backend, checkFinite: true });
    expect(dist.diagnostics.map((d) => d.message).join('\n')).toMatch(/dist: the loss is NaN .*input 'e' holds Infinity at \[1, 0\]/);
  });
});

// The helper itself, element by element, against plain JS: NaN of either sign (the x86 default
// NaN 0xffc00000, its positive twin, and signalling-pattern payloads), ±∞, ±0, subnormals and
// the largest floats.
const BITS = [0x7fc00000, 0xffc00000, 0x7f800001, 0xff800001, 0x7fffffff, 0xffffffff];
const VALUES = [Infinity, -Infinity, 0, -0, 2, -2, 1e-40, -1e-40, 3e38, -3e38, 0.5, -0.5];
const X = (() => {
  const nans = new Float32Array(new Uint32Array(BITS).buffer);
  const all = new Float32Array(nans.length + VALUES.length);
  all.set(nans);
  all.set(VALUES, nans.length);
  return all;
})();
/** max(x, 0), NaN for NaN, +0 at and below 0; its derivative: dy above 0, 0 at and below, NaN at NaN. */
const reluOf = (x: number): number => (Number.isNaN(x) ? NaN : x > 0 ? x : 0);
const gradOf = (x: number, dy: number): number => (Number.isNaN(x) ? NaN : x > 0 ? dy : 0);
// Every element as itself (Object.is: NaN equals NaN, +0 differs from -0).
const same = (got: ArrayLike<number>, want: readonly number[]): void => {
  expect(Array.from(got).map((v, i) => [i, X[i], v])).toEqual(want.map((v, i) => [i, X[i], v]));
};

describe('the relu helper', () => {
  it.each(backends)('value: max(x, 0), NaN of either sign kept (%s)', async (backend) => {
    await initBackend(backend);
    const x = tf.tensor1d(X);
    // The float32 bits went in as written: a NaN with its sign bit set is there.
    expect(new Uint32Array(x.dataSync().buffer)[1]).toBe(0xffc00000);
    same(relu(x).dataSync(), Array.from(X, reluOf));
    x.dispose();
  });

  it.each(backends)('value: the NaN that ∞ − ∞ and 0·∞ make on the backend (%s)', async (backend) => {
    await initBackend(backend);
    const made = tf.tidy(() => tf.concat([tf.sub(tf.tensor1d([Infinity, 1]), tf.tensor1d([Infinity, 3])), tf.mul(tf.tensor1d([0, -1]), tf.tensor1d([Infinity, 2]))]));
    expect(Array.from(relu(made).dataSync())).toEqual([NaN, 0, NaN, 0]);
    made.dispose();
  });

  it.each(backends)('gradient: dy above 0, 0 at 0 and below (also -∞ and -0), NaN at NaN (%s)', async (backend) => {
    await initBackend(backend);
    const x = tf.tensor1d(X);
    const dyValues = Array.from(X, (_, i) => 1.5 + i);
    const dy = tf.tensor1d(dyValues);
    const g = tf.grad((t: tf.Tensor) => relu(t))(x, dy);
    same(g.dataSync(), Array.from(X, (v, i) => gradOf(v, dyValues[i]!)));
    // Through a loss, as an autodiff build differentiates it: d/dx mean(relu(x)).
    const gm = tf.grad((t: tf.Tensor) => tf.mean(relu(t)))(x);
    same(gm.dataSync(), Array.from(X, (v) => gradOf(v, Math.fround(1 / X.length))));
    tf.dispose([x, dy, g, gm]);
  });

  it('on wasm: Relu, Step and Multiply forward and one Multiply backward (no NaN test, select or Maximum)', async () => {
    await initBackend('wasm');
    const x = tf.tensor1d(X);
    const dy = tf.onesLike(x);
    // The kernels run, in order; the custom gradient's own entry (named by its scope) is none.
    const kernels = (p: Awaited<ReturnType<typeof tf.profile>>): string[] => p.kernels.map((k) => k.name).filter((n) => tf.getKernel(n, 'wasm') !== undefined);
    const forward = await tf.profile(() => tf.dispose(relu(x)));
    expect(kernels(forward)).toEqual(['Step', 'Relu', 'Multiply']);
    const step = await tf.profile(() => tf.dispose(tf.grad((t: tf.Tensor) => relu(t))(x, dy)));
    // On the tape: the step saved (Identity: a second handle on its data, not a copy), and the
    // backward pass one Multiply, dy · step. The NaN test and select took 24 kernels here.
    expect(kernels(step)).toEqual(['Step', 'Identity', 'Relu', 'Multiply', 'Multiply']);
    // No tensor left behind, on the tape or off it.
    expect(forward.newTensors).toBe(0);
    expect(step.newTensors).toBe(0);
    tf.dispose([x, dy]);
  });
});
