// Deep supervision over heads of one shape, written two ways: a list input (`preds: list[K] of
// [N, C]`, the caller passes an array; test/list-type.test.ts covers lists in depth) and the
// tensor the caller stacks itself (`preds: [K, N, C]`). Both are checked here against a
// float64 oracle written from the definition, the weighted mean over heads of each head's mean
// cross-entropy, and its gradient; and against each other.
import { describe, expect, it } from 'vitest';
import { evaluate } from '../src/api.js';

const SOURCE = `loss deep_ce(preds: [K, N, C], t: index[N] of C, w: [K] in [0, inf) = 1) =
  sum(w * per_head) / sum(w)
  where per_head = mean(-log_softmax(preds, C)[t], N)
`;
const LIST = SOURCE.replace('preds: [K, N, C]', 'preds: list[K] of [N, C]');
const PREDS = [[[0.5, -1, 2], [0.1, 0.2, 0.3]], [[1.5, 0, -0.5], [-2, 1, 0.25]]];
const T = [0, 2];
const W = [0.25, 1];

function oracle(preds: number[][][], w: number[]): number {
  const perHead = preds.map((head) => head.reduce((acc, row, n) => {
    const lse = Math.log(row.reduce((a, v) => a + Math.exp(v), 0));
    return acc - (row[T[n]!]! - lse);
  }, 0) / head.length);
  return perHead.reduce((a, l, k) => a + w[k]! * l, 0) / w.reduce((a, b) => a + b, 0);
}

describe('deep supervision over heads of one shape, stacked', () => {
  it('is the weighted mean of the heads\' cross-entropies, with the gradient of the oracle', async () => {
    const r = await evaluate(SOURCE, 'deep.loss', { loss: 'deep_ce', inputs: { preds: PREDS, t: T, w: W }, grad: true, backend: 'cpu' });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const want = oracle(PREDS, W);
    expect(Math.abs((r.loss as number) - want) / want).toBeLessThan(3e-7);
    const g = r.grads!.preds as number[][][];
    const h = 1e-6;
    PREDS.forEach((head, k) => head.forEach((row, n) => row.forEach((_, c) => {
      const at = (d: number) => PREDS.map((hh, a) => hh.map((rr, b) => rr.map((v, e) => (a === k && b === n && e === c ? v + d : v))));
      const slope = (oracle(at(h), W) - oracle(at(-h), W)) / (2 * h);
      expect(Math.abs(g[k]![n]![c]! - slope), `d/dpreds[${k}][${n}][${c}]`).toBeLessThan(1e-6);
    })));
  });

  it('weights left out are 1: the plain mean over heads', async () => {
    const r = await evaluate(SOURCE, 'deep.loss', { loss: 'deep_ce', inputs: { preds: PREDS, t: T }, backend: 'cpu' });
    expect(Math.abs((r.loss as number) - oracle(PREDS, [1, 1]))).toBeLessThan(1e-6);
  });

  it('a list input gives the stacked tensor\'s value and gradients, element by element', async () => {
    const stacked = await evaluate(SOURCE, 'deep.loss', { loss: 'deep_ce', inputs: { preds: PREDS, t: T, w: W }, grad: true, backend: 'cpu' });
    const listed = await evaluate(LIST, 'deep.loss', { loss: 'deep_ce', inputs: { preds: PREDS, t: T, w: W }, grad: true, backend: 'cpu' });
    expect(listed.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(listed.loss).toBe(stacked.loss);
    expect(listed.grads!.preds).toEqual(stacked.grads!.preds);
  });
});
