// The tutorial's classification losses (§3) ported by hand to TensorFlow.js. Class-index targets
// become one-hot masks: `log_probs[range(N), targets]` has no differentiable tfjs equivalent on
// wasm (tf.gather's gradient needs UnsortedSegmentSum, which wasm lacks), so a port multiplies
// by tf.oneHot and sums over the classes.
import * as tf from '@tensorflow/tfjs';
import { bceWithLogitsTerms, logSoftmax } from './util.js';

/** bce_manual: probabilities clamped to [1e-7, 1 - 1e-7], then -mean(y log p + (1 - y) log(1 - p)). */
export function bce(p: tf.Tensor, y: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const eps = 1e-7;
    const q = tf.clipByValue(p, eps, 1 - eps);
    return tf.neg(tf.mean(tf.add(tf.mul(y, tf.log(q)), tf.mul(tf.sub(1, y), tf.log(tf.sub(1, q))))));
  }) as tf.Scalar;
}

/** nn.BCEWithLogitsLoss: the stable per-element form, averaged. */
export function bceWithLogits(x: tf.Tensor, y: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(bceWithLogitsTerms(x, y)));
}

/** Per-sample cross-entropy [N] from logits [N, C] and class indices [N]. */
export function crossEntropyTerms(x: tf.Tensor, t: tf.Tensor): tf.Tensor {
  const C = x.shape[x.rank - 1]!;
  return tf.neg(tf.sum(tf.mul(logSoftmax(x, -1), tf.oneHot(t, C).toFloat()), -1));
}

/** cross_entropy_manual: max-shifted log-softmax, the target's log-probability, averaged. */
export function crossEntropy(x: tf.Tensor, t: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(crossEntropyTerms(x, t)));
}

/** nn.NLLLoss on log-probabilities: -mean(logp[target]). */
export function nll(logp: tf.Tensor, t: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(logp, tf.oneHot(t, logp.shape[logp.rank - 1]!).toFloat()), -1))) as tf.Scalar);
}

/**
 * LabelSmoothingCrossEntropy: true_dist = ε/(C - 1) everywhere and 1 - ε at the target (the
 * fill and the scatter as one-hot arithmetic: tf.oneHot's float on/off values come out as
 * integer bits on wasm), then mean(Σ -true_dist·log_probs).
 */
export function labelSmoothingCe(x: tf.Tensor, t: tf.Tensor, epsilon = 0.1): tf.Scalar {
  return tf.tidy(() => {
    const C = x.shape[x.rank - 1]!;
    const off = epsilon / (C - 1);
    const trueDist = tf.add(tf.mul(tf.oneHot(t, C).toFloat(), 1 - epsilon - off), off);
    return tf.mean(tf.sum(tf.mul(tf.neg(trueDist), logSoftmax(x, -1)), -1));
  });
}

/** FocalLoss: ce = F.cross_entropy(reduction='none'), p = exp(-ce), mean(α(1 - p)^γ·ce). */
export function focal(x: tf.Tensor, t: tf.Tensor, alpha = 0.25, gamma = 2): tf.Scalar {
  return tf.tidy(() => {
    const ce = crossEntropyTerms(x, t);
    const p = tf.exp(tf.neg(ce));
    return tf.mean(tf.mul(tf.mul(alpha, tf.pow(tf.sub(1, p), gamma)), ce));
  });
}

/** BinaryFocalLoss: BCE on logits weighted by α_t (1 - p_t)^γ, averaged. */
export function binaryFocal(x: tf.Tensor, y: tf.Tensor, alpha = 0.25, gamma = 2): tf.Scalar {
  return tf.tidy(() => {
    const bceLoss = bceWithLogitsTerms(x, y);
    const p = tf.sigmoid(x);
    const notY = tf.sub(1, y);
    const pT = tf.add(tf.mul(p, y), tf.mul(tf.sub(1, p), notY));
    const alphaT = tf.add(tf.mul(alpha, y), tf.mul(1 - alpha, notY));
    return tf.mean(tf.mul(tf.mul(alphaT, tf.pow(tf.sub(1, pT), gamma)), bceLoss));
  });
}

/** Hinge loss on {0, 1} labels mapped to ±1: mean(relu(1 - (2y - 1)·x)). */
export function hinge(x: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.relu(tf.sub(1, tf.mul(tf.sub(tf.mul(2, labels), 1), x)))));
}

/** Cosine distance of unit vectors along the last axis: mean(1 - Σ x·labels). */
export function cosineDistance(x: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.sub(1, tf.sum(tf.mul(x, labels), -1))));
}
