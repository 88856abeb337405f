// The standard library against real PyTorch: for every stdlib loss that claims a torch
// function's semantics (torch.nn.functional, or the tutorial's PyTorch code where the loss
// follows it), the generated tfjs module (wasm, float32) gives torch's value and autograd
// gradients (float64 and float32 in torch) on seeded random inputs, under every reduction,
// with per-sample weights, class weights, ignore_index and label smoothing where the loss has
// them, and at the extreme inputs of the gradient suite. torch runs in one Python process
// (test/torch/functional.py). Where torch's semantics and the stdlib's differ on purpose, the
// difference itself is asserted (SEMANTIC_DIFFERENCES), never hidden in a tolerance.
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from './helpers/compile-cache.js';
import { fsHost } from '../src/cli/files.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';
import { initBackend } from '../src/eval/setup.js';
import { evaluateReference } from '../src/reference/evaluate.js';
import type { IrFunction } from '../src/ir/types.js';
import { EXTREME_INPUTS, STDLIB_GRAD_CASES, type Hypers, type Inputs } from './helpers/grad-stdlib-cases.js';
import { lossFn, roundInputs, toRef, toTf } from './helpers/loss-harness.js';
import { TORCH_OF, TorchDriver, torchMissing, unwire, wire, type LossAnswer, type TorchLossCase, type WireTensor } from './helpers/torch.js';
import { softmaxLastAxis } from './oracle/math.js';
import { maxRelErr } from './oracle/fd.js';
import { fromNested, mulberry32, randomInts, randomTensor, roundF32, type F64Tensor } from './oracle/tensor.js';

const FILES = [...new Set(Object.values(TORCH_OF).map((t) => t.file))];
const fileOf = (loss: string): string => `stdlib/${TORCH_OF[loss]!.file}.loss`;

/** float32 module against float64 torch: relative to max(1, |torch|) for values; gradients see the test. */
const VALUE_TOL = 2e-5;
const GRAD_TOL = 2e-4;

type Reduction = 'mean' | 'sum' | 'none';
interface TorchCase extends TorchLossCase<Reduction> {
  /** torch's own options: `weights` passed as its `weight`, class weights, ignore_index. */
  readonly torch?: { readonly weights?: F64Tensor; readonly sample_weights?: F64Tensor; readonly class_weight?: F64Tensor; readonly ignore_index?: number };
  /** What this case compares, when it is not plain equality. */
  readonly difference?: SemanticDifference;
  /** The driver's function, when it is not the loss's own (LOSSES of functional.py). */
  readonly torchLoss?: string;
}

/** A documented difference: what the module's value is, in terms of torch's (gradients are not compared). */
interface SemanticDifference {
  readonly what: string;
  /** The module's value from torch's float64 value and the case. */
  readonly expected: (torch: F64Tensor, c: TorchCase) => F64Tensor;
}

type Answer = LossAnswer;

// ---------------------------------------------------------------------------------------
// The cases

const hasReduction = (loss: string): boolean => lossFn(fileOf(loss), loss).reduction !== undefined;
const perSampleShape = (loss: string, x: Inputs, hypers: Hypers): number[] => [...evaluateReference(lossFn(fileOf(loss), loss, true), toRef(x), hypers, { reduction: 'none' }).shape];
const settings = (loss: string): Hypers[] => [{}, ...(STDLIB_GRAD_CASES[loss]?.hypers ?? [])];

/** The mean of torch's BCELoss(weight) divides by the element count; the stdlib's (tf.losses') by Σ weights. */
const meanOverWeights: SemanticDifference = {
  what: "reduction 'mean' with weights: torch divides Σ w·l by the element count, the stdlib (as tf.losses' Reduction.MEAN) by Σ w",
  expected: (t, c) => {
    const w = c.weights!;
    const sum = w.data.reduce((a, b) => a + b, 0);
    return { shape: [], data: Float64Array.of((t.data[0]! * w.data.length) / sum) };
  },
};

function randomCases(): TorchCase[] {
  const cases: TorchCase[] = [];
  for (const loss of Object.keys(TORCH_OF)) {
    const source = STDLIB_GRAD_CASES[loss]!;
    for (const seed of [11, 12, 13]) {
      for (const hypers of settings(loss)) {
        const x = roundInputs(source.inputs(seed));
        const label = `seed ${seed}${Object.keys(hypers).length > 0 ? `, ${JSON.stringify(hypers)}` : ''}`;
        if (!hasReduction(loss)) {
          cases.push({ name: label, loss, x, hypers });
          continue;
        }
        for (const reduction of ['mean', 'sum', 'none'] as const) cases.push({ name: `${label}, ${reduction}`, loss, x, hypers, reduction });
      }
    }
    if (!hasReduction(loss)) continue;
    // Per-sample weights: torch's own `weight` where its function has one, else the weights
    // multiplied into torch's unreduced losses and reduced the stdlib's way.
    const x = roundInputs(source.inputs(21));
    const weights = roundF32(randomTensor(perSampleShape(loss, x, {}), mulberry32(22), { lo: 0.1, hi: 2 }));
    const ownWeight = loss === 'bce' || loss === 'bce_with_logits';
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      cases.push({
        name: `weights, ${reduction}`,
        loss,
        x,
        hypers: {},
        reduction,
        weights,
        torch: ownWeight ? { weights } : { sample_weights: weights },
        ...(ownWeight && reduction === 'mean' ? { difference: meanOverWeights } : {}),
      });
    }
  }
  return cases;
}

/** Class weights and ignore_index as the stdlib takes them: per-sample weights weight[t]·[t ≠ ignore_index]. */
function classWeightCases(): TorchCase[] {
  const cases: TorchCase[] = [];
  const rng = mulberry32(31);
  const C = 4;
  const classWeight = roundF32(randomTensor([C], rng, { lo: 0.2, hi: 3 }));
  const inputs: Record<string, Inputs> = {
    '[N, C]': { x: roundF32(randomTensor([6, C], rng, { lo: -3, hi: 3 })), t: fromNested([0, 1, 2, 3, 1, 1]) },
    '[N, L, C]': { x: roundF32(randomTensor([2, 3, C], rng, { lo: -3, hi: 3 })), t: randomInts([2, 3], rng, C) },
  };
  const perSampleWeights = (t: F64Tensor, ignore?: number): F64Tensor => ({ shape: [...t.shape], data: Float64Array.from(t.data, (k) => (k === ignore ? 0 : classWeight.data[k]!)) });
  for (const [layout, x0] of Object.entries(inputs)) {
    for (const loss of ['cross_entropy', 'nll'] as const) {
      const x = loss === 'nll' ? { logp: logSoftmax(x0.x!), t: x0.t! } : x0;
      const t = x.t!;
      for (const reduction of ['mean', 'sum', 'none'] as const) {
        cases.push({ name: `${layout}, class weights, ${reduction}`, loss, x, hypers: {}, reduction, weights: perSampleWeights(t), torch: { class_weight: classWeight } });
        cases.push({ name: `${layout}, ignore_index 1, ${reduction}`, loss, x, hypers: {}, reduction, weights: perSampleWeights(t, 1), torch: { class_weight: classWeight, ignore_index: 1 } });
        cases.push({ name: `${layout}, ignore_index 1 without class weights, ${reduction}`, loss, x, hypers: {}, reduction, weights: { shape: [...t.shape], data: Float64Array.from(t.data, (k) => (k === 1 ? 0 : 1)) }, torch: { ignore_index: 1 } });
      }
    }
    // Label smoothing with ignore_index alone is exact; with class weights torch weighs the
    // smoothing term by class too, which per-sample weights cannot say.
    const x = x0;
    for (const reduction of ['mean', 'none'] as const) {
      cases.push({ name: `${layout}, label smoothing 0.2, ignore_index 1, ${reduction}`, loss: 'cross_entropy', x, hypers: { label_smoothing: 0.2 }, reduction, weights: { shape: [...x.t!.shape], data: Float64Array.from(x.t!.data, (k) => (k === 1 ? 0 : 1)) }, torch: { ignore_index: 1 } });
    }
  }
  // Every sample ignored: NaN in both, with gradient 0.
  const all = inputs['[N, C]']!;
  cases.push({ name: 'every sample ignored, mean', loss: 'cross_entropy', x: { x: all.x!, t: fromNested([1, 1, 1, 1, 1, 1]) }, hypers: {}, reduction: 'mean', weights: fromNested([0, 0, 0, 0, 0, 0]), torch: { ignore_index: 1 } });
  return cases;
}

function logSoftmax(x: F64Tensor): F64Tensor {
  const l = softmaxLastAxis(x, true);
  return { shape: l.shape, data: l.data.map(Math.fround) };
}

/**
 * At a tie of min(d(a, n), d(p, n)) (swap with p = n) torch's gradient splits evenly between
 * the two, the stdlib's goes to one of them: both are subgradients there, the values agree.
 */
const tieOfSwap: SemanticDifference = {
  what: "a tie of the swap's min: torch splits the gradient between d(a, n) and d(p, n), the stdlib gives it to one (both subgradients)",
  expected: (t) => t,
};

function extremeCases(): TorchCase[] {
  return EXTREME_INPUTS.filter((e) => e.loss in TORCH_OF).map((e) => ({
    name: `extreme: ${e.what}`,
    loss: e.loss,
    x: roundInputs(e.x),
    hypers: e.hypers ?? {},
    ...(e.loss === 'triplet_margin' && e.hypers?.swap ? { difference: tieOfSwap } : {}),
  }));
}

const CASES: readonly TorchCase[] = torchMissing() ? [] : [...randomCases(), ...classWeightCases(), ...extremeCases()];

// ---------------------------------------------------------------------------------------
// The module's side

type ModuleFn = (...args: unknown[]) => tf.Tensor;
const modules = new Map<string, Record<string, ModuleFn>>();
const realInputs = (fn: IrFunction): string[] => fn.inputs.filter((i) => i.elem === 'real').map((i) => i.name);

/** A fixed cotangent for an unreduced result (torch is given the same). */
function cotangentOf(shape: readonly number[]): F64Tensor {
  return roundF32(randomTensor(shape, mulberry32(shape.reduce((a, b) => a * 7 + b, 3)), { lo: 0.5, hi: 1.5 }));
}

function moduleAnswer(c: TorchCase): Answer & { cotangent?: F64Tensor } {
  const fn = lossFn(fileOf(c.loss), c.loss);
  const f = modules.get(TORCH_OF[c.loss]!.file)![c.loss]!;
  const inputs = toTf(fn, c.x);
  // An optional input (a class `weight`) is in the options when the case gives it, else left out.
  const wrt = realInputs(fn).filter((n) => c.x[n] !== undefined);
  const hypers = Object.fromEntries(Object.entries(c.hypers).map(([k, v]) => [k, fn.hypers.find((h) => h.name === k)?.elem === 'bool' ? v !== 0 : v]));
  const options = { ...hypers, ...(c.reduction ? { reduction: c.reduction } : {}), ...(c.weights ? { weights: tf.tensor(Array.from(c.weights.data), c.weights.shape) } : {}) };
  const positional = fn.order ?? fn.inputs.filter((i) => i.default === undefined).map((i) => i.name);
  const optional = fn.inputs.filter((i) => i.default !== undefined && c.x[i.name] !== undefined).map((i) => i.name);
  const given = (ts: tf.Tensor[], n: string): tf.Tensor => (wrt.includes(n) ? ts[wrt.indexOf(n)]! : inputs[n]!);
  const call = (ts: tf.Tensor[]): tf.Tensor => f(...positional.map((n) => given(ts, n)), { ...options, ...Object.fromEntries(optional.map((n) => [n, given(ts, n)])) });
  const plain = tf.tidy(() => call(wrt.map((n) => inputs[n]!)));
  const shape = plain.shape;
  const cotangent = shape.length > 0 ? cotangentOf(shape) : undefined;
  const cot = cotangent ? tf.tensor(Array.from(cotangent.data), cotangent.shape) : undefined;
  const { grads } = tf.valueAndGrads((...ts: tf.Tensor[]) => (cot ? tf.sum(tf.mul(call(ts), cot)) : call(ts)) as tf.Scalar)(wrt.map((n) => inputs[n]!));
  const answer = {
    value: { shape: [...shape], data: Float64Array.from(plain.dataSync()) },
    grads: Object.fromEntries(wrt.map((n, k) => [n, { shape: [...grads[k]!.shape], data: Float64Array.from(grads[k]!.dataSync()) }])),
    ...(cotangent ? { cotangent } : {}),
  };
  tf.dispose([plain, ...grads, ...Object.values(inputs), ...(cot ? [cot] : []), ...(options.weights ? [options.weights] : [])]);
  return answer;
}

// ---------------------------------------------------------------------------------------
// The torch side

let driver: TorchDriver | undefined;
type TorchAnswers = Record<'float64' | 'float32', { value: WireTensor; grads: Record<string, WireTensor> }>;

async function torchAnswer(c: TorchCase, cotangent: F64Tensor | undefined, dtypes: readonly string[] = ['float64', 'float32']): Promise<Record<string, Answer>> {
  const fn = lossFn(fileOf(c.loss), c.loss);
  const kind = (name: string): WireTensor['dtype'] => (fn.inputs.find((i) => i.name === name)?.elem === 'real' ? 'float' : 'int');
  const raw = await driver!.request<TorchAnswers>({
    loss: c.torchLoss ?? c.loss,
    inputs: Object.fromEntries(Object.entries(c.x).map(([k, v]) => [k, wire(v, kind(k))])),
    hypers: c.hypers,
    reduction: c.reduction ?? 'mean',
    wrt: realInputs(fn).filter((n) => c.x[n] !== undefined),
    dtypes,
    ...(c.torch?.weights ? { weights: wire(c.torch.weights) } : {}),
    ...(c.torch?.sample_weights ? { sample_weights: wire(c.torch.sample_weights) } : {}),
    ...(c.torch?.class_weight ? { class_weight: wire(c.torch.class_weight) } : {}),
    ...(c.torch?.ignore_index !== undefined ? { ignore_index: c.torch.ignore_index } : {}),
    ...(cotangent ? { cotangent: wire(cotangent) } : {}),
  });
  return Object.fromEntries(Object.entries(raw).map(([d, a]) => [d, { value: unwire(a.value), grads: Object.fromEntries(Object.entries(a.grads).map(([k, g]) => [k, unwire(g)])) }]));
}

/** For the closing table: per loss, the largest relative error of value and gradient seen. */
const report = new Map<string, { cases: number; value: number; grad: number; ref: number; notes: Set<string> }>();
function record(loss: string, value: number, grad: number, ref: number, note?: string): void {
  const r = report.get(loss) ?? { cases: 0, value: 0, grad: 0, ref: 0, notes: new Set<string>() };
  r.cases++;
  r.value = Math.max(r.value, value);
  r.grad = Math.max(r.grad, grad);
  r.ref = Math.max(r.ref, ref);
  if (note) r.notes.add(note);
  report.set(loss, r);
}

describe.skipIf(torchMissing() !== undefined)('stdlib losses against torch.nn.functional (real PyTorch)', () => {
  beforeAll(async () => {
    driver = new TorchDriver('functional.py');
    await initBackend('wasm');
    const dir = resolve('test/.tmp/torch-functional');
    mkdirSync(dir, { recursive: true });
    for (const file of FILES) {
      const r = await compile(readFileSync(`stdlib/${file}.loss`, 'utf8'), `stdlib/${file}.loss`, { host: fsHost });
      expect(r.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
      const path = resolve(dir, `${file}.ts`);
      writeFileSync(path, r.code!);
      modules.set(file, (await import(/* @vite-ignore */ path)) as Record<string, ModuleFn>);
    }
  }, 120_000);

  afterAll(() => {
    driver?.close();
    const rows = [...report].map(([loss, r]) => `| ${loss} | ${TORCH_OF[loss]!.torch} | ${r.cases} | ${r.value.toExponential(1)} | ${r.grad.toExponential(1)} | ${r.ref.toExponential(1)} | ${[...r.notes].join('; ')} |`);
    mkdirSync('test/.tmp', { recursive: true });
    writeFileSync('test/.tmp/torch-functional-report.md', ['| loss | torch | cases | value rel. err | grad rel. err | reference evaluator vs torch float64 | semantic differences |', '|---|---|---|---|---|---|---|', ...rows].join('\n') + '\n');
  });

  it('cross_entropy with class weights and label smoothing: the per-sample weighting of the smoothed loss, which torch’s weight is not', async () => {
    const rng = mulberry32(91);
    const x = { x: roundF32(randomTensor([6, 4], rng, { lo: -3, hi: 3 })), t: fromNested([0, 1, 2, 3, 1, 1]) };
    const classWeight = roundF32(randomTensor([4], rng, { lo: 0.2, hi: 3 }));
    const weights: F64Tensor = { shape: [6], data: Float64Array.from(x.t.data, (k) => classWeight.data[k]!) };
    const c: TorchCase = { name: '', loss: 'cross_entropy', x, hypers: { label_smoothing: 0.2 }, reduction: 'mean', weights, torch: { class_weight: classWeight } };
    const mine = moduleAnswer(c);
    const [composite, torchWeighted] = await Promise.all([
      torchAnswer({ ...c, torchLoss: 'cross_entropy_sample_weighted' }, undefined, ['float64']),
      torchAnswer(c, undefined, ['float64']),
    ]);
    // The stdlib's definition, computed in torch, is what the module gives...
    expect(maxRelErr(mine.value.data, composite.float64!.value.data, 1)).toBeLessThan(VALUE_TOL);
    // ...and torch's weight differs from it (2.2% here): documented, not a bug.
    const gap = maxRelErr(torchWeighted.float64!.value.data, composite.float64!.value.data, 1);
    expect(gap).toBeGreaterThan(1e-3);
    record('cross_entropy', 0, 0, 0, `class weights with label smoothing: torch also weighs the smoothing term by class (${(gap * 100).toFixed(1)}% apart here); per-sample weights cannot say that; the stdlib's \`weight\` option is torch's (test/ce-class-weight.test.ts)`);
  });

  it.each(CASES.map((c) => ({ ...c, title: `${c.loss}: ${c.name}` })))('$title', async (c) => {
    const mine = moduleAnswer(c);
    const torch = await torchAnswer(c, mine.cotangent);
    const t64 = torch.float64!;
    const t32 = torch.float32!;
    expect(mine.value.shape, 'shape').toEqual(t64.value.shape);
    // The float64 reference evaluator (the project's oracle) against torch in float64.
    const fn = lossFn(fileOf(c.loss), c.loss, true);
    const ref = evaluateReference(fn, toRef(c.x), c.hypers, { ...(c.reduction ? { reduction: c.reduction } : {}), ...(c.weights ? { weights: toRef({ w: c.weights }).w! } : {}) });
    if (c.difference) {
      const expected = c.difference.expected(t64.value, c);
      expect(maxRelErr(mine.value.data, expected.data, 1), c.difference.what).toBeLessThan(VALUE_TOL);
      expect(maxRelErr(ref.data, expected.data, 1), c.difference.what).toBeLessThan(1e-12);
      record(c.loss, maxRelErr(mine.value.data, expected.data, 1), 0, maxRelErr(ref.data, expected.data, 1), c.difference.what);
      return;
    }
    const valueErr = maxRelErr(mine.value.data, t64.value.data, 1);
    const refErr = maxRelErr(ref.data, t64.value.data, 1);
    expect(valueErr, `value: module ${Array.from(mine.value.data).slice(0, 4)}, torch ${Array.from(t64.value.data).slice(0, 4)}`).toBeLessThan(VALUE_TOL);
    expect(refErr, `reference evaluator ${Array.from(ref.data).slice(0, 4)} vs torch float64 ${Array.from(t64.value.data).slice(0, 4)}`).toBeLessThan(1e-10);
    // torch's float32 run agrees with its float64 run as closely as the module does (a check on the oracle).
    expect(maxRelErr(t32.value.data, t64.value.data, 1)).toBeLessThan(VALUE_TOL);
    let gradErr = 0;
    let note: string | undefined;
    for (const [name, g] of Object.entries(mine.grads)) {
      const want = t64.grads[name]!;
      // Where torch's own gradient is infinite or NaN (an unguarded log or power at its
      // singular point), the stdlib's guard gives a finite one: asserted, and reported.
      const finite = Array.from(want.data, (v) => Number.isFinite(v));
      if (finite.some((f) => !f)) {
        expect(Array.from(g.data).every(Number.isFinite), `d/d${name} finite where torch's is not`).toBe(true);
        note = `torch's gradient is not finite here (${Array.from(want.data).filter((v) => !Number.isFinite(v)).slice(0, 2).join(', ')}); the stdlib's is finite (${Array.from(g.data).filter((_, i) => !finite[i]).slice(0, 2).join(', ')})`;
      }
      const keep = (a: Float64Array): Float64Array => a.filter((_, i) => finite[i]);
      // Relative to the element, or for elements far below the gradient's largest, to 1e-3 of
      // that (float32 rounds each to the scale of the sums it comes from); within GRAD_TOL, or
      // within what torch's own float32 run reaches where that is worse.
      const floor = 1e-3 * Math.max(1, ...keep(want.data).map(Math.abs));
      const own = maxRelErr(keep(t32.grads[name]!.data), keep(want.data), floor);
      const err = maxRelErr(keep(g.data), keep(want.data), floor);
      expect(err, `d/d${name}: module ${Array.from(g.data).slice(0, 6)}, torch ${Array.from(want.data).slice(0, 6)}`).toBeLessThan(Math.max(GRAD_TOL, 4 * own));
      gradErr = Math.max(gradErr, err);
    }
    record(c.loss, valueErr, gradErr, refErr, note);
  });
});
