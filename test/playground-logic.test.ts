// The playground's own computations, without a browser: sample inputs inside their domains,
// the sweep's derivative, the training loop's chain rule, and share links that round-trip.
import { describe, expect, it } from 'vitest';
import { sweep } from '../playground/src/jobs/sweep.js';
import { train } from '../playground/src/jobs/train.js';
import type { EvalRequest, EvalReply, JobControl } from '../playground/src/jobs/types.js';
import type { LossSummary } from '../playground/src/protocol.js';
import { decodeState, encodeState } from '../playground/src/share.js';
import { generateInputs, nest, shapeOf } from '../playground/src/values.js';

const ctl: JobControl = { cancelled: () => false, progress: () => undefined, yieldNow: async () => undefined };
const ref = { text: '', file: 'x.loss', loss: 'l' };

/** mean((pred - target)^2) with its gradients, standing in for `evaluate`. */
async function mse(req: EvalRequest): Promise<EvalReply> {
  const p = req.inputs['pred']!.data;
  const t = req.inputs['target']!.data;
  const n = p.length;
  return {
    value: p.reduce((s, x, i) => s + (x - t[i]!) ** 2, 0) / n,
    grads: { pred: p.map((x, i) => (2 * (x - t[i]!)) / n), target: p.map((x, i) => (-2 * (x - t[i]!)) / n) },
    diagnostics: [],
  };
}

const loss: LossSummary = {
  name: 'l', file: 'x.loss', formula: '', fixedDims: { B: 4 }, hypers: [],
  inputs: [
    { name: 'p', elem: 'real', dims: ['N', 'C'], domain: { kind: 'interval', lo: 0, hi: 1, loClosed: true, hiClosed: true, text: '[0, 1]' }, optional: false },
    { name: 'y', elem: 'real', dims: ['N'], domain: { kind: 'set', values: [0, 1], text: '{0, 1}' }, optional: false },
    { name: 't', elem: 'index', indexOf: 'C', dims: ['N'], optional: false },
    { name: 's', elem: 'real', dims: ['...', 'B'], domain: { kind: 'interval', lo: 0, hi: Infinity, loClosed: false, hiClosed: false, text: '(0, inf)' }, optional: false },
    { name: 'w', elem: 'real', dims: ['C'], optional: true },
  ],
};

describe('playground logic', () => {
  it('fills inputs from declared shapes, inside their domains, the same for the same seed', () => {
    const sizes = { N: '5', C: '3', '...': '2, 2', B: '4' };
    const a = generateInputs(loss, sizes, 7);
    expect(a).toEqual(generateInputs(loss, sizes, 7));
    if (typeof a === 'string') throw new Error(a);
    expect(a['p']!.shape).toEqual([5, 3]);
    expect(a['p']!.data.every((x) => x > 0 && x < 1)).toBe(true);
    expect(a['y']!.data.every((x) => x === 0 || x === 1)).toBe(true);
    expect(a['t']!.data.every((x) => Number.isInteger(x) && x >= 0 && x < 3)).toBe(true);
    expect(a['s']!.shape).toEqual([2, 2, 4]);
    expect(a['s']!.data.every((x) => x > 0)).toBe(true);
    expect(a['w']).toBeUndefined();
    expect(nest({ shape: [2, 2], data: [1, 2, 3, 4] })).toEqual([[1, 2], [3, 4]]);
    expect(shapeOf(loss.inputs[0]!, { N: 'x', C: '3' })).toMatch(/size of N must be a whole number/);
  });

  it('draws labels (an int input with no range) with positives and negatives for every sample from 4 samples on', () => {
    const metric: LossSummary = { name: 'm', file: 'x.loss', formula: '', fixedDims: {}, hypers: [],
      inputs: [{ name: 'e', elem: 'real', dims: ['N', 'D'], optional: false }, { name: 'label', elem: 'int', dims: ['N'], optional: false }] };
    for (const n of [2, 3, 4, 5, 9, 64]) {
      for (const seed of [1, 7, 13]) {
        const g = generateInputs(metric, { N: String(n), D: '3' }, seed);
        if (typeof g === 'string') throw new Error(g);
        const counts = new Map<number, number>();
        for (const l of g['label']!.data) counts.set(l, (counts.get(l) ?? 0) + 1);
        if (n >= 4) expect(Math.min(...counts.values())).toBeGreaterThanOrEqual(2); // a positive for every sample
        if (n >= 3) expect(counts.size).toBeGreaterThanOrEqual(2); // a negative for every sample
        if (n === 2) expect(counts.size).toBe(1); // one positive pair rather than none
        expect(g['label']!.data.every((x) => Number.isInteger(x) && x >= 0)).toBe(true);
      }
    }
  });

  it('sweeps a loss with the derivative of the plotted curve', async () => {
    const inputs = { pred: { shape: [3], data: [0, 0, 0] }, target: { shape: [3], data: [1, 2, 3] } };
    const [curve] = await sweep({ series: [{ label: 'mse', ref, hypers: {}, inputs }], input: 'pred', lo: -2, hi: 2, points: 41 }, mse, ctl);
    // d/dv mean((v - t)^2) = 2 (v - mean t)
    curve!.x.forEach((v, i) => expect(curve!.grad[i]).toBeCloseTo(2 * (v - 2), 10));
  });

  it('sweeps one element with the others held, its derivative that element\'s gradient', async () => {
    const inputs = { pred: { shape: [3], data: [5, 6, 7] }, target: { shape: [3], data: [1, 2, 3] } };
    const [curve] = await sweep({ series: [{ label: 'mse', ref, hypers: {}, inputs }], input: 'pred', lo: -2, hi: 2, points: 5, element: 1 }, mse, ctl);
    // mean((p - t)^2) with p = [5, v, 7]: (16 + (v - 2)^2 + 16) / 3, derivative 2 (v - 2) / 3.
    curve!.x.forEach((v, i) => {
      expect(curve!.loss[i]).toBeCloseTo((32 + (v - 2) ** 2) / 3, 10);
      expect(curve!.grad[i]).toBeCloseTo((2 * (v - 2)) / 3, 10);
    });
    await expect(sweep({ series: [{ label: 'mse', ref, hypers: {}, inputs }], input: 'pred', lo: 0, hi: 1, points: 2, element: 3 }, mse, ctl)).rejects.toThrow(/E7003: .*no element 3 to sweep; it has 3/);
  });

  it('trains a linear model with the loss: the loss falls, the same for every run', async () => {
    const inputs = { pred: { shape: [32], data: new Array<number>(32).fill(0) }, target: { shape: [32], data: new Array<number>(32).fill(0) } };
    const params = { series: [{ label: 'mse', ref, hypers: {}, inputs, train: 'pred', kinds: { target: { elem: 'real' } } }], steps: 60, lr: 0.1, optimizer: 'sgd' as const, seed: 3, outliers: 0 };
    const [curve] = await train(params, mse, ctl);
    expect(curve!.loss).toHaveLength(60);
    expect(curve!.loss.at(-1)!).toBeLessThan(0.1 * curve!.loss[0]!);
    expect((await train(params, mse, ctl))[0]!.loss).toEqual(curve!.loss);
  });

  it('round-trips editor text and settings through a share link', async () => {
    const state = { v: 1, text: 'loss l(x: [N]) = mean(x^2) // ü ∑', settings: { seed: 13, tab: 'ir' } };
    const hash = await encodeState(state);
    expect(hash).toMatch(/^#[zj]=[A-Za-z0-9_-]+$/);
    expect(await decodeState(hash)).toEqual(state);
    expect(await decodeState('#z=not-a-link')).toBeInstanceOf(Error);
    expect(await decodeState('')).toBeUndefined();
  });
});
