// The elementwise losses against their bounds, forward+backward at 1M elements: mse with the
// default input scan against `checkValues: false` and against one fused JavaScript loop over
// the data (value and gradient in a single pass: what no tensor program can beat), and
// bce_with_logits against tf.losses.sigmoidCrossEntropy. Each call as a training step makes
// it (bench/runtime/measure.ts): tf.valueAndGrads, the gradient summed on the device, one
// number read back; the median of interleaved rounds.
//
//   npm run compile:stdlib && npx tsx bench/cheap-forms.ts
//   BEFORE=/path/to/other/build/stdlib npx tsx bench/cheap-forms.ts   (an older checkout's modules too)
//   CHEAP_BACKENDS=wasm,cpu CHEAP_ROUNDS=21 CHEAP_SIZE=1000000
import * as tf from '@tensorflow/tfjs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { initBackend, type BackendName } from '../src/eval/setup.js';
import { mulberry32 } from './cases/random.js';
import { median } from './stats.js';

type Loss = (a: tf.Tensor, b: tf.Tensor, options?: Record<string, unknown>) => tf.Tensor;
interface Modules {
  readonly mse: Loss;
  readonly bce_with_logits: Loss;
}

const SIZE = Number(process.env.CHEAP_SIZE ?? 1e6);
const ROUNDS = Number(process.env.CHEAP_ROUNDS ?? 21);
const BACKENDS = (process.env.CHEAP_BACKENDS ?? 'wasm').split(',') as BackendName[];

async function modulesIn(dir: string): Promise<Modules> {
  const load = async (file: string): Promise<Record<string, Loss>> => (await import(pathToFileURL(resolve(dir, `${file}.ts`)).href)) as Record<string, Loss>;
  return { mse: (await load('regression')).mse!, bce_with_logits: (await load('classification')).bce_with_logits! };
}

/** A training step of `f` in its first argument: value and gradient, one number read. */
function step(f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor): () => void {
  const vg = tf.valueAndGrad(f);
  return () => {
    const { value, grad } = vg(x);
    const total = tf.tidy(() => tf.add(value, tf.sum(grad)));
    total.dataSync();
    tf.dispose([value, grad, total]);
  };
}

/**
 * mse's value and gradient in one JavaScript loop over data already in JavaScript arrays: the
 * bound of one fused pass (reading the tensors back and making the gradient a tensor excluded).
 */
function fusedMse(pred: tf.Tensor, target: tf.Tensor): () => void {
  const p = pred.dataSync().slice();
  const t = target.dataSync().slice();
  const n = p.length;
  const g = new Float32Array(n);
  return () => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const d = p[i]! - t[i]!;
      s += d * d;
      g[i] = (2 * d) / n;
    }
    if (!Number.isFinite(s + g[0]!)) throw new Error('mse loop: not finite');
  };
}

/** Median and fastest call of each, in interleaved rounds (a loaded machine slows all alike). */
function timeInterleaved(calls: Record<string, () => void>): Record<string, { median: number; min: number }> {
  const names = Object.keys(calls);
  for (let w = 0; w < 3; w++) for (const k of names) calls[k]!();
  const samples: Record<string, number[]> = Object.fromEntries(names.map((k) => [k, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const k of names) {
      const t0 = performance.now();
      calls[k]!();
      samples[k]!.push(performance.now() - t0);
    }
  }
  return Object.fromEntries(names.map((k) => [k, { median: median(samples[k]!), min: Math.min(...samples[k]!) }]));
}

async function main(): Promise<void> {
  const after = await modulesIn(process.env.AFTER ?? 'build/stdlib');
  const before = process.env.BEFORE ? await modulesIn(process.env.BEFORE) : undefined;
  for (const backend of BACKENDS) {
    await initBackend(backend);
    const rand = mulberry32(20261205);
    const normal = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    const pred = tf.tensor1d(Float32Array.from({ length: SIZE }, normal));
    const target = tf.tensor1d(Float32Array.from({ length: SIZE }, normal));
    const logits = tf.tensor1d(Float32Array.from({ length: SIZE }, () => 3 * normal()));
    const labels = tf.tensor1d(Float32Array.from({ length: SIZE }, () => (rand() < 0.5 ? 0 : 1)));
    const mse: Record<string, () => void> = {
      'mse default': step((p) => after.mse(p, target), pred),
      'mse checkValues: false': step((p) => after.mse(p, target, { checkValues: false }), pred),
      'mse one fused JS loop': fusedMse(pred, target),
      ...(before ? { 'mse default (before)': step((p) => before.mse(p, target), pred), 'mse checkValues: false (before)': step((p) => before.mse(p, target, { checkValues: false }), pred) } : {}),
    };
    const bce: Record<string, () => void> = {
      'bce_with_logits default': step((x) => after.bce_with_logits(x, labels), logits),
      'bce_with_logits checkValues: false': step((x) => after.bce_with_logits(x, labels, { checkValues: false }), logits),
      'tf.losses.sigmoidCrossEntropy': step((x) => tf.losses.sigmoidCrossEntropy(labels, x), logits),
      ...(before ? { 'bce_with_logits default (before)': step((x) => before.bce_with_logits(x, labels), logits) } : {}),
    };
    const rows = { ...timeInterleaved(mse), ...timeInterleaved(bce) };
    console.log(`\n${backend}, ${SIZE} elements, forward+backward, ${ROUNDS} interleaved rounds (ms): median, fastest`);
    for (const [name, ms] of Object.entries(rows)) console.log(`  ${name.padEnd(36)} ${ms.median.toFixed(2).padStart(8)} ${ms.min.toFixed(2).padStart(8)}`);
    const r = (a: string, b: string): string => `${(rows[a]!.median / rows[b]!.median).toFixed(2)} (fastest: ${(rows[a]!.min / rows[b]!.min).toFixed(2)})`;
    console.log(`  mse default / checkValues: false      ${r('mse default', 'mse checkValues: false')}`);
    console.log(`  mse default / one fused JS loop       ${r('mse default', 'mse one fused JS loop')}`);
    console.log(`  bce_with_logits / tf.losses           ${r('bce_with_logits default', 'tf.losses.sigmoidCrossEntropy')}`);
    if (before) console.log(`  mse default, before / after           ${r('mse default (before)', 'mse default')}\n  bce_with_logits, before / after       ${r('bce_with_logits default (before)', 'bce_with_logits default')}`);
    tf.dispose([pred, target, logits, labels]);
  }
}

await main();
