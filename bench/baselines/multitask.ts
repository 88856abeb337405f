// The tutorial's multi-task and curriculum losses (§7.1, §7.2) ported by hand to TensorFlow.js.
// Its MultiTaskLoss loops over tasks (that port is in loops.ts); its GradNorm is a stub, so
// gradnorm follows Chen et al. (2018) as the stdlib does.
import * as tf from '@tensorflow/tfjs';
import { stopGradient } from './util.js';

/** MultiTaskLoss without the task loop: Σ exp(-s)·L + s. */
export function uncertaintyWeighting(taskLosses: tf.Tensor, logVars: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.add(tf.mul(tf.exp(tf.neg(logVars)), taskLosses), logVars)));
}

/**
 * GradNorm's weight loss: Σ|G_i - mean(G)·r_i^α| with G = w·‖∇L_i‖ and r the relative inverse
 * training rate; the target is held constant (stopGradient) as in the paper.
 */
export function gradnorm(taskLosses: tf.Tensor, initialLosses: tf.Tensor, gradNorms: tf.Tensor, taskWeights: tf.Tensor, alpha = 1.5): tf.Scalar {
  return tf.tidy(() => {
    const g = tf.mul(taskWeights, gradNorms);
    const ratio = tf.div(taskLosses, initialLosses);
    const r = tf.div(ratio, tf.mean(ratio));
    const target = stopGradient(() => tf.mul(tf.mean(g), tf.pow(r, alpha)));
    return tf.sum(tf.abs(tf.sub(g, target)));
  });
}

/** CurriculumLoss: keep samples with difficulty ≤ epoch/E, reweighted to N, Σ w·loss. */
export function curriculum(losses: tf.Tensor, difficulty: tf.Tensor, epoch: number, totalEpochs: number): tf.Scalar {
  return tf.tidy(() => {
    const weights = tf.cast(tf.lessEqual(difficulty, epoch / totalEpochs), 'float32');
    const scaled = tf.mul(tf.div(weights, tf.add(tf.sum(weights), 1e-6)), losses.shape[0]!);
    return tf.sum(tf.mul(losses, scaled));
  });
}
