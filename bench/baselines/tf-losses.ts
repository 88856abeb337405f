// The same losses through tf.losses, where TensorFlow.js has them. tf.losses takes the labels
// first; its default reduction (SUM_BY_NONZERO_WEIGHTS) without weights is the mean over every
// element, which is the stdlib's 'mean'.
import * as tf from '@tensorflow/tfjs';

export const mse = (pred: tf.Tensor, target: tf.Tensor): tf.Scalar => tf.losses.meanSquaredError(target, pred) as tf.Scalar;

export const mae = (pred: tf.Tensor, target: tf.Tensor): tf.Scalar => tf.losses.absoluteDifference(target, pred) as tf.Scalar;

/** huberLoss is torch's HuberLoss(delta), and SmoothL1Loss(beta) when beta = delta = 1. */
export const huber = (pred: tf.Tensor, target: tf.Tensor, delta = 1): tf.Scalar => tf.losses.huberLoss(target, pred, undefined, delta) as tf.Scalar;

/** logLoss adds eps = 1e-7 inside each log rather than flooring it at -100 as torch's BCELoss. */
export const bce = (p: tf.Tensor, y: tf.Tensor): tf.Scalar => tf.losses.logLoss(y, p) as tf.Scalar;

export const bceWithLogits = (x: tf.Tensor, y: tf.Tensor): tf.Scalar => tf.losses.sigmoidCrossEntropy(y, x) as tf.Scalar;

/** softmaxCrossEntropy wants one-hot labels: the class indices go through tf.oneHot first. */
export const crossEntropy = (x: tf.Tensor, t: tf.Tensor): tf.Scalar =>
  tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.oneHot(t, x.shape[x.rank - 1]!).toFloat(), x) as tf.Scalar);

export const hinge = (x: tf.Tensor, labels: tf.Tensor): tf.Scalar => tf.losses.hingeLoss(labels, x) as tf.Scalar;

export const cosineDistance = (x: tf.Tensor, labels: tf.Tensor): tf.Scalar => tf.losses.cosineDistance(labels, x, x.rank - 1) as tf.Scalar;

export const ganDiscriminator = (realOut: tf.Tensor, fakeOut: tf.Tensor): tf.Scalar =>
  tf.tidy(() => tf.add(tf.losses.sigmoidCrossEntropy(tf.onesLike(realOut), realOut), tf.losses.sigmoidCrossEntropy(tf.zerosLike(fakeOut), fakeOut)));

export const ganGenerator = (fakeOut: tf.Tensor): tf.Scalar =>
  tf.tidy(() => tf.losses.sigmoidCrossEntropy(tf.onesLike(fakeOut), fakeOut) as tf.Scalar);
