// The runnable examples, on small data: they train with the compiled stdlib modules, which
// are compiled here first, through the CLI as README tells a user to: the three modules they
// import (regression, metric, multitask), not all seven, the largest of which (segmentation,
// classification) cost most of a stdlib compile. test/cli.test.ts compiles the whole stdlib
// and type-checks the examples against it.
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';

beforeAll(() => {
  const modules = ['metric', 'multitask', 'regression'].map((m) => `stdlib/${m}.loss`);
  const r = spawnSync(process.execPath, ['bin/lossc.js', 'compile', ...modules, '--out', 'build/stdlib'], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
}, 120_000);

describe('examples', () => {
  it('regression-curves: MSE is pulled up by the outliers, MAE and Huber fit the clean line', async () => {
    const { run } = await import('../examples/regression-curves.js');
    const runs = await run({ epochs: 200 });
    for (const r of Object.values(runs)) {
      expect(r.curve[r.curve.length - 1]!).toBeLessThan(r.curve[0]! / 2);
      expect(r.slope).toBeCloseTo(3, 1);
    }
    // Every tenth target sits 15 above the line: least squares shifts the intercept by ~1.5.
    expect(runs.mse.intercept).toBeGreaterThan(3.2);
    expect(Math.abs(runs.mae.intercept - 2)).toBeLessThan(0.15);
    expect(Math.abs(runs.huber.intercept - 2)).toBeLessThan(0.3);
  }, 120_000);

  it('triplet-embeddings: batch-hard triplet training separates the classes', async () => {
    const { run } = await import('../examples/triplet-embeddings.js');
    const { curve, before, after } = await run({ steps: 150 });
    expect(curve[curve.length - 1]!).toBeLessThan(curve[0]! / 4);
    expect(after).toBeGreaterThanOrEqual(0.95);
    expect(after).toBeGreaterThan(before);
  }, 120_000);

  it('gradnorm: task weights stay normalised, move, and both tasks train', async () => {
    const { run } = await import('../examples/gradnorm.js');
    const { weights, losses } = await run({ steps: 60 });
    for (const w of weights) {
      expect(w[0]! + w[1]!).toBeCloseTo(2, 4);
      expect(Math.min(...w)).toBeGreaterThan(0);
    }
    expect(Math.max(...weights.map((w) => Math.abs(w[0]! - 1)))).toBeGreaterThan(0.05);
    const [first, last] = [losses[0]!, losses[losses.length - 1]!];
    expect(last[0]!).toBeLessThan(first[0]!);
    expect(last[1]!).toBeLessThan(first[1]!);
  }, 120_000);
});
