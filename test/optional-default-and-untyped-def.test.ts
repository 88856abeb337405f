// Issue 17, item 10, two of the smaller refusals. An optional input defaulting to another input
// (`y_hat: [N] = x`) is not in the language: E5023 says so at the default, instead of E5003's
// "must be a constant number". An untyped def's body names dims of its caller: the documented
// rule (docs/language.md, Helper definitions) is that a name means the caller's axis of that
// name, wherever it is, and a caller without one is refused (E4003), never another axis.
import { describe, expect, it } from 'vitest';
import { check, evaluate } from '../src/api.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';

const errors = (source: string): string[] => check(source, 'o.loss').diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d).split('\n')[0]!);

// y = [[1, 2, 3], [4, 5, 6]]: sums over the first axis [5, 7, 9] (mean 7), over the last [6, 15] (mean 10.5).
const Y = [[1, 2, 3], [4, 5, 6]];
const value = async (source: string): Promise<number> => {
  const r = await evaluate(source, 'o.loss', { loss: 'g', inputs: { y: Y }, backend: 'cpu' });
  expect(r.diagnostics?.filter((d) => d.severity === 'error') ?? []).toEqual([]);
  return r.loss as number;
};

describe('an optional input defaulting to another input', () => {
  it('is refused at the default with E5023, naming both inputs', () => {
    expect(errors('loss f(x: [N], y_hat: [N] = x) = mean((x - y_hat)^2)')).toEqual([
      "o.loss:1:29: error E5023: optional input 'y_hat' cannot default to 'x': its default is a constant number that fills it; pass 'x' for 'y_hat' too (the caller may pass one tensor twice)",
    ]);
    expect(errors('loss f(x: [N, C], t: index[N] of C = x) = mean(x)')).toEqual([
      "o.loss:1:38: error E5023: optional input 't' cannot default to 'x': its default is a constant number that fills it; pass 'x' for 't' too (the caller may pass one tensor twice)",
    ]);
  });
  it('a constant default and a hyperparameter default by name keep their own messages', () => {
    expect(errors('loss f(x: [N], w: [N] = 1) = mean(w * x)')).toEqual([]);
    expect(errors('loss f(x: [N], w: [N] = 1 + x) = mean(w * x)')).toEqual(["o.loss:1:25: error E5003: the default of tensor parameter 'w' must be a constant number, which fills it"]);
  });
});

describe('an untyped def reduces over its caller\'s axis of the name it writes', () => {
  it('the caller\'s D, last or first', async () => {
    expect(await value('def f(x) = sum(x, D)\nloss g(y: [N, D]) = mean(f(y))')).toBe(10.5);
    expect(await value('def f(x) = sum(x, D)\nloss g(y: [D, K]) = mean(f(y))')).toBe(7);
  });
  it('a caller without that name is refused, not reduced over another axis', () => {
    expect(errors('def f(x) = sum(x, D)\nloss g(y: [N, K]) = mean(f(y))')).toEqual(['o.loss:1:19: error E4003: sum: the operand has no axis D (its axes are [N, K])']);
  });
  it('a pattern dim no caller names is the last axis, whatever the caller calls it', async () => {
    expect(await value('def f(x: [..., Last]) = sum(x, Last)\nloss g(y: [D, K]) = mean(f(y))')).toBe(10.5);
    expect(await value('def f(x: [..., Last]) = sum(x, Last)\nloss g(y: [N, D]) = mean(f(y))')).toBe(10.5);
  });
});

describe('gradients with an optional input left out', () => {
  it("evaluate's grad: true differentiates the inputs given, not the one its default fills", async () => {
    // d/dx mean(x · w) with w = 2 filled: 2/N each; no gradient for w, which is not given.
    const r = await evaluate('loss f(x: [N], w: [N] = 2) = mean(x * w)', 'o.loss', { loss: 'f', inputs: { x: [1, -1, 3, 0.5] }, grad: true, backend: 'cpu' });
    expect(r.diagnostics?.filter((d) => d.severity === 'error') ?? []).toEqual([]);
    expect(r.loss).toBeCloseTo(3.5 * 2 / 4, 6);
    expect(Object.keys(r.grads ?? {})).toEqual(['x']);
    expect(r.grads!.x).toEqual([0.5, 0.5, 0.5, 0.5]);
  });
});
