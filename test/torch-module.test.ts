// The PyTorch target (`lossc compile --target pytorch`), verified three ways for every loss
// of the standard library, in real PyTorch (one Python process: test/torch/modules.py):
//  (a) the torch module equals the generated tfjs module (float32, on tfjs's cpu backend:
//      tfjs-wasm's tf.sign is 0 for |x| up to about 1e-7, so its gradients of abs there are
//      0 where torch's and cpu's are ±1, e.g. gradnorm's at a near-kink): values and
//      gradients, on seeded inputs under every reduction and with weights, and at the
//      extreme inputs of the gradient suite (finite where tfjs is finite);
//  (b) it equals torch's own function where the loss claims one (test/torch/functional.py),
//      in float64;
//  (c) torch.autograd.gradcheck passes in float64 on its backward pass (the compiler's,
//      in a torch.autograd.Function), and the module compiled for torch's autograd agrees.
// Also: the embedded runtime is lossc_torch.py, and the modules' argument checks raise the
// TypeScript modules' messages.
// `npm test` checks a fixed subset of the seeds and of gradcheck's (setting, reduction) pairs;
// LOSSC_FULL=1 checks all of them (test/helpers/sampling.ts).
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check } from '../src/api.js';
import { compile } from './helpers/compile-cache.js';
import { fsHost } from '../src/cli/files.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';
import { emitPytorchModule, TORCH_RUNTIME_FILE } from '../src/emit/pytorch.js';
import { initBackend } from '../src/eval/setup.js';
import type { IrFunction } from '../src/ir/types.js';
import { REDUCTION_NAMES } from '../src/ir/reduction.js';
import { TORCH_RUNTIME_SOURCE } from '../src/runtime/python/source.js';
import { EXTREME_INPUTS, STDLIB_GRAD_CASES, type Hypers, type Inputs } from './helpers/grad-stdlib-cases.js';
import { roundInputs, toRef, toTf } from './helpers/loss-harness.js';
import { evaluateReference } from '../src/reference/evaluate.js';
import { TORCH_OF, TorchDriver, torchMissing, unwire, wire, type LossAnswer, type TorchLossCase, type WireTensor } from './helpers/torch.js';
import { maxRelErr } from './oracle/fd.js';
import { mulberry32, randomTensor, roundF32, type F64Tensor } from './oracle/tensor.js';
import { covering, FULL } from './helpers/sampling.js';

const FILES = readdirSync('stdlib').filter((f) => f.endsWith('.loss')).sort();
const LOSSES: readonly { file: string; module: string; fn: IrFunction }[] = FILES.flatMap((file) => {
  // The losses only: their stability warnings (most of a check's time) are the stdlib suites' business.
  const r = check(readFileSync(`stdlib/${file}`, 'utf8'), `stdlib/${file}`, { host: fsHost, stability: false });
  return r.losses.map((fn) => ({ file, module: file.replace('.loss', ''), fn }));
});
const lossOf = (name: string) => LOSSES.find((l) => l.fn.name === name)!;
const DIR = resolve('test/.tmp/torch-module');

const realInputs = (fn: IrFunction): string[] => fn.inputs.filter((i) => i.elem === 'real').map((i) => i.name);
const positionalOf = (fn: IrFunction): readonly string[] => fn.order ?? fn.inputs.filter((i) => i.default === undefined).map((i) => i.name);

type ModuleCase = TorchLossCase;
type Answer = LossAnswer;

const DIFFERENTIABLE = LOSSES.filter((l) => l.fn.name !== 'perceptual' && STDLIB_GRAD_CASES[l.fn.name]);

function cases(): ModuleCase[] {
  const out: ModuleCase[] = [];
  for (const { fn } of DIFFERENTIABLE) {
    const source = STDLIB_GRAD_CASES[fn.name]!;
    const settings = [{ ...source.base }, ...source.hypers.map((h) => ({ ...source.base, ...h }))];
    const reductions = fn.reduction ? (['mean', 'sum', 'none'] as const) : [undefined];
    // Every setting under every reduction, at both seeds (sampled: the seeds take turns).
    const points = settings.flatMap((hypers) => reductions.map((reduction) => ({ hypers, reduction })));
    points.forEach(({ hypers, reduction }, k) => {
      for (const seed of FULL ? [41, 42] : [[41, 42][k % 2]!]) {
        const x = roundInputs(source.inputs(seed));
        const label = `seed ${seed}${Object.keys(hypers).length > 0 ? `, ${JSON.stringify(hypers)}` : ''}`;
        out.push({ name: reduction ? `${label}, ${reduction}` : label, loss: fn.name, x, hypers, ...(reduction ? { reduction } : {}) });
      }
    });
    if (fn.reduction) {
      const x = roundInputs(source.inputs(43));
      const weights = weightsFor(fn, x, { ...source.base });
      for (const reduction of REDUCTION_NAMES) out.push({ name: `weights, ${reduction}`, loss: fn.name, x, hypers: { ...source.base }, reduction, weights });
    }
  }
  for (const e of EXTREME_INPUTS) {
    const base = STDLIB_GRAD_CASES[e.loss]?.base ?? {};
    out.push({ name: `extreme: ${e.what}`, loss: e.loss, x: roundInputs(e.x), hypers: { ...base, ...e.hypers } });
  }
  return out;
}

/** Random per-sample weights of the shape of the per-sample losses (the reference evaluator's). */
function weightsFor(fn: IrFunction, x: Inputs, hypers: Hypers): F64Tensor {
  const shape = evaluateReference(fn, toRef(x), hypers, { reduction: 'none' }).shape;
  return roundF32(randomTensor(shape, mulberry32(44), { lo: 0.1, hi: 2 }));
}

const CASES: readonly ModuleCase[] = torchMissing() ? [] : cases();

// ---------------------------------------------------------------------------------------
// tfjs

type ModuleFn = (...args: unknown[]) => tf.Tensor;
const tsModules = new Map<string, Record<string, ModuleFn>>();

/** The cases' hyperparameters as the generated functions take them: booleans, and a string option's string (the cases hold its position). */
const optionsOf = (fn: IrFunction, hypers: Hypers): Record<string, number | boolean | string> =>
  Object.fromEntries(Object.entries(hypers).map(([k, v]) => {
    const h = fn.hypers.find((x) => x.name === k);
    return [k, h?.values ? h.values[v] ?? v : h?.elem === 'bool' ? v !== 0 : v];
  }));

function cotangentOf(shape: readonly number[]): F64Tensor {
  return roundF32(randomTensor(shape, mulberry32(shape.reduce((a, b) => a * 7 + b, 5)), { lo: 0.5, hi: 1.5 }));
}

function tfjsAnswer(c: ModuleCase): Answer & { cotangent?: F64Tensor } {
  const { fn, module } = lossOf(c.loss);
  const f = tsModules.get(module)![c.loss]!;
  const inputs = toTf(fn, c.x);
  const wrt = realInputs(fn).filter((n) => n in c.x);
  const weights = c.weights ? tf.tensor(Array.from(c.weights.data), c.weights.shape) : undefined;
  const optional = Object.fromEntries(fn.inputs.filter((i) => i.default !== undefined && i.name in c.x).map((i) => [i.name, i.name]));
  const options = (ts: tf.Tensor[]): Record<string, unknown> => ({
    ...optionsOf(fn, c.hypers),
    ...(c.reduction ? { reduction: c.reduction } : {}),
    ...(weights ? { weights } : {}),
    ...Object.fromEntries(Object.keys(optional).map((n) => [n, wrt.includes(n) ? ts[wrt.indexOf(n)]! : inputs[n]!])),
  });
  // A list input is passed as its elements (split on the tape).
  const asArg = (n: string, t: tf.Tensor): unknown => (fn.inputs.some((i) => i.name === n && i.list) ? tf.unstack(t) : t);
  const callWith = (ts: tf.Tensor[]): tf.Tensor => f(...positionalOf(fn).map((n) => asArg(n, wrt.includes(n) ? ts[wrt.indexOf(n)]! : inputs[n]!)), options(ts));
  const plain = tf.tidy(() => callWith(wrt.map((n) => inputs[n]!)));
  const cotangent = plain.shape.length > 0 ? cotangentOf(plain.shape) : undefined;
  const cot = cotangent ? tf.tensor(Array.from(cotangent.data), cotangent.shape) : undefined;
  const { grads } = tf.valueAndGrads((...ts: tf.Tensor[]) => (cot ? tf.sum(tf.mul(callWith(ts), cot)) : callWith(ts)) as tf.Scalar)(wrt.map((n) => inputs[n]!));
  const answer = {
    value: { shape: [...plain.shape], data: Float64Array.from(plain.dataSync()) },
    grads: Object.fromEntries(wrt.map((n, k) => [n, { shape: [...grads[k]!.shape], data: Float64Array.from(grads[k]!.dataSync()) }])),
    ...(cotangent ? { cotangent } : {}),
  };
  tf.dispose([plain, ...grads, ...Object.values(inputs), ...(cot ? [cot] : []), ...(weights ? [weights] : [])]);
  return answer;
}

// ---------------------------------------------------------------------------------------
// torch

let driver: TorchDriver | undefined;

function request(c: ModuleCase, extra: Record<string, unknown>): Record<string, unknown> {
  const { fn, module } = lossOf(c.loss);
  const kind = (name: string): WireTensor['dtype'] => (fn.inputs.find((i) => i.name === name)?.elem === 'real' ? 'float' : 'int');
  const optional = fn.inputs.filter((i) => i.default !== undefined && i.name in c.x).map((i) => i.name);
  return {
    module,
    loss: c.loss,
    positional: positionalOf(fn),
    lists: fn.inputs.filter((i) => i.list).map((i) => i.name),
    inputs: Object.fromEntries(Object.entries(c.x).map(([k, v]) => [k, wire(v, kind(k))])),
    options: { ...optionsOf(fn, c.hypers), ...(c.reduction ? { reduction: c.reduction } : {}) },
    optional,
    wrt: realInputs(fn).filter((n) => n in c.x),
    ...(c.weights ? { weights: wire(c.weights) } : {}),
    ...extra,
  };
}

type Wired = Record<string, { value: WireTensor; grads: Record<string, WireTensor>; dtype?: string }>;
const unwired = (raw: Wired): Record<string, Answer & { dtype?: string }> =>
  Object.fromEntries(Object.entries(raw).map(([d, a]) => [d, { value: unwire(a.value), dtype: a.dtype, grads: Object.fromEntries(Object.entries(a.grads).map(([k, g]) => [k, unwire(g)])) }]));

/** Gradients relative to the element or, far below the gradient's largest, to 1e-3 of that. */
function gradErr(got: F64Tensor, want: F64Tensor): number {
  const floor = 1e-3 * Math.max(1, ...Array.from(want.data, Math.abs).filter(Number.isFinite));
  return maxRelErr(got.data, want.data, floor);
}

const report = new Map<string, { cases: number; value: number; grad: number; builtin: number; gradcheck: string }>();
const row = (loss: string) => {
  if (!report.has(loss)) report.set(loss, { cases: 0, value: 0, grad: 0, builtin: NaN, gradcheck: '' });
  return report.get(loss)!;
};

describe.skipIf(torchMissing() !== undefined)('the PyTorch target (real PyTorch)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
    for (const sub of ['ts', 'py', 'py-autograd']) mkdirSync(resolve(DIR, sub), { recursive: true });
    for (const file of FILES) {
      const path = `stdlib/${file}`;
      const text = readFileSync(path, 'utf8');
      const r = await compile(text, path, { host: fsHost });
      expect(r.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
      const ts = resolve(DIR, 'ts', file.replace('.loss', '.ts'));
      writeFileSync(ts, r.code!);
      tsModules.set(file.replace('.loss', ''), (await import(/* @vite-ignore */ ts)) as Record<string, ModuleFn>);
      const losses = LOSSES.filter((l) => l.file === file).map((l) => l.fn);
      writeFileSync(resolve(DIR, 'py', file.replace('.loss', '.py')), emitPytorchModule({ file: path, losses }));
      writeFileSync(resolve(DIR, 'py-autograd', file.replace('.loss', '.py')), emitPytorchModule({ file: path, losses, autodiff: true }));
    }
    for (const sub of ['py', 'py-autograd']) writeFileSync(resolve(DIR, sub, TORCH_RUNTIME_FILE), TORCH_RUNTIME_SOURCE);
    driver = new TorchDriver('modules.py', { LOSSC_PY_DIR: resolve(DIR, 'py'), LOSSC_PY_AUTOGRAD_DIR: resolve(DIR, 'py-autograd') });
  }, 120_000);

  afterAll(() => {
    driver?.close();
    const rows = [...report].map(([loss, r]) => `| ${loss} | ${r.cases} | ${r.value.toExponential(1)} | ${r.grad.toExponential(1)} | ${Number.isNaN(r.builtin) ? '' : `${TORCH_OF[loss]!.torch}: ${r.builtin.toExponential(1)}`} | ${r.gradcheck} |`);
    mkdirSync('test/.tmp', { recursive: true });
    writeFileSync('test/.tmp/torch-module-report.md', ['| loss | cases | torch module vs tfjs module: value | gradient | torch built-in (float64) | gradcheck (float64) |', '|---|---|---|---|---|---|', ...rows].join('\n') + '\n');
  });

  it('the runtime the compiler writes is src/runtime/python/lossc_torch.py (LOSSC_UPDATE=1 rewrites the copy)', () => {
    const text = readFileSync('src/runtime/python/lossc_torch.py', 'utf8');
    if (process.env.LOSSC_UPDATE) {
      writeFileSync('src/runtime/python/source.ts', `// Generated from lossc_torch.py beside it (LOSSC_UPDATE=1 npx vitest run test/torch-module.test.ts\n// rewrites it): the runtime the PyTorch modules import, as the compiler writes it out.\n\nexport const TORCH_RUNTIME_SOURCE = ${JSON.stringify(text)};\n`);
      return;
    }
    expect(TORCH_RUNTIME_SOURCE).toBe(text);
  });

  it.each(CASES.map((c) => ({ ...c, title: `${c.loss}: ${c.name}` })))('$title: torch module = tfjs module, its autograd build agrees', async (c) => {
    const mine = tfjsAnswer(c);
    // Extreme inputs sit on their domains' ends as float32 rounds them (1e-12 is 9.99999996e-13):
    // float32 only, as tfjs sees them.
    const extreme = c.name.startsWith('extreme');
    const [derived, autograd] = await Promise.all(
      [false, true].map(async (ag) => unwired(await driver!.request<Wired>(request(c, { dtypes: extreme ? ['float32'] : ['float32', 'float64'], autograd: ag, ...(mine.cotangent ? { cotangent: wire(mine.cotangent) } : {}) })))),
    );
    const t32 = derived!.float32!;
    expect(t32.dtype).toBe('torch.float32');
    if (!extreme) expect(derived!.float64!.dtype, 'float64 inputs give a float64 loss').toBe('torch.float64');
    expect(t32.value.shape).toEqual(mine.value.shape);
    const valueErr = maxRelErr(t32.value.data, mine.value.data, 1);
    expect(valueErr, `torch ${Array.from(t32.value.data).slice(0, 4)}, tfjs ${Array.from(mine.value.data).slice(0, 4)}`).toBeLessThan(2e-5);
    let worst = 0;
    for (const [name, g] of Object.entries(mine.grads)) {
      const t = t32.grads[name]!;
      if (g.data.every(Number.isFinite)) expect(Array.from(t.data).every(Number.isFinite), `d/d${name} finite in torch as in tfjs: ${Array.from(t.data).slice(0, 6)}`).toBe(true);
      const err = gradErr(t, g);
      expect(err, `d/d${name}: torch ${Array.from(t.data).slice(0, 6)}, tfjs ${Array.from(g.data).slice(0, 6)}`).toBeLessThan(5e-4);
      worst = Math.max(worst, err);
    }
    // torch's autograd through every op: the same values; the same gradients where they are
    // finite (at the guarded extremes only the compiler's backward pass is).
    const a64 = autograd![extreme ? 'float32' : 'float64']!;
    const d64 = derived![extreme ? 'float32' : 'float64']!;
    expect(maxRelErr(a64.value.data, d64.value.data, 1)).toBeLessThan(extreme ? 1e-6 : 1e-12);
    if (!extreme) {
      for (const name of Object.keys(d64.grads)) expect(gradErr(a64.grads[name]!, d64.grads[name]!), `autograd d/d${name}`).toBeLessThan(1e-9);
    }
    const r = row(c.loss);
    r.cases++;
    r.value = Math.max(r.value, valueErr);
    r.grad = Math.max(r.grad, worst);
  });

  const BUILTIN = CASES.filter((c) => c.loss in TORCH_OF && !c.name.startsWith('extreme') && !c.weights);
  it.each(BUILTIN.map((c) => ({ ...c, title: `${c.loss}: ${c.name}` })))('$title: = torch built-in in float64', async (c) => {
    const { fn } = lossOf(c.loss);
    const mod = unwired(await driver!.request<Wired>(request(c, { dtypes: ['float64'] })));
    const builtin = unwired(
      await driver!.request<Wired>({ kind: 'functional', loss: c.loss, inputs: request(c, {}).inputs, hypers: c.hypers, reduction: c.reduction ?? 'mean', wrt: realInputs(fn).filter((n) => n in c.x), dtypes: ['float64'] }),
    );
    const err = maxRelErr(mod.float64!.value.data, builtin.float64!.value.data, 1);
    expect(err).toBeLessThan(1e-10);
    for (const name of Object.keys(builtin.float64!.grads)) {
      if (c.reduction === 'none') break; // the built-in's gradient is of the sum; the module's of the cotangent's
      expect(gradErr(mod.float64!.grads[name]!, builtin.float64!.grads[name]!), `d/d${name}`).toBeLessThan(1e-9);
    }
    const r = row(c.loss);
    r.builtin = Number.isNaN(r.builtin) ? err : Math.max(r.builtin, err);
  });

  it.each(DIFFERENTIABLE.map((l) => ({ loss: l.fn.name })))('$loss: what the loss makes follows its inputs to their device (meta stands in for a GPU)', async ({ loss }) => {
    const source = STDLIB_GRAD_CASES[loss]!;
    const c: ModuleCase = { name: 'meta', loss, x: source.inputs(61), hypers: { ...source.base } };
    const answer = await driver!.request<{ value: string; grads: string[] }>(request(c, { kind: 'meta' }));
    expect(answer).toEqual({ value: 'meta', grads: ['meta'] });
  });

  it('gradients of gradients: refused with a message by the derived backward pass, torch’s own with --autodiff', async () => {
    const r = await driver!.request<{ refused: string | null; difference: number }>({ kind: 'double' });
    expect(r.refused).toContain('cannot be differentiated again (create_graph=True, double backward); compile with --autodiff');
    expect(r.difference).toBeLessThan(1e-12);
  });

  it.each(['mse', 'cross_entropy', 'bce_with_logits', 'info_nce'].map((loss) => ({ loss })))('$loss of float16 and bfloat16 inputs runs in float32, its gradient in the inputs’ dtype', async ({ loss }) => {
    const c: ModuleCase = { name: 'half', loss, x: STDLIB_GRAD_CASES[loss]!.inputs(71), hypers: {} };
    const r = await driver!.request<Record<string, { dtype: string; grad: string; difference: number }>>(request(c, { kind: 'half' }));
    expect(r['torch.float16']).toEqual({ dtype: 'torch.float32', grad: 'torch.float16', difference: 0 });
    expect(r['torch.bfloat16']).toEqual({ dtype: 'torch.float32', grad: 'torch.bfloat16', difference: 0 });
  });

  it('perceptual: a torch feature extractor returning two maps gives the mean of their MSEs, and its gradient', async () => {
    const r = await driver!.request<{ value: number; want: number; module: number; grad: number }>({ kind: 'perceptual' });
    expect(Math.abs(r.value - r.want)).toBeLessThan(1e-6 * Math.max(1, r.want));
    expect(r.module).toBe(r.value);
    expect(r.grad).toBeLessThan(1e-6);
  });

  // The same bad calls to both modules: the same message (tf.Tensor read as torch.Tensor), as
  // TypeError or ValueError.
  const BAD: readonly { what: string; loss: string; x: Record<string, { shape: number[]; data: number[]; dtype?: 'float' | 'int' }>; options?: Record<string, unknown> }[] = [
    { what: 'leading dims that differ', loss: 'mse', x: { pred: { shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }, target: { shape: [2, 2], data: [1, 2, 3, 4] } } },
    { what: 'a misspelt option', loss: 'huber', x: { pred: { shape: [2], data: [1, 2] }, target: { shape: [2], data: [0, 0] } }, options: { delt: 2 } },
    { what: 'an option outside its domain', loss: 'huber', x: { pred: { shape: [2], data: [1, 2] }, target: { shape: [2], data: [0, 0] } }, options: { delta: -1 } },
    { what: 'an unknown reduction', loss: 'mse', x: { pred: { shape: [2], data: [1, 2] }, target: { shape: [2], data: [0, 0] } }, options: { reduction: 'avg' } },
    { what: 'NaN in an input', loss: 'mse', x: { pred: { shape: [2], data: [1, NaN] }, target: { shape: [2], data: [0, 0] } } },
    { what: 'a probability above 1', loss: 'bce', x: { p: { shape: [2], data: [0.5, 1.5] }, y: { shape: [2], data: [0, 1] } } },
    { what: 'a class index out of range', loss: 'cross_entropy', x: { x: { shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }, t: { shape: [2], data: [0, 3], dtype: 'int' } } },
    { what: 'float class indices', loss: 'cross_entropy', x: { x: { shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }, t: { shape: [2], data: [0, 2] } } },
    { what: 'a wrong rank', loss: 'triplet', x: { a: { shape: [3], data: [1, 2, 3] }, p: { shape: [1, 3], data: [1, 2, 3] }, n: { shape: [1, 3], data: [1, 2, 3] } } },
    { what: 'a label outside {0, 1}', loss: 'contrastive', x: { x1: { shape: [1, 2], data: [1, 2] }, x2: { shape: [1, 2], data: [1, 2] }, y: { shape: [1], data: [2] } } },
    { what: 'weights of the wrong shape', loss: 'mse', x: { pred: { shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }, target: { shape: [2, 3], data: [0, 0, 0, 0, 0, 0] } }, options: { weights: 'w5' } },
    { what: 'a required option left out', loss: 'curriculum', x: { losses: { shape: [2], data: [1, 2] }, difficulty: { shape: [2], data: [0.1, 0.2] } }, options: { total_epochs: 10 } },
  ];
  it.each(BAD)('the same message as the tfjs module: $what ($loss)', async (c) => {
    const { fn, module } = lossOf(c.loss);
    const tensors = Object.fromEntries(Object.entries(c.x).map(([k, v]) => [k, tf.tensor(v.data, v.shape, v.dtype === 'int' ? 'int32' : 'float32')]));
    const weights = c.options?.weights === 'w5' ? tf.ones([5]) : undefined;
    const options = { ...c.options, ...(weights ? { weights } : {}) };
    let message = '';
    try {
      tsModules.get(module)![c.loss]!(...positionalOf(fn).map((n) => tensors[n]), options);
    } catch (e) {
      message = (e as Error).message;
    }
    tf.dispose([...Object.values(tensors), ...(weights ? [weights] : [])]);
    expect(message).not.toBe('');
    const answer = await driver!.request<{ type: string; message: string } | null>({
      kind: 'error',
      module,
      loss: c.loss,
      positional: positionalOf(fn),
      inputs: Object.fromEntries(Object.entries(c.x).map(([k, v]) => [k, wire({ shape: v.shape, data: Float64Array.from(v.data) }, v.dtype ?? 'float')])),
      options: c.options ?? {},
      ...(weights ? { weights: wire({ shape: [5], data: new Float64Array(5).fill(1) }) } : {}),
    });
    expect(answer).not.toBeNull();
    expect(answer!.message).toBe(message.replace(/\btf\.Tensor\b/g, 'torch.Tensor'));
    expect(['TypeError', 'ValueError']).toContain(answer!.type);
  });

  // gradcheck's finite differences move what a loss holds constant with detach: gradnorm's
  // detached target, complete_box_iou_loss's α (torchvision's no_grad) and circle's weights
  // (PML's detach) do that to their values (bce's and vae's detach only rewrites a gradient
  // into torch's form, the value's own derivative). Their backward passes are checked by (a)
  // here, and by test/grad-stdlib.test.ts against finite differences that hold them fixed.
  const NO_GRADCHECK: Readonly<Record<string, string>> = {
    gradnorm: 'not applicable: its target is detached, which finite differences cannot hold fixed',
    complete_box_iou_loss: 'not applicable: its α is detached (torchvision computes it under no_grad), which finite differences cannot hold fixed',
    circle: 'not applicable: its weights are detached (as in pytorch-metric-learning), which finite differences cannot hold fixed',
  };
  it.each(DIFFERENTIABLE.filter((l) => !(l.fn.name in NO_GRADCHECK)).map((l) => ({ loss: l.fn.name })))('$loss: torch.autograd.gradcheck in float64', async ({ loss }) => {
    const source = STDLIB_GRAD_CASES[loss]!;
    const { fn } = lossOf(loss);
    const settings = [{ ...source.base }, ...source.hypers.map((h) => ({ ...source.base, ...h }))];
    // Each setting and each reduction (sampled: not every pair of them).
    for (const [hypers, reduction] of covering(settings, fn.reduction ? (['mean', 'none'] as const) : [undefined])) {
      const c: ModuleCase = { name: 'gradcheck', loss, x: source.inputs(51), hypers, ...(reduction ? { reduction } : {}) };
      // Without the value checks: the finite differences step labels and probabilities a
      // hair outside their domains (y = 1 + 1e-6), which the checks would refuse.
      const answer = await driver!.request<{ ok: boolean }>(request({ ...c, hypers: { ...hypers } }, { kind: 'gradcheck', checkValues: false }));
      expect(answer.ok).toBe(true);
    }
    for (const [l, why] of Object.entries(NO_GRADCHECK)) row(l).gradcheck = why;
    row(loss).gradcheck = `passes (${settings.length} setting${settings.length === 1 ? '' : 's'}${fn.reduction ? ', mean and none' : ''}${FULL ? '' : ', sampled'})`;
  });
});
