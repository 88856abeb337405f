// The tutorial's segmentation losses (§5.1, §5.3, exercise 1) ported by hand to TensorFlow.js.
// tf.softmax works on the last axis only, so softmax over C of [N, C, H, W] logits is written
// as exp(x - logsumexp(x, 1)). The tutorial's class loop is in loops.ts.
import * as tf from '@tensorflow/tfjs';
import { logSoftmax } from './util.js';

/** DiceLoss: 1 - (2Σpt + s)/(Σp + Σt + s) over every element. */
export function dice(p: tf.Tensor, t: tf.Tensor, smooth = 1): tf.Scalar {
  return tf.tidy(() => {
    const intersection = tf.sum(tf.mul(p, t));
    return tf.sub(1, tf.div(tf.add(tf.mul(2, intersection), smooth), tf.add(tf.add(tf.sum(p), tf.sum(t)), smooth)));
  });
}

/** Class indices [N, H, W] to a one-hot [N, C, H, W], as one_hot(...).permute(0, 3, 1, 2). */
export function oneHotNCHW(t: tf.Tensor, C: number): tf.Tensor {
  return tf.transpose(tf.oneHot(t, C).toFloat(), [0, 3, 1, 2]);
}

/** MultiClassDiceLoss without the class loop: every sum keeps C, then the mean over classes. */
export function multiclassDice(x: tf.Tensor, t: tf.Tensor, smooth = 1): tf.Scalar {
  return tf.tidy(() => {
    const p = tf.exp(logSoftmax(x, 1));
    const y = oneHotNCHW(t, x.shape[1]!);
    const axes = [0, 2, 3];
    const diceC = tf.div(tf.add(tf.mul(2, tf.sum(tf.mul(p, y), axes)), smooth), tf.add(tf.add(tf.sum(p, axes), tf.sum(y, axes)), smooth));
    return tf.mean(tf.sub(1, diceC));
  });
}

/** nn.CrossEntropyLoss on [N, C, H, W] logits and [N, H, W] class indices. */
export function crossEntropyNCHW(x: tf.Tensor, t: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(logSoftmax(x, 1), oneHotNCHW(t, x.shape[1]!)), 1))) as tf.Scalar);
}

/** CombinedLoss: ce_weight·CE + dice_weight·MultiClassDice, each computed by its own module. */
export function ceDice(x: tf.Tensor, t: tf.Tensor, ceWeight = 0.5, diceWeight = 0.5): tf.Scalar {
  return tf.tidy(() => tf.add(tf.mul(ceWeight, crossEntropyNCHW(x, t)), tf.mul(diceWeight, multiclassDice(x, t))));
}

/** Tversky loss: 1 - (TP + s)/(TP + α·FP + β·FN + s). */
export function tversky(p: tf.Tensor, t: tf.Tensor, alpha = 0.5, beta = 0.5, smooth = 1): tf.Scalar {
  return tf.tidy(() => {
    const tp = tf.sum(tf.mul(p, t));
    const fp = tf.sum(tf.mul(p, tf.sub(1, t)));
    const fn = tf.sum(tf.mul(tf.sub(1, p), t));
    return tf.sub(1, tf.div(tf.add(tp, smooth), tf.add(tf.add(tf.add(tp, tf.mul(alpha, fp)), tf.mul(beta, fn)), smooth)));
  });
}
