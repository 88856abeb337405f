// sin, cos, asinh, atan2, lgamma, digamma and trigamma, the builtins of issue 17 item 7, against
// oracles that share no code with the compiler: mpmath at 40 digits (the table below), torch in
// float64 for the poles and for three peer losses written in the language, and closed forms.
// In float64: the compiler's meaning (src/ir/gamma.ts, Lanczos) and the reference's
// (src/reference/gamma.ts, Taylor series and Stirling). In float32 on cpu and wasm: the module
// helpers (tfjs has no lgamma/digamma kernels), through the evaluator and a generated module,
// values and gradients (derived by the compiler, and tfjs autodiff through the helpers' own).
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { check } from '../src/api.js';
import { compile } from './helpers/compile-cache.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';
import { emitPytorchModule, TORCH_RUNTIME_FILE } from '../src/emit/pytorch.js';
import { valueAndGradsTfjs } from '../src/eval/evaluate.js';
import { initBackend } from '../src/eval/setup.js';
import { differentiate } from '../src/grad/index.js';
import { tetragamma } from '../src/ir/gamma.js';
import type { UnaryOp } from '../src/ir/ops.js';
import { SCALAR_BINARY, SCALAR_UNARY } from '../src/ir/scalar-ops.js';
import type { IrFunction } from '../src/ir/types.js';
import { evaluateReference, gradientsReference, type RefTensor } from '../src/reference/evaluate.js';
import { tetragammaRef } from '../src/reference/gamma.js';
import { HELPER_FUNCTIONS } from '../src/runtime/index.js';
import { TORCH_RUNTIME_SOURCE } from '../src/runtime/python/source.js';
import { importModule } from './fuzz/compare.js';
import { buildIr } from './helpers/ir-fixtures.js';
import { PYTHON, torchMissing } from './helpers/torch.js';

type GammaOp = 'lgamma' | 'digamma' | 'trigamma';
const GAMMA_OPS: readonly GammaOp[] = ['lgamma', 'digamma', 'trigamma'];

// [x, lgamma x, digamma x, trigamma x, tetragamma x], x a float32, by mpmath (mp.dps = 40):
//   [mp.log(abs(mp.gamma(x))), mp.digamma(x), mp.polygamma(1, x), mp.polygamma(2, x)]
const TABLE: readonly (readonly [number, number, number, number, number])[] = [
  [1.0000000031710769e-30, 69.077552786650294, -9.9999999682892316e29, 9.9999999365784633e59, -1.999999980973539e90],
  [9.99999993922529e-9, 18.42068074425768, -1.0000000118496275e8, 1.0000000121549422e16, -2.0000000364648263e24],
  [0.0010000000474974513, 6.9071788378590653, -1000.5755244342832, 1.0000015475382999e6, -1.9999997174129515e9],
  [0.10000000149011612, 2.2527126362016008, -10.423754789263685, 101.4332961677868, -2001.8613679646548],
  [0.5, 0.57236494292470009, -1.9635100260214235, 4.9348022005446793, -16.82879664423432],
  [0.75, 0.20328095143129537, -1.0858608797864722, 2.5418796476716065, -5.3026332163376396],
  [1, 0, -0.57721566490153286, 1.6449340668482264, -2.4041138063191886],
  [1.0000001192092896, -6.8809457642534712e-8, -0.57721546881012848, 1.6449337802555737, -2.4041130321814629],
  [1.25, -0.098271836421813161, -0.22745353337626541, 1.1973291545071107, -1.3277399375369203],
  [1.4616321325302124, -0.12148629053584953, -1.2036052549106669e-8, 0.96767225646193066, -0.88552635725873723],
  [1.5, -0.12078223763524522, 0.036489973978576521, 0.93480220054467931, -0.82879664423432],
  [2, 0, 0.42278433509846714, 0.64493406684822644, -0.40411380631918857],
  [2.000000238418579, 1.0079965877070313e-7, 0.42278448886271949, 0.64493397050000098, -0.40411368855488331],
  [2.5, 0.28468287047291916, 0.70315664064524319, 0.49035775610023486, -0.2362040516417274],
  [3, 0.69314718055994531, 0.92278433509846714, 0.39493406684822644, -0.15411380631918857],
  [5.5, 3.9578139676187163, 1.6110931485817511, 0.19934238698962766, -0.039608947521302043],
  [6, 4.787491742782046, 1.7061176684318005, 0.18132295573711533, -0.032789732245114497],
  [7.25, 7.0521854507385394, 1.910453526883736, 0.14787923315893217, -0.021828952295197739],
  [9.5, 11.689333420797268, 2.1977378764029495, 0.11099728846909903, -0.012307845807709338],
  [10, 12.80182748008147, 2.2517525890667211, 0.10516633568168575, -0.011049834970802067],
  [12.5, 18.734347511936446, 2.485195651274912, 0.08328522460157837, -0.0069324365857882408],
  [25.5, 56.389167643719947, 3.2189424728839198, 0.039994669649562924, -0.0015993605962783073],
  [100, 359.1342053695754, 4.6001618527380874, 0.010050166663333571, -0.00010100499983335],
  [1000, 5905.2204232091812, 6.9072551956488121, 0.0010005001666666333, -1.0010004999998333e-6],
  [1000000, 1.2815504569147612e7, 13.815510057964191, 1.0000005000001667e-6, -1.0000010000005e-12],
  [1.0000000200408773e20, 4.5051702782797422e21, 46.051701879921791, 9.9999997995912306e-21, -9.9999995991824652e-41],
  [-9.99999993922529e-9, 18.420680755801993, 1.0000000003053142e8, 1.0000000121549422e16, 2.0000000364648263e24],
  [-0.25, 1.589575312551186, 2.9141391202135278, 18.541879647671606, 122.69736678366236],
  [-0.5, 1.2655121234846454, 0.036489973978576521, 8.9348022005446793, -0.82879664423432],
  [-1.5, 0.86004701537648101, 0.70315664064524319, 9.3792466449891238, -0.2362040516417274],
  [-2.25, 0.55550154502064747, 4.1585835646579723, 19.379410511869137, 123.89694977406017],
  [-2.75, 0.0044878975359557733, -1.959055264977997, 19.433868949488464, -124.11765305971518],
  [-0.9999999403953552, 16.635532358638602, -1.6777215577215507e7, 2.8147497671065864e14, -9.4447329657392904e21],
  [-2.000000238418579, 14.556090571750004, 4.1943049227836449e6, 1.7592186044418895e13, 1.4757395258967641e20],
  [-7.900000095367432, -8.0720390169412428, -7.5400170698695288, 103.23712200869705, -1998.6795062808123],
  [-30.5, -75.226467981933374, 3.4340305542075627, 9.8373491328206849, -0.0010403121873537829],
  [-100.25, -363.40092322782154, 7.7542389592086454, 19.729283325349363, 124.02500820691771],
  [-1000000.5, -1.2815524147683938e7, 13.815511557963816, 9.8696034010903586, -9.9999800000275e-13],
];
const column = { lgamma: 1, digamma: 2, trigamma: 3, tetragamma: 4 } as const;

// At the poles, the infinities and NaN, as torch 1.13 gives them in float64 (torch.lgamma,
// torch.digamma, torch.polygamma(1, ·)). Where torch's polygamma is not a limit (it gives
// 1.29e15 at -1, from sin of a rounded π), trigamma is +Infinity, its limit from both sides.
const EDGES: readonly (readonly [x: number, lgamma: number, digamma: number, trigamma: number])[] = [
  [0, Infinity, -Infinity, Infinity],
  [-0, Infinity, Infinity, Infinity],
  [-1, Infinity, NaN, Infinity],
  [-2, Infinity, NaN, Infinity],
  [-1e9, Infinity, NaN, Infinity],
  [Infinity, Infinity, Infinity, 0],
  [-Infinity, Infinity, NaN, NaN],
  [NaN, NaN, NaN, NaN],
];

const FLT_MAX = 3.4028234663852886e38;
const ulp32 = (v: number): number => (Math.abs(v) < 2 ** -126 ? 2 ** -149 : 2 ** (Math.floor(Math.log2(Math.abs(v))) - 23));
/** `got` is `want` (or its float32 overflow/underflow) within `ulps` float32 ulps, or `abs`. */
function close32(got: number, want: number, ulps: number, abs = 0): boolean {
  if (Math.abs(want) > FLT_MAX) return got === Math.sign(want) * Infinity;
  return Math.abs(got - want) <= Math.max(ulps * ulp32(want), abs, Math.abs(want) < 2 ** -126 ? 2 ** -126 : 0);
}
const same = (a: number, b: number): boolean => Object.is(a, b) || (a === b && a !== 0) || (Number.isNaN(a) && Number.isNaN(b));

const unaryFn = (op: UnaryOp): IrFunction => buildIr({ name: op, inputs: [{ name: 'x', shape: ['N'] }], body: (b, v) => b.op(op, [v.x!]) });
const vec = (xs: readonly number[]): RefTensor => ({ shape: [xs.length], data: Float64Array.from(xs) });
const reference = (op: UnaryOp, xs: readonly number[]): Float64Array => evaluateReference(unaryFn(op), { x: vec(xs) }, {}).data;

describe('the gamma family in float64: the compiler and the reference against mpmath', () => {
  const xs = TABLE.map((r) => r[0]);
  it.each([...GAMMA_OPS, 'tetragamma'] as const)('%s: within 1e-13 relative (1e-15 absolute at the zeros)', (op) => {
    const ref = op === 'tetragamma' ? Float64Array.from(xs, tetragammaRef) : reference(op, xs);
    const mine = op === 'tetragamma' ? tetragamma : SCALAR_UNARY[op];
    TABLE.forEach((row, i) => {
      const want = row[column[op]];
      const tol = 1e-13 * Math.abs(want) + 1e-15;
      expect(Math.abs(mine(row[0]) - want), `compiler ${op}(${row[0]}) = ${mine(row[0])}, mpmath ${want}`).toBeLessThanOrEqual(tol);
      expect(Math.abs(ref[i]! - want), `reference ${op}(${row[0]}) = ${ref[i]}, mpmath ${want}`).toBeLessThanOrEqual(tol);
    });
  });

  it.each(GAMMA_OPS)('%s at the poles, ±Infinity and NaN, as torch', (op) => {
    const k = GAMMA_OPS.indexOf(op) + 1;
    const ref = reference(op, EDGES.map((e) => e[0]));
    EDGES.forEach((e, i) => {
      expect([e[0], SCALAR_UNARY[op](e[0])], `compiler ${op}`).toEqual([e[0], e[k]]);
      expect([e[0], ref[i]], `reference ${op}`).toEqual([e[0], e[k]]);
    });
  });

  it('atan2 keeps the signs of zeros as torch.atan2 does, and sin, cos, asinh are the float64 functions', () => {
    const cases: [number, number, number][] = [[0, 0, 0], [-0, 0, -0], [0, -0, Math.PI], [-0, -0, -Math.PI], [1, -1, (3 * Math.PI) / 4], [-1e-30, 1, -1e-30], [Infinity, Infinity, Math.PI / 4]];
    const fn = buildIr({ name: 'a2', inputs: [{ name: 'y', shape: ['N'] }, { name: 'x', shape: ['N'] }], body: (b, v) => b.op('atan2', [v.y!, v.x!]) });
    const ref = evaluateReference(fn, { y: vec(cases.map((c) => c[0])), x: vec(cases.map((c) => c[1])) }, {}).data;
    cases.forEach(([y, x, want], i) => {
      expect(same(SCALAR_BINARY.atan2(y, x), want), `compiler atan2(${y}, ${x})`).toBe(true);
      expect(same(ref[i]!, want), `reference atan2(${y}, ${x})`).toBe(true);
    });
    // asinh(x) = log(x + √(x² + 1)) without its overflow: log(2x) + 1/(4x²) for large x.
    expect(SCALAR_UNARY.asinh(1e30)).toBeCloseTo(Math.log(2e30), 12);
    expect(reference('asinh', [1e30, -1e-10])).toEqual(Float64Array.from([Math.asinh(1e30), Math.asinh(-1e-10)]));
  });
});

const BACKENDS = ['cpu', 'wasm'] as const;
const helper = (name: 'sin' | GammaOp | 'tetragamma') => HELPER_FUNCTIONS[name] as (x: tf.Tensor) => tf.Tensor;
const run32 = (f: (x: tf.Tensor) => tf.Tensor, xs: readonly number[]): number[] => tf.tidy(() => Array.from(f(tf.tensor1d(xs as number[])).dataSync()));

describe.each(BACKENDS)('the module helpers in float32 on %s', (backend) => {
  beforeAll(async () => {
    expect(await initBackend(backend)).toBe(backend);
  });

  // Few float32 ulps, except where a method cancels: digamma below 6.5 (its recurrence; near
  // its zero at 1.4616 that is the whole value, as in torch's float32 digamma) and lgamma of a
  // negative x (its reflection; lgamma(-2.75) = 0.0045 is log π - log|sin πx| - lgamma(3.75)).
  const TOL: Record<GammaOp | 'tetragamma', (x: number) => [ulps: number, abs: number]> = {
    lgamma: (x) => [3, x < 0 ? 2.5e-7 : 0],
    digamma: (x) => [6, x < 6.5 ? 4e-7 : 0],
    trigamma: () => [6, 0],
    tetragamma: () => [16, 0],
  };

  it.each([...GAMMA_OPS, 'tetragamma'] as const)('%s: against mpmath over the table', (op) => {
    const before = tf.memory().numTensors;
    const got = run32(helper(op), TABLE.map((r) => r[0]));
    expect(tf.memory().numTensors).toBe(before);
    const wrong = TABLE.flatMap((row, i) => {
      const [ulps, abs] = TOL[op](row[0]);
      return close32(got[i]!, row[column[op]], ulps, abs) ? [] : [`${op}(${row[0]}) = ${got[i]}, mpmath ${row[column[op]]}`];
    });
    expect(wrong).toEqual([]);
  });

  it.each(GAMMA_OPS)('%s at the poles, ±Infinity and NaN, as torch', (op) => {
    const k = GAMMA_OPS.indexOf(op) + 1;
    const got = run32(helper(op), EDGES.map((e) => e[0]));
    expect(EDGES.map((e, i) => [e[0], got[i]])).toEqual(EDGES.map((e) => [e[0], e[k]]));
  });

  it('sin is relatively accurate for tiny x (wasm returns 0 below 1e-15); cos, asinh, atan2 are the kernels', () => {
    const xs = [1e-30, -1e-20, 1e-12, 3e-5, 0.0099, 0.01, 0.5, -2, 10, 100];
    const s = run32(helper('sin'), xs);
    // 2 ulps where the series is used; the kernel's own accuracy beyond (wasm: 4 ulps at 10).
    xs.forEach((x, i) => expect(close32(s[i]!, Math.sin(Math.fround(x)), 2, Math.abs(x) < 0.01 ? 0 : 2 ** -22 * Math.max(1, Math.abs(x))), `sin(${x}) = ${s[i]}`).toBe(true));
    const big = [1e-10, -1e-10, 0.5, 3, 1e5, 1e19, 1e30, -1e30, 3e38];
    const a = run32(tf.asinh, big);
    big.forEach((x, i) => expect(close32(a[i]!, Math.asinh(Math.fround(x)), 4), `asinh(${x}) = ${a[i]}`).toBe(true));
    const c = run32(tf.cos, [0, 1e-20, 1, -3, 100]);
    [0, 1e-20, 1, -3, 100].forEach((x, i) => expect(close32(c[i]!, Math.cos(Math.fround(x)), 8), `cos(${x})`).toBe(true));
    const at = tf.tidy(() => Array.from(tf.atan2(tf.tensor1d([0, -0, 0, -0, 1]), tf.tensor1d([0, 0, -0, -0, -1])).dataSync()));
    expect(at.map((v, i) => same(v, Math.fround([0, -0, Math.PI, -Math.PI, (3 * Math.PI) / 4][i]!)))).toEqual([true, true, true, true, true]);
  });
});

// ---------------------------------------------------------------------------------------
// Through the language: the evaluator and a generated module, values and gradients

const ALL = `
/// Every new builtin at once.
loss all_of(x: [N] in (0, inf), y: [N]) = sum(lgamma(x) + digamma(x) + trigamma(x) + sin(y) * cos(y) + asinh(y) + atan2(y, x))

/// The gamma family between its poles.
loss gammas(x: [N]) = sum(lgamma(x) + digamma(x) + trigamma(x))
`;

const POSITIVE = TABLE.filter((r) => r[0] >= 0.5 && r[0] <= 25.5);
const NEGATIVE = TABLE.filter((r) => r[0] < 0 && r[0] > -200);
const YS = POSITIVE.map((_, i) => Math.fround([-2.5, -1, -1e-3, 0, 0.7, 3, 40][i % 7]!));

/** Values and gradients in float64 from the mpmath table and closed forms. */
function expected(which: 'all_of' | 'gammas'): { value: number; scale: number; dx: number[]; dy?: number[] } {
  const rows = which === 'all_of' ? POSITIVE : NEGATIVE;
  let value = 0;
  let scale = 0;
  const dx: number[] = [];
  const dy: number[] = [];
  rows.forEach((r, i) => {
    const [x, lg, dg, tg, qg] = r;
    value += lg + dg + tg;
    scale += Math.abs(lg) + Math.abs(dg) + Math.abs(tg);
    dx.push(dg + tg + qg);
    if (which === 'all_of') {
      const y = YS[i]!;
      value += Math.sin(y) * Math.cos(y) + Math.asinh(y) + Math.atan2(y, x);
      scale += 10;
      dx[i]! += -y / (x * x + y * y);
      dy.push(Math.cos(2 * y) + 1 / Math.sqrt(1 + y * y) + x / (x * x + y * y));
    }
  });
  return which === 'all_of' ? { value, scale, dx, dy } : { value, scale, dx };
}

describe('the builtins in a loss: reference, evaluator and generated module', () => {
  const checked = check(ALL, 'builtins.loss');
  const fnOf = (name: string): IrFunction => checked.losses.find((l) => l.name === name)!;
  const inputsOf = (which: 'all_of' | 'gammas'): Record<string, number[]> =>
    which === 'all_of' ? { x: POSITIVE.map((r) => r[0]), y: YS } : { x: NEGATIVE.map((r) => r[0]) };
  let mod: Record<string, (...args: unknown[]) => tf.Tensor>;

  beforeAll(async () => {
    const out = await compile(ALL, 'builtins.loss');
    expect(out.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d))).toEqual([]);
    mod = await importModule(out.code!, 'builtins-trig-gamma');
  }, 120_000);

  it.each(['all_of', 'gammas'] as const)('%s: the float64 reference and its derived gradient = mpmath and closed forms', (which) => {
    const fn = differentiate(fnOf(which)).fn!;
    const inputs = Object.fromEntries(Object.entries(inputsOf(which)).map(([k, v]) => [k, vec(v)]));
    const want = expected(which);
    // 1e-9: the table writes ψ″ (trigamma's derivative) as a series with error 3e-10 at 6.
    const near = (got: number, want: number): boolean => Math.abs(got - want) <= 1e-9 * Math.max(1, Math.abs(want));
    expect(near(evaluateReference(fn, inputs, {}).data[0]!, want.value)).toBe(true);
    const g = gradientsReference(fn, inputs, {}).grads;
    want.dx.forEach((d, i) => expect(near(g.x!.data[i]!, d), `d/dx[${i}] = ${g.x!.data[i]}, want ${d}`).toBe(true));
    want.dy?.forEach((d, i) => expect(near(g.y!.data[i]!, d), `d/dy[${i}] = ${g.y!.data[i]}, want ${d}`).toBe(true));
  });

  describe.each(BACKENDS)('on %s', (backend) => {
    beforeAll(async () => {
      expect(await initBackend(backend)).toBe(backend);
    });

    it.each(['all_of', 'gammas'] as const)('%s: derived and autodiff gradients, evaluator = module, = the float64 values in float32', (which) => {
      const raw = inputsOf(which);
      const want = expected(which);
      const tensors = (): Record<string, tf.Tensor> => Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, tf.tensor1d(v)]));
      const wrt = Object.keys(raw);
      const results = [false, true].map((autodiff) => {
        const ts = tensors();
        const { value, grads } = valueAndGradsTfjs(fnOf(which), ts, {}, wrt, { autodiff });
        const out = { value: value.dataSync()[0]!, grads: Object.fromEntries(wrt.map((k) => [k, Array.from(grads[k]!.dataSync())])) };
        tf.dispose([value, ...Object.values(grads), ...Object.values(ts)]);
        return out;
      });
      const ts = tensors();
      const f = mod[which]!;
      const { value, grads } = tf.valueAndGrads((...xs: tf.Tensor[]) => f(...xs) as tf.Scalar)(wrt.map((k) => ts[k]!));
      const fromModule = { value: value.dataSync()[0]!, grads: Object.fromEntries(wrt.map((k, i) => [k, Array.from(grads[i]!.dataSync())])) };
      tf.dispose([value, ...grads, ...Object.values(ts)]);
      // One lowering: the evaluator runs what the module runs.
      expect(fromModule).toEqual(results[0]);
      // A sum of float32 values: a few ulps of the sum of their magnitudes.
      for (const r of results) {
        expect(Math.abs(r.value - want.value), `value ${r.value}, want ${want.value}`).toBeLessThanOrEqual(1e-6 * want.scale);
        want.dx.forEach((d, i) => expect(close32(r.grads.x![i]!, d, 64, 2e-6), `d/dx[${i}] = ${r.grads.x![i]}, want ${d}`).toBe(true));
        want.dy?.forEach((d, i) => expect(close32(r.grads.y![i]!, d, 16, 1e-6), `d/dy[${i}] = ${r.grads.y![i]}, want ${d}`).toBe(true));
      }
    });
  });
});

describe('atan2 at the origin', () => {
  // torch.atan2's gradient at (0, 0) is NaN (0/0), as tfjs's; the table takes the subgradient 0
  // there, as at relu's kink, so one point at the origin does not make every gradient NaN.
  it.each(BACKENDS)('on %s: gradient 0 at (0, 0), the textbook one beside it', async (backend) => {
    expect(await initBackend(backend)).toBe(backend);
    const fn = check('loss f(y: [N], x: [N]) = sum(atan2(y, x))', 'a2.loss').losses[0]!;
    const ts = { y: tf.tensor1d([0, 0, 1]), x: tf.tensor1d([0, 1, 0]) };
    const { value, grads } = valueAndGradsTfjs(fn, ts, {}, ['y', 'x']);
    expect(value.dataSync()[0]).toBeCloseTo(Math.PI / 2, 6);
    // d/dy = x / (x² + y²), d/dx = -y / (x² + y²)
    expect([Array.from(grads.y!.dataSync()), Array.from(grads.x!.dataSync())]).toEqual([[0, 1, 0], [0, -0, -1]]);
    tf.dispose([value, grads.y!, grads.x!, ts.y, ts.x]);
  });
});

describe('stability: the poles of the gamma family (W6014)', () => {
  const findings = (source: string): string[] => check(source, 'poles.loss').diagnostics.map((d) => formatDiagnostic(d));

  it('a count that can be 0, with the fix n + 1; none once the argument is positive', () => {
    expect(findings('loss f(n: [N] in [0, inf)) = mean(lgamma(n))')).toEqual([
      "poles.loss:1:35: warning W6014: lgamma(n): lgamma has a pole at 0 and the negative whole numbers, and its argument can be one: n = 0 gives lgamma(0) = Infinity\n  note: fix: keep the argument away from 0, e.g. lgamma(n + 1) for a count n (lgamma(n + 1) = log n!), or declare a domain that excludes 0 (e.g. 'in (0, inf)')",
    ]);
    expect(findings('loss f(n: [N] in [0, inf)) = mean(lgamma(n + 1))')).toEqual([]);
    expect(findings('loss f(x: [N] in (0, inf)) = mean(lgamma(x) + digamma(x) + trigamma(x))')).toEqual([]);
    // Between two poles nothing can go wrong.
    expect(findings('loss f(x: [N] in (-0.9, -0.1)) = mean(digamma(x))')).toEqual([]);
  });

  it('an unbounded argument: digamma(0) = -Infinity, with a fix that keeps it positive', () => {
    expect(findings('loss f(x: [N]) = mean(digamma(x))')).toEqual([
      "poles.loss:1:23: warning W6014: digamma(x): digamma has a pole at 0 and the negative whole numbers, and its argument can be one: x = 0 gives digamma(0) = -Infinity\n  note: fix: keep the argument positive, e.g. digamma(softplus(x) + 1e-6), or declare a domain that excludes 0 and the negatives (e.g. 'in (0, inf)')",
    ]);
  });
});

// ---------------------------------------------------------------------------------------
// Peer losses that needed the builtins, against their peers' float64 values (torch 1.13.1):
//   kl_divergence(Dirichlet(alpha), Dirichlet(ones_like(alpha))).mean()      (evidential learning)
//   -Poisson(rate).log_prob(y).mean()                                        (exact Poisson NLL)
//   atan2(sin(p - t), cos(p - t)).abs().mean()                               (wrapped angle error)
// with the gradients of .backward() on the same inputs. The Dirichlet KL's gradient needs
// trigamma, which torch's float64 polygamma(1, ·) sums only to its 1/(30x⁵) term (errors near
// 1e-9 here): its value and gradient are mpmath's (mp.dps = 40) of torch's formula,
// Σ_k (α_k - 1) ψ′(α_k) - ψ′(S)(S - K) per row for the gradient; torch agrees within 5e-10.

const PEERS = `
/// KL(Dir(alpha) || Dir(1, ..., 1)), the regulariser of evidential deep learning (Sensoy et al., 2018).
loss dirichlet_kl(alpha: [N, K] in (0, inf)) =
  mean(lgamma(s) - lgamma(K) - sum(lgamma(alpha), K) + sum((alpha - 1) * (digamma(alpha) - digamma(s)), K))
  where s = sum(alpha, K)

/// The Poisson negative log-likelihood with its log(y!) term, as torch.distributions.Poisson.
loss poisson_nll(rate: [N] in (0, inf), y: [N] in [0, inf)) = mean(rate - y * log(rate) + lgamma(y + 1))

/// The absolute angle between predicted and true angles, wrapped into [-π, π].
loss angle_error(p: [N], t: [N]) = mean(abs(atan2(sin(p - t), cos(p - t))))
`;

interface PeerCase {
  readonly loss: string;
  readonly inputs: Record<string, { shape: number[]; data: number[] }>;
  readonly value: number;
  /** The largest term the loss adds up (lgamma(1011) ≈ 6000 for the Poisson case): float32 rounds at its scale. */
  readonly magnitude: number;
  readonly grads: Record<string, number[]>;
}

const PEER_CASES: readonly PeerCase[] = [
  {
    loss: 'dirichlet_kl',
    inputs: { alpha: { shape: [2, 3], data: [0.5, 1, 2.5, 3, 0.2, 75] } },
    value: 4.8575886648819479,
    grads: { alpha: [-1.3756120280047275, -0.14191147786855766, 0.22585683920661849, -0.088971737957769397, -10.990856686975506, 0.012731034180517335] },
    magnitude: 260,
  },
  {
    loss: 'poisson_nll',
    inputs: { rate: { shape: [4], data: [0.5, 2, 10, 1000] }, y: { shape: [4], data: [0, 1, 7, 1010] } },
    value: 2.1604066344045427,
    magnitude: 7000,
    grads: { rate: [0.25, 0.125, 0.07500000000000001, -0.0025000000000000022], y: [0.028982878914603133, -0.06759071136536957, -0.07173590375960903, 0.0026113246666974455] },
  },
  {
    loss: 'angle_error',
    inputs: { p: { shape: [5], data: [0.1, 3, -3, 6.5, -10] }, t: { shape: [5], data: [0.2, -3, 3, 0, 2] } },
    value: 0.28991118430775187,
    magnitude: 10,
    grads: { p: [-0.2, -0.2, 0.2, 0.2, 0.2], t: [0.2, 0.2, -0.2, -0.2, -0.2] },
  },
];

describe('peer losses written with the builtins', () => {
  const checked = check(PEERS, 'peers.loss');
  let mod: Record<string, (...args: unknown[]) => tf.Tensor>;

  beforeAll(async () => {
    expect(checked.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
    const out = await compile(PEERS, 'peers.loss');
    // No finding in the forward pass or the derived backward one (W6xxx, notes) either.
    expect(out.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
    mod = await importModule(out.code!, 'builtins-peers');
  }, 120_000);

  it.each(PEER_CASES)('$loss: the float64 reference = the peer (value and gradients, 1e-10)', (c) => {
    const fn = differentiate(checked.losses.find((l) => l.name === c.loss)!).fn!;
    const inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, { shape: v.shape, data: Float64Array.from(v.data) }]));
    expect(evaluateReference(fn, inputs, {}).data[0]! - c.value).toBeCloseTo(0, 10);
    const g = gradientsReference(fn, inputs, {}).grads;
    for (const [k, want] of Object.entries(c.grads)) want.forEach((w, i) => expect(g[k]!.data[i]! - w, `d/d${k}[${i}]`).toBeCloseTo(0, 10));
  });

  it.each(BACKENDS.flatMap((b) => PEER_CASES.map((c) => [b, c.loss, c] as const)))('on %s, %s: the generated module = the peer in float32', async (backend, _name, c) => {
    expect(await initBackend(backend)).toBe(backend);
    const names = Object.keys(c.inputs);
    const ts = names.map((k) => tf.tensor(c.inputs[k]!.data, c.inputs[k]!.shape));
    const f = mod[c.loss]!;
    const { value, grads } = tf.valueAndGrads((...xs: tf.Tensor[]) => f(...xs) as tf.Scalar)(ts);
    expect(Math.abs(value.dataSync()[0]! - c.value)).toBeLessThanOrEqual(8 * 2 ** -24 * c.magnitude);
    names.forEach((k, j) => {
      const got = Array.from(grads[j]!.dataSync());
      const scale = Math.max(...c.grads[k]!.map(Math.abs));
      c.grads[k]!.forEach((w, i) => expect(Math.abs(got[i]! - w), `d/d${k}[${i}] = ${got[i]}, torch ${w}`).toBeLessThanOrEqual(2e-6 * scale));
    });
    tf.dispose([value, ...grads, ...ts]);
  });
});

// The PyTorch target: the same peer losses as Python modules (the compiler's backward pass,
// and torch's autograd through torch.lgamma/digamma/polygamma), run by torch in float64.
describe('peer losses on the PyTorch target', () => {
  const missing = torchMissing();
  it.skipIf(missing !== undefined).each([false, true])('autodiff %s: value and gradients = the peer in float64 (1e-9)', (autodiff) => {
    const dir = mkdtempSync(join(tmpdir(), 'lossc-gamma-'));
    try {
      const losses = check(PEERS, 'peers.loss').losses;
      writeFileSync(join(dir, 'peers.py'), emitPytorchModule({ file: 'peers.loss', losses, autodiff }));
      writeFileSync(join(dir, TORCH_RUNTIME_FILE), TORCH_RUNTIME_SOURCE);
      const script = [
        'import json, sys, torch, peers',
        'cases = json.load(sys.stdin)',
        'out = []',
        'for c in cases:',
        '    xs = {k: torch.tensor(v["data"], dtype=torch.float64).reshape(v["shape"]).requires_grad_() for k, v in c["inputs"].items()}',
        '    loss = getattr(peers, c["loss"])(*xs.values())',
        '    loss.backward()',
        '    out.append({"value": loss.item(), "grads": {k: x.grad.reshape(-1).tolist() for k, x in xs.items()}})',
        'print(json.dumps(out))',
      ].join('\n');
      const run = spawnSync(PYTHON, ['-c', script], { cwd: dir, input: JSON.stringify(PEER_CASES), encoding: 'utf8' });
      expect(run.stderr).toBe('');
      const got = JSON.parse(run.stdout) as { value: number; grads: Record<string, number[]> }[];
      PEER_CASES.forEach((c, i) => {
        expect(Math.abs(got[i]!.value - c.value), `${c.loss} value`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(c.value)));
        for (const [k, want] of Object.entries(c.grads)) {
          // torch's float64 polygamma(1, ·) is good to ~1e-9 (see above): the Dirichlet gradient by autograd to 1e-8.
          const tol = autodiff && c.loss === 'dirichlet_kl' ? 1e-8 : 1e-9;
          want.forEach((w, j) => expect(Math.abs(got[i]!.grads[k]![j]! - w), `${c.loss} d/d${k}[${j}] = ${got[i]!.grads[k]![j]}, want ${w}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(w))));
        }
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
