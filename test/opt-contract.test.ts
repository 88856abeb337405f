// Pairwise forms as contractions: dot products over pairs, cosine similarity matrices and
// squared distances by the Gram expansion become `contract` nodes (tf.matMul), in the loss and
// in its derived gradient. Checked against float64 oracles written here from the formulas as
// written (sharing no code with the compiler) and their central differences, on the tfjs
// evaluator (cpu, wasm) and in the generated module; and structurally: no live node, forward
// or backward, has both sides' free axes and the contracted one ([i, j, D]).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { importModule } from './fuzz/compare.js';
import { compile } from './helpers/compile-cache.js';
import { frontEnd } from '../src/pipeline.js';
import { valueAndGradsTfjs } from '../src/eval/evaluate.js';
import { initBackend } from '../src/eval/setup.js';
import { liveNodes } from '../src/ir/live.js';
import type { IrFunction } from '../src/ir/types.js';
import { fdGrad } from './oracle/fd.js';
import { fromArray, mulberry32, type F64Tensor } from './oracle/tensor.js';

const SOURCE = `
loss gram(a: [N, D], b: [M, D], w: [N, M]) = sum(w[i, j] * dot(a[i], b[j], D))
loss gram_written(a: [N, D], b: [M, D], w: [N, M]) = sum(w[i, j] * sum(b[j] * a[i], D))
loss cosine(a: [N, D], b: [M, D], w: [N, M]) = sum(w[i, j] * dot(normalize(a, D)[i], normalize(b, D)[j], D) / 0.5)
loss batched(x: [N, K, D], y: [M, K, D], w: [N, M]) = sum(w[i, j] * sum(sum(x[i] * y[j], D)^2, K))
loss sqdist(a: [N, D], b: [M, D], w: [N, M]) = sum(w[i, j] * sum((a[i] - b[j])^2, D))
loss dist(a: [N, D], b: [M, D], w: [N, M]) = sum(w[i, j] * norm(a[i] - b[j], D))
loss dist_self(e: [N, D], w: [N]) = sum(w[i] * norm(e[i] - e[j], D), where: i != j)
`;
const FILE = 'contract.loss';
const SIZES = { N: 5, M: 4, D: 3, K: 2 };

// --- float64 oracles, from the formulas ------------------------------------------------
type X = Record<string, F64Tensor>;
const rowsOf = (t: F64Tensor): number[][] => {
  const d = t.shape[t.shape.length - 1]!;
  const n = t.data.length / d;
  return Array.from({ length: n }, (_, i) => Array.from(t.data.slice(i * d, (i + 1) * d)));
};
const dotv = (u: readonly number[], v: readonly number[]): number => u.reduce((s, x, k) => s + x * v[k]!, 0);
const unit = (v: readonly number[]): number[] => {
  const n = Math.max(Math.sqrt(dotv(v, v)), 1e-12);
  return v.map((x) => x / n);
};
const sqd = (u: readonly number[], v: readonly number[]): number => u.reduce((s, x, k) => s + (x - v[k]!) ** 2, 0);
/** Σ_ij w_ij f(a_i, b_j). */
const pairs = (a: F64Tensor, b: F64Tensor, w: F64Tensor, f: (u: number[], v: number[]) => number): number => {
  const [A, B] = [rowsOf(a), rowsOf(b)];
  let s = 0;
  A.forEach((u, i) => B.forEach((v, j) => (s += w.data[i * B.length + j]! * f(u, v))));
  return s;
};
/** K a batch axis: Σ_ij w_ij Σ_k (Σ_d x_ikd y_jkd)². */
const batched = (x: F64Tensor, y: F64Tensor, w: F64Tensor): number => {
  const [n, k, d] = x.shape as [number, number, number];
  const m = y.shape[0]!;
  let s = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      for (let q = 0; q < k; q++) {
        let c = 0;
        for (let r = 0; r < d; r++) c += x.data[(i * k + q) * d + r]! * y.data[(j * k + q) * d + r]!;
        s += w.data[i * m + j]! * c * c;
      }
    }
  }
  return s;
};
/** Σ_{i ≠ j} w_i ‖e_i - e_j‖. */
const distSelf = (e: F64Tensor, w: F64Tensor): number => {
  const E = rowsOf(e);
  let s = 0;
  E.forEach((u, i) => E.forEach((v, j) => (i === j ? 0 : (s += w.data[i]! * Math.sqrt(sqd(u, v))))));
  return s;
};

interface Case {
  readonly loss: string;
  readonly shapes: Record<string, readonly number[]>;
  readonly oracle: (x: X) => number;
  readonly rules: readonly string[];
}
const AB = { a: [SIZES.N, SIZES.D], b: [SIZES.M, SIZES.D], w: [SIZES.N, SIZES.M] };
const CASES: readonly Case[] = [
  { loss: 'gram', shapes: AB, oracle: (x) => pairs(x.a!, x.b!, x.w!, dotv), rules: ['contract'] },
  { loss: 'gram_written', shapes: AB, oracle: (x) => pairs(x.a!, x.b!, x.w!, dotv), rules: ['contract'] },
  { loss: 'cosine', shapes: AB, oracle: (x) => pairs(x.a!, x.b!, x.w!, (u, v) => dotv(unit(u), unit(v)) / 0.5), rules: ['contract'] },
  {
    loss: 'batched', shapes: { x: [SIZES.N, SIZES.K, SIZES.D], y: [SIZES.M, SIZES.K, SIZES.D], w: [SIZES.N, SIZES.M] },
    oracle: (x) => batched(x.x!, x.y!, x.w!), rules: ['contract'],
  },
  { loss: 'sqdist', shapes: AB, oracle: (x) => pairs(x.a!, x.b!, x.w!, sqd), rules: ['sqdist-gram'] },
  { loss: 'dist', shapes: AB, oracle: (x) => pairs(x.a!, x.b!, x.w!, (u, v) => Math.sqrt(sqd(u, v))), rules: ['sqdist-gram', 'safe-sqrt-relu'] },
  { loss: 'dist_self', shapes: { e: [SIZES.N, SIZES.D], w: [SIZES.N] }, oracle: (x) => distSelf(x.e!, x.w!), rules: ['sqdist-gram'] },
];

function inputs(c: Case, seed: number): X {
  const rng = mulberry32(seed);
  return Object.fromEntries(Object.entries(c.shapes).map(([k, shape]) => {
    const n = shape.reduce((p, s) => p * s, 1);
    return [k, fromArray(Float64Array.from({ length: n }, () => Math.fround(rng.next() * 4 - 2)), shape)];
  }));
}

function lossFn(optimize: boolean, name: string, gradients = false): { fn: IrFunction; rules: string[] } {
  const r = frontEnd(SOURCE, FILE, { optimize, gradients });
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return { fn: r.losses.find((l) => l.name === name)!, rules: (r.rewrites.get(name) ?? []).map((w) => w.rule) };
}

interface Result {
  readonly loss: number;
  readonly grads: Record<string, Float32Array>;
}

/**
 * Against the oracle and its central differences. float32 tolerances: the Gram expansion's
 * ‖a‖² + ‖b‖² - 2a·b cancels to an absolute error of about 1e-7·(‖a‖² + ‖b‖²) per pair.
 */
function expectMatchesOracle(r: Result, c: Case, x: X): void {
  const want = c.oracle(x);
  const names = Object.keys(x);
  const scale = names.reduce((s, n) => s + x[n]!.data.reduce((t, v) => t + Math.abs(v), 0), 0);
  expect(Math.abs(r.loss - want), `${c.loss}: loss ${r.loss}, oracle ${want}`).toBeLessThanOrEqual(1e-5 * Math.abs(want) + 1e-6 * scale);
  for (const name of names) {
    const expected = Array.from(fdGrad((...ts) => c.oracle(Object.fromEntries(names.map((n, i) => [n, ts[i]!]))), names.map((n) => x[n]!), names.indexOf(name)).data);
    const top = Math.max(...expected.map(Math.abs));
    expected.forEach((g, i) => {
      const got = r.grads[name]![i]!;
      if (!(Math.abs(got - g) <= 1e-4 * top + 1e-4 * Math.abs(g) + 1e-6)) expect.fail(`${c.loss}: d/d${name}[${i}] = ${got}, oracle ${g}`);
    });
  }
}

const toTf = (x: X): Record<string, tf.Tensor> => Object.fromEntries(Object.entries(x).map(([k, v]) => [k, tf.tensor(Array.from(v.data), [...v.shape], 'float32')]));

describe('pairwise forms become contractions', () => {
  it.each(CASES.map((c) => [c.loss, c] as const))('%s: the rules fire, and no live node has both free axes and the contracted one', (_name, c) => {
    const { fn, rules } = lossFn(true, c.loss, true);
    for (const rule of c.rules) expect(rules).toContain(rule);
    expect(fn.gradients, 'the compiler differentiates it').toBeDefined();
    const live = liveNodes(fn);
    const pairwise = fn.nodes.filter((n) => live.has(n.id) && ['i', 'j', 'D'].every((a) => n.type.axes.some((x) => x.name === a)));
    expect(pairwise.map((n) => `%${n.id} ${n.op}[${n.type.axes.map((a) => a.name)}]`)).toEqual([]);
    // The backward pass is made of contractions too: one per operand and seed at least.
    expect(fn.nodes.filter((n) => live.has(n.id) && n.op === 'contract').length).toBeGreaterThanOrEqual(3);
  });

  it('the written form, without the optimizer, forms the [i, j, D] product (the test above can fail)', () => {
    const { fn } = lossFn(false, 'sqdist', true);
    const live = liveNodes(fn);
    expect(fn.nodes.some((n) => live.has(n.id) && ['i', 'j', 'D'].every((a) => n.type.axes.some((x) => x.name === a)))).toBe(true);
  });
});

describe.each(['cpu', 'wasm'] as const)('contractions on the tfjs evaluator (%s)', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it.each(CASES.map((c) => [c.loss, c] as const))('%s: value and gradient = the float64 oracle of the written formula', (_name, c) => {
    const { fn } = lossFn(true, c.loss);
    for (const seed of [1, 2, 3]) {
      const x = inputs(c, seed);
      const ts = toTf(x);
      try {
        const { value, grads } = valueAndGradsTfjs(fn, ts, {}, Object.keys(x));
        const r: Result = { loss: value.dataSync()[0]!, grads: Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, g.dataSync() as Float32Array])) };
        tf.dispose([value, ...Object.values(grads)]);
        expectMatchesOracle(r, c, x);
      } finally {
        tf.dispose(Object.values(ts));
      }
    }
  });
});

describe('contractions in the generated module (wasm)', () => {
  type LossFunction = (...args: unknown[]) => tf.Tensor;
  let mod: Record<string, LossFunction>;

  beforeAll(async () => {
    await initBackend('wasm');
    const { code, diagnostics } = await compile(SOURCE, FILE);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(code).toContain('tf.matMul(');
    mod = await importModule<Record<string, LossFunction>>(code!, 'opt');
  });

  it.each(CASES.map((c) => [c.loss, c] as const))('%s: value and gradient = the float64 oracle', (_name, c) => {
    for (const seed of [4, 5]) {
      const x = inputs(c, seed);
      const order = Object.keys(x);
      const ts = toTf(x);
      try {
        const f = (...xs: tf.Tensor[]): tf.Scalar => mod[c.loss]!(...xs) as tf.Scalar;
        const { value, grads } = tf.valueAndGrads(f)(order.map((k) => ts[k]!));
        const r: Result = { loss: value.dataSync()[0]!, grads: Object.fromEntries(order.map((k, i) => [k, grads[i]!.dataSync() as Float32Array])) };
        tf.dispose([value, ...grads]);
        expectMatchesOracle(r, c, x);
      } finally {
        tf.dispose(Object.values(ts));
      }
    }
  });
});

// Rows that share a large offset and lie close together: unnormalized embeddings (all-positive
// ReLU features, say). Uncentered, ‖a‖² + ‖b‖² - 2a·b at norm 870 has an absolute error near
// 1e-7·1.5e6 = 0.15, larger than every squared distance here (about 0.003): the loss came out
// 0 with gradient 0. The expansion subtracts ?a's mean first, so its error scales with the
// rows' spread (0.1), not their offset (500).
describe.each(['cpu', 'wasm'] as const)('the Gram expansion far from the origin (%s)', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  const offset = (c: Case, seed: number): X => {
    const rng = mulberry32(seed);
    return Object.fromEntries(Object.entries(c.shapes).map(([k, shape]) => {
      const n = shape.reduce((p, s) => p * s, 1);
      const value = (): number => (k === 'w' ? rng.next() + 0.5 : 500 + 0.1 * rng.next());
      return [k, fromArray(Float64Array.from({ length: n }, () => Math.fround(value())), shape)];
    }));
  };

  it.each(CASES.filter((c) => c.rules.includes('sqdist-gram')).map((c) => [c.loss, c] as const))('%s: distances of about 0.05 at norm 870 keep 4 digits, value and gradient', (_name, c) => {
    const { fn, rules } = lossFn(true, c.loss);
    expect(rules).toContain('sqdist-gram');
    for (const seed of [7, 8]) {
      const x = offset(c, seed);
      const ts = toTf(x);
      try {
        const { value, grads } = valueAndGradsTfjs(fn, ts, {}, Object.keys(x));
        const got = value.dataSync()[0]!;
        const want = c.oracle(x);
        expect(Math.abs(got - want), `${c.loss}: ${got}, oracle ${want}`).toBeLessThanOrEqual(1e-4 * Math.abs(want));
        for (const name of Object.keys(x).filter((n) => n !== 'w')) {
          const names = Object.keys(x);
          const expected = fdGrad((...xs) => c.oracle(Object.fromEntries(names.map((n, i) => [n, xs[i]!]))), names.map((n) => x[n]!), names.indexOf(name), { h: 1e-9 }).data;
          const top = Math.max(...Array.from(expected, Math.abs));
          const g = grads[name]!.dataSync();
          expected.forEach((e, i) => {
            if (!(Math.abs(g[i]! - e) <= 1e-3 * top)) expect.fail(`${c.loss}: d/d${name}[${i}] = ${g[i]}, oracle ${e}`);
          });
        }
        tf.dispose([value, ...Object.values(grads)]);
      } finally {
        tf.dispose(Object.values(ts));
      }
    }
  });
});

// Equal rows (not only the diagonal) are at distance 0 as written; the expansion left them a
// rounding residue of about 1e-7·(‖a′‖² + ‖b′‖²), and a guard on d > 0 took the log of it: on
// cpu this loss came out 0.0278 against 0.4706. Below the expansion's rounding it is 0.
describe.each(['cpu', 'wasm'] as const)('a guard on a Gram-expanded distance at equal rows (%s)', (backend) => {
  const GUARDED = `loss guard(e: [N, D]) = mean(if sum((e[i] - e[j])^2, D) > 0 then log(sum((e[i] - e[j])^2, D)) else 0)`;
  beforeAll(async () => {
    await initBackend(backend);
  });

  it.each([5, 6, 7])('seed %i: the value of the formula as written, finite gradients', (seed) => {
    const r = frontEnd(GUARDED, 'guard.loss', { optimize: true, gradients: true });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect((r.rewrites.get('guard') ?? []).map((w) => w.rule)).toContain('sqdist-gram');
    const rng = mulberry32(seed);
    const [n, d] = [6, 3];
    const rows = Array.from({ length: n }, () => Array.from({ length: d }, () => Math.fround(2 * rng.next() - 1)));
    rows[1] = [...rows[0]!];
    rows[4] = [...rows[2]!];
    let want = 0;
    for (const u of rows) for (const v of rows) {
      const s = u.reduce((t, x, k) => t + (x - v[k]!) ** 2, 0);
      want += s > 0 ? Math.log(s) : 0;
    }
    want /= n * n;
    const e = tf.tensor2d(rows);
    try {
      const { value, grads } = valueAndGradsTfjs(r.losses[0]!, { e }, {}, ['e']);
      expect(Math.abs(value.dataSync()[0]! - want)).toBeLessThanOrEqual(1e-4 * Math.abs(want));
      expect(Array.from(grads.e!.dataSync()).every(Number.isFinite)).toBe(true);
      tf.dispose([value, ...Object.values(grads)]);
    } finally {
      e.dispose();
    }
  });
});
