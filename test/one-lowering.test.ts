// One lowering, two interpreters: the evaluator (`lossc eval`, the playground) runs the same
// lowering as the generated module, so on the same backend they give bit-identical values and
// gradients, for every stdlib loss and for random programs of the fuzzer. And the module
// helpers' text, which generated code defines, is the text of the functions the evaluator calls.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '../src/api.js';
import { compile } from './helpers/compile-cache.js';
import { initBackend } from '../src/eval/setup.js';
import { valueAndGradsTfjs, evaluateTfjs } from '../src/eval/evaluate.js';
import type { IrFunction } from '../src/ir/types.js';
import { fsHost } from '../src/cli/files.js';
import { importModule } from './fuzz/compare.js';
import { exportedNames } from './fuzz/differential.js';
import { generateProgram, mulberry32 } from './fuzz/gen-program.js';
import { callModule, sampleInputs, toTf, type LossFunction } from './fuzz/inputs.js';
import { stdlibLosses, type StdlibLoss } from './fuzz/stdlib-modules.js';
import { helperSourcesText, HELPER_SOURCES_PATH } from './helpers/helper-sources.js';
import { everyNth } from './helpers/sampling.js';

describe('module helpers', () => {
  it('have current generated sources (LOSSC_UPDATE=1 rewrites them)', () => {
    const root = join(import.meta.dirname, '..');
    const text = helperSourcesText(root);
    if (process.env.LOSSC_UPDATE) writeFileSync(join(root, HELPER_SOURCES_PATH), text);
    expect(readFileSync(join(root, HELPER_SOURCES_PATH), 'utf8')).toBe(text);
  });
});

/** The same numbers, bit for bit: NaN matches NaN, and -0 only -0. */
function expectIdentical(a: tf.Tensor, b: tf.Tensor, what: string): void {
  expect(a.shape, `${what}: shape`).toEqual(b.shape);
  expect(a.dtype, `${what}: dtype`).toBe(b.dtype);
  const [x, y] = [a.dataSync(), b.dataSync()];
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) expect.fail(`${what}[${i}]: module ${x[i]}, evaluator ${y[i]}`);
}

/** Per-sample weights in [0.1, 1.1), of the shape of `t`. */
function weightsLike(t: tf.Tensor, seed: number): tf.Tensor {
  const rng = mulberry32(seed);
  return tf.tensor(Array.from({ length: t.size }, () => Math.fround(0.1 + rng())), t.shape);
}

/** Module against evaluator on one draw of inputs: values under every option, and gradients. */
function expectSame(fn: IrFunction, f: LossFunction, seed: number, what: string): void {
  const sample = sampleInputs(fn, mulberry32(seed), { optional: true });
  const before = tf.memory().numTensors;
  const inputs = toTf(sample);
  const options: Record<string, unknown>[] = [{}];
  let weights: tf.Tensor | undefined;
  if (fn.reduction) {
    const none = evaluateTfjs(fn, inputs, sample.hypers, { reduction: 'none' });
    weights = weightsLike(none, seed);
    none.dispose();
    options.push({ reduction: 'none' }, { reduction: 'sum' }, { reduction: 'mean', weights }, { reduction: 'none', weights });
  }
  const wrt = fn.inputs.filter((i) => i.elem === 'real' && inputs[i.name]).map((i) => i.name);
  for (const opts of options) {
    const label = `${what} ${JSON.stringify({ ...opts, weights: opts.weights ? 'w' : undefined })}`;
    const m = callModule(fn, f, inputs, sample.hypers, opts);
    const e = evaluateTfjs(fn, inputs, sample.hypers, opts);
    expectIdentical(m, e, `${label} value`);
    tf.dispose([m, e]);
    if (wrt.length === 0) continue;
    const xs = wrt.map((n) => inputs[n]!);
    const viaModule = tf.engine().gradients(() => tf.sum(callModule(fn, f, inputs, sample.hypers, opts)), xs, undefined, true);
    const viaEval = valueAndGradsTfjs(fn, inputs, sample.hypers, wrt, opts);
    wrt.forEach((n, i) => {
      const g = viaModule.grads[i] ?? tf.zerosLike(xs[i]!);
      expectIdentical(g, viaEval.grads[n]!, `${label} d/d${n}`);
      g.dispose();
    });
    tf.dispose([viaModule.value, viaEval.value, ...Object.values(viaEval.grads)]);
  }
  tf.dispose([...Object.values(inputs), ...(weights ? [weights] : [])]);
  expect(tf.memory().numTensors, `${what}: tensors leaked`).toBe(before);
}

// Every loss and every program runs on both backends; `npm test` splits the seeds between them
// (LOSSC_FULL=1 runs each seed on each): seed 1 and the odd programs on wasm, the others on cpu.
describe.each([['wasm', 0], ['cpu', 1]] as const)('the evaluator runs what the module runs, on %s', (backend, half) => {
  let losses: StdlibLoss[] = [];
  beforeAll(async () => {
    await initBackend(backend);
    ({ losses } = await stdlibLosses());
  }, 180_000);

  it('every stdlib loss: values and gradients bit for bit, with every reduction and weights', () => {
    expect(losses.length).toBeGreaterThan(30);
    for (const { fn, f, file } of losses) for (const seed of everyNth([1, 2], 2, half)) expectSame(fn, f, seed, `${file}#${fn.name} (seed ${seed})`);
  }, 180_000);

  it('random programs of the fuzzer', async () => {
    for (const seed of everyNth(Array.from({ length: 12 }, (_, k) => k + 1), 2, half)) {
      const text = generateProgram(seed * 7919, 1 + (seed % 6)).text;
      const compiled = await compile(text, 'fz.loss');
      expect(compiled.code, text).toBeDefined();
      const mod = await importModule<Record<string, LossFunction>>(compiled.code!, 'one-lowering');
      const exported = exportedNames(compiled.losses);
      for (const fn of compiled.losses) expectSame(fn, (mod[fn.name] ?? mod[exported.get(fn.name)!])!, seed, `${text}\n${fn.name}`);
    }
  }, 180_000);
});

describe('the API the playground calls', () => {
  it('gives the module numbers for a stdlib loss', async () => {
    await initBackend('wasm');
    const file = 'stdlib/classification.loss';
    const text = readFileSync(file, 'utf8');
    const compiled = await compile(text, file, { host: fsHost });
    const mod = await importModule<Record<string, LossFunction>>(compiled.code!, 'one-lowering');
    const fn = compiled.losses.find((l) => l.name === 'focal')!;
    const sample = sampleInputs(fn, mulberry32(5), { optional: false });
    const inputs = toTf(sample);
    const viaApi = await evaluate(text, file, { host: fsHost, loss: 'focal', inputs: Object.fromEntries(Object.entries(sample.tensors).map(([k, v]) => [k, { shape: v.shape, data: v.data }])), set: sample.hypers, grad: true });
    expect(viaApi.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const m = callModule(fn, mod.focal!, inputs, sample.hypers);
    expect(viaApi.loss).toBe(m.dataSync()[0]);
    tf.dispose([m, ...Object.values(inputs)]);
  });
});

// Where the module and the evaluator used to differ, the one lowering computes what the float64
// reference does; each case was a wrong (or refused) result in one of them.
describe('what the two lowerings disagreed on', () => {
  const run = async (source: string, name: string, inputs: Record<string, tf.Tensor>, options: Record<string, unknown> = {}): Promise<tf.Tensor> => {
    const compiled = await compile(source, 'drift.loss');
    expect(compiled.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const mod = await importModule<Record<string, LossFunction>>(compiled.code!, 'one-lowering');
    const fn = compiled.losses.find((l) => l.name === name)!;
    const m = mod[name]!(...fn.inputs.filter((i) => i.default === undefined).map((i) => inputs[i.name]), options);
    const hypers = {};
    const e = evaluateTfjs(fn, inputs, hypers, options as never);
    expectIdentical(m, e, name);
    e.dispose();
    return m;
  };

  it('logsumexp of a row of -inf is -inf, not NaN (masked: of a selection of -inf only)', async () => {
    await initBackend('wasm');
    const x = tf.tensor([[-Infinity, -Infinity], [0, Math.log(3)]]);
    const y = await run('loss lse(x: [N, K]) = logsumexp(x, K)', 'lse', { x });
    expect(Array.from(y.dataSync())).toEqual([-Infinity, Math.fround(Math.log(4))]);
    const keep = tf.tensor([[true, false], [false, false]], undefined, 'bool');
    const z = await run('loss mlse(x: [N, K], keep: bool[N, K]) = logsumexp(x, K, where: keep, empty: 7)', 'mlse', { x, keep });
    expect(Array.from(z.dataSync())).toEqual([-Infinity, 7]);
    tf.dispose([x, y, keep, z]);
  });

  it('weights with a dimension of 1 broadcast, as tf.losses and the reference do', async () => {
    const pred = tf.tensor([[1, 2], [3, 4], [5, 6]]);
    const target = tf.zeros([3, 2]);
    const weights = tf.tensor([[1, 0]]);
    const v = await run('loss mse(pred: [N, D], target: [N, D]) = mean((pred - target)^2)', 'mse', { pred, target }, { weights });
    // Σ w·l / Σ w over [3, 2]: (1 + 9 + 25) / 3.
    expect(v.dataSync()[0]).toBeCloseTo(35 / 3, 5);
    tf.dispose([pred, target, weights, v]);
  });

  it('a loss that is its int input floored returns a copy: disposing it leaves the input', async () => {
    const k = tf.tensor([1, 2, 3], undefined, 'int32');
    const y = await run('loss fl(k: int[N]) = sum(floor(k))', 'fl', { k });
    expect(y.dataSync()[0]).toBe(6);
    y.dispose();
    const z = evaluateTfjs((await compile('loss same(k: int[N]) = floor(k)', 'd.loss')).losses[0]!, { k }, {});
    expect(z).not.toBe(k);
    z.dispose();
    expect(k.isDisposed).toBe(false);
    k.dispose();
  });
});
