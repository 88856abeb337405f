// Masks over pairs (`i != j`, `(w, b) != (v, a)`, label masks and their and/or) built at the
// full shape without broadcasting logical kernels or tiling selects (src/lower/body.ts: wasm
// broadcasts those element by element): the values and gradients of losses that use every
// form, against float64 oracles written here from the formulas and their central
// differences, in the generated module (derived gradients and autodiff) and the tfjs
// evaluator on wasm and cpu; the kernels tf.profile lists (no Tile, logical ops and selects
// on operands of one shape); and module, evaluator and reference agreeing on random inputs.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from './helpers/compile-cache.js';
import { initBackend } from '../src/eval/setup.js';
import { valueAndGradsTfjs } from '../src/eval/evaluate.js';
import { frontEnd } from '../src/pipeline.js';
import { importModule } from './fuzz/compare.js';
import { expectAgreement } from './fuzz/differential.js';
import { fdGrad } from './oracle/fd.js';
import { fromArray, mulberry32, type F64Tensor } from './oracle/tensor.js';

const SOURCE = `
loss pairs(e: [N, D], label: int[N], margin: real = 1.0) =
  mean(if label[i] == label[j] then d[i, j] else relu(margin - d[i, j])^2, (i, j), where: i != j)
  where d[i, j] = sum((e[i] - e[j])^2, D)

loss views(zi: [N, D], zj: [N, D]) =
  mean(logsumexp(s[v, a, w, b], (w, b), where: (w, b) != (v, a)) - pos[v, a], (v, a))
  where
    z[v, a]       = stack(zi, zj, V)
    s[v, a, w, b] = dot(z[v, a], z[w, b], D)
    pos[v, a]     = sum(s[v, a, w, a], w, where: w != v)

loss hardest(e: [N, D], label: int[N]) =
  mean(relu(hp[i] - hn[i] + 1), i, where: valid[i])
  where
    d[i, j]      = sum((e[i] - e[j])^2, D)
    is_pos[i, j] = label[i] == label[j] and i != j
    hp[i]        = max(d[i, j], j, where: is_pos[i, j])
    hn[i]        = min(d[i, j], j, where: label[i] != label[j])
    valid[i]     = any(is_pos[i, j], j) and not all(label[i] == label[j] or i == j, j)
`;

type X = Record<string, F64Tensor>;
const at = (t: F64Tensor, ...i: number[]): number => t.data[i.reduce((flat, k, d) => flat * t.shape[d]! + k, 0)]!;

interface Case {
  readonly loss: string;
  readonly args: readonly string[];
  readonly shapes: Record<string, readonly number[]>;
  /** Integer inputs: the label values drawn from. */
  readonly labels?: Record<string, readonly number[]>;
  readonly oracle: (x: X) => number;
}

const [N, D] = [5, 3];
const sqdist = (e: F64Tensor, i: number, j: number): number => {
  let s = 0;
  for (let k = 0; k < D; k++) s += (at(e, i, k) - at(e, j, k)) ** 2;
  return s;
};

const pairs = ({ e, label }: X): number => {
  let s = 0;
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      if (i === j) continue;
      const d = sqdist(e!, i, j);
      s += at(label!, i) === at(label!, j) ? d : Math.max(0, 1 - d) ** 2;
    }
  }
  return s / (N * (N - 1));
};

const views = ({ zi, zj }: X): number => {
  const z = (v: number, a: number, k: number): number => at(v === 0 ? zi! : zj!, a, k);
  const s = (v: number, a: number, w: number, b: number): number => {
    let t = 0;
    for (let k = 0; k < D; k++) t += z(v, a, k) * z(w, b, k);
    return t;
  };
  let total = 0;
  for (let v = 0; v < 2; v++) {
    for (let a = 0; a < N; a++) {
      let m = -Infinity;
      for (let w = 0; w < 2; w++) for (let b = 0; b < N; b++) if (w !== v || b !== a) m = Math.max(m, s(v, a, w, b));
      let sum = 0;
      for (let w = 0; w < 2; w++) for (let b = 0; b < N; b++) if (w !== v || b !== a) sum += Math.exp(s(v, a, w, b) - m);
      total += m + Math.log(sum) - s(v, a, 1 - v, a);
    }
  }
  return total / (2 * N);
};

const hardest = ({ e, label }: X): number => {
  let total = 0;
  let count = 0;
  for (let i = 0; i < N; i++) {
    let hp = -Infinity;
    let hn = Infinity;
    for (let j = 0; j < N; j++) {
      const same = at(label!, i) === at(label!, j);
      if (same && i !== j) hp = Math.max(hp, sqdist(e!, i, j));
      if (!same) hn = Math.min(hn, sqdist(e!, i, j));
    }
    if (hp === -Infinity || hn === Infinity) continue;
    total += Math.max(0, hp - hn + 1);
    count++;
  }
  return count === 0 ? 0 : total / count;
};

// Labels above 2^24 that float32 cannot tell apart: a label mask computed in float32 would
// call 16777216 and 16777217 equal.
const BIG = [16777216, 16777217, 16777216, 16777217, 3];
const CASES: readonly Case[] = [
  { loss: 'pairs', args: ['e', 'label'], shapes: { e: [N, D], label: [N] }, labels: { label: [0, 1, 0, 2, 1] }, oracle: pairs },
  { loss: 'pairs', args: ['e', 'label'], shapes: { e: [N, D], label: [N] }, labels: { label: BIG }, oracle: pairs },
  { loss: 'views', args: ['zi', 'zj'], shapes: { zi: [N, D], zj: [N, D] }, oracle: views },
  { loss: 'hardest', args: ['e', 'label'], shapes: { e: [N, D], label: [N] }, labels: { label: [0, 1, 0, 2, 1] }, oracle: hardest },
  { loss: 'hardest', args: ['e', 'label'], shapes: { e: [N, D], label: [N] }, labels: { label: BIG }, oracle: hardest },
];

function inputs(c: Case, seed: number): X {
  const rng = mulberry32(seed);
  return Object.fromEntries(Object.entries(c.shapes).map(([k, shape]) => {
    const n = shape.reduce((p, s) => p * s, 1);
    const labels = c.labels?.[k];
    const value = (i: number): number => (labels ? labels[i]! : Math.fround(rng.next() * 1.6 - 0.8));
    return [k, fromArray(Float64Array.from({ length: n }, (_, i) => value(i)), shape)];
  }));
}

const isLabel = (c: Case, k: string): boolean => c.labels?.[k] !== undefined;
const toTf = (c: Case, x: X): tf.Tensor[] => c.args.map((k) => tf.tensor(Array.from(x[k]!.data), [...x[k]!.shape], isLabel(c, k) ? 'int32' : 'float32'));
const realArgs = (c: Case): string[] => c.args.filter((k) => !isLabel(c, k));

function expectOracle(c: Case, x: X, value: number, grads: Record<string, ArrayLike<number>>, what: string): void {
  const want = c.oracle(x);
  expect(Math.abs(value - want), `${what}: ${value}, oracle ${want}`).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(want)));
  const names = Object.keys(x);
  for (const k of realArgs(c)) {
    const expected = fdGrad((...ts) => c.oracle(Object.fromEntries(names.map((n, i) => [n, ts[i]!]))), names.map((n) => x[n]!), names.indexOf(k)).data;
    const got = grads[k]!;
    expected.forEach((e, i) => {
      if (!(Math.abs(got[i]! - e) <= 2e-4 * (1 + Math.abs(e)))) expect.fail(`${what}: d/d${k}[${i}] = ${got[i]}, oracle ${e}`);
    });
  }
}

type LossFunction = (...args: unknown[]) => tf.Scalar;

describe.each(['wasm', 'cpu'] as const)('pair masks (%s)', (backend) => {
  const modules: Record<string, Record<string, LossFunction>> = {};

  beforeAll(async () => {
    await initBackend(backend);
    for (const autodiff of [false, true]) {
      const r = await compile(SOURCE, 'masks.loss', { autodiff });
      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      modules[autodiff ? 'autodiff' : 'derived'] = await importModule<Record<string, LossFunction>>(r.code!, `masks-${autodiff}`);
    }
  });

  it.each(CASES.map((c, k) => [`${c.loss} #${k}`, c] as const))('%s: module (derived and autodiff) and evaluator = the float64 oracle, values and gradients', (_name, c) => {
    for (const seed of [1, 2]) {
      const x = inputs(c, seed);
      const ts = toTf(c, x);
      const wrt = realArgs(c).map((k) => c.args.indexOf(k));
      try {
        for (const [kind, mod] of Object.entries(modules)) {
          const f = (...reals: tf.Tensor[]): tf.Scalar => mod[c.loss]!(...ts.map((t, i) => (wrt.includes(i) ? reals[wrt.indexOf(i)]! : t)));
          const { value, grads } = tf.valueAndGrads(f)(wrt.map((i) => ts[i]!));
          expectOracle(c, x, value.dataSync()[0]!, Object.fromEntries(realArgs(c).map((k, i) => [k, grads[i]!.dataSync()])), `${c.loss} (${kind} module)`);
          tf.dispose([value, ...grads]);
        }
        const fn = frontEnd(SOURCE, 'masks.loss', {}).losses.find((l) => l.name === c.loss)!;
        const named = Object.fromEntries(c.args.map((k, i) => [k, ts[i]!]));
        const { value, grads } = valueAndGradsTfjs(fn, named, {}, realArgs(c));
        expectOracle(c, x, value.dataSync()[0]!, Object.fromEntries(realArgs(c).map((k) => [k, grads[k]!.dataSync()])), `${c.loss} (evaluator)`);
        tf.dispose([value, ...Object.values(grads)]);
      } finally {
        tf.dispose(ts);
      }
    }
  });

  it.each(['pairs', 'views', 'hardest'])('%s: forward and backward without Tile, and logical ops and selects on operands of one shape', async (loss) => {
    const c = CASES.find((k) => k.loss === loss)!;
    const ts = toTf(c, inputs(c, 3));
    const wrt = realArgs(c).map((k) => c.args.indexOf(k));
    const f = (...reals: tf.Tensor[]): tf.Scalar => modules.derived![loss]!(...ts.map((t, i) => (wrt.includes(i) ? reals[wrt.indexOf(i)]! : t)));
    const profile = await tf.profile(() => {
      const { value, grads } = tf.valueAndGrads(f)(wrt.map((i) => ts[i]!));
      tf.dispose([value, ...grads]);
    });
    tf.dispose(ts);
    const names = profile.kernels.map((k) => k.name);
    expect(names).not.toContain('Tile');
    const uneven = profile.kernels.filter((k) => ['LogicalAnd', 'LogicalOr', 'Select'].includes(k.name) && k.inputShapes.some((s) => JSON.stringify(s) !== JSON.stringify(k.inputShapes[0])));
    expect(uneven.map((k) => `${k.name} ${JSON.stringify(k.inputShapes)}`)).toEqual([]);
  });
});

describe('pair masks on random inputs: module, evaluator and reference agree', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it.each([1, 2])('seed %i', async (seed) => {
    await expectAgreement(SOURCE, seed);
  });
});
