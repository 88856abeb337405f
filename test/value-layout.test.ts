// The layouts of elementwise values (src/lower/value-layout.ts) and the cpu forms of broadcasts
// and transposed matMul operands (broadcastFull, broadcastOperand, matMulT in
// src/runtime/helpers.ts). Checked: the plan on IR (a table: which values it places, and where
// it leaves the node's order), the helpers against broadcasting written out here (-0, NaN and
// infinities included) on cpu and wasm, the contraction plan's use of matMul's flags (a table),
// the compiled pairwise losses' values and gradients against the float64 reference on both
// backends, and their kernels: no transpose and no broadcasting binary kernel of the pairwise
// size on cpu.
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { check, compile } from '../src/api.js';
import { initBackend } from '../src/eval/setup.js';
import type { Axis, IrFunction } from '../src/ir/types.js';
import { postorder } from '../src/ir/walk.js';
import { rootIds } from '../src/ir/live.js';
import { planContraction } from '../src/lower/contract-plan.js';
import { planValueLayouts } from '../src/lower/value-layout.js';
import { gradientsReference } from '../src/reference/evaluate.js';
import { broadcastFull, broadcastOperand, matMulT } from '../src/runtime/helpers.js';
import { importModule } from './fuzz/compare.js';
import { fromArray, mulberry32 } from './oracle/tensor.js';

const METRIC = readFileSync('stdlib/metric.loss', 'utf8');
const USER = readFileSync('bench/pairwise/user.loss', 'utf8');

const names = (axes: readonly Axis[]): string => axes.map((a) => a.name).join(' ');

/** The plan over a loss's forward and derived backward, as `op [own axes] -> [layout]` lines. */
function placed(fn: IrFunction): string[] {
  const order = postorder(fn.nodes, rootIds(fn), new Set());
  const plan = planValueLayouts({ nodes: fn.nodes, order });
  return [...plan].map(([id, axes]) => `${fn.nodes[id]!.op} [${names(fn.nodes[id]!.type.axes)}] -> [${names(axes)}]`);
}

const lossOf = (source: string, file: string, name: string): IrFunction => {
  const r = check(source, file, { gradients: true });
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return r.losses.find((l) => l.name === name)!;
};

describe('the value layout plan', () => {
  const PLAIN = `
loss mse(x: [N, D], y: [N, D]) = mean((x - y)^2)
loss rest(x: [...], y: [...]) = mean(abs(x - y))
loss rowwise(x: [N, C], y: [N, C]) = mean(logsumexp(x, C) - sum(x * y, C))
loss pairs(e: [N, D], t: real = 0.5) = mean(logsumexp(s[i, j], j, where: i != j))
  where s[i, j] = dot(e[i], e[j], D) / t
loss pairs_reversed(e: [N, D], t: real = 0.5) = mean(logsumexp(s[i, j], j, where: j != i))
  where s[i, j] = dot(e[i], e[j], D) / t
`;
  // [loss, file source, what the plan places]: fires where a value's order disagrees with what
  // reads it, leaves every node's own order otherwise.
  const CASES: readonly (readonly [string, string, string, readonly string[]])[] = [
    ['mse: every value in its node\'s order already', PLAIN, 'mse', []],
    ['rest axes: never placed', PLAIN, 'rest', []],
    ['row-wise values of one order', PLAIN, 'rowwise', []],
    ['i != j read by a reduction over s[i, j]: in that order already', PLAIN, 'pairs', []],
    ['j != i read by a reduction over s[i, j]: built as [i, j]', PLAIN, 'pairs_reversed', ['ne [j i] -> [i j]']],
    // The mask (w, b) != (v, a), its parts, and the backward's selects and masks over
    // [w, v, b, a] and [a, b, w, v] between values laid out [v, a, w, b].
    // centers[y] on centers [C, D] by y [N]: the checker's order [D, N], gathered by rows as [N, D].
    ['center: the gather as its rows are made, as x - centers[y] reads it', USER, 'center', ['gather [D N] -> [N D]']],
    ['info_nce: the masks and the backward\'s selects as [v, a, w, b]', METRIC, 'info_nce', [
      'ne [w v] -> [v w]',
      'ne [b a] -> [a b]',
      'or [w v b a] -> [v a w b]',
      'select [a b w v] -> [v a w b]',
      'and [w v a b] -> [v a w b]',
      'select [w v b a] -> [v a w b]',
      'add [a b w v] -> [v a w b]',
      'or [w v a b] -> [v a w b]',
      'div [a b w v] -> [v a w b]',
      'select [w v a b] -> [v a w b]',
    ]],
  ];
  it.each(CASES)('%s', (_what, source, name, want) => {
    const got = placed(lossOf(source, 'plan.loss', name));
    for (const line of want) expect(got, line).toContain(line);
    if (want.length === 0) expect(got).toEqual([]);
  });

  it('places only permutations of a node\'s own axes', () => {
    for (const [source, file] of [[METRIC, 'metric.loss'], [USER, 'user.loss']] as const) {
      for (const fn of check(source, file, { gradients: true }).losses) {
        const order = postorder(fn.nodes, rootIds(fn), new Set());
        for (const [id, axes] of planValueLayouts({ nodes: fn.nodes, order })) {
          expect([...axes.map((a) => a.name)].sort(), `${fn.name} %${id}`).toEqual(fn.nodes[id]!.type.axes.map((a) => a.name).sort());
        }
      }
    }
  });
});

const ax = (list: string): Axis[] => list.split(' ').filter(Boolean).map((name) => ({ name, dim: name.toUpperCase() }));

describe('the contraction plan: matMul\'s flags only where they replace a copy', () => {
  // [a, b, contracted, result] → [swap, transposeLeft, transposeRight, copies, transposes]
  const CASES: readonly (readonly [string, string, string, string, string, boolean, boolean, boolean, number, number])[] = [
    ['a similarity matrix e[i, d]·e[j, d] → [i, j]: the right operand by its flag', 'i d', 'j d', 'd', 'i j', false, false, true, 0, 1],
    ['already in matMul order: no flag', 'i d', 'd j', 'd', 'i j', false, false, false, 0, 0],
    ['a gather backward onehot[c, n]·G[n, d]: no flag', 'n d', 'c n', 'n', 'c d', true, false, false, 0, 0],
    ['a pairwise gradient G[v, a, w, b]·z[v, a, d] over (v, a): the left one by its flag', 'v a w b', 'v a d', 'v a', 'w b d', false, true, false, 0, 1],
    ['batch axes first: the flag transposes within each batch', 'b k i', 'b k j', 'k', 'b i j', false, true, false, 0, 1],
    ['a copy the flags cannot make (contracted axes out of order): counted as one', 'p q i', 'q p j', 'p q', 'i j', false, false, false, 1, 1],
  ];
  it.each(CASES)('%s', (_what, a, b, k, result, swap, left, right, copies, transposes) => {
    const plan = planContraction(ax(a), ax(b), k.split(' '), ax(result));
    expect([plan.swap, plan.transposeLeft, plan.transposeRight, plan.copies, plan.transposes]).toEqual([swap, left, right, copies, transposes]);
  });
});

/** `x` (flat, row-major, shape `from`) broadcast to `to` (right-aligned), written out. */
function broadcastOracle(x: readonly number[], from: readonly number[], to: readonly number[]): number[] {
  const lead = to.length - from.length;
  const size = to.reduce((p, d) => p * d, 1);
  const out: number[] = [];
  for (let flat = 0; flat < size; flat++) {
    let rem = flat;
    let src = 0;
    const pos = to.map((_, i) => {
      const stride = to.slice(i + 1).reduce((p, d) => p * d, 1);
      const p = Math.floor(rem / stride);
      rem -= p * stride;
      return p;
    });
    from.forEach((d, k) => {
      src = src * d + (d === 1 ? 0 : pos[lead + k]!);
    });
    out.push(x[src]!);
  }
  return out;
}

const SPECIALS = [NaN, Infinity, -Infinity, 0, 2.5];
/** Shapes of x and of the result: runs of size-1 dims inside, first, last, several, none. */
const SHAPES: readonly (readonly [number[], number[]])[] = [
  [[3, 1], [3, 4]],
  [[1, 4], [3, 4]],
  [[4], [2, 3, 4]],
  [[2, 1, 1], [2, 3, 4]],
  [[1, 3, 1], [2, 3, 4]],
  [[2, 1, 3, 1], [2, 2, 3, 5]],
  [[1, 1, 1], [2, 3, 4]],
  [[2, 3], [2, 3]],
  [[1, 3], [0, 3]],
];

describe.each(['cpu', 'wasm'] as const)('broadcastFull, broadcastOperand and matMulT (%s)', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it.each(SHAPES.map(([from, to]) => [`[${from}] to [${to}]`, from, to] as const))('%s: = the broadcast written out, -0, NaN and infinities included', (_name, from, to) => {
    const n = from.reduce((p, d) => p * d, 1);
    const data = Array.from({ length: n }, (_, i) => (i === 1 ? -0 : SPECIALS[i % SPECIALS.length]! + i));
    const x = tf.tensor(data, from, 'float32');
    const before = tf.memory().numTensors;
    const full = broadcastFull(x, to);
    expect(full.shape).toEqual(to);
    // -0 may come back +0 (as x + 0 gives it); every other value is copied exactly.
    const zeroSign = (v: number): number => (Object.is(v, -0) ? 0 : v);
    expect(Array.from(full.dataSync()).map(zeroSign)).toEqual(broadcastOracle(Array.from(x.dataSync()), from, to).map(zeroSign));
    expect(tf.memory().numTensors).toBe(before + 1);
    const operand = broadcastOperand(x, to);
    const sum = tf.add(operand, tf.zeros(to));
    expect(Array.from(sum.dataSync()).map(zeroSign)).toEqual(Array.from(full.dataSync()).map(zeroSign));
    // Only on cpu, and only where the kernel would broadcast a size-1 dim, a new tensor.
    const spreads = from.some((d, k) => d === 1 && to[to.length - from.length + k] !== 1);
    expect(operand === x).toBe(!(backend === 'cpu' && spreads));
    tf.dispose([x, full, sum, ...(operand === x ? [] : [operand])]);
  });

  it('broadcastFull of int32 values: the same numbers', () => {
    const x = tf.tensor([3, -7], [2, 1], 'int32');
    const full = broadcastFull(x, [2, 3]);
    expect(full.dtype).toBe('int32');
    expect(Array.from(full.dataSync())).toEqual([3, 3, 3, -7, -7, -7]);
    tf.dispose([x, full]);
  });

  it.each([[false, false], [true, false], [false, true], [true, true]] as const)('matMulT(transposeA %s, transposeB %s) = tf.matMul with the same flags', (ta, tb) => {
    const rng = mulberry32(7);
    const [m, k, n] = [3, 5, 4];
    const a = tf.tensor(Array.from({ length: 2 * m * k }, () => rng.next() - 0.5), ta ? [2, k, m] : [2, m, k]);
    const b = tf.tensor(Array.from({ length: 2 * k * n }, () => rng.next() - 0.5), tb ? [2, n, k] : [2, k, n]);
    const got = matMulT(a, b, ta, tb);
    const want = tf.matMul(a, b, ta, tb);
    expect(got.shape).toEqual([2, m, n]);
    const [g, w] = [got.dataSync(), want.dataSync()];
    w.forEach((v, i) => expect(Math.abs(g[i]! - v)).toBeLessThanOrEqual(1e-6));
    tf.dispose([a, b, got, want]);
  });
});

// The pairwise losses whose layouts the plan changes: compiled as a user gets them, values and
// gradients against the float64 reference, kernels from tf.profile.
const N = 12;
const D = 6;
type Loss = (...a: unknown[]) => tf.Scalar;

function seeded(shape: number[], seed: number): number[] {
  const rng = mulberry32(seed);
  return Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => Math.fround(rng.next() * 2 - 1));
}

const PAIRWISE: readonly { file: string; source: string; loss: string; inputs: Record<string, { shape: number[]; int?: true }> }[] = [
  { file: 'metric.loss', source: METRIC, loss: 'info_nce', inputs: { zi: { shape: [N, D] }, zj: { shape: [N, D] } } },
  { file: 'metric.loss', source: METRIC, loss: 'nt_xent_simple', inputs: { zi: { shape: [N, D] }, zj: { shape: [N, D] } } },
  { file: 'metric.loss', source: METRIC, loss: 'batch_hard_triplet', inputs: { e: { shape: [N, D] }, label: { shape: [N], int: true } } },
  { file: 'user.loss', source: USER, loss: 'supcon', inputs: { z: { shape: [N, D] }, label: { shape: [N], int: true } } },
  { file: 'user.loss', source: USER, loss: 'contrastive_pairs', inputs: { e: { shape: [N, D] }, label: { shape: [N], int: true } } },
  // Labels 0..3 of 5 classes: one center no sample reads (its gradient 0).
  { file: 'user.loss', source: USER, loss: 'center', inputs: { x: { shape: [N, D] }, y: { shape: [N], int: true }, centers: { shape: [5, D] } } },
];

describe.each(['cpu', 'wasm'] as const)('pairwise losses as compiled (%s)', (backend) => {
  const modules: Record<string, Record<string, Loss>> = {};
  beforeAll(async () => {
    await initBackend(backend);
    for (const [file, source] of [['metric.loss', METRIC], ['user.loss', USER]] as const) {
      const r = await compile(source, file);
      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      modules[file] = await importModule(r.code!, `value-layout-${file}-${backend}`);
    }
  }, 120_000);

  const data = (c: (typeof PAIRWISE)[number]): Record<string, number[]> =>
    Object.fromEntries(Object.entries(c.inputs).map(([k, s], i) => [k, s.int ? Array.from({ length: s.shape[0]! }, (_, j) => (j * 5) % 4) : seeded(s.shape, 11 + i)]));
  const call = (c: (typeof PAIRWISE)[number], x: Record<string, number[]>) => {
    const names = Object.keys(c.inputs);
    const ts = names.map((k) => tf.tensor(x[k]!, c.inputs[k]!.shape, c.inputs[k]!.int ? 'int32' : 'float32'));
    const reals = names.flatMap((k, i) => (c.inputs[k]!.int ? [] : [i]));
    const f = (...ws: tf.Tensor[]): tf.Scalar => modules[c.file]![c.loss]!(...ts.map((t, i) => (reals.includes(i) ? ws[reals.indexOf(i)]! : t)));
    return { ts, reals, names, f };
  };

  it.each(PAIRWISE.map((c) => [c.loss, c] as const))('%s: value and gradients = the float64 reference', (_name, c) => {
    const x = data(c);
    const { ts, reals, names, f } = call(c, x);
    const { value, grads } = tf.valueAndGrads(f)(reals.map((i) => ts[i]!));
    const fn = lossOf(c.source, c.file, c.loss);
    const ref = gradientsReference(fn, Object.fromEntries(names.map((k) => [k, fromArray(x[k]!, c.inputs[k]!.shape)])), {});
    const close = (got: number, want: number, what: string): void => {
      if (!(Math.abs(got - want) <= 2e-4 * (1 + Math.abs(want)))) expect.fail(`${c.loss} ${what}: ${got}, reference ${want}`);
    };
    close(value.dataSync()[0]!, ref.value.data[0]!, 'value');
    reals.forEach((i, r) => grads[r]!.dataSync().forEach((g, j) => close(g, ref.grads[names[i]!]!.data[j]!, `d/d${names[i]}[${j}]`)));
    tf.dispose([value, ...grads, ...ts]);
  });

  it('info_nce: on cpu no transpose and no broadcasting binary kernel of the pairwise size, on wasm one transpose', async () => {
    const c = PAIRWISE[0]!;
    const { ts, reals, f } = call(c, data(c));
    const profile = await tf.profile(() => {
      const { value, grads } = tf.valueAndGrads(f)(reals.map((i) => ts[i]!));
      tf.dispose([value, ...grads]);
    });
    const size = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);
    const pairwise = (2 * N) ** 2;
    // On wasm the one the backward's second contraction reads transposed is a copy (matMulT).
    const transposes = profile.kernels.filter((k) => k.name === 'Transpose' && k.inputShapes.some((s) => size(s) >= pairwise)).map((k) => k.inputShapes);
    expect(transposes).toEqual(backend === 'cpu' ? [] : [[[2 * N, 2 * N]]]);
    // A binary kernel broadcasts a size-1 dim of an operand when that operand's shape (right-
    // aligned) has a 1 where the result does not.
    const spreads = (k: (typeof profile.kernels)[number]): boolean =>
      k.inputShapes.length === 2 && k.inputShapes.some((s) => s.some((d, i) => d === 1 && k.outputShapes[0]![k.outputShapes[0]!.length - s.length + i] !== 1));
    const broadcasting = profile.kernels.filter((k) => k.name !== 'BatchMatMul' && size(k.outputShapes[0] ?? []) >= pairwise && spreads(k));
    if (backend === 'cpu') expect(broadcasting.map((k) => `${k.name} ${k.inputShapes.map((s) => `[${s}]`).join(' ')}`)).toEqual([]);
    tf.dispose(ts);
  });

  it('center: the gathered centers[y] made as [N, D], as x - centers[y] reads them: no transpose of that size', async () => {
    const c = PAIRWISE.find((p) => p.loss === 'center')!;
    const { ts, reals, f } = call(c, data(c));
    const profile = await tf.profile(() => {
      const { value, grads } = tf.valueAndGrads(f)(reals.map((i) => ts[i]!));
      tf.dispose([value, ...grads]);
    });
    expect(profile.kernels.filter((k) => k.name === 'Transpose').map((k) => k.inputShapes)).toEqual([]);
    tf.dispose(ts);
  });
});
