// Gradients through guards: the backward share of a branch a select discards, of what a mask
// leaves out, of a class a gather does not pick and of the losing side of a max against a
// constant is exactly 0, never 0 · Infinity = NaN, even where the discarded part's own value
// is -Infinity or NaN (src/grad/derive.ts). And the conventions of src/grad/derivatives.ts
// where the textbook derivative is not finite: a^b at a = 0 with b < 1, logsumexp of a group
// that is all -inf. Each case: the value and every gradient against a float64 oracle written
// here by hand (checked by central finite differences where the loss is smooth), through the
// evaluator (optimized and --no-opt) and the generated module, on wasm and cpu.
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { importModule } from './fuzz/compare.js';
import { check, evaluate } from '../src/api.js';
import { compile } from './helpers/compile-cache.js';
import { initBackend } from '../src/eval/setup.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';
import { fsHost } from '../src/cli/files.js';
import { mulberry32 } from './oracle/tensor.js';

type Values = Record<string, number[] | number[][] | boolean[] | boolean[][]>;
type Grads = Record<string, number[] | number[][]>;

interface Case {
  readonly name: string;
  readonly source: string;
  readonly inputs: Values;
  readonly hypers?: Record<string, number>;
  /** float64, by hand. */
  readonly value: number;
  readonly grads: Grads;
  /** A float64 function of the real inputs whose central differences the gradient must match too. */
  readonly smooth?: (x: Record<string, number[]>) => number;
}

const mean = (xs: number[]): number => xs.reduce((s, v) => s + v, 0) / xs.length;
const focal = (p: number[], g: number): number => mean(p.map((v) => -((1 - v) ** g) * Math.log(v)));
/** d/dp of -(1 - p)^g log p: g (1 - p)^(g-1) log p - (1 - p)^g / p, whose limit at p = 1 is 0 for g > 0. */
const focalGrad = (p: number, g: number, n: number): number => (p === 1 ? 0 : g * (1 - p) ** (g - 1) * Math.log(p) - (1 - p) ** g / p) / n;
const lse = (row: number[]): number => {
  const m = Math.max(...row);
  return m === -Infinity ? -Infinity : m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
};
const softmax = (row: number[]): number[] => row.map((v) => Math.exp(v - lse(row)));

const CASES: readonly Case[] = [
  {
    name: 'sqrt under if x > 0: 0 at x = 0 and x < 0, 1/(2√x)/N elsewhere',
    source: 'loss f(x: [N]) = mean(if x > 0 then sqrt(x) else 0)',
    inputs: { x: [-1, 0, 4, 0.25] },
    value: (2 + 0.5) / 4,
    grads: { x: [0, 0, 1 / (2 * 2) / 4, 1 / (2 * 0.5) / 4] },
  },
  {
    name: 'log under if p > 0: 0 where p = 0 (log(0) = -inf discarded)',
    source: 'loss f(p: [N] in [0, 1]) = mean(if p > 0 then log(p) else 0)',
    inputs: { p: [0, 0.5, 0.25] },
    value: (Math.log(0.5) + Math.log(0.25)) / 3,
    grads: { p: [0, 1 / 0.5 / 3, 1 / 0.25 / 3] },
  },
  {
    name: 'a guarded ratio: 0 for both operands where the denominator is 0',
    source: 'loss f(s: [N], n: [N] in [0, inf)) = mean(if n > 0 then s / n else 0)',
    inputs: { s: [1, 3], n: [0, 2] },
    value: 1.5 / 2,
    grads: { s: [0, 1 / 2 / 2], n: [0, -3 / 4 / 2] },
  },
  {
    name: 'log under a mask: 0 where the mask leaves p = 0 out',
    source: 'loss f(p: [N] in [0, 1]) = mean(log(p), where: p > 0)',
    inputs: { p: [0, 0.5, 0.25] },
    value: (Math.log(0.5) + Math.log(0.25)) / 2,
    grads: { p: [0, 1 / 0.5 / 2, 1 / 0.25 / 2] },
  },
  {
    name: 'sqrt of a clamp against constants: 0 where the clamp holds, even at 0',
    source: 'loss f(x: [N]) = mean(sqrt(min(max(x, 0), 1)))',
    inputs: { x: [-1, 0, 4, 0.25] },
    value: (1 + 0.5) / 4,
    grads: { x: [0, 0, 0, 1 / (2 * 0.5) / 4] },
  },
  {
    name: 'log of the classes a gather does not pick: those are 0 where p is 0',
    source: 'loss f(p: [N, C] in [0, 1], t: index[N] of C) = mean(-log(p)[t])',
    inputs: { p: [[0, 0.5, 0.5], [0.25, 0, 0.75]], t: [1, 2] },
    value: -(Math.log(0.5) + Math.log(0.75)) / 2,
    grads: { p: [[0, -1 / 0.5 / 2, 0], [0, 0, -1 / 0.75 / 2]] },
  },
  {
    name: 'focal factor (1 - p)^0.5 · log p at p = 1: gradient 0, as its limit',
    source: 'loss f(p: [N] in [0, 1], g: real in [0, inf) = 0.5) = mean(-(1 - p)^g * log(p))',
    inputs: { p: [1, 0.5, 0.9] },
    value: focal([1, 0.5, 0.9], 0.5),
    grads: { p: [1, 0.5, 0.9].map((p) => focalGrad(p, 0.5, 3)) },
  },
  {
    name: 'focal factor with g = 0: (1 - p)^0 = 1 at p = 1, gradient -1/p/N',
    source: 'loss f(p: [N] in [0, 1], g: real in [0, inf) = 0.5) = mean(-(1 - p)^g * log(p))',
    inputs: { p: [1, 0.5] },
    hypers: { g: 0 },
    value: focal([1, 0.5], 0),
    grads: { p: [-1 / 2, -1 / 0.5 / 2] },
  },
  {
    name: 'focal factor away from p = 1, against finite differences',
    source: 'loss f(p: [N] in [0, 1], g: real in [0, inf) = 0.5) = mean(-(1 - p)^g * log(p))',
    inputs: { p: [0.999, 0.3, 0.75] },
    hypers: { g: 1.5 },
    value: focal([0.999, 0.3, 0.75], 1.5),
    grads: { p: [0.999, 0.3, 0.75].map((p) => focalGrad(p, 1.5, 3)) },
    smooth: (x) => focal(x.p!, 1.5),
  },
  {
    name: 'logsumexp of a row that is all -inf: value -inf, subgradient 0 there',
    source: 'loss f(x: [N, C]) = sum(logsumexp(x, C))',
    inputs: { x: [[-Infinity, -Infinity], [0, 1]] },
    value: -Infinity,
    grads: { x: [[0, 0], softmax([0, 1])] },
  },
  {
    name: 'logsumexp of an all -inf row, floored by max(…, -10): finite everywhere',
    source: 'loss f(x: [N, C]) = mean(max(logsumexp(x, C), -10))',
    inputs: { x: [[-Infinity, -Infinity], [0, 1]] },
    value: (-10 + lse([0, 1])) / 2,
    grads: { x: [[0, 0], softmax([0, 1]).map((v) => v / 2)] },
  },
  {
    name: 'a masked mean over an empty selection, then a division: 0',
    source: 'loss f(l: [N], w: [N] in [0, inf), m: bool[N]) = if any(m) then mean(l * w, where: m) / mean(w, where: m) else 0',
    inputs: { l: [1, 2], w: [0, 0], m: [false, false] },
    value: 0,
    grads: { l: [0, 0], w: [0, 0] },
  },
  {
    name: 'the same with a selection: the weighted mean and its gradient',
    source: 'loss f(l: [N], w: [N] in [0, inf), m: bool[N]) = if any(m) then mean(l * w, where: m) / mean(w, where: m) else 0',
    inputs: { l: [1, 2, 5], w: [1, 3, 7], m: [true, true, false] },
    value: (1 * 1 + 2 * 3) / 4,
    // d/dl_i = w_i / Σw, d/dw_i = (l_i Σw - Σlw) / (Σw)² over the selected i.
    grads: { l: [1 / 4, 3 / 4, 0], w: [(1 * 4 - 7) / 16, (2 * 4 - 7) / 16, 0] },
    smooth: (x) => (x.l![0]! * x.w![0]! + x.l![1]! * x.w![1]!) / (x.w![0]! + x.w![1]!),
  },
  {
    name: 'log of a softmax under a mask that leaves out an underflowed class: the rest of the row is not poisoned',
    source: 'loss f(x: [N, C], m: bool[N, C]) = sum(log(softmax(x, C)), where: m)',
    inputs: { x: [[0, -200, 1]], m: [[true, false, true]] },
    value: Math.log(softmax([0, -200, 1])[0]!) + Math.log(softmax([0, -200, 1])[2]!),
    // d/dx_k Σ_{c in S} log softmax_c = [k in S] - |S| softmax_k.
    grads: { x: [softmax([0, -200, 1]).map((v, k) => (k === 1 ? 0 : 1) - 2 * v)] },
  },
  {
    name: 'a branch shared with an unguarded use keeps its gradient there',
    source: 'loss f(x: [N] in [0, inf)) = mean((if x > 1 then log(x) else 0) + sqrt(x + 1))',
    inputs: { x: [0, 4] },
    value: (1 + Math.log(4) + Math.sqrt(5)) / 2,
    grads: { x: [1 / 2 / 2, (1 / 4 + 1 / (2 * Math.sqrt(5))) / 2] },
  },
];

// ---------------------------------------------------------------------------------------------

const BACKENDS = ['wasm', 'cpu'] as const;

function expectClose(actual: unknown, expected: unknown, what: string): void {
  const a = [actual].flat(3) as number[];
  const e = [expected].flat(3) as number[];
  expect(a.length, what).toBe(e.length);
  a.forEach((v, i) => {
    const x = e[i]!;
    if (x === 0) expect(v === 0, `${what}[${i}]: ${v} is not 0`).toBe(true);
    else if (Number.isNaN(x)) expect(v, `${what}[${i}]`).toBeNaN();
    else if (!Number.isFinite(x)) expect(v, `${what}[${i}]`).toBe(x);
    else expect(Math.abs(v - x), `${what}[${i}]: ${v} vs ${x}`).toBeLessThanOrEqual(2e-6 * Math.max(1, Math.abs(x)));
  });
}

describe.each(CASES)('$name', (c) => {
  it.each(BACKENDS.flatMap((b) => [[b, true], [b, false]] as const))('evaluator on %s (optimized: %s)', async (backend, optimize) => {
    const r = await evaluate(c.source, 'case.loss', { loss: 'f', inputs: c.inputs, ...(c.hypers ? { set: c.hypers } : {}), grad: true, backend, optimize });
    expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d))).toEqual([]);
    expectClose(r.loss, c.value, 'value');
    for (const [name, g] of Object.entries(c.grads)) expectClose(r.grads![name], g, `d/d${name}`);
  });

  it.each(BACKENDS)('generated module on %s', async (backend) => {
    const mod = await moduleOf(c.source);
    await initBackend(backend);
    const names = Object.keys(c.inputs);
    const tensors = names.map((n) => {
      const v = c.inputs[n]!;
      const flat = [v].flat(2);
      return typeof flat[0] === 'boolean' ? tf.tensor(v as boolean[], undefined, 'bool') : Number.isInteger(flat[0]) && n === 't' ? tf.tensor(v as number[], undefined, 'int32') : tf.tensor(v as number[]);
    });
    const real = names.filter((n) => n in c.grads);
    const fixed = new Map(names.map((n, i) => [n, tensors[i]!]));
    const { value, grads } = tf.valueAndGrads((...xs: tf.Tensor[]) => {
      const args = names.map((n) => (real.includes(n) ? xs[real.indexOf(n)]! : fixed.get(n)!));
      return mod.f!(...args, { ...(c.hypers ?? {}), checkValues: false }) as tf.Scalar;
    })(real.map((n) => fixed.get(n)!));
    expectClose(value.dataSync()[0], c.value, 'value');
    real.forEach((n, i) => expectClose(grads[i]!.arraySync(), c.grads[n], `d/d${n}`));
    tf.dispose([value, ...grads, ...tensors]);
  });

  if (c.smooth) {
    it('the oracle gradient is the float64 central difference of the oracle value', () => {
      const x = Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, [...(v as number[])]]));
      expect(c.smooth!(x)).toBeCloseTo(c.value, 12);
      for (const [name, g] of Object.entries(c.grads)) {
        (g as number[]).forEach((expected, i) => {
          const at = x[name]![i]!;
          const h = 1e-6 * Math.max(1, Math.abs(at));
          x[name]![i] = at + h;
          const up = c.smooth!(x);
          x[name]![i] = at - h;
          const down = c.smooth!(x);
          x[name]![i] = at;
          expect((up - down) / (2 * h)).toBeCloseTo(expected, 6);
        });
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------

type Module = Record<string, ((...args: unknown[]) => tf.Tensor) | undefined>;
const modules = new Map<string, Module>();

async function moduleOf(source: string): Promise<Module> {
  const hit = modules.get(source);
  if (hit) return hit;
  const r = await compile(source, 'case.loss');
  expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d))).toEqual([]);
  const mod = await importModule<Module>(r.code!, 'grad-guards');
  modules.set(source, mod);
  return mod;
}

afterAll(async () => {
  await initBackend('wasm');
});

// ---------------------------------------------------------------------------------------------
// The checker: no warning for a guard the derived gradient makes safe; the fix it still gives
// works when applied.

describe('stability warnings', () => {
  const stability = (source: string, optimize: boolean): string[] =>
    check(source, 'case.loss', { optimize }).diagnostics.filter((d) => d.code.startsWith('W6')).map((d) => formatDiagnostic(d));

  it.each([
    'loss f(x: [N]) = mean(if x > 0 then sqrt(x) else 0)',
    'loss f(p: [N] in [0, 1]) = mean(if p > 0 then log(p) else 0)',
    'loss f(p: [N] in [0, 1]) = mean(log(p), where: p > 0)',
    'loss f(s: [N], n: [N] in [0, inf)) = mean(if n > 0 then s / n else 0)',
    'loss f(p: [N] in [0, 1], gamma: real in [0, inf) = 0.5) = mean((1 - p)^gamma)',
  ])('none for %s', (source) => {
    expect(stability(source, false)).toEqual([]);
    expect(stability(source, true)).toEqual([]);
  });

  it('a sqrt the condition does not keep from 0 is still reported (x = 0 passes x >= 0)', () => {
    expect(stability('loss f(x: [N]) = mean(if x >= 0 then sqrt(x) else 0)', false).join('\n')).toContain('W6010');
  });

  it('the same guards under tfjs autodiff (a function parameter) are reported', () => {
    const found = stability('loss f(p: [N] in [0, 1], h: fn([N]) -> [N]) = mean(if p > 0 then log(p) else 0) + mean(h(p))', false).join('\n');
    expect(found).toContain('W6012');
    expect(found).toContain('autodiff');
  });

  it.each(BACKENDS)("W6010's fix, applied, gives a finite gradient at 0 and below (%s)", async (backend) => {
    const naive = 'loss f(x: [N] in [0, inf)) = mean(sqrt(x))';
    const [warning] = stability(naive, false);
    const fix = /e\.g\. (sqrt\(max\(x, [0-9e.-]+\)\))/.exec(warning!)?.[1];
    expect(fix, warning).toBeDefined();
    const fixed = naive.replace('sqrt(x)', fix!);
    expect(stability(fixed, false)).toEqual([]);
    // Also with a domain that lets x be negative: max(x, ε) keeps the gradient 0 there.
    const r = await evaluate(fixed.replace(' in [0, inf)', ''), 'case.loss', { loss: 'f', inputs: { x: [-1, 0, 4] }, grad: true, backend });
    expectClose(r.loss, (2 * Math.sqrt(1e-12) + 2) / 3, 'value');
    expectClose(r.grads!.x, [0, 0, 1 / (2 * 2) / 3], 'd/dx');
  });
});

// ---------------------------------------------------------------------------------------------
// PyTorch's gradients at its clamps (torch 1.13, whose values the stdlib matches already):
// torch.nn.functional.binary_cross_entropy(p, y).backward() gives p.grad = (p - y) /
// max(p(1 - p), 1e-12) / N (ATen's binary_cross_entropy_backward, EPSILON = 1e-12), e.g.
// p = [0, 1], y = [1, 0] -> loss 100, p.grad [-4.99999998e11, 4.99999998e11]; p = [1e-40],
// y = [1] -> loss 92.1034088, p.grad [-9.99999996e11]. The oracle below is that formula in
// float64, and the loss -mean(y max(log p, -100) + (1 - y) max(log(1 - p), -100)).
// cross_entropy with every sample weighted 0 (torch: ignore_index on every target) gives
// loss NaN and x.grad all 0 in torch 1.13; lossc gives the same.

const f32 = Math.fround;
const bceValue = (p: number[], y: number[]): number =>
  mean(p.map((v, i) => -(y[i]! * Math.max(Math.log(f32(v)), -100) + (1 - y[i]!) * Math.max(Math.log(1 - f32(v)), -100))));
const bceGradP = (p: number[], y: number[]): number[] => p.map((v, i) => (f32(v) - y[i]!) / Math.max(f32(v) * (1 - f32(v)), 1e-12) / p.length);
/** Along y the floored logs' derivative: (max(log(1 - p), -100) - max(log p, -100)) / N. */
const bceGradY = (p: number[], y: number[]): number[] => p.map((v) => (Math.max(Math.log(1 - f32(v)), -100) - Math.max(Math.log(f32(v)), -100)) / y.length);

describe("stdlib bce and cross_entropy: torch's gradients at the clamps", () => {
  const BCE: readonly { p: number[]; y: number[] }[] = [
    { p: [0, 1], y: [1, 0] },
    { p: [0, 1], y: [1, 1] },
    { p: [1e-40], y: [1] },
    { p: [0, 1], y: [0, 1] },
    { p: [0.3, 0.6, 1e-7], y: [0.2, 1, 1] },
  ];
  let classification: Module;
  const load = async (): Promise<Module> => {
    if (!classification) {
      const r = await compile(readFileSync('stdlib/classification.loss', 'utf8'), 'stdlib/classification.loss', { host: fsHost });
      expect(r.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
      classification = await importModule<Module>(r.code!, 'grad-guards');
    }
    return classification;
  };

  it.each(BACKENDS.flatMap((b) => BCE.map((c) => [b, c] as const)))('bce on %s at %j: value, and gradients finite and equal to torch', async (backend, c) => {
    const m = await load();
    await initBackend(backend);
    const p = tf.tensor(c.p);
    const y = tf.tensor(c.y);
    const { value, grads } = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor) => m.bce!(a, b) as tf.Scalar)([p, y]);
    expectClose(value.dataSync()[0], bceValue(c.p, c.y), 'value');
    expectClose([...grads[0]!.dataSync()], bceGradP(c.p, c.y), 'd/dp');
    expectClose([...grads[1]!.dataSync()], bceGradY(c.p, c.y), 'd/dy');
    tf.dispose([p, y, value, ...grads]);
    const r = await evaluate(readFileSync('stdlib/classification.loss', 'utf8'), 'stdlib/classification.loss', { loss: 'bce', host: fsHost, inputs: { p: c.p, y: c.y }, grad: true, backend });
    expectClose(r.loss, bceValue(c.p, c.y), 'evaluator value');
    expectClose(r.grads!.p, bceGradP(c.p, c.y), 'evaluator d/dp');
  });

  it.each(BACKENDS)('cross_entropy on %s with every sample weighted 0: NaN, gradient 0; one weighted: its own', async (backend) => {
    const m = await load();
    await initBackend(backend);
    const rows = [[1, 2, 3], [0.5, 0.1, -1]];
    const x = tf.tensor(rows);
    const t = tf.tensor([0, 2], undefined, 'int32');
    for (const weights of [[0, 0], [1, 0]]) {
      const w = tf.tensor(weights);
      const { value, grads } = tf.valueAndGrads((a: tf.Tensor) => m.cross_entropy!(a, t, { weights: w }) as tf.Scalar)([x]);
      const sm = softmax(rows[0]!);
      expectClose(value.dataSync()[0], weights[0] === 0 ? NaN : -Math.log(sm[0]!), 'value');
      expectClose(grads[0]!.arraySync(), weights[0] === 0 ? [[0, 0, 0], [0, 0, 0]] : [[sm[0]! - 1, sm[1]!, sm[2]!], [0, 0, 0]], 'd/dx');
      tf.dispose([w, value, ...grads]);
    }
    tf.dispose([x, t]);
  });
});

describe('under tfjs autodiff (a function parameter), the fixes W6011 and W6012 give work', () => {
  const naive = {
    W6012: 'loss f(p: [N] in [0, 1], h: fn([N]) -> [N]) = mean(if p > 0 then log(p) else 0) + mean(h(p))',
    W6011: 'loss f(p: [N] in [0, 1], h: fn([N]) -> [N], gamma: real in [0, inf) = 0.5) = mean((1 - p)^gamma) + mean(h(p))',
  } as const;
  /** The first "e.g." edit of the fix note, applied to the source. */
  const applyFix = (source: string, code: string): string => {
    const line = check(source, 'case.loss', { optimize: false }).diagnostics.map((d) => formatDiagnostic(d)).find((l) => l.includes(code));
    expect(line).toBeDefined();
    if (code === 'W6012') {
      const fixed = /guard the argument, not the result: (log\(max\(p, [0-9e.-]+\)\))/.exec(line!)?.[1];
      expect(fixed, line).toBeDefined();
      return source.replace('then log(p)', `then ${fixed}`);
    }
    const fixed = /e\.g\. (max\(1 - p, [0-9e.-]+\)\^gamma)/.exec(line!)?.[1];
    expect(fixed, line).toBeDefined();
    return source.replace('(1 - p)^gamma', fixed!);
  };

  it.each(BACKENDS.flatMap((b) => (['W6011', 'W6012'] as const).map((c) => [b, c] as const)))('on %s: %s', async (backend, code) => {
    const naiveMod = await moduleOf(naive[code]);
    const fixedMod = await moduleOf(applyFix(naive[code], code));
    await initBackend(backend);
    const p = tf.tensor([0, 1, 0.25]);
    const h = (x: tf.Tensor): tf.Tensor => tf.mul(x, 2);
    const grad = (mod: Module): number[] => {
      const g = tf.grad((q: tf.Tensor) => mod.f!(q, h, { checkValues: false }) as tf.Scalar)(p);
      const out = [...g.dataSync()];
      g.dispose();
      return out;
    };
    // The naive form is what the warning says: NaN or Infinity somewhere.
    expect(grad(naiveMod).every(Number.isFinite)).toBe(false);
    const fixed = grad(fixedMod);
    // d/dp of mean(h(p)) = 2/3 everywhere; the guarded/floored term adds 1/(p N) at p = 0.25 (log),
    // or -γ(1 - p)^(γ-1)/N at p < 1 and 0 where the max holds (the power).
    const expected = code === 'W6012' ? [2 / 3, 2 / 3 + 1 / 3, 2 / 3 + 4 / 3] : [2 / 3 - 0.5 / 3, 2 / 3, 2 / 3 - (0.5 * 0.75 ** -0.5) / 3];
    expectClose(fixed, expected, `d/dp of ${code}'s fix`);
    p.dispose();
  });
});

// ---------------------------------------------------------------------------------------------
// Random guarded programs: `if x > c then A(x) else B(x)` and `mean(A(x), where: x > c)`, A and
// B compositions of ops whose value or derivative is non-finite somewhere (log, sqrt, 1/u,
// u^0.5, exp), at points that put the discarded part where it is -inf, NaN or Infinity. The
// gradient must be finite wherever the taken part's is, and equal the float64 central
// difference of the same formula written in JavaScript.

interface Piece {
  readonly text: (u: string) => string;
  readonly f: (u: number) => number;
}
const PIECES: readonly Piece[] = [
  { text: (u) => `log(${u})`, f: Math.log },
  { text: (u) => `sqrt(${u})`, f: Math.sqrt },
  { text: (u) => `1 / (${u})`, f: (u) => 1 / u },
  { text: (u) => `(${u})^0.5`, f: (u) => u ** 0.5 },
  { text: (u) => `exp(${u})`, f: Math.exp },
  { text: (u) => `(1 - ${u})`, f: (u) => 1 - u },
  { text: (u) => `(${u} + 1)`, f: (u) => u + 1 },
  { text: (u) => `square(${u})`, f: (u) => u * u },
];

describe('random guarded programs against float64 central differences', () => {
  const rng = mulberry32(16);
  const programs = Array.from({ length: 24 }, (_, k) => {
    const chain = (): Piece[] => Array.from({ length: 1 + rng.int(2) }, () => PIECES[rng.int(PIECES.length)]!);
    const [a, b] = [chain(), chain()];
    const c = [-0.5, 0, 0.5, 1][rng.int(4)]!;
    const text = (ps: Piece[]): string => ps.reduce((u, p) => p.text(u), 'x');
    const f = (ps: Piece[]) => (x: number): number => ps.reduce((u, p) => p.f(u), x);
    const masked = k % 3 === 2;
    const source = masked
      ? `loss f(x: [N]) = mean(${text(a)}, where: x > ${c}, empty: 0)`
      : `loss f(x: [N]) = mean(if x > ${c} then ${text(a)} else ${text(b)})`;
    const term = (x: number): number => (x > c ? f(a)(x) : masked ? 0 : f(b)(x));
    return { source, c, masked, term };
  });
  const POINTS = [-2, -1, -0.5, 0, 0.25, 0.5, 1, 2];

  it.each(programs.map((p) => [p.source, p] as const))('%s', async (_source, p) => {
    const xs = POINTS.filter((x) => Math.abs(x - p.c) > 1e-3);
    const r = await evaluate(p.source, 'case.loss', { loss: 'f', inputs: { x: xs }, grad: true, backend: 'cpu', optimize: false });
    expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d))).toEqual([]);
    const n = p.masked ? xs.filter((x) => x > p.c).length : xs.length;
    const grads = r.grads!.x as number[];
    xs.forEach((x, i) => {
      const h = 1e-6;
      const fd = (p.term(x + h) - p.term(x - h)) / (2 * h) / n;
      const taken = p.term(x);
      // Only where the taken part and its derivative are finite and modest (float32 evaluation).
      if (!Number.isFinite(taken) || !Number.isFinite(fd) || Math.abs(taken) > 1e6 || Math.abs(fd) > 1e6) return;
      expect(Number.isFinite(grads[i]), `${p.source} at x = ${x}: ${grads[i]}`).toBe(true);
      expect(Math.abs(grads[i]! - fd), `${p.source} at x = ${x}: ${grads[i]} vs ${fd}`).toBeLessThanOrEqual(1e-3 * Math.max(1, Math.abs(fd)));
    });
  });
});
