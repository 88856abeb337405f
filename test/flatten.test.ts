// flatten(x, (H, W), S) and unflatten(x, S, (H, W)) (issue 17 item 4), against oracles that
// share no code with the compiler: segmentation_models_pytorch's DiceLoss written from its
// definition (its `view(bs, C, -1)`), torch's row-major `permute(...).reshape(...)` written as
// index arithmetic, central differences, and the PyTorch module run by real torch. Module
// (generated code), evaluator and float64 reference agree with each other and with them.
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { check, sampleCheck } from '../src/api.js';
import { compile } from './helpers/compile-cache.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';
import { emitPytorchModule, TORCH_RUNTIME_FILE } from '../src/emit/pytorch.js';
import { typecheckGenerated } from '../src/emit/typecheck.js';
import { evaluateTfjs, valueAndGradsTfjs } from '../src/eval/evaluate.js';
import { initBackend } from '../src/eval/setup.js';
import type { IrFunction } from '../src/ir/types.js';
import { evaluateReference, gradientsReference, type RefTensor } from '../src/reference/evaluate.js';
import { RangeAnalysis } from '../src/ranges/analysis.js';
import { TORCH_RUNTIME_SOURCE } from '../src/runtime/python/source.js';
import * as service from '../src/service/index.js';
import { importModule } from './fuzz/compare.js';
import type { LossFunction } from './fuzz/inputs.js';
import { smpBinary, smpMulticlass } from './flatten-oracle.js';
import { PYTHON, torchMissing } from './helpers/torch.js';

const SOURCE = `
/// segmentation_models_pytorch DiceLoss, mode 'multiclass', from_logits: softmax over C, the
/// targets one-hot, both viewed as [B, C, H·W]; classes absent from the targets count 0.
loss smp_dice(x: [B, C, H, W], t: index[B, H, W] of C, smooth: real in [0, inf) = 0, eps: real in (0, inf) = 1e-7) =
  mean(if present then 1 - score else 0)
  where p = flatten(softmax(x, C), (H, W), S)
        y = onehot(flatten(t, (H, W), S))
        score = (2 * sum(p * y, (B, S)) + smooth) / max(sum(p + y, (B, S)) + smooth, eps)
        present = sum(y, (B, S)) > 0

/// The same, mode 'binary': sigmoid, both viewed as [B, 1, H·W].
loss smp_dice_binary(x: [B, H, W], y: [B, H, W] in [0, 1], smooth: real in [0, inf) = 0, eps: real in (0, inf) = 1e-7) =
  if present then 1 - score else 0
  where p = flatten(sigmoid(x), (H, W), S)
        q = flatten(y, (H, W), S)
        score = (2 * sum(p * q) + smooth) / max(sum(p + q) + smooth, eps)
        present = sum(q) > 0

/// Merged axes neither adjacent nor in x's order: position w·C + c of S, against weights of S.
loss weighted(x: [B, C, H, W], w: [S]) = sum(square(flatten(x, (W, C), S)) * w) / S

/// The flattened tensor itself, as callers see it.
loss merged(x: [B, C, H, W]) = flatten(x, (W, B), Q)

/// unflatten undoes flatten, whatever the order.
loss roundtrip(x: [B, C, H, W]) = unflatten(flatten(x, (H, B), Q), Q, (H, B))

/// unflatten of an input: a [B, C, H·W] tensor as [B, C, H, W], H and W given by another input.
loss split(x: [B, C, S], g: [H, W]) = sum(unflatten(x, S, (H, W)) * g)

/// A gradient the same along merged axes (v has only W), and one that a select cuts.
loss partial(x: [B, S], v: [W], h: [H]) = sum(v * unflatten(x, S, (H, W))) + sum(if z > 0 then z^2 else 0)
  where z = flatten(unflatten(x, S, (H, W)) * h, (W, H), T)
`;

const checked = check(SOURCE, 'flatten.loss', { gradients: true });
const lossOf = (name: string): IrFunction => checked.losses.find((l) => l.name === name)!;

/** A deterministic pseudo-random number in [-1, 1) for element k of stream `seed`. */
const noise = (seed: number, k: number): number => (((Math.sin(seed * 7919 + k * 104.729) * 43758.5453) % 1) + 1) % 1 * 2 - 1;
const real = (seed: number, shape: number[], scale = 2): RefTensor => ({ shape, data: Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, k) => scale * noise(seed, k)) });
const ints = (seed: number, shape: number[], n: number): RefTensor => ({ shape, data: Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, k) => Math.floor(((noise(seed, k) + 1) / 2) * n)) });

// --- the oracles, from their definitions ------------------------------------------------------

/** x.permute(order).reshape(...) of a row-major tensor: the element at each position of the result. */
function permuteReshape(x: RefTensor, order: readonly number[]): Float64Array {
  const shape = order.map((k) => x.shape[k]!);
  const strides = x.shape.map((_, k) => x.shape.slice(k + 1).reduce((a, b) => a * b, 1));
  const out = new Float64Array(x.data.length);
  for (let e = 0; e < out.length; e++) {
    let rem = e;
    let at = 0;
    for (let d = shape.length - 1; d >= 0; d--) {
      at += (rem % shape[d]!) * strides[order[d]!]!;
      rem = Math.floor(rem / shape[d]!);
    }
    out[e] = x.data[at]!;
  }
  return out;
}

/** Central differences of the float64 reference value along every element of input `wrt`. */
function centralDifferences(fn: IrFunction, inputs: Record<string, RefTensor>, wrt: string): Float64Array {
  const x = inputs[wrt]!;
  const out = new Float64Array(x.data.length);
  for (let k = 0; k < out.length; k++) {
    const h = 1e-6 * Math.max(1, Math.abs(x.data[k]!));
    const at = (v: number): number => {
      const data = Float64Array.from(x.data);
      data[k] = v;
      return evaluateReference(fn, { ...inputs, [wrt]: { shape: x.shape, data } }, {}).data[0]!;
    };
    out[k] = (at(x.data[k]! + h) - at(x.data[k]! - h)) / (2 * h);
  }
  return out;
}

const close = (got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void => {
  expect(got.length, what).toBe(want.length);
  const scale = Math.max(1, ...Array.from(want, Math.abs));
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!), `${what}[${i}]: ${got[i]} vs ${want[i]}`).toBeLessThanOrEqual(tol * scale);
};

// --- the cases ----------------------------------------------------------------------------------

const X4 = real(1, [2, 3, 4, 5]);
const T3 = ints(2, [2, 4, 5], 3);
// Class 2 absent from the targets: its term is 0 (SMP's mask), and the mean still counts it.
const T3_ABSENT = { shape: [2, 4, 5], data: T3.data.map((v) => (v === 2 ? 0 : v)) };
const XB = real(3, [2, 3, 4]);
const YB = { shape: [2, 3, 4], data: real(4, [2, 3, 4], 1).data.map((v) => (v + 1) / 2) };
const WS = real(5, [15]);

interface Case {
  readonly loss: string;
  readonly inputs: Record<string, RefTensor>;
  /** The oracle's value, when there is one beside the reference. */
  readonly oracle?: number;
  readonly wrt: readonly string[];
}

const CASES: readonly Case[] = [
  { loss: 'smp_dice', inputs: { x: X4, t: T3 }, oracle: smpMulticlass(X4, T3, 0, 1e-7), wrt: ['x'] },
  { loss: 'smp_dice', inputs: { x: X4, t: T3_ABSENT }, oracle: smpMulticlass(X4, T3_ABSENT, 0, 1e-7), wrt: ['x'] },
  { loss: 'smp_dice_binary', inputs: { x: XB, y: YB }, oracle: smpBinary(XB, YB, 0, 1e-7), wrt: ['x', 'y'] },
  {
    loss: 'weighted',
    inputs: { x: X4, w: WS },
    // Σ x[b, c, h, w]² · w[w·C + c] / 15, from the definition.
    oracle: (() => {
      let s = 0;
      for (let b = 0; b < 2; b++) for (let c = 0; c < 3; c++) for (let h = 0; h < 4; h++) for (let w = 0; w < 5; w++) s += X4.data[((b * 3 + c) * 4 + h) * 5 + w]! ** 2 * WS.data[w * 3 + c]!;
      return s / 15;
    })(),
    wrt: ['x', 'w'],
  },
  { loss: 'split', inputs: { x: real(6, [2, 3, 20]), g: real(7, [4, 5]) }, wrt: ['x', 'g'] },
  { loss: 'partial', inputs: { x: real(9, [2, 12]), v: real(10, [4]), h: real(11, [3]) }, wrt: ['x', 'v', 'h'] },
];

describe('flatten and unflatten in float64 (the reference) against oracles from their definitions', () => {
  it('the loss file checks clean (the two losses returning tensors are meant to)', () => {
    expect(checked.diagnostics.map((d) => formatDiagnostic(d))).toEqual([
      "flatten.loss:23:32: warning W3011: loss 'merged' returns a tensor with axes [Q, C, H], not a single number: reduce it with mean or sum if a scalar is meant",
      "flatten.loss:26:35: warning W3011: loss 'roundtrip' returns a tensor with axes [H, B, C, W], not a single number: reduce it with mean or sum if a scalar is meant",
    ]);
  });

  it.each(CASES.filter((c) => c.oracle !== undefined).map((c, i) => [`${c.loss} #${i}`, c] as const))('%s = the oracle (1e-12)', (_, c) => {
    const value = evaluateReference(lossOf(c.loss), c.inputs, {}).data[0]!;
    expect(Math.abs(value - c.oracle!)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(c.oracle!)));
  });

  it('SMP dice with smooth = 1 and an absent class', () => {
    const value = evaluateReference(lossOf('smp_dice'), { x: X4, t: T3_ABSENT }, { smooth: 1 }).data[0]!;
    expect(value).toBeCloseTo(smpMulticlass(X4, T3_ABSENT, 1, 1e-7), 12);
  });

  it('flatten(x, (W, B), Q) of x: [B, C, H, W] is x.permute(3, 0, 1, 2).reshape(W·B, C, H), Q where W was first: [Q, C, H]', () => {
    const out = evaluateReference(lossOf('merged'), { x: X4 }, {});
    expect(out.shape).toEqual([10, 3, 4]);
    expect(Array.from(out.data)).toEqual(Array.from(permuteReshape(X4, [3, 0, 1, 2])));
  });

  it('unflatten(flatten(x, (H, B), Q), Q, (H, B)) is x, element for element', () => {
    const out = evaluateReference(lossOf('roundtrip'), { x: X4 }, {});
    // H and B come back where flatten put Q (B's place), H the major one.
    expect(out.shape).toEqual([4, 2, 3, 5]);
    expect(Array.from(out.data)).toEqual(Array.from(permuteReshape(X4, [2, 0, 1, 3])));
  });

  it.each(CASES.map((c, i) => [`${c.loss} #${i}`, c] as const))('%s: derived gradients = central differences (1e-7)', (_, c) => {
    const fn = lossOf(c.loss);
    const { grads } = gradientsReference(fn, c.inputs, {});
    for (const k of c.wrt) close(grads[k]!.data, centralDifferences(fn, c.inputs, k), 1e-7, `${c.loss} d/d${k}`);
  });
});

describe('module (generated code), evaluator and reference agree, values and gradients, on cpu and wasm', () => {
  let mod: Record<string, LossFunction>;
  beforeAll(async () => {
    const compiled = await compile(SOURCE, 'flatten.loss');
    expect(compiled.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d))).toEqual([]);
    mod = await importModule<Record<string, LossFunction>>(compiled.code!, 'flatten');
  });

  // smp_dice tiles over C, and the tiled lowering (src/lower/tile.ts) declares a slice of x
  // that no block reads (TS6133 'rowsOf'): a tiling issue, not flatten's, so it is left out here.
  it('the module type-checks with --strict --noUnusedLocals --noUnusedParameters', async () => {
    const others = await compile(SOURCE.replace(/\/\/\/ segmentation_models_pytorch DiceLoss[\s\S]*?(?=\/\/\/ The same, mode 'binary')/, ''), 'flatten.loss');
    expect(others.code).not.toContain('function smp_dice(');
    expect(await typecheckGenerated({ 'flatten.ts': others.code! })).toEqual([]);
  }, 120_000);

  const tensors = (fn: IrFunction, inputs: Record<string, RefTensor>): Record<string, tf.Tensor> =>
    Object.fromEntries(fn.inputs.map((i) => [i.name, tf.tensor(Array.from(inputs[i.name]!.data), inputs[i.name]!.shape, i.elem === 'real' ? 'float32' : 'int32')]));

  for (const backend of ['cpu', 'wasm'] as const) {
    it.each(CASES.map((c, i) => [`${c.loss} #${i}`, c] as const))(`${backend}: %s`, async (_, c) => {
      await initBackend(backend);
      const fn = lossOf(c.loss);
      const ref = gradientsReference(fn, c.inputs, {});
      const ts = tensors(fn, c.inputs);
      const args = fn.inputs.map((i) => ts[i.name]!);
      // Differentiated along the real inputs of c.wrt, the others passed as they are.
      const wrt = fn.inputs.flatMap((i, j) => (c.wrt.includes(i.name) ? [j] : []));
      const viaModule = tf.valueAndGrads((...xs: tf.Tensor[]) => mod[c.loss]!(...args.map((a, j) => (wrt.includes(j) ? xs[wrt.indexOf(j)]! : a))) as tf.Scalar)(wrt.map((j) => args[j]!));
      const viaEvaluator = valueAndGradsTfjs(fn, ts, {}, c.wrt);
      close(viaModule.value.dataSync(), ref.value.data, 1e-5, `${c.loss} module value`);
      close(viaEvaluator.value.dataSync(), viaModule.value.dataSync(), 0, `${c.loss} evaluator = module`);
      for (const k of c.wrt) {
        const j = wrt.indexOf(fn.inputs.findIndex((i) => i.name === k));
        close(viaModule.grads[j]!.dataSync(), ref.grads[k]!.data, 1e-5, `${c.loss} module d/d${k}`);
        close(viaEvaluator.grads[k]!.dataSync(), viaModule.grads[j]!.dataSync(), 0, `${c.loss} evaluator = module d/d${k}`);
      }
      tf.dispose([viaModule.value, ...viaModule.grads, viaEvaluator.value, ...Object.values(viaEvaluator.grads), ...Object.values(ts)]);
    });

    it(`${backend}: the flattened and round-tripped tensors themselves`, async () => {
      await initBackend(backend);
      const x = tf.tensor(Array.from(X4.data), X4.shape);
      const merged = mod.merged!(x);
      expect(merged.shape).toEqual([10, 3, 4]);
      expect(Array.from(merged.dataSync())).toEqual(Array.from(Float32Array.from(permuteReshape(X4, [3, 0, 1, 2]))));
      const back = evaluateTfjs(lossOf('roundtrip'), { x }, {});
      expect(back.shape).toEqual([4, 2, 3, 5]);
      expect(Array.from(back.dataSync())).toEqual(Array.from(Float32Array.from(permuteReshape(X4, [2, 0, 1, 3]))));
      tf.dispose([x, merged, back]);
    });
  }

  it('a merged dim an input also has must be the product: a clear error naming both', async () => {
    await initBackend('cpu');
    const x = tf.tensor(Array.from(X4.data), X4.shape);
    const w = tf.zeros([14]);
    expect(() => mod.weighted!(x, w)).toThrow("weighted: dimension S is W·C = 15, but 'w' gives 14");
    expect(() => evaluateTfjs(lossOf('weighted'), { x, w }, {})).toThrow("weighted: dimension S is W·C = 15, but 'w' gives 14");
    expect(() => evaluateReference(lossOf('weighted'), { x: X4, w: { shape: [14], data: new Float64Array(14) } }, {})).toThrow("weighted: dimension S is W·C = 15, but 'w' gives 14");
    tf.dispose([x, w]);
  });

  it('unflatten of a dim that is not the product of the parts: a clear error', async () => {
    await initBackend('cpu');
    const x = tf.zeros([2, 3, 21]);
    const g = tf.zeros([4, 5]);
    expect(() => mod.split!(x, g)).toThrow("split: dimension S is H·W = 20, but 'x' gives 21");
    tf.dispose([x, g]);
  });
});

describe('refusals, with the exact message', () => {
  const problems = (body: string, params = 'x: [B, C, H, W]'): string[] => check(`loss f(${params}) = ${body}`, 'f.loss').diagnostics.map((d) => formatDiagnostic(d));
  it.each([
    ['an axis x does not have', 'sum(flatten(x, (H, K), S))', "f.loss:1:46: error E4003: flatten: the operand has no axis K (its axes are [B, C, H, W])"],
    ['a repeated axis', 'sum(flatten(x, (H, H), S))', 'f.loss:1:46: error E4030: flatten lists axis H twice: each axis is merged once'],
    ['a new name x already has', 'sum(flatten(x, (H, W), C))', "f.loss:1:50: error E4011: dimension 'C' appears twice in one shape; use index variables for a square matrix"],
    ['a name already made by another flatten', 'sum(flatten(x, (H, W), S)) + sum(flatten(x, (B, C), S))', 'f.loss:1:79: error E4031: the merged axis S would have size B·C, but S is already the merged axis of (H, W): give the merged axis a name of its own'],
    ['a name made by stack', 'sum(stack(x, x, S)) + sum(flatten(x, (B, C), S))', 'f.loss:1:72: error E4031: the merged axis S would have size B·C, but S is already the new axis of a stack, of size 2: give the merged axis a name of its own'],
    ['the new axis named by a value', 'sum(flatten(x, (H, W), x))', 'f.loss:1:50: error E3006: the last argument of flatten, the name of the new axis, must name an axis of the operand (one of a new name)'],
    ['a number in place of axes', 'sum(flatten(x, 2 * H, S))', 'f.loss:1:42: error E3006: the axes flatten merges must name an axis of the operand (one of B, C, H, W)'],
    ['unflatten of an axis x does not have', 'sum(unflatten(x, S, (H, W)))', 'f.loss:1:44: error E4003: unflatten: the operand has no axis S (its axes are [B, C, H, W])'],
    ['unflatten into a dim of unknown size', 'sum(unflatten(flatten(x, (H, W), S), S, (P, Q)))', "f.loss:1:68: error E4033: unflatten cannot split S into P: the size of P is not known here (it must be a dim of the loss's inputs, a literal size, or made by flatten or stack)"],
    ['unflatten into an axis x still has', 'sum(unflatten(flatten(x, (H, W), S), S, (B, W)))', "f.loss:1:68: error E4011: dimension 'B' appears twice in one shape; use index variables for a square matrix"],
    ['a literal merged size that cannot be', 'sum(unflatten(x, 6, (2, 4)))', 'f.loss:1:38: error E4031: the merged axis 6 would have size 2·4, but 6 is already a dimension of size 6: give the merged axis a name of its own'],
    ['too few arguments', 'sum(flatten(x, (H, W)))', "f.loss:1:31: error E3001: 'flatten' takes 3 arguments but was given 2"],
  ])('%s', (_, body, message) => {
    const params = body.includes('unflatten(x, 6') ? 'x: [B, 6]' : undefined;
    expect(problems(body, params)).toEqual([message]);
  });

  it("the rest axis '...' is merged only from an operand that has it (test/flatten-rest*.test.ts)", () => {
    const got = check('loss f(x: [B, C, H]) = sum(flatten(x, (..., C), S))', 'f.loss').diagnostics.map((d) => formatDiagnostic(d));
    expect(got).toEqual(["f.loss:1:40: error E4032: flatten(x, (C, ...), S) merges the '...' axes (alone or beside named axes) only of an operand that has them, and unflatten(x, S, (C, ...)) splits into them only an S merged from them or in a loss whose inputs have '...', never an operand that still has them, and never the '...' group itself (the operand's axes are [B, C, H])"]);
  });
});

describe('the merged dim is a dim of the loss', () => {
  it('its size as a number wherever the flatten that makes it is in the loss, before or after, and inside a def', async () => {
    await initBackend('cpu');
    const x = real(12, [2, 3, 4, 5]);
    const xt = tf.tensor(Array.from(x.data), x.shape);
    const sum = x.data.reduce((a, v) => a + v, 0);
    for (const source of [
      'loss f(x: [B, C, H, W]) = S * 1000 + sum(flatten(x, (H, W), S))',
      'loss f(x: [B, C, H, W]) = sum(flatten(x, (H, W), S)) + S * 1000',
      'loss f(x: [B, C, H, W]) = S * 1000 + sum(z)\n  where z = flatten(x, (H, W), S)',
      'def g(y: [B, C, H, W]) = T * 1000 + sum(flatten(y, (H, W), T))\nloss f(x: [B, C, H, W]) = g(x)',
    ]) {
      const c = check(source, 'f.loss');
      expect(c.diagnostics.map((d) => formatDiagnostic(d)), source).toEqual([]);
      expect(evaluateReference(c.losses[0]!, { x }, {}).data[0], source).toBeCloseTo(20 * 1000 + sum, 9);
      const got = evaluateTfjs(c.losses[0]!, { x: xt }, {});
      expect(Math.abs(got.dataSync()[0]! - (20 * 1000 + sum)), source).toBeLessThan(1e-2);
      got.dispose();
    }
    xt.dispose();
  });

  it('usable as a number, in a reduction, and by a def taking it in its shape', () => {
    const source = [
      'def per_pixel(z: [B, K, P]) = sum(z, P) / P',
      'loss f(x: [B, C, H, W]) = mean(per_pixel(flatten(x, (H, W), S))) + S',
      'loss g(x: [B, C, H, W]) = sum(square(sum(flatten(x, (H, W), S), S) - sum(x, (H, W))))',
    ].join('\n');
    const c = check(source, 'f.loss');
    expect(c.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
    const x = real(8, [2, 3, 4, 5]);
    // The mean over b, c of the per-pixel mean is the mean of x; S is 4·5.
    const mean = x.data.reduce((a, v) => a + v, 0) / 120;
    expect(evaluateReference(c.losses[0]!, { x }, {}).data[0]).toBeCloseTo(mean + 20, 12);
    expect(evaluateReference(c.losses[1]!, { x }, {}).data[0]).toBeCloseTo(0, 20);
  });
});

// Issue 17 item 10 said a literal size-1 dim could not be reduced over: it can, written as its
// size, in a loss, a def, a mapped binding, and merged by flatten (here through the evaluator).
describe('a literal size-1 dim reduced over and merged (issue 17 item 10)', () => {
  it.each([
    ['in a loss', 'loss f(x: [N, 1]) = mean(sum(x, 1))', 1.5],
    ['in a def', 'def g(z: [N, 1]) = sum(z, 1)\nloss f(x: [N, 1]) = mean(g(x))', 1.5],
    ['in a mapped binding', 'loss f(x: [N, 1]) = mean(l)\n  where l[n] = sum(x[n], 1)', 1.5],
    ['logsumexp over it', 'loss f(x: [N, 1]) = mean(logsumexp(x, 1))', 1.5],
    ['merged by flatten', 'loss f(x: [N, 1]) = sum(flatten(x, (N, 1), S) * S)', 6],
  ])('%s', async (_, source, want) => {
    await initBackend('cpu');
    const c = check(source, 'one.loss');
    expect(c.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
    const x = tf.tensor([[1], [2]]);
    const got = evaluateTfjs(c.losses[0]!, { x }, {});
    expect(got.dataSync()[0]).toBe(want);
    expect(evaluateReference(c.losses[0]!, { x: { shape: [2, 1], data: Float64Array.of(1, 2) } }, {}).data[0]).toBe(want);
    tf.dispose([x, got]);
  });
});

describe('range analysis', () => {
  it('values pass through flatten and unflatten; a merged dim of fixed dims is a fixed size', () => {
    const c = check('loss f(x: [N, 2, 3] in [0, 1]) = sum(unflatten(flatten(x, (2, 3), S), S, (2, 3))) / S', 'r.loss', { optimize: false });
    expect(c.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
    const fn = c.losses[0]!;
    const ranges = new RangeAnalysis(fn);
    const at = (op: string): { lo: number; hi: number } => ranges.range(fn.nodes.find((n) => n.op === op)!.id) as unknown as { lo: number; hi: number };
    expect([at('flatten').lo, at('flatten').hi]).toEqual([0, 1]);
    expect([at('unflatten').lo, at('unflatten').hi]).toEqual([0, 1]);
    expect([at('size').lo, at('size').hi]).toEqual([6, 6]);
  });
});

describe('the sampled check (lossc check --sample)', () => {
  it('draws a merged dim an input also has as the product of the merged ones, and sizes that unflatten can split', async () => {
    const source = SOURCE.split('\n').filter((l) => l.startsWith('loss weighted') || l.startsWith('loss split')).join('\n');
    const result = await sampleCheck(source, 'sample.loss', {});
    expect(result.diagnostics).toEqual([]);
    expect(result.reports.map((r) => [r.loss, r.samples, r.failures, r.failure])).toEqual([
      ['weighted', 100, 0, undefined],
      ['split', 100, 0, undefined],
    ]);
  });
});

describe('the editor: hover and completion', () => {
  const ws: service.Workspace = { host: { readFile: () => undefined, stdlib: () => [] }, openFiles: () => [] };
  const text = 'loss f(x: [B, C, H, W]) = mean(relu(flatten(x, (W, C), S)))';
  const doc = service.parsed(text, 'h.loss');

  it('hover on flatten shows its signature and doc; on the call, its value with the merged axis', () => {
    const builtin = service.hover(ws, doc, text.indexOf('flatten'));
    expect(builtin?.signature).toBe('flatten(x, (H, W), S)');
    expect(builtin?.doc).toContain('merged into one new axis S of size H·W, H the major one');
    const value = service.hover(ws, doc, text.indexOf('(flatten'));
    expect(value?.signature).toBe('relu(flatten(x, (W, C), S))');
    expect(value?.doc).toContain('real[B, S, H] ≥ 0');
  });

  it('completion offers both', () => {
    const labels = service.completions(service.parsed('loss f(x: [N]) = fl', 'c.loss'), 19, { readFile: () => undefined, stdlib: () => [] }).map((c) => c.label);
    expect(labels).toEqual(expect.arrayContaining(['flatten', 'unflatten']));
  });
});

// The PyTorch target: the generated module run by torch in float64, its own backward pass and
// torch's autograd, against the float64 reference (itself checked against the oracles above).
describe('the PyTorch module on real torch', () => {
  const missing = torchMissing();
  it.skipIf(missing !== undefined).each([false, true])('autodiff %s: values and gradients = the reference (1e-9)', (autodiff) => {
    const dir = mkdtempSync(join(tmpdir(), 'lossc-flatten-'));
    try {
      writeFileSync(join(dir, 'flat.py'), emitPytorchModule({ file: 'flatten.loss', losses: checked.losses, autodiff }));
      writeFileSync(join(dir, TORCH_RUNTIME_FILE), TORCH_RUNTIME_SOURCE);
      const cases = CASES.map((c) => ({
        loss: c.loss,
        inputs: lossOf(c.loss).inputs.map((i) => ({ name: i.name, int: i.elem !== 'real', grad: c.wrt.includes(i.name), shape: c.inputs[i.name]!.shape, data: Array.from(c.inputs[i.name]!.data) })),
      }));
      const script = [
        'import json, sys, torch, flat',
        'out = []',
        'for c in json.load(sys.stdin):',
        '    xs = [torch.tensor(i["data"], dtype=torch.int64 if i["int"] else torch.float64).reshape(i["shape"]).requires_grad_(i["grad"]) for i in c["inputs"]]',
        '    loss = getattr(flat, c["loss"])(*xs)',
        '    loss.backward()',
        '    out.append({"value": loss.item(), "grads": {i["name"]: x.grad.reshape(-1).tolist() for i, x in zip(c["inputs"], xs) if i["grad"]}})',
        'print(json.dumps(out))',
      ].join('\n');
      const run = spawnSync(PYTHON, ['-c', script], { cwd: dir, input: JSON.stringify(cases), encoding: 'utf8' });
      expect(run.stderr).toBe('');
      const got = JSON.parse(run.stdout) as { value: number; grads: Record<string, number[]> }[];
      CASES.forEach((c, i) => {
        const ref = gradientsReference(lossOf(c.loss), c.inputs, {});
        close([got[i]!.value], ref.value.data, 1e-9, `${c.loss} torch value`);
        for (const k of c.wrt) close(got[i]!.grads[k]!, ref.grads[k]!.data, 1e-9, `${c.loss} torch d/d${k}`);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
