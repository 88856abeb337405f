// The shared harness of the stdlib suites: each loss against oracles that share no code with
// the compiler (test/oracle/, central finite differences of those oracles), through the
// float64 reference evaluator, the tfjs evaluator (wasm, float32) and its generated module.
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check } from '../../src/api.js';
import { compile } from './compile-cache.js';
import { evaluateReference, type RefTensor } from '../../src/reference/evaluate.js';
import { evaluateTfjs, valueAndGradsTfjs, type TfjsEvalOptions } from '../../src/eval/evaluate.js';
import { initBackend } from '../../src/eval/setup.js';
import { typecheckGenerated } from '../../src/emit/typecheck.js';
import { fsHost } from '../../src/cli/files.js';
import { checkSource } from '../../src/check/module.js';
import { formatDiagnostic } from '../../src/diagnostics/diagnostic.js';
import type { IrFunction } from '../../src/ir/types.js';
import { fdGrad, maxRelErr } from '../oracle/fd.js';
import { mulberry32, randomTensor, roundF32, type F64Tensor } from '../oracle/tensor.js';
import { covering } from './sampling.js';

export type Inputs = Record<string, F64Tensor>;
export type Hypers = Record<string, number>;
export type Reduction = 'mean' | 'sum' | 'none';
export type Oracle = (x: Inputs, h: Hypers, reduction?: Reduction, weights?: F64Tensor) => number | F64Tensor;

export interface LossCase {
  readonly file: string;
  readonly loss: string;
  /** The independent float64 implementation, with PyTorch's reduction and weights. */
  readonly oracle: Oracle;
  /** Seeded random inputs of one shape. */
  readonly inputs: (seed: number, shape: number[]) => Inputs;
  readonly shapes: number[][];
  /** Hyperparameter settings to try, besides the defaults. */
  readonly hypers: Hypers[];
  /** Inputs whose gradient is checked (default: every real input). */
  readonly wrt?: readonly string[];
  /** The loss takes `reduction` and `weights` and the oracle implements them (default true). */
  readonly reductions?: boolean;
}

/** What the suites measured, per loss, for the summary table (LOSS_REPORT=1 prints it). */
interface Measured {
  refChecks: number;
  f32Err: number;
  gradErr: number;
  extremes: string[];
}
const measured = new Map<string, Measured>();
function measure(loss: string): Measured {
  if (!measured.has(loss)) measured.set(loss, { refChecks: 0, f32Err: 0, gradErr: 0, extremes: [] });
  return measured.get(loss)!;
}
export const recordRef = (loss: string): void => void measure(loss).refChecks++;
export const recordExtreme = (loss: string, what: string): void => void measure(loss).extremes.push(what);
afterAll(() => {
  if (!process.env.LOSS_REPORT) return;
  for (const [loss, m] of measured) {
    console.log(`| ${loss} | ${m.refChecks} | ${m.f32Err.toExponential(1)} | ${m.gradErr.toExponential(1)} | ${m.extremes.join('; ')} |`);
  }
});

const loaded = new Map<string, IrFunction>();
/**
 * The loss as users run it (optimized: `lossc eval`, generated modules), or with `raw` as
 * written (checked, not optimized: `--no-opt`). Imports resolve from disk; the file must
 * check with no diagnostic at all, stability warnings included.
 */
export function lossFn(file: string, name: string, raw = false): IrFunction {
  const key = `${file}#${name}#${raw}`;
  if (!loaded.has(key)) {
    const text = readFileSync(file, 'utf8');
    const r = raw ? checkSource(text, file, fsHost) : check(text, file, { host: fsHost });
    expect(r.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
    for (const l of r.losses) loaded.set(`${file}#${l.name}#${raw}`, l);
  }
  const fn = loaded.get(key);
  if (!fn) throw new Error(`${file} has no loss '${name}'`);
  return fn;
}

const dtypeOf = (fn: IrFunction, name: string): 'float32' | 'int32' | 'bool' => {
  const elem = fn.inputs.find((i) => i.name === name)?.elem ?? 'real';
  return elem === 'real' ? 'float32' : elem === 'bool' ? 'bool' : 'int32';
};
export const toRef = (x: Inputs): Record<string, RefTensor> =>
  Object.fromEntries(Object.entries(x).map(([k, v]) => [k, { shape: [...v.shape], data: v.data }]));
/** tfjs tensors of the declared dtypes (int32 for class indices). */
export const toTf = (fn: IrFunction, x: Inputs): Record<string, tf.Tensor> =>
  Object.fromEntries(Object.entries(x).map(([k, v]) => [k, tf.tensor(Array.from(v.data), v.shape, dtypeOf(fn, k))]));
/** The inputs as float32 sees them, so the oracle and tfjs start from the same numbers. */
export const roundInputs = (x: Inputs): Inputs => Object.fromEntries(Object.entries(x).map(([k, v]) => [k, roundF32(v)]));
export const scalarOf = (v: number | F64Tensor): number => (typeof v === 'number' ? v : v.data[0]!);
export const dataOf = (v: number | F64Tensor): Float64Array => (typeof v === 'number' ? Float64Array.of(v) : v.data);
/** The real inputs to differentiate: the required ones, and the optional ones given in `x` (one left out is no input of the call). */
const realInputs = (fn: IrFunction, x?: Inputs): string[] => fn.inputs.filter((i) => i.elem === 'real' && (i.default === undefined || x === undefined || x[i.name] !== undefined)).map((i) => i.name);

/** The float64 reference evaluator's value of the loss as written (or optimized). */
export function refValue(file: string, loss: string, x: Inputs, hypers: Hypers = {}, raw = true): Float64Array {
  return evaluateReference(lossFn(file, loss, raw), toRef(x), hypers).data;
}

export interface Evaluated {
  value: Float64Array;
  grads: Record<string, Float64Array>;
}

/** Value and gradients with the tfjs evaluator; checks that no tensor leaks. */
export function tfjsValueAndGrads(fn: IrFunction, x: Inputs, hypers: Hypers = {}, wrt: readonly string[] = realInputs(fn, x), options: TfjsEvalOptions = {}): Evaluated {
  const before = tf.memory().numTensors;
  const inputs = toTf(fn, x);
  const { value, grads } = valueAndGradsTfjs(fn, inputs, hypers, wrt, options);
  const out: Evaluated = { value: Float64Array.from(value.dataSync()), grads: {} };
  for (const [k, g] of Object.entries(grads)) out.grads[k] = Float64Array.from(g.dataSync());
  tf.dispose([value, ...Object.values(grads), ...Object.values(inputs)]);
  expect(tf.memory().numTensors).toBe(before);
  return out;
}

type ModuleFn = (...args: unknown[]) => tf.Tensor;
export type GeneratedModule = Record<string, ModuleFn>;

/**
 * A generated function's arguments: the required inputs positionally, in declaration order,
 * and an options object with the optional inputs given, the hyperparameters and `extra`.
 */
export function moduleArgs(fn: IrFunction, tensors: Readonly<Record<string, tf.Tensor>>, hypers: Hypers, extra: Record<string, unknown> = {}): unknown[] {
  const positional = fn.order ?? fn.inputs.filter((i) => i.default === undefined).map((i) => i.name);
  const optional = Object.fromEntries(fn.inputs.filter((i) => i.default !== undefined && tensors[i.name]).map((i) => [i.name, tensors[i.name]!]));
  // A list input (`list[K] of ...`) is passed as its elements, split off the stacked tensor (on the tape).
  const arg = (n: string): unknown => (fn.inputs.some((i) => i.name === n && i.list) && tensors[n] ? tf.unstack(tensors[n]) : tensors[n]);
  return [...positional.map(arg), { ...optional, ...hypers, ...extra }];
}

/** Value and gradients through a generated module's function (tf.valueAndGrads around it). */
export function moduleValueAndGrads(mod: GeneratedModule, fn: IrFunction, x: Inputs, hypers: Hypers = {}, wrt: readonly string[] = realInputs(fn, x)): Evaluated {
  const inputs = toTf(fn, x);
  const f = (...ts: tf.Tensor[]): tf.Tensor => {
    const given = Object.fromEntries(fn.inputs.map((i) => [i.name, wrt.includes(i.name) ? ts[wrt.indexOf(i.name)]! : inputs[i.name]!]));
    return mod[fn.name]!(...moduleArgs(fn, given, hypers)) as tf.Scalar;
  };
  const { value, grads } = tf.valueAndGrads(f)(wrt.map((n) => inputs[n]!));
  const out: Evaluated = { value: Float64Array.from(value.dataSync()), grads: {} };
  wrt.forEach((n, i) => (out.grads[n] = Float64Array.from(grads[i]!.dataSync())));
  tf.dispose([value, ...grads, ...Object.values(inputs)]);
  return out;
}

export const allFinite = (e: Evaluated): boolean => [e.value, ...Object.values(e.grads)].every((a) => a.every(Number.isFinite));

/** Sets up the wasm backend once per suite. */
export function useWasm(): void {
  beforeAll(async () => {
    await initBackend('wasm');
  });
}

/**
 * The three oracle checks of every loss: float64, float32 with gradients, reductions. Every
 * shape at every setting under LOSSC_FULL=1; otherwise each shape and each setting at least
 * once (test/helpers/sampling.ts).
 */
export function describeLossCases(cases: readonly LossCase[]): void {
  describe.each(cases)('$loss', (c) => {
    const settings: Hypers[] = [{}, ...c.hypers];
    const grid = covering(c.shapes, settings).map(([shape, hypers, i]) => ({ shape, hypers, seed: 100 + i }));

    it.each(grid)('reference evaluator = oracle in float64, as written and optimized, shape $shape, $hypers', ({ shape, hypers, seed }) => {
      const x = c.inputs(seed, shape);
      const want = scalarOf(c.oracle(x, hypers));
      for (const raw of [true, false]) {
        const got = refValue(c.file, c.loss, x, hypers, raw)[0]!;
        expect(Math.abs(got - want), raw ? 'as written' : 'optimized').toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want)));
      }
      recordRef(c.loss);
    });

    it.each(grid)('tfjs (wasm) = oracle within float32, gradients = finite differences, shape $shape, $hypers', ({ shape, hypers, seed }) => {
      const fn = lossFn(c.file, c.loss);
      const x = roundInputs(c.inputs(seed, shape));
      const names = c.wrt ?? realInputs(fn, x);
      const got = tfjsValueAndGrads(fn, x, hypers, names);
      const f = (...ts: F64Tensor[]): number => scalarOf(c.oracle({ ...x, ...Object.fromEntries(names.map((n, i) => [n, ts[i]!])) }, hypers));
      const want = f(...names.map((n) => x[n]!));
      const err = Math.abs(got.value[0]! - want) / Math.max(1, Math.abs(want));
      expect(err).toBeLessThanOrEqual(2e-6);
      const m = measure(c.loss);
      m.f32Err = Math.max(m.f32Err, err);
      names.forEach((name, k) => {
        const fd = fdGrad(f, names.map((n) => x[n]!), k);
        const gErr = maxRelErr(got.grads[name]!, fd.data, 1e-3);
        expect(gErr, `d${c.loss}/d${name}`).toBeLessThan(2e-3);
        m.gradErr = Math.max(m.gradErr, gErr);
      });
    });

    if (c.reductions === false) return;
    it.each((['none', 'sum', 'mean'] as const).map((reduction) => ({ reduction })))(
      "reduction '$reduction' and per-sample weights as PyTorch/tf.losses",
      ({ reduction }) => {
        const [raw, fn] = [lossFn(c.file, c.loss, true), lossFn(c.file, c.loss)];
        const x = c.inputs(7, c.shapes[c.shapes.length - 1]!);
        const perSample = evaluateReference(raw, toRef(x), {}, { reduction: 'none' });
        const weights = randomTensor([perSample.shape[0]!], mulberry32(8), { lo: 0.1, hi: 2 });
        for (const w of [undefined, weights]) {
          const want = dataOf(c.oracle(x, {}, reduction, w));
          const ref = evaluateReference(raw, toRef(x), {}, { reduction, ...(w ? { weights: toRef({ w }).w } : {}) });
          expect(maxRelErr(ref.data, want, 1e-12)).toBeLessThan(1e-12);
          const out = evaluateTfjs(fn, toTf(fn, x), {}, { reduction, ...(w ? { weights: tf.tensor(Array.from(w.data), w.shape) } : {}) });
          expect(maxRelErr(Float64Array.from(out.dataSync()), want, 1e-6)).toBeLessThan(1e-5);
          out.dispose();
        }
      },
    );
  });
}

/**
 * Compiles `files` to TypeScript once (in beforeAll), writes the modules under
 * test/.tmp/<suite>/ and imports them, and registers the agreement tests of `cases`; with
 * `typecheck`, also type-checks all of them together (tsc takes seconds: one suite does it).
 */
export function describeGeneratedModules(suite: string, files: readonly string[], cases: readonly LossCase[], typecheck = false): (file: string) => GeneratedModule {
  const code = new Map<string, string>();
  const modules = new Map<string, GeneratedModule>();
  beforeAll(async () => {
    const dir = `test/.tmp/${suite}`;
    mkdirSync(dir, { recursive: true });
    for (const file of files) {
      const r = await compile(readFileSync(file, 'utf8'), file, { host: fsHost });
      expect(r.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
      code.set(file, r.code!);
      const path = resolve(dir, file.replace(/^.*\//, '').replace('.loss', '.ts'));
      writeFileSync(path, r.code!);
      modules.set(file, (await import(/* @vite-ignore */ path)) as GeneratedModule);
    }
  }, 120_000);

  describe('generated modules', () => {
    if (typecheck) {
      it('type-check under tsc --strict', async () => {
        const texts = Object.fromEntries([...code].map(([file, text]) => [file.replace('stdlib/', 'generated/').replace('.loss', '.ts'), text]));
        expect(await typecheckGenerated(texts)).toEqual([]);
      }, 120_000);
    }

    it.each(cases)('$loss: the module agrees with the evaluator of the loss as written, with options and reductions', (c) => {
      const fn = lossFn(c.file, c.loss, true);
      const mod = modules.get(c.file)!;
      const x = c.inputs(31, c.shapes[0]!);
      const hypers = c.hypers[0] ?? {};
      const inputs = toTf(fn, x);
      const reductions = c.reductions ?? true ? (['mean', 'sum', 'none'] as const) : [undefined];
      for (const reduction of reductions) {
        const before = tf.memory().numTensors;
        const got = mod[c.loss]!(...moduleArgs(fn, inputs, hypers, reduction ? { reduction } : {}));
        const want = evaluateTfjs(fn, inputs, hypers, reduction ? { reduction } : {});
        expect(got.shape).toEqual(want.shape);
        expect(maxRelErr(Float64Array.from(got.dataSync()), Float64Array.from(want.dataSync()), 1e-6)).toBeLessThan(1e-5);
        tf.dispose([got, want]);
        expect(tf.memory().numTensors).toBe(before);
      }
      tf.dispose(Object.values(inputs));
    });
  });

  return (file) => {
    const mod = modules.get(file);
    if (!mod) throw new Error(`no generated module for ${file}`);
    return mod;
  };
}

export interface ExtremeCase {
  readonly loss: string;
  /** What is extreme, for the test name and the summary table. */
  readonly what: string;
  readonly x: Inputs;
  readonly hypers?: Hypers;
  /** The expected value: the oracle's, or the documented one. */
  readonly want: number;
  /** Expected gradients where they are defined ('fd': finite differences of `oracle`). */
  readonly grads?: Record<string, ArrayLike<number>> | 'fd';
  readonly oracle?: (x: Inputs) => number;
  /** Relative finite-difference step (default 1e-6; smaller near a tiny eps like 1e-6). */
  readonly fdStep?: number;
  readonly wrt?: readonly string[];
}

/**
 * Extreme inputs through the tfjs evaluator and the generated module: value and every
 * gradient finite (never NaN), the value as expected, the gradients as expected where given.
 */
export function describeExtremes(file: string, cases: readonly ExtremeCase[], moduleOf: (file: string) => GeneratedModule): void {
  describe.each(cases)('$loss, $what', (c) => {
    const fn = (): IrFunction => lossFn(file, c.loss);
    const expected = (): Record<string, ArrayLike<number>> | undefined => {
      if (c.grads !== 'fd') return c.grads;
      const names = c.wrt ?? realInputs(fn(), c.x);
      const f = (...ts: F64Tensor[]): number => c.oracle!({ ...c.x, ...Object.fromEntries(names.map((n, i) => [n, ts[i]!])) });
      return Object.fromEntries(names.map((n, k) => [n, fdGrad(f, names.map((m) => c.x[m]!), k, { h: c.fdStep ?? 1e-6 }).data]));
    };
    const check = (got: Evaluated): void => {
      expect(allFinite(got), `finite: ${JSON.stringify({ value: [...got.value], grads: Object.fromEntries(Object.entries(got.grads).map(([k, g]) => [k, [...g]])) })}`).toBe(true);
      expect(Math.abs(got.value[0]! - c.want)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(c.want)));
      for (const [name, g] of Object.entries(expected() ?? {})) expect(maxRelErr(got.grads[name]!, g, 1e-3), `d/d${name}`).toBeLessThan(1e-3);
    };
    it('tfjs evaluator: loss and gradients finite and as expected', () => {
      check(tfjsValueAndGrads(fn(), c.x, c.hypers ?? {}, c.wrt));
      recordExtreme(c.loss, c.what);
    });
    it('generated module: the same', () => {
      check(moduleValueAndGrads(moduleOf(file), fn(), c.x, c.hypers ?? {}, c.wrt));
    });
  });
}

/**
 * The generated functions take booleans (not 0/1) and strings (not the list positions the
 * evaluators take for them): `numericSettings` gives the harness's module check the settings
 * without such options, `describeOptionModules` checks each setting with them against its
 * oracle in the generated module, `asOptions` turns a setting into the module's options.
 */
export function optionForms(boolNames: readonly string[], strings: Readonly<Record<string, readonly string[]>>) {
  const named = new Set([...boolNames, ...Object.keys(strings)]);
  const asOptions = (h: Hypers): Record<string, number | boolean | string> =>
    Object.fromEntries(Object.entries(h).map(([k, v]) => [k, strings[k] ? strings[k]![v]! : boolNames.includes(k) ? v !== 0 : v]));
  const numericSettings = (cases: readonly LossCase[]): LossCase[] => cases.map((c) => ({ ...c, hypers: c.hypers.filter((h) => Object.keys(h).every((k) => !named.has(k))) }));
  const describeOptionModules = (cases: readonly LossCase[], moduleOf: (file: string) => GeneratedModule): void => {
    describe('generated modules with boolean and string options', () => {
      const settings = cases.flatMap((c) => c.hypers.filter((h) => Object.keys(h).some((k) => named.has(k))).map((h) => ({ c, h, title: `${c.loss} ${JSON.stringify(h)}` })));
      it.each(settings)('$title: module = oracle', ({ c, h }) => {
        const fn = lossFn(c.file, c.loss);
        const x = roundInputs(c.inputs(51, c.shapes[0]!));
        const inputs = toTf(fn, x);
        const before = tf.memory().numTensors;
        const got = moduleOf(c.file)[c.loss]!(...moduleArgs(fn, inputs, asOptions(h) as unknown as Hypers));
        expect(maxRelErr(Float64Array.from(got.dataSync()), Float64Array.of(c.oracle(x, h) as number), 1e-6)).toBeLessThan(2e-6);
        got.dispose();
        expect(tf.memory().numTensors).toBe(before);
        tf.dispose(Object.values(inputs));
      });
    });
  };
  return { asOptions, numericSettings, describeOptionModules };
}
