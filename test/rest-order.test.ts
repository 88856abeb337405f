// A def's pattern, an index list and flatten(x, ..., S) read a value's axes in its declared
// order, which places the rest group `...` as it places named axes: `0 + x`, `1 - x`, a
// binding's value and a def's result keep x's `[B, C, ...]`, whatever the compiler lays them out
// as (it lays `0 + x` out `[..., B, C]`, and `[..., L]` once bound B there). Each value against
// plain loops over the inputs in float64, through the float64 reference and tfjs on cpu.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { check } from '../src/api.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';
import { evaluateTfjs } from '../src/eval/evaluate.js';
import { initBackend } from '../src/eval/setup.js';
import { evaluateReference } from '../src/reference/evaluate.js';

const SOURCE = `
def img(v: [B, C, ...]) = flatten(flatten(v, ..., S), (C, S), P)
def ext(e: [..., L]) = max(e, L)
def first(e: [F, ...]) = max(e, F)
def shift(v: [B, C, ...]) = v + 0
def ordered(v: [B, C, ...]) = v
loss plain(x: [B, C, ...]) = mean(ext(img(x)))
loss plus_zero(x: [B, C, ...]) = mean(ext(img(0 + x)))
loss one_minus(x: [B, C, ...]) = mean(ext(img(1 - x)))
loss bound(x: [B, C, ...]) = mean(ext(img(z))) where z = 0 + x
loss def_result(x: [B, C, ...]) = mean(ext(img(shift(x))))
loss weighted(x: [B, C, ...], w: [C]) = mean(ext(flatten(w * x, ..., S)))
loss round_trip(x: [B, C, ...]) = mean(ext(flatten(unflatten(flatten(0 + x, ..., S), S, ...), ..., T)))
loss reduced(x: [B, C, ...]) = mean(ext(flatten(sum(0 + x, B), ..., S)))
loss indexed(x: [B, C, ...]) = mean(max(z, j)) where z[i, j] = flatten(0 + x, ..., S)
loss middle(x: [B, ..., C]) = mean(first(flatten(0 + x, ..., S)))
loss declared(x: [B, C, ...], y: [..., B, C]) = mean(ext(flatten(ordered(x * y), ..., S)))
loss hot(t: index[B, ...] of C, w: [C]) = mean(first(flatten(w * onehot(t), ..., S)))
`;

/** Row-major data of `shape`: element k is 1 + k for the first half, 0 after (two different images). */
const halfIota = (shape: readonly number[]): number[] => {
  const n = shape.reduce((a, b) => a * b, 1);
  return Array.from({ length: n }, (_, k) => (k < n / 2 ? 1 + k : 0));
};
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const max = (xs: readonly number[]): number => Math.max(...xs);
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

// x: [B, C, R] with R the rest dims flattened row-major (the rest of x's shape).
const [B, C, H, W] = [2, 3, 2, 2];
const R = H * W;
const X_SHAPE = [B, C, H, W];
const xd = halfIota(X_SHAPE);
const xAt = (b: number, c: number, r: number): number => xd[(b * C + c) * R + r]!;
const wd = [2, -1, 0.5];

/** mean over b of the max over (c, r) of f(x[b, c, r]): ext(img(...)) where L is P = C·S. */
const perImage = (f: (v: number) => number): number => mean(range(B).map((b) => max(range(C).flatMap((c) => range(R).map((r) => f(xAt(b, c, r)))))));

const EXPECTED: Record<string, number> = {
  plain: perImage((v) => v),
  plus_zero: perImage((v) => v),
  one_minus: perImage((v) => 1 - v),
  bound: perImage((v) => v),
  def_result: perImage((v) => v),
  // L is S: the max over the rest dims per (b, c).
  weighted: mean(range(B).flatMap((b) => range(C).map((c) => max(range(R).map((r) => wd[c]! * xAt(b, c, r)))))),
  // Back to [B, C, ...] and merged again: L is T, the max over the rest dims per (b, c).
  round_trip: mean(range(B).flatMap((b) => range(C).map((c) => max(range(R).map((r) => xAt(b, c, r)))))),
  // [C, S] after the sum over B: L is S.
  reduced: mean(range(C).map((c) => max(range(R).map((r) => xAt(0, c, r) + xAt(1, c, r))))),
  // i is B, j is C: the max over C per (b, s).
  indexed: mean(range(B).flatMap((b) => range(R).map((r) => max(range(C).map((c) => xAt(b, c, r)))))),
};

let fns: Map<string, ReturnType<typeof check>['losses'][number]>;
beforeAll(async () => {
  await initBackend('cpu');
  const checked = check(SOURCE, 'rest-order.loss');
  expect(checked.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
  fns = new Map(checked.losses.map((f) => [f.name, f]));
});

/** The loss on the float64 reference and on tfjs (cpu), as numbers. */
function run(name: string, inputs: Record<string, { shape: number[]; data: number[]; dtype?: 'int32' }>): { reference: number; tfjs: number } {
  const fn = fns.get(name)!;
  const reference = evaluateReference(fn, Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, { shape: v.shape, data: Float64Array.from(v.data) }])), {});
  const tensors = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, tf.tensor(v.data, v.shape, v.dtype ?? 'float32')]));
  const out = evaluateTfjs(fn, tensors, {});
  const tfjs = out.dataSync()[0]!;
  tf.dispose([out, ...Object.values(tensors)]);
  return { reference: reference.data[0]!, tfjs };
}

describe("a computed value keeps its operands' order, '...' included", () => {
  it.each(Object.keys(EXPECTED))('%s', (name) => {
    const inputs: Record<string, { shape: number[]; data: number[] }> = { x: { shape: X_SHAPE, data: xd } };
    if (name === 'weighted') inputs.w = { shape: [C], data: wd };
    const got = run(name, inputs);
    expect(got.reference).toBeCloseTo(EXPECTED[name]!, 12);
    expect(got.tfjs).toBeCloseTo(EXPECTED[name]!, 4);
  });

  it('the values the issue reported: 0 + x and x give 3 on [2, 3, 2], 1 - x gives 0.5', () => {
    const src = `def img(v: [B, C, ...]) = flatten(flatten(v, ..., S), (C, S), P)
def ext(e: [..., L]) = max(e, L)
loss a(x: [B, C, ...]) = mean(ext(img(x)))
loss b(x: [B, C, ...]) = mean(ext(img(0 + x)))
loss c(x: [B, C, ...]) = mean(ext(img(1 - x)))`;
    const checked = check(src, 'issue.loss');
    expect(checked.diagnostics).toEqual([]);
    const x = { x: { shape: [2, 3, 2], data: Float64Array.from([1, 2, 3, 4, 5, 6, 0, 0, 0, 0, 0, 0]) } };
    // Image 0 holds 1..6 (max 6), image 1 zeros (max 0); 1 - x: max 0 and 1.
    const want = { a: 3, b: 3, c: 0.5 };
    for (const f of checked.losses) expect(evaluateReference(f, x, {}).data[0], f.name).toBe(want[f.name as 'a' | 'b' | 'c']);
  });

  it('[B, ..., C]: flatten(0 + x, ..., S) is [B, S, C], and [F, ...] takes B', () => {
    // x: [B, H, W, C] given, row-major.
    const shape = [B, H, W, C];
    const d = halfIota(shape);
    const at = (b: number, r: number, c: number): number => d[(b * R + r) * C + c]!;
    const want = mean(range(R).flatMap((r) => range(C).map((c) => max(range(B).map((b) => at(b, r, c))))));
    const got = run('middle', { x: { shape, data: d } });
    expect(got.reference).toBeCloseTo(want, 12);
    expect(got.tfjs).toBeCloseTo(want, 4);
  });

  it("x * y with '...' placed differently: ordered by a def's pattern, then flattened", () => {
    const yShape = [H, W, B, C];
    const yd = halfIota(yShape);
    const yAt = (r: number, b: number, c: number): number => yd[(r * B + b) * C + c]!;
    // ordered's pattern [B, C, ...]: S last, so L is S.
    const want = mean(range(B).flatMap((b) => range(C).map((c) => max(range(R).map((r) => xAt(b, c, r) * yAt(r, b, c))))));
    const got = run('declared', { x: { shape: X_SHAPE, data: xd }, y: { shape: yShape, data: yd } });
    expect(got.reference).toBeCloseTo(want, 12);
    expect(got.tfjs).toBeCloseTo(want, 4);
  });

  it("onehot(t) has the class axis after t's: [B, ..., C], so [F, ...] takes B", () => {
    const t = [0, 1, 1, 0, 2, 2, 2, 2];
    // Per (s, c): whether either image has class c at s.
    const want = mean(range(R).flatMap((r) => range(C).map((c) => max(range(B).map((b) => (t[b * R + r] === c ? 1 : 0))))));
    expect(want).toBeCloseTo(8 / 12, 12);
    const got = run('hot', { t: { shape: [B, H, W], data: t, dtype: 'int32' }, w: { shape: [C], data: [1, 1, 1] } });
    expect(got.reference).toBeCloseTo(want, 12);
    expect(got.tfjs).toBeCloseTo(want, 6);
  });
});

describe('a loss returning flatten of a computed value', () => {
  it("comes out in x's order, [B, C, S], as flatten(x, ..., S) does", () => {
    const src = 'loss a(x: [B, C, ...]) = flatten(x, ..., S)\nloss b(x: [B, C, ...]) = flatten(1 - x, ..., S)';
    const checked = check(src, 'ret.loss');
    const inputs = { x: { shape: X_SHAPE, data: Float64Array.from(xd) } };
    const want = range(B).flatMap((b) => range(C).flatMap((c) => range(R).map((r) => xAt(b, c, r))));
    const [a, b] = checked.losses.map((f) => evaluateReference(f, inputs, {}));
    expect(a!.shape).toEqual([B, C, R]);
    expect(Array.from(a!.data)).toEqual(want);
    expect(b!.shape).toEqual([B, C, R]);
    expect(Array.from(b!.data)).toEqual(want.map((v) => 1 - v));
  });
});

describe("E4035: S of flatten(x, ..., S), x's operands placing '...' differently, has no place", () => {
  const E4035 = (at: string, axes: string): string =>
    `amb.loss:${at}: error E4035: S, made by flatten(..., ..., S) of a value whose order does not place the '...' dims (its operands place them differently, or none has all its axes), has no place among the axes [${axes}], but they are taken by position here: name them (a binding's left side), or pass the operand of flatten through a def whose pattern places its '...'`;
  const DEFS = 'def ext(e: [..., L]) = max(e, L)\n';

  it.each([
    ['a pattern', 'loss f(x: [B, C, ...], y: [..., B, C]) = mean(ext(flatten(x * y, ..., S)))', '2:51'],
    ['a pattern, through an operation', 'loss f(x: [B, C, ...], y: [..., B, C]) = mean(ext(0 + flatten(x * y, ..., S)))', '2:51'],
    ['a product where no operand has every axis', 'loss f(x: [B, C], m: [B, ...]) = mean(ext(flatten(x * m, ..., S)))', '2:43'],
    ['an index', 'loss f(x: [B, C, ...], y: [..., B, C]) = mean(z[i]) where z = flatten(x * y, ..., S)', '2:47'],
    ['a binding renaming by position', 'loss f(x: [B, C, ...], y: [..., B, C]) = mean(z) where z[i, j, k] = flatten(x * y, ..., S)', '2:69'],
  ])('taking its axes by position is refused: %s', (_, loss, at) => {
    const diags = check(DEFS + loss, 'amb.loss').diagnostics.map((d) => formatDiagnostic(d));
    expect(diags).toHaveLength(1);
    expect(diags[0]).toBe(E4035(at, diags[0]!.match(/axes \[([^\]]*)\]/)![1]!));
  });

  it('naming the axes, reducing S, or agreeing operands are not refused', () => {
    for (const src of [
      'loss f(x: [B, C, ...], y: [..., B, C]) = mean(ext(z)) where z[B, C, S] = flatten(x * y, ..., S)',
      'loss f(x: [B, C, ...], y: [..., B, C]) = sum(flatten(x * y, ..., S))',
      'loss f(x: [B, C, ...], y: [B, C, ...]) = mean(ext(flatten(x * y, ..., S)))',
      'loss f(x: [B, C, ...], m: bool[B, ...]) = mean(ext(flatten(if m then x else 0, ..., S)))',
      'loss f(x: [B, C, ...], w: [C]) = mean(ext(flatten(w * x, ..., S)))',
    ]) {
      expect(check(DEFS + src, 'ok.loss').diagnostics.map((d) => formatDiagnostic(d)), src).toEqual([]);
    }
  });

  it('named by a binding, S is where the binding puts it', () => {
    const src = DEFS + 'loss f(x: [B, C, ...], y: [..., B, C]) = mean(ext(z)) where z[B, C, S] = flatten(x * y, ..., S)';
    const fn = check(src, 'ok.loss').losses[0]!;
    const yShape = [H, W, B, C];
    const yd = halfIota(yShape);
    const yAt = (r: number, b: number, c: number): number => yd[(r * B + b) * C + c]!;
    const want = mean(range(B).flatMap((b) => range(C).map((c) => max(range(R).map((r) => xAt(b, c, r) * yAt(r, b, c))))));
    const r = evaluateReference(fn, { x: { shape: X_SHAPE, data: Float64Array.from(xd) }, y: { shape: yShape, data: Float64Array.from(yd) } }, {});
    expect(r.data[0]).toBeCloseTo(want, 12);
  });
});
