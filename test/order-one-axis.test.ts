// One axis taken by position from a value with no declared order (W4016): a def's pattern
// `f: [K, ...]` given `y * x` takes K as the first dim the loss declares (N), where the product
// reads as [M, N] and K as M. The two readings give different numbers, so one guessed axis warns
// as two do; an axis that is the only one left, or a value whose order is declared, does not.
import { beforeAll, describe, expect, it } from 'vitest';
import { check, evaluate } from '../src/api.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';
import { initBackend } from '../src/eval/setup.js';

const GUESSED = `def g(f: [K, ...]) = sum(max(f, K))
loss a(x: [N], y: [M]) = g(y * x)
`;
const X = [0.1, 0.2];
const Y = [1, 2, 3];
/** Σ over the other axis of the max over K of y[m] x[n], K read as N or as M (float64 loops). */
function oracle(k: 'N' | 'M'): number {
  let s = 0;
  if (k === 'N') for (const y of Y) s += Math.max(...X.map((x) => y * x));
  else for (const x of X) s += Math.max(...Y.map((y) => y * x));
  return s;
}

beforeAll(async () => {
  await initBackend('cpu');
});

describe('one axis taken by position from a value in the canonical order', () => {
  it('the two readings differ, and the loss computes the canonical one', async () => {
    expect(Math.abs(oracle('N') - oracle('M'))).toBeGreaterThan(0.2);
    const r = await evaluate(GUESSED, 'one.loss', { loss: 'a', inputs: { x: X, y: Y }, backend: 'cpu' });
    expect(Math.abs((r.loss as number) - oracle('N'))).toBeLessThan(1e-6);
  });

  it('warns W4016 at the argument', () => {
    const d = check(GUESSED, 'one.loss').diagnostics.map((x) => formatDiagnostic(x));
    expect(d).toEqual([
      'one.loss:2:28: warning W4016: axes N of [M, N] are taken by position, but no declaration orders them (the value combines several operands): they are taken in the order the loss declares their dims; index the operands themselves instead',
    ]);
  });

  it.each([
    ['the only axis left', 'def g(f: [N, K]) = sum(max(f, K))\nloss a(x: [N], y: [M]) = g(y * x)\n'],
    ['an order declared by a binding', 'def g(f: [K, ...]) = sum(max(f, K))\nloss a(x: [N], y: [M]) = g(p)\n  where p[m, n] = y[m] * x[n]\n'],
    ['an input\'s order', 'def g(f: [K, ...]) = sum(max(f, K))\nloss a(p: [M, N]) = g(p)\n'],
  ])('no warning for %s', (_, source) => {
    expect(check(source, 'one.loss').diagnostics.map((x) => formatDiagnostic(x))).toEqual([]);
  });
});
