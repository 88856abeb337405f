// Declared domains enforced at run time, by generated modules and the evaluator alike, on wasm
// and cpu: a value outside an input's `in [...]` or `in {...}` (optional inputs too), ±Infinity
// where an open end excludes it, a class index out of range, a class dim of size 1. Each throws
// naming the loss, the input, the position and value, and the domain; nothing leaks; under
// tf.grads too. Values inside the domains still give what a float64 formula written here gives.
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectThrowsClean } from './helpers/throws.js';
import { compile } from './helpers/compile-cache.js';
import { evaluateTfjs } from '../src/eval/evaluate.js';
import { initBackend } from '../src/eval/setup.js';
import type { IrFunction } from '../src/ir/types.js';
import { importModule } from './fuzz/compare.js';
import type { LossFunction } from './fuzz/inputs.js';

const CLASSIFICATION = 'stdlib/classification.loss';
const OWN = [
  'loss weighted(p: [N], w: [N] in [0, 1] = 0.5) = mean(w * p)',
  'loss graded(p: [N], k: int[N] in {0, 1, 2}) = mean(p * real(k))',
  'loss positive(s: [N] in [0, inf)) = mean(s)',
  'loss strict(s: [N] in (0, 1)) = mean(s)',
].join('\n');

let mod: Record<string, LossFunction>;
let fns: IrFunction[];

beforeAll(async () => {
  const stdlib = await compile(readFileSync(CLASSIFICATION, 'utf8'), CLASSIFICATION);
  const own = await compile(OWN, 'own.loss');
  expect(stdlib.code && own.code).toBeTruthy();
  mod = { ...(await importModule<Record<string, LossFunction>>(stdlib.code!, 'domains')), ...(await importModule<Record<string, LossFunction>>(own.code!, 'domains')) };
  fns = [...stdlib.losses, ...own.losses];
}, 120_000);

const fn = (name: string): IrFunction => fns.find((f) => f.name === name)!;

interface Case {
  readonly loss: string;
  /** Inputs in the loss's order: [name, values, shape, dtype]. */
  readonly inputs: readonly (readonly [string, number[], number[], 'float32' | 'int32'])[];
  readonly message: RegExp;
}

const CASES: readonly Case[] = [
  // The case: logits passed as probabilities and labels that are not labels (167.29 before).
  { loss: 'bce', inputs: [['p', [0.3, -0.6, -0.1], [3], 'float32'], ['y', [1, 2, 3], [3], 'float32']], message: /^bce: input 'p' holds -0\.6\d* at \[1\] \(flat position 1\), outside its declared domain \[0, 1\]/ },
  { loss: 'bce', inputs: [['p', [0.3, 0.5], [2], 'float32'], ['y', [1, 2], [2], 'float32']], message: /^bce: input 'y' holds 2 at \[1\] \(flat position 1\), outside its declared domain \[0, 1\]/ },
  { loss: 'bce', inputs: [['p', [0.3, 0.5, 0.5, 1.5], [2, 2], 'float32'], ['y', [1, 0, 1, 0], [2, 2], 'float32']], message: /^bce: input 'p' holds 1\.5 at \[1, 1\] \(flat position 3\), outside/ },
  { loss: 'bce', inputs: [['p', [0.2, Infinity], [2], 'float32'], ['y', [1, 0], [2], 'float32']], message: /^bce: input 'p' holds Infinity at \[1\] \(flat position 1\), outside its declared domain \[0, 1\]/ },
  { loss: 'bce', inputs: [['p', [-Infinity, 0.5], [2], 'float32'], ['y', [1, 0], [2], 'float32']], message: /^bce: input 'p' holds -Infinity at \[0\] \(flat position 0\)/ },
  // Labels 5 used to give loss 0 (relu of a large negative).
  { loss: 'hinge', inputs: [['x', [0.3, -0.6], [2], 'float32'], ['labels', [1, 5], [2], 'float32']], message: /^hinge: input 'labels' holds 5 at \[1\] \(flat position 1\), outside its declared domain \{0, 1\}/ },
  { loss: 'weighted', inputs: [['p', [0.3, 1], [2], 'float32'], ['w', [3, 0], [2], 'float32']], message: /^weighted: input 'w' holds 3 at \[0\] \(flat position 0\), outside its declared domain \[0, 1\]/ },
  { loss: 'graded', inputs: [['p', [0.3, 1], [2], 'float32'], ['k', [2, 3], [2], 'int32']], message: /^graded: input 'k' holds 3 at \[1\] \(flat position 1\), outside its declared domain \{0, 1, 2\}$/ },
  // `[0, inf)` is open at inf: Infinity is not in it.
  { loss: 'positive', inputs: [['s', [1, Infinity], [2], 'float32']], message: /^positive: input 's' holds Infinity at \[1\] \(flat position 1\), outside its declared domain \[0, inf\)$/ },
  // Open finite ends exclude the end itself.
  { loss: 'strict', inputs: [['s', [0.5, 1], [2], 'float32']], message: /^strict: input 's' holds 1 at \[1\] \(flat position 1\), outside its declared domain \(0, 1\)/ },
  { loss: 'strict', inputs: [['s', [0, 0.5], [2], 'float32']], message: /^strict: input 's' holds 0 at \[0\]/ },
  // NaN keeps its own message where there is a domain too.
  { loss: 'bce', inputs: [['p', [0.3, NaN], [2], 'float32'], ['y', [1, 0], [2], 'float32']], message: /^bce: input 'p' holds NaN at \[1\], but must hold numbers/ },
  { loss: 'cross_entropy', inputs: [['x', [0.3, 1, 0.1, 2], [2, 2], 'float32'], ['t', [0, 2], [2], 'int32']], message: /^cross_entropy: input 't' holds 2, which is not a class index of C in \[0, 2\) nor its ignore value ignore_index = -100$/ },
  // [N, 1] logits: one class, loss 0 and gradient 0 forever (Keras warns).
  { loss: 'cross_entropy', inputs: [['x', [0.3, 0.1], [2, 1], 'float32'], ['t', [0, 0], [2], 'int32']], message: /^cross_entropy: input 't' indexes classes of C, which has size 1: .*loss is constant and its gradient 0/ },
  { loss: 'focal', inputs: [['x', [0.3, 0.1], [2, 1], 'float32'], ['t', [0, 0], [2], 'int32']], message: /^focal: input 't' indexes classes of C, which has size 1/ },
];

function tensors(c: Case): tf.Tensor[] {
  return c.inputs.map(([, values, shape, dtype]) => tf.tensor(values, shape, dtype));
}

describe.each(['wasm', 'cpu'] as const)('on %s', (backend) => {
  beforeAll(async () => {
    expect(await initBackend(backend)).toBe(backend);
  });

  it.each(CASES.map((c) => [`${c.loss}: ${c.message.source.slice(1, 60)}`, c] as const))('%s: module, module under tf.grads, evaluator', (_, c) => {
    const xs = tensors(c);
    const f = mod[c.loss]!;
    const [first] = c.inputs.filter(([, , , dtype]) => dtype === 'float32').map(([name]) => c.inputs.findIndex(([n]) => n === name));
    // Optional inputs go in the options object.
    const decl = fn(c.loss);
    const required = c.inputs.filter(([name]) => decl.inputs.find((i) => i.name === name)?.default === undefined).length;
    const call = (args: tf.Tensor[]): tf.Tensor => {
      const opts = Object.fromEntries(c.inputs.slice(required).map(([name], k) => [name, args[required + k]]));
      return f(...args.slice(0, required), opts);
    };
    expectThrowsClean(() => call(xs), c.message, 'module');
    expectThrowsClean(() => tf.grads((t: tf.Tensor) => call(xs.map((x, k) => (k === first ? t : x))))([xs[first!]!]), c.message, 'module under tf.grads');
    const named = Object.fromEntries(c.inputs.map(([name], k) => [name, xs[k]!]));
    expectThrowsClean(() => evaluateTfjs(decl, named, {}), c.message, 'evaluator');
    tf.dispose(xs);
  });

  it('checkValues: false skips the scan (the caller vouches for the values)', () => {
    const [p, y] = [tf.tensor([0.3, -0.6, -0.1]), tf.tensor([1, 2, 3])];
    const m = mod.bce!(p, y, { checkValues: false });
    const e = evaluateTfjs(fn('bce'), { p, y }, {}, { checkValues: false });
    // Whatever they are, they are numbers: nothing was refused.
    expect(m.dataSync()[0]).toBe(e.dataSync()[0]);
    tf.dispose([p, y, m, e]);
  });

  it('values inside the domains, their closed ends included, give the float64 value', () => {
    const p = [0.3, 0.6, 0.1, 1, 0];
    const y = [1, 0, 1, 1, 0];
    // bce with PyTorch's log clamp at -100: p = 1, y = 1 and p = 0, y = 0 contribute 0.
    const term = (pi: number, yi: number): number => -(yi * Math.max(Math.log(pi), -100) + (1 - yi) * Math.max(Math.log(1 - pi), -100));
    const expected = p.reduce((s, pi, i) => s + term(pi, y[i]!), 0) / p.length;
    const [pt, yt] = [tf.tensor(p), tf.tensor(y)];
    for (const v of [mod.bce!(pt, yt), evaluateTfjs(fn('bce'), { p: pt, y: yt }, {})]) {
      expect(Math.abs(v.dataSync()[0]! - expected)).toBeLessThan(1e-5 * expected);
      v.dispose();
    }
    const x = [0.3, -0.6, 2];
    const labels = [1, 0, 0];
    const hinge = x.reduce((s, xi, i) => s + Math.max(0, 1 - (2 * labels[i]! - 1) * xi), 0) / x.length;
    const [xt, lt] = [tf.tensor(x), tf.tensor(labels)];
    for (const v of [mod.hinge!(xt, lt), evaluateTfjs(fn('hinge'), { x: xt, labels: lt }, {})]) {
      expect(Math.abs(v.dataSync()[0]! - hinge)).toBeLessThan(1e-6 * hinge);
      v.dispose();
    }
    // Just inside the ends: [0, inf) takes 0 and the largest float32, (0, 1) the float32s next to 0 and 1.
    for (const [loss, values, mean] of [['positive', [0, 3.4028234663852886e38], 1.7014117331926443e38], ['strict', [1e-30, 0.99999994], (1e-30 + 0.99999994) / 2]] as const) {
      const s = tf.tensor([...values]);
      for (const v of [mod[loss]!(s), evaluateTfjs(fn(loss), { s }, {})]) {
        expect(v.dataSync()[0]! / mean).toBeCloseTo(1, 6);
        v.dispose();
      }
      s.dispose();
    }
    const [q, w] = [tf.tensor([0.5, 2]), tf.tensor([1, 0])];
    for (const v of [mod.weighted!(q, { w }), evaluateTfjs(fn('weighted'), { p: q, w }, {})]) {
      expect(v.dataSync()[0]).toBeCloseTo((1 * 0.5 + 0 * 2) / 2, 7);
      v.dispose();
    }
    tf.dispose([pt, yt, xt, lt, q, w]);
  });

  it('an option outside its domain, an infinite one where the domain is open at inf, is refused', () => {
    const [x, t] = [tf.tensor([[0.3, 1], [0.1, 2]]), tf.tensor([0, 1], [2], 'int32')];
    expectThrowsClean(() => mod.cross_entropy!(x, t, { label_smoothing: 5 }), /^cross_entropy: option 'label_smoothing' must lie in \[0, 1\], but is 5$/, 'module');
    expectThrowsClean(() => evaluateTfjs(fn('cross_entropy'), { x, t }, { label_smoothing: 5 }), /option 'label_smoothing' must lie in \[0, 1\]/, 'evaluator');
    expectThrowsClean(() => mod.focal!(x, t, { gamma: Infinity }), /^focal: option 'gamma' must lie in \[0, inf\), but is Infinity$/, 'module');
    tf.dispose([x, t]);
  });
});
