// The float64 reference evaluator and the tfjs evaluator check each other: every op kind on
// random inputs, reductions against tf.losses, tfjs gradients against central differences of
// the reference, on both the cpu and wasm backends.
import type { ReductionMode } from '../src/ir/reduction.js';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ShapeError } from '../src/reference/dims.js';
import { EvalError, evaluateReference, type RefTensor } from '../src/reference/evaluate.js';
import { evaluateTfjs, valueAndGradsTfjs, type TfjsEvalOptions } from '../src/eval/evaluate.js';
import { initBackend } from '../src/eval/setup.js';
import type { OpName } from '../src/ir/ops.js';
import { REST, type IrFunction, type NodeId } from '../src/ir/types.js';
import {
  ax, buildIr, crossEntropyFixture, hingeSelectFixture, maskedLogsumexpFixture, maskedMaxFixture,
  mseFixture, softmaxFixture, tripletFixture, type FixtureInput,
} from './helpers/ir-fixtures.js';

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Gen = (r: () => number) => number;
const uniform = (lo: number, hi: number): Gen => (r) => lo + (hi - lo) * r();
const ints = (n: number): Gen => (r) => Math.floor(r() * n);
const bools = (p: number): Gen => (r) => (r() < p ? 1 : 0);

/** Random inputs for `fn` (float32-exact reals, so both evaluators see the same numbers). */
function randomInputs(fn: IrFunction, sizes: Record<string, number>, rest: number[], seed: number, gens: Record<string, Gen> = {}): Record<string, RefTensor> {
  const r = mulberry32(seed);
  const out: Record<string, RefTensor> = {};
  for (const inp of fn.inputs) {
    const shape = inp.axes.flatMap((a) => (a.name === REST ? rest : [sizes[a.dim]!]));
    const gen = gens[inp.name] ?? (inp.elem === 'real' ? uniform(-2, 2) : inp.elem === 'bool' ? bools(0.5) : inp.elem === 'index' ? ints(sizes[inp.indexOf!]!) : ints(3));
    const n = shape.reduce((a, b) => a * b, 1);
    out[inp.name] = { shape, data: Float64Array.from({ length: n }, () => Math.fround(gen(r))) };
  }
  return out;
}

function toTf(fn: IrFunction, inputs: Record<string, RefTensor>): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [name, t] of Object.entries(inputs)) {
    const elem = fn.inputs.find((i) => i.name === name)?.elem ?? 'real';
    const dtype = elem === 'real' ? 'float32' : elem === 'bool' ? 'bool' : 'int32';
    out[name] = tf.tensor(Array.from(t.data, (v) => (dtype === 'bool' ? v !== 0 : v)) as number[], t.shape, dtype);
  }
  return out;
}

function expectClose(ref: RefTensor, got: tf.Tensor | { shape: number[]; data: ArrayLike<number> }, rtol = 1e-5, atol = 1e-6, what = ''): void {
  const data = got instanceof tf.Tensor ? got.dataSync() : got.data;
  expect(got.shape, `${what} shape`).toEqual(ref.shape);
  for (let i = 0; i < ref.data.length; i++) {
    const [a, b] = [ref.data[i]!, Number(data[i])];
    if (Number.isNaN(a) || !Number.isFinite(a)) expect(b, `${what} at ${i}`).toBe(a);
    else if (!(Math.abs(a - b) <= rtol * Math.abs(a) + atol)) expect.fail(`${what} at ${i}: reference ${a}, tfjs ${b}`);
  }
}

function disposeAll(ts: Record<string, tf.Tensor>): void {
  Object.values(ts).forEach((t) => t.dispose());
}

/** Both evaluators on the same inputs; the tfjs one must leave no tensor behind. */
interface CheckOptions {
  hypers?: Record<string, number>;
  node?: NodeId;
  reduction?: ReductionMode;
  weights?: RefTensor;
  rtol?: number;
  atol?: number;
  what?: string;
}
function check(fn: IrFunction, inputs: Record<string, RefTensor>, opts: CheckOptions = {}): RefTensor {
  const { hypers = {}, rtol, atol, what, weights, ...rest } = opts;
  const ref = evaluateReference(fn, inputs, hypers, { ...rest, ...(weights ? { weights } : {}) });
  const tins = toTf(fn, inputs);
  const wt = weights ? tf.tensor(Array.from(weights.data), weights.shape) : undefined;
  const before = tf.memory().numTensors;
  const got = evaluateTfjs(fn, tins, hypers, { ...rest, ...(wt ? { weights: wt } : {}) });
  expectClose(ref, got, rtol, atol, what ?? fn.name);
  got.dispose();
  expect(tf.memory().numTensors).toBe(before);
  disposeAll(tins);
  wt?.dispose();
  return ref;
}

/** A function of inputs `a` (and `b`) whose output is the single op under test. */
function opFn(op: OpName, ins: FixtureInput[], attrs = {}): IrFunction {
  return buildIr({ name: `t_${op}`, inputs: ins, body: (b, v) => b.op(op, ins.map((i) => v[i.name]!), attrs) });
}

type Elem = 'real' | 'int' | 'bool';
const UNARY: [OpName, Gen, Elem?][] = [
  ['neg', uniform(-3, 3)], ['abs', uniform(-3, 3)], ['sign', uniform(-3, 3)], ['exp', uniform(-5, 5)],
  ['log', uniform(0.01, 10)], ['log1p', (r) => (r() < 0.5 ? uniform(-1e-6, 1e-6)(r) : uniform(-0.9, 5)(r))],
  ['expm1', (r) => (r() < 0.5 ? uniform(-1e-6, 1e-6)(r) : uniform(-5, 5)(r))], ['sqrt', uniform(0.01, 10)],
  ['square', uniform(-3, 3)], ['sigmoid', uniform(-30, 30)], ['softplus', uniform(-50, 50)],
  ['log_sigmoid', uniform(-50, 50)], ['tanh', uniform(-5, 5)], ['cosh', uniform(-4, 4)],
  ['erf', (r) => (r() < 0.3 ? uniform(-1e-6, 1e-6)(r) : uniform(-4, 4)(r))], ['atan', uniform(-20, 20)], ['relu', uniform(-3, 3)],
  ['floor', uniform(-3, 3)], ['floor', ints(5), 'int'], ['neg', ints(5), 'int'], ['abs', (r) => ints(7)(r) - 3, 'int'],
  ['square', ints(5), 'int'], ['relu', (r) => ints(7)(r) - 3, 'int'], ['not', bools(0.5), 'bool'], ['to_real', ints(9), 'int'],
  ['to_real', bools(0.5), 'bool'],
  ['sin', (r) => (r() < 0.3 ? uniform(-1e-6, 1e-6)(r) : uniform(-10, 10)(r))], ['cos', uniform(-10, 10)], ['asinh', uniform(-50, 50)],
  ['lgamma', (r) => (r() < 0.5 ? uniform(0.05, 30)(r) : uniform(-4.9, -0.1)(r))], ['digamma', (r) => (r() < 0.5 ? uniform(0.05, 30)(r) : uniform(-3.9, -3.1)(r))], ['trigamma', uniform(0.2, 30)],
];

const BINARY: (readonly [OpName, Gen, Gen, Elem?, Elem?])[] = [
  ['add', uniform(-3, 3), uniform(-3, 3)], ['sub', uniform(-3, 3), uniform(-3, 3)], ['mul', uniform(-3, 3), uniform(-3, 3)],
  ['div', uniform(-3, 3), (r) => (r() < 0.5 ? -1 : 1) * uniform(0.5, 2)(r)], ['pow', uniform(0, 3), uniform(-2, 2)],
  ['pow', ints(3), ints(3), 'int', 'int'], ['maximum', uniform(-3, 3), uniform(-3, 3)], ['minimum', uniform(-3, 3), uniform(-3, 3)],
  ['add', ints(5), uniform(-3, 3), 'int'], ['mul', bools(0.5), uniform(-3, 3), 'bool'], ['maximum', ints(5), ints(5), 'int', 'int'],
  ...(['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const).flatMap((op) => [
    [op, ints(3), ints(3), 'int', 'int'] as const, [op, ints(3), (r: () => number) => ints(3)(r) + (r() < 0.5 ? 0 : 0.5), 'int'] as const,
  ]),
  ['and', bools(0.5), bools(0.5), 'bool', 'bool'], ['or', bools(0.5), bools(0.5), 'bool', 'bool'],
  ['atan2', uniform(-3, 3), uniform(-3, 3)],
];

const REDUCE: [OpName, Gen, Elem, number][] = [
  ['sum', uniform(-2, 2), 'real', 0], ['mean', uniform(-2, 2), 'real', -7], ['max', uniform(-2, 2), 'real', -7],
  ['min', uniform(-2, 2), 'real', 7], ['prod', uniform(0.5, 1.5), 'real', 1], ['logsumexp', uniform(-3, 3), 'real', -7],
  ['any', bools(0.2), 'bool', 0], ['all', bools(0.8), 'bool', 1], ['max', ints(9), 'int', -1], ['min', ints(9), 'int', 99],
  ['sum', ints(9), 'int', 0],
];

describe.each(['cpu', 'wasm'] as const)('evaluators on %s', (backend) => {
  beforeAll(async () => {
    const fallbacks: string[] = [];
    expect(await initBackend(backend, { onFallback: (m) => fallbacks.push(m) })).toBe(backend);
    expect(await initBackend(backend)).toBe(backend); // idempotent
    expect(tf.getBackend()).toBe(backend);
    expect(fallbacks).toEqual([]);
  });

  it('agree on every unary op, with rest axes of rank 0, 1 and 2', () => {
    UNARY.forEach(([op, gen, elem = 'real'], k) => {
      const fn = opFn(op, [{ name: 'a', shape: [REST, 'D'], elem }]);
      const rest = [[], [2], [2, 3]][k % 3]!;
      const atol = op === 'log1p' || op === 'expm1' ? 0 : 1e-6;
      check(fn, randomInputs(fn, { D: 5 }, rest, 100 + k, { a: gen }), { atol, what: `${op}(${elem})` });
    });
  });

  it('agree on every binary op, aligned by name ([N, D] with [D, N]) and broadcast', () => {
    BINARY.forEach(([op, ga, gb, ea = 'real', eb = 'real'], k) => {
      const gens = { a: ga, b: gb };
      const permuted = opFn(op, [{ name: 'a', shape: ['N', 'D'], elem: ea }, { name: 'b', shape: ['D', 'N'], elem: eb }]);
      check(permuted, randomInputs(permuted, { N: 3, D: 4 }, [], 200 + k, gens), { what: `${op} permuted` });
      const bcast = opFn(op, [{ name: 'a', shape: [REST, 'D', 'N'], elem: ea }, { name: 'b', shape: ['N'], elem: eb }]);
      check(bcast, randomInputs(bcast, { N: 3, D: 2 }, [[], [2], [2, 2]][k % 3]!, 300 + k, gens), { what: `${op} broadcast` });
    });
  });

  it('agree on select with a comparison, and on the small fixtures', () => {
    const sel = buildIr({
      name: 'sel',
      inputs: [{ name: 'a', shape: ['N', 'D'] }, { name: 'b', shape: ['D'] }],
      body: (b, v) => b.op('select', [b.op('gt', [v.a!, v.b!]), v.b!, b.op('square', [v.a!])]),
    });
    check(sel, randomInputs(sel, { N: 3, D: 4 }, [], 1));
    check(mseFixture(), randomInputs(mseFixture(), { D: 3 }, [2, 2], 2));
    check(tripletFixture(), randomInputs(tripletFixture(), { N: 5, D: 3 }, [], 3), { hypers: { m: 0.5 } });
    check(maskedMaxFixture(), randomInputs(maskedMaxFixture(), { N: 6, D: 3 }, [], 4, { y: ints(4) }));
    check(crossEntropyFixture(), randomInputs(crossEntropyFixture(), { N: 4, C: 5 }, [], 5));
    check(softmaxFixture(), randomInputs(softmaxFixture(), { N: 3, C: 4 }, [], 6, { x: uniform(-50, 50) }));
    check(hingeSelectFixture(), randomInputs(hingeSelectFixture(), { N: 7 }, [], 7));
    check(maskedLogsumexpFixture(), randomInputs(maskedLogsumexpFixture(), { N: 5, K: 2 }, [], 8, { keep: bools(0.3) }));
  });

  it('agree on reductions: axis subsets with rest, masks (broadcast, partly and fully empty)', () => {
    REDUCE.forEach(([op, gen, elem, empty], k) => {
      for (const axes of [['K'], ['N', 'K'], [REST], [REST, 'N', 'K'], []]) {
        const plain = opFn(op, [{ name: 'a', shape: [REST, 'N', 'K'], elem }], { axes });
        check(plain, randomInputs(plain, { N: 3, K: 4 }, [2], 400 + k, { a: gen }), { what: `${op} over [${axes}]` });
        const masked = opFn(op, [{ name: 'a', shape: [REST, 'N', 'K'], elem }, { name: 'b', shape: ['K', 'N'], elem: 'bool' }], { axes, empty });
        check(masked, randomInputs(masked, { N: 3, K: 4 }, [2], 500 + k, { a: gen, b: bools(0.3) }), { what: `masked ${op} over [${axes}]` });
      }
      // The operand lacks K (broadcast along the mask); then a mask selecting nothing at all.
      const bx = opFn(op, [{ name: 'a', shape: ['N'], elem }, { name: 'b', shape: ['N', 'K'], elem: 'bool' }], { axes: ['K'], empty });
      check(bx, randomInputs(bx, { N: 4, K: 3 }, [], 600 + k, { a: gen, b: bools(0.3) }), { what: `broadcast masked ${op}` });
      const none = opFn(op, [{ name: 'a', shape: ['N', 'K'], elem }, { name: 'b', shape: ['N', 'K'], elem: 'bool' }], { axes: ['K'], empty });
      const ref = check(none, randomInputs(none, { N: 2, K: 3 }, [], 700 + k, { a: gen, b: () => 0 }), { what: `empty ${op}` });
      expect(Array.from(ref.data)).toEqual([empty, empty]);
    });
    // logsumexp is max-shifted: a row of -inf gives -inf (not NaN), huge values do not overflow.
    const lse = opFn('logsumexp', [{ name: 'a', shape: ['N', 'K'] }], { axes: ['K'] });
    const rows = { shape: [3, 2], data: Float64Array.of(-Infinity, -Infinity, -Infinity, 1, 1000, 999) };
    expect(Array.from(check(lse, { a: rows }, { what: 'lse of -inf' }).data.slice(0, 2))).toEqual([-Infinity, 1]);
  });

  it('agree on softmax/log_softmax along a non-last axis, gather, iota, rename, pick and size', () => {
    for (const op of ['softmax', 'log_softmax'] as const) {
      const fn = opFn(op, [{ name: 'a', shape: [REST, 'N', 'K'] }], { axis: 'N' });
      check(fn, randomInputs(fn, { N: 4, K: 3 }, [2], 800, { a: uniform(-20, 20) }), { what: op });
    }
    const gather = buildIr({
      name: 'g',
      inputs: [{ name: 'x', shape: ['C', 'D'] }, { name: 'i', shape: ['N'], elem: 'index', indexOf: 'C' }],
      body: (b, v) => b.op('gather', [v.x!, v.i!], { axis: 'C' }),
    });
    const gref = check(gather, randomInputs(gather, { C: 4, D: 3, N: 5 }, [], 801));
    expect(gref.shape).toEqual([3, 5]);
    const intGather = opFn('gather', [{ name: 'a', shape: ['N', 'C'], elem: 'int' }, { name: 'b', shape: ['N'], elem: 'int' }], { axis: 'C' });
    check(intGather, randomInputs(intGather, { N: 4, C: 3 }, [], 802, { a: ints(9), b: ints(3) }));
    const misc = buildIr({
      name: 'misc',
      inputs: [{ name: 'x', shape: ['N', 'D'] }],
      body: (b, v) => {
        const pairs = b.op('sub', [b.op('rename', [v.x!], { from: 'N', to: 'i' }), b.op('rename', [v.x!], { from: 'N', to: 'j' })]);
        const pos = b.op('to_real', [b.op('mul', [b.iota(ax('i', 'N')), b.size('D')])]);
        const last = b.op('pick', [v.x!], { axis: 'D', index: -1 });
        const picked = b.op('rename', [b.op('sub', [b.op('pick', [v.x!], { axis: 'D', index: 1 }), last])], { from: 'N', to: 'i' });
        return b.op('add', [b.op('add', [pairs, pos]), picked]);
      },
    });
    // Axes in order of first appearance: pairs has [i, D] then [j, D], so [i, D, j].
    expect(check(misc, randomInputs(misc, { N: 3, D: 4 }, [], 803)).shape).toEqual([3, 4, 3]);
  });

  it("implement reduction 'none'/'sum'/'mean' and weights like tf.losses", () => {
    const fn = mseFixture();
    const ins = randomInputs(fn, { D: 4 }, [3], 900);
    const w: RefTensor = { shape: [3], data: Float64Array.from([0.5, 2, 0]) };
    const wOne: RefTensor = { shape: [1, 4], data: Float64Array.of(1, 0, 2, 3) };
    const wFull: RefTensor = { shape: [3, 4], data: Float64Array.from({ length: 12 }, (_, i) => (i % 5) / 2) };
    const [x, y] = [tf.tensor(Array.from(ins.x!.data), [3, 4]), tf.tensor(Array.from(ins.y!.data), [3, 4])];
    const R = tf.Reduction;
    const cases: [TfjsEvalOptions['reduction'], RefTensor | undefined, () => tf.Tensor][] = [
      ['none', undefined, () => tf.losses.meanSquaredError(y, x, undefined, R.NONE)],
      ['sum', undefined, () => tf.losses.meanSquaredError(y, x, undefined, R.SUM)],
      ['mean', undefined, () => tf.losses.meanSquaredError(y, x, undefined, R.MEAN)],
      ['mean', w, () => tf.losses.meanSquaredError(y, x, tf.tensor(Array.from(w.data), [3, 1]), R.MEAN)],
      ['sum', w, () => tf.losses.computeWeightedLoss(tf.squaredDifference(x, y), tf.tensor(Array.from(w.data), [3, 1]), R.SUM)],
      ['none', w, () => tf.losses.computeWeightedLoss(tf.squaredDifference(x, y), tf.tensor(Array.from(w.data), [3, 1]), R.NONE)],
      ['mean', wOne, () => tf.losses.computeWeightedLoss(tf.squaredDifference(x, y), tf.tensor(Array.from(wOne.data), [1, 4]), R.MEAN)],
      ['mean', wFull, () => tf.losses.computeWeightedLoss(tf.squaredDifference(x, y), tf.tensor(Array.from(wFull.data), [3, 4]), R.MEAN)],
      // tf.losses' SUM_BY_NONZERO_WEIGHTS: over the nonzero weights after broadcasting (w has a 0: 8 of 12).
      ['sum_by_nonzero_weights', undefined, () => tf.losses.meanSquaredError(y, x, undefined, R.SUM_BY_NONZERO_WEIGHTS)],
      ['sum_by_nonzero_weights', w, () => tf.losses.computeWeightedLoss(tf.squaredDifference(x, y), tf.tensor(Array.from(w.data), [3, 1]), R.SUM_BY_NONZERO_WEIGHTS)],
      ['sum_by_nonzero_weights', wOne, () => tf.losses.computeWeightedLoss(tf.squaredDifference(x, y), tf.tensor(Array.from(wOne.data), [1, 4]), R.SUM_BY_NONZERO_WEIGHTS)],
      ['sum_by_nonzero_weights', wFull, () => tf.losses.computeWeightedLoss(tf.squaredDifference(x, y), tf.tensor(Array.from(wFull.data), [3, 4]), R.SUM_BY_NONZERO_WEIGHTS)],
      // Keras's sum_over_batch_size: Σ w·l over the 12 per-sample losses, whatever the weights.
      ['sum_over_batch_size', undefined, () => tf.div(tf.sum(tf.squaredDifference(x, y)), 12)],
      ['sum_over_batch_size', w, () => tf.div(tf.sum(tf.mul(tf.squaredDifference(x, y), tf.tensor(Array.from(w.data), [3, 1]))), 12)],
    ];
    for (const [reduction, weights, expected] of cases) {
      const want = tf.tidy(expected);
      const wantRef = { shape: want.shape, data: Float64Array.from(want.dataSync()) };
      const ref = evaluateReference(fn, ins, {}, { ...(reduction ? { reduction } : {}), ...(weights ? { weights } : {}) });
      expectClose(wantRef, { shape: ref.shape, data: ref.data }, 1e-5, 1e-6, `reference ${reduction}`);
      check(fn, ins, { ...(reduction ? { reduction } : {}), ...(weights ? { weights } : {}), what: `tfjs ${reduction}` });
      want.dispose();
    }
    x.dispose();
    y.dispose();
    const probs = softmaxFixture();
    const pin = randomInputs(probs, { N: 2, C: 3 }, [], 901);
    expect(() => evaluateReference(probs, pin, {}, { reduction: 'sum' })).toThrow(/probs: .*reduction/);
    const tin = toTf(probs, pin);
    expect(() => evaluateTfjs(probs, tin, {}, { reduction: 'sum' })).toThrow(/probs: .*reduction/);
    disposeAll(tin);
    expect(() => evaluateReference(fn, ins, {}, { weights: { shape: [4], data: new Float64Array(4) } })).toThrow(/mse: 'weights'/);
  });

  it('give tfjs gradients equal to central differences of the reference', () => {
    const cases: [IrFunction, Record<string, RefTensor>, string[]][] = [
      [tripletFixture(), randomInputs(tripletFixture(), { N: 4, D: 3 }, [], 10), ['a', 'p', 'n']],
      [crossEntropyFixture(), randomInputs(crossEntropyFixture(), { N: 3, C: 4 }, [], 11), ['logits']],
      [maskedMaxFixture(), randomInputs(maskedMaxFixture(), { N: 5, D: 2 }, [], 12, { y: ints(3) }), ['e']],
      [hingeSelectFixture(), randomInputs(hingeSelectFixture(), { N: 6 }, [], 13), ['x', 'y']],
      [mseFixture(), randomInputs(mseFixture(), { D: 2 }, [2, 1], 14), ['x', 'y']],
      [maskedLogsumexpFixture(), randomInputs(maskedLogsumexpFixture(), { N: 4, K: 3 }, [], 15, { keep: (r) => bools(0.5)(r) }), ['x']],
    ];
    for (const op of ['sum', 'mean', 'max', 'min', 'prod', 'logsumexp'] as const) {
      const fn = buildIr({
        name: `masked_${op}`,
        inputs: [{ name: 'x', shape: ['N', 'K'] }, { name: 'keep', shape: ['K', 'N'], elem: 'bool' }],
        body: (b, v) => b.op('sum', [b.op(op, [v.x!, v.keep!], { axes: ['K'], empty: -1 })], { axes: ['N'] }),
      });
      cases.push([fn, randomInputs(fn, { N: 4, K: 3 }, [], 16, { x: uniform(0.5, 2), keep: bools(0.6) }), ['x']]);
    }
    // Row 0 (N = 0) of every masked case selects nothing: its gradient must be exactly 0, not NaN.
    cases[5]![1].keep!.data.fill(0, 0, 3);
    for (const [, ins] of cases.slice(6)) [0, 4, 8].forEach((i) => (ins.keep!.data[i] = 0));
    for (const [fn, ins, wrt] of cases) {
      const tins = toTf(fn, ins);
      const before = tf.memory().numTensors;
      const { value, grads } = valueAndGradsTfjs(fn, tins, {}, wrt);
      expectClose(evaluateReference(fn, ins, {}), value, 1e-5, 1e-6, `${fn.name} value`);
      for (const name of wrt) {
        const g = grads[name]!.dataSync();
        const h = 1e-6;
        const fd = Float64Array.from(ins[name]!.data, (_, i) => {
          const at = (d: number): number => {
            const data = Float64Array.from(ins[name]!.data);
            data[i] = data[i]! + d;
            return evaluateReference(fn, { ...ins, [name]: { shape: ins[name]!.shape, data } }, {}).data[0]!;
          };
          return (at(h) - at(-h)) / (2 * h);
        });
        expect(Array.from(g).every(Number.isFinite), `${fn.name} d/d${name} finite`).toBe(true);
        expectClose({ shape: ins[name]!.shape, data: fd }, grads[name]!, 1e-3, 1e-4, `${fn.name} d/d${name}`);
      }
      if (fn.name.startsWith('masked_')) expect(Array.from(grads.x!.dataSync().slice(0, 3))).toEqual([0, 0, 0]);
      value.dispose();
      disposeAll(grads);
      expect(tf.memory().numTensors).toBe(before);
      disposeAll(tins);
    }
  });

  it('reject wrong ranks, inconsistent dims and bad values with messages naming loss and input', () => {
    const fn = tripletFixture();
    const good = randomInputs(fn, { N: 3, D: 4 }, [], 20);
    const bad: [Record<string, RefTensor>, RegExp, typeof ShapeError | typeof EvalError][] = [
      [{ ...good, p: { shape: [3], data: new Float64Array(3) } }, /triplet: input 'p' should have 2 dimensions/, ShapeError],
      [{ ...good, n: { shape: [3, 5], data: new Float64Array(15) } }, /triplet: dimension D of input 'n' is 5/, ShapeError],
    ];
    const ce = crossEntropyFixture();
    const ceIns = randomInputs(ce, { N: 2, C: 3 }, [], 21);
    bad.push([{ ...ceIns, target: { shape: [2], data: Float64Array.of(0, 3) } }, /cross_entropy: input 'target' .*3/, EvalError]);
    bad.push([{ ...ceIns, target: { shape: [2], data: Float64Array.of(0, 1.5) } }, /cross_entropy: input 'target' must hold whole numbers/, EvalError]);
    for (const [ins, message, kind] of bad) {
      const target = 'target' in ins ? ce : fn;
      expect(() => evaluateReference(target, ins, {})).toThrow(kind);
      expect(() => evaluateReference(target, ins, {})).toThrow(message);
      const before = tf.memory().numTensors;
      const tins: Record<string, tf.Tensor> = {};
      // Class indices as int32 when whole; a fraction only fits float32, which the tfjs
      // evaluator refuses for its dtype, as the generated function does.
      const whole = (t: RefTensor): boolean => t.data.every((v) => Number.isInteger(v));
      for (const [k, t] of Object.entries(ins)) tins[k] = tf.tensor(Array.from(t.data), t.shape, k === 'target' && whole(t) ? 'int32' : 'float32');
      const fraction = ins.target !== undefined && !whole(ins.target);
      expect(() => evaluateTfjs(target, tins, {})).toThrow(fraction ? "cross_entropy: input 'target' must be int32 class indices of C (in [0, C)), but has dtype float32" : message);
      disposeAll(tins);
      expect(tf.memory().numTensors).toBe(before);
    }
    const noDefault = buildIr({ name: 'scaled', inputs: [{ name: 'x', shape: ['N'] }], hypers: [{ name: 's' }], body: (b, v) => b.op('mul', [v.x!, v.s!]) });
    const x = randomInputs(noDefault, { N: 2 }, [], 22);
    expect(() => evaluateReference(noDefault, x, {})).toThrow(/scaled: hyperparameter 's' has no value/);
    expect(evaluateReference(noDefault, x, { s: 2 }).data[0]).toBe(2 * x.x!.data[0]!);
    const tx = toTf(noDefault, x);
    expect(() => evaluateTfjs(noDefault, tx, {})).toThrow(/scaled: hyperparameter 's'/);
    disposeAll(tx);
    const tce = toTf(ce, ceIns);
    expect(() => valueAndGradsTfjs(ce, tce, {}, ['target'])).toThrow(/cross_entropy: .*'target'/);
    disposeAll(tce);
  });
});

describe('a backend lossc does not start', () => {
  // A JavaScript caller outside the types: refused with the reason, never run on cpu instead.
  it("is refused by initBackend, evaluate and the sampled check, not run on cpu as 'webgl' was", async () => {
    await expect(initBackend('webgl' as never)).rejects.toThrow(`TensorFlow.js backend "webgl" is not one lossc starts: 'wasm' or 'cpu'`);
    const { evaluate, sampleCheck } = await import('../src/api.js');
    const r = await evaluate('loss f(x: [N]) = mean(x)', 'f.loss', { loss: 'f', inputs: { x: [1, 2] }, backend: 'webgl' as never });
    expect(r.loss).toBeUndefined();
    expect(r.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([
      `E7008 evaluation failed: backend "webgl" is not one lossc starts: 'wasm' or 'cpu' (a browser's webgl runs the generated module, or evaluateTfjs on a backend the page started)`,
    ]);
    const s = await sampleCheck('loss f(x: [N]) = mean(x)', 'f.loss', { backend: 'webgl' as never });
    expect(s.diagnostics.map((d) => d.code)).toEqual(['E7008']);
  });
});
