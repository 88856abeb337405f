// The bench compares each compiled stdlib loss with hand-written tfjs ports (bench/baselines/),
// tf.losses and the tutorial's loop versions. This checks that they compute the same thing —
// the same value and the same gradients on small seeded inputs — so that the comparison is of
// equals, and that none of them leaks tensors. Not timed.
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as base from '../bench/baselines/metric.js';
import { CASES } from '../bench/cases/index.js';
import { mulberry32 } from '../bench/cases/random.js';
import type { BenchCase, GeneratedModule, Inputs, LossFn } from '../bench/cases/types.js';
import { compile } from './helpers/compile-cache.js';
import { initBackend } from '../src/eval/setup.js';
import { fsHost } from '../src/cli/files.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';

const modules = new Map<string, GeneratedModule>();

beforeAll(async () => {
  await initBackend('wasm');
  const dir = resolve('test/.tmp/bench-baselines');
  mkdirSync(dir, { recursive: true });
  for (const file of new Set(CASES.map((c) => c.file))) {
    const source = `stdlib/${file}.loss`;
    const r = await compile(readFileSync(source, 'utf8'), source, { host: fsHost });
    expect(r.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
    const path = resolve(dir, `${file}.ts`);
    writeFileSync(path, r.code!);
    modules.set(file, (await import(/* @vite-ignore */ path)) as GeneratedModule);
  }
}, 120_000);

interface Run {
  value: number;
  grads: Float32Array[];
}

/** Value and gradients (w.r.t. the case's `wrt` inputs) of one implementation; no tensor may leak. */
function run(c: BenchCase, f: LossFn, x: Inputs): Run {
  const before = tf.memory().numTensors;
  const value = f(x);
  expect(value.shape, 'a scalar').toEqual([]);
  const v = value.dataSync()[0]!;
  value.dispose();
  const { value: v2, grads } = tf.valueAndGrads((...ts: tf.Tensor[]) => f({ ...x, ...Object.fromEntries(c.wrt.map((n, i) => [n, ts[i]!])) }))(c.wrt.map((n) => x[n]!));
  const out = { value: v, grads: grads.map((g) => g.dataSync() as Float32Array) };
  tf.dispose([v2, ...grads]);
  expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
  return out;
}

const maxAbs = (a: Float32Array): number => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const maxDiff = (a: Float32Array, b: Float32Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe.each(CASES.map((c) => ({ loss: c.loss, c })))('$loss', ({ c }) => {
  it('baseline, tf.losses and the loop version = the compiled module: value and gradients', () => {
    const size = c.sizes[0]!;
    const x = c.inputs(c.dims(size), mulberry32(17));
    const mod = modules.get(c.file)!;
    try {
      const want = run(c, (y) => c.compiled(mod, y, {}), x);
      expect(Number.isFinite(want.value)).toBe(true);
      const others: [string, LossFn][] = [
        ['compiled, checkValues: false', (y) => c.compiled(mod, y, { checkValues: false })],
        ['baseline', c.baseline],
        ...(c.tfLosses ? [['tf.losses', c.tfLosses] as [string, LossFn]] : []),
        ...(c.loop ? [['loop', c.loop] as [string, LossFn]] : []),
      ];
      for (const [name, f] of others) {
        const got = run(c, f, x);
        expect(Math.abs(got.value - want.value), `${name} value ${got.value} vs ${want.value}`).toBeLessThanOrEqual(2e-5 * Math.max(1, Math.abs(want.value)));
        c.wrt.forEach((input, k) => {
          const [g, w] = [got.grads[k]!, want.grads[k]!];
          expect(g.length).toBe(w.length);
          expect(maxDiff(g, w), `${name} d/d${input}`).toBeLessThanOrEqual(1e-3 * maxAbs(w) + 1e-7);
        });
      }
    } finally {
      tf.dispose(Object.values(x));
    }
  });
});

// bench/pairwise.ts times losses a user writes (bench/pairwise/user.loss) against expert
// versions in baselines/metric.ts: the same check, on a small batch.
describe('the pairwise bench: user losses = their expert versions', () => {
  let user: Record<string, (...a: unknown[]) => tf.Scalar>;
  beforeAll(async () => {
    const source = 'bench/pairwise/user.loss';
    const r = await compile(readFileSync(source, 'utf8'), source, { host: fsHost });
    expect(r.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
    const path = resolve('test/.tmp/bench-baselines/pairwise-user.ts');
    writeFileSync(path, r.code!);
    user = (await import(/* @vite-ignore */ path)) as typeof user;
  }, 120_000);

  const rng = mulberry32(23);
  const normal = (shape: number[]): tf.Tensor => tf.tensor(Array.from({ length: shape.reduce((p, s) => p * s, 1) }, () => rng() * 2 - 1), shape);
  const labels = (n: number, classes: number): tf.Tensor => tf.tensor1d(Array.from({ length: n }, (_, i) => (i * 7) % classes), 'int32');
  const CASES_PAIRWISE: readonly { loss: string; inputs: () => Inputs; wrt: readonly string[]; baseline: LossFn; args: readonly string[] }[] = [
    { loss: 'contrastive_pairs', inputs: () => ({ e: normal([12, 6]), label: labels(12, 4) }), wrt: ['e'], baseline: (x) => base.contrastivePairs(x.e!, x.label!), args: ['e', 'label'] },
    { loss: 'supcon', inputs: () => ({ z: normal([12, 6]), label: labels(12, 4) }), wrt: ['z'], baseline: (x) => base.supcon(x.z!, x.label!), args: ['z', 'label'] },
    // 12 rows over 5 of 7 classes: classes without a row get gradient 0.
    { loss: 'center', inputs: () => ({ x: normal([12, 6]), y: labels(12, 5), centers: normal([7, 6]) }), wrt: ['x', 'centers'], baseline: (x) => base.center(x.x!, x.y!, x.centers!), args: ['x', 'y', 'centers'] },
  ];

  it.each(CASES_PAIRWISE.map((c) => [c.loss, c] as const))('%s', (_name, c) => {
    const x = c.inputs();
    try {
      const bc = { wrt: c.wrt } as unknown as BenchCase;
      const want = run(bc, (y) => user[c.loss]!(...c.args.map((a) => y[a])), x);
      const got = run(bc, c.baseline, x);
      expect(Number.isFinite(want.value) && want.value > 0).toBe(true);
      expect(Math.abs(got.value - want.value), `value ${got.value} vs ${want.value}`).toBeLessThanOrEqual(2e-5 * Math.max(1, Math.abs(want.value)));
      c.wrt.forEach((input, k) => expect(maxDiff(got.grads[k]!, want.grads[k]!), `d/d${input}`).toBeLessThanOrEqual(1e-3 * maxAbs(want.grads[k]!) + 1e-7));
    } finally {
      tf.dispose(Object.values(x));
    }
  });
});
