// torch's class weights (`weight: [C]`) in the stdlib's cross_entropy and nll, through the
// language's divided mean `mean(l, where: m, by: d)` (Σ m·l / Σ m·d): every reduction,
// ignore_index and label smoothing as torch 2.x defines them (LossNLL.cpp), the per-sample
// `weights` option beside them. Checked against a float64 oracle written from torch's
// definition (test/oracle/class-weight.ts), central differences, real PyTorch
// (F.cross_entropy and F.nll_loss beside the generated PyTorch module), and the float32 module
// against the evaluator; the refusals by their messages.
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { check, evaluate } from '../src/api.js';
import { fsHost } from '../src/cli/files.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';
import { initBackend } from '../src/eval/setup.js';
import { differentiate } from '../src/grad/index.js';
import type { IrFunction } from '../src/ir/types.js';
import { evaluateReference, gradientsReference } from '../src/reference/evaluate.js';
import { compiledModule, type LossModule } from './helpers/compiled.js';
import { expectThrowsClean } from './helpers/throws.js';
import { runTorchDriver, torchMissing } from './helpers/torch.js';
import { torchCrossEntropy, type Reduction } from './oracle/class-weight.js';
import { fdGrad, maxAbsErr, maxRelErr } from './oracle/fd.js';
import { mulberry32 } from './oracle/tensor.js';

const CLS_FILE = 'stdlib/classification.loss';
const CLS = readFileSync(CLS_FILE, 'utf8');
const SEG_FILE = 'stdlib/segmentation.loss';

interface Case {
  readonly name: string;
  readonly x: number[][];
  readonly t: number[];
  readonly weight: number[];
  readonly eps: number;
  readonly ignore: number;
  /** Per-sample weights, when given. */
  readonly u?: number[];
}

/** Seeded logits in (-3, 3) rounded to float32, class weights in (0.25, 2.25), some targets ignored. */
function makeCase(name: string, seed: number, n: number, c: number, o: { eps?: number; ignore?: number; ignoredEvery?: number; u?: boolean; zeroWeight?: number; scale?: number }): Case {
  const rng = mulberry32(seed);
  const r = (): number => rng.next();
  const ignore = o.ignore ?? -100;
  const scale = o.scale ?? 3;
  const x = Array.from({ length: n }, () => Array.from({ length: c }, () => Math.fround(scale * (2 * r() - 1))));
  const t = Array.from({ length: n }, (_, i) => (o.ignoredEvery !== undefined && i % o.ignoredEvery === 1 ? ignore : Math.floor(r() * c)));
  const weight = Array.from({ length: c }, (_, k) => (k === o.zeroWeight ? 0 : Math.fround(0.25 + 2 * r())));
  const u = o.u ? Array.from({ length: n }, (_, i) => (i === 0 ? 0 : Math.fround(0.5 + r()))) : undefined;
  return { name, x, t, weight, eps: o.eps ?? 0, ignore, ...(u ? { u } : {}) };
}

const CASES: readonly Case[] = [
  makeCase('class weights', 1, 8, 4, { ignoredEvery: 3 }),
  makeCase('class weights and label smoothing 0.1', 2, 9, 5, { eps: 0.1, ignoredEvery: 4 }),
  makeCase('label smoothing 0.3, nothing ignored', 3, 6, 3, { eps: 0.3 }),
  makeCase('ignore_index 2 (a class), smoothing 0.05', 4, 8, 4, { ignore: 2, eps: 0.05 }),
  makeCase('a class of weight 0, smoothing 0.2', 5, 10, 4, { eps: 0.2, zeroWeight: 1, ignoredEvery: 5 }),
  makeCase('per-sample weights too (one of them 0)', 6, 7, 3, { eps: 0.1, ignoredEvery: 3, u: true }),
];
const REDUCTIONS: readonly Reduction[] = ['mean', 'sum', 'none', 'sum_by_nonzero_weights', 'sum_over_batch_size'];

const ref = (data: readonly number[], shape: number[]) => ({ shape, data: Float64Array.from(data) });
const logSoftmaxRows = (x: number[][]): number[][] =>
  x.map((row) => {
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    return row.map((v) => v - lse);
  });
const oracle = (c: Case, reduction: Reduction, x = c.x, weight = c.weight, logp = false) =>
  torchCrossEntropy(x, c.t, { weight, labelSmoothing: logp ? 0 : c.eps, ignoreIndex: c.ignore, reduction, ...(c.u ? { weights: c.u } : {}), logProbabilities: logp });
const rows = (data: ArrayLike<number>, n: number, k: number): number[][] => Array.from({ length: n }, (_, i) => Array.from(data).slice(i * k, (i + 1) * k));

let cls: LossModule;
let losses: IrFunction[];
beforeAll(async () => {
  await initBackend('wasm');
  cls = await compiledModule(CLS, CLS_FILE, 'ce-class-weight', { host: fsHost });
  losses = check(CLS, CLS_FILE, { host: fsHost }).losses;
}, 180_000);
const fnOf = (name: string): IrFunction => losses.find((f) => f.name === name)!;

describe('cross_entropy and nll with class weights: the float64 reference', () => {
  it('equals torch 2.x definition for every reduction, with ignore_index, label smoothing and per-sample weights', () => {
    for (const c of CASES) {
      const inputs = { x: ref(c.x.flat(), [c.x.length, c.x[0]!.length]), t: ref(c.t, [c.t.length]), weight: ref(c.weight, [c.weight.length]) };
      const lp = logSoftmaxRows(c.x);
      const nllInputs = { logp: ref(lp.flat(), [c.x.length, c.x[0]!.length]), t: inputs.t, weight: inputs.weight };
      for (const reduction of REDUCTIONS) {
        const options = { reduction, ...(c.u ? { weights: ref(c.u, [c.u.length]) } : {}) };
        const got = Array.from(evaluateReference(fnOf('cross_entropy'), inputs, { label_smoothing: c.eps, ignore_index: c.ignore }, options).data);
        const want = [oracle(c, reduction)].flat();
        expect(maxAbsErr(got, want), `${c.name} ${reduction}`).toBeLessThan(1e-13 * Math.max(1, ...want.map(Math.abs)));
        const gotNll = Array.from(evaluateReference(fnOf('nll'), nllInputs, { ignore_index: c.ignore }, options).data);
        const wantNll = [oracle(c, reduction, lp, c.weight, true)].flat();
        expect(maxAbsErr(gotNll, wantNll), `${c.name} nll ${reduction}`).toBeLessThan(1e-13 * Math.max(1, ...wantNll.map(Math.abs)));
      }
    }
  });

  it('gradients along the logits and along the class weights equal central differences, every reduction', () => {
    const fn = differentiate(fnOf('cross_entropy')).fn!;
    for (const c of CASES) {
      const n = c.x.length;
      const k = c.x[0]!.length;
      const inputs = { x: ref(c.x.flat(), [n, k]), t: ref(c.t, [n]), weight: ref(c.weight, [k]) };
      for (const reduction of ['mean', 'sum', 'sum_by_nonzero_weights', 'sum_over_batch_size'] as const) {
        const options = { reduction, ...(c.u ? { weights: ref(c.u, [n]) } : {}) };
        const { grads } = gradientsReference(fn, inputs, { label_smoothing: c.eps, ignore_index: c.ignore }, options);
        const scalar = (x: number[][], w: number[]): number => oracle(c, reduction, x, w) as number;
        const fdX = fdGrad((xs) => scalar(rows(xs.data, n, k), c.weight), [{ shape: [n, k], data: Float64Array.from(c.x.flat()) }], 0);
        expect(maxAbsErr(grads.x!.data, fdX.data), `${c.name} ${reduction} d/dx`).toBeLessThan(1e-8);
        // The class weights reach 'mean' through both sums; the counting modes only through the losses.
        // (Not across a weight of 0, where 'sum_by_nonzero_weights' counts a sample more or less.)
        const fdW = fdGrad((ws) => scalar(c.x, Array.from(ws.data)), [{ shape: [k], data: Float64Array.from(c.weight) }], 0);
        const counted = reduction === 'sum_by_nonzero_weights' ? c.weight.map((w) => w !== 0) : c.weight.map(() => true);
        expect(maxAbsErr(grads.weight!.data.filter((_, j) => counted[j]), fdW.data.filter((_, j) => counted[j])), `${c.name} ${reduction} d/dweight`).toBeLessThan(1e-8);
        // Ignored rows have gradient exactly 0.
        c.t.forEach((t, i) => {
          if (t === c.ignore) expect(Array.from(grads.x!.data.slice(i * k, (i + 1) * k)), `${c.name} row ${i}`).toEqual(Array<number>(k).fill(0));
        });
      }
      // Without options: the loss's own mean, the same gradient.
      const own = gradientsReference(fn, inputs, { label_smoothing: c.eps, ignore_index: c.ignore });
      const fdW = fdGrad((ws) => torchCrossEntropy(c.x, c.t, { weight: Array.from(ws.data), labelSmoothing: c.eps, ignoreIndex: c.ignore }) as number, [{ shape: [k], data: Float64Array.from(c.weight) }], 0);
      expect(maxAbsErr(own.grads.weight!.data, fdW.data), `${c.name} own d/dweight`).toBeLessThan(1e-8);
    }
  });
});

describe('cross_entropy and nll with class weights: the float32 module and the evaluator', () => {
  it('the generated module (wasm) agrees with the oracle for every reduction, values and gradients', () => {
    for (const c of CASES) {
      const n = c.x.length;
      const k = c.x[0]!.length;
      for (const reduction of REDUCTIONS) {
        const x = tf.tensor2d(c.x);
        const t = tf.tensor1d(c.t, 'int32');
        const weight = tf.tensor1d(c.weight);
        const weights = c.u ? tf.tensor1d(c.u) : undefined;
        const options = { label_smoothing: c.eps, ignore_index: c.ignore, weight, reduction, ...(weights ? { weights } : {}) };
        const want = [oracle(c, reduction)].flat();
        const { value, grads } = tf.valueAndGrads((a: tf.Tensor, w: tf.Tensor) => tf.sum(cls.cross_entropy!(a, t, { ...options, weight: w })))([x, weight]);
        const got = Array.from(cls.cross_entropy!(x, t, options).dataSync());
        expect(maxRelErr(got, want, 1), `${c.name} ${reduction}`).toBeLessThan(3e-6);
        if (reduction !== 'none') {
          const fd = fdGrad((xs) => oracle(c, reduction, rows(xs.data, n, k)) as number, [{ shape: [n, k], data: Float64Array.from(c.x.flat()) }], 0);
          expect(maxAbsErr(grads[0]!.dataSync(), fd.data), `${c.name} ${reduction} d/dx`).toBeLessThan(2e-6);
          const fdW = fdGrad((ws) => oracle(c, reduction, c.x, Array.from(ws.data)) as number, [{ shape: [k], data: Float64Array.from(c.weight) }], 0);
          const counted = reduction === 'sum_by_nonzero_weights' ? c.weight.map((w) => w !== 0) : c.weight.map(() => true);
          expect(maxAbsErr(Array.from(grads[1]!.dataSync()).filter((_, j) => counted[j]), fdW.data.filter((_, j) => counted[j])), `${c.name} ${reduction} d/dweight`).toBeLessThan(5e-6);
        }
        tf.dispose([x, t, weight, value, ...grads, ...(weights ? [weights] : [])]);
      }
    }
  }, 120_000);

  it("the evaluator (lossc eval, the playground) gives the module's float32 numbers, values and gradients", async () => {
    for (const c of [CASES[5]!]) {
      for (const reduction of REDUCTIONS) {
        const x = tf.tensor2d(c.x);
        const t = tf.tensor1d(c.t, 'int32');
        const weight = tf.tensor1d(c.weight);
        const weights = c.u ? tf.tensor1d(c.u) : undefined;
        const options = { label_smoothing: c.eps, ignore_index: c.ignore, weight, reduction, ...(weights ? { weights } : {}) };
        const got = Array.from(cls.cross_entropy!(x, t, options).dataSync());
        const r = await evaluate(CLS, CLS_FILE, { host: fsHost, loss: 'cross_entropy', inputs: { x: c.x, t: c.t, weight: c.weight, label_smoothing: c.eps, ignore_index: c.ignore }, reduction, ...(c.u ? { weights: c.u } : {}), grad: reduction !== 'none', backend: 'wasm' });
        expect(r.diagnostics.filter((d) => d.severity === 'error'), c.name).toEqual([]);
        expect([r.loss].flat(), `${c.name} ${reduction}: evaluator = module`).toEqual(got);
        if (reduction !== 'none') {
          const grads = tf.grads((a: tf.Tensor, w: tf.Tensor) => cls.cross_entropy!(a, t, { ...options, weight: w }) as tf.Scalar)([x, weight]);
          expect((r.grads!.x as number[][]).flat(), `${c.name} ${reduction}: d/dx`).toEqual(Array.from(grads[0]!.dataSync()));
          expect(r.grads!.weight, `${c.name} ${reduction}: d/dweight`).toEqual(Array.from(grads[1]!.dataSync()));
          tf.dispose(grads);
        }
        tf.dispose([x, t, weight, ...(weights ? [weights] : [])]);
      }
    }
  }, 120_000);

  it('nll(log_softmax(x), t, weight) = cross_entropy(x, t, weight) without smoothing, every reduction', () => {
    const c = CASES[0]!;
    for (const reduction of REDUCTIONS) {
      const x = tf.tensor2d(c.x);
      const lp = tf.logSoftmax(x);
      const t = tf.tensor1d(c.t, 'int32');
      const weight = tf.tensor1d(c.weight);
      const a = Array.from(cls.nll!(lp, t, { weight, reduction }).dataSync());
      const b = Array.from(cls.cross_entropy!(x, t, { weight, reduction }).dataSync());
      expect(maxAbsErr(a, b), reduction).toBeLessThan(2e-6);
      tf.dispose([x, lp, t, weight]);
    }
  });

  it('without weight, the loss is what it was: the mean over the kept samples; `weights: weight[t]` equals `weight` without smoothing', () => {
    const c = CASES[0]!;
    const x = tf.tensor2d(c.x);
    const t = tf.tensor1d(c.t, 'int32');
    const plain = cls.cross_entropy!(x, t).dataSync()[0]!;
    expect(Math.abs(plain - (oracle({ ...c, weight: [1, 1, 1, 1] }, 'mean') as number))).toBeLessThan(2e-6);
    const weight = tf.tensor1d(c.weight);
    const perSample = tf.tensor1d(c.t.map((k) => (k === c.ignore ? 3 : c.weight[k]!)));
    for (const reduction of ['mean', 'sum', 'sum_by_nonzero_weights', 'sum_over_batch_size'] as const) {
      const a = cls.cross_entropy!(x, t, { weight, reduction }).dataSync()[0]!;
      const b = cls.cross_entropy!(x, t, { weights: perSample, reduction }).dataSync()[0]!;
      expect(Math.abs(a - b), reduction).toBeLessThan(2e-6 * Math.max(1, Math.abs(a)));
    }
    tf.dispose([x, t, weight, perSample]);
  });

  it('extremes: logits of ±1e4, every sample ignored, every kept weight 0, all per-sample weights 0', () => {
    const big = makeCase('logits of ±1e4', 8, 6, 4, { eps: 0.1, ignoredEvery: 3, scale: 1e4 });
    const x = tf.tensor2d(big.x);
    const t = tf.tensor1d(big.t, 'int32');
    const weight = tf.tensor1d(big.weight);
    for (const reduction of ['mean', 'sum'] as const) {
      const v = cls.cross_entropy!(x, t, { weight, label_smoothing: big.eps, reduction }).dataSync()[0]!;
      const want = oracle(big, reduction) as number;
      expect(Number.isFinite(v)).toBe(true);
      expect(Math.abs(v - want), reduction).toBeLessThan(3e-6 * Math.abs(want));
    }
    const g = tf.grad((a: tf.Tensor) => cls.cross_entropy!(a, t, { weight, label_smoothing: big.eps }) as tf.Scalar)(x);
    expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
    // Every sample ignored, or every kept target's class weight 0: torch's NaN, gradient 0; 'sum' is 0.
    const ignored = tf.tensor1d(big.t.map(() => -100), 'int32');
    const zeroKept = tf.tensor1d(big.t.map((k) => (k === -100 ? -100 : 1)), 'int32');
    const zeroAtOne = tf.tensor1d([1, 0, 1, 1]);
    for (const [tt, w, what] of [
      [ignored, weight, 'every sample ignored'],
      [zeroKept, zeroAtOne, 'every kept weight 0'],
    ] as const) {
      const f = (a: tf.Tensor): tf.Scalar => cls.cross_entropy!(a, tt, { weight: w, label_smoothing: 0.1 }) as tf.Scalar;
      const { value, grad } = tf.valueAndGrad(f)(x);
      expect(value.dataSync()[0], what).toBeNaN();
      expect(Array.from(grad.dataSync(), (q) => q + 0), what).toEqual(Array<number>(grad.size).fill(0));
      expect(cls.cross_entropy!(x, tt, { weight: w, reduction: 'sum' }).dataSync()[0], what).toBe(0);
      const viaWeights = tf.valueAndGrad((a: tf.Tensor) => cls.cross_entropy!(a, tt, { weight: w, label_smoothing: 0.1, weights: tf.onesLike(tt).toFloat() }) as tf.Scalar)(x);
      expect(viaWeights.value.dataSync()[0], `${what}, with weights`).toBeNaN();
      expect(Array.from(viaWeights.grad.dataSync(), (q) => q + 0), `${what}, with weights`).toEqual(Array<number>(grad.size).fill(0));
      tf.dispose([value, grad, viaWeights.value, viaWeights.grad]);
    }
    const zeros = tf.zeros([big.t.length]);
    expect(cls.cross_entropy!(x, t, { weight, weights: zeros }).dataSync()[0]).toBeNaN();
    tf.dispose([x, t, weight, g, ignored, zeroKept, zeroAtOne, zeros]);
  });

  it('refuses a class weight of the wrong size or below 0, naming it', () => {
    const x = tf.tensor2d([[1, 2, 3], [0, 0, 1]]);
    const t = tf.tensor1d([2, 0], 'int32');
    const short = tf.tensor1d([1, 2]);
    expectThrowsClean(() => cls.cross_entropy!(x, t, { weight: short }), [/^cross_entropy: .*'weight'.*C/], 'wrong size');
    const negative = tf.tensor1d([1, -2, 1]);
    expectThrowsClean(() => cls.cross_entropy!(x, t, { weight: negative }), [/^cross_entropy: .*'weight'.*-2.*\[0, inf\)/], 'negative');
    tf.dispose([x, t, short, negative]);
  });

  it('ce_dice, which calls cross_entropy without a weight, keeps its value (the unweighted mean)', async () => {
    const seg = await compiledModule(readFileSync(SEG_FILE, 'utf8'), SEG_FILE, 'ce-class-weight-seg', { host: fsHost });
    const rng = mulberry32(11);
    const xs = Array.from({ length: 2 * 3 * 2 * 2 }, () => 4 * rng.next() - 2);
    const ts = Array.from({ length: 2 * 2 * 2 }, () => Math.floor(rng.next() * 3));
    const x = tf.tensor4d(xs, [2, 3, 2, 2]);
    const t = tf.tensor3d(ts, [2, 2, 2], 'int32');
    const ce = seg.ce_dice!(x, t, { ce_weight: 1, dice_weight: 0 }).dataSync()[0]!;
    // The per-pixel cross-entropy over [N, C, H, W], C second as torch's.
    const pixels = ts.map((_, p) => {
      const [n, hw] = [Math.floor(p / 4), p % 4];
      return Array.from({ length: 3 }, (_, c) => xs[n * 12 + c * 4 + hw]!);
    });
    expect(Math.abs(ce - (torchCrossEntropy(pixels, ts) as number))).toBeLessThan(2e-6);
    tf.dispose([x, t]);
  });
});

describe('the divided mean `mean(l, where: m, by: d)`: refusals', () => {
  const errors = (source: string): string[] => check(source, 'bad.loss').diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d).split('\n')[0]!);
  it('only mean takes by:', () => {
    expect(errors('loss f(x: [N], w: [N]) = sum(x, by: w)')).toEqual(["bad.loss:1:33: error E3002: 'sum' has no argument named 'by' (it takes 'where:', 'empty:')"]);
  });
  it('E4040: a denominator with an axis the operand lacks', () => {
    expect(errors('loss f(x: [N], w: [N, C]) = mean(x, by: w)')).toEqual([
      "bad.loss:1:41: error E4040: the 'by:' denominator of mean has axes [C] that its operand [N] does not have: each element adds its own denominator, so it cannot have more of them",
    ]);
  });
  it('the denominator is a number', () => {
    expect(errors('loss f(x: [N], w: bool[N]) = mean(x, by: w)')).toEqual(["bad.loss:1:42: error E3014: the 'by:' denominator of mean must be a number, but it is bool[N]"]);
  });
  it('a by: mean over some axes is a value, not the reduction: the loss of its mean takes the options', () => {
    const r = check('loss f(x: [N, K], w: [N, K]) = mean(mean(x, K, by: w))', 'ok.loss');
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(r.losses[0]!.reduction?.denominator).toBeUndefined();
    expect(r.losses[0]!.reduction?.kind).toBe('mean');
  });
});

// ---- real PyTorch: F.cross_entropy / F.nll_loss against the stdlib's generated PyTorch module ----

const PY_DRIVER = String.raw`
import torch.nn.functional as F
out = []
for c in json.load(sys.stdin):
    res = {}
    for which in ("torch", "module", "torch_nll", "module_nll"):
        nll = which.endswith("nll")
        x = torch.tensor(c["x"], dtype=torch.float64, requires_grad=True)
        t = torch.tensor(c["t"], dtype=torch.int64)
        w = torch.tensor(c["weight"], dtype=torch.float64)
        inp = torch.log_softmax(x, 1) if nll else x
        if which == "torch":
            v = F.cross_entropy(inp, t, weight=w, ignore_index=c["ignore"], label_smoothing=c["eps"], reduction=c["reduction"])
        elif which == "torch_nll":
            v = F.nll_loss(inp, t, weight=w, ignore_index=c["ignore"], reduction=c["reduction"])
        else:
            # The module takes the class axis last: [N, C, d] becomes [N, d, C].
            if inp.dim() == 3:
                inp = inp.transpose(1, 2)
            if nll:
                v = mod.nll(inp, t, weight=w, ignore_index=c["ignore"], reduction=c["reduction"])
            else:
                v = mod.cross_entropy(inp, t, weight=w, ignore_index=c["ignore"], label_smoothing=c["eps"], reduction=c["reduction"])
        value = v.reshape(-1).tolist()
        v.sum().backward()
        res[which] = {"value": ["NaN" if q != q else q for q in value], "grad": ["NaN" if q != q else q for q in x.grad.reshape(-1).tolist()]}
    out.append(res)
print(json.dumps(out))
`;

describe('class weights against real PyTorch', () => {
  const missing = torchMissing();
  it.skipIf(missing !== undefined)("F.cross_entropy and F.nll_loss (weight, label_smoothing, ignore_index; 'mean', 'sum', 'none', and [N, C, d]) = the generated PyTorch module = the oracle, float64", async () => {
    const spatial = makeCase('[N, C, d] logits', 9, 6, 3, { eps: 0.1, ignoredEvery: 4 });
    // [2, 3, 3]: the rows of spatial as (n, d) pairs, torch's layout [N, C, d].
    const x3 = [0, 1].map((nn) => [0, 1, 2].map((cc) => [0, 1, 2].map((dd) => spatial.x[nn * 3 + dd]![cc]!)));
    const t3 = [0, 1].map((nn) => [0, 1, 2].map((dd) => spatial.t[nn * 3 + dd]!));
    const flatCases = CASES.filter((c) => !c.u).flatMap((c) => (['mean', 'sum', 'none'] as const).map((reduction) => ({ c, reduction, x: c.x as unknown, t: c.t as unknown })));
    const cases = [...flatCases, ...(['mean', 'none'] as const).map((reduction) => ({ c: spatial, reduction, x: x3 as unknown, t: t3 as unknown }))];
    const input = cases.map(({ c, reduction, x, t }) => ({ x, t, weight: c.weight, ignore: c.ignore, eps: c.eps, reduction }));
    type Answer = { value: (number | 'NaN')[]; grad: (number | 'NaN')[] };
    const answers = await runTorchDriver<Record<string, Answer>[]>('ce-class-weight-py', 'classification.loss', CLS, PY_DRIVER, input);
    const num = (v: number | 'NaN'): number => (v === 'NaN' ? NaN : v);
    cases.forEach(({ c, reduction, x }, k) => {
      const a = answers[k]!;
      const what = `${c.name} (${reduction})`;
      const torchValue = a.torch!.value.map(num);
      if (x === c.x) expect(maxAbsErr(torchValue, [oracle(c, reduction)].flat()), `${what}: torch vs oracle`).toBeLessThan(1e-12 * Math.max(1, ...torchValue.map(Math.abs)));
      expect(maxAbsErr(a.module!.value.map(num), torchValue), `${what}: module vs torch`).toBeLessThan(1e-12 * Math.max(1, ...torchValue.map(Math.abs)));
      expect(maxRelErr(a.module!.grad.map(num), a.torch!.grad.map(num), 1e-6), `${what}: gradients`).toBeLessThan(1e-10);
      expect(maxAbsErr(a.module_nll!.value.map(num), a.torch_nll!.value.map(num)), `${what}: nll`).toBeLessThan(1e-12 * Math.max(1, ...a.torch_nll!.value.map(num).map(Math.abs)));
      expect(maxRelErr(a.module_nll!.grad.map(num), a.torch_nll!.grad.map(num), 1e-6), `${what}: nll gradients`).toBeLessThan(1e-10);
    });
  }, 120_000);
});
