// Gathers of whole rows at their real size: `centers[y]` with centers [C, D] and labels [N]
// (a center loss's learnable table), and gathers batched over axes the table and the indices
// share. They are one tf.gather of rows off the gradient tape and a one-hot matMul on it (the
// --autodiff module), never a broadcast of the table to [N, D, C]. Checked against float64
// oracles written here from the formulas and their central differences, in the generated
// module (derived gradients and autodiff) and the tfjs evaluator, and across module,
// evaluator and reference evaluator on random inputs.
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
loss center(x: [N, D], y: index[N] of C, centers: [C, D]) = mean(sum((x - centers[y])^2, D)) / 2
loss batched(x: [B, C, D], t: index[B, K] of C, w: [B, K, D]) = sum(w * x[t])
loss rows(x: [N, C, D], t: index[N] of C, w: [N, D]) = sum(w * x[t])
`;

type X = Record<string, F64Tensor>;
const at = (t: F64Tensor, ...i: number[]): number => t.data[i.reduce((flat, k, d) => flat * t.shape[d]! + k, 0)]!;

interface Case {
  readonly loss: string;
  readonly args: readonly string[];
  readonly shapes: Record<string, readonly number[]>;
  /** Inputs holding class indices, and their number of classes. */
  readonly classes: Record<string, number>;
  readonly oracle: (x: X) => number;
}

const [N, C, D, B, K] = [6, 5, 4, 2, 3];
const CASES: readonly Case[] = [
  {
    loss: 'center', args: ['x', 'y', 'centers'], shapes: { x: [N, D], y: [N], centers: [C, D] }, classes: { y: C },
    oracle: ({ x, y, centers }) => {
      let s = 0;
      for (let n = 0; n < N; n++) for (let d = 0; d < D; d++) s += (at(x!, n, d) - at(centers!, at(y!, n), d)) ** 2;
      return s / N / 2;
    },
  },
  {
    loss: 'batched', args: ['x', 't', 'w'], shapes: { x: [B, C, D], t: [B, K], w: [B, K, D] }, classes: { t: C },
    oracle: ({ x, t, w }) => {
      let s = 0;
      for (let b = 0; b < B; b++) for (let k = 0; k < K; k++) for (let d = 0; d < D; d++) s += at(w!, b, k, d) * at(x!, b, at(t!, b, k), d);
      return s;
    },
  },
  {
    loss: 'rows', args: ['x', 't', 'w'], shapes: { x: [N, C, D], t: [N], w: [N, D] }, classes: { t: C },
    oracle: ({ x, t, w }) => {
      let s = 0;
      for (let n = 0; n < N; n++) for (let d = 0; d < D; d++) s += at(w!, n, d) * at(x!, n, at(t!, n), d);
      return s;
    },
  },
];

function inputs(c: Case, seed: number): X {
  const rng = mulberry32(seed);
  return Object.fromEntries(Object.entries(c.shapes).map(([k, shape]) => {
    const n = shape.reduce((p, s) => p * s, 1);
    const classes = c.classes[k];
    // Class indices repeat and skip some classes: rows of the table no label picks get gradient 0.
    const value = (): number => (classes !== undefined ? Math.floor(rng.next() * (classes - 1)) : Math.fround(rng.next() * 4 - 2));
    return [k, fromArray(Float64Array.from({ length: n }, value), shape)];
  }));
}

const toTf = (c: Case, x: X): tf.Tensor[] => c.args.map((k) => tf.tensor(Array.from(x[k]!.data), [...x[k]!.shape], c.classes[k] !== undefined ? 'int32' : 'float32'));
const realArgs = (c: Case): string[] => c.args.filter((k) => c.classes[k] === undefined);

function expectOracle(c: Case, x: X, value: number, grads: Record<string, ArrayLike<number>>, what: string): void {
  const want = c.oracle(x);
  expect(Math.abs(value - want), `${what}: ${value}, oracle ${want}`).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(want)));
  const names = Object.keys(x);
  for (const k of realArgs(c)) {
    const expected = fdGrad((...ts) => c.oracle(Object.fromEntries(names.map((n, i) => [n, ts[i]!]))), names.map((n) => x[n]!), names.indexOf(k)).data;
    const got = grads[k]!;
    expected.forEach((e, i) => {
      if (!(Math.abs(got[i]! - e) <= 1e-4 * (1 + Math.abs(e)))) expect.fail(`${what}: d/d${k}[${i}] = ${got[i]}, oracle ${e}`);
    });
  }
}

describe.each(['wasm', 'cpu'] as const)('gathers of rows (%s)', (backend) => {
  type LossFunction = (...args: unknown[]) => tf.Scalar;
  const modules: Record<string, Record<string, LossFunction>> = {};

  beforeAll(async () => {
    await initBackend(backend);
    for (const autodiff of [false, true]) {
      const r = await compile(SOURCE, 'gather.loss', { autodiff });
      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      // No broadcast of the table: the gather is tf.gather of rows, or a matMul on the tape.
      expect(r.code).not.toContain('takeAlongLast(');
      expect(r.code).toContain(autodiff ? 'tf.matMul(tf.reshape(tf.cast(tf.equal(' : 'tf.gather(tf.reshape(');
      modules[autodiff ? 'autodiff' : 'derived'] = await importModule<Record<string, LossFunction>>(r.code!, `gather-${autodiff}`);
    }
  });

  it.each(CASES.map((c) => [c.loss, c] as const))('%s: module (derived and autodiff) and evaluator = the float64 oracle, values and gradients', (_name, c) => {
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
        const fn = frontEnd(SOURCE, 'gather.loss', {}).losses.find((l) => l.name === c.loss)!;
        const named = Object.fromEntries(c.args.map((k, i) => [k, ts[i]!]));
        const { value, grads } = valueAndGradsTfjs(fn, named, {}, realArgs(c));
        expectOracle(c, x, value.dataSync()[0]!, Object.fromEntries(realArgs(c).map((k) => [k, grads[k]!.dataSync()])), `${c.loss} (evaluator)`);
        tf.dispose([value, ...Object.values(grads)]);
      } finally {
        tf.dispose(ts);
      }
    }
  });
});

describe('gathers of rows on random inputs: module, evaluator and reference agree', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it.each([1, 2, 3])('seed %i', async (seed) => {
    await expectAgreement(SOURCE, seed);
  });
});
