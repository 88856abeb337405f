// An optional input that defaults to an earlier input (`q: [N] in [0, 1] = p`): left out, it is
// that input's tensor. Every reader of a default is checked against a float64 oracle written
// here from the formulas (no compiler code), with gradients against its central differences:
// the gradient with respect to the input given is the total derivative, through both uses,
// and the input left out has none. The places: the generated tfjs module (TensorLike too),
// forLayers, the evaluator (`evaluate`), the float64 reference, a call from another loss or a
// def, the PyTorch module under real torch, and `lossc eval` as a process (tfjs and torch).
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check, compile, evaluate } from '../src/api.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';
import { emitPytorchModule, TORCH_RUNTIME_FILE } from '../src/emit/pytorch.js';
import { initBackend } from '../src/eval/setup.js';
import { differentiate } from '../src/grad/index.js';
import type { IrFunction } from '../src/ir/types.js';
import { evaluateReference, gradientsReference } from '../src/reference/evaluate.js';
import { TORCH_RUNTIME_SOURCE } from '../src/runtime/python/source.js';
import { compiledModule, type LossModule } from './helpers/compiled.js';
import { lossc } from './helpers/process.js';
import { PYTHON, torchMissing } from './helpers/torch.js';
import { fdGrad } from './oracle/fd.js';
import type { F64Tensor } from './oracle/tensor.js';

const SOURCE = `
/// t left out is p; u left out is t.
loss tied(p: [N, D], t: [N, D] = p, u: [N, D] = t) = mean(sum(softplus(p - 2 * t) * u + 0.5 * t^2, D))
/// The cross-entropy against q; left out, the entropy of p.
loss bce(p: [N] in (0, 1), q: [N] in [0, 1] = p) = mean(-(q * log(p) + (1 - q) * log1p(-p)))
/// A chain ending at a constant: v left out is w, which left out is 2.
loss wchain(x: [N], w: [N] in [0, inf) = 2, v: [N] in [0, inf) = w) = sum(v * x^2) / max(sum(w), 1e-6)
/// Class indices: s left out is t.
loss ce2(x: [N, C], t: index[N] of C, s: index[N] of C = t) = mean(-lp[t] - 0.5 * lp[s])
  where lp = log_softmax(x, C)
/// A pairwise loss, which tiles: b left out is a.
loss pairs(a: [N, D], b: [N, D] = a) = mean(logsumexp(s[i, j], j) - pos[i], i)
  where
    s[i, j] = dot(a[i], b[j], D)
    pos[i] = dot(a[i], b[i], D)
/// Dims after '...': y left out is x, laid out as x is.
loss rest(x: [B, C, ...], y: [B, C, ...] = x) = mean(sum(x * y^2, C))
def dtied(p: [N, D], t: [N, D] = p) = sum(softplus(p - 2 * t) + 0.5 * t^2, D)
loss via_call(a: [N, D]) = tied(a)
loss via_call_u(a: [N, D], b: [N, D]) = tied(a, u: b)
loss via_def(a: [N, D]) = mean(dtied(a))
loss entropy(a: [N] in (0, 1)) = bce(a)
loss via_wchain(a: [N]) = wchain(a)
`;

// --- the float64 oracle, from the formulas ---------------------------------------------------
const softplus = (z: number): number => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
const N = 3;
const D = 2;
const P = [0.3, -1.2, 2.0, 0.7, -0.4, 1.5];
const T = [1.1, 0.2, -0.6, 0.9, 0.4, -1.3];
const U = [0.5, 2.0, -1.0, 1.5, 0.25, 3.0];
const f64 = (data: readonly number[], shape: number[]): F64Tensor => ({ shape, data: Float64Array.from(data) });

/** tied(p, t, u) in float64. */
function tiedOracle(p: F64Tensor, t: F64Tensor, u: F64Tensor): number {
  let total = 0;
  for (let k = 0; k < N * D; k++) total += softplus(p.data[k]! - 2 * t.data[k]!) * u.data[k]! + 0.5 * t.data[k]! ** 2;
  return total / N;
}

type TiedCase = { given: readonly ('t' | 'u')[] };
const TIED_CASES: readonly TiedCase[] = [{ given: [] }, { given: ['t'] }, { given: ['u'] }, { given: ['t', 'u'] }];

/** The value and the gradients with respect to the inputs given, from central differences. */
function tiedExpected(c: TiedCase): { value: number; grads: Record<string, number[]> } {
  const names = ['p', ...c.given];
  const full = (args: F64Tensor[]): number => {
    const p = args[0]!;
    const t = c.given.includes('t') ? args[names.indexOf('t')]! : p;
    const u = c.given.includes('u') ? args[names.indexOf('u')]! : t;
    return tiedOracle(p, t, u);
  };
  const inputs = names.map((n) => f64(n === 'p' ? P : n === 't' ? T : U, [N, D]));
  const f = (...args: F64Tensor[]): number => full(args);
  return { value: full(inputs), grads: Object.fromEntries(names.map((n, k) => [n, [...fdGrad(f, inputs, k).data]])) };
}

const BP = [0.2, 0.6, 0.9];
const BQ = [0.0, 0.5, 1.0];
const bceOracle = (p: F64Tensor, q: F64Tensor): number => -p.data.reduce((s, pv, k) => s + q.data[k]! * Math.log(pv) + (1 - q.data[k]!) * Math.log(1 - pv), 0) / p.data.length;
/** The entropy's gradient, from its formula: d/dp of -(p log p + (1 - p) log(1 - p)), over N. */
const entropyGrad = BP.map((p) => -Math.log(p / (1 - p)) / BP.length);

const CX = [[0.3, -0.2, 1.1], [2, 0.5, -1], [0, 0, 0.4], [-0.3, 0.8, 0.1]];
const CT = [2, 0, 1, 1];
/** -log_softmax(x)[t] per row. */
const nllRows = (x: number[][], t: number[]): number[] =>
  x.map((row, i) => {
    const m = Math.max(...row);
    return -(row[t[i]!]! - m - Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0)));
  });

const close = (got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void => {
  expect(got.length, what).toBe(want.length);
  for (let k = 0; k < want.length; k++) expect(Math.abs(got[k]! - want[k]!), `${what} [${k}]: ${got[k]} vs ${want[k]}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want[k]!)));
};

let mod: LossModule;
let losses: IrFunction[];
beforeAll(async () => {
  await initBackend('cpu');
  mod = await compiledModule(SOURCE, 'defaults.loss', 'optional-input-default');
  losses = check(SOURCE, 'defaults.loss').losses;
});
const fnOf = (name: string): IrFunction => losses.find((f) => f.name === name)!;

describe('the checker', () => {
  const errors = (source: string): string[] => check(source, 'o.loss').diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d).split('\n')[0]!);
  it('accepts the program, with no error', () => {
    expect(errors(SOURCE)).toEqual([]);
  });
  it.each([
    ['loss f(x: [N], y: [N] in [0, 1] = x) = mean(x * y)', "o.loss:1:35: error E5023: optional input 'y' cannot default to 'x': 'x' has no domain, and 'y' takes values in [0, 1] only: declare 'x' in [0, 1] (or a domain inside it), or pass 'y'"],
    ['loss f(x: [N] in [0, 2], y: [N] in [0, 1] = x) = mean(x * y)', "o.loss:1:45: error E5023: optional input 'y' cannot default to 'x': 'x' takes values in [0, 2], not all inside [0, 1] of 'y'"],
    ['loss f(x: [N] in {0, 1}, y: [N] in [0, 1) = x) = mean(x * y)', "o.loss:1:45: error E5023: optional input 'y' cannot default to 'x': 'x' takes values in {0, 1}, not all inside [0, 1) of 'y'"],
    ['loss f(x: [N, C], t: index[N] of C = x) = mean(x)', "o.loss:1:38: error E5023: optional input 't' cannot default to 'x': 'x' has shape [N, C], and 't' [N]: they must be the same dims"],
    ['loss f(x: [N, C], y: [C, N] = x) = mean(x * y)', "o.loss:1:31: error E5023: optional input 'y' cannot default to 'x': 'x' has shape [N, C], and 'y' [C, N]: they must be the same dims"],
    ['loss f(x: [N], k: int[N] = x) = mean(x * k)', "o.loss:1:28: error E5023: optional input 'k' cannot default to 'x': 'x' holds real, and 'k' int"],
    ['loss f(x: [N, C], z: [N, D], t: index[N] of C, s: index[N] of D = t) = mean(x)', "o.loss:1:67: error E5023: optional input 's' cannot default to 't': 't' holds class indices of C, and 's' class indices of D"],
    ['loss f(x: [N, C], t: index[N] of C ignore h, s: index[N] of C = t, h: int = -100) = mean(x)', "o.loss:1:65: error E5023: optional input 's' cannot default to 't': 't' holds class indices of C ignoring h, and 's' class indices of C"],
    ['loss f(x: [N], a: real = 1, y: [N] = a) = mean(x * y)', "o.loss:1:38: error E5023: optional input 'y' cannot default to 'a': 'a' is a hyperparameter, not a tensor input given whole"],
    ['loss f(x: [N], param s: [N] = x) = mean(x * s)', "o.loss:1:31: error E5023: optional input 's' cannot default to 'x': the initial value of learnable parameter 's' is a number"],
    ['loss f(x: [N], param s: [N] = 0, y: [N] = s) = mean(x * s * y)', "o.loss:1:43: error E5023: optional input 'y' cannot default to 's': 's' is a learnable parameter, not a tensor input given whole"],
    ['loss f(x: [N], broadcast b: [N], y: [N] = b) = mean(x * b * y)', "o.loss:1:43: error E5023: optional input 'y' cannot default to 'b': 'b' is a broadcast input (its dims may be 1), not a tensor input given whole"],
    ['loss f(x: [N], y: [N] = y) = mean(x * y)', "o.loss:1:25: error E5024: optional input 'y' cannot default to 'y': that is itself; a default may name only an input declared before it"],
    ['loss f(x: [N], y: [N] = z, z: [N] = 1) = mean(x * y * z)', "o.loss:1:25: error E5024: optional input 'y' cannot default to 'z': 'z' is declared after it; a default may name only an input declared before it"],
    ['loss f(x: [N], y: [N] = z, z: [N] = y) = mean(x * y * z)', "o.loss:1:25: error E5024: optional input 'y' cannot default to 'z': the defaults form a cycle (y = z, z = y); a default may name only an input declared before it"],
    ['def g(a: [N], b: [N] = c, c: [N] = a) = a * b * c\nloss f(x: [N]) = mean(g(x))', "o.loss:1:24: error E5024: optional input 'b' cannot default to 'c': 'c' is declared after it; a default may name only an input declared before it"],
    ['loss f(x: [N], y: [N] = 2 * x) = mean(x * y)', "o.loss:1:25: error E5003: the default of tensor parameter 'y' must be a constant number, which fills it, or an input declared before it"],
  ])('%s', (source, message) => {
    expect(errors(source)).toEqual([message]);
  });
  it('a union input with a default is refused once, by its own check', () => {
    expect(errors('loss f(x: [N], y: index[N] of C | [N, C] = x) = mean(x)')).toEqual([
      "o.loss:1:16: error E5021: 'y' cannot be class indices or probabilities here: a union input is required and given whole (not optional with a default)",
    ]);
  });
  it('a domain inside the other one is accepted: (0, 1) in [0, 1], {0, 1} in [0, 1], the same set', () => {
    expect(errors('loss f(x: [N] in (0, 1), y: [N] in [0, 1] = x) = mean(x * y)')).toEqual([]);
    expect(errors('loss f(x: [N] in {0, 1}, y: [N] in [0, 1] = x) = mean(x * y)')).toEqual([]);
    expect(errors('loss f(x: [N] in {0, 1}, y: [N] in {0, 1} = x) = mean(x * y)')).toEqual([]);
    expect(errors('loss f(x: bool[N], y: bool[N] = x) = mean(real(x and y))')).toEqual([]);
  });
});

describe('the generated tfjs module', () => {
  it.each(TIED_CASES)('tied with $given given: the oracle\'s value and total gradients', (c) => {
    const want = tiedExpected(c);
    const p = tf.tensor2d(P, [N, D]);
    const opts = (xs: tf.Tensor[]): Record<string, tf.Tensor> => Object.fromEntries(c.given.map((n, k) => [n, xs[k + 1]!]));
    const xs = [p, ...c.given.map((n) => tf.tensor2d(n === 't' ? T : U, [N, D]))];
    const { value, grads } = tf.valueAndGrads((...a: tf.Tensor[]) => mod.tied!(a[0], opts(a)))(xs);
    close(value.dataSync(), [want.value], 2e-6, 'value');
    ['p', ...c.given].forEach((n, k) => close(grads[k]!.dataSync(), want.grads[n]!, 2e-5, `d/d${n}`));
    tf.dispose([value, ...grads, ...xs]);
  });
  it('TensorLike arrays, as tf.losses takes them', () => {
    close(mod.tied!([[0.3, -1.2], [2, 0.7], [-0.4, 1.5]]).dataSync(), [tiedExpected({ given: [] }).value], 2e-6, 'tied(p)');
    close(mod.tied!([[0.3, -1.2], [2, 0.7], [-0.4, 1.5]], { u: [[0.5, 2], [-1, 1.5], [0.25, 3]] }).dataSync(), [tiedExpected({ given: ['u'] }).value], 2e-6, 'tied(p, { u })');
  });
  it('bce(p) is the entropy of p, and its gradient is -logit(p) / N, not the partial at fixed q (0)', () => {
    const p = tf.tensor1d(BP);
    const { value, grad } = tf.valueAndGrad((a: tf.Tensor) => mod.bce!(a))(p);
    close(value.dataSync(), [bceOracle(f64(BP, [3]), f64(BP, [3]))], 2e-6, 'entropy');
    close(grad.dataSync(), entropyGrad, 2e-6, 'd/dp');
    const q = tf.tensor1d(BQ);
    close(mod.bce!(p, { q }).dataSync(), [bceOracle(f64(BP, [3]), f64(BQ, [3]))], 2e-6, 'cross-entropy');
    tf.dispose([p, q, value, grad]);
  });
  it('a chain ending at a constant: v is w when left out, w is 2', () => {
    const x = tf.tensor1d([1, -2, 0.5]);
    const sq = [1, 4, 0.25];
    const sum = (w: number[], v: number[]): number => sq.reduce((s, e, k) => s + v[k]! * e, 0) / w.reduce((s, e) => s + e, 0);
    close(mod.wchain!(x).dataSync(), [sum([2, 2, 2], [2, 2, 2])], 2e-6, 'neither');
    close(mod.wchain!(x, { w: tf.tensor1d([1, 2, 3]) }).dataSync(), [sum([1, 2, 3], [1, 2, 3])], 2e-6, 'w given');
    close(mod.wchain!(x, { v: tf.tensor1d([1, 2, 3]) }).dataSync(), [sum([2, 2, 2], [1, 2, 3])], 2e-6, 'v given');
    tf.dispose(x);
  });
  it('class indices: s left out is t', () => {
    const x = tf.tensor2d(CX);
    const t = tf.tensor1d(CT, 'int32');
    const rows = nllRows(CX, CT);
    close(mod.ce2!(x, t).dataSync(), [(1.5 * rows.reduce((a, b) => a + b, 0)) / 4], 2e-6, 'ce2(x, t)');
    const s = [0, 1, 2, 0];
    const other = nllRows(CX, s);
    close(mod.ce2!(x, t, { s: tf.tensor1d(s, 'int32') }).dataSync(), [rows.reduce((a, b, k) => a + b + 0.5 * other[k]!, 0) / 4], 2e-6, 'ce2(x, t, { s })');
    tf.dispose([x, t]);
  });
  it('forLayers: yTrue as tfjs-layers passes it (float32 [N, 1]) is also the s left out', () => {
    const layers = (mod.ce2 as unknown as { forLayers: () => (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor }).forLayers();
    const out = layers(tf.tensor2d(CT.map((v) => [v])), tf.tensor2d(CX));
    close(out.dataSync(), nllRows(CX, CT).map((v) => 1.5 * v), 2e-6, 'per example');
  });
});

/** pairs(a, b) = mean over i of log Σ_j exp(a_i·b_j) − a_i·b_i, in float64. */
function pairsOracle(a: F64Tensor, b: F64Tensor): number {
  const n = a.shape[0]!;
  const d = a.shape[1]!;
  const dot = (i: number, j: number): number => {
    let s = 0;
    for (let k = 0; k < d; k++) s += a.data[i * d + k]! * b.data[j * d + k]!;
    return s;
  };
  let total = 0;
  for (let i = 0; i < n; i++) {
    const row = Array.from({ length: n }, (_, j) => dot(i, j));
    const m = Math.max(...row);
    total += m + Math.log(row.reduce((acc, v) => acc + Math.exp(v - m), 0)) - dot(i, i);
  }
  return total / n;
}
const PA = [0.3, -0.5, 1.2, 0.8, -0.7, 0.1, 0.4, 0.9, -1.1, 0.2, 0.6, -0.3, 1.5, -0.2, 0.05];

describe('the generated module: tiling, rest dims, [N, 1] indices, weights', () => {
  it('a tiled pairwise loss, blocks of 1 and 2 rows and untiled: the oracle\'s value and total gradient', () => {
    const a = f64(PA, [5, 3]);
    const want = pairsOracle(a, a);
    const grad = fdGrad((x: F64Tensor) => pairsOracle(x, x), [a], 0).data;
    const at = tf.tensor2d(PA, [5, 3]);
    for (const blockRows of [1, 2, 1000]) {
      const { value, grads } = tf.valueAndGrads((x: tf.Tensor) => mod.pairs!(x, { blockRows }))([at]);
      close(value.dataSync(), [want], 2e-6, `blockRows ${blockRows} value`);
      close(grads[0]!.dataSync(), grad, 2e-5, `blockRows ${blockRows} d/da`);
      tf.dispose([value, ...grads]);
    }
    // Given, b is its own input: the partial derivatives.
    const b = f64(PA.map((v) => -v), [5, 3]);
    const bt = tf.tensor2d([...b.data], [5, 3]);
    const { value, grads } = tf.valueAndGrads((x: tf.Tensor, y: tf.Tensor) => mod.pairs!(x, { b: y, blockRows: 2 }))([at, bt]);
    close(value.dataSync(), [pairsOracle(a, b)], 2e-6, 'pairs(a, { b })');
    close(grads[1]!.dataSync(), fdGrad((x: F64Tensor, y: F64Tensor) => pairsOracle(x, y), [a, b], 1).data, 2e-5, 'd/db');
    tf.dispose([at, bt, value, ...grads]);
  });
  it('rest dims: y left out is x in its declared layout', () => {
    // x: [B = 2, C = 3, 2]; mean over (B, ...) of Σ_C x·y².
    const X = Array.from({ length: 12 }, (_, k) => Math.sin(k + 1));
    const oracle = (x: F64Tensor, y: F64Tensor): number => {
      let total = 0;
      for (let k = 0; k < 12; k++) total += x.data[k]! * y.data[k]! ** 2;
      return total / 4;
    };
    const x = f64(X, [2, 3, 2]);
    const xt = tf.tensor3d(X, [2, 3, 2]);
    const { value, grads } = tf.valueAndGrads((v: tf.Tensor) => mod.rest!(v))([xt]);
    close(value.dataSync(), [oracle(x, x)], 2e-6, 'rest(x)');
    close(grads[0]!.dataSync(), fdGrad((v: F64Tensor) => oracle(v, v), [x], 0).data, 2e-5, 'd/dx');
    tf.dispose([xt, value, ...grads]);
  });
  it('class indices given as [N, 1]: s left out is t without that axis', () => {
    const x = tf.tensor2d(CX);
    const t = tf.tensor2d(CT.map((v) => [v]), undefined, 'int32');
    close(mod.ce2!(x, t).dataSync(), [(1.5 * nllRows(CX, CT).reduce((a, b) => a + b, 0)) / 4], 2e-6, 'ce2(x, t [N, 1])');
    tf.dispose([x, t]);
  });
  it('weights and reduction: the per-sample pass also adds both uses', () => {
    const w = [0.5, 2, 1];
    const rows = (p: F64Tensor): number[] =>
      [0, 1, 2].map((n) => [0, 1].reduce((s, d) => s + softplus(p.data[n * D + d]! - 2 * p.data[n * D + d]!) * p.data[n * D + d]! + 0.5 * p.data[n * D + d]! ** 2, 0));
    const p = f64(P, [N, D]);
    for (const reduction of ['sum', 'mean'] as const) {
      const oracle = (q: F64Tensor): number => rows(q).reduce((s, l, n) => s + w[n]! * l, 0) / (reduction === 'sum' ? 1 : 3.5);
      const pt = tf.tensor2d(P, [N, D]);
      const { value, grads } = tf.valueAndGrads((x: tf.Tensor) => mod.tied!(x, { weights: tf.tensor1d(w), reduction }))([pt]);
      close(value.dataSync(), [oracle(p)], 2e-6, `${reduction} value`);
      close(grads[0]!.dataSync(), fdGrad(oracle, [p], 0).data, 2e-5, `${reduction} d/dp`);
      tf.dispose([pt, value, ...grads]);
    }
  });
});

describe('the evaluator and the float64 reference', () => {
  it.each(TIED_CASES)('evaluate with $given given: grads of the inputs given only, the total derivative', async (c) => {
    const want = tiedExpected(c);
    const grid = (d: number[]): number[][] => [d.slice(0, 2), d.slice(2, 4), d.slice(4, 6)];
    const inputs = Object.fromEntries([['p', grid(P)], ...c.given.map((n) => [n, grid(n === 't' ? T : U)])]);
    // wasm here; the generated module's tests above run on cpu.
    for (const backend of ['wasm'] as const) {
      const r = await evaluate(SOURCE, 'defaults.loss', { loss: 'tied', inputs, grad: true, backend });
      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      close([r.loss as number], [want.value], 2e-6, `${backend} value`);
      expect(Object.keys(r.grads!).sort()).toEqual(['p', ...c.given].sort());
      for (const n of Object.keys(r.grads!)) close((r.grads![n] as number[][]).flat(), want.grads[n]!, 2e-5, `${backend} d/d${n}`);
    }
  });
  it.each(TIED_CASES)('the reference with $given given: float64 value and gradients', (c) => {
    const want = tiedExpected(c);
    const fn = differentiate(fnOf('tied')).fn!;
    const inputs = Object.fromEntries([['p', f64(P, [N, D])], ...c.given.map((n) => [n, f64(n === 't' ? T : U, [N, D])])]);
    close(evaluateReference(fn, inputs, {}).data, [want.value], 1e-14, 'value');
    const g = gradientsReference(fn, inputs, {});
    expect(Object.keys(g.grads).sort()).toEqual(['p', ...c.given].sort());
    for (const n of Object.keys(g.grads)) close(g.grads[n]!.data, want.grads[n]!, 1e-8, `d/d${n}`);
  });
  it('the reference: the entropy\'s gradient, and a chain to a constant', () => {
    const fn = differentiate(fnOf('bce')).fn!;
    const g = gradientsReference(fn, { p: f64(BP, [3]) }, {});
    expect(Object.keys(g.grads)).toEqual(['p']);
    close(g.grads.p!.data, entropyGrad, 1e-14, 'd/dp');
    const w = differentiate(fnOf('wchain')).fn!;
    // sum(v x²) / sum(w) with v = w = 2 everywhere: mean(x²), gradient 2x / N.
    close(evaluateReference(w, { x: f64([1, -2, 0.5], [3]) }, {}).data, [(1 + 4 + 0.25) / 3], 1e-15, 'wchain(x)');
    const gw = gradientsReference(w, { x: f64([1, -2, 0.5], [3]) }, {});
    close(gw.grads.x!.data, [2 / 3, -4 / 3, 1 / 3], 1e-15, 'd/dx');
    expect(Object.keys(gw.grads).sort()).toEqual(['w', 'x']);
  });
});

describe('called from another loss or a def', () => {
  it.each([
    ['via_call', { a: P }, tiedExpected({ given: [] }).value],
    ['via_call_u', { a: P, b: U }, tiedExpected({ given: ['u'] }).value],
    ['via_def', { a: P }, (() => {
      let s = 0;
      for (let k = 0; k < N * D; k++) s += softplus(P[k]! - 2 * P[k]!) + 0.5 * P[k]! ** 2;
      return s / N;
    })()],
  ] as const)('%s', async (loss, given, want) => {
    const inputs = Object.fromEntries(Object.entries(given).map(([k, v]) => [k, [v.slice(0, 2), v.slice(2, 4), v.slice(4, 6)]]));
    const r = await evaluate(SOURCE, 'defaults.loss', { loss, inputs, backend: 'cpu' });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    close([r.loss as number], [want], 2e-6, loss);
  });
  it('a chain to a constant left out by the call: v is w is 2 everywhere, wchain(a) = mean(a²)', async () => {
    const r = await evaluate(SOURCE, 'defaults.loss', { loss: 'via_wchain', inputs: { a: [1, -2, 0.5] }, grad: true, backend: 'cpu' });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    close([r.loss as number], [(1 + 4 + 0.25) / 3], 2e-6, 'value');
    close(r.grads!.a as number[], [2 / 3, -4 / 3, 1 / 3], 2e-6, 'd/da');
  });
  it('entropy(a) = bce(a): value and total gradient in float64', () => {
    const fn = differentiate(fnOf('entropy')).fn!;
    close(evaluateReference(fn, { a: f64(BP, [3]) }, {}).data, [bceOracle(f64(BP, [3]), f64(BP, [3]))], 1e-15, 'value');
    close(gradientsReference(fn, { a: f64(BP, [3]) }, {}).grads.a!.data, entropyGrad, 1e-14, 'd/da');
  });
});

const PY_DRIVER = String.raw`
import json, sys, importlib.util
import torch
sys.path.insert(0, sys.argv[1])
spec = importlib.util.spec_from_file_location("defaults_module", sys.argv[1] + "/defaults.py")
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
c = json.load(sys.stdin)
out = {}
for given in (["p"], ["p", "t"], ["p", "u"], ["p", "t", "u"]):
    xs = {n: torch.tensor(c[n], dtype=torch.float64, requires_grad=True) for n in given}
    v = mod.tied(xs["p"], **{n: xs[n] for n in given if n != "p"})
    gs = torch.autograd.grad(v, [xs[n] for n in given])
    out["+".join(given)] = {"value": v.item(), "grads": {n: g.flatten().tolist() for n, g in zip(given, gs)}}
p = torch.tensor(c["bp"], dtype=torch.float64, requires_grad=True)
v = mod.BceLoss()(p)
v.backward()
out["entropy"] = {"value": v.item(), "grad": p.grad.tolist()}
x = torch.tensor(c["cx"], dtype=torch.float64)
out["ce2"] = mod.ce2(x, torch.tensor(c["ct"])).item()
a = torch.tensor(c["pa"], dtype=torch.float64, requires_grad=True)
v = mod.pairs(a, blockRows=2)
v.backward()
out["pairs"] = {"value": v.item(), "grad": a.grad.flatten().tolist()}
print(json.dumps(out))
`;

describe('the PyTorch module, under real torch', () => {
  const missing = torchMissing();
  it.skipIf(missing !== undefined)('float64 values and total gradients, the function and the nn.Module', async () => {
    const dir = resolve('test/.tmp/optional-input-default-py');
    mkdirSync(dir, { recursive: true });
    const r = await compile(SOURCE, 'defaults.loss');
    writeFileSync(resolve(dir, 'defaults.py'), emitPytorchModule({ file: 'defaults.loss', losses: r.losses }));
    writeFileSync(resolve(dir, TORCH_RUNTIME_FILE), TORCH_RUNTIME_SOURCE);
    const run = spawnSync(PYTHON, ['-c', PY_DRIVER, dir], { input: JSON.stringify({ p: [P.slice(0, 2), P.slice(2, 4), P.slice(4, 6)], t: [T.slice(0, 2), T.slice(2, 4), T.slice(4, 6)], u: [U.slice(0, 2), U.slice(2, 4), U.slice(4, 6)], bp: BP, cx: CX, ct: CT, pa: [0, 3, 6, 9, 12].map((k) => PA.slice(k, k + 3)) }), encoding: 'utf8', timeout: 120_000 });
    expect(run.stderr).toBe('');
    const a = JSON.parse(run.stdout) as Record<string, unknown>;
    for (const c of TIED_CASES) {
      const want = tiedExpected(c);
      const got = a[['p', ...c.given].join('+')] as { value: number; grads: Record<string, number[]> };
      close([got.value], [want.value], 1e-14, `torch ${c.given} value`);
      expect(Object.keys(got.grads)).toEqual(['p', ...c.given]);
      for (const n of Object.keys(got.grads)) close(got.grads[n]!, want.grads[n]!, 1e-8, `torch ${c.given} d/d${n}`);
    }
    const e = a.entropy as { value: number; grad: number[] };
    close([e.value], [bceOracle(f64(BP, [3]), f64(BP, [3]))], 1e-15, 'torch entropy');
    close(e.grad, entropyGrad, 1e-14, 'torch entropy d/dp');
    close([a.ce2 as number], [(1.5 * nllRows(CX, CT).reduce((x, y) => x + y, 0)) / 4], 1e-14, 'torch ce2(x, t)');
    const pa = f64(PA, [5, 3]);
    const pairs = a.pairs as { value: number; grad: number[] };
    close([pairs.value], [pairsOracle(pa, pa)], 1e-14, 'torch pairs(a), tiled');
    close(pairs.grad, fdGrad((x: F64Tensor) => pairsOracle(x, x), [pa], 0).data, 1e-8, 'torch pairs d/da, tiled');
  });
});

describe('lossc eval, as a process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lossc-input-default-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'defaults.loss');
  const inputs = join(dir, 'in.json');
  writeFileSync(file, SOURCE);
  writeFileSync(inputs, JSON.stringify({ p: BP }));
  const missing = torchMissing();
  for (const backend of ['wasm', 'torch'] as const) {
    it.skipIf(backend === 'torch' && missing !== undefined)(`--backend ${backend} --grad: the entropy, one gradient, the total derivative`, async () => {
      const r = await lossc(['eval', file, '--loss', 'bce', '--inputs', inputs, '--grad', '--json', '--backend', backend], { env: { ...process.env, LOSSC_PYTHON: PYTHON } });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const out = JSON.parse(r.stdout) as { loss: number; grads: Record<string, number[]> };
      close([out.loss], [bceOracle(f64(BP, [3]), f64(BP, [3]))], 2e-6, 'loss');
      expect(Object.keys(out.grads)).toEqual(['p']);
      close(out.grads.p!, entropyGrad, 2e-6, 'd/dp');
    });
  }
});
