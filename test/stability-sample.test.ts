// The sampled float32-vs-float64 check: its measuring pieces (bits of error, finite
// differences) against closed-form values; that it finds a planted instability at the one edge
// where it lives and reports that input; that it tells a naive formula from its stable form;
// that the stdlib has no non-finite loss or gradient anywhere in its declared domains; and
// `lossc check --sample` in-process.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { check, sampleCheck } from '../src/api.js';
import { drawSamples } from '../src/sample/sample-draw.js';
import { main, type Io } from '../src/cli/main.js';
import { fsHost } from '../src/cli/files.js';
import type { NestedArray } from '../src/eval/inputs.js';
import { errorBits } from '../src/sample/error-bits.js';
import { derivative } from '../src/sample/finite-diff.js';
import type { SampleReport } from '../src/sample/sample.js';

const flat = (v: NestedArray): number[] => (Array.isArray(v) ? v.flatMap(flat) : [Number(v)]);

describe('bits of error', () => {
  const ulp1 = 2 ** -23;
  const CASES: readonly [string, number, number, number][] = [
    ['exact', 1, 1, 0],
    ['one float32 ulp at 1', 1 + ulp1, 1, 1],
    ['three ulps', 1 + 3 * ulp1, 1, 2],
    ['NaN for a finite value', NaN, 1, 32],
    ['Infinity for a large finite value', Infinity, 1e39, 32],
    ['the same infinity', -Infinity, -Infinity, 0],
    ['0 for 1e-30: every bit wrong', 0, 1e-30, Math.log2(1 + 1e-30 / 2 ** -123)],
  ];
  for (const [what, approx, exact, bits] of CASES) {
    it(what, () => expect(errorBits(approx, exact)).toBeCloseTo(bits, 6));
  }
  it('measures a gradient element at the scale of its gradient', () => {
    expect(errorBits(1e-8, 0, 1)).toBeCloseTo(Math.log2(1 + 1e-8 / ulp1), 6);
  });
});

describe('finite differences', () => {
  const all = (): boolean => true;
  it('match a closed-form derivative at smooth points', () => {
    for (const x of [0.3, -2, 50, 1e-6]) {
      const d = derivative(Math.sin, x, all)!;
      expect(Math.abs(d.value - Math.cos(x))).toBeLessThan(1e-9);
      expect(d.lo).toBeLessThanOrEqual(Math.cos(x));
      expect(d.hi).toBeGreaterThanOrEqual(Math.cos(x));
    }
  });
  it('use a step relative to x near a singularity (log at 1e-20)', () => {
    const d = derivative(Math.log, 1e-20, (x) => x > 0)!;
    expect(Math.abs(d.value * 1e-20 - 1)).toBeLessThan(1e-6);
  });
  it('stay inside the domain at its edge (sqrt(x) on [0, inf) at x = 1)', () => {
    const d = derivative((x) => (x < 1 ? NaN : Math.sqrt(x - 1) + x), 1.5, (x) => x >= 1)!;
    expect(Math.abs(d.value - (1 + 0.5 / Math.sqrt(0.5)))).toBeLessThan(1e-7);
  });
  it('accept every subgradient at a kink: |x| and relu at 0', () => {
    const a = derivative(Math.abs, 0, all)!;
    expect(a.lo).toBeLessThanOrEqual(-1 + 1e-9);
    expect(a.hi).toBeGreaterThanOrEqual(1 - 1e-9);
    const r = derivative((x) => Math.max(x, 0), 0, all)!;
    expect(r.lo).toBeLessThanOrEqual(1e-9);
    expect(r.hi).toBeGreaterThanOrEqual(1 - 1e-9);
  });
  it('do not take a jump for a slope: the flat side is used, or nothing', () => {
    for (const at of [0, 1e-9]) {
      const d = derivative((x) => (x <= at ? 0 : 1), 0, all)!;
      expect(Math.abs(d.value)).toBe(0);
      expect(d.hi - d.lo).toBeLessThan(1e-6);
    }
    // At a domain edge with a jump on the only side there is to look at: no estimate.
    expect(derivative((x) => (x <= 1e-9 ? 0 : 1), 0, (x) => x >= 0)).toBeUndefined();
  });
});

const PLANTED = `
/// -Infinity only at the lower edge x = -1.
loss edge_value(x: [N] in [-1, 1]) = mean(log(1 + x))
/// A finite loss everywhere in [-1, 1]; its gradient -1/(2 sqrt(1 - x)) is infinite only at x = 1.
loss edge_gradient(x: [N] in [-1, 1], y: [N]) = mean(sqrt(1 - x) + 0.5 * (y - x)^2)
/// The same with the edge excluded from the domain: finite everywhere.
loss edge_excluded(x: [N] in [-1, 1), y: [N]) = mean(sqrt(1 - x) + 0.5 * (y - x)^2)
`;

describe('a planted instability', () => {
  let reports: Map<string, SampleReport>;
  let diagnostics: string[];

  it('is found at the edge where it lives, and that input is reported', async () => {
    const r = await sampleCheck(PLANTED, 'planted.loss', { samples: 24, seed: 3 });
    reports = new Map(r.reports.map((x) => [x.loss, x]));
    diagnostics = r.diagnostics.filter((d) => d.code === 'W6020').map((d) => d.message);
    const value = reports.get('edge_value')!;
    expect(value.nonFinite.loss).toBeGreaterThan(0);
    expect(value.referenceNonFinite).toBeGreaterThan(0);
    expect(flat(value.worst!.inputs.x!)).toContain(-1);
    const grad = reports.get('edge_gradient')!;
    expect(grad.nonFinite.loss).toBe(0);
    expect(grad.nonFinite.grad).toBeGreaterThan(0);
    expect(grad.worst!.what).toBe('d/dx');
    expect(flat(grad.worst!.inputs.x!)).toContain(1);
  }, 60_000);

  it('is reported as a W6020 warning naming the loss and the input', () => {
    expect(diagnostics.some((m) => m.includes("loss 'edge_value'") && m.includes('x = '))).toBe(true);
    expect(diagnostics.some((m) => m.includes("loss 'edge_gradient'") && m.includes('gradient'))).toBe(true);
  });

  it('is gone when the domain excludes that edge', () => {
    const r = reports.get('edge_excluded')!;
    expect(r.nonFinite).toEqual({ loss: 0, grad: 0 });
    expect(r.samples).toBe(24);
    expect(diagnostics.some((m) => m.includes("'edge_excluded'"))).toBe(false);
  });
});

describe('optional inputs in the sampled check', () => {
  // w is drawn from [0.5, 2] and never lands on 1.5 exactly: only its default reaches the pole.
  const src = 'loss pole(x: [N], w: [N] in [0.5, 2] = 1.5) = mean(x / (w - 1.5))\nloss same(x: [N], y: [N] = x) = mean((x - y)^2)\n';
  const draws = (seed: number) => {
    const fn = check(src, 'opt.loss').losses.find((l) => l.name === 'pole')!;
    return drawSamples(fn, 40, seed, { maxMagnitude: 1e4, maxElements: 12 });
  };

  it('leave an optional input out of some random draws, the same ones for a seed, never out of the structured draws', () => {
    const given = draws(7).map((s) => s.inputs.w !== undefined);
    expect(given.slice(0, 6)).toEqual(Array(6).fill(true));
    expect(given.filter((g) => !g).length).toBeGreaterThan(5);
    expect(given.filter((g) => g).length).toBeGreaterThan(11);
    expect(draws(7).map((s) => s.inputs.w !== undefined)).toEqual(given);
    expect(draws(8).map((s) => s.inputs.w !== undefined)).not.toEqual(given);
  });

  it('reach the default path: a pole only the default hits is found, with the input left out of the worst sample', async () => {
    const r = await sampleCheck(src, 'opt.loss', { samples: 24, seed: 3 });
    const pole = r.reports.find((x) => x.loss === 'pole')!;
    expect(pole.failures).toBe(0);
    expect(pole.nonFinite.loss).toBeGreaterThan(0);
    expect(pole.worst!.inputs.w).toBeUndefined();
    // y = x left out: the loss is 0 and its gradient in x too (both uses of x counted).
    const same = r.reports.find((x) => x.loss === 'same')!;
    expect(same.failures).toBe(0);
    expect(same.samples).toBe(24);
    expect(same.nonFinite).toEqual({ loss: 0, grad: 0 });
  }, 60_000);
});

describe('error in bits tells a naive formula from its stable form', () => {
  it('log(1 + x) loses most bits for small x; log1p(x) does not', async () => {
    const src = 'loss naive(x: [N] in [0, 1e-3]) = mean(log(1 + x))\nloss stable(x: [N] in [0, 1e-3]) = mean(log1p(x))\n';
    const r = await sampleCheck(src, 'bits.loss', { samples: 16, seed: 5, optimize: false });
    const [naive, stable] = ['naive', 'stable'].map((n) => r.reports.find((x) => x.loss === n)!);
    expect(naive!.lossBits.max).toBeGreaterThan(16);
    expect(stable!.lossBits.max).toBeLessThan(4);
    expect(stable!.gradBits.max).toBeLessThan(4);
  }, 60_000);

  it('the same seed draws the same inputs', async () => {
    const src = 'loss mse(pred: [...], target: [...]) = mean((pred - target)^2)\n';
    const [a, b] = await Promise.all([1, 1].map((seed) => sampleCheck(src, 'mse.loss', { samples: 8, seed })));
    expect(a!.reports).toEqual(b!.reports);
  }, 60_000);
});

/** Flat values of a nested array input, as the sampler reports it. */
const flatValues = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap((e: unknown) => flatValues(e)) : typeof v === 'number' ? [v] : []);
const allZero = (v: unknown): boolean => v !== undefined && flatValues(v).every((x) => x === 0);

/**
 * Where the peer's own definition is NaN, at the one input that makes it so: torch's class-weighted
 * mean when every kept weight is 0 (0/0), smp's Dice family when `classes` selects no class.
 */
const PEER_NAN: Record<string, (inputs: Record<string, unknown>) => boolean> = {
  cross_entropy: (x) => allZero(x.weight),
  nll: (x) => allZero(x.weight),
  smp_dice: (x) => allZero(x.classes),
  smp_dice_multiclass: (x) => allZero(x.classes),
};

describe('the stdlib', () => {
  it('has no non-finite float32 loss or gradient at inputs drawn from its declared domains', async () => {
    const offenders: string[] = [];
    for (const f of readdirSync('stdlib').filter((x) => x.endsWith('.loss'))) {
      const path = join('stdlib', f);
      const r = await sampleCheck(readFileSync(path, 'utf8'), path, { host: fsHost, samples: 24 });
      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      for (const rep of r.reports) {
        if (rep.skipped) continue;
        if (rep.failures > 0) offenders.push(`${f} ${rep.loss}: ${rep.failures} samples failed: ${rep.failure}`);
        const peerNaN = PEER_NAN[rep.loss]?.((rep.worst?.inputs ?? {}) as unknown as Record<string, unknown>) === true;
        if (rep.nonFinite.loss + rep.nonFinite.grad > 0 && !peerNaN) offenders.push(`${f} ${rep.loss}: non-finite ${rep.worst?.what} at ${JSON.stringify(rep.worst?.inputs)} ${JSON.stringify(rep.worst?.hypers)}`);
      }
    }
    expect(offenders).toEqual([]);
    // monai_deep_supervision is sampled too, its heads one at a time: it adds about half a minute.
  }, 300_000);
});

describe('lossc check --sample', () => {
  const run = async (...argv: string[]): Promise<{ code: number; out: string; err: string }> => {
    let out = '';
    let err = '';
    const io: Io = { out: (t) => void (out += `${t}\n`), err: (t) => void (err += `${t}\n`) };
    const code = await main(argv, io);
    return { code, out, err };
  };

  it('prints one line per loss, and the data with --json', async () => {
    const text = await run('check', 'test/fixtures/stability/regression.loss', '--sample', '6');
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/root_error: 6 samples, non-finite loss at 0, gradient at [1-9]/);
    expect(text.err).toMatch(/W6020/);
    const json = await run('check', 'test/fixtures/stability/regression.loss', '--sample', '6', '--json');
    const data = JSON.parse(json.out) as { diagnostics: { code: string }[]; samples: SampleReport[] };
    expect(data.samples.map((s) => s.loss)).toEqual(['log_cosh_naive', 'l2_distance', 'pairwise_distance', 'root_error']);
    expect(data.diagnostics.some((d) => d.code === 'W6010')).toBe(true);
    expect(data.diagnostics.some((d) => d.code === 'W6020')).toBe(true);
  }, 60_000);

  it('rejects a sample count that is not a positive whole number', async () => {
    const r = await run('check', 'test/fixtures/stability/regression.loss', '--sample', 'many');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--sample/);
  });
});
