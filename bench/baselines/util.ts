// Small helpers the hand-written baselines share, as a tfjs user would write them once.
import * as tf from '@tensorflow/tfjs';

/**
 * The value of `f()` with no gradient (PyTorch's `.detach()` / `torch.no_grad()`), which tfjs
 * lacks: a customGrad whose gradient function returns nothing. Also the usual workaround for
 * `tf.where(x > 0, ...)` under tf.grad, where the comparison has no gradient and tfjs throws
 * "gradient function not found for Greater".
 */
export function stopGradient<T extends tf.Tensor>(f: () => T): T {
  return tf.customGrad(() => ({ value: f(), gradFunc: () => [] }))() as T;
}

/**
 * F.binary_cross_entropy_with_logits per element, in the stable form tf.losses uses:
 * max(x, 0) - x·y + log(1 + exp(-|x|)).
 */
export function bceWithLogitsTerms(x: tf.Tensor, y: tf.Tensor): tf.Tensor {
  return tf.add(tf.sub(tf.relu(x), tf.mul(x, y)), tf.log1p(tf.exp(tf.neg(tf.abs(x)))));
}

/** torch.log_softmax along `axis`, with the max shift of the tutorial's cross_entropy_manual. */
export function logSoftmax(x: tf.Tensor, axis: number): tf.Tensor {
  return tf.sub(x, tf.logSumExp(x, axis, true));
}

/** F.normalize(z, dim=1): z / max(‖z‖, 1e-12) along the rows. */
export function normalizeRows(z: tf.Tensor): tf.Tensor {
  return tf.div(z, tf.maximum(tf.norm(z, 'euclidean', 1, true), 1e-12));
}
