// The generated function of a loss whose optional inputs default to a constant runs a second
// body when the caller leaves them all out: those inputs are constants in it, optimized away
// (stdlib cross_entropy and nll without `weight` do the unweighted work). Checked: called
// without `weight` and with `weight` all ones, the values and gradients agree with each other
// and with the float64 oracle written from torch's definition (test/oracle/class-weight.ts)
// and its central differences, every reduction, the `weights` option, ignore_index and label
// smoothing, on wasm and cpu; the default call runs as many kernels as the loss written before
// it took a weight (bench/cross-entropy-unweighted.loss), fewer than the weighted call; the
// evaluator takes the same body as the module; the PyTorch module (the same lowering) without
// `weight` = with weight all ones = real PyTorch's F.cross_entropy and F.nll_loss, in float64.
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { fsHost } from '../src/cli/files.js';
import { valueAndGradsTfjs, evaluateTfjs } from '../src/eval/evaluate.js';
import { initBackend, type BackendName } from '../src/eval/setup.js';
import { withDefaultsLeftOut } from '../src/opt/specialise.js';
import type { IrFunction } from '../src/ir/types.js';
import { frontEnd } from '../src/pipeline.js';
import { compiledModule, type LossModule } from './helpers/compiled.js';
import { runTorchDriver, torchMissing } from './helpers/torch.js';
import { torchCrossEntropy, type Reduction } from './oracle/class-weight.js';
import { makeCase, type Case } from './oracle/class-weight-cases.js';
import { fdGrad, maxAbsErr, maxRelErr } from './oracle/fd.js';

const CLS_FILE = 'stdlib/classification.loss';
const CLS = readFileSync(CLS_FILE, 'utf8');
const OLD_FILE = 'bench/cross-entropy-unweighted.loss';
const OLD = readFileSync(OLD_FILE, 'utf8');
const REDUCTIONS: readonly Reduction[] = ['mean', 'sum', 'none', 'sum_by_nonzero_weights', 'sum_over_batch_size'];

const CASES: readonly Case[] = [
  makeCase('plain', 11, 6, 4, {}),
  makeCase('some targets ignored', 12, 8, 4, { ignoredEvery: 3 }),
  makeCase('label smoothing 0.1, some ignored', 13, 9, 5, { eps: 0.1, ignoredEvery: 4 }),
  makeCase('ignore_index 2 (a class), smoothing 0.05', 14, 8, 4, { ignore: 2, eps: 0.05 }),
  makeCase('per-sample weights (one of them 0)', 15, 7, 3, { eps: 0.1, ignoredEvery: 3, u: true }),
];

/** float64 log_softmax of each row, rounded to float32: nll's input. */
function logSoftmaxRows(x: readonly (readonly number[])[]): number[][] {
  return x.map((row) => {
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    return row.map((v) => Math.fround(v - lse));
  });
}

const rows = (flat: ArrayLike<number>, n: number, k: number): number[][] => Array.from({ length: n }, (_, i) => Array.from(flat).slice(i * k, (i + 1) * k));

describe('the body with the defaulted inputs left out', () => {
  const losses = frontEnd(CLS, CLS_FILE, { host: fsHost, stability: false, gradients: true }).losses;
  const fn = (name: string): IrFunction => losses.find((f) => f.name === name)!;

  it('cross_entropy and nll keep one: no weight input, the plain masked mean, with its backward pass', () => {
    for (const name of ['cross_entropy', 'nll']) {
      const leftOut = fn(name).specialised?.find((s) => s.leftOut.includes('weight'))?.fn;
      expect(leftOut, name).toBeDefined();
      expect(leftOut!.inputs.map((i) => i.name), name).toEqual(fn(name).inputs.filter((i) => i.name !== 'weight').map((i) => i.name));
      expect(leftOut!.reduction?.denominator, name).toBeUndefined();
      expect(leftOut!.reduction?.mask, name).toBeDefined();
      expect(leftOut!.gradients?.perSample, name).toBeDefined();
      expect(leftOut!.nodes.filter((n) => n.op === 'gather').length, name).toBeLessThan(fn(name).nodes.filter((n) => n.op === 'gather').length);
      // The general body keeps the divided mean the weight needs.
      expect(fn(name).reduction?.denominator, name).toBeDefined();
    }
  });

  it('only inputs with a constant default, a fixed shape and given by the caller are left out', () => {
    const checked = frontEnd(
      `loss a(x: [N], y: [N] = x) = mean(x * y)
loss b(x: [N], param s: [N] = 0) = mean(x + s)
loss c(x: [...], w: [...] = 1) = mean(x * w)
loss d(x: [N], w: [N] = 2, v: [N] = 3) = mean(x * w + v)`,
      'left-out.loss',
      { optimize: false, stability: false },
    );
    expect(checked.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const by = (name: string): IrFunction => checked.losses.find((f) => f.name === name)!;
    expect(withDefaultsLeftOut(by('a'))).toBeUndefined();
    expect(withDefaultsLeftOut(by('b'))).toBeUndefined();
    expect(withDefaultsLeftOut(by('c'))).toBeUndefined();
    // Both inputs of d at once: one more body, not one per subset.
    expect(withDefaultsLeftOut(by('d'))!.inputs.map((i) => i.name)).toEqual(['x']);
  });
});

describe.each(['wasm', 'cpu'] as BackendName[])('stdlib cross_entropy and nll without weight on %s', (backend) => {
  let mod: LossModule;
  let old: LossModule;
  beforeAll(async () => {
    await initBackend(backend);
    mod = await compiledModule(CLS, CLS_FILE, `default-specialise-${backend}`, { host: fsHost });
    old = await compiledModule(OLD, OLD_FILE, `default-specialise-old-${backend}`, { host: fsHost });
  }, 180_000);

  for (const loss of ['cross_entropy', 'nll'] as const) {
    it(`${loss}: no weight = weight all ones = torch's oracle, values and gradients, every reduction`, async () => {
      await initBackend(backend);
      // nll takes no label smoothing.
      for (const c of CASES.filter((c) => loss === 'cross_entropy' || c.eps === 0)) {
        const [n, k] = [c.x.length, c.x[0]!.length];
        const input = loss === 'nll' ? logSoftmaxRows(c.x) : c.x;
        const ones = Array.from({ length: k }, () => 1);
        const oracle = (x: number[][], reduction: Reduction): number | number[] =>
          torchCrossEntropy(x, c.t, { weight: ones, labelSmoothing: c.eps, ignoreIndex: c.ignore, reduction, logProbabilities: loss === 'nll', ...(c.u ? { weights: c.u } : {}) });
        for (const reduction of REDUCTIONS) {
          const x = tf.tensor2d(input);
          const t = tf.tensor1d(c.t, 'int32');
          const weight = tf.ones([k]);
          const weights = c.u ? tf.tensor1d(c.u) : undefined;
          const options = { ...(loss === 'cross_entropy' ? { label_smoothing: c.eps } : {}), ignore_index: c.ignore, reduction, ...(weights ? { weights } : {}) };
          const f = (o: object) => (a: tf.Tensor): tf.Tensor => tf.sum(mod[loss]!(a, t, o));
          const [left, ones1] = [f(options), f({ ...options, weight })];
          const got = Array.from(mod[loss]!(x, t, options).dataSync());
          const withOnes = Array.from(mod[loss]!(x, t, { ...options, weight }).dataSync());
          const want = [oracle(input, reduction)].flat();
          const label = `${c.name} ${reduction}`;
          expect(maxRelErr(got, want, 1), label).toBeLessThan(3e-6);
          expect(maxRelErr(got, withOnes, 1), `${label}: no weight against weight 1`).toBeLessThan(2e-6);
          const g = tf.grad(left)(x);
          const gOnes = tf.grad(ones1)(x);
          // d Σ out / dx: the oracle summed ('none' too).
          const fd = fdGrad((xs) => [oracle(rows(xs.data, n, k), reduction)].flat().reduce((s, v) => s + v, 0), [{ shape: [n, k], data: Float64Array.from(input.flat()) }], 0);
          expect(maxAbsErr(g.dataSync(), fd.data), `${label} d/dx`).toBeLessThan(3e-6);
          expect(maxAbsErr(g.dataSync(), gOnes.dataSync()), `${label} d/dx: no weight against weight 1`).toBeLessThan(1e-6);
          tf.dispose([x, t, weight, g, gOnes, ...(weights ? [weights] : [])]);
        }
      }
    }, 120_000);
  }

  it('every target ignored: NaN for the mean, 0 for the sum, as torch', async () => {
    await initBackend(backend);
    const x = tf.tensor2d([[1, 2, 3], [0, -1, 2]]);
    const t = tf.tensor1d([-100, -100], 'int32');
    expect(mod['cross_entropy']!(x, t).dataSync()[0]).toBeNaN();
    expect(mod['cross_entropy']!(x, t, { reduction: 'sum' }).dataSync()[0]).toBe(0);
    expect(Number.isNaN(torchCrossEntropy([[1, 2, 3], [0, -1, 2]], [-100, -100]) as number)).toBe(true);
    tf.dispose([x, t]);
  });

  it('the default call runs the kernels of the loss written without a weight, fewer than with weight 1', async () => {
    await initBackend(backend);
    const c = makeCase('kernels', 21, 64, 10, { ignoredEvery: 5 });
    const x = tf.tensor2d(c.x);
    const t = tf.tensor1d(c.t, 'int32');
    const weight = tf.ones([10]);
    const kernels = async (f: (a: tf.Tensor) => tf.Tensor): Promise<string[]> => {
      const profile = await tf.profile(() => {
        const { value, grads } = tf.valueAndGrads((a: tf.Tensor) => f(a) as tf.Scalar)([x]);
        tf.dispose([value, ...grads]);
      });
      return profile.kernels.map((k) => k.name);
    };
    for (const options of [{}, { label_smoothing: 0.1 }]) {
      const left = await kernels((a) => mod['cross_entropy']!(a, t, options));
      const unweighted = await kernels((a) => old['cross_entropy']!(a, t, options));
      const weighted = await kernels((a) => mod['cross_entropy']!(a, t, { ...options, weight }));
      // One scalar kernel more: the stdlib writes ε/C·Σ_C lp (a scalar RealDiv, a Sum) where the
      // unweighted loss has ε·mean(lp, C) (a Mean), and the backward passes differ by it alike.
      expect(left.length - unweighted.length, JSON.stringify(options)).toBeGreaterThanOrEqual(0);
      expect(left.length - unweighted.length, JSON.stringify(options)).toBeLessThanOrEqual(1);
      // No gather of the weight: the logits' gathers alone, as the unweighted loss.
      expect(left.filter((k) => k === 'GatherV2').length).toBe(unweighted.filter((k) => k === 'GatherV2').length);
      expect(left.length, JSON.stringify(options)).toBeLessThan(weighted.length);
    }
    tf.dispose([x, t, weight]);
  });

  it('the evaluator runs the body the module runs: same values, gradients and kernels', async () => {
    await initBackend(backend);
    const fn = frontEnd(CLS, CLS_FILE, { host: fsHost, stability: false, gradients: true, target: backend }).losses.find((f) => f.name === 'cross_entropy')!;
    const c = CASES[2]!;
    const x = tf.tensor2d(c.x);
    const t = tf.tensor1d(c.t, 'int32');
    const hypers = { label_smoothing: c.eps, ignore_index: c.ignore };
    for (const reduction of REDUCTIONS) {
      const e = valueAndGradsTfjs(fn, { x, t }, hypers, ['x'], { reduction });
      const m = tf.valueAndGrads((a: tf.Tensor) => tf.sum(mod['cross_entropy']!(a, t, { ...hypers, reduction })) as tf.Scalar)([x]);
      expect(maxRelErr(Array.from(tf.sum(e.value).dataSync()), Array.from(m.value.dataSync()), 1), reduction).toBeLessThan(1e-6);
      expect(maxAbsErr(e.grads['x']!.dataSync(), m.grads[0]!.dataSync()), reduction).toBeLessThan(1e-7);
      tf.dispose([e.value, ...Object.values(e.grads), m.value, ...m.grads]);
    }
    const kernels = async (f: () => tf.Tensor): Promise<string[]> => (await tf.profile(() => tf.dispose(f()))).kernels.map((k) => k.name);
    // The live interpreter makes some scalar constants as tensors (Fill kernels) the module writes inline.
    const computing = (names: string[]): string[] => names.filter((k) => k !== 'Fill');
    const weight = tf.ones([c.x[0]!.length]);
    const evaluated = await kernels(() => evaluateTfjs(fn, { x, t }, hypers));
    const moduled = await kernels(() => mod['cross_entropy']!(x, t, hypers));
    const weighted = await kernels(() => mod['cross_entropy']!(x, t, { ...hypers, weight }));
    const evaluatedWeighted = await kernels(() => evaluateTfjs(fn, { x, t, weight }, hypers));
    expect(computing(evaluated)).toEqual(computing(moduled));
    // The weight's gather is gone from both (a given weight's checks add kernels of their own).
    const gathers = (names: string[]): number => names.filter((k) => k === 'GatherV2').length;
    expect(gathers(moduled)).toBe(gathers(weighted) - 1);
    expect(gathers(evaluated)).toBe(gathers(evaluatedWeighted) - 1);
    tf.dispose([x, t, weight]);
  });
});

// The generated PyTorch module left without weight, with weight all ones, and torch itself.
const PY_DRIVER = String.raw`
import torch.nn.functional as F
out = []
for c in json.load(sys.stdin):
    res = {}
    for which in ("torch", "module", "module_ones"):
        x = torch.tensor(c["x"], dtype=torch.float64, requires_grad=True)
        t = torch.tensor(c["t"], dtype=torch.int64)
        ones = {"weight": torch.ones(x.shape[1], dtype=torch.float64)} if which == "module_ones" else {}
        inp = torch.log_softmax(x, 1) if c["nll"] else x
        if which == "torch":
            if c["nll"]:
                v = F.nll_loss(inp, t, ignore_index=c["ignore"], reduction=c["reduction"])
            else:
                v = F.cross_entropy(inp, t, ignore_index=c["ignore"], label_smoothing=c["eps"], reduction=c["reduction"])
        elif c["nll"]:
            v = mod.nll(inp, t, ignore_index=c["ignore"], reduction=c["reduction"], **ones)
        else:
            v = mod.cross_entropy(inp, t, ignore_index=c["ignore"], label_smoothing=c["eps"], reduction=c["reduction"], **ones)
        value = v.reshape(-1).tolist()
        v.sum().backward()
        res[which] = {"value": ["NaN" if q != q else q for q in value], "grad": ["NaN" if q != q else q for q in x.grad.reshape(-1).tolist()]}
    out.append(res)
print(json.dumps(out))
`;

describe('the PyTorch module without weight', () => {
  const missing = torchMissing();
  it.skipIf(missing !== undefined)("= with weight all ones = F.cross_entropy and F.nll_loss, 'mean', 'sum', 'none', float64", async () => {
    type Answer = Record<'torch' | 'module' | 'module_ones', { value: (number | 'NaN')[]; grad: (number | 'NaN')[] }>;
    const cases = CASES.filter((c) => c.u === undefined).flatMap((c) =>
      (['cross_entropy', 'nll'] as const).filter((loss) => loss === 'cross_entropy' || c.eps === 0).flatMap((loss) => (['mean', 'sum', 'none'] as const).map((reduction) => ({ c, loss, reduction }))),
    );
    const input = cases.map(({ c, loss, reduction }) => ({ x: c.x, t: c.t, eps: c.eps, ignore: c.ignore, reduction, nll: loss === 'nll' }));
    const answers = await runTorchDriver<Answer[]>('default-specialise-py', 'classification.loss', CLS, PY_DRIVER, input);
    const num = (v: number | 'NaN'): number => (v === 'NaN' ? NaN : v);
    cases.forEach(({ c, loss, reduction }, k) => {
      const a = answers[k]!;
      const label = `${loss} ${c.name} ${reduction}`;
      for (const part of ['value', 'grad'] as const) {
        const want = a.torch[part].map(num);
        expect(maxAbsErr(a.module[part].map(num), want), `${label} ${part}: module`).toBeLessThan(1e-12);
        expect(maxAbsErr(a.module_ones[part].map(num), want), `${label} ${part}: module with weight 1`).toBeLessThan(1e-12);
      }
    });
  }, 120_000);
});
