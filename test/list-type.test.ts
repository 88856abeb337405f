// List inputs (`preds: list[K] of [N, C]`, docs/language.md "List inputs"): the caller passes K
// tensors of one shape, stacked at the boundary outside the backward pass, so each element gets
// its own gradient. Checked against float64 oracles written from the definitions (test/oracle),
// central differences, the generated module as a caller uses it, `lossc eval` as a process, and
// the PyTorch module against torch's own cross-entropy.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { check, evaluate } from '../src/api.js';
import { fsHost } from '../src/cli/files.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';
import { evaluateReference } from '../src/reference/evaluate.js';
import { compiledModule } from './helpers/compiled.js';
import { lossFn, toRef } from './helpers/loss-harness.js';
import { lossc, run } from './helpers/process.js';
import { PYTHON, torchMissing } from './helpers/torch.js';
import { monai_dice_ce } from './oracle/peers2.js';
import { fromNested, reshape, type F64Tensor } from './oracle/tensor.js';

const DEEP = `/// A weighted mean of the heads' cross-entropies.
loss deep_ce(preds: list[K] of [N, C], t: index[N] of C, w: [K] in [0, inf) = 1) =
  sum(w * per_head) / max(sum(w), 1e-12)
  where per_head = mean(-log_softmax(preds, C)[t], N)

loss three(p: list[3] of [N], y: [N]) = mean((p - y)^2)
`;
const PREDS = [[[0.5, -1, 2], [0.1, 0.2, 0.3]], [[1.5, 0, -0.5], [-2, 1, 0.25]], [[0, 0, 0], [3, -3, 1]]];
const T = [0, 2];
const W = [0.25, 1, 0.5];

/** The definition in float64: Σ_k w_k · mean_n(logsumexp(preds[k][n]) - preds[k][n][t_n]) / Σ w. */
function deepOracle(preds: number[][][], w: number[]): number {
  const perHead = preds.map((head) => head.reduce((acc, row, n) => acc + Math.log(row.reduce((a, v) => a + Math.exp(v), 0)) - row[T[n]!]!, 0) / head.length);
  return perHead.reduce((a, l, k) => a + w[k]! * l, 0) / w.reduce((a, b) => a + b, 0);
}

const errors = (source: string): string[] => check(source, 'case.loss').diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d));

describe('list types: what the checker says', () => {
  it('refuses a length that is not one dim, an element with no shape, and a list that is not a required input', () => {
    expect(errors('loss f(p: list[K, J] of [N]) = mean(p)')).toEqual(["case.loss:1:15: error E1019: a list's length is one dimension, a name or a whole number (list[K] of [N, C]), not [K, J]"]);
    expect(errors('loss f(p: list[...] of [N]) = mean(p)')).toEqual(["case.loss:1:15: error E1019: a list's length is one dimension, a name or a whole number (list[K] of [N, C]), not [...]"]);
    expect(errors('loss f(p: list[K] of real) = mean(p)')).toEqual(["case.loss:1:22: error E1020: a list's elements are tensors of one shape ([N, C], int[N], bool[N], index[N] of C), not a scalar real (write list[K] of [] for rank-0 tensors)"]);
    expect(errors('loss f(p: list[K] of list[J] of [N]) = mean(p)')).toEqual(["case.loss:1:22: error E1020: a list's elements are tensors of one shape ([N, C], int[N], bool[N], index[N] of C), not a list (lists do not nest)"]);
    expect(errors('loss f(x: [N, C], p: list[K] of index[N] of C | [N, C]) = mean(x)')).toEqual(["case.loss:1:33: error E1020: a list's elements are tensors of one shape ([N, C], int[N], bool[N], index[N] of C), not class indices or probabilities (a union)"]);
    expect(errors('loss f(x: [N], p: list[K] of [N] = 0) = mean(x)')).toEqual(["case.loss:1:19: error E3018: 'p' cannot be a list: a list is a required input (it has no default); give it, or write two losses over one def"]);
    expect(errors('loss f(x: [N], broadcast p: list[K] of [N]) = mean(x)')).toEqual(["case.loss:1:29: error E3018: 'p' cannot be a list: a 'broadcast' input is one tensor; give every element of a list its full shape"]);
  });

  it('keeps `list` a name everywhere but before `[` in a type', () => {
    expect(errors('loss f(list: [N]) = mean(list)\nloss g(x: [N]) = mean(list)\n  where list = x')).toEqual([]);
  });

  it('prints a list input as written in the IR header (lossc explain)', async () => {
    const { printIr } = await import('../src/ir/print.js');
    const fn = check('loss f(p: list[K] of [N, C], t: index[N] of C) = mean(-log_softmax(p, C)[t])', 'a.loss').losses[0]!;
    expect(printIr(fn).split('\n')[0]).toBe('loss f(p: list[K] of real[N, C], t: index[N] of C)');
  });

  it('reads the list as the stacked tensor in the body: K is a dim, preds[k] an element, and a def maps over k', () => {
    const source = `def sq(x: [N], y: [N]) = mean((x - y)^2)
loss per_head(p: list[K] of [N], y: [N], w: [K]) = sum(w * l) + K
  where l[k] = sq(p[k], y)
`;
    expect(errors(source)).toEqual([]);
  });
});

describe('list inputs: values and gradients through evaluate', () => {
  it('is the oracle\'s weighted mean over heads, with one gradient per element equal to central differences', async () => {
    const r = await evaluate(DEEP, 'deep.loss', { loss: 'deep_ce', inputs: { preds: PREDS, t: T, w: W }, grad: true, backend: 'cpu' });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const want = deepOracle(PREDS, W);
    expect(Math.abs((r.loss as number) - want) / want).toBeLessThan(3e-7);
    const g = r.grads!.preds as number[][][];
    expect(g.length).toBe(3);
    const h = 1e-6;
    PREDS.forEach((head, k) => head.forEach((row, n) => row.forEach((_, c) => {
      const at = (d: number) => PREDS.map((hh, a) => hh.map((rr, b) => rr.map((v, e) => (a === k && b === n && e === c ? v + d : v))));
      const slope = (deepOracle(at(h), W) - deepOracle(at(-h), W)) / (2 * h);
      expect(Math.abs(g[k]![n]![c]! - slope), `d/dpreds[${k}][${n}][${c}]`).toBeLessThan(1e-6);
    })));
  });

  it('differentiates a list of one element', async () => {
    const one = [PREDS[0]!];
    const r = await evaluate(DEEP, 'deep.loss', { loss: 'deep_ce', inputs: { preds: one, t: T }, grad: true, backend: 'cpu' });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(Math.abs((r.loss as number) - deepOracle(one, [1]))).toBeLessThan(1e-6);
    const h = 1e-6;
    const at = (d: number) => [one[0]!.map((row, n) => row.map((v, c) => (n === 1 && c === 2 ? v + d : v)))];
    expect(Math.abs((r.grads!.preds as number[][][])[0]![1]![2]! - (deepOracle(at(h), [1]) - deepOracle(at(-h), [1])) / (2 * h))).toBeLessThan(1e-6);
  });

  it('takes elements as {shape, data} too, and names the element whose shape differs', async () => {
    const asDense = PREDS.map((head) => ({ shape: [2, 3], data: head.flat() }));
    const r = await evaluate(DEEP, 'deep.loss', { loss: 'deep_ce', inputs: { preds: asDense, t: T }, backend: 'cpu' });
    expect(Math.abs((r.loss as number) - deepOracle(PREDS, [1, 1, 1]))).toBeLessThan(1e-6);
    const bad = await evaluate(DEEP, 'deep.loss', { loss: 'deep_ce', inputs: { preds: [PREDS[0], [[1, 2], [3, 4]]], t: T }, backend: 'cpu' });
    expect(bad.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d))).toEqual([
      "lossc: error E7003: input 'preds' of loss 'deep_ce': element 1 has shape [2, 2], but element 0 has shape [2, 3]: the elements of a list have one shape [N, C] (resize predictions made at several resolutions to one first)",
    ]);
    const empty = await evaluate(DEEP, 'deep.loss', { loss: 'deep_ce', inputs: { preds: [], t: T }, backend: 'cpu' });
    expect(empty.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual(["input 'preds' of loss 'deep_ce': the list is empty: it needs at least one tensor of shape [N, C]"]);
    const short = await evaluate(DEEP, 'deep.loss', { loss: 'three', inputs: { p: [[1], [2]], y: [0] }, backend: 'cpu' });
    expect(short.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual(["input 'p' of loss 'three': expected a list of 3 tensors, but found 2"]);
  });

  it('a def applied per element maps its own where-bindings over the element too', async () => {
    // Each head's own mean: Σ_k (k + 1) · mean(p[k]) = 1 · 2 + 2 · 20 (its inner `mean` once averaged all heads).
    const source = `def g(x: [B, ...]) = s
  where s = mean(x)
loss f(p: list[K] of [B, ...]) = sum(w * l)
  where
    l[k] = g(p[k])
    w[k: K] = k + 1
`;
    const r = await evaluate(source, 'a.loss', { loss: 'f', inputs: { p: [[[1, 3]], [[10, 30]]] }, backend: 'cpu' });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(r.loss).toBe(42);
  });
});

describe('list inputs in the generated module', () => {
  it('types the list, stacks it with a gradient per element, refuses bad lists naming the element, and leaks nothing', async () => {
    const { compile } = await import('../src/api.js');
    const compiled = await compile(DEEP, 'deep.loss');
    expect(compiled.code).toContain('export function deep_ce(preds: readonly (tf.Tensor | tf.TensorLike)[], t: tf.Tensor | tf.TensorLike, options: DeepCeOptions = {}): tf.Scalar');
    expect(compiled.code).toContain('export function three(p: readonly [tf.Tensor | tf.TensorLike, tf.Tensor | tf.TensorLike, tf.Tensor | tf.TensorLike], y: tf.Tensor | tf.TensorLike');
    // tfjs-layers calls a loss with one yPred tensor: no adapter.
    expect(compiled.code).not.toContain('three.forLayers');
    const mod = await compiledModule(DEEP, 'deep.loss', 'list-type');
    const heads = PREDS.map((h) => tf.tensor2d(h));
    const t = tf.tensor1d(T, 'int32');
    const before = tf.memory().numTensors;
    const w = tf.tensor1d(W);
    const { value, grads } = tf.tidy(() => {
      const f = tf.valueAndGrads((...xs: tf.Tensor[]) => mod.deep_ce!(xs, t, { w }));
      const out = f(heads);
      return { value: out.value, grads: out.grads };
    });
    expect(Math.abs(value.dataSync()[0]! - deepOracle(PREDS, W))).toBeLessThan(1e-6);
    const viaEval = await evaluate(DEEP, 'deep.loss', { loss: 'deep_ce', inputs: { preds: PREDS, t: T, w: W }, grad: true, backend: 'cpu' });
    // The same derived backward pass (the module's cost target may order a sum differently: 1 ulp).
    grads.forEach((g, k) => (g.arraySync() as number[][]).flat().forEach((v, i) => expect(Math.abs(v - (viaEval.grads!.preds as number[][][])[k]!.flat()[i]!)).toBeLessThan(6e-8)));
    tf.dispose([value, ...grads, w]);
    expect(tf.memory().numTensors).toBe(before);
    // Arrays as elements are converted (and disposed), as a tensor input's are.
    const fromArrays = mod.deep_ce!(PREDS, T);
    expect(fromArrays.dataSync()[0]).toBeCloseTo(deepOracle(PREDS, [1, 1, 1]), 6);
    fromArrays.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const thrown = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(thrown(() => mod.deep_ce!([], t))).toBe("deep_ce: input 'preds' is an empty list: list[K] of [N, C] needs at least one tensor");
    expect(thrown(() => mod.deep_ce!(tf.stack(heads), t))).toBe("deep_ce: input 'preds' must be an array of tensors (list[K] of [N, C]), but is one tf.Tensor of shape [3, 2, 3]: pass its elements as an array (tf.unstack(x) splits a stacked one)");
    expect(thrown(() => mod.deep_ce!([heads[0], tf.zeros([2, 4])], t))).toBe('deep_ce: element preds[1] has shape [2, 4], but preds[0] has shape [2, 3]: the elements of list[K] of [N, C] must have one shape (resize predictions made at several resolutions to one first)');
    expect(thrown(() => mod.deep_ce!([heads[0], tf.zeros([2, 3], 'int32')], t))).toBe('deep_ce: element preds[1] must be float32, but has dtype int32');
    expect(thrown(() => mod.deep_ce!([heads[0], tf.zeros([3])], t))).toBe('deep_ce: element preds[1] should have 2 dimensions [N, C], but has shape [3]');
    expect(thrown(() => mod.deep_ce!([heads[0], 'x'], t))).toBe("deep_ce: element preds[1] must be a tf.Tensor or TensorLike of shape [N, C], but is a string");
    expect(thrown(() => mod.deep_ce!(heads, tf.tensor1d([0, 1, 2], 'int32')))).toBe("deep_ce: dimension N of input 't' is 3, but it is 2 in 'preds' (shape [N])");
    expect(thrown(() => mod.three!([tf.zeros([2]), tf.zeros([2])], tf.zeros([2])))).toBe("three: input 'p' must be a list of 3 tensors (list[3] of [N]), but has 2");
    tf.dispose([...heads, t]);
  });
});

describe('the generated signature under tsc --strict', () => {
  it('takes an array and a tuple of 3 (and refuses a tuple of 2 at compile time)', async () => {
    const { compile } = await import('../src/api.js');
    const { typecheckGenerated } = await import('../src/emit/typecheck.js');
    const code = (await compile(DEEP, 'deep.loss')).code!;
    const use = (tuple: string): string => `import * as tf from '@tensorflow/tfjs';
import { deep_ce, three } from './deep.js';
const a = tf.zeros([2, 3]);
export const v1: tf.Scalar = deep_ce([a, a], tf.tensor1d([0, 1], 'int32'));
export const v2 = three(${tuple}, tf.zeros([2]));
`;
    expect(await typecheckGenerated({ 'deep.ts': code, 'use.ts': use('[tf.zeros([2]), tf.zeros([2]), [1, 2]] as const') })).toEqual([]);
    const refused = await typecheckGenerated({ 'deep.ts': code, 'use.ts': use('[tf.zeros([2]), tf.zeros([2])]') });
    expect(refused.join('\n')).toContain('Source has 2 element(s) but target requires 3.');
  });
});

describe('lossc eval as a process', () => {
  it('takes a list as an array of nested arrays and prints one gradient per element', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lossc-list-'));
    writeFileSync(join(dir, 'deep.loss'), DEEP);
    writeFileSync(join(dir, 'in.json'), JSON.stringify({ preds: PREDS, t: T, w: W }));
    const r = await lossc(['eval', join(dir, 'deep.loss'), '--loss', 'deep_ce', '--inputs', join(dir, 'in.json'), '--grad', '--json', '--backend', 'cpu']);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { loss: number; grads: { preds: number[][][] } };
    expect(Math.abs(out.loss - deepOracle(PREDS, W))).toBeLessThan(1e-6);
    expect(out.grads.preds.map((g) => [g.length, g[0]!.length])).toEqual([[2, 3], [2, 3], [2, 3]]);
  });
});

// --- the stdlib loss: MONAI's DeepSupervisionLoss around DiceCELoss -------------------------------

const SEG = 'stdlib/segmentation.loss';
/** MONAI's get_weights (monai/losses/deep_supervision_loss.py), written out. */
const LEVEL_WEIGHTS = {
  same: () => 1,
  exp: (k: number) => Math.max(0.5 ** k, 0.0625),
  two: (k: number) => (k === 0 ? 1 : 0.5),
} as const;
const MODES = ['same', 'exp', 'two'] as const;

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}
/** K heads of logits [B, C, H, W] and a one-hot target. */
function segCase(K: number, seed: number, scale = 2): { heads: number[][][][][]; y: number[][][][] } {
  const r = lcg(seed);
  const [B, C, H, W] = [2, 3, 2, 3];
  const heads = Array.from({ length: K }, () => Array.from({ length: B }, () => Array.from({ length: C }, () => Array.from({ length: H }, () => Array.from({ length: W }, () => Math.fround(scale * r()))))));
  const y = Array.from({ length: B }, () => {
    const cls = Array.from({ length: H }, () => Array.from({ length: W }, () => Math.floor((r() + 1) * 1.5) % C));
    return Array.from({ length: C }, (_, c) => cls.map((row) => row.map((v) => (v === c ? 1 : 0))));
  });
  return { heads, y };
}
/** [B, C, H, W] as the oracle takes it, [B, C, S]. */
const bcs = (x: unknown): F64Tensor => {
  const t = fromNested(x as never);
  return reshape(t, [t.shape[0]!, t.shape[1]!, t.shape.slice(2).reduce((a, b) => a * b, 1)]);
};
const deepSupervision = (heads: number[][][][][], y: number[][][][], mode: (typeof MODES)[number]): number =>
  heads.reduce((acc, head, k) => acc + LEVEL_WEIGHTS[mode](k) * monai_dice_ce(bcs(head), bcs(y), { softmax: true }), 0);

describe('monai_deep_supervision (stdlib/segmentation.loss)', () => {
  const { heads, y } = segCase(5, 7);
  const ACT = { activation: 2 }; // 'softmax', by position, as the reference and prepareInputs hold it

  it('is Σ_k w_k · DiceCE(preds[k], y) with MONAI\'s weights, in float64 (the reference) and float32', async () => {
    const fn = lossFn(SEG, 'monai_deep_supervision');
    for (const [m, mode] of MODES.entries()) {
      const want = deepSupervision(heads, y, mode);
      const ref = evaluateReference(fn, toRef({ y: fromNested(y) }), { ...ACT, weight_mode: m }, { lists: { preds: heads.map((h) => toRef({ h: fromNested(h) }).h!) } }).data[0]!;
      expect(Math.abs(ref - want), `reference, ${mode}`).toBeLessThan(1e-12 * Math.max(1, want));
      if (mode !== 'exp') continue; // float32: MONAI's default mode (the weights are the same code for all three)
      const r = await evaluate(readFileSync(SEG, 'utf8'), SEG, { host: fsHost, loss: 'monai_deep_supervision', inputs: { preds: heads, y, weight_mode: mode, activation: 'softmax' }, backend: 'cpu' });
      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(Math.abs((r.loss as number) - want) / want, `float32, ${mode}`).toBeLessThan(2e-6);
    }
  });

  it('has the gradient of the oracle per element (central differences), and MONAI\'s explicit weights as `weights`', async () => {
    const small = segCase(3, 11);
    const text = readFileSync(SEG, 'utf8');
    const r = await evaluate(text, SEG, { host: fsHost, loss: 'monai_deep_supervision', inputs: { preds: small.heads, y: small.y, weight_mode: 'exp', activation: 'softmax' }, grad: true, backend: 'cpu' });
    const g = r.grads!.preds as number[][][][][];
    const h = 1e-5;
    const flat = (k: number, i: number, d: number): number[][][][][] => {
      const copy = structuredClone(small.heads);
      const at = [i % 3, Math.floor(i / 3) % 2, Math.floor(i / 6) % 3, Math.floor(i / 18) % 2];
      copy[k]![at[3]!]![at[2]!]![at[1]!]![at[0]!]! += d;
      return copy;
    };
    for (let k = 0; k < 3; k++) {
      for (let i = 0; i < 36; i += 5) {
        const slope = (deepSupervision(flat(k, i, h), small.y, 'exp') - deepSupervision(flat(k, i, -h), small.y, 'exp')) / (2 * h);
        const at = [i % 3, Math.floor(i / 3) % 2, Math.floor(i / 6) % 3, Math.floor(i / 18) % 2];
        expect(Math.abs(g[k]![at[3]!]![at[2]!]![at[1]!]![at[0]!]! - slope), `d/dpreds[${k}] at ${at.reverse().join(',')}`).toBeLessThan(2e-5);
      }
    }
    // MONAI's `weights=[0.7, 0.2, 0.1]`: weight_mode 'same' and this loss's per-head weights.
    const explicit = [0.7, 0.2, 0.1];
    const want = small.heads.reduce((acc, head, k) => acc + explicit[k]! * monai_dice_ce(bcs(head), bcs(small.y), { softmax: true }), 0);
    const given = await evaluate(text, SEG, { host: fsHost, loss: 'monai_deep_supervision', inputs: { preds: small.heads, y: small.y, weight_mode: 'same', activation: 'softmax' }, weights: explicit, backend: 'cpu' });
    expect(Math.abs((given.loss as number) - want) / want).toBeLessThan(2e-6);
    const perHead = await evaluate(text, SEG, { host: fsHost, loss: 'monai_deep_supervision', inputs: { preds: small.heads, y: small.y, weight_mode: 'two', activation: 'softmax' }, reduction: 'none', backend: 'cpu' });
    expect((perHead.loss as number[]).length).toBe(3);
    (perHead.loss as number[]).forEach((v, k) => expect(Math.abs(v - LEVEL_WEIGHTS.two(k) * monai_dice_ce(bcs(small.heads[k]!), bcs(small.y), { softmax: true }))).toBeLessThan(2e-6));
  });

  it('stays finite at logits of ±1e4', async () => {
    const big = segCase(2, 5, 1e4);
    const text = readFileSync(SEG, 'utf8');
    const r = await evaluate(text, SEG, { host: fsHost, loss: 'monai_deep_supervision', inputs: { preds: big.heads, y: big.y, activation: 'softmax' }, grad: true, backend: 'cpu' });
    const want = deepSupervision(big.heads, big.y, 'exp');
    expect(Math.abs((r.loss as number) - want) / want).toBeLessThan(1e-5);
    expect((r.grads!.preds as number[][][][][]).flat(4).every(Number.isFinite)).toBe(true);
  });

  it.skipIf(torchMissing() !== undefined)('in the PyTorch module: a list of tensors, the value and per-element gradients of torch\'s own cross-entropy and Dice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lossc-list-torch-'));
    const compiled = await lossc(['compile', SEG, '--target', 'pytorch', '--out', dir]);
    expect(compiled.status, compiled.stderr).toBe(0);
    const { heads: hs, y: yy } = segCase(3, 3);
    writeFileSync(join(dir, 'case.json'), JSON.stringify({ heads: hs, y: yy }));
    const script = `
import json, sys, torch
import torch.nn.functional as F
sys.path.insert(0, ${JSON.stringify(dir)})
import segmentation
case = json.load(open(${JSON.stringify(join(dir, 'case.json'))}))
y = torch.tensor(case["y"], dtype=torch.float64)
def heads():
    return [torch.tensor(h, dtype=torch.float64, requires_grad=True) for h in case["heads"]]
def dice_ce(x):
    # MONAI DiceCELoss(softmax=True) for one head, from torch's own functions.
    p = torch.softmax(x, 1)
    dims = (2, 3)
    dice = 1 - (2 * (p * y).sum(dims) + 1e-5) / (p.sum(dims) + y.sum(dims) + 1e-5)
    return dice.mean() + F.cross_entropy(x, y)
out = {}
for mode, weights in (("exp", [1, 0.5, 0.25]), ("two", [1, 0.5, 0.5]), ("same", [1, 1, 1])):
    ours, theirs = heads(), heads()
    a = segmentation.monai_deep_supervision(ours, y, weight_mode=mode, activation="softmax")
    b = sum(w * dice_ce(h) for w, h in zip(weights, theirs))
    a.backward(); b.backward()
    out[mode] = {"ours": a.item(), "theirs": b.item(), "grad": max(float((o.grad - t.grad).abs().max()) for o, t in zip(ours, theirs))}
try:
    segmentation.monai_deep_supervision([torch.zeros(2, 3, 2, 3), torch.zeros(2, 4, 4, 6)], y)
except ValueError as e:
    out["refusal"] = str(e)
print(json.dumps(out))
`;
    const r = await run(PYTHON, ['-c', script]);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as Record<string, { ours: number; theirs: number; grad: number }> & { refusal: string };
    for (const mode of MODES) {
      expect(Math.abs(out[mode]!.ours - out[mode]!.theirs), `${mode}: ${JSON.stringify(out)}`).toBeLessThan(1e-12);
      expect(out[mode]!.grad, mode).toBeLessThan(1e-12);
    }
    expect(out.refusal).toBe("monai_deep_supervision: element preds[1] has shape [2, 4, 4, 6], but preds[0] has shape [2, 3, 2, 3]: the elements of list[K] of ragged [B, C, ...] differ only in the sizes of their '...' dims");
  });
});
