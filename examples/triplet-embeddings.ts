// Metric learning with the compiled batch-hard triplet loss (tutorial §4.2, online mining):
// a small network maps 8-D points from 4 classes to 2-D embeddings, and training pulls each
// class together and pushes the classes apart, measured by nearest-neighbour accuracy.
//
//   npm run compile:stdlib && npx tsx examples/triplet-embeddings.ts

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { batch_hard_triplet } from '../build/stdlib/metric.js';

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

/** Four classes: noisy copies of four random 8-D centres, `perClass` points each. */
export function makeData(perClass: number, seed = 3): { x: number[][]; labels: number[] } {
  const next = rng(seed);
  const centres = Array.from({ length: 4 }, () => Array.from({ length: 8 }, () => next() * 2 - 1));
  const x: number[][] = [];
  const labels: number[] = [];
  centres.forEach((c, label) => {
    for (let i = 0; i < perClass; i++) {
      x.push(c.map((v) => v + (next() - 0.5) * 1.2));
      labels.push(label);
    }
  });
  return { x, labels };
}

/** Leave-one-out 1-nearest-neighbour accuracy of the embeddings. */
export function knnAccuracy(emb: number[][], labels: number[]): number {
  let hits = 0;
  emb.forEach((e, i) => {
    let best = -1;
    let bestDist = Infinity;
    emb.forEach((f, j) => {
      if (i === j) return;
      const d = e.reduce((s, v, k) => s + (v - f[k]!) ** 2, 0);
      if (d < bestDist) [best, bestDist] = [j, d];
    });
    if (labels[best] === labels[i]) hits++;
  });
  return hits / emb.length;
}

export async function run(options: { steps?: number; perClass?: number } = {}): Promise<{ curve: number[]; before: number; after: number }> {
  const { steps = 200, perClass = 16 } = options;
  await tf.setBackend('wasm');
  const data = makeData(perClass);
  const x = tf.tensor2d(data.x);
  const labels = tf.tensor1d(data.labels, 'int32');
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [8], units: 16, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
  const embed = (): number[][] => tf.tidy(() => model.predict(x) as tf.Tensor2D).arraySync() as number[][];
  const before = knnAccuracy(embed(), data.labels);
  const optimizer = tf.train.adam(0.01);
  const curve: number[] = [];
  for (let step = 0; step < steps; step++) {
    const value = optimizer.minimize(() => batch_hard_triplet(model.predict(x) as tf.Tensor, labels, { margin: 1 }), true)!;
    curve.push(value.dataSync()[0]!);
    value.dispose();
  }
  const after = knnAccuracy(embed(), data.labels);
  optimizer.dispose();
  model.dispose();
  x.dispose();
  labels.dispose();
  return { curve, before, after };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { curve, before, after } = await run();
  const at = [0, 10, 50, 100, curve.length - 1];
  console.log(at.map((s) => `step ${String(s + 1).padStart(4)}: batch-hard triplet loss ${curve[s]!.toFixed(4)}`).join('\n'));
  console.log(`1-NN accuracy of the embeddings: ${(before * 100).toFixed(1)}% before, ${(after * 100).toFixed(1)}% after`);
}
