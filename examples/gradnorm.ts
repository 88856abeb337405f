// GradNorm (Chen et al., 2018) end to end, the loop the tutorial's §7.1 stub leaves out: two
// regression tasks of very different scale share a hidden layer; each step measures each
// task's gradient norm on the shared layer, updates the task weights with the compiled
// `gradnorm` loss, renormalises them to sum to the number of tasks, and trains the model on
// the weighted sum of the task losses.
//
//   npm run compile:stdlib && npx tsx examples/gradnorm.ts

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { gradnorm, gradnorm_parameters } from '../build/stdlib/multitask.js';
import { mse } from '../build/stdlib/regression.js';

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

export interface GradNormRun {
  /** Task weights after each step (they sum to 2). */
  readonly weights: number[][];
  /** Task losses at each step. */
  readonly losses: number[][];
}

export async function run(options: { steps?: number; alpha?: number } = {}): Promise<GradNormRun> {
  const { steps = 150, alpha = 1.5 } = options;
  await tf.setBackend('wasm');
  const next = rng(7);
  const xs = Array.from({ length: 64 }, () => Array.from({ length: 4 }, () => next() * 2 - 1));
  const x = tf.tensor2d(xs);
  // Task 1 is small and easy; task 2 is ten times larger and not linear.
  const y1 = tf.tensor2d(xs.map((r) => [r[0]! + r[1]!]));
  const y2 = tf.tensor2d(xs.map((r) => [10 * Math.abs(r[2]!) - 5 * r[3]!]));

  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  const shared = tf.layers.dense({ inputShape: [4], units: 16, activation: 'relu', kernelInitializer: init(1) });
  const head1 = tf.layers.dense({ units: 1, kernelInitializer: init(2) });
  const head2 = tf.layers.dense({ units: 1, kernelInitializer: init(3) });
  const hidden = (): tf.Tensor => shared.apply(x) as tf.Tensor;
  const taskLosses = (): tf.Scalar[] => {
    const h = hidden();
    return [mse(head1.apply(h) as tf.Tensor, y1), mse(head2.apply(h) as tf.Tensor, y2)];
  };
  // Build the layers once so their weights exist.
  tf.dispose(taskLosses());
  const sharedKernel = shared.trainableWeights[0]!.read() as tf.Variable;
  const modelVars = [shared, head1, head2].flatMap((l) => l.trainableWeights.map((w) => w.read() as tf.Variable));

  const { task_weights } = gradnorm_parameters({ T: 2 });
  const modelOptimizer = tf.train.adam(0.01);
  const weightOptimizer = tf.train.adam(0.025);
  const initial = tf.tidy(() => tf.stack(taskLosses()));
  const out: GradNormRun = { weights: [], losses: [] };

  for (let step = 0; step < steps; step++) {
    tf.tidy(() => {
      // ||d L_i / d W|| on the shared layer, for each task, as constants.
      const norms = [0, 1].map((i) => {
        const { grads } = tf.variableGrads(() => taskLosses()[i]!, [sharedKernel]);
        return tf.norm(grads[sharedKernel.name]!);
      });
      const gradNorms = tf.stack(norms);
      const current = tf.stack(taskLosses());
      weightOptimizer.minimize(
        () => gradnorm(current, initial, gradNorms, { alpha, task_weights }),
        false,
        [task_weights],
      );
      // Keep the weights positive and summing to the number of tasks, as the paper does.
      const clipped = tf.maximum(task_weights, 1e-3);
      task_weights.assign(tf.mul(clipped, tf.div(2, tf.sum(clipped))));
      // The model trains on the weighted sum, the weights held fixed.
      const w = tf.clone(task_weights);
      modelOptimizer.minimize(() => tf.sum(tf.mul(w, tf.stack(taskLosses()))) as tf.Scalar, false, modelVars);
      out.weights.push(Array.from(task_weights.dataSync()));
      out.losses.push(Array.from(current.dataSync()));
    });
  }
  tf.dispose([x, y1, y2, initial, task_weights]);
  modelOptimizer.dispose();
  weightOptimizer.dispose();
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { weights, losses } = await run();
  for (const s of [0, 10, 50, 100, weights.length - 1]) {
    const [w1, w2] = weights[s]!;
    const [l1, l2] = losses[s]!;
    console.log(`step ${String(s + 1).padStart(4)}: weights ${w1!.toFixed(3)} ${w2!.toFixed(3)}   task losses ${l1!.toFixed(4)} ${l2!.toFixed(4)}`);
  }
}
