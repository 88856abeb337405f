// The reduction modes of tf.losses and Keras beside PyTorch's, and weights, through
// `evaluate` and `lossc eval` (a process): against tf.losses.computeWeightedLoss, which shares
// nothing with the compiler, and the formulas written out.
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '../src/api.js';
import { fsHost } from '../src/cli/files.js';
import { initBackend } from '../src/eval/setup.js';
import { REDUCTION_NAMES } from '../src/ir/reduction.js';

const SOURCE = readFileSync('stdlib/regression.loss', 'utf8');
const pred = [[1, 2, 3, 4], [0, 0, 1, 1], [2, -1, 0, 5]];
const target = [[0, 2, 1, 4], [1, 1, 1, 1], [0, 0, 0, 0]];
// A zero weight: 'mean' divides by 2.5·4, 'sum_by_nonzero_weights' by 8, Keras by 12.
const weights = [[0.5], [2], [0]];

const R = tf.Reduction;
function tfLosses(reduction: tf.Reduction, w?: number[][]): number {
  return tf.tidy(() => tf.losses.meanSquaredError(tf.tensor(target), tf.tensor(pred), w ? tf.tensor(w) : undefined, reduction).dataSync()[0]!);
}

async function lossc(reduction: string, w?: number[][]): Promise<number> {
  const r = await evaluate(SOURCE, 'stdlib/regression.loss', { loss: 'mse', inputs: { pred, target }, reduction: reduction as 'mean', ...(w ? { weights: w } : {}), backend: 'cpu', host: fsHost });
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return r.loss as number;
}

describe('reduction modes and weights (evaluate)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it.each([
    ['mean', R.MEAN],
    ['sum', R.SUM],
    ['sum_by_nonzero_weights', R.SUM_BY_NONZERO_WEIGHTS],
  ] as const)("'%s' = tf.losses, with and without weights", async (mode, reduction) => {
    expect(await lossc(mode)).toBeCloseTo(tfLosses(reduction), 5);
    expect(await lossc(mode, weights)).toBeCloseTo(tfLosses(reduction, weights), 5);
  });

  it("'sum_over_batch_size' is Keras's: Σ w·l over the 12 losses, whatever the weights", async () => {
    const l = pred.flatMap((row, i) => row.map((p, j) => (p - target[i]![j]!) ** 2));
    const wl = l.reduce((s, v, k) => s + weights[Math.floor(k / 4)]![0]! * v, 0);
    expect(await lossc('sum_over_batch_size')).toBeCloseTo(l.reduce((a, b) => a + b, 0) / 12, 5);
    expect(await lossc('sum_over_batch_size', weights)).toBeCloseTo(wl / 12, 5);
  });

  it('every mode is one the generated function accepts', () => {
    expect(REDUCTION_NAMES).toEqual(['mean', 'sum', 'none', 'sum_by_nonzero_weights', 'sum_over_batch_size']);
  });
});

describe('lossc eval --reduction --weights', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lossc-reduction-'));
  writeFileSync(join(dir, 'in.json'), JSON.stringify({ pred, target }));
  writeFileSync(join(dir, 'w.json'), JSON.stringify(weights));
  writeFileSync(join(dir, 'bad.json'), '[[1], [2');
  const run = (...args: string[]) => spawnSync(process.execPath, ['bin/lossc.js', 'eval', 'stdlib/regression.loss', '--loss', 'mse', '--inputs', join(dir, 'in.json'), ...args], { encoding: 'utf8', timeout: 60_000 });

  it('prints the weighted loss', () => {
    const r = run('--reduction', 'sum_by_nonzero_weights', '--weights', join(dir, 'w.json'), '--json');
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).loss).toBeCloseTo(tfLosses(R.SUM_BY_NONZERO_WEIGHTS, weights), 5);
    expect(r.status).toBe(0);
  });

  it('refuses an unknown mode (usage, exit 2) and weights that are not JSON (exit 1)', () => {
    const mode = run('--reduction', 'average');
    expect(mode.stderr).toContain("--reduction must be mean, sum, none, sum_by_nonzero_weights, sum_over_batch_size, not 'average'");
    expect(mode.status).toBe(2);
    const bad = run('--weights', join(dir, 'bad.json'));
    expect(bad.stderr).toMatch(/error E7004: .*bad\.json is not valid JSON/);
    expect(bad.status).toBe(1);
  });
});

describe('a loss without per-sample losses says why it takes no reduction', () => {
  it.each([
    ['loss f(x: [N], m: bool[N]) = max(x, N)', "f: takes no 'reduction' or 'weights' option: it ends in max, not in a mean or sum over every axis"],
  ])('%s', async (text, message) => {
    const r = await evaluate(text, 'case.loss', { loss: 'f', inputs: { x: [1, 2], m: [true, false] }, reduction: 'sum', backend: 'cpu' });
    expect(r.diagnostics.map((d) => d.message)).toEqual([`evaluation failed: ${message}`]);
  });
});
