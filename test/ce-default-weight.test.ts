// A left-out class weight costs nothing where it is a constant: a loss calling cross_entropy or
// nll without `weight` is optimized to the unweighted loss (no gather of the weight, no
// Σ w·lp over the classes, a plain masked mean without the divided mean's denominator), and
// keeps torch's numbers for every reduction, the `weights` option, ignore_index and label
// smoothing: checked against the float64 oracle written from torch's definition
// (test/oracle/class-weight.ts) with all weights 1, and its central differences, on wasm and cpu.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { fsHost } from '../src/cli/files.js';
import { initBackend, type BackendName } from '../src/eval/setup.js';
import type { IrFunction } from '../src/ir/types.js';
import { frontEnd } from '../src/pipeline.js';
import { compiledModule, type LossModule } from './helpers/compiled.js';
import { torchCrossEntropy, type Reduction } from './oracle/class-weight.js';
import { makeCase, type Case } from './oracle/class-weight-cases.js';
import { fdGrad, maxAbsErr, maxRelErr } from './oracle/fd.js';

const FILE = 'test/ce-default-weight.loss';
const SOURCE = `import { cross_entropy, nll } from "../stdlib/classification"

loss ce(x: [N, C], t: index[N] of C ignore ignore_index, label_smoothing: real in [0, 1] = 0, ignore_index: int = -100) =
  cross_entropy(x, t, label_smoothing, ignore_index)

loss nll_plain(logp: [N, C] in (-inf, 0], t: index[N] of C ignore ignore_index, ignore_index: int = -100) =
  nll(logp, t, ignore_index)

// cross_entropy as written before it took a weight: what ce must optimize to.
loss ce_unweighted(x: [N, C], t: index[N] of C ignore ignore_index, label_smoothing: real in [0, 1] = 0, ignore_index: int = -100) =
  mean(-(1 - label_smoothing) * lp[t] - label_smoothing * mean(lp, C), where: t != ignore_index, empty: 0 / 0)
  where lp = log_softmax(x, C)
`;
const REDUCTIONS: readonly Reduction[] = ['mean', 'sum', 'none', 'sum_by_nonzero_weights', 'sum_over_batch_size'];

function ops(fn: IrFunction): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of fn.nodes) if (n.op !== 'input' && n.op !== 'const') out[n.op] = (out[n.op] ?? 0) + 1;
  return out;
}

describe('a left-out class weight folds away', () => {
  const losses = frontEnd(SOURCE, FILE, { host: fsHost, stability: false }).losses;
  const fn = (name: string): IrFunction => losses.find((f) => f.name === name)!;

  it('cross_entropy without weight has the unweighted form: one gather, no denominator, one masked mean', () => {
    const ce = fn('ce');
    expect(ce.reduction?.denominator).toBeUndefined();
    expect(ce.reduction?.mask).toBeDefined();
    const [got, want] = [ops(ce), ops(fn('ce_unweighted'))];
    expect(got['gather']).toBe(1);
    for (const op of ['and', 'not', 'eq', 'ge', 'iota']) expect(got[op], op).toBeUndefined();
    // ε/C·Σ_C lp where the unweighted form has ε·mean(lp, C): a sum and a scalar division
    // instead of a mean; every other op the same.
    expect({ ...got, sum: undefined, div: undefined, size: undefined }).toEqual({ ...want, mean: (want['mean'] ?? 0) - 1 || undefined });
    expect(got['sum']).toBe(1);
  });

  it('nll without weight: no gather of the weight, no denominator', () => {
    const nll = fn('nll_plain');
    expect(nll.reduction?.denominator).toBeUndefined();
    expect(ops(nll)).toEqual({ ne: 1, select: 3, gather: 1, neg: 1, mean: 1 });
  });
});

const CASES: readonly Case[] = [
  makeCase('some targets ignored', 1, 8, 4, { ignoredEvery: 3 }),
  makeCase('label smoothing 0.1, some ignored', 2, 9, 5, { eps: 0.1, ignoredEvery: 4 }),
  makeCase('ignore_index 2 (a class), smoothing 0.05', 4, 8, 4, { ignore: 2, eps: 0.05 }),
  makeCase('per-sample weights (one of them 0)', 6, 7, 3, { eps: 0.1, ignoredEvery: 3, u: true }),
];

describe.each(['wasm', 'cpu'] as BackendName[])('cross_entropy without weight on %s: torch numbers, every reduction', (backend) => {
  let mod: LossModule;
  beforeAll(async () => {
    await initBackend(backend);
    mod = await compiledModule(SOURCE, FILE, `ce-default-weight-${backend}`, { host: fsHost });
  }, 180_000);

  it('values and gradients along the logits equal the oracle with all weights 1 (and the unweighted loss)', async () => {
    await initBackend(backend);
    for (const c of CASES) {
      const [n, k] = [c.x.length, c.x[0]!.length];
      const ones = Array.from({ length: k }, () => 1);
      const oracle = (x: number[][], reduction: Reduction) =>
        torchCrossEntropy(x, c.t, { weight: ones, labelSmoothing: c.eps, ignoreIndex: c.ignore, reduction, ...(c.u ? { weights: c.u } : {}) });
      for (const reduction of REDUCTIONS) {
        const x = tf.tensor2d(c.x);
        const t = tf.tensor1d(c.t, 'int32');
        const weights = c.u ? tf.tensor1d(c.u) : undefined;
        const options = { label_smoothing: c.eps, ignore_index: c.ignore, reduction, ...(weights ? { weights } : {}) };
        const got = Array.from(mod.ce!(x, t, options).dataSync());
        const old = Array.from(mod.ce_unweighted!(x, t, options).dataSync());
        const want = [oracle(c.x, reduction)].flat();
        expect(maxRelErr(got, want, 1), `${c.name} ${reduction}`).toBeLessThan(3e-6);
        expect(maxRelErr(got, old, 1), `${c.name} ${reduction} against the unweighted loss`).toBeLessThan(3e-6);
        if (reduction !== 'none') {
          const g = tf.grad((a: tf.Tensor) => tf.sum(mod.ce!(a, t, options)))(x);
          const fd = fdGrad((xs) => oracle(Array.from({ length: n }, (_, i) => Array.from(xs.data).slice(i * k, (i + 1) * k)), reduction) as number, [{ shape: [n, k], data: Float64Array.from(c.x.flat()) }], 0);
          expect(maxAbsErr(g.dataSync(), fd.data), `${c.name} ${reduction} d/dx`).toBeLessThan(2e-6);
          g.dispose();
        }
        tf.dispose([x, t, ...(weights ? [weights] : [])]);
      }
    }
  }, 120_000);

  it('every target ignored: NaN for the mean, as torch', async () => {
    await initBackend(backend);
    const x = tf.tensor2d([[1, 2, 3], [0, -1, 2]]);
    const t = tf.tensor1d([-100, -100], 'int32');
    expect(mod.ce!(x, t).dataSync()[0]).toBeNaN();
    expect(Number.isNaN(torchCrossEntropy([[1, 2, 3], [0, -1, 2]], [-100, -100]) as number)).toBe(true);
    tf.dispose([x, t]);
  });
});

// The rules, not the lowering, fold the weight.
describe('without the optimizer the weight is still there', () => {
  it('as written, cross_entropy without weight has its divided mean', () => {
    const ce = frontEnd(SOURCE, FILE, { host: fsHost, stability: false, optimize: false }).losses.find((f) => f.name === 'ce')!;
    expect(ce.reduction?.denominator).toBeDefined();
    expect(ops(ce)['gather']).toBe(2);
  });
});
