// Ragged lists (`preds: list[K] of ragged [B, C, ...]`, docs/language.md "Ragged lists") and
// resize(y, like: preds[k]): heads at several resolutions, each scored against the target
// brought to its size as MONAI's DeepSupervisionLoss does. Checked against a float64 oracle
// written from ATen's and MONAI's definitions (test/oracle/resize.ts), central differences,
// real torch with F.interpolate, the generated module under tsc --strict, and `lossc eval` as a
// process; every refusal with its exact message.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { check, compile, evaluate } from '../src/api.js';
import { fsHost } from '../src/cli/files.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';
import type { IrFunction } from '../src/ir/types.js';
import { evaluateReference, type RefTensor } from '../src/reference/evaluate.js';
import { emitPytorchModule, TORCH_RUNTIME_FILE } from '../src/emit/pytorch.js';
import { evaluateTfjs, valueAndGradsTfjs } from '../src/eval/evaluate.js';
import { TORCH_RUNTIME_SOURCE } from '../src/runtime/python/source.js';
import { compiledModule } from './helpers/compiled.js';
import { lossFn } from './helpers/loss-harness.js';
import { lossc, run } from './helpers/process.js';
import { PYTHON, torchMissing } from './helpers/torch.js';
import { deepSupervisionDiceCE, interpolateNearest, torchNearestIndex, type NearestMode } from './oracle/resize.js';
import { fromArray, sizeOf, type F64Tensor } from './oracle/tensor.js';

const lossFnOf = (source: string): IrFunction => check(source, 'case.loss', { gradients: true }).losses[0]!;
const errors = (source: string): string[] => check(source, 'case.loss').diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d));
const SEG = 'stdlib/segmentation.loss';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}
/** Float32 values in [-scale, scale). */
const draw = (shape: readonly number[], r: () => number, scale = 2): F64Tensor => fromArray(Float64Array.from({ length: sizeOf(shape) }, () => Math.fround(scale * r())), shape);
/** A one-hot target [B, C, ...spatial]. */
function oneHot(shape: readonly number[], r: () => number): F64Tensor {
  const [B, C, ...sp] = shape as number[];
  const S = sizeOf(sp);
  const data = new Float64Array(sizeOf(shape));
  for (let b = 0; b < B!; b++) for (let s = 0; s < S; s++) data[(b * C! + Math.floor(((r() + 1) / 2) * C!) % C!) * S + s] = 1;
  return { shape: [...shape], data };
}
const dense = (t: F64Tensor): { shape: number[]; data: number[] } => ({ shape: [...t.shape], data: [...t.data] });
const ref = (t: F64Tensor): RefTensor => ({ shape: [...t.shape], data: Float64Array.from(t.data) });

// Heads below, at and above the target's resolution, with odd ratios (6→3, 5→3, 6→2, 5→7).
const Y_SHAPE = [2, 3, 6, 5];
const HEAD_SHAPES = [[2, 3, 6, 5], [2, 3, 3, 3], [2, 3, 2, 2], [2, 3, 7, 7]];
const rand = lcg(17);
const HEADS = HEAD_SHAPES.map((s) => draw(s, rand));
const Y = oneHot(Y_SHAPE, rand);

describe('refusals', () => {
  it('says why a ragged list cannot be read so, where', () => {
    expect(errors('loss f(p: list[K] of ragged [B, ...]) = mean(p)')).toEqual([
      "case.loss:1:41: error E4036: this cannot be computed one element of a ragged list at a time: it combines elements of the ragged list 'p' (a reduction over its axis, or an element picked by position), whose '...' dims differ: compute a value per element without those dims first (l[k] = f(p[k], ...)), then combine those",
    ]);
    expect(errors('loss f(p: list[K] of ragged [B, ...], y: [B, ...]) = sum(l)\n  where l[k] = mean(p[k] - y)')).toEqual([
      "case.loss:2:21: error E4036: this cannot be computed one element of a ragged list at a time: it reads a value with the loss's own '...' dims beside an element of the ragged list 'p', whose '...' dims are its own: bring it to the element's size first, resize(y, like: p[k])",
    ]);
    // A second ragged list is refused, saying how to write it; what it suggests checks.
    expect(errors('loss f(p: list[K] of ragged [B, ...], m: list[K] of ragged [B, ...]) = sum(l)\n  where l[k] = mean(p[k] * m[k])')).toEqual([
      "case.loss:1:39: error E4036: this cannot be computed one element of a ragged list at a time: a loss takes one ragged list, and 'p' is one already: take 'm' at the loss's own '...' dims (m: [B, ...]) and bring it to each element's with resize(m, like: p[k]), or make its values part of p's elements (a channel of each)",
    ]);
    expect(errors('loss f(p: list[K] of ragged [B, ...], m: [B, ...]) = sum(l)\n  where l[k] = mean(p[k] * resize(m, like: p[k]))')).toEqual([]);
    // A value along K not computed from the list is read per element, its slice at k (below).
    expect(errors('loss f(p: list[K] of ragged [B, ...], w: [K]) = sum(l)\n  where l[k] = mean(w[k] * p[k])')).toEqual([]);
    expect(errors('loss f(p: list[K] of ragged [B, ...]) = sum(l)\n  where l[k] = mean(p[k] - mean(p, (K, B, ...)))')).toEqual([
      "case.loss:2:28: error E4036: this cannot be computed one element of a ragged list at a time: it combines elements of the ragged list 'p' (a reduction over its axis, or an element picked by position), whose '...' dims differ: compute a value per element without those dims first (l[k] = f(p[k], ...)), then combine those",
    ]);
    expect(errors('loss f(p: list[K] of ragged [B, C]) = mean(p)')).toEqual([
      "case.loss:1:11: error E3018: 'p' cannot be a list: the elements of a ragged list differ only in their '...' dims, and these have none: declare them (list[K] of ragged [B, C, ...]), or drop 'ragged'",
    ]);
  });

  it('says what resize needs, where', () => {
    expect(errors('loss f(x: [B, ...], y: [B, ...]) = mean(x - resize(y, like: x))')).toEqual([
      "case.loss:1:45: error E4037: resize(x, like: z): resize brings a tensor to the '...' dims of an element of a ragged list (like: preds[k] of preds: list[K] of ragged [B, C, ...]), and this loss has no ragged list; inputs of one loss share their '...' dims",
    ]);
    expect(errors("loss f(p: list[K] of ragged [B, ...], y: [B, ...]) = sum(l)\n  where l[k] = mean(resize(y, like: p[k], mode: 'linear'))")).toEqual([
      "case.loss:2:49: error E4037: resize(x, like: z, mode: 'linear'): the mode is a string, one of 'nearest-exact', 'nearest' (torch's names; linear modes are not supported)",
    ]);
    expect(errors('loss f(p: list[K] of ragged [B, ...], y: [B, ...]) = sum(l)\n  where l[k] = mean(p[k] - resize(y))')).toEqual([
      "case.loss:2:28: error E4037: resize(x, like: z): say whose '...' dims y takes with like: (an element of a ragged list, like: preds[k])",
    ]);
    expect(errors('loss f(p: list[K] of ragged [B, ...]) = sum(l)\n  where l[k] = mean(resize(p[k], like: p[k]))')).toEqual([
      "case.loss:2:21: error E4037: resize(x, like: z): its first argument is computed from the ragged list 'p' itself: resize brings the loss's other tensors (a target at full resolution) to an element's size",
    ]);
    expect(errors('loss f(p: list[K] of ragged [B, ...], y: [B]) = sum(l)\n  where l[k] = mean(p[k] - resize(y, like: p[k]))')).toEqual([
      "case.loss:2:35: error E4037: resize(x, like: z): y has no '...' dims to resample (declare it [B, C, ...])",
    ]);
  });
});

describe('resize: torch\'s nearest rules', () => {
  // Shrinking and growing, by ratios whose float32 scale is inexact (5/3, 3/5, 7/2).
  const CASES: [number, number][] = [[6, 3], [5, 3], [3, 5], [7, 2], [2, 7], [4, 8], [5, 5]];
  const SOURCE = `loss r(p: list[K] of ragged [B, ...], y: [B, ...], nearest: bool = false) = sum(l)
  where l[k] = sum(p[k] * (if nearest then resize(y, like: p[k], mode: 'nearest') else resize(y, like: p[k]))^2)
`;

  it('reads the positions ATen reads, in the evaluator and the float64 reference, with the gradient scattered back to them', async () => {
    const fn = check(SOURCE, 'r.loss', { gradients: true }).losses[0]!;
    for (const mode of ['nearest-exact', 'nearest'] as NearestMode[]) {
      for (const [from, to] of CASES) {
        const r = lcg(from * 31 + to);
        const y = draw([2, from], r);
        const heads = [draw([2, to], r), draw([2, from], r)];
        // Σ_k Σ p_k · resize(y)²: its gradient in y adds 2·p_k·y over the outputs that read each position.
        const want = heads.reduce((acc, p) => {
          const ry = interpolateNearest({ shape: [1, ...y.shape], data: y.data }, [p.shape[1]!], mode).data;
          return acc + p.data.reduce((a, v, i) => a + v * ry[i]! ** 2, 0);
        }, 0);
        const hypers = { nearest: mode === 'nearest' ? 1 : 0 };
        const refValue = evaluateReference(fn, { y: ref(y) }, hypers, { lists: { p: heads.map(ref) } }).data[0]!;
        expect(Math.abs(refValue - want), `${mode} ${from}→${to}`).toBeLessThan(1e-12 * Math.max(1, Math.abs(want)));
        const e = await evaluate(SOURCE, 'r.loss', { loss: 'r', inputs: { p: heads.map(dense), y: dense(y), nearest: mode === 'nearest' }, grad: true, backend: 'cpu' });
        expect(e.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
        expect(Math.abs((e.loss as number) - want)).toBeLessThan(2e-6 * Math.max(1, Math.abs(want)));
        const gy = (e.grads!.y as number[][]).flat();
        const gyWant = new Float64Array(y.data.length);
        for (const p of heads) {
          const out = p.shape[1]!;
          for (let b = 0; b < 2; b++) for (let d = 0; d < out; d++) {
            const s = torchNearestIndex(mode, d, from, out);
            gyWant[b * from + s] = gyWant[b * from + s]! + 2 * p.data[b * out + d]! * y.data[b * from + s]!;
          }
        }
        gy.forEach((g, i) => expect(Math.abs(g - gyWant[i]!), `${mode} ${from}→${to} d/dy[${i}]`).toBeLessThan(1e-5));
        // Central differences of the reference agree with that scatter-add.
        const h = 1e-6;
        for (let i = 0; i < y.data.length; i += 3) {
          const at = (dy: number): number => {
            const y2 = { shape: y.shape, data: Float64Array.from(y.data) };
            y2.data[i] = y2.data[i]! + dy;
            return evaluateReference(fn, { y: ref(y2) }, hypers, { lists: { p: heads.map(ref) } }).data[0]!;
          };
          expect(Math.abs((at(h) - at(-h)) / (2 * h) - gyWant[i]!)).toBeLessThan(1e-6);
        }
      }
    }
  });
});

describe('monai_deep_supervision over heads at several resolutions', () => {
  const fn = lossFn(SEG, 'monai_deep_supervision');
  const MODES = ['same', 'exp', 'two'] as const;
  /** The evaluator (tfjs cpu) with the heads as a ragged list: the value and each head's gradient. */
  function run32(heads: readonly F64Tensor[], mode: (typeof MODES)[number]): { value: number; grads: Float64Array[] } {
    const before = tf.memory().numTensors;
    const ts = heads.map((h) => tf.tensor(Array.from(h.data), h.shape));
    const y = tf.tensor(Array.from(Y.data), Y.shape);
    const r = valueAndGradsTfjs(fn, { y }, { activation: 2, weight_mode: MODES.indexOf(mode) }, ['preds'], { lists: { preds: ts } });
    const out = { value: r.value.dataSync()[0]!, grads: r.listGrads.preds!.map((g) => Float64Array.from(g.dataSync())) };
    tf.dispose([r.value, ...r.listGrads.preds!, ...Object.values(r.grads), ...ts, y]);
    expect(tf.memory().numTensors).toBe(before);
    return out;
  }

  it('is MONAI\'s DeepSupervisionLoss(DiceCELoss(softmax=True)) in float64 (the reference) and float32 (the evaluator)', async () => {
    await tf.setBackend('cpu');
    for (const [m, mode] of MODES.entries()) {
      const want = deepSupervisionDiceCE(HEADS, Y, mode);
      const r64 = evaluateReference(fn, { y: ref(Y) }, { activation: 2, weight_mode: m }, { lists: { preds: HEADS.map(ref) } }).data[0]!;
      expect(Math.abs(r64 - want), `reference, ${mode}`).toBeLessThan(1e-12 * want);
      expect(Math.abs(run32(HEADS, mode).value - want) / want, `evaluator, ${mode}`).toBeLessThan(2e-6);
    }
  });

  it('gives each head its own gradient, equal to central differences of the oracle', async () => {
    await tf.setBackend('cpu');
    const { grads } = run32(HEADS, 'exp');
    expect(grads.map((g) => g.length)).toEqual(HEADS.map((h) => h.data.length));
    const h = 1e-6;
    HEADS.forEach((head, k) => {
      for (let i = 0; i < head.data.length; i += 7) {
        const at = (d: number): number => deepSupervisionDiceCE(HEADS.map((x, j) => (j === k ? { shape: x.shape, data: x.data.map((v, q) => (q === i ? v + d : v)) } : x)), Y, 'exp');
        expect(Math.abs(grads[k]![i]! - (at(h) - at(-h)) / (2 * h)), `d/dpreds[${k}][${i}]`).toBeLessThan(2e-6);
      }
    });
  });

  it('refuses heads whose named dims or rank differ, naming the element', async () => {
    const text = readFileSync(SEG, 'utf8');
    const inputs = { y: dense(Y), activation: 'softmax' };
    const bad = await evaluate(text, SEG, { host: fsHost, loss: 'monai_deep_supervision', inputs: { ...inputs, preds: [dense(HEADS[0]!), dense(draw([2, 4, 3, 3], rand))] }, backend: 'cpu' });
    expect(bad.diagnostics.map((d) => d.message)).toEqual([
      "evaluation failed: monai_deep_supervision: element preds[1] has shape [2, 4, 3, 3], but preds[0] has shape [2, 3, 6, 5]: the elements of list[K] of ragged [B, C, ...] differ only in their '...' dims",
    ]);
    await tf.setBackend('cpu');
    const ts = [tf.zeros([2, 3, 6, 5]), tf.zeros([2, 3, 6])];
    const y = tf.tensor(Array.from(Y.data), Y.shape);
    expect(() => evaluateTfjs(fn, { y }, { activation: 2 }, { lists: { preds: ts } })).toThrow(
      "monai_deep_supervision: element preds[1] has shape [2, 3, 6], but preds[0] has shape [2, 3, 6, 5]: the elements of list[K] of ragged [B, C, ...] have one rank (their '...' dims may differ in size, not in number)",
    );
    tf.dispose([...ts, y]);
  });

  it.skipIf(torchMissing() !== undefined)('agrees with MONAI\'s formula in torch (F.interpolate, nearest-exact) and in the PyTorch module, values and gradients', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lossc-ragged-torch-'));
    writeFileSync(join(dir, 'segmentation.py'), emitPytorchModule({ file: SEG, losses: [fn] }));
    writeFileSync(join(dir, TORCH_RUNTIME_FILE), TORCH_RUNTIME_SOURCE);
    writeFileSync(join(dir, 'case.json'), JSON.stringify({ heads: HEADS.map(dense), y: dense(Y) }));
    const script = `
import json, sys, torch
import torch.nn.functional as F
sys.path.insert(0, ${JSON.stringify(dir)})
import segmentation
case = json.load(open(${JSON.stringify(join(dir, 'case.json'))}))
t = lambda v: torch.tensor(v["data"], dtype=torch.float64).reshape(v["shape"])
y = t(case["y"])
def heads():
    return [t(h).requires_grad_() for h in case["heads"]]
def dice_ce(x, target):
    # MONAI DiceCELoss(softmax=True), from torch's own functions.
    p = torch.softmax(x, 1)
    dims = tuple(range(2, x.dim()))
    dice = 1 - (2 * (p * target).sum(dims) + 1e-5) / (p.sum(dims) + target.sum(dims) + 1e-5)
    return dice.mean() + F.cross_entropy(x, target)
def monai(hs):
    # monai.losses.DeepSupervisionLoss.forward with weight_mode "exp", its get_loss as written.
    total = 0
    for l, h in enumerate(hs):
        target = y if h.shape[2:] == y.shape[2:] else F.interpolate(y, size=h.shape[2:], mode="nearest-exact")
        total = total + max(0.5 ** l, 0.0625) * dice_ce(h, target)
    return total
a_heads, b_heads = heads(), heads()
a = segmentation.monai_deep_supervision(a_heads, y, activation="softmax")
b = monai(b_heads)
a.backward(); b.backward()
print(json.dumps({"module": a.item(), "torch": b.item(), "grad": max(float((o.grad - m.grad).abs().max()) for o, m in zip(a_heads, b_heads)), "torch_grads": [h.grad.reshape(-1).tolist() for h in b_heads]}))
`;
    const r = await run(PYTHON, ['-c', script]);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { module: number; torch: number; grad: number; torch_grads: number[][] };
    expect(Math.abs(out.module - out.torch)).toBeLessThan(1e-12);
    expect(out.grad).toBeLessThan(1e-12);
    await tf.setBackend('cpu');
    const ours = run32(HEADS, 'exp');
    expect(Math.abs(ours.value - out.torch) / out.torch).toBeLessThan(2e-6);
    out.torch_grads.forEach((g, k) => g.forEach((v, i) => expect(Math.abs(ours.grads[k]![i]! - v), `preds[${k}][${i}]`).toBeLessThan(1e-6)));
  });
});

describe('the generated module and lossc eval', () => {
  const SOURCE = `loss heads(p: list[K] of ragged [B, ...], y: [B, ...]) = sum(l)
  where l[k] = mean((p[k] - resize(y, like: p[k]))^2)
`;
  it('types a ragged list as an array of tensors under tsc --strict', async () => {
    const { typecheckGenerated } = await import('../src/emit/typecheck.js');
    const code = (await compile(SOURCE, 'heads.loss')).code!;
    expect(code).toContain('export function heads(p: readonly (tf.Tensor | tf.TensorLike)[], y: tf.Tensor | tf.TensorLike');
    const use = `import * as tf from '@tensorflow/tfjs';
import { heads } from './heads.js';
export const v: tf.Scalar = heads([tf.zeros([2, 4, 4]), tf.zeros([2, 2, 2])], tf.zeros([2, 4, 4]));
`;
    expect(await typecheckGenerated({ 'heads.ts': code, 'use.ts': use })).toEqual([]);
    // The module runs what the evaluator runs: the same value, and a gradient per element.
    const mod = await compiledModule(SOURCE, 'heads.loss', 'ragged-list');
    await tf.setBackend('cpu');
    const p = [tf.tensor([[1, 2, 3, 4]]), tf.tensor([[0.5, -1]])];
    const y = tf.tensor([[1, 1, 2, 2]]);
    const { value, grads } = tf.tidy(() => {
      const f = tf.valueAndGrads((...xs: tf.Tensor[]) => mod.heads!(xs, y));
      const out = f(p);
      return { value: out.value, grads: out.grads };
    });
    const viaEval = evaluateTfjs(lossFnOf(SOURCE), { y }, {}, { lists: { p } });
    expect(value.dataSync()[0]).toBe(viaEval.dataSync()[0]);
    expect(grads.map((g) => Array.from(g.dataSync()))).toEqual([[0, 0.5, 0.5, 1], [-0.5, -3]]);
    tf.dispose([value, viaEval, ...grads, ...p, y]);
  });

  it('lossc eval takes the elements as nested arrays of their own shapes and prints one gradient per element', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lossc-ragged-'));
    writeFileSync(join(dir, 'heads.loss'), SOURCE);
    const p = [[[1, 2, 3, 4]], [[0.5, -1]]];
    const y = [[1, 1, 2, 2]];
    writeFileSync(join(dir, 'in.json'), JSON.stringify({ p, y }));
    const r = await lossc(['eval', join(dir, 'heads.loss'), '--loss', 'heads', '--inputs', join(dir, 'in.json'), '--grad', '--json', '--backend', 'cpu']);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { loss: number; grads: { p: number[][][]; y: number[][] } };
    // Head 1 reads y at floor((d + 0.5)·2) = 1, 3: mean((0.5 - 1)², (-1 - 2)²) = 4.625; head 0: mean(0, 1, 1, 4) = 1.5.
    expect(out.loss).toBeCloseTo(6.125, 6);
    expect(out.grads.p).toEqual([[[0, 0.5, 0.5, 1]], [[-0.5, -3]]]);
    expect(out.grads.y[0]!.map((v) => Math.round(v * 1e6) / 1e6)).toEqual([0, -0.5 + 0.5, -0.5, -1 + 3]);
  });
});

describe("elements whose '...' dims differ in number from the target's", () => {
  // A 2-D target resized to 3-D heads (and the reverse): refused by the input scan, with the
  // loss, the element and both shapes, before any resampling, the same words in all three.
  const SOURCE = `loss heads(p: list[K] of ragged [B, ...], y: [B, ...]) = sum(l)
  where l[k] = mean((p[k] - resize(y, like: p[k]))^2)
`;
  const CASES = [
    { p: [[[[1, 2], [3, 4]]], [[[1]]]], y: [[1, 2, 3, 4]], message: "heads: the '...' dimensions of p[0] are [2, 2] (shape [1, 2, 2]) but those of 'y' are [4] (shape [1, 4]): resize(…, like: p[k]) brings each '...' dimension of 'y' to an element's, so they must agree in number" },
    { p: [[[1, 2]], [[0.5]]], y: [[[1, 2], [3, 4]]], message: "heads: the '...' dimensions of p[0] are [2] (shape [1, 2]) but those of 'y' are [2, 2] (shape [1, 2, 2]): resize(…, like: p[k]) brings each '...' dimension of 'y' to an element's, so they must agree in number" },
  ];

  it('the evaluator and the generated module say which input and shapes', async () => {
    for (const c of CASES) {
      const e = await evaluate(SOURCE, 'heads.loss', { loss: 'heads', inputs: { p: c.p, y: c.y }, backend: 'cpu' });
      expect(e.diagnostics.map((d) => d.message)).toEqual([`evaluation failed: ${c.message}`]);
    }
    const mod = await compiledModule(SOURCE, 'heads.loss', 'ragged-list');
    await tf.setBackend('cpu');
    for (const c of CASES) expect(() => mod.heads!(c.p, c.y)).toThrow(c.message);
    // Agreeing in number, the sizes may differ: y = [1, 2] read at floor((d + 0.5)·2/3) = 0, 1, 1
    // for the head of 3, at floor(0.5·2) = 1 for the head of 1.
    expect(mod.heads!([[[1, 2, 3]], [[1]]], [[1, 2]]).dataSync()[0]).toBeCloseTo((0 + 0 + 1) / 3 + (1 - 2) ** 2, 6);
  });

  it.skipIf(torchMissing() !== undefined)('the PyTorch module says the same', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lossc-ragged-rank-'));
    writeFileSync(join(dir, 'heads.py'), emitPytorchModule({ file: 'heads.loss', losses: [lossFnOf(SOURCE)] }));
    writeFileSync(join(dir, TORCH_RUNTIME_FILE), TORCH_RUNTIME_SOURCE);
    writeFileSync(join(dir, 'cases.json'), JSON.stringify(CASES));
    const script = `
import json, sys, torch
sys.path.insert(0, ${JSON.stringify(dir)})
import heads
for c in json.load(open(${JSON.stringify(join(dir, 'cases.json'))})):
    try:
        heads.heads([torch.tensor(e, dtype=torch.float32) for e in c["p"]], torch.tensor(c["y"], dtype=torch.float32))
        print("no error")
    except ValueError as e:
        print(str(e))
`;
    const r = await run(PYTHON, ['-c', script]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toEqual(CASES.map((c) => c.message));
  });
});

describe('resize in the stability check', () => {
  // A resize copies y's values: it has y's range, and the one-point model of witnesses gives
  // it y's value (it gave nothing, so a warning about a resized value found no witness).
  const warnings = (source: string): string[] => check(source, 'case.loss').diagnostics.map((d) => formatDiagnostic(d));

  it('a log of resized probabilities in (0, 1] raises nothing', () => {
    expect(warnings(`loss f(p: list[K] of ragged [B, ...], y: [B, ...] in (0, 1]) = sum(l)
  where l[k] = mean(p[k] * log(resize(y, like: p[k])))
`)).toEqual([]);
  });

  it('a log of resized values that can be 0 is flagged, with the witness y = 0', () => {
    expect(warnings(`loss f(p: list[K] of ragged [B, ...] in [0, 1], y: [B, ...] in [0, 1]) = sum(l)
  where l[k] = mean(-p[k] * log(resize(y, like: p[k], mode: 'nearest')))
`)).toEqual([
      "case.loss:2:21: warning W6013: -p[k] * log(resize(y, like: p[k], mode: 'nearest')): a product of 0 and an infinity is NaN: p = 0 and y = 0 gives -p[k] = 0 and log(resize(y, like: p[k], mode: 'nearest')) = -Infinity: 0 · -Infinity = NaN\n  note: fix: keep the log finite where its factor is 0: -p[k] * log(max(resize(y, like: p[k], mode: 'nearest'), 1e-12)) (0 there, the limit of x·log x)",
      "case.loss:2:29: warning W6001: log(resize(y, like: p[k], mode: 'nearest')): log of a value that can be 0: y = 0 gives log(0) = -Infinity\n  note: fix: keep the argument away from 0 with the epsilon spelled out, e.g. log(max(resize(y, like: p[k], mode: 'nearest'), 1e-7)), or declare a domain that excludes 0 (e.g. 'in (0, 1]')",
    ]);
    // The float64 reference agrees with the witness: one head, y = 0 somewhere it reads.
    const fn = lossFnOf(`loss f(p: list[K] of ragged [B, ...] in [0, 1], y: [B, ...] in [0, 1]) = sum(l)
  where l[k] = mean(-p[k] * log(resize(y, like: p[k], mode: 'nearest')))
`);
    const at = (y: number[]): number => evaluateReference(fn, { y: { shape: [1, y.length], data: Float64Array.from(y) } }, {}, { lists: { p: [{ shape: [1, 2], data: Float64Array.of(0.5, 0.25) }] } }).data[0]!;
    // 'nearest' from 4 to 2 reads positions 0 and 2: -(0.5·log 0.5 + 0.25·log 0.25) / 2.
    expect(Math.abs(at([0.5, 0, 0.25, 0]) - -(0.5 * Math.log(0.5) + 0.25 * Math.log(0.25)) / 2)).toBeLessThan(1e-15);
    expect(at([0, 1, 1, 1])).toBe(Infinity);
  });
});

describe('values along the list axis, read per element', () => {
  // w: [K] and c: [K, B] are no part of the list: element k reads w[k] and c[k] (their slices
  // at k), as does 0.5^k; the gradient reaches w and c through those slices.
  const SOURCE = `loss wheads(p: list[K] of ragged [B, ...], y: [B, ...], w: [K], c: [K, B]) = sum(l)
  where l[k] = mean(w[k] * (p[k] - resize(y, like: p[k]))^2 + 0.5^k * c[k] * p[k])
`;
  const B = 2;
  const S = 5;
  const SIZES = [5, 3, 7];
  const r = lcg(29);
  const heads0 = SIZES.map((n) => draw([B, n], r));
  const y0 = draw([B, S], r);
  const w0 = draw([SIZES.length], r);
  const c0 = draw([SIZES.length, B], r);

  /** Σ_k mean over b, s of w_k·(p_k[b, s] - y[b, nearest-exact(s)])² + 0.5^k·c[k, b]·p_k[b, s], in float64 loops. */
  function oracle(heads: readonly F64Tensor[], y: F64Tensor, w: F64Tensor, c: F64Tensor): number {
    let total = 0;
    heads.forEach((p, k) => {
      const n = p.shape[1]!;
      let s = 0;
      for (let b = 0; b < B; b++) {
        for (let d = 0; d < n; d++) {
          const v = p.data[b * n + d]!;
          const t = y.data[b * S + torchNearestIndex('nearest-exact', d, S, n)]!;
          s += w.data[k]! * (v - t) ** 2 + 0.5 ** k * c.data[k * B + b]! * v;
        }
      }
      total += s / (B * n);
    });
    return total;
  }
  /** Central differences of the oracle at every element of each input. */
  function slopes(): { heads: number[][]; y: number[]; w: number[]; c: number[] } {
    const h = 1e-6;
    const moved = (t: F64Tensor, i: number, d: number): F64Tensor => ({ shape: t.shape, data: t.data.map((v, j) => (j === i ? v + d : v)) });
    const cd = (f: (d: number) => number): number => (f(h) - f(-h)) / (2 * h);
    return {
      heads: heads0.map((p, k) => [...p.data.keys()].map((i) => cd((d) => oracle(heads0.map((q, j) => (j === k ? moved(q, i, d) : q)), y0, w0, c0)))),
      y: [...y0.data.keys()].map((i) => cd((d) => oracle(heads0, moved(y0, i, d), w0, c0))),
      w: [...w0.data.keys()].map((i) => cd((d) => oracle(heads0, y0, moved(w0, i, d), c0))),
      c: [...c0.data.keys()].map((i) => cd((d) => oracle(heads0, y0, w0, moved(c0, i, d)))),
    };
  }
  const close = (got: readonly number[], want: readonly number[], tol: number, what: string): void => got.forEach((g, i) => expect(Math.abs(g - want[i]!), `${what}[${i}]`).toBeLessThan(tol * Math.max(1, Math.abs(want[i]!))));

  it('the float64 reference and the evaluator give the value of float64 loops, and the evaluator gradients equal to central differences', async () => {
    const want = oracle(heads0, y0, w0, c0);
    const fn = lossFnOf(SOURCE);
    const r64 = evaluateReference(fn, { y: ref(y0), w: ref(w0), c: ref(c0) }, {}, { lists: { p: heads0.map(ref) } }).data[0]!;
    expect(Math.abs(r64 - want)).toBeLessThan(1e-12 * Math.max(1, Math.abs(want)));
    const e = await evaluate(SOURCE, 'wheads.loss', { loss: 'wheads', inputs: { p: heads0.map(dense), y: dense(y0), w: dense(w0), c: dense(c0) }, grad: true, backend: 'cpu' });
    expect(e.diagnostics).toEqual([]);
    expect(Math.abs((e.loss as number) - want)).toBeLessThan(2e-6 * Math.max(1, Math.abs(want)));
    const d = slopes();
    const g = e.grads as { p: number[][][]; y: number[][]; w: number[]; c: number[][] };
    close(g.w, d.w, 2e-5, 'd/dw');
    close(g.c.flat(), d.c, 2e-5, 'd/dc');
    close(g.y.flat(), d.y, 2e-5, 'd/dy');
    g.p.forEach((gp, k) => close(gp.flat(), d.heads[k]!, 2e-5, `d/dp[${k}]`));
  });

  it('the generated module computes what the evaluator does, values and gradients', async () => {
    const mod = await compiledModule(SOURCE, 'wheads.loss', 'ragged-list');
    await tf.setBackend('cpu');
    const ts = heads0.map((h) => tf.tensor(Array.from(h.data), h.shape));
    const [y, w, c] = [y0, w0, c0].map((t) => tf.tensor(Array.from(t.data), t.shape)) as [tf.Tensor, tf.Tensor, tf.Tensor];
    const viaModule = tf.tidy(() => tf.valueAndGrads((wv: tf.Tensor, cv: tf.Tensor, ...ps: tf.Tensor[]) => mod.wheads!(ps, y, wv, cv))([w, c, ...ts]));
    const viaEval = valueAndGradsTfjs(lossFnOf(SOURCE), { y, w, c }, {}, ['w', 'c', 'p'], { lists: { p: ts } });
    expect(viaModule.value.dataSync()[0]).toBe(viaEval.value.dataSync()[0]);
    expect(Array.from(viaModule.grads[0]!.dataSync())).toEqual(Array.from(viaEval.grads.w!.dataSync()));
    expect(Array.from(viaModule.grads[1]!.dataSync())).toEqual(Array.from(viaEval.grads.c!.dataSync()));
    viaEval.listGrads.p!.forEach((gp, k) => expect(Array.from(viaModule.grads[2 + k]!.dataSync())).toEqual(Array.from(gp.dataSync())));
    tf.dispose([viaModule.value, ...viaModule.grads, viaEval.value, ...Object.values(viaEval.grads), ...viaEval.listGrads.p!, ...ts, y, w, c]);
  });

  it.skipIf(torchMissing() !== undefined)('the PyTorch module in float64: the loops\' value, autograd equal to central differences', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lossc-ragged-along-'));
    writeFileSync(join(dir, 'wheads.py'), emitPytorchModule({ file: 'wheads.loss', losses: [lossFnOf(SOURCE)] }));
    writeFileSync(join(dir, TORCH_RUNTIME_FILE), TORCH_RUNTIME_SOURCE);
    writeFileSync(join(dir, 'case.json'), JSON.stringify({ p: heads0.map(dense), y: dense(y0), w: dense(w0), c: dense(c0) }));
    const script = `
import json, sys, torch
sys.path.insert(0, ${JSON.stringify(dir)})
import wheads
case = json.load(open(${JSON.stringify(join(dir, 'case.json'))}))
t = lambda v: torch.tensor(v["data"], dtype=torch.float64).reshape(v["shape"]).requires_grad_()
p = [t(h) for h in case["p"]]
y, w, c = t(case["y"]), t(case["w"]), t(case["c"])
v = wheads.wheads(p, y, w, c)
v.backward()
g = lambda x: x.grad.reshape(-1).tolist()
print(json.dumps({"value": v.item(), "p": [g(h) for h in p], "y": g(y), "w": g(w), "c": g(c)}))
`;
    const out = await run(PYTHON, ['-c', script]);
    expect(out.stderr).toBe('');
    const got = JSON.parse(out.stdout) as { value: number; p: number[][]; y: number[]; w: number[]; c: number[] };
    const want = oracle(heads0, y0, w0, c0);
    expect(Math.abs(got.value - want)).toBeLessThan(1e-12 * Math.max(1, Math.abs(want)));
    const d = slopes();
    close(got.w, d.w, 1e-7, 'd/dw');
    close(got.c, d.c, 1e-7, 'd/dc');
    close(got.y, d.y, 1e-7, 'd/dy');
    got.p.forEach((gp, k) => close(gp, d.heads[k]!, 1e-7, `d/dp[${k}]`));
  });
});
