// tfjs's autodiff (`--autodiff`, `autodiff: true`) through a select or a mask: the discarded
// part still runs, and its log(0), sqrt(0), x/0 or overflowing exp made the gradient NaN
// (0 · ∞) although the value never reads it: `mean(log(x), where: x > 0)` at x = 0. The
// lowering now feeds the discarded positions of those ops a safe operand (src/ir/
// autodiff-guards.ts). Checked in the evaluator (evaluate, lossc eval) and in the generated
// module compiled with autodiff: the gradient equals float64 central differences of the same
// formula written in JavaScript (the branch taken, or the mask, held at the point's), which
// is 0 at the discarded positions; and the derived gradients agree.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '../src/api.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';
import { initBackend } from '../src/eval/setup.js';
import { compiledModule } from './helpers/compiled.js';
import { mulberry32 } from './oracle/tensor.js';

type Values = Record<string, number[] | number[][] | boolean[]>;

interface Case {
  readonly source: string;
  readonly inputs: Values;
  /** The real inputs, differentiated. */
  readonly wrt: readonly string[];
  /** The loss in float64, with the choices (`taken`) made at the point given, held fixed. */
  readonly f: (v: Record<string, number[][]>, taken: (key: string) => boolean) => number;
}

const rows = (v: number[] | number[][] | boolean[]): number[][] => (Array.isArray(v[0]) ? (v as number[][]) : [(v as number[]).map(Number)]);

const CASES: readonly Case[] = [
  {
    source: 'loss f(x: [N]) = mean(log(x), where: x > 0)',
    inputs: { x: [0, 1, 2, 0.5, -1] },
    wrt: ['x'],
    f: (v, t) => {
      const kept = v.x![0]!.filter((_, i) => t(`x${i}`)).map(Math.log);
      return kept.reduce((a, b) => a + b, 0) / kept.length;
    },
  },
  {
    source: 'loss f(x: [N], m: bool[N]) = mean(sqrt(x), where: m)',
    inputs: { x: [0, 4, -1, 9], m: [false, true, false, true] },
    wrt: ['x'],
    f: (v) => (Math.sqrt(v.x![0]![1]!) + Math.sqrt(v.x![0]![3]!)) / 2,
  },
  {
    source: 'loss f(x: [N]) = sum(if x > 0 then log(x) else x)',
    inputs: { x: [0, -2, 3, 0.25] },
    wrt: ['x'],
    f: (v, t) => v.x![0]!.reduce((a, x, i) => a + (t(`x${i}`) ? Math.log(x) : x), 0),
  },
  {
    // The condition per row, the discarded part summed along D first.
    source: 'loss f(x: [N, D], w: [N]) = sum(if w > 0 then sum(log(x), D) else 0)',
    inputs: { x: [[0, 1], [2, 3]], w: [-1, 1] },
    wrt: ['x'],
    f: (v, t) => v.x!.reduce((a, row, n) => a + (t(`w${n}`) ? row.reduce((s, x) => s + Math.log(x), 0) : 0), 0),
  },
  {
    // s[n] is used where any x[n, :] > 0: row 0 uses none of it, and log(0) there is discarded.
    source: 'loss f(x: [N, D], s: [N]) = sum(if x > 0 then log(s) * x else 0)',
    inputs: { x: [[-1, 0], [1, 3]], s: [0, 2] },
    wrt: ['x', 's'],
    f: (v, t) => v.x!.reduce((a, row, n) => a + row.reduce((b, x, d) => b + (t(`x${n}${d}`) ? Math.log(v.s![0]![n]!) * x : 0), 0), 0),
  },
  {
    source: 'loss f(x: [N]) = mean(if x < 50 then exp(x) else 1)',
    inputs: { x: [1, 100, 0] },
    wrt: ['x'],
    f: (v, t) => v.x![0]!.reduce((a, x, i) => a + (t(`x${i}`) ? Math.exp(x) : 1), 0) / 3,
  },
  {
    // Nested: the inner condition keeps x = 0, the outer one discards it.
    source: 'loss f(x: [N]) = sum(if x > 0 then (if x < 10 then log(x) else 0) else 0)',
    inputs: { x: [0, 5, 20] },
    wrt: ['x'],
    f: (v, t) => v.x![0]!.reduce((a, x, i) => a + (t(`o${i}`) && t(`i${i}`) ? Math.log(x) : 0), 0),
  },
  {
    source: 'loss f(s: [N], n: [N]) = mean(s / n, where: n > 0)',
    inputs: { s: [1, 2, 3], n: [0, 4, 0.5] },
    wrt: ['s', 'n'],
    f: (v, t) => {
      const kept = v.s![0]!.map((s, i) => s / v.n![0]![i]!).filter((_, i) => t(`n${i}`));
      return kept.reduce((a, b) => a + b, 0) / kept.length;
    },
  },
];

/** The conditions of each case at its point, by key (what `taken` answers). */
function choices(c: Case): Map<string, boolean> {
  const x = (name: string): number[] => rows(c.inputs[name]!).flat();
  const m = new Map<string, boolean>();
  const src = c.source;
  if (src.includes('where: x > 0')) x('x').forEach((v, i) => m.set(`x${i}`, v > 0));
  if (src.includes('if x > 0 then log(x)')) x('x').forEach((v, i) => m.set(`x${i}`, v > 0));
  if (src.includes('if w > 0')) x('w').forEach((v, i) => m.set(`w${i}`, v > 0));
  if (src.includes('log(s) * x')) rows(c.inputs.x!).forEach((row, n) => row.forEach((v, d) => m.set(`x${n}${d}`, v > 0)));
  if (src.includes('x < 50')) x('x').forEach((v, i) => m.set(`x${i}`, v < 50));
  if (src.includes('x < 10')) x('x').forEach((v, i) => (m.set(`o${i}`, v > 0), m.set(`i${i}`, v < 10)));
  if (src.includes('n > 0')) x('n').forEach((v, i) => m.set(`n${i}`, v > 0));
  return m;
}

/** d f / d each element of `name`, by float64 central differences with the choices held. */
function differences(c: Case, name: string): number[] {
  const held = choices(c);
  const point = Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, rows(v).map((r) => r.map(Number))]));
  const f = (v: Record<string, number[][]>): number => c.f(v, (key) => held.get(key)!);
  const out: number[] = [];
  point[name]!.forEach((row) =>
    row.forEach((x0, k) => {
      const h = 1e-6 * Math.max(1, Math.abs(x0));
      row[k] = x0 + h;
      const up = f(point);
      row[k] = x0 - h;
      const down = f(point);
      row[k] = x0;
      out.push((up - down) / (2 * h));
    }),
  );
  return out;
}

const close = (got: readonly number[], want: readonly number[], what: string): void => {
  expect(got.length, what).toBe(want.length);
  got.forEach((g, i) => {
    expect(Number.isFinite(g), `${what}[${i}] = ${g}, want ${want[i]}`).toBe(true);
    expect(Math.abs(g - want[i]!), `${what}[${i}] = ${g}, want ${want[i]}`).toBeLessThanOrEqual(1e-3 * Math.max(1, Math.abs(want[i]!)));
  });
};

beforeAll(async () => {
  await initBackend('cpu');
});

describe('autodiff through a discarded log(0), sqrt(0), x/0, exp(100)', () => {
  it.each(CASES.map((c) => [c.source, c] as const))('%s', async (source, c) => {
    const want = Object.fromEntries(c.wrt.map((name) => [name, differences(c, name)]));
    for (const autodiff of [true, false]) {
      const r = await evaluate(source, 'case.loss', { loss: 'f', inputs: c.inputs, grad: true, autodiff, backend: 'cpu' });
      expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d))).toEqual([]);
      for (const name of c.wrt) close((r.grads![name] as number[] | number[][]).flat(), want[name]!, `evaluate ${autodiff ? 'autodiff' : 'derived'} d/d${name}`);
    }
    const mod = await compiledModule(source, 'case.loss', 'autodiff-guards', { autodiff: true });
    const names = Object.keys(c.inputs);
    const tensors = names.map((n) => (typeof c.inputs[n]![0] === 'boolean' ? tf.tensor(c.inputs[n] as boolean[], undefined, 'bool') : tf.tensor(c.inputs[n] as number[])));
    const k = c.wrt.map((n) => names.indexOf(n));
    const grads = tf.grads((...ts: tf.Tensor[]) => mod.f!(...names.map((_, i) => (k.includes(i) ? ts[k.indexOf(i)]! : tensors[i]!))))(k.map((i) => tensors[i]!));
    c.wrt.forEach((name, i) => close(Array.from(grads[i]!.dataSync()), want[name]!, `module autodiff d/d${name}`));
    tf.dispose([...tensors, ...grads]);
  });
});

// Random guarded programs, as test/grad-guards.test.ts draws them for the derived gradients:
// `if x > c then A(x) else B(x)` and `mean(A(x), where: x > c)`, A and B compositions of ops
// whose value or derivative is non-finite somewhere, at points that put the discarded part
// where it is -inf, NaN or Infinity.
interface Piece {
  readonly text: (u: string) => string;
  readonly f: (u: number) => number;
  /** Its derivative. */
  readonly d: (u: number) => number;
}
const PIECES: readonly Piece[] = [
  { text: (u) => `log(${u})`, f: Math.log, d: (u) => 1 / u },
  { text: (u) => `sqrt(${u})`, f: Math.sqrt, d: (u) => 0.5 / Math.sqrt(u) },
  { text: (u) => `1 / (${u})`, f: (u) => 1 / u, d: (u) => -1 / (u * u) },
  { text: (u) => `(${u})^0.5`, f: (u) => u ** 0.5, d: (u) => 0.5 * u ** -0.5 },
  { text: (u) => `exp(${u})`, f: Math.exp, d: Math.exp },
  { text: (u) => `(1 - ${u})`, f: (u) => 1 - u, d: () => -1 },
  { text: (u) => `(${u} + 1)`, f: (u) => u + 1, d: () => 1 },
  { text: (u) => `square(${u})`, f: (u) => u * u, d: (u) => 2 * u },
];

describe('random guarded programs under autodiff, against float64 central differences', () => {
  const rng = mulberry32(61);
  const programs = Array.from({ length: 24 }, (_, k) => {
    const chain = (): Piece[] => Array.from({ length: 1 + rng.int(2) }, () => PIECES[rng.int(PIECES.length)]!);
    const [a, b] = [chain(), chain()];
    const c = [-0.5, 0, 0.5, 1][rng.int(4)]!;
    const text = (ps: Piece[]): string => ps.reduce((u, p) => p.text(u), 'x');
    const f = (ps: Piece[]) => (x: number): number => ps.reduce((u, p) => p.f(u), x);
    const masked = k % 3 === 2;
    const source = masked ? `loss f(x: [N]) = mean(${text(a)}, where: x > ${c}, empty: 0)` : `loss f(x: [N]) = mean(if x > ${c} then ${text(a)} else ${text(b)})`;
    const term = (x: number): number => (x > c ? f(a)(x) : masked ? 0 : f(b)(x));
    // The value and the derivative of each piece of the taken part at its operand.
    const steps = (x: number): number[] => {
      const out: number[] = [];
      let u = x;
      for (const piece of x > c ? a : masked ? [] : b) {
        out.push(piece.d(u));
        u = piece.f(u);
        out.push(u);
      }
      return out;
    };
    return { source, c, masked, term, steps };
  });
  const POINTS = [-2, -1, -0.5, 0, 0.25, 0.5, 1, 2];

  it.each(programs.map((p) => [p.source, p] as const))('%s', async (_source, p) => {
    const xs = POINTS.filter((x) => Math.abs(x - p.c) > 1e-3);
    const r = await evaluate(p.source, 'case.loss', { loss: 'f', inputs: { x: xs }, grad: true, autodiff: true, backend: 'cpu', optimize: false });
    expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d))).toEqual([]);
    const n = p.masked ? xs.filter((x) => x > p.c).length : xs.length;
    const grads = r.grads!.x as number[];
    let compared = 0;
    xs.forEach((x, i) => {
      const h = 1e-6;
      const fd = (p.term(x + h) - p.term(x - h)) / (2 * h) / n;
      const taken = p.term(x);
      // Only where the taken part, each value and derivative of its pieces and its derivative
      // are finite and modest (float32 evaluation): sqrt(square(x)) at 0 is ∞·0 in the taken
      // part itself, which no guard of the discarded part changes.
      if (!Number.isFinite(taken) || !Number.isFinite(fd) || Math.abs(taken) > 1e6 || Math.abs(fd) > 1e6) return;
      if (p.steps(x).some((u) => !Number.isFinite(u) || Math.abs(u) > 1e6)) return;
      compared++;
      expect(Number.isFinite(grads[i]), `${p.source} at x = ${x}: ${grads[i]}`).toBe(true);
      expect(Math.abs(grads[i]! - fd), `${p.source} at x = ${x}: ${grads[i]} vs ${fd}`).toBeLessThanOrEqual(1e-3 * Math.max(1, Math.abs(fd)));
    });
    expect(compared).toBeGreaterThan(0);
  });
});
