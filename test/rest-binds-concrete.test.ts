// A def's (or a called loss's) `...` takes concrete axes of the argument: `[B, C, ...]` of
// [B, C, H, W] reads `...` as H, W in the body (reductions, flatten/unflatten, nested calls,
// a declared `-> [B, ...]`), of [B, C] as no axes at all. Values against float64 loops written
// here, through the evaluator and the generated module; the stdlib's MONAI/smp losses called
// from a fixed-rank loss against the same stdlib loss called directly; a gradient against
// central differences; the IR against the one of the axes written out; and the refusals left.
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { check, evaluate } from '../src/api.js';
import { fsHost } from '../src/cli/files.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';
import { initBackend } from '../src/eval/setup.js';
import { printIr } from '../src/ir/print.js';
import { compile } from './helpers/compile-cache.js';
import { importModule } from './fuzz/compare.js';
import { fdGrad, maxRelErr } from './oracle/fd.js';
import { mulberry32, randomTensor, roundF32, type F64Tensor } from './oracle/tensor.js';

const SOURCE = `
def msum(v: [B, C, ...]) = sum(v, ...)
def fl(v: [B, C, ...]) = flatten(v, (C, ...), P)
def keep(v: [B, C, ...]) -> [B, ...] = sum(v, C)
def outer(v: [B, C, ...]) = msum(v) * max(v, ...) + mean(v, (C, ...))
def round_trip(v: [B, C, ...]) = unflatten(flatten(v, (C, ...), P), P, (C, ...))

loss m2(x: [B, C], y: [B, C]) = mean(msum(x * y))
loss m3(x: [B, C, H], y: [B, C, H]) = mean(msum(x * y))
loss m4(x: [B, C, H, W], y: [B, C, H, W]) = mean(msum(x * y))
loss flat(x: [B, C, H, W], w: [B, P]) = sum(fl(x) * w)
loss kept(x: [B, C, H, W], w: [B, H, W]) = sum(keep(x) * w)
loss nested(x: [B, C, H, W]) = mean(outer(x))
loss trip(x: [B, C, H, W], y: [B, C, H, W]) = sum(round_trip(x) * y)
`;

const [B, C, H, W] = [2, 3, 4, 5];
const VALUE_TOL = 1e-5;

function input(shape: number[], seed: number, lo = -2, hi = 2): F64Tensor {
  return roundF32(randomTensor(shape, mulberry32(seed), { lo, hi }));
}

const wire = (t: F64Tensor): { shape: number[]; data: number[] } => ({ shape: [...t.shape], data: Array.from(t.data) });
const flat = (v: unknown): number[] => [v].flat(Infinity as 1) as number[];
/** Row-major offset of an index into a shape. */
const at = (shape: readonly number[], ix: readonly number[]): number => ix.reduce((o, k, d) => o * shape[d]! + k, 0);

/** mean over b, c of Σ over the trailing dims of x·y (a plain loop over the flat data). */
function meanOfSums(x: F64Tensor, y: F64Tensor): number {
  const rows = x.shape[0]! * x.shape[1]!;
  const per = x.data.length / rows;
  let total = 0;
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let k = 0; k < per; k++) s += x.data[r * per + k]! * y.data[r * per + k]!;
    total += s;
  }
  return total / rows;
}

/** Σ_b,p x_flat[b, p]·w[b, p] with p = (c·H + h)·W + w: C the major of the merged axis. */
function flatOracle(x: F64Tensor, w: F64Tensor): number {
  let s = 0;
  for (let b = 0; b < B; b++)
    for (let c = 0; c < C; c++)
      for (let h = 0; h < H; h++)
        for (let q = 0; q < W; q++) s += x.data[at([B, C, H, W], [b, c, h, q])]! * w.data[at([B, C * H * W], [b, (c * H + h) * W + q])]!;
  return s;
}

/** Σ_b,h,w (Σ_c x[b, c, h, w])·w[b, h, w]. */
function keptOracle(x: F64Tensor, w: F64Tensor): number {
  let s = 0;
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let q = 0; q < W; q++) {
        let col = 0;
        for (let c = 0; c < C; c++) col += x.data[at([B, C, H, W], [b, c, h, q])]!;
        s += col * w.data[at([B, H, W], [b, h, q])]!;
      }
  return s;
}

/** mean over b, c of (Σ_hw x)·(max_hw x) + mean_chw x[b] (broadcast over c). */
function nestedOracle(x: F64Tensor): number {
  let total = 0;
  for (let b = 0; b < B; b++) {
    let all = 0;
    for (let k = 0; k < C * H * W; k++) all += x.data[b * C * H * W + k]!;
    for (let c = 0; c < C; c++) {
      let s = 0;
      let m = -Infinity;
      for (let k = 0; k < H * W; k++) {
        const v = x.data[(b * C + c) * H * W + k]!;
        s += v;
        m = Math.max(m, v);
      }
      total += s * m + all / (C * H * W);
    }
  }
  return total / (B * C);
}

const sumProduct = (x: F64Tensor, y: F64Tensor): number => x.data.reduce((a, v, k) => a + v * y.data[k]!, 0);

const xs = {
  m2: { x: input([B, C], 1), y: input([B, C], 2) },
  m3: { x: input([B, C, H], 3), y: input([B, C, H], 4) },
  m4: { x: input([B, C, H, W], 5), y: input([B, C, H, W], 6) },
  flat: { x: input([B, C, H, W], 7), w: input([B, C * H * W], 8) },
  kept: { x: input([B, C, H, W], 9), w: input([B, H, W], 10) },
  nested: { x: input([B, C, H, W], 11) },
  trip: { x: input([B, C, H, W], 12), y: input([B, C, H, W], 13) },
} satisfies Record<string, Record<string, F64Tensor>>;

type Name = keyof typeof xs;
const ORACLE: Record<Name, (t: Record<string, F64Tensor>) => number> = {
  m2: (t) => meanOfSums(t.x!, t.y!),
  m3: (t) => meanOfSums(t.x!, t.y!),
  m4: (t) => meanOfSums(t.x!, t.y!),
  flat: (t) => flatOracle(t.x!, t.w!),
  kept: (t) => keptOracle(t.x!, t.w!),
  nested: (t) => nestedOracle(t.x!),
  trip: (t) => sumProduct(t.x!, t.y!),
};

let mod: Record<string, (...a: tf.Tensor[]) => tf.Tensor>;

beforeAll(async () => {
  await initBackend('cpu');
  const r = await compile(SOURCE, 'rest-concrete.loss');
  expect(r.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
  mod = await importModule(r.code!, 'rest-binds-concrete');
}, 120_000);

describe("a def's '...' bound to concrete axes: values against float64 loops", () => {
  it.each(Object.keys(xs) as Name[])('%s: evaluator = module = oracle', async (name) => {
    const inputs = xs[name] as Record<string, F64Tensor>;
    const want = ORACLE[name](inputs);
    const ev = await evaluate(SOURCE, 'rest-concrete.loss', { loss: name, backend: 'cpu', inputs: Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, wire(v)])) });
    expect(ev.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
    expect(maxRelErr(Float64Array.from(flat(ev.loss)), Float64Array.of(want))).toBeLessThan(VALUE_TOL);
    const got = tf.tidy(() => mod[name]!(...Object.values(inputs).map((t) => tf.tensor(Array.from(t.data), t.shape))).dataSync()[0]!);
    expect(maxRelErr(Float64Array.of(got), Float64Array.of(want))).toBeLessThan(VALUE_TOL);
  });

  it('the gradient of nested (sum, max and mean over ...) = central differences of the oracle', async () => {
    const x = xs.nested.x;
    const ev = await evaluate(SOURCE, 'rest-concrete.loss', { loss: 'nested', backend: 'cpu', grad: true, inputs: { x: wire(x) } });
    expect(ev.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
    const fd = fdGrad((t) => nestedOracle(t), [x], 0);
    expect(maxRelErr(Float64Array.from(flat(ev.grads!.x)), fd.data, 1e-2)).toBeLessThan(1e-4);
  });
});

describe('the IR is the one of the axes written out', () => {
  const body = (source: string): string => printIr(check(source, 'f.loss').losses[0]!).split('\n').slice(1).join('\n');
  it.each([
    ['def msum(v: [B, C, ...]) = sum(v, ...)\nloss f(x: [B, C, H], y: [B, C, H]) = mean(msum(x * y))', 'loss f(x: [B, C, H], y: [B, C, H]) = mean(sum(x * y, H))'],
    ['def g(v: [B, C, ...]) = mean(v, (C, ...))\nloss f(x: [B, C, H, W]) = sum(g(x))', 'loss f(x: [B, C, H, W]) = sum(mean(x, (C, H, W)))'],
    ['def g(v: [B, C, ...]) = flatten(v, (C, ...), P)\nloss f(x: [B, C, H, W], w: [B, P]) = sum(g(x) * w)', 'loss f(x: [B, C, H, W], w: [B, P]) = sum(flatten(x, (C, H, W), P) * w)'],
    ['def g(v: [B, C, ...]) = sum(v, ...)\nloss f(x: [B, C]) = mean(g(x))', 'loss f(x: [B, C]) = mean(x)'],
  ])('%s', (viaDef, written) => {
    const a = check(viaDef, 'f.loss');
    expect(a.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
    expect(body(viaDef)).toBe(body(written));
  });
});

describe("the stdlib's losses over [B, C, ...] called from a fixed-rank loss", () => {
  const seg = readFileSync('stdlib/segmentation.loss', 'utf8');
  const user = `import { monai_dice, smp_dice } from "./segmentation"
loss my_monai(x: [B, C, H, W], y: [B, C, H, W] in [0, 1]) = monai_dice(x, y, activation: 'sigmoid')
loss my_smp(x: [B, C, H, W], y: [B, C, H, W] in [0, 1]) = smp_dice(x, y)
`;
  const x = input([B, C, H, W], 20);
  const y: F64Tensor = { shape: [B, C, H, W], data: input([B, C, H, W], 21).data.map((v) => (v > 0 ? 1 : 0)) };
  it.each([
    ['my_monai', 'monai_dice', { activation: 'sigmoid' }],
    ['my_smp', 'smp_dice', {}],
  ] as const)('%s = the stdlib %s called directly', async (mine, theirs, set) => {
    const inputs = { x: wire(x), y: wire(y) };
    const ours = await evaluate(user, 'stdlib/zz-user.loss', { loss: mine, backend: 'cpu', inputs, host: fsHost });
    expect(ours.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
    const direct = await evaluate(seg, 'stdlib/segmentation.loss', { loss: theirs, backend: 'cpu', inputs, set, host: fsHost });
    expect(direct.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
    const a = flat(ours.loss)[0]!;
    expect(Number.isFinite(a)).toBe(true);
    expect(Math.abs(a - flat(direct.loss)[0]!)).toBeLessThan(1e-6);
  });
});

describe('refusals that remain, with the exact message', () => {
  it.each([
    // The named dims take more axes than the argument has: no `...` to bind.
    ['def g(v: [B, C, D, ...]) = sum(v, ...)\nloss f(x: [B, C]) = mean(g(x))', ["f.loss:2:28: error E4002: argument 1 of 'g' has axes [B, C] but parameter 'v' expects [B, C, D, ...]"]],
    // Two parameters whose `...` took different axes: `...` names neither.
    ['def g(a: [B, ...], b: [B, ...]) = sum(a, ...) + sum(b, ...)\nloss f(x: [B, H], y: [B, W]) = mean(g(x, y))', ['f.loss:1:42: error E4003: sum: the operand has no axis ... (its axes are [B, H])', 'f.loss:1:56: error E4003: sum: the operand has no axis ... (its axes are [B, W])']],
    // `...` that took no axes, alone, merges nothing.
    ['def g(v: [B, C, ...]) = flatten(v, ..., S)\nloss f(x: [B, C]) = mean(g(x))', ["f.loss:1:36: error E4032: flatten(x, (C, ...), S) merges the '...' axes (alone or beside named axes) only of an operand that has them, and unflatten(x, S, (C, ...)) splits into them only an S merged from them or in a loss whose inputs have '...', never an operand that still has them, and never the '...' group itself (the operand's axes are [B, C])"]],
  ] as [string, string[]][])('%s', (source, messages) => {
    expect(check(source, 'f.loss').diagnostics.map((d) => formatDiagnostic(d))).toEqual(messages);
  });
});
