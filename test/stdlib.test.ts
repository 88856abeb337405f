// The stdlib losses against oracles that share no code with the compiler: the float64 loss
// implementations in test/oracle/, tf.losses, central finite differences, and the *ref*
// values of LOSSES.md. Each loss runs through the float64 reference evaluator, the tfjs
// evaluator (wasm) and its generated TypeScript module.
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../src/api.js';
import { evaluateReference, type RefTensor } from '../src/backends/reference.js';
import { evaluateTfjs, valueAndGradsTfjs } from '../src/backends/tfjs-eval.js';
import { initBackend } from '../src/backends/tfjs-setup.js';
import { typecheckGenerated } from '../src/backends/typecheck.js';
import { checkSource } from '../src/check/module.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';
import type { IrFunction } from '../src/ir/types.js';
import { fdGrad, maxRelErr } from './oracle/fd.js';
import { triplet as tripletRef } from './oracle/metric.js';
import { asymmetric_mse, huber, log_cosh, mae, mse, smooth_l1 } from './oracle/regression.js';
import { fromNested, mulberry32, randomTensor, type F64Tensor } from './oracle/tensor.js';

type Inputs = Record<string, F64Tensor>;
type Hypers = Record<string, number>;
type Reduction = 'mean' | 'sum' | 'none';

interface LossCase {
  readonly file: string;
  readonly loss: string;
  /** The independent float64 implementation, with PyTorch's reduction and weights. */
  readonly oracle: (x: Inputs, h: Hypers, reduction?: Reduction, weights?: F64Tensor) => number | F64Tensor;
  /** Seeded random inputs of one shape. */
  readonly inputs: (seed: number, shape: number[]) => Inputs;
  readonly shapes: number[][];
  /** Hyperparameter settings to try, besides the defaults. */
  readonly hypers: Hypers[];
}

const pairs = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  return { pred: randomTensor(shape, rng, { lo: -3, hi: 3 }), target: randomTensor(shape, rng, { lo: -3, hi: 3 }) };
};
const triples = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  return { a: randomTensor(shape, rng, { lo: -1, hi: 1 }), p: randomTensor(shape, rng, { lo: -1, hi: 1 }), n: randomTensor(shape, rng, { lo: -1, hi: 1 }) };
};
const R = (reduction?: Reduction, weights?: F64Tensor) => ({ ...(reduction ? { reduction } : {}), ...(weights ? { weights } : {}) });

const CASES: readonly LossCase[] = [
  { file: 'stdlib/regression.loss', loss: 'mse', oracle: (x, _h, r, w) => mse(x.pred!, x.target!, R(r, w)), inputs: pairs, shapes: [[7], [4, 5], [2, 3, 4]], hypers: [] },
  { file: 'stdlib/regression.loss', loss: 'mae', oracle: (x, _h, r, w) => mae(x.pred!, x.target!, R(r, w)), inputs: pairs, shapes: [[7], [4, 5], [2, 3, 4]], hypers: [] },
  { file: 'stdlib/regression.loss', loss: 'huber', oracle: (x, h, r, w) => huber(x.pred!, x.target!, { delta: h.delta ?? 1, ...R(r, w) }), inputs: pairs, shapes: [[9], [4, 5]], hypers: [{ delta: 0.5 }, { delta: 2.5 }] },
  { file: 'stdlib/regression.loss', loss: 'smooth_l1', oracle: (x, h, r, w) => smooth_l1(x.pred!, x.target!, { beta: h.beta ?? 1, ...R(r, w) }), inputs: pairs, shapes: [[9], [4, 5]], hypers: [{ beta: 0.5 }, { beta: 2.5 }] },
  { file: 'stdlib/regression.loss', loss: 'log_cosh', oracle: (x, _h, r, w) => log_cosh(x.pred!, x.target!, R(r, w)), inputs: pairs, shapes: [[9], [4, 5], [2, 2, 3]], hypers: [] },
  { file: 'stdlib/regression.loss', loss: 'asymmetric_mse', oracle: (x, h, r, w) => asymmetric_mse(x.pred!, x.target!, { over_penalty: h.over_penalty ?? 2, ...R(r, w) }), inputs: pairs, shapes: [[9], [4, 5]], hypers: [{ over_penalty: 5 }] },
  { file: 'stdlib/metric.loss', loss: 'triplet', oracle: (x, h, r, w) => tripletRef(x.a!, x.p!, x.n!, { margin: h.margin ?? 1, ...R(r, w) }), inputs: triples, shapes: [[6, 4], [3, 8]], hypers: [{ margin: 0.2 }, { margin: 0 }] },
];

const losses = new Map<string, IrFunction>();
function lossFn(file: string, name: string): IrFunction {
  const key = `${file}#${name}`;
  if (!losses.has(key)) {
    const r = checkSource(readFileSync(file, 'utf8'), file);
    expect(r.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
    for (const l of r.losses) losses.set(`${file}#${l.name}`, l);
  }
  return losses.get(key)!;
}

const toRef = (x: Inputs): Record<string, RefTensor> => Object.fromEntries(Object.entries(x).map(([k, v]) => [k, { shape: [...v.shape], data: v.data }]));
const toTf = (x: Inputs): Record<string, tf.Tensor> => Object.fromEntries(Object.entries(x).map(([k, v]) => [k, tf.tensor(Array.from(v.data), v.shape, 'float32')]));
const scalarOf = (v: number | F64Tensor): number => (typeof v === 'number' ? v : v.data[0]!);
const dataOf = (v: number | F64Tensor): Float64Array => (typeof v === 'number' ? Float64Array.of(v) : v.data);

beforeAll(async () => {
  await initBackend('wasm');
});

describe.each(CASES)('$loss', (c) => {
  const settings: Hypers[] = [{}, ...c.hypers];
  const grid = c.shapes.flatMap((shape, i) => settings.map((hypers) => ({ shape, hypers, seed: 100 + i })));

  it.each(grid)('reference evaluator = oracle in float64, shape $shape, $hypers', ({ shape, hypers, seed }) => {
    const fn = lossFn(c.file, c.loss);
    const x = c.inputs(seed, shape);
    const got = evaluateReference(fn, toRef(x), hypers);
    const want = scalarOf(c.oracle(x, hypers));
    expect(Math.abs(got.data[0]! - want)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want)));
  });

  it.each(grid)('tfjs (wasm) = oracle within float32, and gradients = finite differences, shape $shape, $hypers', ({ shape, hypers, seed }) => {
    const fn = lossFn(c.file, c.loss);
    const x = c.inputs(seed, shape);
    const before = tf.memory().numTensors;
    const inputs = toTf(x);
    const names = Object.keys(x);
    const { value, grads } = valueAndGradsTfjs(fn, inputs, hypers, names);
    const want = scalarOf(c.oracle(x, hypers));
    expect(Math.abs(value.dataSync()[0]! - want)).toBeLessThanOrEqual(2e-6 * Math.max(1, Math.abs(want)));
    for (const name of names) {
      const fd = fdGrad((...ts) => scalarOf(c.oracle(Object.fromEntries(names.map((n, i) => [n, ts[i]!])), hypers)), names.map((n) => x[n]!), names.indexOf(name));
      const g = grads[name]!.dataSync();
      expect(maxRelErr(Float64Array.from(g), fd.data, 1e-3), `d${c.loss}/d${name}`).toBeLessThan(2e-3);
    }
    value.dispose();
    Object.values(grads).forEach((g) => g.dispose());
    Object.values(inputs).forEach((t) => t.dispose());
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each((['none', 'sum', 'mean'] as const).map((reduction) => ({ reduction })))("reduction '$reduction' and per-sample weights as PyTorch/tf.losses", ({ reduction }) => {
    const fn = lossFn(c.file, c.loss);
    const shape = c.shapes[c.shapes.length - 1]!;
    const x = c.inputs(7, shape);
    const rng = mulberry32(8);
    const perSample = randomTensor([shape[0]!], rng, { lo: 0.1, hi: 2 });
    for (const weights of [undefined, perSample]) {
      const want = dataOf(c.oracle(x, {}, reduction, weights));
      const ref = evaluateReference(fn, toRef(x), {}, { reduction, ...(weights ? { weights: { shape: [...weights.shape], data: weights.data } } : {}) });
      expect(maxRelErr(ref.data, want, 1e-12)).toBeLessThan(1e-12);
      const out = evaluateTfjs(fn, toTf(x), {}, { reduction, ...(weights ? { weights: tf.tensor(Array.from(weights.data), weights.shape) } : {}) });
      expect(maxRelErr(Float64Array.from(out.dataSync()), want, 1e-6)).toBeLessThan(1e-5);
      out.dispose();
    }
  });
});

describe('LOSSES.md *ref* values', () => {
  const seedPred = [2.5, 0.0, 2.1, 7.8];
  const seedTarget = [3.0, -0.5, 2.0, 8.0];
  const outlier = [2.5, 0.0, 2.1, 10.0];
  it.each([
    { loss: 'mse', pred: seedPred, target: seedTarget, ref: 0.1375 },
    { loss: 'mae', pred: seedPred, target: seedTarget, ref: 0.325 },
    { loss: 'huber', pred: outlier, target: seedTarget, ref: 0.43875 },
    { loss: 'log_cosh', pred: outlier, target: seedTarget, ref: 0.3925559 },
    { loss: 'asymmetric_mse', pred: [2.5, 1, 3], target: [2, 2, 2], ref: 1.1666667 },
  ])('$loss = $ref', ({ loss, pred, target, ref }) => {
    const fn = lossFn('stdlib/regression.loss', loss);
    const x = { pred: fromNested(pred), target: fromNested(target) };
    expect(evaluateReference(fn, toRef(x), {}).data[0]).toBeCloseTo(ref, 7);
    const out = evaluateTfjs(fn, toTf(x), {});
    expect(out.dataSync()[0]).toBeCloseTo(ref, 5);
    out.dispose();
  });
});

describe('where the tutorial and PyTorch differ', () => {
  it('smooth_l1(beta) = huber(delta = beta) / beta, and they differ for beta != 1', () => {
    const x = pairs(3, [20]);
    const s = evaluateReference(lossFn('stdlib/regression.loss', 'smooth_l1'), toRef(x), { beta: 2 }).data[0]!;
    const h = evaluateReference(lossFn('stdlib/regression.loss', 'huber'), toRef(x), { delta: 2 }).data[0]!;
    expect(s).toBeCloseTo(h / 2, 12);
    expect(Math.abs(s - h)).toBeGreaterThan(1e-3);
  });
  it('log_cosh stays finite where cosh overflows float32 (|e| = 200)', () => {
    const fn = lossFn('stdlib/regression.loss', 'log_cosh');
    const x = { pred: fromNested([200, -200, 0.5]), target: fromNested([0, 0, 0]) };
    const { value, grads } = valueAndGradsTfjs(fn, toTf(x), {}, ['pred']);
    const want = log_cosh(x.pred, x.target);
    expect(value.dataSync()[0]).toBeCloseTo(want, 3);
    expect(Array.from(grads.pred!.dataSync()).every(Number.isFinite)).toBe(true);
  });
});

describe('against tf.losses', () => {
  it.each([
    { loss: 'mse', peer: (p: tf.Tensor, t: tf.Tensor, w?: tf.Tensor, red?: tf.Reduction) => tf.losses.meanSquaredError(t, p, w, red) },
    { loss: 'mae', peer: (p: tf.Tensor, t: tf.Tensor, w?: tf.Tensor, red?: tf.Reduction) => tf.losses.absoluteDifference(t, p, w, red) },
    { loss: 'huber', peer: (p: tf.Tensor, t: tf.Tensor, w?: tf.Tensor, red?: tf.Reduction) => tf.losses.huberLoss(t, p, w, 1, red) },
  ])('$loss equals its tf.losses counterpart, with weights and MEAN/SUM/NONE', ({ loss, peer }) => {
    const fn = lossFn('stdlib/regression.loss', loss);
    const x = pairs(21, [6, 3]);
    const [p, t] = [toTf(x).pred!, toTf(x).target!];
    const w = tf.tensor(Array.from(randomTensor([6, 3], mulberry32(22), { lo: 0, hi: 2 }).data), [6, 3]);
    const cases: [Reduction, tf.Reduction][] = [['mean', tf.Reduction.MEAN], ['sum', tf.Reduction.SUM], ['none', tf.Reduction.NONE]];
    for (const [ours, theirs] of cases) {
      for (const weights of [undefined, w]) {
        const a = evaluateTfjs(fn, { pred: p, target: t }, {}, { reduction: ours, ...(weights ? { weights } : {}) });
        const b = peer(p, t, weights, theirs);
        expect(maxRelErr(Float64Array.from(a.dataSync()), Float64Array.from(b.dataSync()), 1e-6), `${ours} ${weights ? 'weighted' : ''}`).toBeLessThan(1e-5);
      }
    }
  });
});

describe('generated modules', () => {
  const files = ['stdlib/regression.loss', 'stdlib/metric.loss'];
  const code = new Map<string, string>();
  beforeAll(async () => {
    for (const file of files) {
      const r = await compile(readFileSync(file, 'utf8'), file);
      expect(r.diagnostics).toEqual([]);
      code.set(file, r.code!);
    }
  }, 120_000);

  it('type-check under tsc --strict', async () => {
    const modules = Object.fromEntries([...code].map(([file, text]) => [file.replace('stdlib/', 'generated/').replace('.loss', '.ts'), text]));
    expect(await typecheckGenerated(modules)).toEqual([]);
  }, 120_000);

  it.each(CASES)('$loss: the module agrees with the evaluator, with options and reductions', async (c) => {
    mkdirSync('test/.tmp/stdlib', { recursive: true });
    const path = `test/.tmp/stdlib/${c.file.replace('stdlib/', '').replace('.loss', '')}.ts`;
    writeFileSync(path, code.get(c.file)!);
    const mod = (await import(`./.tmp/stdlib/${path.split('/').pop()}`)) as Record<string, (...args: unknown[]) => tf.Tensor>;
    const fn = lossFn(c.file, c.loss);
    const x = c.inputs(31, c.shapes[0]!);
    const hypers = c.hypers[0] ?? {};
    const inputs = toTf(x);
    const args = fn.inputs.map((i) => inputs[i.name]!);
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      const before = tf.memory().numTensors;
      const got = mod[c.loss]!(...args, { ...hypers, reduction });
      const want = evaluateTfjs(fn, inputs, hypers, { reduction });
      expect(got.shape).toEqual(want.shape);
      expect(maxRelErr(Float64Array.from(got.dataSync()), Float64Array.from(want.dataSync()), 1e-6)).toBeLessThan(1e-5);
      got.dispose();
      want.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
    Object.values(inputs).forEach((t) => t.dispose());
  });
});
