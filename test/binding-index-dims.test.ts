// An index variable that ranges over a dim directly: `keep[c: C] = if c > 0 then 1 else 0`
// makes a value from positions alone, with no tensor indexed first. Values checked against
// sums written out here; refusals with their exact messages.
import { describe, expect, it } from 'vitest';
import { check, evaluate } from '../src/api.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';

const errors = (text: string): string[] => check(text, 'case.loss').diagnostics.map((d) => formatDiagnostic(d));

async function value(text: string, loss: string, inputs: Record<string, unknown>): Promise<number> {
  const r = await evaluate(text, 'case.loss', { loss, inputs, backend: 'cpu' });
  expect(r.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
  return r.loss as number;
}

describe('binding index variables with a declared dim', () => {
  it('a mask of positions: every class but the background (class 0)', async () => {
    const text = 'loss f(v: [C]) = sum(keep[c] * v[c], c)\n  where keep[c: C] = if c > 0 then 1 else 0';
    expect(await value(text, 'f', { v: [10, 2, 3] })).toBe(5);
  });

  it('two variables over one dim: an identity matrix, and position arithmetic', async () => {
    const text = [
      'loss eye(v: [C]) = sum(w * v[d], (c, d))',
      '  where w[c: C, d: C] = if c == d then 1 else 0',
      'loss ramp(v: [C]) = sum(r[c] * v[c], c)',
      '  where r[c: C] = real(c) / real(C)',
    ].join('\n');
    expect(await value(text, 'eye', { v: [1, 2, 4] })).toBe(7);
    // (0·1 + 1·2 + 2·4) / 3
    expect(await value(text, 'ramp', { v: [1, 2, 4] })).toBeCloseTo(10 / 3, 6);
  });

  it('in a def, over one of its shape variables', async () => {
    const text = [
      'def without_first(x: [K]) = sum(m[k] * x[k], k)',
      '  where m[k: K] = if k > 0 then 1 else 0',
      'loss f(v: [C]) = without_first(v)',
    ].join('\n');
    expect(await value(text, 'f', { v: [100, 1, 2] })).toBe(3);
  });

  it('refuses a dim the loss does not have, once', () => {
    expect(errors('loss f(v: [C]) = sum(keep[c] * v[c], c)\n  where keep[c: K] = if c > 0 then 1 else 0')).toEqual([
      "case.loss:2:17: error E2010: unknown dimension 'K': it is not in any parameter's shape",
    ]);
  });

  it('refuses a declared dim the value gives the variable another one of', () => {
    expect(errors('loss f(v: [C], x: [N]) = sum(keep) + mean(v)\n  where keep[n: C] = x')).toEqual([
      "case.loss:2:14: error E4005: index variable 'n' already ranges over C, not N",
    ]);
  });

  it('without a declared dim, says how to declare one', () => {
    expect(errors('loss f(v: [C]) = sum(keep[c] * v[c], c)\n  where keep[c] = if c > 0 then 1 else 0')).toEqual([
      "case.loss:2:22: error E4012: index variable 'c' has no size yet: index a tensor with it (e.g. 'x[c]') before using it as a value, or declare the dim it ranges over on the binding's left side ('keep[c: C] = ...')",
    ]);
  });
});
