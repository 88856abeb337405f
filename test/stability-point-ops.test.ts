// The one-point model behind the stability witnesses (src/stability/point.ts) for the ops that
// move values along an axis or between resolutions (sort, cumsum, flatten, resize) and for a
// ragged list's elements: its value against the float64 reference evaluator on tensors whose
// every element holds one value (the situation the model stands for), the findings it lets the
// analysis show (and those it must not), and the witness inputs of those findings re-evaluated
// by the reference. Then W6015 (IgnoredReachesLoss): only a read at an ignored class index
// counts, not a NaN the loss writes itself.
import { describe, expect, it } from 'vitest';
import { check } from '../src/api.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';
import type { IrFunction } from '../src/ir/types.js';
import { evaluateReference, type RefTensor } from '../src/reference/evaluate.js';
import { cone, PointModel } from '../src/stability/point.js';

const lossOf = (source: string): IrFunction => {
  const r = check(source, 'p.loss');
  expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d))).toEqual([]);
  return r.losses[0]!;
};

/** The model's float64 value of the loss with each input (by name) holding one value. */
function onePoint(fn: IrFunction, values: Record<string, number>): number {
  const at = new Map<number, number>();
  for (const i of fn.inputs) at.set(i.node, values[i.name]!);
  for (const h of fn.hypers) at.set(h.node, h.default ?? 1);
  return new PointModel(fn).evaluate(cone(fn, [fn.output]), at, (x) => x)[fn.output]!;
}

const filled = (shape: number[], v: number): RefTensor => ({ shape, data: new Float64Array(shape.reduce((a, b) => a * b, 1)).fill(v) });

const VALUES = [0, 1, -1, 0.5, 2, -3.25, 1e-8, 20, 1e4];

/** Equal up to float64 rounding (the model and the reference sum in different orders); NaN and infinities exactly. */
function expectClose(got: number, expected: number): void {
  if (!Number.isFinite(expected)) expect(got).toBe(expected);
  else expect(Math.abs(got - expected)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(expected)));
}

describe('the one-point value equals the float64 reference where every element holds one value', () => {
  it('sort keeps the one value, whichever key orders it and in either direction', () => {
    const fn = lossOf('loss s(x: [N, L], k: [N, L]) = mean(sort(x, L, by: k) + 2 * sort(x, L, descending: true))');
    // The key is not one value: positions are reordered, and equal values stay equal.
    const k: RefTensor = { shape: [2, 5], data: Float64Array.from([3, -1, 4, 1, 5, 9, -2, 6, 5, 3]) };
    for (const v of VALUES) {
      const expected = evaluateReference(fn, { x: filled([2, 5], v), k }, {}).data[0]!;
      expect(expected).toBeCloseTo(3 * v, 9);
      expectClose(onePoint(fn, { x: v, k: 0.25 }), expected);
    }
  });

  it('cumsum over an axis of one position (every dim not fixed, at the point) is the value itself', () => {
    const fn = lossOf('loss c(x: [N, L]) = sum(cumsum(x, L) * cumsum(x, L, reverse: true))');
    for (const v of VALUES) {
      const expected = evaluateReference(fn, { x: filled([1, 1], v) }, {}).data[0]!;
      expectClose(onePoint(fn, { x: v }), expected);
    }
  });

  it('cumsum over a fixed axis of 3: one value only for 0 and ±infinity, unknown (NaN) otherwise', () => {
    const fn = lossOf('loss c(x: [N, 3]) = mean(cumsum(x, 3))');
    const position = lossOf('loss c(x: [N, 3]) = sum(cumsum(x, 3), N)');
    for (const v of [0, Infinity, -Infinity]) {
      expectClose(onePoint(fn, { x: v }), evaluateReference(fn, { x: filled([1, 3], v) }, {}).data[0]!);
    }
    for (const v of [1, 0.5, -2]) {
      // The positions hold v, 2v, 3v: no one value stands for them.
      expect(Array.from(evaluateReference(position, { x: filled([1, 3], v) }, {}).data)).toEqual([v, 2 * v, 3 * v]);
      expect(onePoint(fn, { x: v })).toBeNaN();
    }
  });

  it('a sum over a flattened dim counts the fixed dims merged into it', () => {
    const fn = lossOf('loss f(x: [N, 3, L]) = mean(sum(flatten(x, (3, L), P), P))');
    for (const v of VALUES) {
      const expected = evaluateReference(fn, { x: filled([2, 3, 1], v) }, {}).data[0]!;
      expect(expected).toBeCloseTo(3 * v, 9);
      expectClose(onePoint(fn, { x: v }), expected);
    }
  });

  it('a ragged list: elements at resolutions of their own, and a target resized to each, hold the one value', () => {
    const fn = lossOf('loss r(preds: list[K] of ragged [B, C, ...], y: [B, C, ...]) = mean(l)\n  where l[k] = mean((preds[k] - resize(y, like: preds[k]))^2 + preds[k])');
    for (const [p, u] of [[0, 0], [1, 0], [0.5, -2], [20, 1e-8], [-3.25, 100]] as const) {
      const lists = { preds: [filled([2, 2, 4, 4], p), filled([2, 2, 2, 2], p), filled([2, 2, 1, 3], p)] };
      const expected = evaluateReference(fn, { y: filled([2, 2, 4, 4], u) }, {}, { lists }).data[0]!;
      expect(expected).toBeCloseTo((p - u) ** 2 + p, 9);
      expectClose(onePoint(fn, { preds: p, y: u }), expected);
    }
  });
});

describe('findings through these ops', () => {
  const warnings = (source: string): string[] => check(source, 'p.loss').diagnostics.filter((d) => d.severity === 'warning').map((d) => formatDiagnostic(d).split('\n')[0]!);

  it('log of a running sum that can be 0: fires over a free axis and a fixed one; not for a domain without 0', () => {
    expect(warnings('loss w(x: [N, L] in [0, 1]) = mean(log(cumsum(x, L)))')).toEqual([
      'p.loss:1:36: warning W6001: log(cumsum(x, L)): log of a value that can be 0: x = 0 gives log(0) = -Infinity',
    ]);
    expect(warnings('loss w(x: [N, 3] in [0, 1]) = mean(log(cumsum(x, 3)))')).toEqual([
      'p.loss:1:36: warning W6001: log(cumsum(x, 3)): log of a value that can be 0: x = 0 gives log(0) = -Infinity',
    ]);
    expect(warnings('loss w(x: [N, L] in (0, 1]) = mean(log(cumsum(x, L)))')).toEqual([]);
    // The witness is real: the reference at x = 0 is -Infinity.
    for (const [src, shape] of [['loss w(x: [N, L] in [0, 1]) = mean(log(cumsum(x, L)))', [2, 3]], ['loss w(x: [N, 3] in [0, 1]) = mean(log(cumsum(x, 3)))', [2, 3]]] as const) {
      expect(evaluateReference(lossOf(src), { x: filled([...shape], 0) }, {}).data[0]).toBe(-Infinity);
    }
  });

  it('log of a resized target that can be 0 in a ragged list loss: fires with the target named; not for a domain without 0', () => {
    const body = "= sum(l)\n  where l[k] = mean(preds[k] * log(resize(y, like: preds[k])))";
    expect(warnings(`loss w(preds: list[K] of ragged [B, C, ...], y: [B, C, ...] in [0, 1]) ${body}`)).toEqual([
      'p.loss:2:21: warning W6013: preds[k] * log(resize(y, like: preds[k])): a product of 0 and an infinity is NaN: preds = 0 and y = 0 gives preds[k] = 0 and log(resize(y, like: preds[k])) = -Infinity: 0 · -Infinity = NaN',
      'p.loss:2:32: warning W6001: log(resize(y, like: preds[k])): log of a value that can be 0: y = 0 gives log(0) = -Infinity',
    ]);
    expect(warnings(`loss w(preds: list[K] of ragged [B, C, ...], y: [B, C, ...] in (0, 1]) ${body}`)).toEqual([]);
    const fn = lossOf(`loss w(preds: list[K] of ragged [B, C, ...], y: [B, C, ...] in [0, 1]) ${body}`);
    const at = (p: number): number => evaluateReference(fn, { y: filled([1, 2, 4, 4], 0) }, {}, { lists: { preds: [filled([1, 2, 4, 4], p), filled([1, 2, 2, 2], p)] } }).data[0]!;
    expect(at(0)).toBeNaN();
    expect(at(0.5)).toBe(-Infinity);
  });

  it('exp of a sum over a flattened dim that merges a fixed dim of 3: overflows at x = 30 (exp(90)), not at x ≤ 20', () => {
    const src = (hi: number): string => `loss w(x: [N, 3, L] in [0, ${hi}]) = mean(exp(sum(flatten(x, (3, L), P), P)))`;
    expect(warnings(src(30))).toEqual(['p.loss:1:40: warning W6005: exp(sum(flatten(x, (3, L), P), P)): exp overflows float32 above 88.7: x = 30 gives exp(90) = Infinity']);
    expect(warnings(src(20))).toEqual([]);
    // The float64 value at the witness is above float32's largest (3.4028235e38).
    expect(evaluateReference(lossOf(src(30)), { x: filled([1, 3, 2], 30) }, {}).data[0]!).toBeGreaterThan(3.4028235e38);
  });
});

describe('W6015 IgnoredReachesLoss: only a read at an ignored class index', () => {
  const w6015 = (source: string): string[] => check(source, 'w.loss').diagnostics.filter((d) => d.code === 'W6015').map((d) => formatDiagnostic(d).split('\n')[0]!);
  const HEAD = 'x: [N, C], t: index[N] of C ignore ii, y: [N], ii: int = -100';
  // A parameter's default 0 / 0 is a NaN constant of the loss: the same constant as the one an
  // ignored read chooses (constants are shared), but not a read.
  const DEF = 'def fallback(v: [N], d: real = 0 / 0) = if mean(v) > 0 then mean(v) else d\n';

  it('not for a NaN the loss writes itself when the reads are masked', () => {
    expect(w6015(`${DEF}loss f(${HEAD}) = mean(-x[t], where: t != ii) + fallback(y)`)).toEqual([]);
    expect(w6015(`loss f(${HEAD}) = mean(-x[t], where: t != ii, empty: 0 / 0) + mean(y, where: y > 0, empty: 0 / 0)`)).toEqual([]);
  });

  /** The warning at the read `read` of line `line` of `source`, its column found there. */
  const at = (source: string, line: number, read: string): string =>
    `w.loss:${line}:${source.split('\n')[line - 1]!.lastIndexOf(read) + 1}: warning W6015: class indices 't' may hold their ignore value ii, and the NaN read there reaches the loss: no mask excludes those positions`;

  it('still for an unmasked read, with or without a NaN of the loss beside it', () => {
    const beside = `${DEF}loss f(${HEAD}) = mean(-x[t]) + fallback(y)`;
    expect(w6015(beside)).toEqual([at(beside, 2, 'x[t]')]);
    const alone = `loss f(${HEAD}) = mean(-x[t])`;
    expect(w6015(alone)).toEqual([at(alone, 1, 'x[t]')]);
  });

  it('for the unmasked one of two reads: the masked one is not named', () => {
    const two = `loss f(${HEAD}, w: [C] = 1) = mean(-x[t], where: t != ii) + mean(w[t])`;
    expect(w6015(two)).toEqual([at(two, 1, 'w[t]')]);
  });
});
