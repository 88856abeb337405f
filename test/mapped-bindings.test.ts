// A binding's left-side index variables map the right-hand side over them: in
// `l[i] = mse(x[i], y[i])` the stdlib's mse, whose mean names no axes, keeps axis i and gives
// one loss per sample. Reductions that name their axes are unchanged; another binding forced
// from inside maps over its own variables only. Values against sums written out here.
import { describe, expect, it } from 'vitest';
import { evaluate } from '../src/api.js';
import { fsHost } from '../src/cli/files.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';

const run = async (text: string, loss: string, inputs: Record<string, unknown>, grad = false) => {
  const r = await evaluate(text, 'stdlib/mapped.loss', { loss, inputs, grad, backend: 'cpu', host: fsHost });
  expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d))).toEqual([]);
  return r;
};

const x = [[1, 2], [3, 5]];
const y = [[0, 0], [0, 1]];

describe('bindings mapped over their index variables', () => {
  it('a stdlib loss per sample: the worst sample\'s mse, and its gradient', async () => {
    const text = 'import { mse } from "./regression"\nloss worst(x: [N, D], y: [N, D]) = max(l, N)\n  where l[i] = mse(x[i], y[i])';
    const r = await run(text, 'worst', { x, y }, true);
    // Per sample: (1 + 4)/2 = 2.5 and (9 + 16)/2 = 12.5; the max is the second.
    expect(r.loss).toBe(12.5);
    expect(r.grads!.x).toEqual([[0, 0], [3, 4]]);
  });

  it('a builtin reduction that names no axes keeps the mapped one; one that names them is unchanged', async () => {
    const text = [
      'loss per_row(x: [N, D]) = sum(m)',
      '  where m[i] = mean(x[i])',
      'loss named(x: [N, D]) = sum(m)',
      '  where m[i] = mean(x[i], D) * count(x[i] > 0, D)',
    ].join('\n');
    expect((await run(text, 'per_row', { x })).loss).toBe(1.5 + 4);
    expect((await run(text, 'named', { x })).loss).toBe(1.5 * 2 + 4 * 2);
  });

  it('a binding forced from inside another maps over its own variables only', async () => {
    // total has no left-side variables: its mean is over everything, though m maps over i.
    const text = 'loss centred(x: [N, D]) = sum(m)\n  where\n    total = mean(x)\n    m[i] = mean(x[i]) - total';
    expect((await run(text, 'centred', { x })).loss).toBeCloseTo(1.5 + 4 - 2 * 2.75, 6);
  });

  it('without a left-side variable the reduction is over all axes, as before', async () => {
    expect((await run('loss f(x: [N, D]) = 2 * l\n  where l = mean(x)', 'f', { x })).loss).toBe(2 * 2.75);
  });
});
