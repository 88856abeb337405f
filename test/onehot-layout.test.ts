// A class-index gather's backward at its real size: the table's gradient Σ_n onehot[c, n]·G[n, d]
// as onehot · G, with the one-hot made already laid out [C, N] (one tf.scatterND) and the
// contraction's operands put so that nothing is transposed (src/lower/contract-plan.ts).
// Checked: the plan on its own (a table), oneHotReal at every class position against a one-hot
// written here (out-of-range indices give zeros), in tfjs on cpu and wasm and in the PyTorch
// runtime, the compiled losses' kernels (no transpose of an N·C tensor, one N·C tensor made),
// and the PyTorch module against the float64 reference. Values and gradients against float64
// oracles and central differences: test/gather-rows.test.ts.
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { check, compile } from '../src/api.js';
import { emitPytorchModule, TORCH_RUNTIME_FILE } from '../src/emit/pytorch.js';
import { initBackend } from '../src/eval/setup.js';
import type { Axis } from '../src/ir/types.js';
import { planContraction } from '../src/lower/contract-plan.js';
import { gradientsReference } from '../src/reference/evaluate.js';
import { oneHotReal } from '../src/runtime/helpers.js';
import { TORCH_RUNTIME_SOURCE } from '../src/runtime/python/source.js';
import { importModule } from './fuzz/compare.js';
import { PYTHON, torchMissing } from './helpers/torch.js';
import { fromArray, mulberry32 } from './oracle/tensor.js';

const ax = (names: string): Axis[] => names.split(' ').filter(Boolean).map((name) => ({ name, dim: name.toUpperCase() }));

describe('the contraction plan: fewest transposes', () => {
  // [a, b, contracted, result] → [swap, transposes, batch order, contracted order]
  const CASES: readonly (readonly [string, string, string, string, string, boolean, number, string, string])[] = [
    ['a gather backward: G[n, d]·onehot[c, n] → [c, d]', 'n d', 'c n', 'n', 'c d', true, 0, '', 'n'],
    ['the same wanted [d, c]: only the result moves', 'n d', 'c n', 'n', 'd c', true, 1, '', 'n'],
    ['a similarity matrix e[i, d]·e[j, d] → [i, j]: one operand transposed', 'i d', 'j d', 'd', 'i j', false, 1, '', 'd'],
    ['already in matMul order', 'i d', 'd j', 'd', 'i j', false, 0, '', 'd'],
    ['batched gather backward: G[b, k, d]·onehot[b, c, k] → [b, c, d]', 'b k d', 'b c k', 'k', 'b c d', true, 0, 'b', 'k'],
    ['batch axes in the second operand\'s order', 'e b i d', 'b e d j', 'd', 'b e i j', false, 1, 'b e', 'd'],
    ['two contracted axes in the second operand\'s order', 'p q i', 'q p j', 'p q', 'i j', false, 1, '', 'q p'],
  ];
  it.each(CASES)('%s', (_what, a, b, k, result, swap, transposes, batch, contracted) => {
    const plan = planContraction(ax(a), ax(b), k.split(' '), ax(result));
    expect(plan.swap).toBe(swap);
    expect(plan.transposes).toBe(transposes);
    expect(plan.batch.map((q) => q.name).join(' ')).toBe(batch);
    expect(plan.contracted.map((q) => q.name).join(' ')).toBe(contracted);
  });
});

/** The one-hot of integer indices `t` (shape `shape`) with the classes at position `axis`, written out: 1 where the index is the class. */
function oneHotOracle(t: readonly number[], shape: readonly number[], depth: number, axis: number): { shape: number[]; data: number[] } {
  const out = [...shape.slice(0, axis), depth, ...shape.slice(axis)];
  const strides = out.map((_, i) => out.slice(i + 1).reduce((p, d) => p * d, 1));
  const data = new Array<number>(out.reduce((p, d) => p * d, 1)).fill(0);
  t.forEach((c, flat) => {
    if (c < 0 || c >= depth) return;
    // The position of element `flat` of t, with the class inserted at `axis`.
    const pos = shape.map((_, i) => Math.floor(flat / shape.slice(i + 1).reduce((p, d) => p * d, 1)) % shape[i]!);
    pos.splice(axis, 0, c);
    data[pos.reduce((s, p, i) => s + p * strides[i]!, 0)] = 1;
  });
  return { shape: out, data };
}

// Indices inside and outside [0, depth): -1, depth and far beyond give a row of zeros.
const HOT_CASES: readonly { shape: number[]; depth: number; t: number[] }[] = [
  { shape: [6], depth: 4, t: [0, 3, 2, -1, 4, 3] },
  { shape: [2, 3], depth: 5, t: [4, 0, 7, 1, 1, -3] },
  { shape: [2, 2, 3], depth: 3, t: [0, 1, 2, 2, 1, 0, 3, -1, 1000, 0, 0, 2] },
  { shape: [5], depth: 1, t: [0, 0, 1, -1, 0] },
  { shape: [0], depth: 3, t: [] },
  { shape: [2, 0], depth: 3, t: [] },
];
const hotCases = HOT_CASES.flatMap((c) => Array.from({ length: c.shape.length + 1 }, (_, axis) => ({ ...c, axis })));

describe.each(['cpu', 'wasm'] as const)('oneHotReal with the classes at any position (%s)', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it.each(hotCases.map((c) => [`[${c.shape}] of ${c.depth}, classes at ${c.axis}`, c] as const))('%s', (_name, c) => {
    const t = tf.tensor(c.t, c.shape, 'int32');
    const before = tf.memory().numTensors;
    const hot = c.axis === c.shape.length ? oneHotReal(t, c.depth) : oneHotReal(t, c.depth, c.axis);
    const want = oneHotOracle(c.t, c.shape, c.depth, c.axis);
    expect(hot.dtype).toBe('float32');
    expect(hot.shape).toEqual(want.shape);
    expect(Array.from(hot.dataSync())).toEqual(want.data);
    // Its intermediates are freed: only the one-hot is left.
    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose([t, hot]);
  });
});

describe('oneHotReal in the PyTorch runtime', () => {
  const missing = torchMissing();
  it.skipIf(missing !== undefined)('= the one-hot written out, at every class position', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lossc-onehot-'));
    try {
      writeFileSync(join(dir, TORCH_RUNTIME_FILE), TORCH_RUNTIME_SOURCE);
      const script = [
        'import json, sys, torch, lossc_torch as rt',
        'out = []',
        'for c in json.load(sys.stdin):',
        '    t = torch.tensor(c["t"], dtype=torch.int64).reshape(c["shape"])',
        '    h = rt.oneHotReal(t, c["depth"]) if c["axis"] == len(c["shape"]) else rt.oneHotReal(t, c["depth"], c["axis"])',
        '    out.append({"shape": list(h.shape), "data": h.reshape(-1).tolist()})',
        'print(json.dumps(out))',
      ].join('\n');
      const run = spawnSync(PYTHON, ['-c', script], { cwd: dir, input: JSON.stringify(hotCases), encoding: 'utf8' });
      expect(run.stderr).toBe('');
      const got = JSON.parse(run.stdout) as { shape: number[]; data: number[] }[];
      hotCases.forEach((c, i) => expect(got[i], `[${c.shape}] of ${c.depth} at ${c.axis}`).toEqual(oneHotOracle(c.t, c.shape, c.depth, c.axis)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const SOURCE = `
loss center(x: [N, D], y: index[N] of C, centers: [C, D]) = mean(sum((x - centers[y])^2, D)) / 2
loss batched(x: [B, C, D], t: index[B, K] of C, w: [B, K, D]) = sum(w * x[t])
`;
const [N, C, D, B, K] = [48, 40, 8, 3, 16];
const SHAPES: Record<string, Record<string, number[]>> = {
  center: { x: [N, D], y: [N], centers: [C, D] },
  batched: { x: [B, C, D], t: [B, K], w: [B, K, D] },
};
const INDEX = new Set(['y', 't']);
/** The one-hot's size in each loss's backward: N·C, and B·K·C. */
const HOT_SIZE: Record<string, number> = { center: N * C, batched: B * K * C };

function inputs(loss: string, seed: number): Record<string, { shape: number[]; data: number[] }> {
  const rng = mulberry32(seed);
  return Object.fromEntries(Object.entries(SHAPES[loss]!).map(([k, shape]) => {
    const n = shape.reduce((p, s) => p * s, 1);
    return [k, { shape, data: Array.from({ length: n }, () => (INDEX.has(k) ? Math.floor(rng.next() * C) : Math.fround(rng.next() * 4 - 2))) }];
  }));
}

describe.each(['cpu', 'wasm'] as const)('the gather backward\'s kernels (%s)', (backend) => {
  let mod: Record<string, (...a: tf.Tensor[]) => tf.Scalar>;
  beforeAll(async () => {
    await initBackend(backend);
    const r = await compile(SOURCE, 'onehot.loss');
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    mod = await importModule(r.code!, `onehot-${backend}`);
  });

  it.each(['center', 'batched'])('%s: one tensor of the one-hot\'s size made, none transposed', async (loss) => {
    const x = inputs(loss, 3);
    const names = Object.keys(SHAPES[loss]!);
    const ts = names.map((k) => tf.tensor(x[k]!.data, x[k]!.shape, INDEX.has(k) ? 'int32' : 'float32'));
    const reals = names.flatMap((k, i) => (INDEX.has(k) ? [] : [i]));
    const f = (...ws: tf.Tensor[]): tf.Scalar => mod[loss]!(...ts.map((t, i) => (reals.includes(i) ? ws[reals.indexOf(i)]! : t)));
    const profile = await tf.profile(() => {
      const { value, grads } = tf.valueAndGrads(f)(reals.map((i) => ts[i]!));
      tf.dispose([value, ...grads]);
    });
    const size = (s: number[]): number => s.reduce((p, d) => p * d, 1);
    const big = profile.kernels.filter((k) => k.outputShapes.some((s) => size(s) >= HOT_SIZE[loss]!));
    expect(big.map((k) => k.name)).toEqual(['ScatterNd']);
    expect(profile.kernels.filter((k) => k.name === 'Transpose' && k.inputShapes.some((s) => size(s) >= HOT_SIZE[loss]!))).toEqual([]);
    tf.dispose(ts);
  });
});

describe('the PyTorch module of the gather backward on real torch', () => {
  const missing = torchMissing();
  const checked = check(SOURCE, 'onehot.loss', { gradients: true });
  it.skipIf(missing !== undefined).each([false, true])('autodiff %s: values and gradients = the float64 reference (1e-9)', (autodiff) => {
    const dir = mkdtempSync(join(tmpdir(), 'lossc-onehot-'));
    try {
      writeFileSync(join(dir, 'hot.py'), emitPytorchModule({ file: 'onehot.loss', losses: checked.losses, autodiff }));
      writeFileSync(join(dir, TORCH_RUNTIME_FILE), TORCH_RUNTIME_SOURCE);
      const cases = ['center', 'batched'].map((loss) => {
        const x = inputs(loss, 5);
        return { loss, inputs: Object.keys(SHAPES[loss]!).map((k) => ({ name: k, int: INDEX.has(k), ...x[k]! })) };
      });
      const script = [
        'import json, sys, torch, hot',
        'out = []',
        'for c in json.load(sys.stdin):',
        '    xs = [torch.tensor(i["data"], dtype=torch.int64 if i["int"] else torch.float64).reshape(i["shape"]).requires_grad_(not i["int"]) for i in c["inputs"]]',
        '    loss = getattr(hot, c["loss"])(*xs)',
        '    loss.backward()',
        '    out.append({"value": loss.item(), "grads": {i["name"]: x.grad.reshape(-1).tolist() for i, x in zip(c["inputs"], xs) if not i["int"]}})',
        'print(json.dumps(out))',
      ].join('\n');
      const run = spawnSync(PYTHON, ['-c', script], { cwd: dir, input: JSON.stringify(cases), encoding: 'utf8' });
      expect(run.stderr).toBe('');
      const got = JSON.parse(run.stdout) as { value: number; grads: Record<string, number[]> }[];
      cases.forEach((c, i) => {
        const fn = checked.losses.find((l) => l.name === c.loss)!;
        const ref = gradientsReference(fn, Object.fromEntries(c.inputs.map((k) => [k.name, fromArray(k.data, k.shape)])), {});
        expect(Math.abs(got[i]!.value - ref.value.data[0]!)).toBeLessThanOrEqual(1e-9 * (1 + Math.abs(ref.value.data[0]!)));
        for (const k of c.inputs.filter((q) => !q.int)) {
          const want = ref.grads[k.name]!.data;
          got[i]!.grads[k.name]!.forEach((g, j) => {
            if (!(Math.abs(g - want[j]!) <= 1e-9 * (1 + Math.abs(want[j]!)))) expect.fail(`${c.loss} d/d${k.name}[${j}]: torch ${g}, reference ${want[j]}`);
          });
        }
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
