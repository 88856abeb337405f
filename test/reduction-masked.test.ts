// `reduction` and `weights` for a loss whose outer mean is masked (`mean(l, where: m)`, issue 17
// item 6): the per-sample losses are select(m, l, 0) and each weighs w·m, so 'mean' is
// Σ w·m·l / Σ w·m, 'sum' Σ w·m·l, 'none' w·select(m, l, 0), 'sum_by_nonzero_weights' over the
// number of nonzero w·m, and 'sum_over_batch_size' over the number of selected losses (Keras 3's
// apply_mask: the batch under a mask is what it selects). Exact values against a float64 oracle
// written here, the generated module (the compiler's backward pass and tfjs's autodiff), the
// evaluator, the float64 reference and the PyTorch module; gradients by central differences.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { check, evaluate } from '../src/api.js';
import { initBackend } from '../src/eval/setup.js';
import { REDUCTION_NAMES, type ReductionMode } from '../src/ir/reduction.js';
import { evaluateReference } from '../src/reference/evaluate.js';
import { compiledModule, type LossModule } from './helpers/compiled.js';
import { runTorchDriver, torchMissing } from './helpers/torch.js';
import { fdGrad, maxAbsErr } from './oracle/fd.js';

// A token-level loss over [N, T] with a mask of the same shape, and one whose mask lacks T
// (whole samples selected).
const SOURCE = `
loss tokens(x: [N, T], y: [N, T], m: bool[N, T]) = mean((x - y)^2, where: m)
loss samples(x: [N, T], keep: bool[N]) = mean(x^2 + x, where: keep)
loss summed(x: [N, T], m: bool[N, T]) = sum(x^2, where: m)
`;

const X = [[0.5, -1.25, 2], [1.5, 0.25, -0.75], [3, -2, 1]];
const Y = [[0, 1, 1], [2, 0, 0], [1, 1, 1]];
const M = [[true, false, true], [false, true, true], [false, false, true]];
const KEEP = [true, false, true];
const W_FULL = [[1, 2, 3], [0.5, 1, 2], [0, 4, 1.5]];
const W_ROWS = [[2], [1], [0.5]];

/** The oracle: per-sample losses l (3×3), selection s (0/1), weights w broadcast (or 1). */
function reduceOracle(l: number[][], s: number[][], w: number[][] | undefined, mode: ReductionMode): number | number[][] {
  const wAt = (i: number, j: number): number => (w ? w[i]![w[i]!.length === 1 ? 0 : j]! : 1);
  if (mode === 'none') return l.map((row, i) => row.map((v, j) => wAt(i, j) * (s[i]![j] ? v : 0)));
  let num = 0;
  let den = 0;
  let nonzero = 0;
  let selected = 0;
  l.forEach((row, i) =>
    row.forEach((v, j) => {
      const ws = wAt(i, j) * s[i]![j]!;
      num += ws * v;
      den += ws;
      nonzero += ws !== 0 ? 1 : 0;
      selected += s[i]![j]!;
    }),
  );
  const by = { mean: den, sum: 1, sum_by_nonzero_weights: nonzero, sum_over_batch_size: selected } as const;
  return by[mode] === 0 ? NaN : num / by[mode];
}

const tokensL = (x: number[][]): number[][] => x.map((row, i) => row.map((v, j) => (v - Y[i]![j]!) ** 2));
const samplesL = (x: number[][]): number[][] => x.map((row) => row.map((v) => v * v + v));
const tokensS = M.map((row) => row.map(Number));
const samplesS = KEEP.map((k) => [k, k, k].map(Number));

const CASES = [
  { loss: 'tokens', l: tokensL, s: tokensS, args: (x: tf.Tensor) => [x, tf.tensor2d(Y), tf.tensor2d(M, undefined, 'bool')] },
  { loss: 'samples', l: samplesL, s: samplesS, args: (x: tf.Tensor) => [x, tf.tensor1d(KEEP, 'bool')] },
] as const;

let mod: LossModule;
let autodiffMod: LossModule;
beforeAll(async () => {
  await initBackend('wasm');
  mod = await compiledModule(SOURCE, 'masked.loss', 'reduction-masked');
  autodiffMod = await compiledModule(SOURCE, 'masked.loss', 'reduction-masked-autodiff', { autodiff: true });
});

const toGrid = (data: ArrayLike<number>): number[][] => [0, 1, 2].map((i) => Array.from(data).slice(3 * i, 3 * i + 3));

describe('reduction and weights of a masked outer mean', () => {
  it('every mode, unweighted and weighted ([N, T] and a leading part [N, 1]): values and gradients, both backward passes', () => {
    for (const c of CASES) {
      for (const weights of [undefined, W_FULL, W_ROWS]) {
        for (const reduction of REDUCTION_NAMES) {
          const what = `${c.loss} ${reduction} ${weights ? `weights ${weights[0]!.length === 1 ? '[N, 1]' : '[N, T]'}` : 'unweighted'}`;
          const expected = reduceOracle(c.l(X), c.s, weights, reduction);
          for (const m of [mod, autodiffMod]) {
            const x = tf.tensor2d(X);
            const [, ...rest] = c.args(x);
            const w = weights ? tf.tensor2d(weights) : undefined;
            const f = (a: tf.Tensor): tf.Tensor => m[c.loss]!(a, ...rest, { reduction, ...(w ? { weights: w } : {}) });
            const { value, grad } = tf.valueAndGrad((a: tf.Tensor) => tf.sum(f(a)))(x);
            if (reduction === 'none') {
              expect(toGrid(f(x).dataSync()), what).toEqual((expected as number[][]).map((row) => row.map((v) => Math.fround(v))));
            } else {
              expect(Math.abs(value.dataSync()[0]! - (expected as number)), what).toBeLessThan(1e-6 * Math.max(1, Math.abs(expected as number)));
            }
            // d/dx of the sum of the result, against central differences of the oracle.
            const total = (xs: number[][]): number => {
              const r = reduceOracle(c.l(xs), c.s, weights, reduction);
              return typeof r === 'number' ? r : r.flat().reduce((a, b) => a + b, 0);
            };
            const fd = fdGrad((t) => total(toGrid(t.data)), [{ shape: [3, 3], data: Float64Array.from(X.flat()) }], 0);
            expect(maxAbsErr(grad.dataSync(), fd.data), `${what}: gradient`).toBeLessThan(2e-5);
            tf.dispose([x, ...rest, value, grad, ...(w ? [w] : [])]);
          }
        }
      }
    }
  });

  it('the float64 reference gives the oracle for every mode', () => {
    const fn = check(SOURCE, 'masked.loss').losses.find((f) => f.name === 'tokens')!;
    const t = (rows: number[][]) => ({ shape: [rows.length, rows[0]!.length], data: Float64Array.from(rows.flat()) });
    for (const weights of [undefined, W_FULL, W_ROWS]) {
      for (const reduction of REDUCTION_NAMES) {
        const r = evaluateReference(fn, { x: t(X), y: t(Y), m: t(tokensS) }, {}, { reduction, ...(weights ? { weights: t(weights) } : {}) });
        const expected = reduceOracle(tokensL(X), tokensS, weights, reduction);
        const got = reduction === 'none' ? toGrid(r.data) : r.data[0]!;
        if (typeof expected === 'number') expect(Math.abs((got as number) - expected), `${reduction}`).toBeLessThan(1e-14 * Math.max(1, Math.abs(expected)));
        else expect(got).toEqual(expected);
      }
    }
  });

  it('a mask that selects nothing: the loss itself gives its empty value, the dividing modes NaN with gradient 0, sum 0', () => {
    const x = tf.tensor2d(X);
    const none = tf.zeros([3, 3], 'bool');
    const y = tf.tensor2d(Y);
    expect(mod.tokens!(x, y, none).dataSync()[0]).toBe(0);
    for (const reduction of ['sum_by_nonzero_weights', 'sum_over_batch_size'] as const) {
      const { value, grad } = tf.valueAndGrad((a: tf.Tensor) => mod.tokens!(a, y, none, { reduction }))(x);
      expect(value.dataSync()[0], reduction).toBeNaN();
      expect(Array.from(grad.dataSync(), (v) => v + 0), reduction).toEqual(Array<number>(9).fill(0));
      tf.dispose([value, grad]);
    }
    expect(mod.tokens!(x, y, none, { reduction: 'sum' }).dataSync()[0]).toBe(0);
    tf.dispose([x, none, y]);
  });

  it("a masked sum's 'mean' is the masked mean", () => {
    const x = tf.tensor2d(X);
    const m = tf.tensor2d(M, undefined, 'bool');
    const expected = reduceOracle(X.map((r) => r.map((v) => v * v)), tokensS, undefined, 'mean') as number;
    expect(Math.abs(mod.summed!(x, m, { reduction: 'mean' }).dataSync()[0]! - expected)).toBeLessThan(1e-6);
    tf.dispose([x, m]);
  });

  it('evaluate takes reduction and weights for a masked loss', async () => {
    const r = await evaluate(SOURCE, 'masked.loss', { loss: 'tokens', inputs: { x: X, y: Y, m: M }, reduction: 'mean', weights: W_FULL, backend: 'cpu' } as Parameters<typeof evaluate>[2]);
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(r.loss).toBeCloseTo(reduceOracle(tokensL(X), tokensS, W_FULL, 'mean') as number, 5);
  });
});

const PY = String.raw`
out = []
for c in json.load(sys.stdin):
    x = torch.tensor(c["x"], dtype=torch.float64)
    kw = {"reduction": c["reduction"]}
    if c["w"] is not None:
        kw["weights"] = torch.tensor(c["w"], dtype=torch.float64)
    v = mod.tokens(x, torch.tensor(c["y"], dtype=torch.float64), torch.tensor(c["m"]), **kw)
    out.append(v.reshape(-1).tolist())
print(json.dumps(out))
`;

describe('the PyTorch target', () => {
  const missing = torchMissing();
  it.skipIf(missing !== undefined)('runs every mode of a masked loss, float64, as the oracle', async () => {
    const cases = [undefined, W_FULL, W_ROWS].flatMap((w) => REDUCTION_NAMES.map((reduction) => ({ x: X, y: Y, m: M, w: w ?? null, reduction })));
    const answers = await runTorchDriver<number[][]>('reduction-masked-py', 'masked.loss', SOURCE, PY, cases);
    cases.forEach((c, k) => {
      const expected = reduceOracle(tokensL(X), tokensS, c.w ?? undefined, c.reduction);
      const flat = typeof expected === 'number' ? [expected] : expected.flat();
      expect(maxAbsErr(answers[k]!, flat), `${c.reduction} ${c.w ? 'weighted' : ''}`).toBeLessThan(1e-12);
    });
  }, 60_000);
});
