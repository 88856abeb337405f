// One program through the whole compiler, three ways: its generated module, the tfjs
// evaluator and the float64 reference evaluator (before and after optimization) must agree
// on values, reductions with weights, and gradients, and leave no tensor behind.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { check, compile } from '../../src/api.js';
import { ModuleNames, planLoss } from '../../src/emit/plan.js';
import { evaluateReference } from '../../src/reference/evaluate.js';
import { evaluateTfjs, valueAndGradsTfjs } from '../../src/eval/evaluate.js';
import { formatDiagnostic } from '../../src/diagnostics/diagnostic.js';
import type { IrFunction } from '../../src/ir/types.js';
import { expectClose, importModule } from './compare.js';
import { mulberry32 } from './gen-program.js';
import { callModule, sampleInputs, toRef, toTf, type LossFunction, type SampleOptions } from './inputs.js';

/** The name each loss is declared under in its module (`x²` cannot be: it becomes `x__`). */
export function exportedNames(losses: readonly IrFunction[]): Map<string, string> {
  const names = new ModuleNames();
  return new Map(losses.map((l) => [l.name, planLoss(l, names).functionName]));
}

/** Per-sample weights in [0.1, 1.1), of the shape of `t`. */
function weightsLike(t: tf.Tensor, seed: number): tf.Tensor {
  const rng = mulberry32(seed);
  return tf.tensor(Array.from({ length: t.size }, () => Math.fround(0.1 + rng())), t.shape);
}

/** Compiles `text`, checks every loss on inputs drawn with `seed`; returns the module's code. */
export async function expectAgreement(text: string, seed: number, sampling: SampleOptions = {}): Promise<string> {
  const checked = check(text, 'fz.loss', { optimize: false });
  expect(checked.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d)), text).toEqual([]);
  const compiled = await compile(text, 'fz.loss');
  expect(compiled.code, text).toBeDefined();
  const mod = await importModule<Record<string, LossFunction>>(compiled.code!, 'programs');
  const exported = exportedNames(compiled.losses);
  for (const fn of compiled.losses) {
    if (fn.functions && fn.functions.length > 0) continue;
    const raw = checked.losses.find((l) => l.name === fn.name)!;
    const f = mod[fn.name] ?? mod[exported.get(fn.name)!];
    expect(typeof f, `${fn.name} is not exported\n${text}`).toBe('function');
    agree(fn, raw, f!, text, seed, sampling);
  }
  return compiled.code!;
}

function agree(fn: IrFunction, raw: IrFunction, f: LossFunction, text: string, seed: number, sampling: SampleOptions): void {
  const sample = sampleInputs(fn, mulberry32(seed), sampling);
  const before = tf.memory().numTensors;
  const inputs = toTf(sample);
  const viaModule = callModule(fn, f, inputs, sample.hypers);
  const viaEval = evaluateTfjs(fn, inputs, sample.hypers);
  expect(viaModule.shape, text).toEqual(viaEval.shape);
  expectClose(viaModule.dataSync(), viaEval.dataSync(), 1e-4, `module vs evaluator\n${text}`);
  // float64, before and after the optimizer: the same numbers up to float32 rounding.
  for (const ir of [fn, raw]) {
    const ref = evaluateReference(ir, toRef(sample), sample.hypers);
    expectClose(viaEval.dataSync(), ref.data, 2e-3, `evaluator vs reference${ir === raw ? ' (unoptimized)' : ''}\n${text}`);
  }
  if (fn.reduction) {
    const none = evaluateTfjs(fn, inputs, sample.hypers, { reduction: 'none' });
    const weights = weightsLike(none, seed);
    for (const reduction of ['none', 'sum', 'mean'] as const) {
      const m = callModule(fn, f, inputs, sample.hypers, { reduction, weights });
      const e = evaluateTfjs(fn, inputs, sample.hypers, { reduction, weights });
      expectClose(m.dataSync(), e.dataSync(), 1e-4, `reduction '${reduction}' with weights\n${text}`);
      tf.dispose([m, e]);
    }
    tf.dispose([none, weights]);
  }
  const wrt = fn.inputs.filter((i) => i.elem === 'real' && inputs[i.name]).map((i) => i.name);
  if (wrt.length > 0) {
    const xs = wrt.map((n) => inputs[n]!);
    // tf.grads itself throws for a loss that ignores its inputs; allow zero gradients.
    const moduleRun = tf.engine().gradients(() => tf.sum(callModule(fn, f, inputs, sample.hypers)), xs, undefined, true);
    const { value, grads } = valueAndGradsTfjs(fn, inputs, sample.hypers, wrt);
    wrt.forEach((n, i) => {
      const g = moduleRun.grads[i] ?? tf.zerosLike(xs[i]!);
      expectClose(g.dataSync(), grads[n]!.dataSync(), 1e-3, `d/d${n}\n${text}`);
      g.dispose();
    });
    tf.dispose([moduleRun.value, value, ...Object.values(grads)]);
  }
  tf.dispose([viaModule, viaEval, ...Object.values(inputs)]);
  expect(tf.memory().numTensors, `tensors leaked\n${text}`).toBe(before);
}
