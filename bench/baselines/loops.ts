// The tutorial's loop-based losses, ported to TensorFlow.js loop for loop: what a user gets by
// translating its Python `for` statements directly. Each iteration dispatches its own small ops.
import * as tf from '@tensorflow/tfjs';
import { cdist } from './metric.js';
import { oneHotNCHW } from './segmentation.js';
import { logSoftmax } from './util.js';

/**
 * OnlineTripletLoss (§4.2): cdist once, then for each anchor its masks (built in JS from the
 * labels, as `labels == labels[i]` is), its hardest positive and negative, and relu(...).
 * `pairwise_dist[i][mask].max()` becomes a masked max over the row (tfjs has no synchronous
 * boolean indexing).
 */
export function batchHardTripletLoop(e: tf.Tensor, label: tf.Tensor, margin = 1): tf.Scalar {
  return tf.tidy(() => {
    const N = e.shape[0]!;
    const labels = label.dataSync();
    const dist = cdist(e);
    let total: tf.Tensor = tf.scalar(0);
    let count = 0;
    for (let i = 0; i < N; i++) {
      const pos = Array.from(labels, (l, j) => l === labels[i] && j !== i);
      const neg = Array.from(labels, (l) => l !== labels[i]);
      if (!pos.some(Boolean) || !neg.some(Boolean)) continue;
      const row = tf.reshape(tf.slice(dist, [i, 0], [1, N]), [N]);
      const hardestPos = tf.max(tf.where(tf.tensor1d(pos, 'bool'), row, tf.scalar(-Infinity)));
      const hardestNeg = tf.min(tf.where(tf.tensor1d(neg, 'bool'), row, tf.scalar(Infinity)));
      total = tf.add(total, tf.relu(tf.add(tf.sub(hardestPos, hardestNeg), margin)));
      count++;
    }
    return tf.div(total, Math.max(count, 1));
  });
}

/** MultiClassDiceLoss (§5.1): softmax and one-hot once, then one Dice term per class. */
export function multiclassDiceLoop(x: tf.Tensor, t: tf.Tensor, smooth = 1): tf.Scalar {
  return tf.tidy(() => {
    const [N, C, H, W] = x.shape as [number, number, number, number];
    const predSoftmax = tf.exp(logSoftmax(x, 1));
    const targetOneHot = oneHotNCHW(t, C);
    let total: tf.Tensor = tf.scalar(0);
    for (let c = 0; c < C; c++) {
      const predC = tf.slice(predSoftmax, [0, c, 0, 0], [N, 1, H, W]);
      const targetC = tf.slice(targetOneHot, [0, c, 0, 0], [N, 1, H, W]);
      const intersection = tf.sum(tf.mul(predC, targetC));
      const diceC = tf.div(tf.add(tf.mul(2, intersection), smooth), tf.add(tf.add(tf.sum(predC), tf.sum(targetC)), smooth));
      total = tf.add(total, tf.sub(1, diceC));
    }
    return tf.div(total, C);
  });
}

/** MultiTaskLoss (§7.1): for each task, exp(-log_vars[i])·loss_i + log_vars[i]. */
export function uncertaintyWeightingLoop(taskLosses: tf.Tensor, logVars: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const losses = tf.unstack(taskLosses);
    const s = tf.unstack(logVars);
    let total: tf.Tensor = tf.scalar(0);
    losses.forEach((loss, i) => {
      total = tf.add(total, tf.add(tf.mul(tf.exp(tf.neg(s[i]!)), loss), s[i]!));
    });
    return total as tf.Scalar;
  });
}
