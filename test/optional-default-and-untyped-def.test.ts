// Issue 17, item 10, two of the smaller refusals. An optional input defaulting to another input
// (`y_hat: [N] = x`) is that input's tensor when left out; one that cannot be (another shape,
// a later input) is refused at the default (E5023, E5024). An untyped def's body names dims of its caller: the documented
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
  // Every reader of such a default is tested in test/optional-input-default.test.ts.
  it('is the tensor given for that input when left out', async () => {
    const r = await evaluate('loss g(y: [A, B], y_hat: [A, B] = y) = mean((y - y_hat)^2) + mean(y_hat)', 'o.loss', { loss: 'g', inputs: { y: Y }, backend: 'cpu' });
    expect(r.diagnostics?.filter((d) => d.severity === 'error') ?? []).toEqual([]);
    expect(r.loss).toBe(3.5);
  });
  it('of another shape or element type, or a later input, is refused at the default', () => {
    expect(errors('loss f(x: [N], c: [C], y_hat: [C] = x) = mean(x) + mean(c * y_hat)')).toEqual([
      "o.loss:1:37: error E5023: optional input 'y_hat' cannot default to 'x': 'x' has shape [N], and 'y_hat' [C]: they must be the same dims",
    ]);
    expect(errors('loss f(x: [N, C], t: index[N] of C = x) = mean(x)')).toEqual([
      "o.loss:1:38: error E5023: optional input 't' cannot default to 'x': 'x' has shape [N, C], and 't' [N]: they must be the same dims",
    ]);
    expect(errors('loss f(x: [N], y: [N] = z, z: [N] = x) = mean(x * y * z)')).toEqual([
      "o.loss:1:25: error E5024: optional input 'y' cannot default to 'z': 'z' is declared after it; a default may name only an input declared before it",
    ]);
  });
  it('a constant default and a hyperparameter default by name keep their own messages', () => {
    expect(errors('loss f(x: [N], w: [N] = 1) = mean(w * x)')).toEqual([]);
    expect(errors('loss f(x: [N], w: [N] = 1 + x) = mean(w * x)')).toEqual(["o.loss:1:25: error E5003: the default of tensor parameter 'w' must be a constant number, which fills it, or an input declared before it"]);
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
