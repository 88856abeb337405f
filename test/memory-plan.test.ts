// The derived backward pass disposes each value after its last use (src/lower/body.ts,
// `disposeDead`): inside its tf.tidy every intermediate lived to the end, and those, not the
// saved values, made a pairwise loss's peak memory. Checked by tf.profile's peakBytes
// (deterministic) against tfjs's own autodiff of the same loss (--autodiff), which frees
// values as it goes, and by the values and gradients staying those of the autodiff module
// with no tensor left behind.
//
// The memory plan (src/grad/saved.ts) recomputes cheap elementwise values in the backward pass
// from what it saves instead of saving them: checked against the same compiler saving every
// value the backward reads (its savedForBackward replaced here by the plan's `read` list), by
// the bytes held from the forward pass to the backward one, and by gradients against central
// differences of the float64 oracles. (tf.profile's peak is set by the backward pass's own
// working values, not by the saved ones: at N = 96 it is within 2.5% either way.)
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { compile } from '../src/api.js';
import { initBackend } from '../src/eval/setup.js';
import { expectClose, importModule } from './fuzz/compare.js';
import { HARDEST } from './helpers/memory-plan-sources.js';
import { fdGrad } from './oracle/fd.js';
import { batch_hard_triplet, supconOneView } from './oracle/metric.js';
import { fromArray, mulberry32 } from './oracle/tensor.js';

const planning = vi.hoisted(() => ({ recompute: true }));
vi.mock('../src/grad/saved.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/grad/saved.js')>();
  return { ...real, savedForBackward: (...args: Parameters<typeof real.savedForBackward>) => (planning.recompute ? real.savedForBackward(...args) : [...real.memoryPlan(...args).read]) };
});

const SOURCE = `
loss views(zi: [N, D], zj: [N, D], temperature: real = 0.1) =
  mean(logsumexp(s[v, a, w, b], (w, b), where: (w, b) != (v, a)) - pos[v, a], (v, a))
  where
    z[v, a]       = normalize(stack(zi, zj, V), D)
    s[v, a, w, b] = dot(z[v, a], z[w, b], D) / temperature
    pos[v, a]     = sum(s[v, a, w, a], w, where: w != v)
${HARDEST}
loss supcon(z: [N, D], label: int[N], temperature: real = 0.1) =
  mean(mean(lse[i] - s[i, j], j, where: pos[i, j]), i, where: any(pos[i, j], j))
  where
    u         = normalize(z, D)
    s[i, j]   = dot(u[i], u[j], D) / temperature
    pos[i, j] = label[i] == label[j] and i != j
    lse[i]    = logsumexp(s[i, j], j, where: i != j)
`;

const [N, D] = [96, 16];
type LossFunction = (...args: unknown[]) => tf.Scalar;

function normal(seed: number, shape: [number, number]): tf.Tensor {
  const rng = mulberry32(seed);
  return tf.tensor2d(Float32Array.from({ length: shape[0] * shape[1] }, () => rng.next() * 2 - 1), shape);
}

const CASES: Record<string, { readonly args: () => tf.Tensor[]; readonly wrt: readonly number[] }> = {
  views: { args: () => [normal(1, [N, D]), normal(2, [N, D])], wrt: [0, 1] },
  hardest: { args: () => [normal(3, [N, D]), tf.tensor1d(Array.from({ length: N }, (_, i) => (i * 7) % 5), 'int32')], wrt: [0] },
  supcon: { args: () => [normal(4, [N, D]), tf.tensor1d(Array.from({ length: N }, (_, i) => (i * 3) % 7), 'int32')], wrt: [0] },
};

/** Forward and backward of `f` at `args`: the value, the gradients, and the profile's peak bytes. */
async function step(f: LossFunction, args: tf.Tensor[], wrt: readonly number[]): Promise<{ value: number; grads: Float32Array[]; peak: number; leaked: number; held: number }> {
  // Bytes alive once the forward pass has returned, under the gradient tape: the saved values
  // (and the loss value) on top of the arguments, held until the backward pass has run.
  let held = 0;
  const g = (...reals: tf.Tensor[]): tf.Scalar => {
    const start = tf.memory().numBytes;
    const value = f(...args.map((t, i) => (wrt.includes(i) ? reals[wrt.indexOf(i)]! : t)));
    held = tf.memory().numBytes - start;
    return value;
  };
  let value = 0;
  let grads: Float32Array[] = [];
  const before = tf.memory().numTensors;
  const profile = await tf.profile(() => {
    const r = tf.valueAndGrads(g)(wrt.map((i) => args[i]!));
    value = r.value.dataSync()[0]!;
    grads = r.grads.map((t) => t.dataSync() as Float32Array);
    tf.dispose([r.value, ...r.grads]);
  });
  return { value, grads, peak: profile.peakBytes, leaked: tf.memory().numTensors - before, held };
}

describe.each(['wasm', 'cpu'] as const)('memory of the derived backward pass (%s)', (backend) => {
  const modules: Record<string, Record<string, LossFunction>> = {};

  beforeAll(async () => {
    await initBackend(backend);
    for (const autodiff of [false, true]) {
      const r = await compile(SOURCE, 'memory.loss', { autodiff });
      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      modules[autodiff ? 'autodiff' : 'derived'] = await importModule<Record<string, LossFunction>>(r.code!, `memory-${autodiff}`);
    }
  });

  it.each(Object.keys(CASES))('%s: peak memory at most autodiff\'s, same value and gradients, nothing left behind', async (loss) => {
    const args = CASES[loss]!.args();
    try {
      const derived = await step(modules.derived![loss]!, args, CASES[loss]!.wrt);
      const autodiff = await step(modules.autodiff![loss]!, args, CASES[loss]!.wrt);
      expect(derived.leaked).toBe(0);
      expect(Math.abs(derived.value - autodiff.value)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(autodiff.value)));
      derived.grads.forEach((g, k) => expectClose(g, autodiff.grads[k]!, 1e-4, `${loss}: gradient ${k}`));
      expect(derived.peak, `${loss}: derived ${derived.peak} bytes, autodiff ${autodiff.peak}`).toBeLessThanOrEqual(autodiff.peak);
    } finally {
      tf.dispose(args);
    }
  });
});

/** The two losses of SOURCE with a float64 oracle: the oracle's value at float64 copies of the arguments. */
const ORACLES: Record<string, (e: Float64Array, label: Float64Array, n: number, d: number) => number> = {
  hardest: (e, label, n, d) => batch_hard_triplet(fromArray(e, [n, d]), fromArray(label, [n]), { margin: 1 }),
  supcon: (e, label, n, d) => supconOneView(fromArray(e, [n, d]), fromArray(label, [n]), 0.1),
};

describe.each(['wasm', 'cpu'] as const)('the memory plan recomputes instead of saving (%s)', (backend) => {
  const modules: Record<string, Record<string, LossFunction>> = {};
  const saves: Record<string, string[]> = {};

  beforeAll(async () => {
    await initBackend(backend);
    for (const recompute of [true, false]) {
      planning.recompute = recompute;
      const r = await compile(SOURCE, 'memory.loss');
      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const key = recompute ? 'planned' : 'savesAll';
      modules[key] = await importModule<Record<string, LossFunction>>(r.code!, `memory-plan-${recompute}`);
      saves[key] = r.code!.match(/save\(\[[^\]]*\]\)/g) ?? [];
    }
    planning.recompute = true;
    // Each customGrad saves fewer tensors with the plan.
    expect(saves.planned!.length).toBe(saves.savesAll!.length);
    saves.planned!.forEach((call, k) => expect(call.split(',').length, `${call} against ${saves.savesAll![k]}`).toBeLessThanOrEqual(saves.savesAll![k]!.split(',').length));
  });

  it.each(Object.keys(ORACLES))('%s: fewer bytes held from the forward to the backward pass than saving every value the backward reads', async (loss) => {
    const args = CASES[loss]!.args();
    try {
      const planned = await step(modules.planned![loss]!, args, CASES[loss]!.wrt);
      const savesAll = await step(modules.savesAll![loss]!, args, CASES[loss]!.wrt);
      expect(planned.leaked).toBe(0);
      // At least one [N, N] bool mask (N² bytes) is no longer held: rebuilt from the [N] labels.
      expect(savesAll.held - planned.held, `${loss}: planned ${planned.held} bytes held, saving all ${savesAll.held}`).toBeGreaterThanOrEqual(N * N);
    } finally {
      tf.dispose(args);
    }
  });

  it.each(Object.keys(ORACLES))('%s: gradients of the planned backward pass match central differences of the float64 oracle', async (loss) => {
    const [n, d] = [12, 5];
    const rng = mulberry32(loss.length * 101);
    // float32 values, so that the oracle sees exactly the module's inputs.
    const e = Float64Array.from({ length: n * d }, () => Math.fround(rng.next() * 2 - 1));
    const label = Float64Array.from({ length: n }, (_, i) => (i * 5) % 4);
    const args = [tf.tensor2d(Float32Array.from(e), [n, d]), tf.tensor1d(Int32Array.from(label), 'int32')];
    try {
      const planned = await step(modules.planned![loss]!, args, [0]);
      const oracle = ORACLES[loss]!;
      expect(Math.abs(planned.value - oracle(e, label, n, d))).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(planned.value)));
      const fd = fdGrad((x) => oracle(x.data as Float64Array, label, n, d), [fromArray(e, [n, d])], 0);
      expectClose(planned.grads[0]!, fd.data, 2e-4, `${loss}: d/de`);
    } finally {
      tf.dispose(args);
    }
  });
});
