// stdlib/multitask.loss against independent float64 implementations, finite differences, and
// training with a tfjs optimizer through the generated module's learnable variables.
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from './helpers/compile-cache.js';
import { evaluateReference, type RefTensor } from '../src/reference/evaluate.js';
import { valueAndGradsTfjs } from '../src/eval/evaluate.js';
import { initBackend } from '../src/eval/setup.js';
import { typecheckGenerated } from '../src/emit/typecheck.js';
import { checkSource } from '../src/check/module.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';
import type { IrFunction } from '../src/ir/types.js';
import { curriculum as curriculumRef, uncertainty_weighting as uwRef } from './oracle/advanced.js';
import { fdGrad, maxRelErr } from './oracle/fd.js';
import { mulberry32, randomTensor, type F64Tensor } from './oracle/tensor.js';

const FILE = 'stdlib/multitask.loss';
const checked = checkSource(readFileSync(FILE, 'utf8'), FILE);
const loss = (name: string): IrFunction => checked.losses.find((l) => l.name === name)!;
const ref = (t: F64Tensor): RefTensor => ({ shape: [...t.shape], data: t.data });
const tft = (t: F64Tensor): tf.Tensor => tf.tensor(Array.from(t.data), t.shape, 'float32');

/**
 * GradNorm's L_grad (Chen et al., 2018, eq. 2), written from the paper: with G_i = w_i g_i,
 * r_i = (L_i/L0_i) / mean(L/L0), L_grad = sum_i |G_i - mean(G) r_i^alpha|. `target` may be
 * frozen at other weights, which is what "held constant" means for finite differences.
 */
function gradnormRef(L: F64Tensor, L0: F64Tensor, g: F64Tensor, w: F64Tensor, alpha: number, frozenW?: F64Tensor): number {
  const T = L.data.length;
  const ratio = Array.from({ length: T }, (_, i) => L.data[i]! / L0.data[i]!);
  const meanRatio = ratio.reduce((a, b) => a + b, 0) / T;
  const G = (ws: F64Tensor) => Array.from({ length: T }, (_, i) => ws.data[i]! * g.data[i]!);
  const Gt = G(frozenW ?? w);
  const meanG = Gt.reduce((a, b) => a + b, 0) / T;
  const Gw = G(w);
  let total = 0;
  for (let i = 0; i < T; i++) total += Math.abs(Gw[i]! - meanG * (ratio[i]! / meanRatio) ** alpha);
  return total;
}

beforeAll(async () => {
  await initBackend('wasm');
});

describe('multitask.loss', () => {
  it('checks without diagnostics', () => {
    expect(checked.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
    expect(checked.losses.map((l) => l.name).sort()).toEqual(['curriculum', 'gradnorm', 'uncertainty_weighting']);
  });

  it.each([3, 6])('uncertainty_weighting = float64 oracle, gradients = finite differences (T = %i)', (T) => {
    const rng = mulberry32(T);
    const L = randomTensor([T], rng, { lo: 0.1, hi: 3 });
    const s = randomTensor([T], rng, { lo: -1, hi: 1 });
    const fn = loss('uncertainty_weighting');
    const want = uwRef(L, s);
    expect(evaluateReference(fn, { task_losses: ref(L), log_vars: ref(s) }, {}).data[0]).toBeCloseTo(want, 12);
    // Left out, log_vars is its initial value 0: the plain sum of the losses.
    expect(evaluateReference(fn, { task_losses: ref(L) }, {}).data[0]).toBeCloseTo(L.data.reduce((a, b) => a + b, 0), 12);
    const { value, grads } = valueAndGradsTfjs(fn, { task_losses: tft(L), log_vars: tft(s) }, {}, ['task_losses', 'log_vars']);
    expect(value.dataSync()[0]).toBeCloseTo(want, 4);
    expect(maxRelErr(Float64Array.from(grads.log_vars!.dataSync()), fdGrad((l, v) => uwRef(l!, v!), [L, s], 1).data, 1e-3)).toBeLessThan(1e-4);
    expect(maxRelErr(Float64Array.from(grads.task_losses!.dataSync()), fdGrad((l, v) => uwRef(l!, v!), [L, s], 0).data, 1e-3)).toBeLessThan(1e-4);
  });

  it('gradnorm = the paper, with the target held constant: d/dw differs from the naive derivative', () => {
    const rng = mulberry32(5);
    const [L, L0, g, w] = [randomTensor([5], rng, { lo: 0.2, hi: 2 }), randomTensor([5], rng, { lo: 0.5, hi: 3 }), randomTensor([5], rng, { lo: 0.1, hi: 5 }), randomTensor([5], rng, { lo: 0.5, hi: 1.5 })];
    const fn = loss('gradnorm');
    for (const alpha of [0, 1.5, 3]) {
      const want = gradnormRef(L!, L0!, g!, w!, alpha);
      const inputs = { task_losses: ref(L!), initial_losses: ref(L0!), grad_norms: ref(g!), task_weights: ref(w!) };
      expect(evaluateReference(fn, inputs, { alpha }).data[0]).toBeCloseTo(want, 12);
      const { value, grads } = valueAndGradsTfjs(fn, { task_losses: tft(L!), initial_losses: tft(L0!), grad_norms: tft(g!), task_weights: tft(w!) }, { alpha }, ['task_weights', 'task_losses']);
      expect(value.dataSync()[0]).toBeCloseTo(want, 4);
      const frozen = fdGrad((ws) => gradnormRef(L!, L0!, g!, ws!, alpha, w!), [w!], 0).data;
      const naive = fdGrad((ws) => gradnormRef(L!, L0!, g!, ws!, alpha), [w!], 0).data;
      expect(maxRelErr(Float64Array.from(grads.task_weights!.dataSync()), frozen, 1e-3)).toBeLessThan(1e-4);
      // Differentiating through the target (no detach) would give another gradient.
      if (alpha > 0) expect(maxRelErr(frozen, naive, 1e-3)).toBeGreaterThan(1e-2);
      // The task losses enter only through the detached target.
      expect(Array.from(grads.task_losses!.dataSync())).toEqual([0, 0, 0, 0, 0]);
    }
  });

  it.each([
    { epoch: 0, total: 10 },
    { epoch: 4, total: 10 },
    { epoch: 10, total: 10 },
  ])('curriculum = the tutorial at epoch $epoch of $total', ({ epoch, total }) => {
    const rng = mulberry32(epoch + 1);
    const losses = randomTensor([12], rng, { lo: 0, hi: 2 });
    const difficulty = randomTensor([12], rng, { lo: 0, hi: 1 });
    const want = curriculumRef(losses, difficulty, { epoch, total_epochs: total });
    const got = evaluateReference(loss('curriculum'), { losses: ref(losses), difficulty: ref(difficulty) }, { epoch, total_epochs: total });
    expect(got.data[0]).toBeCloseTo(want, 9);
  });
});

describe('training the learnable parameters with a tfjs optimizer', () => {
  let mod: Record<string, (...args: unknown[]) => unknown>;
  beforeAll(async () => {
    const r = await compile(readFileSync(FILE, 'utf8'), FILE);
    expect(r.diagnostics).toEqual([]);
    expect(await typecheckGenerated({ 'generated/multitask.ts': r.code! })).toEqual([]);
    mkdirSync('test/.tmp/stdlib', { recursive: true });
    writeFileSync('test/.tmp/stdlib/multitask.ts', r.code!);
    const path = './.tmp/stdlib/multitask.ts'; // written just above, so not resolved statically
    mod = (await import(path)) as typeof mod;
  }, 120_000);

  it('uncertainty_weighting: each log-variance converges to log of its task loss', () => {
    const taskLosses = tf.tensor1d([2.5, 0.8, 1.2]);
    const params = mod.uncertainty_weighting_parameters!({ T: 3 }) as { log_vars: tf.Variable };
    expect(Array.from(params.log_vars.dataSync())).toEqual([0, 0, 0]);
    const optimizer = tf.train.adam(0.05);
    const step = () => optimizer.minimize(() => mod.uncertainty_weighting!(taskLosses, { log_vars: params.log_vars }) as tf.Scalar, false, [params.log_vars]);
    step(); // creates Adam's two moment accumulators
    const before = tf.memory().numTensors;
    for (let k = 0; k < 600; k++) step();
    expect(tf.memory().numTensors).toBe(before);
    // d/ds (exp(-s) L + s) = 0 at s = log L.
    const learned = Array.from(params.log_vars.dataSync());
    [2.5, 0.8, 1.2].forEach((l, i) => expect(learned[i]).toBeCloseTo(Math.log(l), 2));
    optimizer.dispose();
  });

  it('gradnorm: weights move so the weighted gradient norms follow the training rates', () => {
    // Fixed raw gradient norms and losses; with alpha = 0 the target is the mean weighted norm,
    // so after training w_i g_i are all equal (GradNorm's balancing), before renormalisation.
    const g = tf.tensor1d([4, 1, 0.5]);
    const L = tf.tensor1d([1, 1, 1]);
    const params = mod.gradnorm_parameters!({ T: 3 }) as { task_weights: tf.Variable };
    const optimizer = tf.train.adam(0.005);
    for (let step = 0; step < 1000; step++) {
      optimizer.minimize(() => mod.gradnorm!(L, L, g, { alpha: 0, task_weights: params.task_weights }) as tf.Scalar, false, [params.task_weights]);
      // Renormalise so the weights sum to T, as the paper does after each step.
      tf.tidy(() => params.task_weights.assign(tf.mul(params.task_weights, 3 / tf.sum(params.task_weights).dataSync()[0]!)));
    }
    const w = Array.from(params.task_weights.dataSync());
    const weighted = w.map((wi, i) => wi * [4, 1, 0.5][i]!);
    // From a spread of 3.5 (4 - 0.5) to within a few SGD steps of equal.
    expect(Math.max(...weighted) - Math.min(...weighted)).toBeLessThan(0.1);
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(3, 4);
    optimizer.dispose();
  });
});


