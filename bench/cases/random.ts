// Seeded inputs: the same seed gives the same numbers on every backend and in the test.
import * as tf from '@tensorflow/tfjs';

export type Rng = () => number;

/** mulberry32: a small, fast, seeded uniform generator on [0, 1). */
export function mulberry32(seed: number): Rng {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const count = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export function uniform(rng: Rng, shape: readonly number[], lo = 0, hi = 1): tf.Tensor {
  const data = new Float32Array(count(shape));
  for (let i = 0; i < data.length; i++) data[i] = lo + (hi - lo) * rng();
  return tf.tensor(data, [...shape], 'float32');
}

/** Normally distributed (Box-Muller), times `scale`. */
export function normal(rng: Rng, shape: readonly number[], scale = 1): tf.Tensor {
  const data = new Float32Array(count(shape));
  for (let i = 0; i < data.length; i++) {
    data[i] = scale * Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  }
  return tf.tensor(data, [...shape], 'float32');
}

/** Whole numbers in [0, n), int32. */
export function ints(rng: Rng, shape: readonly number[], n: number): tf.Tensor {
  const data = new Int32Array(count(shape));
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(rng() * n);
  return tf.tensor(data, [...shape], 'int32');
}

/** 0 or 1, float32. */
export function binary(rng: Rng, shape: readonly number[]): tf.Tensor {
  const data = new Float32Array(count(shape));
  for (let i = 0; i < data.length; i++) data[i] = rng() < 0.5 ? 0 : 1;
  return tf.tensor(data, [...shape], 'float32');
}

/** Rows of unit length along the last axis. */
export function unitRows(rng: Rng, rows: number, cols: number): tf.Tensor {
  const data = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let norm = 0;
    for (let c = 0; c < cols; c++) {
      const v = rng() * 2 - 1;
      data[r * cols + c] = v;
      norm += v * v;
    }
    for (let c = 0; c < cols; c++) data[r * cols + c]! /= Math.sqrt(norm);
  }
  return tf.tensor(data, [rows, cols], 'float32');
}

/** Boxes [N, 4] as corners (x1, y1, x2, y2) with x1 < x2 and y1 < y2, in a 100×100 image. */
export function boxes(rng: Rng, n: number): tf.Tensor {
  const data = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) {
    const [x, y, w, h] = [rng() * 80, rng() * 80, 2 + rng() * 30, 2 + rng() * 30];
    data.set([x, y, x + w, y + h], i * 4);
  }
  return tf.tensor(data, [n, 4], 'float32');
}

/** `b` jittered: a predicted box near a target box, so most pairs overlap and some do not. */
export function jitter(rng: Rng, b: tf.Tensor, amount: number): tf.Tensor {
  const data = Float32Array.from(b.dataSync());
  for (let i = 0; i < data.length; i += 4) {
    const [dx, dy] = [(rng() - 0.5) * amount, (rng() - 0.5) * amount];
    data[i] = data[i]! + dx;
    data[i + 1] = data[i + 1]! + dy;
    data[i + 2] = Math.max(data[i]! + 1, data[i + 2]! + dx + (rng() - 0.5) * 4);
    data[i + 3] = Math.max(data[i + 1]! + 1, data[i + 3]! + dy + (rng() - 0.5) * 4);
  }
  return tf.tensor(data, b.shape, 'float32');
}
