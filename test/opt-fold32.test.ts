// Constant folding follows float32, the precision the loss runs in: exp(1 / 0.01) is
// Infinity there, not 2.69e43, so it is not folded away, and the overflow the stability
// analysis reports without the optimizer is reported with it too, whether the temperature is
// a literal or a hyperparameter's default.
import { describe, expect, it } from 'vitest';
import { check } from '../src/api.js';
import type { IrFunction } from '../src/ir/types.js';

const constants = (fn: IrFunction): number[] => fn.nodes.filter((n) => n.op === 'const').map((n) => n.attrs.value!);
const at = (d: { span?: { start: { line: number; col: number } } }): string => `${d.span!.start.line}:${d.span!.start.col}`;

function overflows(source: string, optimize: boolean): string[] {
  const r = check(source, 'fold.loss', { optimize });
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return r.diagnostics.filter((d) => d.code === 'W6005').map(at);
}

describe('float32-faithful folding', () => {
  it.each([
    ['a literal temperature', 'loss f(s: [N]) = mean(s * exp(1 / 0.01))', '1:27'],
    ['a temperature by a binding', 'loss f(s: [N]) = mean(exp(s / t) * exp(1 / t))\n  where t = 0.01', '1:36'],
    ['a default hyperparameter', 'loss f(s: [N] in [-1, 1], t: real in (0, inf) = 0.01) = mean(exp(1 / t) * s)', '1:62'],
  ])('%s: W6005 with and without the optimizer', (_what, source, place) => {
    expect(overflows(source, false)).toContain(place);
    expect(overflows(source, true)).toContain(place);
  });

  it('leaves a constant float32 cannot hold unfolded: no 2.69e43 in the IR', () => {
    const fn = check('loss f(s: [N]) = mean(s * exp(1 / 0.01))', 'fold.loss').losses[0]!;
    expect(constants(fn).some((v) => v > 3.4028234663852886e38)).toBe(false);
    expect(fn.nodes.some((n) => n.op === 'exp')).toBe(true);
  });

  it('keeps the float64 value where float32 differs by rounding alone: 4/π² exact for a float64 run', () => {
    // float32 rounds π first, so its 4/π² is 1.9e-8 (relative) off the float64 value.
    const fn = check('loss f(s: [N]) = mean(s * (4 / 3.141592653589793^2))', 'fold.loss').losses[0]!;
    const folded = constants(fn).find((v) => v > 0.4 && v < 0.41)!;
    expect(folded).toBe(4 / Math.PI ** 2);
    expect(Math.abs(Math.fround(folded) - Math.fround(4 / Math.fround(Math.fround(Math.PI) ** 2)))).toBeLessThanOrEqual(2 ** -24);
  });

  it('keeps float32\'s value where it loses more than rounding: 1 + 1e-8 - 1 is 0 there', () => {
    const fn = check('loss f(s: [N]) = mean(s + ((1 + 1e-8) - 1))', 'fold.loss').losses[0]!;
    expect(constants(fn).some((v) => v > 0 && v < 1e-7)).toBe(false);
  });

  it('folds what float32 holds, to the value float32 computes', () => {
    // e^-100 is a subnormal in float32 (27 · 2^-149, 1.5% above e^-100), then times 1e30.
    const subnormal = 27 * 2 ** -149;
    const fn = check('loss f(s: [N]) = mean(s * (exp(-100) * 1e30))', 'fold.loss').losses[0]!;
    const folded = constants(fn).find((v) => v > 1e-15 && v < 1e-12)!;
    expect(Math.abs(folded / (subnormal * 1e30) - 1)).toBeLessThan(1e-6);
    expect(Math.abs(folded / (Math.exp(-100) * 1e30) - 1)).toBeGreaterThan(0.01);
  });

  it('keeps the decimal value when float32 rounds both to the same number (generated code prints 0.9999999)', () => {
    const fn = check('loss f(p: [N] in [0, 1]) = mean(min(p, 1 - 1e-7))', 'fold.loss').losses[0]!;
    expect(constants(fn)).toContain(0.9999999);
  });

  it('folds infinities written as such: -inf is a constant', () => {
    const fn = check('loss f(x: [N, C], m: bool[N, C]) = mean(max(logsumexp(x, C, where: m, empty: -inf), 0))', 'fold.loss').losses[0]!;
    expect(fn.nodes.some((n) => n.op === 'neg' && fn.nodes[n.args[0]!]!.op === 'const')).toBe(false);
  });
});
