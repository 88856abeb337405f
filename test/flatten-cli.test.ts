// flatten through the CLI as a process (node bin/lossc.js, which runs dist/: `npm run build`
// first): lossc eval of SMP's multiclass Dice against its float64 oracle, the run-time size
// check as a message, and a refusal with file:line:col and its code, never a stack trace.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smpMulticlass } from './flatten-oracle.js';
import { lossc } from './helpers/process.js';

const SOURCE = `loss smp_dice(x: [B, C, H, W], t: index[B, H, W] of C, eps: real in (0, inf) = 1e-7) =
  mean(if present then 1 - score else 0)
  where p       = flatten(softmax(x, C), (H, W), S)
        y       = onehot(flatten(t, (H, W), S))
        score   = 2 * sum(p * y, (B, S)) / max(sum(p + y, (B, S)), eps)
        present = sum(y, (B, S)) > 0

loss weighted(x: [B, C, H, W], w: [S]) = sum(flatten(x, (W, C), S) * w)
`;

let dir = '';
beforeAll(() => {
  expect(existsSync('dist/src/cli/main.js'), 'run `npm run build` first (npm test does)').toBe(true);
  dir = mkdtempSync(join(tmpdir(), 'lossc-flatten-cli-'));
  writeFileSync(join(dir, 'seg.loss'), SOURCE);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// [B, C, H, W] = [2, 3, 2, 2] logits and [B, H, W] targets with class 2 absent.
const X = Array.from({ length: 24 }, (_, k) => Math.round(100 * Math.sin(1.7 * k + 0.3)) / 50);
const T = [0, 1, 1, 0, 1, 1, 0, 0];
const nest = (data: readonly number[], shape: readonly number[]): unknown =>
  shape.length === 1 ? [...data] : Array.from({ length: shape[0]! }, (_, k) => nest(data.slice((k * data.length) / shape[0]!, ((k + 1) * data.length) / shape[0]!), shape.slice(1)));

describe.concurrent('lossc with flatten', () => {
  it('eval: SMP multiclass Dice = its float64 oracle, gradients reported', async () => {
    writeFileSync(join(dir, 'dice.json'), JSON.stringify({ x: nest(X, [2, 3, 2, 2]), t: nest(T, [2, 2, 2]) }));
    const r = await lossc(['eval', join(dir, 'seg.loss'), '--loss', 'smp_dice', '--inputs', join(dir, 'dice.json'), '--json', '--grad', '--backend', 'cpu']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { loss: number; grads: Record<string, unknown> };
    const want = smpMulticlass({ shape: [2, 3, 2, 2], data: Float64Array.from(X) }, { shape: [2, 2, 2], data: Float64Array.from(T) }, 0, 1e-7);
    expect(Math.abs(out.loss - want)).toBeLessThan(1e-6);
    expect((out.grads.x as number[][][][]).flat(3)).toHaveLength(24);
  });

  it('eval: a merged dim an input has at another size is a clear message naming both', async () => {
    writeFileSync(join(dir, 'weighted.json'), JSON.stringify({ x: nest(X, [2, 3, 2, 2]), w: [1, 2, 3, 4, 5] }));
    const r = await lossc(['eval', join(dir, 'seg.loss'), '--loss', 'weighted', '--inputs', join(dir, 'weighted.json'), '--backend', 'cpu']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("weighted: dimension S is W·C = 6, but 'w' gives 5");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('check: a repeated axis is E4030 at its file:line:col', async () => {
    writeFileSync(join(dir, 'bad.loss'), 'loss f(x: [B, H, W]) =\n  mean(flatten(x, (H, H), S))\n');
    const r = await lossc(['check', join(dir, 'bad.loss')]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`${join(dir, 'bad.loss')}:2:23: error E4030: flatten lists axis H twice: each axis is merged once`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
