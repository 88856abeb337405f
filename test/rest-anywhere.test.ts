// `...` anywhere in a shape: MONAI's [B, C, spatial...] written as `x: [B, C, ...]`, a group
// between named dims (`[B, ..., D]`), a mask that puts the group elsewhere (`m: bool[B, ...]`),
// results that keep the group (reduction 'none', a declared `-> [B, ...]`), and a def whose
// pattern binds it. Each value is checked against float64 loops written from the definitions
// (test/oracle/rest.ts), through the generated tfjs module, the evaluator and the reference
// evaluator, on inputs whose dims all differ in size (a transposed result cannot pass);
// gradients against central differences of the oracle; the PyTorch module on real torch; and
// the exact messages for shapes that do not fit.
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check, evaluate } from '../src/api.js';
import { compile } from './helpers/compile-cache.js';
import { fsHost } from '../src/cli/files.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';
import { emitPytorchModule, TORCH_RUNTIME_FILE } from '../src/emit/pytorch.js';
import { evaluateTfjs } from '../src/eval/evaluate.js';
import { initBackend } from '../src/eval/setup.js';
import type { IrFunction } from '../src/ir/types.js';
import { formatSource } from '../src/fmt/index.js';
import { evaluateReference, gradientsReference } from '../src/reference/evaluate.js';
import * as service from '../src/service/index.js';
import { TORCH_RUNTIME_SOURCE } from '../src/runtime/python/source.js';
import { importModule } from './fuzz/compare.js';
import { TorchDriver, torchMissing, unwire, wire, type WireTensor } from './helpers/torch.js';
import { fdGrad, maxRelErr } from './oracle/fd.js';
import { maskedMeanChannels, monaiSigmoidDice, squaredDistanceChannels, squaredDistanceLast } from './oracle/rest.js';
import * as peers2 from './oracle/peers2.js';
import { mulberry32, randomTensor, roundF32, type F64Tensor } from './oracle/tensor.js';

const SOURCE = `
def dice_core(p: [B, C, ...], y: [B, C, ...], smooth: real) =
  1 - (2 * sum(p * y, ...) + smooth) / (sum(p, ...) + sum(y, ...) + smooth)

/// MONAI's DiceLoss(sigmoid=True) over any number of spatial dims.
loss dice(x: [B, C, ...], y: [B, C, ...] in [0, 1], smooth: real in (0, inf) = 1e-5) =
  mean(dice_core(sigmoid(x), y, smooth))

loss last(x: [B, ..., D], y: [B, ..., D]) = mean(sum((x - y)^2, D))

loss channels(x: [B, C, ...], y: [B, C, ...]) = mean(sum((x - y)^2, C))

loss field(x: [B, C, ...], y: [B, C, ...]) -> [B, ...] = sum((x - y)^2, C)

loss masked(x: [B, C, ...], m: bool[B, ...]) = mean(x, (B, C, ...), where: m)
`;

type Inputs = Record<string, F64Tensor>;

const realOf = (fn: IrFunction): string[] => fn.inputs.filter((i) => i.elem === 'real').map((i) => i.name);

/** Inputs of the given shapes, rounded to float32 (what tfjs sees); `y` in [0, 1], `m` 0/1. */
function inputsOf(shapes: Record<string, number[]>, seed: number): Inputs {
  const rng = mulberry32(seed);
  return Object.fromEntries(
    Object.entries(shapes).map(([name, shape]) => {
      const t = roundF32(randomTensor(shape, rng, { lo: name === 'y' ? 0 : -2, hi: name === 'y' ? 1 : 2 }));
      if (name === 'm') t.data = t.data.map((v) => (v > 0 ? 1 : 0));
      return [name, t];
    }),
  );
}

interface Case {
  readonly loss: string;
  readonly name: string;
  readonly x: Inputs;
  /** The float64 value, in the shape callers see. */
  readonly expected: (x: Inputs) => F64Tensor;
}

const scalar = (v: number): F64Tensor => ({ shape: [], data: Float64Array.of(v) });
const meanOf = (t: F64Tensor): number => t.data.reduce((a, v) => a + v, 0) / t.data.length;

const CASES: readonly Case[] = [
  { loss: 'dice', name: '[B, C, H, W]', x: inputsOf({ x: [2, 3, 4, 5], y: [2, 3, 4, 5] }, 1), expected: (x) => scalar(monaiSigmoidDice(x.x!, x.y!, 1e-5).mean) },
  { loss: 'dice', name: '[B, C, D, H, W]', x: inputsOf({ x: [2, 3, 4, 5, 6], y: [2, 3, 4, 5, 6] }, 2), expected: (x) => scalar(monaiSigmoidDice(x.x!, x.y!, 1e-5).mean) },
  { loss: 'dice', name: '[B, C] (no spatial dims)', x: inputsOf({ x: [3, 4], y: [3, 4] }, 3), expected: (x) => scalar(monaiSigmoidDice(x.x!, x.y!, 1e-5).mean) },
  { loss: 'last', name: '[B, H, W, D]', x: inputsOf({ x: [2, 3, 4, 5], y: [2, 3, 4, 5] }, 4), expected: (x) => scalar(meanOf(squaredDistanceLast(x.x!, x.y!))) },
  { loss: 'channels', name: '[B, C, H, W]', x: inputsOf({ x: [2, 3, 4, 5], y: [2, 3, 4, 5] }, 5), expected: (x) => scalar(meanOf(squaredDistanceChannels(x.x!, x.y!))) },
  { loss: 'field', name: '[B, C, D, H, W]', x: inputsOf({ x: [2, 3, 4, 5, 6], y: [2, 3, 4, 5, 6] }, 6), expected: (x) => squaredDistanceChannels(x.x!, x.y!) },
  { loss: 'masked', name: '[B, C, H, W] with m: [B, H, W]', x: inputsOf({ x: [2, 3, 4, 5], m: [2, 4, 5] }, 7), expected: (x) => scalar(maskedMeanChannels(x.x!, x.m!, 0)) },
];

const VALUE_TOL = 2e-5;
const GRAD_TOL = 2e-3;

let mod: Record<string, (...args: unknown[]) => tf.Tensor>;
let losses: IrFunction[];
const fnOf = (name: string): IrFunction => losses.find((l) => l.name === name)!;
const tensorOf = (fn: IrFunction, name: string, t: F64Tensor): tf.Tensor => tf.tensor(Array.from(t.data), t.shape, fn.inputs.find((i) => i.name === name)!.elem === 'bool' ? 'bool' : 'float32');
const positional = (fn: IrFunction): string[] => fn.inputs.filter((i) => i.default === undefined).map((i) => i.name);
/** `f()` with the tensors it makes disposed after (its result is plain data). */
const scoped = <T>(f: () => T): T => {
  tf.engine().startScope();
  try {
    return f();
  } finally {
    tf.engine().endScope();
  }
};
const asF64 = (t: tf.Tensor): F64Tensor => ({ shape: [...t.shape], data: Float64Array.from(t.dataSync()) });

/** The module's value, and its gradients along the real inputs (of the sum, for a tensor result). */
function moduleAnswer(fn: IrFunction, x: Inputs): { value: F64Tensor; grads: Record<string, F64Tensor> } {
  return scoped(() => {
    const tensors = Object.fromEntries(Object.entries(x).map(([k, v]) => [k, tensorOf(fn, k, v)]));
    const call = (...wrt: tf.Tensor[]): tf.Tensor => {
      const args = positional(fn).map((n) => (realOf(fn).includes(n) ? wrt[realOf(fn).indexOf(n)]! : tensors[n]!));
      return mod[fn.name]!(...args, {});
    };
    const value = asF64(call(...realOf(fn).map((n) => tensors[n]!)));
    const g = tf.grads((...wrt: tf.Tensor[]) => tf.sum(call(...wrt)))(realOf(fn).map((n) => tensors[n]!));
    return { value, grads: Object.fromEntries(realOf(fn).map((n, i) => [n, asF64(g[i]!)])) };
  });
}

beforeAll(async () => {
  await initBackend('cpu');
  const r = await compile(SOURCE, 'rest.loss');
  expect(r.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
  losses = r.losses;
  mod = await importModule(r.code!, 'rest-anywhere');
}, 120_000);

describe("'...' anywhere: values against the float64 oracle", () => {
  it.each(CASES.map((c) => ({ ...c, title: `${c.loss} ${c.name}` })))('$title: module = evaluator = reference = oracle', async (c) => {
    const fn = fnOf(c.loss);
    const want = c.expected(c.x);
    const mine = moduleAnswer(fn, c.x).value;
    expect(mine.shape).toEqual(want.shape);
    expect(maxRelErr(mine.data, want.data)).toBeLessThan(VALUE_TOL);
    const ev = await evaluate(SOURCE, 'rest.loss', { loss: c.loss, backend: 'cpu', inputs: Object.fromEntries(Object.entries(c.x).map(([k, v]) => [k, { shape: v.shape, data: Array.from(v.data) }])) });
    expect(ev.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
    const evalData = Float64Array.from([ev.loss!].flat(Infinity as 1) as number[]);
    expect(maxRelErr(evalData, want.data)).toBeLessThan(VALUE_TOL);
    const ref = evaluateReference(fn, Object.fromEntries(Object.entries(c.x).map(([k, v]) => [k, { shape: v.shape, data: v.data }])), {});
    expect([...ref.shape]).toEqual(want.shape);
    expect(maxRelErr(ref.data, want.data)).toBeLessThan(1e-12);
  });

  it.each(CASES.filter((c) => c.loss !== 'masked').map((c) => ({ ...c, title: `${c.loss} ${c.name}` })))('$title: gradients = central differences of the oracle, and the reference backward pass', (c) => {
    const fn = fnOf(c.loss);
    const names = realOf(fn);
    const f = (...ts: F64Tensor[]): number => c.expected(Object.fromEntries(names.map((n, i) => [n, ts[i]!]))).data.reduce((a, v) => a + v, 0);
    const mine = moduleAnswer(fn, c.x).grads;
    const refInputs = Object.fromEntries(Object.entries(c.x).map(([k, v]) => [k, { shape: v.shape, data: v.data }]));
    const seeded = gradientsReference(fn, refInputs, {});
    names.forEach((n, i) => {
      const fd = fdGrad(f, names.map((m) => c.x[m]!), i);
      expect(mine[n]!.shape).toEqual(c.x[n]!.shape);
      // Gradients are of order 1 here: a floor of 1e-2 keeps the differences' rounding out of near-zero entries.
      expect(maxRelErr(mine[n]!.data, fd.data, 1e-2)).toBeLessThan(GRAD_TOL);
      expect(maxRelErr(seeded.grads[n]!.data, fd.data, 1e-2)).toBeLessThan(1e-5);
    });
  });

  it("reduction 'none' gives the per-sample losses in the order the first input with '...' declares", () => {
    const c = CASES.find((k) => k.loss === 'last')!;
    const fn = fnOf('last');
    const out = scoped(() => asF64(mod.last!(tensorOf(fn, 'x', c.x.x!), tensorOf(fn, 'y', c.x.y!), { reduction: 'none' })));
    const want = squaredDistanceLast(c.x.x!, c.x.y!);
    expect(out.shape).toEqual([2, 3, 4]);
    expect(maxRelErr(out.data, want.data)).toBeLessThan(VALUE_TOL);
    const dice = CASES.find((k) => k.loss === 'dice' && k.name.includes('D, H'))!;
    const perSample = scoped(() => asF64(mod.dice!(tensorOf(fnOf('dice'), 'x', dice.x.x!), tensorOf(fnOf('dice'), 'y', dice.x.y!), { reduction: 'none' })));
    const oracle = monaiSigmoidDice(dice.x.x!, dice.x.y!, 1e-5).perSample;
    expect(perSample.shape).toEqual([2, 3]);
    expect(maxRelErr(perSample.data, oracle.data)).toBeLessThan(VALUE_TOL);
    // Weights come in that order too: [B, ...] = [2, 3, 4] weights one per row.
    const rng = mulberry32(9);
    const w = roundF32(randomTensor([2, 3, 4], rng, { lo: 0, hi: 1 }));
    const weighted = scoped(() => mod.last!(tensorOf(fn, 'x', c.x.x!), tensorOf(fn, 'y', c.x.y!), { weights: tf.tensor(Array.from(w.data), w.shape), reduction: 'sum' }).dataSync()[0]!);
    const sum = want.data.reduce((a, v, k) => a + v * w.data[k]!, 0);
    expect(Math.abs(weighted - sum) / sum).toBeLessThan(VALUE_TOL);
  });
});

describe("'...' anywhere: an optional input with the group at its own position", () => {
  const src = 'loss f(x: [B, C, ...], w: [B, ...] = 2) = mean(sum(x, C) * w)';
  const x = inputsOf({ x: [2, 3, 4, 5] }, 12).x!;
  const w = inputsOf({ w: [2, 4, 5] }, 13).w!;
  // mean over (b, rest) of w[b, rest] · Σ_c x[b, c, rest], written out.
  const oracle = (weight: (b: number, r: number) => number): number => {
    let total = 0;
    for (let b = 0; b < 2; b++) for (let r = 0; r < 20; r++) for (let c = 0; c < 3; c++) total += x.data[(b * 3 + c) * 20 + r]! * weight(b, r);
    return total / 40;
  };
  const nested = (t: F64Tensor) => ({ shape: t.shape, data: Array.from(t.data) });

  it('left out, it is its default everywhere; given as [B, ...], it weighs each position', async () => {
    const left = await evaluate(src, 'o.loss', { loss: 'f', backend: 'cpu', inputs: { x: nested(x) } });
    expect(left.diagnostics).toEqual([]);
    expect(Math.abs((left.loss as number) - oracle(() => 2)) / Math.abs(oracle(() => 2))).toBeLessThan(VALUE_TOL);
    const given = await evaluate(src, 'o.loss', { loss: 'f', backend: 'cpu', grad: true, inputs: { x: nested(x), w: nested(w) } });
    expect(given.diagnostics).toEqual([]);
    const want = oracle((b, r) => w.data[b * 20 + r]!);
    expect(Math.abs((given.loss as number) - want) / Math.max(1, Math.abs(want))).toBeLessThan(VALUE_TOL);
    // d/dw[b, rest] = Σ_c x[b, c, rest] / 40, in w's own shape [B, ...].
    const dw = Float64Array.from([given.grads!.w!].flat(Infinity as 1) as number[]);
    const wantDw = Float64Array.from({ length: 40 }, (_, k) => [0, 1, 2].reduce((a, c) => a + x.data[(Math.floor(k / 20) * 3 + c) * 20 + (k % 20)]!, 0) / 40);
    expect(maxRelErr(dw, wantDw, 1e-2)).toBeLessThan(VALUE_TOL);
  });
});

describe("'...' anywhere: shapes that do not fit", () => {
  const message = (loss: string, shapes: Record<string, number[]>): string => {
    const fn = fnOf(loss);
    try {
      tf.tidy(() => mod[loss]!(...positional(fn).map((n) => tf.zeros(shapes[n]!, fn.inputs.find((i) => i.name === n)!.elem === 'bool' ? 'bool' : 'float32')), {}));
    } catch (e) {
      return (e as Error).message;
    }
    return 'no error';
  };
  const refMessage = (loss: string, shapes: Record<string, number[]>): string => {
    try {
      evaluateReference(fnOf(loss), Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, { shape: s, data: new Float64Array(s.reduce((a, b) => a * b, 1)) }])), {});
    } catch (e) {
      return (e as Error).message;
    }
    return 'no error';
  };

  it("different '...' dims between inputs: named, with both inputs' dims, by the module and the reference", () => {
    const shapes = { x: [2, 3, 4, 5], y: [2, 3, 5, 4] };
    const want = "dice: the '...' dimensions of 'y' are [5, 4] but those of 'x' are [4, 5]";
    expect(message('dice', shapes)).toBe(want);
    expect(refMessage('dice', shapes)).toBe(want);
  });

  it('a named dim after the group is read from the end, before it from the front', () => {
    expect(message('last', { x: [2, 3, 4, 5], y: [2, 3, 4, 6] })).toBe("last: dimension D of input 'y' is 6, but it is 5 in 'x' (shape [B, ..., D])");
    expect(message('dice', { x: [2, 3, 4, 5], y: [2, 4, 4, 5] })).toBe("dice: dimension C of input 'y' is 4, but it is 3 in 'x' (shape [B, C, ...])");
    expect(refMessage('last', { x: [2, 3, 4, 5], y: [2, 3, 4, 6] })).toBe("last: dimension D of input 'y' is 6, but it is 5 in 'x' (shape [B, ..., D])");
  });

  it('too few dims: at least the named ones', () => {
    expect(message('dice', { x: [2], y: [2] })).toBe("dice: input 'x' should have at least 2 dimensions [B, C, ...], but has shape [2]");
    expect(refMessage('dice', { x: [2], y: [2] })).toBe("dice: input 'x' should have at least 2 dimensions [B, C, ...], but has shape [2]");
  });

  it('a mask with the group at its own position must have the same group', () => {
    expect(message('masked', { x: [2, 3, 4, 5], m: [2, 4, 6] })).toBe("masked: the '...' dimensions of 'm' are [4, 6] but those of 'x' are [4, 5]");
  });
});

describe("'...' anywhere: the checker", () => {
  const diagnostics = (src: string): string[] => check(src, 'r.loss').diagnostics.map((d) => formatDiagnostic(d));

  it('two groups in one shape: E4009 at the second', () => {
    expect(diagnostics('loss two(x: [..., B, ...]) = sum(x)')).toEqual(["r.loss:1:22: error E4009: '...' may come only once in a shape: two groups of any number of dims could split the dims either way"]);
  });

  it("'...' used as a value is its size, like a dim name: the number of elements its dims hold", async () => {
    const src = 'loss v(x: [B, ...]) -> [B] = sum(x, ...) / ...';
    expect(diagnostics(src)).toEqual([]);
    const x = inputsOf({ x: [2, 3, 4] }, 11).x!;
    const r = await evaluate(src, 'r.loss', { loss: 'v', backend: 'cpu', inputs: { x: { shape: x.shape, data: Array.from(x.data) } } });
    expect(r.diagnostics).toEqual([]);
    // Per b: the mean over the 12 elements of its [3, 4] group; the loss is not reduced further.
    const want = [0, 1].map((b) => x.data.slice(b * 12, (b + 1) * 12).reduce((a, v) => a + v, 0) / 12);
    expect(maxRelErr(Float64Array.from(r.loss as number[]), Float64Array.from(want))).toBeLessThan(VALUE_TOL);
  });

  it('a def binding the group sees the caller\'s group wherever the caller has it', async () => {
    const src = `
def per_class(p: [B, C, ...]) = sum(p, ...)
loss a(x: [B, C, ...]) = mean(per_class(x))
loss b(x: [..., B, C]) = mean(per_class(x))
`;
    expect(diagnostics(src)).toEqual([]);
    const x = inputsOf({ x: [2, 3, 4] }, 10).x!;
    // per_class on [B, C, ...] = [2, 3, 4] sums 4 values per (b, c): the mean is ΣΣ / 6.
    const a = await evaluate(src, 'r.loss', { loss: 'a', backend: 'cpu', inputs: { x: { shape: x.shape, data: Array.from(x.data) } } });
    const total = x.data.reduce((s, v) => s + v, 0);
    expect(Math.abs((a.loss as number) - total / 6)).toBeLessThan(1e-5);
    // b's x is [...] = [2], B = 3, C = 4: per_class binds B, C by name and sums the leading 2.
    const b = await evaluate(src, 'r.loss', { loss: 'b', backend: 'cpu', inputs: { x: { shape: x.shape, data: Array.from(x.data) } } });
    expect(Math.abs((b.loss as number) - total / 12)).toBeLessThan(1e-5);
  });
});

// The stdlib's MONAI losses take [B, C, ...]: MONAI's own [B, C, H, W] and [B, C, D, H, W],
// checked against the float64 oracles of their peer tests on the same data flattened to
// [B, C, S] (what the caller had to pass before '...' could stand after named dims).
describe("'...' anywhere: the stdlib's MONAI losses over [B, C, ...]", () => {
  const file = 'stdlib/segmentation.loss';
  const source = readFileSync(file, 'utf8');
  const start = source.indexOf("// MONAI's segmentation losses");
  type Oracle = (x: F64Tensor, y: F64Tensor, o: Record<string, unknown>) => number;
  const LOSSES: readonly [string, Oracle, Record<string, string | number>, Record<string, unknown>][] = [
    ['monai_dice', peers2.monai_dice as Oracle, { activation: 'sigmoid' }, { sigmoid: true }],
    ['monai_dice', peers2.monai_dice as Oracle, { activation: 'softmax', batch: 1, squared_pred: 1 }, { softmax: true, batch: true, squared_pred: true }],
    ['monai_tversky', peers2.monai_tversky as Oracle, { activation: 'sigmoid', alpha: 0.3, beta: 0.7 }, { sigmoid: true, alpha: 0.3, beta: 0.7 }],
    ['monai_generalized_dice', peers2.monai_generalized_dice as Oracle, { activation: 'softmax' }, { softmax: true }],
    ['monai_focal', peers2.monai_focal as Oracle, { use_softmax: 1 }, { use_softmax: true }],
    ['monai_dice_ce', peers2.monai_dice_ce as Oracle, { activation: 'softmax' }, { softmax: true }],
    ['monai_dice_focal', peers2.monai_dice_focal as Oracle, { activation: 'sigmoid' }, { sigmoid: true }],
  ];

  it('the file checks cleanly, with no [B, C, S] input left in the MONAI and smp parts', () => {
    expect(start).toBeGreaterThanOrEqual(0);
    expect(source.slice(start)).not.toMatch(/\w+: (?:index|bool)?\[[^\]]*\bS\]/);
    const r = check(source, file, { host: fsHost });
    expect(r.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
    losses = r.losses;
  });

  let losses: IrFunction[] | undefined;
  const checked = (): IrFunction[] => (losses ??= check(source, file, { host: fsHost }).losses);

  it.each(LOSSES.flatMap((l) => [[2, 3, 4, 5], [2, 3, 3, 4, 5]].map((shape) => ({ l, shape, title: `${l[0]} ${JSON.stringify(l[2])} on [${shape.join(', ')}]` }))))('$title = its peer oracle on [B, C, S]', async ({ l: [loss, oracle, set, options], shape }) => {
    const rng = mulberry32(shape.length * 31 + loss.length);
    const x = roundF32(randomTensor(shape, rng, { lo: -2, hi: 2 }));
    const y = roundF32(randomTensor(shape, rng, { lo: 0, hi: 1 }));
    const flat = (t: F64Tensor): F64Tensor => ({ shape: [shape[0]!, shape[1]!, shape.slice(2).reduce((a, b) => a * b, 1)], data: t.data });
    const fn = checked().find((f) => f.name === loss)!;
    // Options as the IR takes them: a string option is its position in the list.
    const hypers = Object.fromEntries(Object.entries(set).map(([k, v]) => [k, typeof v === 'string' ? fn.hypers.find((h) => h.name === k)!.values!.indexOf(v) : v]));
    const got = scoped(() => evaluateTfjs(fn, { x: tf.tensor(Array.from(x.data), shape), y: tf.tensor(Array.from(y.data), shape) }, hypers).dataSync()[0]!);
    const want = oracle(flat(x), flat(y), options);
    expect(Math.abs(got - want) / Math.max(1, Math.abs(want))).toBeLessThan(VALUE_TOL);
  });
});

describe("'...' anywhere: the formatter and the language service", () => {
  it('lossc fmt keeps the group where it stands, and `...` as an axis argument', () => {
    const messy = 'loss   d(x: [B,C,...], y:[B, ...,C]) = mean(sum(x*y, (C,...)))\n';
    const formatted = formatSource(messy, 'f.loss');
    expect('text' in formatted ? formatted.text : formatted.diagnostics).toBe('loss d(x: [B, C, ...], y: [B, ..., C]) = mean(sum(x * y, (C, ...)))\n');
  });

  it('hover on `...` in a reduction says it is the rest dims', () => {
    const text = 'loss f(x: [B, C, ...]) = mean(sum(x, ...))';
    const ws: service.Workspace = { host: { readFile: () => undefined, stdlib: () => [] }, openFiles: () => [] };
    const h = service.hover(ws, service.parsed(text, 'h.loss'), text.lastIndexOf('...'));
    expect(h?.signature).toBe('(rest dims of f) ...');
    expect(h?.doc).toContain('the same in every input of the loss');
  });
});

const DIR = resolve('test/.tmp/rest-anywhere');
describe.skipIf(torchMissing() !== undefined)("'...' anywhere: the PyTorch module (real torch)", () => {
  let driver: TorchDriver | undefined;
  beforeAll(() => {
    mkdirSync(resolve(DIR, 'py'), { recursive: true });
    writeFileSync(resolve(DIR, 'py', 'rest.py'), emitPytorchModule({ file: 'rest.loss', losses }));
    writeFileSync(resolve(DIR, 'py', TORCH_RUNTIME_FILE), TORCH_RUNTIME_SOURCE);
    driver = new TorchDriver('modules.py', { LOSSC_PY_DIR: resolve(DIR, 'py'), LOSSC_PY_AUTOGRAD_DIR: resolve(DIR, 'py') });
  });
  afterAll(() => driver?.close());

  it.each(CASES.map((c) => ({ ...c, title: `${c.loss} ${c.name}` })))('$title: torch float64 = oracle, gradients = the tfjs module', async (c) => {
    const fn = fnOf(c.loss);
    type Wired = Record<string, { value: WireTensor; grads: Record<string, WireTensor> }>;
    const answer = await driver!.request<Wired>({
      module: 'rest',
      loss: c.loss,
      positional: positional(fn),
      inputs: Object.fromEntries(Object.entries(c.x).map(([k, v]) => [k, wire(v, fn.inputs.find((i) => i.name === k)!.elem === 'bool' ? 'bool' : 'float')])),
      options: {},
      optional: [],
      wrt: realOf(fn),
      dtypes: ['float64'],
    });
    const torch = answer.float64!;
    const want = c.expected(c.x);
    const value = unwire(torch.value);
    expect(value.shape).toEqual(want.shape);
    expect(maxRelErr(value.data, want.data)).toBeLessThan(1e-10);
    const mine = moduleAnswer(fn, c.x).grads;
    for (const n of realOf(fn)) {
      const g = unwire(torch.grads[n]!);
      expect(g.shape).toEqual(c.x[n]!.shape);
      expect(maxRelErr(g.data, mine[n]!.data, 1e-4)).toBeLessThan(GRAD_TOL);
    }
  });
});
