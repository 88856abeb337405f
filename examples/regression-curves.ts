// The tutorial's convergence comparison (§2.5): the same linear model trained three times on
// the same data, 10% of whose targets are outliers, with the compiled MSE, MAE and Huber
// losses. MSE is pulled toward the outliers; MAE and Huber recover the clean line.
//
//   npm run compile:stdlib && npx tsx examples/regression-curves.ts

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { huber, mae, mse } from '../build/stdlib/regression.js';

export interface RegressionRun {
  /** The loss on the training data after each epoch. */
  readonly curve: number[];
  /** The fitted slope and intercept; the clean data follows y = 3x + 2. */
  readonly slope: number;
  readonly intercept: number;
}

/** A small deterministic generator, so every run sees the same data. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function makeData(samples: number, seed = 1): { x: number[]; y: number[] } {
  const next = rng(seed);
  const x = Array.from({ length: samples }, () => next() * 4 - 2);
  // Every tenth target is an outlier, 15 above the line.
  const y = x.map((xi, i) => 3 * xi + 2 + (next() - 0.5) * 0.4 + (i % 10 === 0 ? 15 : 0));
  return { x, y };
}

const LOSSES = {
  mse: (p: tf.Tensor, t: tf.Tensor) => mse(p, t),
  mae: (p: tf.Tensor, t: tf.Tensor) => mae(p, t),
  huber: (p: tf.Tensor, t: tf.Tensor) => huber(p, t, { delta: 1 }),
} as const;

export async function run(options: { epochs?: number; samples?: number } = {}): Promise<Record<keyof typeof LOSSES, RegressionRun>> {
  const { epochs = 300, samples = 200 } = options;
  await tf.setBackend('wasm');
  const data = makeData(samples);
  const x = tf.tensor2d(data.x, [samples, 1]);
  const y = tf.tensor2d(data.y, [samples, 1]);
  const out = {} as Record<keyof typeof LOSSES, RegressionRun>;
  for (const [name, loss] of Object.entries(LOSSES) as [keyof typeof LOSSES, (p: tf.Tensor, t: tf.Tensor) => tf.Scalar][]) {
    const w = tf.variable(tf.scalar(0));
    const b = tf.variable(tf.scalar(0));
    const optimizer = tf.train.adam(0.1);
    const curve: number[] = [];
    for (let epoch = 0; epoch < epochs; epoch++) {
      const value = optimizer.minimize(() => loss(tf.add(tf.mul(x, w), b), y), true, [w, b])!;
      curve.push(value.dataSync()[0]!);
      value.dispose();
    }
    out[name] = { curve, slope: w.dataSync()[0]!, intercept: b.dataSync()[0]! };
    optimizer.dispose();
    w.dispose();
    b.dispose();
  }
  x.dispose();
  y.dispose();
  return out;
}

function report(runs: Record<string, RegressionRun>): string {
  const names = Object.keys(runs);
  const epochs = runs[names[0]!]!.curve.length;
  const rows = [`epoch  ${names.map((n) => n.padStart(10)).join('')}`];
  for (const e of [0, 1, 2, 5, 10, 20, 50, 100, 200, epochs - 1].filter((e, i, a) => e < epochs && a.indexOf(e) === i)) {
    rows.push(`${String(e + 1).padStart(5)}  ${names.map((n) => runs[n]!.curve[e]!.toFixed(4).padStart(10)).join('')}`);
  }
  rows.push('', 'fitted line (clean data: y = 3x + 2):');
  for (const n of names) rows.push(`  ${n.padEnd(6)} y = ${runs[n]!.slope.toFixed(3)}x + ${runs[n]!.intercept.toFixed(3)}`);
  return rows.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(report(await run()));
}
