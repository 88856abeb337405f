// The plans the lowering derives from an IR alone (tiling, each lowering's order and value
// layouts, what a backward pass saves, the backward pass of an IR given without one) are kept
// with the IR object (src/ir/memo.ts), so repeated evaluator calls do not derive them again.
// Checked: the plans are the same objects on a second request, and one IR called again and
// again with options that lower it differently (reduction modes, weights, autodiff, the
// backend that chooses its backward pass) gives each time what a float64 cross-entropy written
// out here gives.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { check } from '../src/api.js';
import { evaluateTfjs, valueAndGradsTfjs, type TfjsEvalOptions } from '../src/eval/evaluate.js';
import { initBackend } from '../src/eval/setup.js';
import { memoryPlan } from '../src/grad/saved.js';
import { analyzeTiling } from '../src/ir/tile.js';
import { crossEntropyFixture } from './helpers/ir-fixtures.js';

const N = 6;
const C = 4;
const LOGITS = Array.from({ length: N * C }, (_, k) => Math.fround(Math.sin(1.7 * k + 0.3) * 2));
const TARGET = [0, 3, 1, 2, 3, 0];
const WEIGHTS = [1, 0.5, 2, 0, 1.5, 1];

/** Per sample: logsumexp of its row minus the target's logit, in float64. */
const perSample = (): number[] =>
  TARGET.map((t, n) => {
    const row = LOGITS.slice(n * C, n * C + C);
    const m = Math.max(...row);
    return m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0)) - row[t]!;
  });

/** d mean / d logits: (softmax - onehot) / N. */
const meanGradient = (): number[] =>
  LOGITS.map((_, k) => {
    const n = Math.floor(k / C);
    const row = LOGITS.slice(n * C, n * C + C);
    const m = Math.max(...row);
    const z = row.reduce((s, v) => s + Math.exp(v - m), 0);
    return (Math.exp(LOGITS[k]! - m) / z - (k % C === TARGET[n] ? 1 : 0)) / N;
  });

const close = (what: string, got: ArrayLike<number>, want: readonly number[]): void => {
  expect(got.length, what).toBe(want.length);
  want.forEach((w, k) => expect(Math.abs(got[k]! - w), `${what}, at ${k}: ${got[k]} vs ${w}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(w))));
};

describe('plans kept with the IR', () => {
  it('the tiling analysis and a backward pass\'s memory plan: the same objects when asked again', () => {
    const fn = check('loss ce(x: [N, C], t: index[N] of C) = mean(logsumexp(x, C) - x[t])', 'ce.loss', { gradients: true }).losses[0]!;
    expect(analyzeTiling(fn)).toBe(analyzeTiling(fn));
    expect(memoryPlan(fn, fn.gradients!.output)).toBe(memoryPlan(fn, fn.gradients!.output));
    // Another pass of the same loss has its own plan.
    expect(memoryPlan(fn, fn.gradients!.perSample!)).not.toBe(memoryPlan(fn, fn.gradients!.output));
  });

  it('one IR called with options that lower it differently, on cpu and wasm in turn: the float64 values each time', async () => {
    const fn = crossEntropyFixture(); // no backward pass: the evaluator derives one per backend
    const l = perSample();
    const mean = l.reduce((s, v) => s + v, 0) / N;
    const calls: readonly (readonly [string, TfjsEvalOptions, number[]])[] = [
      ['mean', {}, [mean]],
      ['none', { reduction: 'none' }, l],
      ['sum', { reduction: 'sum' }, [l.reduce((s, v) => s + v, 0)]],
      ['weighted mean', { reduction: 'mean', weights: tf.tensor1d(WEIGHTS) }, [l.reduce((s, v, n) => s + WEIGHTS[n]! * v, 0) / WEIGHTS.reduce((s, w) => s + w, 0)]],
      ['checkFinite', { checkFinite: true }, [mean]],
      ['none again', { reduction: 'none' }, l],
    ];
    for (const backend of ['cpu', 'wasm', 'cpu'] as const) {
      expect(await initBackend(backend)).toBe(backend);
      const inputs = { logits: tf.tensor2d(LOGITS, [N, C]), target: tf.tensor1d(TARGET, 'int32') };
      for (const round of [0, 1]) {
        for (const [what, options, want] of calls) {
          const v = evaluateTfjs(fn, inputs, {}, options);
          close(`${backend}, round ${round}, ${what}`, v.dataSync(), want);
          v.dispose();
        }
        for (const autodiff of [false, true]) {
          const { value, grads } = valueAndGradsTfjs(fn, inputs, {}, ['logits'], { autodiff });
          close(`${backend}, round ${round}, autodiff ${autodiff}: value`, value.dataSync(), [mean]);
          close(`${backend}, round ${round}, autodiff ${autodiff}: gradient`, grads.logits!.dataSync(), meanGradient());
          tf.dispose([value, grads.logits!]);
        }
      }
      tf.dispose(Object.values(inputs));
    }
    for (const [, options] of calls) if (options.weights) options.weights.dispose();
  });
});
