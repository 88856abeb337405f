// The sampled check (`lossc check --sample`) on losses over a ragged list: the elements it
// draws (one K, the named dims shared, '...' dims as many as the loss's own but of their own
// sizes), that it evaluates MONAI's deep supervision loss on them (values and gradients), and
// that it finds a pole planted in one element's part, the float64 value there recomputed with
// plain loops and test/oracle/resize.ts.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { check, sampleCheck } from '../src/api.js';
import { fsHost } from '../src/cli/files.js';
import { main, type Io } from '../src/cli/main.js';
import type { NestedArray } from '../src/eval/inputs.js';
import { drawSamples } from '../src/sample/sample-draw.js';
import { interpolateNearest } from './oracle/resize.js';
import { fromNested, type Nested } from './oracle/tensor.js';

const SEG = 'stdlib/segmentation.loss';
const shapeOf = (v: NestedArray): number[] => (Array.isArray(v) ? [v.length, ...shapeOf(v[0]!)] : []);
const flat = (v: NestedArray): number[] => (Array.isArray(v) ? v.flatMap(flat) : [Number(v)]);

describe('the elements the sampled check draws', () => {
  it('are K per list, with the named dims of the loss and as many \'...\' dims as its own, of sizes of their own', () => {
    const fn = check(readFileSync(SEG, 'utf8'), SEG, { host: fsHost }).losses.find((l) => l.name === 'monai_deep_supervision')!;
    const samples = drawSamples(fn, 40, 1, { maxMagnitude: 1e4, maxElements: 12 });
    let differ = 0;
    for (const s of samples) {
      const heads = s.lists!.preds!;
      const y = s.inputs.y!.shape;
      expect(s.inputs.preds).toBeUndefined();
      expect(heads.length).toBeGreaterThan(0);
      // [B, C, ...]: B and C those of y, the rank y's, each element at most 12 values.
      for (const h of heads) {
        expect(h.shape.slice(0, 2)).toEqual(y.slice(0, 2));
        expect(h.shape.length).toBe(y.length);
        expect(h.data.length).toBe(h.shape.reduce((a, b) => a * b, 1));
        expect(h.data.length).toBeLessThanOrEqual(12);
      }
      expect(y.length).toBeGreaterThan(2);
      if (new Set(heads.map((h) => h.shape.join())).size > 1) differ++;
    }
    expect(differ).toBeGreaterThan(10);
    // Reproducible from the seed.
    expect(drawSamples(fn, 40, 1, { maxMagnitude: 1e4, maxElements: 12 })).toEqual(samples);
  });
});

describe('sampling a loss over a ragged list', () => {
  it('evaluates monai_deep_supervision at heads of several sizes, loss and gradients, float32 against float64', async () => {
    const r = await sampleCheck(readFileSync(SEG, 'utf8'), SEG, { host: fsHost, samples: 12, losses: ['monai_deep_supervision'], backend: 'cpu' });
    expect(r.diagnostics).toEqual([]);
    const [rep] = r.reports;
    expect(rep!.skipped).toBeUndefined();
    expect(rep!.failures).toBe(0);
    expect(rep!.samples).toBe(12);
    expect(rep!.nonFinite).toEqual({ loss: 0, grad: 0 });
    // Gradients were measured against finite differences (not only counted), within a few bits.
    expect(rep!.gradBits.mean).toBeGreaterThan(0);
    expect(rep!.gradBits.max).toBeLessThan(8);
    expect(rep!.lossBits.max).toBeLessThan(8);
    const heads = rep!.worst!.inputs.preds as NestedArray[];
    expect(heads.map(shapeOf).every((s) => s.length === shapeOf(rep!.worst!.inputs.y!).length)).toBe(true);
  }, 120_000);

  // p = 0 somewhere where the resized target is 0 too: 0 · log 0 is NaN in float32 and float64.
  const POLE = `loss pole(p: list[K] of ragged [B, ...] in [0, 1], y: [B, ...] in [0, 1]) = sum(l)
  where l[k] = mean(-resize(y, like: p[k]) * log(p[k]))
`;

  /** The loss in float64 with plain loops: Σ_k mean over b and positions of -resize(y)·log p. */
  function poleOracle(p: readonly Nested[], y: Nested): number {
    const yt = fromNested(y);
    return p.reduce<number>((acc, e) => {
      const pt = fromNested(e);
      const ry = interpolateNearest({ shape: [1, ...yt.shape], data: yt.data }, pt.shape.slice(1), 'nearest-exact').data;
      let s = 0;
      pt.data.forEach((v, i) => (s += -ry[i]! * Math.log(v)));
      return acc + s / pt.data.length;
    }, 0);
  }

  it('finds a pole planted in the per-element part, and reports an input that reaches it', async () => {
    const r = await sampleCheck(POLE, 'pole.loss', { samples: 24, seed: 3, backend: 'cpu' });
    const [rep] = r.reports;
    expect(rep!.skipped).toBeUndefined();
    expect(rep!.failures).toBe(0);
    expect(rep!.nonFinite.loss).toBeGreaterThan(0);
    expect(r.diagnostics.filter((d) => d.code === 'W6020').map((d) => d.message)).toEqual([
      "loss 'pole' gave a non-finite loss and gradient in float32 at 17 of 24 sampled inputs from its declared domains, e.g. p = [[[0, 0, 0]], [[0, 0, 0]], [[0, 0]]], y = [[0, 0, 0]]",
    ]);
    const w = rep!.worst!;
    expect(Number.isNaN(poleOracle(w.inputs.p as Nested[], w.inputs.y as Nested))).toBe(true);
    expect(flat(w.inputs.p!)).toContain(0);
    // Away from 0 the oracle is finite, and the loss is not flagged: the pole is the only cause.
    const safe = POLE.replace('log(p[k])', 'log(p[k] + 1)');
    const fine = await sampleCheck(safe, 'pole.loss', { samples: 24, seed: 3, backend: 'cpu' });
    expect(fine.reports[0]!.nonFinite).toEqual({ loss: 0, grad: 0 });
    expect(fine.diagnostics.filter((d) => d.code === 'W6020')).toEqual([]);
  }, 120_000);

  it('lossc check --sample prints the ragged loss\'s sampled line and its W6020', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lossc-ragged-sample-'));
    writeFileSync(join(dir, 'pole.loss'), POLE);
    let out = '';
    let err = '';
    const io: Io = { out: (t) => void (out += `${t}\n`), err: (t) => void (err += `${t}\n`) };
    const code = await main(['check', join(dir, 'pole.loss'), '--sample', '8'], io);
    expect(code).toBe(0);
    expect(out).toMatch(/pole\.loss: pole: 8 samples, non-finite loss at [1-8], gradient at [1-8], error in bits/m);
    expect(out).not.toMatch(/not sampled/);
    expect(err).toMatch(/W6020/);
  }, 120_000);
});
