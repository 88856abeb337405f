// Class indices that ignore a value (`t: index[N] of C ignore ignore_index`, torch's
// ignore_index): the input check admits the value; a gather or onehot at an ignored position is
// NaN unless a mask excludes it (W6015 says so at compile time), and a mask `where: t != h`
// excludes those positions with gradient 0. Checked against real PyTorch (F.cross_entropy and
// F.nll_loss with weight, label_smoothing and ignore_index, float64, values and autograd
// gradients; the generated PyTorch module too), against a float64 oracle written here from
// torch 2.x's definition, and against central differences; the refusals by their messages.
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { check, evaluate } from '../src/api.js';
import { fsHost } from '../src/cli/files.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';
import { initBackend } from '../src/eval/setup.js';
import { formatSource } from '../src/fmt/index.js';
import type { IrFunction } from '../src/ir/types.js';
import { differentiate } from '../src/grad/index.js';
import { evaluateReference, gradientsReference } from '../src/reference/evaluate.js';
import { compiledModule, type LossModule } from './helpers/compiled.js';
import { expectThrowsClean } from './helpers/throws.js';
import { runTorchDriver, torchMissing } from './helpers/torch.js';
import { fdGrad, maxAbsErr, maxRelErr } from './oracle/fd.js';
import { mulberry32 } from './oracle/tensor.js';

// torch 2.x's cross_entropy with class weights w, label smoothing ε and ignore_index, written
// in the language: l_i = (1 - ε)·w[t_i]·(-lp[t_i]) + ε/C·Σ_c w_c·(-lp_c) where t_i is kept,
// and the mean is Σ l_i / Σ w[t_i] over the kept i (NaN when every sample is ignored).
const SOURCE = `
loss ce(x: [N, C], t: index[N] of C ignore ignore_index, w: [C] = 1, label_smoothing: real in [0, 1] = 0, ignore_index: int = -100) =
  sum(l, where: keep) / sum(w[t], where: keep)
  where lp = log_softmax(x, C),
        keep = t != ignore_index,
        l = -(1 - label_smoothing) * w[t] * lp[t] - label_smoothing / C * sum(w * lp, C)
loss ce_sum(x: [N, C], t: index[N] of C ignore ignore_index, w: [C] = 1, label_smoothing: real in [0, 1] = 0, ignore_index: int = -100) =
  sum(l, where: t != ignore_index)
  where lp = log_softmax(x, C),
        l = -(1 - label_smoothing) * w[t] * lp[t] - label_smoothing / C * sum(w * lp, C)
loss nll(logp: [N, C], t: index[N] of C ignore ignore_index, w: [C] = 1, ignore_index: int = -100) =
  sum(-w[t] * logp[t], where: keep) / sum(w[t], where: keep)
  where keep = t != ignore_index
loss ce_plain(x: [N, C], t: index[N] of C ignore ignore_index, ignore_index: int = -100) =
  mean(-log_softmax(x, C)[t], where: t != ignore_index, empty: 0/0)
loss ce_onehot(x: [N, C], t: index[N] of C ignore ignore_index, ignore_index: int = -100) =
  mean(sum(-onehot(t) * log_softmax(x, C), C), where: t != ignore_index)
loss ce_unmasked(x: [N, C], t: index[N] of C ignore ignore_index, ignore_index: int = -100) =
  mean(-log_softmax(x, C)[t])
`;

interface Case {
  readonly name: string;
  readonly x: number[][];
  readonly t: number[];
  readonly w?: number[];
  readonly eps: number;
  readonly ignore: number;
}

/** Seeded logits in (-3, 3), rounded to float32; targets with some ignored. */
function makeCase(name: string, seed: number, n: number, c: number, opts: { eps?: number; ignore?: number; weighted?: boolean; ignoredEvery?: number; allIgnored?: boolean }): Case {
  const rng = mulberry32(seed);
  const rnd = (): number => rng.next();
  const ignore = opts.ignore ?? -100;
  const x = Array.from({ length: n }, () => Array.from({ length: c }, () => Math.fround(6 * rnd() - 3)));
  const t = Array.from({ length: n }, (_, i) => (opts.allIgnored || (opts.ignoredEvery !== undefined && i % opts.ignoredEvery === 1) ? ignore : Math.floor(rnd() * c)));
  const w = opts.weighted ? Array.from({ length: c }, () => Math.fround(0.25 + 2 * rnd())) : undefined;
  return { name, x, t, ...(w ? { w } : {}), eps: opts.eps ?? 0, ignore };
}

const CASES: readonly Case[] = [
  makeCase('no weights, no smoothing', 1, 7, 4, { ignoredEvery: 3 }),
  makeCase('class weights', 2, 8, 5, { weighted: true, ignoredEvery: 2 }),
  makeCase('label smoothing 0.2', 3, 6, 3, { eps: 0.2, ignoredEvery: 3 }),
  makeCase('class weights and label smoothing 0.1', 4, 9, 4, { eps: 0.1, weighted: true, ignoredEvery: 4 }),
  makeCase('ignore_index 2, a class in range', 5, 8, 4, { ignore: 2, weighted: true, eps: 0.05 }),
  makeCase('nothing ignored', 6, 5, 3, { weighted: true }),
];
const ALL_IGNORED = makeCase('every sample ignored', 7, 4, 3, { allIgnored: true, weighted: true, eps: 0.1 });

/** The float64 oracle from torch's definition (LossNLL.cpp, cross_entropy with label smoothing). */
function oracle(c: Case, reduction: 'mean' | 'sum', x: number[][] = c.x, logp = false): number {
  const C = x[0]!.length;
  const w = c.w ?? Array<number>(C).fill(1);
  let num = 0;
  let den = 0;
  x.forEach((row, i) => {
    const t = c.t[i]!;
    if (t === c.ignore) return;
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    const lp = row.map((v) => (logp ? v : v - lse));
    const smooth = -lp.reduce((s, v, k) => s + w[k]! * v, 0);
    num += (1 - c.eps) * w[t]! * -lp[t]! + (c.eps / C) * smooth;
    den += w[t]!;
  });
  return reduction === 'sum' ? num : num / den;
}

const flat = (x: number[][]): number[] => x.flat();
const ref = (data: readonly number[], shape: number[]) => ({ shape, data: Float64Array.from(data) });

let mod: LossModule;
let losses: IrFunction[];
beforeAll(async () => {
  await initBackend('wasm');
  mod = await compiledModule(SOURCE, 'ignore.loss', 'ignore-index');
  losses = check(SOURCE, 'ignore.loss').losses;
});
const fnOf = (name: string): IrFunction => losses.find((f) => f.name === name)!;

describe('ignore_index: the language construct', () => {
  it('the float64 reference equals the oracle from torch definition, values and gradients (central differences)', () => {
    for (const c of [...CASES, ALL_IGNORED]) {
      const inputs = { x: ref(flat(c.x), [c.x.length, c.x[0]!.length]), t: ref(c.t, [c.t.length]), ...(c.w ? { w: ref(c.w, [c.w.length]) } : {}) };
      const hypers = { label_smoothing: c.eps, ignore_index: c.ignore };
      for (const [loss, reduction] of [['ce', 'mean'], ['ce_sum', 'sum']] as const) {
        const value = evaluateReference(fnOf(loss), inputs, hypers).data[0]!;
        const expected = oracle(c, reduction);
        if (Number.isNaN(expected)) expect(value, `${c.name} ${loss}`).toBeNaN();
        else expect(Math.abs(value - expected), `${c.name} ${loss}`).toBeLessThan(1e-13 * Math.max(1, Math.abs(expected)));
        if (Number.isNaN(expected)) continue;
        const grads = gradientsReference(differentiate(fnOf(loss)).fn!, inputs, hypers).grads;
        const n = c.x.length;
        const k = c.x[0]!.length;
        const fd = fdGrad((xs) => oracle(c, reduction, Array.from({ length: n }, (_, i) => Array.from(xs.data.slice(i * k, (i + 1) * k)))), [{ shape: [n, k], data: Float64Array.from(flat(c.x)) }], 0);
        expect(maxAbsErr(grads.x!.data, fd.data), `${c.name} ${loss} d/dx`).toBeLessThan(1e-8);
        // Ignored rows have gradient exactly 0.
        c.t.forEach((t, i) => {
          if (t === c.ignore) expect(Array.from(grads.x!.data.slice(i * k, (i + 1) * k)), `${c.name} row ${i}`).toEqual(Array<number>(k).fill(0));
        });
      }
    }
  });

  it('the generated module (wasm, float32) agrees with the oracle, values and gradients', () => {
    for (const c of CASES) {
      const x = tf.tensor2d(c.x);
      const t = tf.tensor1d(c.t, 'int32');
      const options = { label_smoothing: c.eps, ignore_index: c.ignore, ...(c.w ? { w: tf.tensor1d(c.w) } : {}) };
      const { value, grad } = tf.valueAndGrad((a: tf.Tensor) => mod.ce!(a, t, options))(x);
      const expected = oracle(c, 'mean');
      expect(Math.abs(value.dataSync()[0]! - expected), c.name).toBeLessThan(2e-6 * Math.max(1, Math.abs(expected)));
      const gx = grad.dataSync();
      c.t.forEach((ti, i) => {
        if (ti === c.ignore) expect(Array.from(gx.slice(i * c.x[0]!.length, (i + 1) * c.x[0]!.length)), c.name).toEqual(Array<number>(c.x[0]!.length).fill(0));
      });
      tf.dispose([x, t, value, grad, ...(c.w ? [options.w as tf.Tensor] : [])]);
    }
  });

  it('every sample ignored: the weighted mean is NaN with gradient 0 (torch), the sum 0', () => {
    const c = ALL_IGNORED;
    const x = tf.tensor2d(c.x);
    const t = tf.tensor1d(c.t, 'int32');
    const { value, grad } = tf.valueAndGrad((a: tf.Tensor) => mod.ce!(a, t, { label_smoothing: c.eps }))(x);
    expect(value.dataSync()[0]).toBeNaN();
    expect(Array.from(grad.dataSync())).toEqual(Array<number>(12).fill(0));
    expect(mod.ce_sum!(x, t).dataSync()[0]).toBe(0);
    // mean(..., empty: 0/0) gives NaN too; the language's default empty value is 0.
    expect(mod.ce_plain!(x, t).dataSync()[0]).toBeNaN();
    expect(mod.ce_onehot!(x, t).dataSync()[0]).toBe(0);
    tf.dispose([x, t, value, grad]);
  });

  it('a gather or onehot at an ignored position is NaN: a loss that forgets the mask is NaN, not a mean with row 0 in it', () => {
    const c = CASES[0]!;
    const x = tf.tensor2d(c.x);
    const t = tf.tensor1d(c.t, 'int32');
    expect(mod.ce_unmasked!(x, t).dataSync()[0]).toBeNaN();
    // The onehot form equals the gather form where masked.
    expect(Math.abs(mod.ce_onehot!(x, t).dataSync()[0]! - oracle(c, 'mean'))).toBeLessThan(2e-6);
    const clean = tf.tensor1d(c.t.map((v) => (v === c.ignore ? 0 : v)), 'int32');
    expect(Number.isFinite(mod.ce_unmasked!(x, clean).dataSync()[0]!)).toBe(true);
    tf.dispose([x, t, clean]);
  });

  it('the input check admits the ignore value and names it when refusing another', () => {
    const x = tf.tensor2d([[1, 2, 3], [0, 0, 1]]);
    const bad = tf.tensor1d([2, -99], 'int32');
    expectThrowsClean(() => mod.ce!(x, bad), [/^ce: input 't' holds -99, which is not a class index of C in \[0, 3\) nor its ignore value ignore_index = -100$/], '-99');
    const five = tf.tensor1d([2, 5], 'int32');
    expectThrowsClean(() => mod.ce!(x, five), [/holds 5, which is not a class index of C in \[0, 3\) nor its ignore value ignore_index = -100$/], '5');
    // With ignore_index: 5 the same indices are admitted, and 5 is ignored.
    const v = mod.ce!(x, five, { ignore_index: 5 });
    expect(Math.abs(v.dataSync()[0]! - (Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)) - 3))).toBeLessThan(1e-6);
    tf.dispose([x, bad, five, v]);
  });

  it('the evaluator and the reference refuse an index that is neither a class nor the ignore value', async () => {
    const r = await evaluate(SOURCE, 'ignore.loss', { loss: 'ce', inputs: { x: [[1, 2], [3, 4]], t: [1, -7] }, backend: 'cpu' });
    expect(r.diagnostics.map((d) => formatDiagnostic(d)).join('\n')).toMatch(/input 't' holds -7, which is not a class index of C in \[0, 2\) nor its ignore value ignore_index = -100/);
    const fn = fnOf('ce');
    expect(() => evaluateReference(fn, { x: ref([1, 2, 3, 4], [2, 2]), t: ref([1, -7], [2]) }, {})).toThrow("ce: input 't' holds class index -7, outside [0, 2) of C and not its ignore value ignore_index = -100");
    const ok = await evaluate(SOURCE, 'ignore.loss', { loss: 'ce', inputs: { x: [[1, 2], [3, 4]], t: [1, -100] }, backend: 'cpu' });
    expect(ok.loss).toBeCloseTo(Math.log(Math.exp(1) + Math.exp(2)) - 2, 6);
  });

  it('W6015 for a loss whose ignored positions reach it; none when a mask excludes them', () => {
    const r = check(SOURCE, 'ignore.loss');
    const warnings = r.diagnostics.filter((d) => d.code === 'W6015').map((d) => formatDiagnostic(d));
    expect(warnings).toEqual([
      "ignore.loss:19:9: warning W6015: class indices 't' may hold their ignore value ignore_index, and the NaN read there reaches the loss: no mask excludes those positions\n  note: fix: exclude the ignored positions from the reduction, e.g. mean(..., where: t != ignore_index)",
    ]);
    // No other finding about NaN from the ignored reads in the masked losses.
    expect(r.diagnostics.filter((d) => d.severity !== 'info' && d.code !== 'W6003' && d.code !== 'W6015').map((d) => formatDiagnostic(d))).toEqual([]);
  });
});

describe('ignore_index: refusals', () => {
  const errors = (source: string): string[] => check(source, 'bad.loss').diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d).split('\n')[0]!);
  it('E5013: the ignore value must name a scalar int hyperparameter of the loss', () => {
    expect(errors('loss f(x: [N, C], t: index[N] of C ignore nope) = mean(x)')).toEqual([
      "bad.loss:1:43: error E5013: 'ignore nope' of 't' must name an int hyperparameter of the loss (e.g. 'nope: int = -100'), but the loss has no parameter of that name",
    ]);
    expect(errors('loss f(x: [N, C], t: index[N] of C ignore r, r: real = 1) = mean(x)')).toEqual([
      "bad.loss:1:43: error E5013: 'ignore r' of 't' must name an int hyperparameter of the loss (e.g. 'r: int = -100'), but 'r' is real",
    ]);
    expect(errors('loss f(x: [N, C], t: index[N] of C ignore r, r: [N]) = mean(x)')).toEqual([
      "bad.loss:1:43: error E5013: 'ignore r' of 't' must name an int hyperparameter of the loss (e.g. 'r: int = -100'), but 'r' is real[N], not a scalar hyperparameter",
    ]);
  });

  it('E5014: indices that ignore their own value passed where another is ignored', () => {
    const source = [
      'def inner(x, t: index[...] of C ignore h, h: int) = mean(-log_softmax(x, C)[t], where: t != h)',
      'loss same(x: [N, C], t: index[N] of C ignore ii, ii: int = -100) = inner(x, t, ii)',
      'loss other(x: [N, C], t: index[N] of C ignore ii, ii: int = -100) = inner(x, t, -100)',
      'loss plain(x: [N, C], t: index[N] of C) = inner(x, t, 1)',
    ].join('\n');
    expect(errors(source)).toEqual([
      "bad.loss:3:69: error E5014: the class indices given for 't' of 'inner' ignore a value of their own, and 't' ignores 'h': pass that value as 'h' so both ignore the same positions",
    ]);
  });

  it('E3010: gathering int values by ignoring indices (NaN marks an ignored position)', () => {
    expect(errors('loss f(x: [N, C], t: index[N] of C ignore ii, v: int[C], ii: int = -100) = mean(real(v[t]))')).toEqual([
      "bad.loss:1:86: error E3010: gathering int values by class indices that ignore a value (an ignored position reads NaN, which only real values hold: gather from real(...)) is not supported yet",
    ]);
  });

  it("'ignore' stays an ordinary name elsewhere, and lossc fmt keeps the clause", () => {
    expect(errors('loss f(ignore: [N]) = mean(ignore)')).toEqual([]);
    const src = 'loss f(x: [N, C],  t: index[N] of C   ignore  ii, ii: int = -100) = mean(-log_softmax(x, C)[t], where: t != ii)\n';
    const out = formatSource(src, 'f.loss');
    expect('text' in out && out.text).toContain('t: index[N] of C ignore ii, ii: int = -100');
  });
});

describe('the stdlib: cross_entropy and nll take ignore_index', () => {
  it('equal the oracle from torch definition (class weights as weights w[t]; label smoothing unweighted), all-ignored NaN with gradient 0', async () => {
    const cls = await compiledModule(readFileSync('stdlib/classification.loss', 'utf8'), 'stdlib/classification.loss', 'ignore-stdlib', { host: fsHost });
    for (const c of [...CASES, ALL_IGNORED]) {
      const variants = c.w && c.eps > 0 ? [{ ...c, w: undefined }] : [c];
      for (const v of variants) {
        const x = tf.tensor2d(v.x);
        const t = tf.tensor1d(v.t, 'int32');
        // torch's class weight w is the per-sample weight w[t] (any value where ignored).
        const weights = v.w ? tf.tensor1d(v.t.map((k) => (k === v.ignore ? 7 : v.w![k]!))) : undefined;
        const options = { ignore_index: v.ignore, ...(weights ? { weights } : {}) };
        const { value, grad } = tf.valueAndGrad((a: tf.Tensor) => cls.cross_entropy!(a, t, { ...options, label_smoothing: v.eps }))(x);
        const expected = oracle(v, 'mean');
        if (Number.isNaN(expected)) {
          expect(value.dataSync()[0], v.name).toBeNaN();
          expect(Array.from(grad.dataSync(), (g) => g + 0), v.name).toEqual(Array<number>(grad.size).fill(0));
        } else {
          expect(Math.abs(value.dataSync()[0]! - expected), v.name).toBeLessThan(2e-6 * Math.max(1, expected));
        }
        const lp = tf.logSoftmax(x);
        const nll = cls.nll!(lp, t, options).dataSync()[0]!;
        const nllExpected = oracle({ ...v, eps: 0 }, 'mean');
        if (Number.isNaN(nllExpected)) expect(nll, `${v.name} nll`).toBeNaN();
        else expect(Math.abs(nll - nllExpected), `${v.name} nll`).toBeLessThan(2e-6 * Math.max(1, nllExpected));
        tf.dispose([x, t, value, grad, lp, ...(weights ? [weights] : [])]);
      }
    }
  });
});

// ---- real PyTorch: F.cross_entropy / F.nll_loss, and the generated PyTorch module ---------------

const PY_DRIVER = String.raw`
import torch.nn.functional as F
out = []
for c in json.load(sys.stdin):
    res = {}
    for which in ("torch", "module", "torch_nll", "module_nll"):
        x = torch.tensor(c["x"], dtype=torch.float64, requires_grad=True)
        t = torch.tensor(c["t"], dtype=torch.int64)
        w = torch.tensor(c["w"], dtype=torch.float64) if c.get("w") is not None else None
        if which == "torch":
            v = F.cross_entropy(x, t, weight=w, ignore_index=c["ignore"], label_smoothing=c["eps"], reduction=c["reduction"])
        elif which == "torch_nll":
            v = F.nll_loss(torch.log_softmax(x, 1), t, weight=w, ignore_index=c["ignore"], reduction=c["reduction"])
        else:
            f = mod.ce if c["reduction"] == "mean" else mod.ce_sum
            kw = {"ignore_index": c["ignore"]}
            if w is not None:
                kw["w"] = w
            if which == "module":
                v = f(x, t, label_smoothing=c["eps"], **kw)
            else:
                v = mod.nll(torch.log_softmax(x, 1), t, **kw) if c["reduction"] == "mean" else None
                if v is None:
                    continue
        v.backward()
        g = x.grad.reshape(-1).tolist()
        res[which] = {"value": "NaN" if v.item() != v.item() else v.item(), "grad": ["NaN" if q != q else q for q in g]}
    out.append(res)
print(json.dumps(out))
`;

describe('ignore_index against real PyTorch', () => {
  const missing = torchMissing();
  it.skipIf(missing !== undefined)('F.cross_entropy and F.nll_loss (weight, label_smoothing, ignore_index) = the generated PyTorch module = the oracle, float64', async () => {
    const cases = [...CASES, ALL_IGNORED].flatMap((c) => (['mean', 'sum'] as const).map((reduction) => ({ ...c, reduction })));
    const input = cases.map((c) => ({ x: c.x, t: c.t, w: c.w ?? null, ignore: c.ignore, eps: c.eps, reduction: c.reduction }));
    const answers = await runTorchDriver<Record<string, { value: number | 'NaN'; grad: (number | 'NaN')[] }>[]>('ignore-index-py', 'ignore.loss', SOURCE, PY_DRIVER, input);
    const num = (v: number | 'NaN'): number => (v === 'NaN' ? NaN : v);
    cases.forEach((c, k) => {
      const a = answers[k]!;
      const what = `${c.name} (${c.reduction})`;
      const expected = oracle(c, c.reduction);
      const torchValue = num(a.torch!.value);
      if (Number.isNaN(expected)) {
        expect(torchValue, what).toBeNaN();
        expect(num(a.module!.value), what).toBeNaN();
        // torch's gradient of the all-ignored mean is 0, and so is the module's.
        expect(a.torch!.grad.map(num), what).toEqual(a.torch!.grad.map(() => 0));
        expect(a.module!.grad.map(num), what).toEqual(a.torch!.grad.map(() => 0));
        return;
      }
      expect(Math.abs(torchValue - expected), `${what}: torch vs oracle`).toBeLessThan(1e-12 * Math.max(1, Math.abs(expected)));
      expect(Math.abs(num(a.module!.value) - torchValue), `${what}: module vs torch`).toBeLessThan(1e-12 * Math.max(1, Math.abs(torchValue)));
      expect(maxRelErr(a.module!.grad.map(num), a.torch!.grad.map(num), 1e-6), `${what}: gradients`).toBeLessThan(1e-10);
      if (c.eps === 0 && a.module_nll) {
        expect(Math.abs(num(a.module_nll.value) - num(a.torch_nll!.value)), `${what}: nll`).toBeLessThan(1e-12);
        expect(maxRelErr(a.module_nll.grad.map(num), a.torch_nll!.grad.map(num), 1e-6), `${what}: nll gradients`).toBeLessThan(1e-10);
      }
    });
  }, 60_000);
});
