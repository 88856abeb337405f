// Tiling (src/ir/tile.ts, src/lower/tile.ts, src/lower/tile-grad.ts): what the row blocks read
// that does not depend on their rows is computed once per pass, not once per block (counted
// in the kernels tfjs runs), and the tiled backward pass is the compiler's derived one, so
// that at the points its guards exist for (a zero-distance pair, equal rows) the tiled
// gradients are the untiled ones and a float64 oracle's, where tfjs's autodiff of a block
// gave NaN.
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { check } from '../src/api.js';
import { compile } from './helpers/compile-cache.js';
import { typecheckGenerated } from '../src/emit/typecheck.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';
import { valueAndGradsTfjs } from '../src/eval/evaluate.js';
import { initBackend } from '../src/eval/setup.js';
import { analyzeTiling } from '../src/ir/tile.js';
import type { IrFunction } from '../src/ir/types.js';
import { lossFn } from './helpers/loss-harness.js';
import { batch_hard_triplet } from './oracle/metric.js';
import { fromNested, mulberry32, randomTensor, roundF32, type F64Tensor } from './oracle/tensor.js';

const MET = 'stdlib/metric.loss';

const USER = `
loss log_dist(e: [N, D]) =
  mean(if d > 0 then log(d) else 0, (i, j))
  where d[i, j] = sum((e[i] - e[j])^2, D)

loss cos_nce(a: [N, D], b: [N, D]) =
  mean(logsumexp(s, j) - s[i, i], i)
  where s[i, j] = dot(normalize(a, D)[i], normalize(b, D)[j], D)
`;

const user = (name: string): IrFunction => {
  const r = check(USER, 'user.loss');
  expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d))).toEqual([]);
  return r.losses.find((l) => l.name === name)!;
};

interface Run {
  readonly value: number;
  readonly grads: Float32Array[];
}

function run(fn: IrFunction, x: Record<string, F64Tensor>, wrt: readonly string[], blockRows?: number): Run {
  const before = tf.memory().numTensors;
  const inputs = Object.fromEntries(Object.entries(x).map(([k, v]) => [k, tf.tensor(Array.from(v.data), v.shape, fn.inputs.find((i) => i.name === k)!.elem === 'real' ? 'float32' : 'int32')]));
  const r = valueAndGradsTfjs(fn, inputs, {}, wrt, blockRows === undefined ? {} : { blockRows });
  const out = { value: r.value.dataSync()[0]!, grads: wrt.map((n) => r.grads[n]!.dataSync() as Float32Array) };
  tf.dispose([r.value, ...Object.values(r.grads), ...Object.values(inputs)]);
  expect(tf.memory().numTensors).toBe(before);
  return out;
}

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number): void => {
  expect(a.length).toBe(b.length);
  for (let k = 0; k < a.length; k++) {
    expect(Number.isFinite(a[k]!), `element ${k} is ${a[k]}`).toBe(true);
    expect(Math.abs(a[k]! - b[k]!), `element ${k}: ${a[k]} against ${b[k]}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b[k]!)));
  }
};

/**
 * The float64 gradient of log_dist by hand: L = 1/N² Σ_{i,j: d>0} log d_ij, d_ij = ‖e_i − e_j‖²,
 * so ∂L/∂e_k = 1/N² Σ_{j: d_kj > 0} 2 · 2(e_k − e_j) / d_kj (the pair counted as (k, j) and (j, k)).
 */
function logDist(e: F64Tensor): number {
  const [n, d] = e.shape as [number, number];
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let dist = 0;
      for (let c = 0; c < d; c++) dist += (e.data[i * d + c]! - e.data[j * d + c]!) ** 2;
      if (dist > 0) total += Math.log(dist);
    }
  }
  return total / (n * n);
}

function logDistGrad(e: F64Tensor): Float64Array {
  const [n, d] = e.shape as [number, number];
  const row = (i: number): Float64Array => e.data.subarray(i * d, (i + 1) * d);
  const out = new Float64Array(n * d);
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < n; j++) {
      let dist = 0;
      for (let c = 0; c < d; c++) dist += (row(k)[c]! - row(j)[c]!) ** 2;
      if (!(dist > 0)) continue;
      for (let c = 0; c < d; c++) out[k * d + c]! += (4 * (row(k)[c]! - row(j)[c]!)) / dist / (n * n);
    }
  }
  return out;
}

describe.each(['cpu', 'wasm'] as const)('at the points the derived gradient guards, on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it('a log behind `if d > 0` with two equal rows (d = 0 off the diagonal too): tiled = untiled = the float64 gradient, all finite', () => {
    const fn = user('log_dist');
    expect('plan' in analyzeTiling(fn)).toBe(true);
    // Rows 0 and 1 equal. Small whole numbers: the distances are exact in float32 however they
    // are computed (as ‖a‖² + ‖b‖² − 2a·b the equal rows' can otherwise round to a tiny d > 0).
    const e = fromNested([[1, 2, 0], [1, 2, 0], [0, 1, -1], [3, -1, 2], [2, 2, 1], [-1, 0, 1]]);
    const base = run(fn, { e }, ['e']);
    const oracle = logDistGrad(e);
    close([base.value], [logDist(e)], 1e-6);
    close(base.grads[0]!, oracle, 1e-4);
    for (const blockRows of [1, 2, 4]) {
      const tiled = run(fn, { e }, ['e'], blockRows);
      close([tiled.value], [base.value], 1e-6);
      close(tiled.grads[0]!, oracle, 1e-4);
    }
  });

  it('batch_hard_triplet with a zero-distance positive pair: tiled = untiled, all finite', () => {
    const fn = lossFn(MET, 'batch_hard_triplet');
    const e = fromNested([[0, 0], [0, 0], [1, 0], [0, 2], [0, -2], [1, 1]]);
    const label = fromNested([0, 0, 0, 1, 1, 1]);
    const base = run(fn, { e, label }, ['e']);
    expect(base.value).toBeCloseTo(batch_hard_triplet(e, label, { margin: 1 }), 5);
    for (const blockRows of [1, 2, 4]) {
      const tiled = run(fn, { e, label }, ['e'], blockRows);
      close([tiled.value], [base.value], 1e-6);
      close(tiled.grads[0]!, base.grads[0]!, 1e-5);
    }
  });

  it('a cosine-similarity loss with equal rows across and within the views: tiled = untiled', () => {
    const fn = user('cos_nce');
    const a = fromNested([[1, 2, 0], [1, 2, 0], [0, 1, -1], [3, -1, 2]]);
    const b = fromNested([[1, 2, 0], [2, 4, 0], [1, 2, 0], [2, 1, 1]]);
    const base = run(fn, { a, b }, ['a', 'b']);
    for (const blockRows of [1, 3]) {
      const tiled = run(fn, { a, b }, ['a', 'b'], blockRows);
      close([tiled.value], [base.value], 1e-6);
      tiled.grads.forEach((g, k) => close(g, base.grads[k]!, 1e-5));
    }
  });
});

describe('work that does not depend on the rows runs once per pass', () => {
  /** Kernels by name over one forward and backward pass of `fn`. */
  async function kernels(fn: IrFunction, x: Record<string, F64Tensor>, wrt: readonly string[], blockRows: number): Promise<Map<string, number>> {
    const info = await tf.profile(() => {
      run(fn, x, wrt, blockRows);
    });
    const counts = new Map<string, number>();
    for (const k of info.kernels) counts.set(k.name, (counts.get(k.name) ?? 0) + 1);
    return counts;
  }

  it.each(['cpu', 'wasm'] as const)('normalising the embeddings (Sqrt) runs as often at 7 blocks as at 2, while the blocks\' matMuls scale with their number (%s)', async (backend) => {
    await initBackend(backend);
    const fn = lossFn(MET, 'info_nce');
    const rng = mulberry32(8);
    const x = { zi: roundF32(randomTensor([14, 4], rng)), zj: roundF32(randomTensor([14, 4], rng)) };
    const few = await kernels(fn, x, ['zi', 'zj'], 7); // 2 blocks
    const many = await kernels(fn, x, ['zi', 'zj'], 2); // 7 blocks
    // Only normalize takes a square root: once in the forward, once in the backward pass.
    expect(few.get('Sqrt')).toBeGreaterThan(0);
    expect(many.get('Sqrt')).toBe(few.get('Sqrt'));
    expect(many.get('Sqrt')).toBeLessThanOrEqual(3);
    // Each block's similarities and their gradients are matMuls: per block, forward and backward.
    expect(many.get('BatchMatMul')! - few.get('BatchMatMul')!).toBeGreaterThanOrEqual(5 * 3);
  });
});

describe('lossc explain (the CLI, as a process; `npm run build` first)', () => {
  it("names what a tiled loss computes once per pass: info_nce's normalised embeddings", () => {
    const run = spawnSync(process.execPath, ['bin/lossc.js', 'explain', MET, '--loss', 'info_nce'], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    const line = run.stdout.split('\n').find((l) => l.includes('computed once per pass'));
    // normalize(stack(zi, zj), D) is a div by the rows' norms: the value the entries slice.
    expect(line).toMatch(/computed once per pass, before the blocks: %\d+ \w+/);
    expect(run.stdout).toMatch(/tiles over rows a:N/);
  });
});

describe('the generated module', () => {
  // Tiled over the classes C, where the programs lowered per block do not read every block of
  // rows they could be given: those are left out (they were TS6133 under noUnusedLocals).
  const DICE = `
loss dice_over_classes(x: [B, C, H, W], t: index[B, H, W] of C, eps: real in (0, inf) = 1e-7) =
  mean(if present then 1 - score else 0)
  where p = flatten(softmax(x, C), (H, W), S)
        y = onehot(flatten(t, (H, W), S))
        score = 2 * sum(p * y, (B, S)) / max(sum(p + y, (B, S)), eps)
        present = sum(y, (B, S)) > 0
`;
  it('of a loss tiled over its classes type-checks with --strict --noUnusedLocals', async () => {
    const r = await compile(DICE, 'dice.loss');
    expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d))).toEqual([]);
    expect('plan' in analyzeTiling(r.losses[0]!)).toBe(true);
    expect(await typecheckGenerated({ 'dice.ts': r.code! })).toEqual([]);
  }, 120_000);
});
