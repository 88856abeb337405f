// The tutorial's regression losses (§2, §7.3) ported by hand to TensorFlow.js: the same
// formulas as its PyTorch code, op for op, with tfjs idioms (tf.tidy, a mean over every element).
import * as tf from '@tensorflow/tfjs';
import { stopGradient } from './util.js';

/** mse_manual: torch.mean((pred - target) ** 2). */
export function mse(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.square(tf.sub(pred, target))));
}

/** mae_manual: torch.mean(torch.abs(pred - target)). */
export function mae(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.abs(tf.sub(pred, target))));
}

/** huber_manual: the quadratic part clamped at delta, the rest linear. */
export function huber(pred: tf.Tensor, target: tf.Tensor, delta = 1): tf.Scalar {
  return tf.tidy(() => {
    const absError = tf.abs(tf.sub(pred, target));
    const quadratic = tf.minimum(absError, delta);
    const linear = tf.sub(absError, quadratic);
    return tf.mean(tf.add(tf.mul(0.5, tf.square(quadratic)), tf.mul(delta, linear)));
  });
}

/**
 * nn.SmoothL1Loss(beta), which the tutorial calls without writing it out: huber_manual's clamp
 * form divided by beta (0.5·e²/β below β, |e| - β/2 above), since tf.where on |e| < β has no
 * gradient in tfjs.
 */
export function smoothL1(pred: tf.Tensor, target: tf.Tensor, beta = 1): tf.Scalar {
  return tf.tidy(() => {
    const absError = tf.abs(tf.sub(pred, target));
    const quadratic = tf.minimum(absError, beta);
    return tf.mean(tf.add(tf.div(tf.mul(0.5, tf.square(quadratic)), beta), tf.sub(absError, quadratic)));
  });
}

/** log_cosh_loss: torch.mean(torch.log(torch.cosh(error))), as the tutorial writes it. */
export function logCosh(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.log(tf.cosh(tf.sub(pred, target)))));
}

/**
 * AsymmetricMSELoss: torch.where(error > 0, k·error², error²). The mask goes through
 * stopGradient: tfjs has no gradient for Greater and throws inside tf.grad otherwise.
 */
export function asymmetricMse(pred: tf.Tensor, target: tf.Tensor, overPenalty = 2): tf.Scalar {
  return tf.tidy(() => {
    const error = tf.sub(pred, target);
    const over = stopGradient(() => tf.greater(error, 0));
    const sq = tf.square(error);
    return tf.mean(tf.where(over, tf.mul(overPenalty, sq), sq));
  });
}
