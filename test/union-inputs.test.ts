// A target that is class indices or probabilities (issue 17, item 3: MONAI's to_onehot_y) is a
// union input (`y: index[N] of C | [N, C]`, test/union-types.test.ts). The idiom before it, two
// losses over one def, still works: both give the float64 oracle's Dice loss, and the union
// loss gives each of them, whichever form it is called with.
import { describe, expect, it } from 'vitest';
import { evaluate } from '../src/api.js';

const SOURCE = `def dice_core(p: [N, C], y: [N, C]) = 1 - mean(2 * sum(p * y, C) / (sum(p, C) + sum(y, C) + 1e-6))
loss dice_probs(x: [N, C], y: [N, C] in [0, 1]) = dice_core(softmax(x, C), y)
loss dice_indices(x: [N, C], t: index[N] of C) = dice_core(softmax(x, C), onehot(t))
loss dice_either(x: [N, C], y: index[N] of C | [N, C] in [0, 1]) = dice_core(softmax(x, C), y)
`;
const X = [[0.3, -0.2, 1.1], [2, 0.5, -1], [0, 0, 0.4]];
const T = [2, 0, 1];
const ONEHOT = T.map((c) => [0, 1, 2].map((k) => (k === c ? 1 : 0)));

function oracle(y: number[][]): number {
  const rows = X.map((row, n) => {
    const e = row.map(Math.exp);
    const s = e.reduce((a, b) => a + b, 0);
    const p = e.map((v) => v / s);
    const inter = p.reduce((a, pc, c) => a + pc * y[n]![c]!, 0);
    return (2 * inter) / (p.reduce((a, b) => a + b, 0) + y[n]!.reduce((a, b) => a + b, 0) + 1e-6);
  });
  return 1 - rows.reduce((a, b) => a + b, 0) / rows.length;
}

describe('a target of either type: two losses over one def', () => {
  it('class indices and their one-hot encoding give the oracle\'s value, and each other\'s', async () => {
    const byIndex = await evaluate(SOURCE, 'u.loss', { loss: 'dice_indices', inputs: { x: X, t: T }, backend: 'cpu' });
    const byProbs = await evaluate(SOURCE, 'u.loss', { loss: 'dice_probs', inputs: { x: X, y: ONEHOT }, backend: 'cpu' });
    const want = oracle(ONEHOT);
    expect(Math.abs((byIndex.loss as number) - want)).toBeLessThan(1e-6);
    expect(Math.abs((byProbs.loss as number) - (byIndex.loss as number))).toBeLessThan(1e-7);
    const eitherByIndex = await evaluate(SOURCE, 'u.loss', { loss: 'dice_either', inputs: { x: X, y: T }, backend: 'cpu' });
    const eitherByProbs = await evaluate(SOURCE, 'u.loss', { loss: 'dice_either', inputs: { x: X, y: ONEHOT }, backend: 'cpu' });
    expect(eitherByIndex.loss).toBe(byIndex.loss);
    expect(eitherByProbs.loss).toBe(byProbs.loss);
  });

  it('soft labels go to the probabilities entry point', async () => {
    const soft = [[0.1, 0.1, 0.8], [0.7, 0.2, 0.1], [0.2, 0.6, 0.2]];
    const r = await evaluate(SOURCE, 'u.loss', { loss: 'dice_probs', inputs: { x: X, y: soft }, backend: 'cpu' });
    expect(Math.abs((r.loss as number) - oracle(soft))).toBeLessThan(1e-6);
  });
});
