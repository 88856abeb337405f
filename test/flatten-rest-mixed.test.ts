// flatten with `...` beside named axes (issue 17, item 4): `flatten(x, (C, ...), P)` merges C
// and the rest dims into P in the order written, `...` one block of the rest dims in their
// declared order (what torch's `x.view(B, -1)` does on a contiguous [B, C, H, W] x), and
// `unflatten(p, P, (C, ...))` splits P back. Against oracles that share no code with the
// compiler: permutations of row-major data written as plain loops here, central differences
// of those, the stdlib's smp_dice on the same inputs, and real torch's reshape and permute.
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { check } from '../src/api.js';
import { fsHost } from '../src/cli/files.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';
import { emitPytorchModule, TORCH_RUNTIME_FILE } from '../src/emit/pytorch.js';
import { evaluateTfjs, valueAndGradsTfjs } from '../src/eval/evaluate.js';
import { initBackend } from '../src/eval/setup.js';
import type { IrFunction } from '../src/ir/types.js';
import { evaluateReference, gradientsReference, type RefTensor } from '../src/reference/evaluate.js';
import { TORCH_RUNTIME_SOURCE } from '../src/runtime/python/source.js';
import { drawSamples } from '../src/sample/sample-draw.js';
import { compiledModule, type LossModule } from './helpers/compiled.js';
import { PYTHON, torchMissing } from './helpers/torch.js';

const SOURCE = `
/// Channel-major: x.view(B, -1).
loss cmajor(x: [B, C, ...]) -> [B, P] = flatten(x, (C, ...), P)
/// Channel-minor: x.permute(0, 2, ..., 1).reshape(B, -1).
loss cminor(x: [B, C, ...]) -> [B, P] = flatten(x, (..., C), P)
/// Named axes on both sides of the rest: x.permute(0, 2, ..., 1).reshape(-1).
loss both(x: [B, C, ...]) -> [P] = flatten(x, (B, ..., C), P)
/// The rest between named dims, merged with the last: x.view(B, -1).
loss between(x: [B, ..., D]) -> [B, P] = flatten(x, (..., D), P)
/// A weighted sum of squares, for gradients through each order.
loss weighted(x: [B, C, ...], w: [B, P]) = sum(square(flatten(x, (C, ...), P)) * w)
loss weighted_minor(x: [B, C, ...], w: [B, P]) = sum(square(flatten(x, (..., C), P)) * w)
/// flatten then unflatten, as written and the other way round.
loss roundtrip(x: [B, C, ...]) -> [B, C, ...] = unflatten(flatten(x, (C, ...), P), P, (C, ...))
loss roundtrip_minor(x: [B, C, ...]) -> [B, C, ...] = unflatten(flatten(x, (..., C), P), P, (..., C))
/// unflatten of an input: p [B, C·rest] as [B, C, ...], the rest dims' sizes given by x.
loss split(p: [B, P], x: [B, C, ...]) = sum(unflatten(p, P, (C, ...))^3 * x)
loss split_minor(p: [B, P], x: [B, C, ...]) = sum(unflatten(p, P, (..., C))^3 * x)
/// smp's DiceLoss, mode 'binary': y_pred.view(bs, 1, -1), its channel merged with the pixels.
loss binary_dice(x: [B, C, ...], y: [B, C, ...] in [0, 1], eps: real in (0, inf) = 1e-7) =
  if sum(t) > 0 then 1 - 2 * sum(p * t) / max(sum(p + t), eps) else 0
  where p = flatten(sigmoid(x), (C, ...), P)
        t = flatten(y, (C, ...), P)
`;

const checked = check(SOURCE, 'mixed.loss', { gradients: true });
const lossOf = (name: string): IrFunction => checked.losses.find((l) => l.name === name)!;

/** Rest dims of rank 0 to 3. */
const RESTS = [[], [4], [2, 3], [2, 3, 2]];
const B = 2;
const C = 3;
const D = 2;

const noise = (seed: number, k: number): number => (((Math.sin(seed * 7919 + k * 104.729) * 43758.5453) % 1) + 1) % 1 * 2 - 1;
const real = (seed: number, shape: number[], scale = 1): RefTensor => ({ shape, data: Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, k) => scale * noise(seed, k)) });
const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * x (row-major, `shape`) with its dims in the order `perm`, row-major: torch's
 * `x.permute(perm).contiguous()`, whose `view` to fewer dims is the same data.
 */
function permuted(data: ArrayLike<number>, shape: readonly number[], perm: readonly number[]): number[] {
  const strides = shape.map((_, i) => size(shape.slice(i + 1)));
  const out: number[] = [];
  const to = perm.map((p) => shape[p]!);
  const idx = to.map(() => 0);
  for (let e = 0; e < size(to); e++) {
    let rem = e;
    for (let d = to.length - 1; d >= 0; d--) {
      idx[d] = rem % to[d]!;
      rem = Math.floor(rem / to[d]!);
    }
    let at = 0;
    for (let d = 0; d < to.length; d++) at += idx[d]! * strides[perm[d]!]!;
    out.push(data[at]!);
  }
  return out;
}

/** Positions of x's dims [B, C, rest...] in the merged orders (C major; rest first, C last). */
const restDims = (rest: readonly number[]): number[] => rest.map((_, i) => i + 2);
const PERMS = {
  cmajor: (rest: readonly number[]) => [0, 1, ...restDims(rest)],
  cminor: (rest: readonly number[]) => [0, ...restDims(rest), 1],
  both: (rest: readonly number[]) => [0, ...restDims(rest), 1],
};

/** The plain-loop loss Σ flat(x)² · w, and its gradient by central differences. */
function weightedOracle(x: RefTensor, w: RefTensor, perm: readonly number[]): { value: number; grad: number[] } {
  const f = (xd: ArrayLike<number>): number => permuted(xd, x.shape, perm).reduce((acc, v, k) => acc + v * v * w.data[k]!, 0);
  const h = 1e-6;
  const grad = Array.from(x.data, (_, i) => {
    const up = Float64Array.from(x.data);
    const down = Float64Array.from(x.data);
    up[i]! += h;
    down[i]! -= h;
    return (f(up) - f(down)) / (2 * h);
  });
  return { value: f(x.data), grad };
}

/** smp's binary DiceLoss from its definition: sigmoid, both viewed [B, 1, N], summed over (0, 2). */
function smpBinaryDice(x: RefTensor, y: RefTensor, eps = 1e-7): number {
  let inter = 0;
  let card = 0;
  let ySum = 0;
  for (let i = 0; i < x.data.length; i++) {
    const p = 1 / (1 + Math.exp(-x.data[i]!));
    inter += p * y.data[i]!;
    card += p + y.data[i]!;
    ySum += y.data[i]!;
  }
  return ySum > 0 ? 1 - (2 * inter) / Math.max(card, eps) : 0;
}

const close = (got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void => {
  expect(got.length, what).toBe(want.length);
  const scale = Math.max(1, ...Array.from(want, Math.abs));
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!), `${what}[${i}]: ${got[i]} vs ${want[i]}`).toBeLessThanOrEqual(tol * scale);
};

describe('flatten(x, (C, ...), P): merged in the order written, the rest dims one row-major block', () => {
  it('checks with no diagnostic', () => {
    expect(checked.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
  });

  it.each(RESTS.map((r) => [JSON.stringify(r), r] as const))('the float64 reference on rest dims %s', (_, rest) => {
    const x = real(1, [B, C, ...rest]);
    const R = size(rest);
    for (const [loss, perm, shape] of [['cmajor', PERMS.cmajor(rest), [B, C * R]], ['cminor', PERMS.cminor(rest), [B, C * R]], ['both', PERMS.both(rest), [B * C * R]]] as const) {
      const r = evaluateReference(lossOf(loss), { x }, {});
      expect(r.shape, loss).toEqual(shape);
      expect(Array.from(r.data), loss).toEqual(permuted(x.data, x.shape, perm));
    }
    const xb = real(2, [B, ...rest, D]);
    const r = evaluateReference(lossOf('between'), { x: xb }, {});
    expect(r.shape).toEqual([B, R * D]);
    expect(Array.from(r.data)).toEqual(Array.from(xb.data));
    for (const loss of ['roundtrip', 'roundtrip_minor']) {
      const back = evaluateReference(lossOf(loss), { x }, {});
      expect(back.shape, loss).toEqual(x.shape);
      expect(Array.from(back.data), loss).toEqual(Array.from(x.data));
    }
  });

  it('P as a number (C times the rest), before its flatten and inside a def, and of operands placing `...` differently', async () => {
    await initBackend('cpu');
    const source = `
loss f(x: [B, C, ...]) = P * 1000 + sum(flatten(x, (C, ...), P))
def merge(v: [B, C, ...]) = sum(flatten(v, (C, ...), Q) * Q)
loss g(x: [B, C, ...]) = sum(merge(x))
loss h(x: [B, C, ...], y: [..., B, C]) -> [B, P] = flatten(x * y, (C, ...), P)
`;
    const r = check(source, 'n.loss');
    expect(r.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
    const x = real(11, [B, C, 2, 4]);
    const y = real(12, [2, 4, B, C]);
    const total = x.data.reduce((a, v) => a + v, 0);
    const fn = (name: string): IrFunction => r.losses.find((l) => l.name === name)!;
    close(evaluateReference(fn('f'), { x }, {}).data, [C * 8 * 1000 + total], 1e-12, 'f');
    close(evaluateReference(fn('g'), { x }, {}).data, [C * 8 * total], 1e-12, 'g');
    // y[r0, r1, b, c] times x[b, c, r0, r1], channel-major per sample.
    const yAt = permuted(Array.from(y.data.keys()), y.shape, [2, 3, 0, 1]);
    const xy = Array.from(x.data, (v, k) => v * y.data[yAt[k]!]!);
    const xt = tf.tensor(Array.from(x.data), x.shape);
    const yt = tf.tensor(Array.from(y.data), y.shape);
    close(evaluateReference(fn('h'), { x, y }, {}).data, xy, 1e-12, 'h reference');
    close(evaluateTfjs(fn('h'), { x: xt, y: yt }, {}).dataSync(), xy, 1e-6, 'h evaluator');
    tf.dispose([xt, yt]);
  });

  it.each(RESTS.map((r) => [JSON.stringify(r), r] as const))('derived gradients = central differences of plain loops, rest dims %s', (_, rest) => {
    const x = real(3, [B, C, ...rest]);
    const w = real(4, [B, C * size(rest)]);
    for (const [loss, perm] of [['weighted', PERMS.cmajor(rest)], ['weighted_minor', PERMS.cminor(rest)]] as const) {
      const want = weightedOracle(x, w, perm);
      const ref = gradientsReference(lossOf(loss), { x, w }, {});
      close(ref.value.data, [want.value], 1e-12, `${loss} value`);
      close(ref.grads.x!.data, want.grad, 1e-7, `${loss} d/dx`);
    }
    // unflatten: Σ split(p)³ · x, so d/dp at merged position k is 3 p² times x where k lands.
    const p = real(5, [B, C * size(rest)]);
    for (const [loss, perm] of [['split', PERMS.cmajor(rest)], ['split_minor', PERMS.cminor(rest)]] as const) {
      const xs = permuted(x.data, x.shape, perm);
      const value = Array.from(p.data).reduce((acc, v, k) => acc + v ** 3 * xs[k]!, 0);
      const ref = gradientsReference(lossOf(loss), { p, x }, {});
      close(ref.value.data, [value], 1e-12, `${loss} value`);
      close(ref.grads.p!.data, Array.from(p.data, (v, k) => 3 * v * v * xs[k]!), 1e-12, `${loss} d/dp`);
    }
  });
});

describe('module (generated code) and evaluator on cpu and wasm: the oracle, exactly', () => {
  let mod: LossModule;
  beforeAll(async () => {
    mod = await compiledModule(SOURCE, 'mixed.loss', 'flatten-rest-mixed');
  });

  for (const backend of ['cpu', 'wasm'] as const) {
    it.each(RESTS.map((r) => [JSON.stringify(r), r] as const))(`${backend}: rest dims %s`, async (_, rest) => {
      await initBackend(backend);
      const x = real(6, [B, C, ...rest]);
      const xt = tf.tensor(Array.from(x.data), x.shape);
      const R = size(rest);
      for (const [loss, perm] of Object.entries(PERMS)) {
        const want = Array.from(Float32Array.from(permuted(x.data, x.shape, perm(rest))));
        const out = mod[loss]!(xt);
        const ev = evaluateTfjs(lossOf(loss), { x: xt }, {});
        expect(out.shape, loss).toEqual(loss === 'both' ? [B * C * R] : [B, C * R]);
        expect(Array.from(out.dataSync()), `${loss} module`).toEqual(want);
        expect(Array.from(ev.dataSync()), `${loss} evaluator`).toEqual(want);
        tf.dispose([out, ev]);
      }
      for (const loss of ['roundtrip', 'roundtrip_minor']) {
        const out = mod[loss]!(xt);
        expect(out.shape, loss).toEqual(x.shape);
        expect(Array.from(out.dataSync()), loss).toEqual(Array.from(Float32Array.from(x.data)));
        tf.dispose(out);
      }
      // Values and gradients: module = evaluator, both the plain loops' (float32).
      const w = real(7, [B, C * R]);
      const wt = tf.tensor(Array.from(w.data), w.shape);
      for (const [loss, perm] of [['weighted', PERMS.cmajor(rest)], ['weighted_minor', PERMS.cminor(rest)]] as const) {
        const want = weightedOracle(x, w, perm);
        const viaModule = tf.valueAndGrads((a: tf.Tensor) => mod[loss]!(a, wt) as tf.Scalar)([xt]);
        const viaEvaluator = valueAndGradsTfjs(lossOf(loss), { x: xt, w: wt }, {}, ['x']);
        close(viaModule.value.dataSync(), [want.value], 1e-5, `${loss} module value`);
        close(viaModule.grads[0]!.dataSync(), want.grad, 1e-5, `${loss} module d/dx`);
        close(viaEvaluator.value.dataSync(), viaModule.value.dataSync(), 0, `${loss} evaluator = module`);
        close(viaEvaluator.grads.x!.dataSync(), viaModule.grads[0]!.dataSync(), 0, `${loss} evaluator = module d/dx`);
        tf.dispose([viaModule.value, ...viaModule.grads, viaEvaluator.value, viaEvaluator.grads.x!]);
      }
      const pt = tf.tensor(Array.from(real(8, [B, C * R]).data), [B, C * R]);
      for (const [loss, perm] of [['split', PERMS.cmajor(rest)], ['split_minor', PERMS.cminor(rest)]] as const) {
        const xs = permuted(x.data, x.shape, perm);
        const pd = pt.dataSync();
        const viaModule = tf.valueAndGrads((a: tf.Tensor) => mod[loss]!(a, xt) as tf.Scalar)([pt]);
        close(viaModule.value.dataSync(), [Array.from(pd).reduce((acc, v, k) => acc + v ** 3 * xs[k]!, 0)], 1e-5, `${loss} module value`);
        close(viaModule.grads[0]!.dataSync(), Array.from(pd, (v, k) => 3 * v * v * xs[k]!), 1e-5, `${loss} module d/dp`);
        tf.dispose([viaModule.value, ...viaModule.grads]);
      }
      tf.dispose([xt, wt, pt]);
    });
  }

  it('an input of P must hold C times the rest: checked when the loss runs', async () => {
    await initBackend('cpu');
    const x = tf.zeros([2, 3, 4, 5]);
    const w = tf.zeros([2, 61]);
    expect(() => mod.weighted!(x, w)).toThrow("weighted: dimension P is C·... = 60, but 'w' gives 61");
    const p = tf.zeros([2, 59]);
    expect(() => mod.split!(p, x)).toThrow("split: dimension P is C·... = 60, but 'p' gives 59");
    tf.dispose([x, w, p]);
  });
});

describe("smp's binary Dice over flatten(x, (C, ...), P)", () => {
  const seg = readFileSync('stdlib/segmentation.loss', 'utf8');
  const stdlib = check(seg, 'stdlib/segmentation.loss', { host: fsHost }).losses.find((l) => l.name === 'smp_dice')!;
  it.each(RESTS.slice(1).map((r) => [JSON.stringify(r), r] as const))('= the stdlib smp_dice (C = 1) and smp from its definition, rest dims %s', (_, rest) => {
    for (const c of [1, 3]) {
      const x = real(9, [B, c, ...rest], 3);
      const y: RefTensor = { shape: x.shape, data: Float64Array.from(real(10, x.shape).data, (v) => (v > 0 ? 1 : 0)) };
      const ours = evaluateReference(lossOf('binary_dice'), { x, y }, {}).data[0]!;
      close([ours], [smpBinaryDice(x, y)], 1e-12, `C = ${c}: smp's definition`);
      // smp_dice takes C as classes; with one class it is the binary mode.
      if (c === 1) close([ours], evaluateReference(stdlib, { x, y }, {}).data, 1e-12, 'the stdlib smp_dice');
    }
  });
});

describe('sample draws: a dim merged from the rest dims is their product', () => {
  it('w of [B, P] with P = C·rest is drawn at that size', () => {
    const fn = lossOf('weighted');
    const draws = drawSamples(fn, 12, 3, { maxMagnitude: 10, maxElements: 200 });
    expect(draws.some((s) => s.inputs.x!.shape.length > 3)).toBe(true);
    for (const s of draws) expect(s.inputs.w!.shape).toEqual([s.inputs.x!.shape[0], size(s.inputs.x!.shape.slice(1))]);
  });
});

describe('refusals, with the exact message', () => {
  const E4032 =
    "error E4032: flatten(x, (C, ...), S) merges the '...' axes (alone or beside named axes) only of an operand that has them, and unflatten(x, S, (C, ...)) splits into them only an S merged from them or in a loss whose inputs have '...', never an operand that still has them, and never the '...' group itself";
  it.each([
    ['loss f(x: [B, C, ...]) = mean(flatten(x, (..., C, ...), S))', "f.loss:1:51: error E4041: flatten lists '...' twice: it stands for all the rest axes, one block in the merged order, so it is written once"],
    ['loss f(x: [B, C, ...]) = mean(flatten(x, (..., ...), S))', "f.loss:1:48: error E4041: flatten lists '...' twice: it stands for all the rest axes, one block in the merged order, so it is written once"],
    ['loss f(x: [B, C, ...]) = sum(unflatten(flatten(x, (C, ...), P), P, (..., C, ...)))', "f.loss:1:77: error E4041: unflatten lists '...' twice: it stands for all the rest axes, one block in the merged order, so it is written once"],
    ['loss f(x: [B, C, H]) = mean(flatten(x, (C, ...), S))', `f.loss:1:44: ${E4032} (the operand's axes are [B, C, H])`],
    ['loss f(x: [B, C, ...]) = mean(flatten(x, (C, B, C), S))', 'f.loss:1:49: error E4030: flatten lists axis C twice: each axis is merged once'],
    ['loss f(p: [B, P], c: [C]) = sum(unflatten(p, P, (C, ...)))', `f.loss:1:53: ${E4032} (the operand's axes are [B, P])`],
    ['loss f(x: [B, C, ...], q: [P]) = sum(unflatten(x * q, P, (C, ...)))', `f.loss:1:62: ${E4032} (the operand's axes are [..., B, C, P])`],
    ['loss f(x: [B, C, ...]) = sum(unflatten(x, ..., (C, ...)))', `f.loss:1:43: ${E4032} (the operand's axes are [B, C, ...])`],
    ['loss f(x: [B, C, ...]) = mean(flatten(x, (C, ..., D), S))', "f.loss:1:51: error E4003: flatten: the operand has no axis D (its axes are [B, C, ...])"],
  ])('%s', (source, message) => {
    expect(check(source, 'f.loss').diagnostics.map((d) => formatDiagnostic(d).split('\n')[0]!)).toEqual([message]);
  });
});

// The PyTorch target: the generated module run by torch 1.13 in float64 against torch's own
// reshape and permute of the same tensors, and their autograd.
describe('the PyTorch module on real torch', () => {
  const missing = torchMissing();
  it.skipIf(missing !== undefined).each([false, true])('autodiff %s: = x.reshape / x.permute(...).reshape, values and gradients', (autodiff) => {
    const dir = mkdtempSync(join(tmpdir(), 'lossc-flatten-mixed-'));
    try {
      writeFileSync(join(dir, 'mixed.py'), emitPytorchModule({ file: 'mixed.loss', losses: checked.losses, autodiff }));
      writeFileSync(join(dir, TORCH_RUNTIME_FILE), TORCH_RUNTIME_SOURCE);
      const script = [
        'import json, sys, torch, mixed',
        'out = []',
        'for rest in json.load(sys.stdin):',
        '    B, C = 2, 3',
        '    n = 2 + len(rest)',
        '    x = torch.randn(B, C, *rest, dtype=torch.float64)',
        '    minor = (0, *range(2, n), 1)',
        '    r = {}',
        '    r["cmajor"] = float((mixed.cmajor(x) - x.reshape(B, -1)).abs().max())',
        '    r["cminor"] = float((mixed.cminor(x) - x.permute(*minor).reshape(B, -1)).abs().max())',
        '    r["both"] = float((mixed.both(x) - x.permute(*minor).reshape(-1)).abs().max())',
        '    xb = torch.randn(B, *rest, 2, dtype=torch.float64)',
        '    r["between"] = float((mixed.between(xb) - xb.reshape(B, -1)).abs().max())',
        '    r["roundtrip"] = float((mixed.roundtrip(x) - x).abs().max()) + float((mixed.roundtrip_minor(x) - x).abs().max())',
        '    w = torch.randn(B, C * x[0, 0].numel(), dtype=torch.float64)',
        '    for name, view in (("weighted", lambda a: a.reshape(B, -1)), ("weighted_minor", lambda a: a.permute(*minor).reshape(B, -1))):',
        '        a = x.clone().requires_grad_(True)',
        '        b = x.clone().requires_grad_(True)',
        '        ours = getattr(mixed, name)(a, w)',
        '        theirs = (view(b) ** 2 * w).sum()',
        '        ours.backward(); theirs.backward()',
        '        r[name] = abs(ours.item() - theirs.item()) + float((a.grad - b.grad).abs().max())',
        '    for name, shape in (("split", lambda p: p.reshape(x.shape)), ("split_minor", lambda p: p.reshape(B, *rest, C).permute(0, n - 1, *range(1, n - 1)))):',
        '        a = w.clone().requires_grad_(True)',
        '        b = w.clone().requires_grad_(True)',
        '        ours = getattr(mixed, name)(a, x)',
        '        theirs = (shape(b) ** 3 * x).sum()',
        '        ours.backward(); theirs.backward()',
        '        r[name] = abs(ours.item() - theirs.item()) + float((a.grad - b.grad).abs().max())',
        '    out.append(r)',
        'print(json.dumps(out))',
      ].join('\n');
      const run = spawnSync(PYTHON, ['-c', script], { cwd: dir, input: JSON.stringify(RESTS), encoding: 'utf8' });
      expect(run.stderr).toBe('');
      const got = JSON.parse(run.stdout) as Record<string, number>[];
      expect(got).toHaveLength(RESTS.length);
      for (const [k, r] of got.entries()) {
        expect(Object.keys(r).sort(), `rest ${JSON.stringify(RESTS[k])}`).toEqual(['between', 'both', 'cmajor', 'cminor', 'roundtrip', 'split', 'split_minor', 'weighted', 'weighted_minor']);
        for (const [name, err] of Object.entries(r)) expect(err, `${name}, rest ${JSON.stringify(RESTS[k])}`).toBeLessThan(1e-9);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
