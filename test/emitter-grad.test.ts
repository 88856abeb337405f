// Generated modules differentiate with the compiler's own backward pass: each loss wraps its
// computation in a tf.customGrad whose gradFunc is the derived gradient (src/grad). Stdlib
// losses compiled by the real compiler, on wasm: the modules type-check; their gradients
// (tf.valueAndGrads) equal the float64 derived gradient of the reference evaluator, with every
// reduction and with weights; they agree with the same module compiled with `autodiff: true`
// (no customGrad) where that is finite, and stay finite where it is not; training loops leak
// nothing; a learnable parameter still trains.
import { REDUCTION_NAMES, type ReductionMode } from '../src/ir/reduction.js';
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { check } from '../src/api.js';
import { compile } from './helpers/compile-cache.js';
import { evaluateReference, gradientsReference, type RefOptions } from '../src/reference/evaluate.js';
import { typecheckGenerated } from '../src/emit/typecheck.js';
import { fsHost } from '../src/cli/files.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';
import { differentiate } from '../src/grad/index.js';
import type { IrFunction } from '../src/ir/types.js';
import { lossFn, toRef, useWasm, type Hypers, type Inputs } from './helpers/loss-harness.js';
import { mulberry32, randomInts, randomTensor, roundF32, type F64Tensor, type Rng } from './oracle/tensor.js';
import { analyzeTiling } from '../src/ir/tile.js';
import { full } from './helpers/sampling.js';

useWasm();

const FILES = ['regression', 'classification', 'metric', 'detection', 'generative', 'multitask', 'segmentation'];
const path = (f: string): string => `stdlib/${f}.loss`;

type LossFunction = (...args: unknown[]) => tf.Tensor;
type Module = Record<string, LossFunction>;

/** The generated text, and the imported module, of each file: derived gradients and autodiff. */
const code: Record<'derived' | 'autodiff', Record<string, string>> = { derived: {}, autodiff: {} };
const mods: Record<'derived' | 'autodiff', Record<string, Module>> = { derived: {}, autodiff: {} };

beforeAll(async () => {
  const dir = resolve('test/.tmp/emitter-grad');
  mkdirSync(dir, { recursive: true });
  for (const f of FILES) {
    const text = readFileSync(path(f), 'utf8');
    for (const kind of ['derived', 'autodiff'] as const) {
      const r = await compile(text, path(f), { host: fsHost, ...(kind === 'autodiff' ? { autodiff: true } : {}) });
      expect(r.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
      code[kind][f] = r.code!;
      const file = resolve(dir, `${f}-${kind}.ts`);
      writeFileSync(file, r.code!);
      mods[kind][f] = (await import(/* @vite-ignore */ file)) as Module;
    }
  }
}, 120_000);

// ---------------------------------------------------------------------------------------------
// The losses and their inputs

interface Case {
  readonly file: string;
  readonly loss: string;
  readonly inputs: (rng: Rng) => Inputs;
  readonly hypers?: Hypers;
}

const uniform = (shape: number[], rng: Rng, lo = -2, hi = 2): F64Tensor => randomTensor(shape, rng, { lo, hi });
/** Boxes [N, 4] as corners x1 < x2, y1 < y2. */
function boxes(n: number, rng: Rng): F64Tensor {
  const data = new Float64Array(n * 4);
  for (let i = 0; i < n; i++) {
    const [x, y] = [rng.uniform(0, 2), rng.uniform(0, 2)];
    data.set([x, y, x + rng.uniform(0.5, 2), y + rng.uniform(0.5, 2)], i * 4);
  }
  return { shape: [n, 4], data };
}

const CASES: readonly Case[] = [
  { file: 'regression', loss: 'mse', inputs: (r) => ({ pred: uniform([2, 3, 4], r), target: uniform([2, 3, 4], r) }) },
  { file: 'regression', loss: 'huber', inputs: (r) => ({ pred: uniform([3, 5], r, -3, 3), target: uniform([3, 5], r, -3, 3) }), hypers: { delta: 1.5 } },
  {
    file: 'classification',
    loss: 'bce_with_logits',
    inputs: (r) => ({ x: uniform([4, 3], r, -4, 4), y: uniform([4, 3], r, 0, 1) }),
    hypers: { pos_weight: 2 },
  },
  {
    file: 'classification',
    loss: 'cross_entropy',
    inputs: (r) => ({ x: uniform([2, 3, 5], r, -3, 3), t: randomInts([2, 3], r, 5) }),
    hypers: { label_smoothing: 0.1 },
  },
  { file: 'classification', loss: 'focal', inputs: (r) => ({ x: uniform([6, 4], r, -3, 3), t: randomInts([6], r, 4) }), hypers: { gamma: 1.5 } },
  { file: 'classification', loss: 'hinge', inputs: (r) => ({ x: uniform([8], r, -2, 2), labels: randomInts([8], r, 2) }) },
  { file: 'metric', loss: 'triplet', inputs: (r) => ({ a: uniform([5, 3], r), p: uniform([5, 3], r), n: uniform([5, 3], r) }), hypers: { margin: 2 } },
  {
    file: 'metric',
    loss: 'batch_hard_triplet',
    inputs: (r) => ({ e: uniform([6, 3], r), label: { shape: [6], data: Float64Array.of(0, 1, 0, 1, 1, 2) } }),
    hypers: { margin: 0.5 },
  },
  { file: 'metric', loss: 'info_nce', inputs: (r) => ({ zi: uniform([4, 3], r), zj: uniform([4, 3], r) }), hypers: { temperature: 0.5 } },
  { file: 'segmentation', loss: 'dice', inputs: (r) => ({ p: uniform([2, 3, 4], r, 0, 1), t: uniform([2, 3, 4], r, 0, 1) }) },
  { file: 'detection', loss: 'giou_loss', inputs: (r) => ({ p: boxes(5, r), t: boxes(5, r) }) },
  {
    file: 'generative',
    loss: 'vae',
    inputs: (r) => ({ recon: uniform([3, 4], r, 0.05, 0.95), x: uniform([3, 4], r, 0, 1), mu: uniform([2, 3], r), logvar: uniform([2, 3], r, -1, 1) }),
    hypers: { beta: 0.5 },
  },
  // A learnable parameter, given as an option (an optional input).
  { file: 'multitask', loss: 'uncertainty_weighting', inputs: (r) => ({ task_losses: uniform([3], r, 0.1, 3), log_vars: uniform([3], r, -1, 1) }) },
  // Left out: it is filled with its default, still an argument of the customGrad.
  { file: 'multitask', loss: 'gradnorm', inputs: (r) => ({ task_losses: uniform([3], r, 0.5, 2), initial_losses: uniform([3], r, 0.5, 2), grad_norms: uniform([3], r, 0.5, 4) }) },
  {
    file: 'multitask',
    loss: 'curriculum',
    inputs: (r) => ({ losses: uniform([6], r, 0.1, 3), difficulty: uniform([6], r, 0, 1) }),
    hypers: { epoch: 4, total_epochs: 10 },
  },
];

const fnOf = (c: Case): IrFunction => lossFn(path(c.file), c.loss);
const derivedOf = (c: Case): IrFunction => differentiate(fnOf(c)).fn!;
const realNames = (fn: IrFunction, x: Inputs): string[] => fn.inputs.filter((i) => i.elem === 'real' && x[i.name]).map((i) => i.name);

function toTensors(fn: IrFunction, x: Inputs): Record<string, tf.Tensor> {
  const dtype = (name: string): 'float32' | 'int32' => (fn.inputs.find((i) => i.name === name)!.elem === 'real' ? 'float32' : 'int32');
  return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, tf.tensor(Array.from(v.data), v.shape, dtype(k))]));
}

interface CallOptions {
  readonly reduction?: ReductionMode;
  readonly weights?: tf.Tensor;
}

/** Calls a generated loss: required inputs in order, optional ones and hyperparameters in options. */
function call(mod: Module, fn: IrFunction, tensors: Record<string, tf.Tensor>, hypers: Hypers, options: CallOptions = {}): tf.Tensor {
  const positional = fn.inputs.filter((i) => i.default === undefined).map((i) => tensors[i.name]!);
  const optional = Object.fromEntries(fn.inputs.filter((i) => i.default !== undefined && tensors[i.name]).map((i) => [i.name, tensors[i.name]!]));
  return mod[fn.name]!(...positional, { ...hypers, ...optional, ...options, checkValues: false });
}

interface Grads {
  readonly value: Float64Array;
  readonly grads: Record<string, Float64Array>;
}

/**
 * Value and gradients of a generated loss by tf.valueAndGrads (a non-scalar result is summed,
 * as tf.grad does); checks that nothing but the results is left. With `allowUnconnected` (for
 * autodiff modules), an input off the tape gets zeros instead of an error.
 */
function moduleGrads(mod: Module, c: Case, x: Inputs, options: CallOptions = {}, allowUnconnected = false): Grads {
  const fn = fnOf(c);
  const before = tf.memory().numTensors;
  const tensors = toTensors(fn, x);
  const names = realNames(fn, x);
  const f = (...ts: tf.Tensor[]): tf.Tensor => call(mod, fn, { ...tensors, ...Object.fromEntries(names.map((n, k) => [n, ts[k]!])) }, c.hypers ?? {}, options);
  const xs = names.map((n) => tensors[n]!);
  const { value, grads } = allowUnconnected ? tf.engine().gradients(() => f(...xs), xs, undefined, true) : tf.valueAndGrads(f)(xs);
  const out: Grads = {
    value: Float64Array.from(value.dataSync()),
    grads: Object.fromEntries(names.map((n, k) => [n, grads[k] ? Float64Array.from(grads[k]!.dataSync()) : new Float64Array(xs[k]!.size)])),
  };
  tf.dispose([value, ...grads.filter((g) => g), ...Object.values(tensors)]);
  expect(tf.memory().numTensors, 'tensors left behind').toBe(before);
  return out;
}

/** The float64 derived gradient (reference evaluator) of the same call. */
function referenceGrads(c: Case, x: Inputs, options: { reduction?: RefOptions['reduction']; weights?: F64Tensor } = {}): Grads {
  const r = gradientsReference(derivedOf(c), toRef(x), c.hypers ?? {}, {
    ...(options.reduction ? { reduction: options.reduction } : {}),
    ...(options.weights ? { weights: { shape: [...options.weights.shape], data: options.weights.data } } : {}),
  });
  return { value: r.value.data, grads: Object.fromEntries(Object.entries(r.grads).map(([k, g]) => [k, g.data])) };
}

/** Largest difference relative to the largest magnitude of `want` (float32 rounding, not per element). */
function scaledErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let scale = 1e-6;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]!));
  let err = 0;
  for (let i = 0; i < want.length; i++) err = Math.max(err, Number.isNaN(got[i]!) ? Infinity : Math.abs(got[i]! - want[i]!) / scale);
  return err;
}

function expectGrads(got: Grads, want: Grads, what: string, tol = 2e-5): void {
  expect(scaledErr(got.value, want.value), `${what}: value`).toBeLessThan(tol);
  // The inputs passed (a left-out optional input is filled inside the loss: no gradient out).
  for (const [name, g] of Object.entries(got.grads)) {
    expect(want.grads[name], `${what}: no gradient for ${name}`).toBeDefined();
    expect(scaledErr(g, want.grads[name]!), `${what}: d/d${name} = ${Array.from(g)} vs ${Array.from(want.grads[name]!)}`).toBeLessThan(tol);
  }
}

const inputsOf = (c: Case, seed: number): Inputs => {
  const x = c.inputs(mulberry32(seed));
  return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, roundF32(v)]));
};

/** The source text of one generated function's implementation (after its overloads). */
function functionText(text: string, name: string): string {
  const start = text.lastIndexOf(`\nexport function ${name}(`);
  expect(start, `no function ${name}`).toBeGreaterThanOrEqual(0);
  return text.slice(start, text.indexOf('\n}\n', start) + 2);
}

// ---------------------------------------------------------------------------------------------

describe('generated code', () => {
  // The one type-check of every stdlib module as users compile it (test/stdlib.test.ts relies on it).
  it('type-checks under strict options, every stdlib module', async () => {
    expect([...FILES].sort()).toEqual(readdirSync('stdlib').filter((f) => f.endsWith('.loss')).map((f) => f.replace(/\.loss$/, '')).sort());
    const files = Object.fromEntries(FILES.map((f) => [`generated/${f}.ts`, code.derived[f]!]));
    expect(await typecheckGenerated(files)).toEqual([]);
  }, 120_000);

  it('wraps each loss in tf.customGrad; with autodiff, or function parameters, none is (but the row-block loop of a loss that tiles)', () => {
    let wrapped = 0;
    for (const f of FILES) {
      // The losses only: their stability warnings are the stdlib suites' business.
      for (const fn of check(readFileSync(path(f), 'utf8'), path(f), { host: fsHost, stability: false }).losses) {
        const derived = functionText(code.derived[f]!, fn.name);
        const autodiff = functionText(code.autodiff[f]!, fn.name);
        const layered = (fn.functions ?? []).length > 0;
        // A ragged list's loss runs per element under tfjs's autodiff (no derived backward pass).
        const ragged = fn.inputs.some((i) => i.ragged);
        expect(derived.includes('tf.customGrad('), `${fn.name}`).toBe(!layered && !ragged);
        // With autodiff, the one customGrad is a tiled loss's loop over row blocks (its backward
        // is tfjs's autodiff of each block).
        expect(autodiff.includes('tf.customGrad('), `${fn.name} (autodiff)`).toBe('plan' in analyzeTiling(fn));
        if (layered || ragged) expect(derived).toBe(autodiff);
        else wrapped++;
      }
    }
    expect(wrapped).toBeGreaterThan(30);
  });
});

describe.each(CASES)('$loss: gradients of the generated module = float64 derived gradients', (c) => {
  it('without options, with each reduction, and with weights', () => {
    const fn = fnOf(c);
    const x = inputsOf(c, 1);
    expectGrads(moduleGrads(mods.derived[c.file]!, c, x), referenceGrads(c, x), 'no options');
    if (!fn.reduction) return;
    const perSample = evaluateReference(fn, toRef(x), c.hypers ?? {}, { reduction: 'none' }).shape;
    const rng = mulberry32(2);
    // Weights of the per-sample shape, and of its leading dim only (broadcast over the rest).
    const weightings = [randomTensor(perSample, rng, { lo: 0.1, hi: 2 }), ...(perSample.length > 1 ? [randomTensor(perSample.slice(0, 1), rng, { lo: 0.1, hi: 2 })] : [])];
    for (const reduction of REDUCTION_NAMES) {
      expectGrads(moduleGrads(mods.derived[c.file]!, c, x, { reduction }), referenceGrads(c, x, { reduction }), reduction);
      for (const w of weightings.map(roundF32)) {
        const weights = tf.tensor(Array.from(w.data), w.shape);
        expectGrads(moduleGrads(mods.derived[c.file]!, c, x, { reduction, weights }), referenceGrads(c, x, { reduction, weights: w }), `${reduction}, weights [${w.shape}]`);
        weights.dispose();
      }
    }
  });

  it('agree with the autodiff module (tfjs gradients through every op)', () => {
    const x = inputsOf(c, 3);
    const derived = moduleGrads(mods.derived[c.file]!, c, x);
    const autodiff = moduleGrads(mods.autodiff[c.file]!, c, x, {}, true);
    expectGrads(derived, autodiff, 'derived vs autodiff', 1e-4);
  });
});

// ---------------------------------------------------------------------------------------------
// Where tfjs's own gradients fail

/** Calls `f` on fresh inputs, disposing them whatever happens. */
function withTensors<T>(fn: IrFunction, x: Inputs, f: (tensors: Record<string, tf.Tensor>) => T): T {
  const tensors = toTensors(fn, x);
  try {
    return f(tensors);
  } finally {
    tf.dispose(Object.values(tensors));
  }
}

describe('generated gradients need no tfjs gradient', () => {
  it('with every gradient tfjs registers removed, a plain call still differentiates; the autodiff module cannot', () => {
    const names = (Object.values(tf) as unknown[]).filter((v): v is string => typeof v === 'string' && tf.getGradient(v) !== undefined);
    expect(names).toEqual(expect.arrayContaining(['Sub', 'Square', 'Mean', 'Maximum', 'Select', 'Sqrt', 'Exp', 'Log']));
    const configs = names.map((n) => tf.getGradient(n)!);
    try {
      for (const n of names) tf.unregisterGradient(n);
      for (const c of CASES) {
        const x = inputsOf(c, 5);
        expectGrads(moduleGrads(mods.derived[c.file]!, c, x), referenceGrads(c, x), c.loss);
        const fn = fnOf(c);
        const names = realNames(fn, x);
        withTensors(fn, x, (tensors) => {
          const f = (...ts: tf.Tensor[]): tf.Tensor => call(mods.autodiff[c.file]!, fn, { ...tensors, ...Object.fromEntries(names.map((n, k) => [n, ts[k]!])) }, c.hypers ?? {});
          expect(() => tf.valueAndGrads(f)(names.map((n) => tensors[n]!)), c.loss).toThrow(/gradient function not found/);
        });
      }
    } finally {
      for (const config of configs) tf.registerGradient(config);
    }
  });

  it("is finite where tfjs's is NaN: d(a / b)/db at a = 0 and a tiny b (b² underflows)", async () => {
    const source = [
      '/// Mean absolute percentage error.',
      'loss mape(pred: [N], target: [N] in (0, inf)) = mean(abs(pred - target) / target)',
    ].join('\n');
    const dir = resolve('test/.tmp/emitter-grad');
    const imported: Partial<Record<'derived' | 'autodiff', Module>> = {};
    for (const kind of ['derived', 'autodiff'] as const) {
      const r = await compile(source, 'mape.loss', kind === 'autodiff' ? { autodiff: true } : {});
      expect(r.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
      writeFileSync(resolve(dir, `mape-${kind}.ts`), r.code!);
      imported[kind] = (await import(/* @vite-ignore */ resolve(dir, `mape-${kind}.ts`))) as Module;
    }
    const pred = tf.tensor1d([1e-25, 2, 3.5]);
    const target = tf.tensor1d([1e-25, 4, 3]);
    const gradsOf = (mod: Module): number[][] =>
      tf.tidy(() => tf.grads((p: tf.Tensor, t: tf.Tensor) => mod.mape!(p, t))([pred, target]).map((g) => Array.from(g.dataSync())));
    const autodiff = gradsOf(imported.autodiff!);
    expect(Number.isNaN(autodiff[1]![0])).toBe(true);
    const [dPred, dTarget] = gradsOf(imported.derived!);
    // |e|/t: d/dpred = sign(e)/(3t), d/dtarget = (-sign(e) - |e|/t)/(3t); sign(0) = 0.
    expect(Math.abs(dPred![0]!)).toBe(0);
    expect(Math.abs(dTarget![0]!)).toBe(0);
    [[-1 / 12, (1 - 0.5) / 12], [1 / 9, (-1 - 0.5 / 3) / 9]].forEach(([dp, dt], k) => {
      expect(dPred![k + 1]).toBeCloseTo(dp!, 6);
      expect(dTarget![k + 1]).toBeCloseTo(dt!, 6);
    });
    tf.dispose([pred, target]);
  });
});

// ---------------------------------------------------------------------------------------------
// Memory and training

describe('training', () => {
  // A step that leaks leaks every time; the long run (LOSSC_FULL=1) is for leaks that pile up.
  const STEPS = full(10_000, 1_000);
  it(`${STEPS} optimizer steps through a generated loss leave the tensor count unchanged`, () => {
    const { mse } = mods.derived.regression!;
    const x = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
    const y = tf.tensor2d([[2, 4], [6, 8], [10, 12]]);
    const w = tf.variable(tf.scalar(0.5));
    const optimizer = tf.train.sgd(0.005);
    const step = (): void => void optimizer.minimize(() => mse!(tf.mul(x, w), y, { checkValues: false }) as tf.Scalar, false, [w]);
    step();
    const before = tf.memory().numTensors;
    for (let k = 0; k < STEPS; k++) step();
    expect(tf.memory().numTensors).toBe(before);
    expect(w.dataSync()[0]).toBeCloseTo(2, 4);
    tf.dispose([x, y, w]);
    optimizer.dispose();
  });

  it('value-and-gradient calls leak nothing, with options, checks and the finite check', () => {
    const c = CASES.find((k) => k.loss === 'batch_hard_triplet')!;
    const fn = fnOf(c);
    const x = inputsOf(c, 7);
    const tensors = toTensors(fn, x);
    // batch_hard_triplet has no reduction option (its mean is over anchors with a positive).
    const variants = [{}, { margin: 2 }, { checkFinite: true }, { checkValues: true }];
    const { batch_hard_triplet: bht } = mods.derived.metric!;
    const f = (options: object) => (e: tf.Tensor) => bht!(e, tensors.label, { margin: 0.5, checkValues: false, ...options });
    const before = tf.memory().numTensors;
    for (let k = 0; k < 300; k++) {
      for (const options of variants) {
        const { value, grads } = tf.valueAndGrads(f(options))([tensors.e!]);
        tf.dispose([value, ...grads]);
      }
    }
    // Forward calls off the tape too (save does nothing there).
    for (const options of variants) tf.dispose(bht!(tensors.e, tensors.label, options));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(tensors));
  });

  it('tf.train.adam trains a learnable parameter passed in the options', () => {
    const { uncertainty_weighting: uw, uncertainty_weighting_parameters: params } = mods.derived.multitask!;
    const taskLosses = tf.tensor1d([2.5, 0.8, 1.2]);
    const { log_vars } = params!({ T: 3 }) as unknown as { log_vars: tf.Variable };
    const optimizer = tf.train.adam(0.1);
    const step = (): void => void optimizer.minimize(() => uw!(taskLosses, { log_vars }) as tf.Scalar, false, [log_vars]);
    step();
    const before = tf.memory().numTensors;
    for (let k = 0; k < 400; k++) step();
    expect(tf.memory().numTensors).toBe(before);
    // d/ds (exp(-s) L + s) = 0 at s = log L.
    const learned = Array.from(log_vars.dataSync());
    [2.5, 0.8, 1.2].forEach((l, i) => expect(learned[i]).toBeCloseTo(Math.log(l), 2));
    tf.dispose([taskLosses, log_vars]);
    optimizer.dispose();
  });
});
