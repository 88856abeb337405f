// The tutorial's generative-model losses (§6) ported by hand to TensorFlow.js.
import * as tf from '@tensorflow/tfjs';
import { bceWithLogitsTerms } from './util.js';

/** gan_loss_discriminator: BCE-with-logits of real against ones plus fake against zeros. */
export function ganDiscriminator(realOut: tf.Tensor, fakeOut: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.add(tf.mean(bceWithLogitsTerms(realOut, tf.onesLike(realOut))), tf.mean(bceWithLogitsTerms(fakeOut, tf.zerosLike(fakeOut)))) as tf.Scalar);
}

/** gan_loss_generator: BCE-with-logits of fake against ones. */
export function ganGenerator(fakeOut: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(bceWithLogitsTerms(fakeOut, tf.onesLike(fakeOut))));
}

/** wgan_loss_discriminator: -(mean(real) - mean(fake)). */
export function wganDiscriminator(realOut: tf.Tensor, fakeOut: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.sub(tf.mean(realOut), tf.mean(fakeOut))) as tf.Scalar);
}

/** wgan_loss_generator: -mean(fake). */
export function wganGenerator(fakeOut: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(fakeOut)) as tf.Scalar);
}

/**
 * vae_loss: binary_cross_entropy(recon, x, reduction='sum') (written as the tutorial's
 * bce_manual, clamped to [1e-7, 1 - 1e-7]) plus β·(-½ Σ(1 + logvar - μ² - exp(logvar))).
 */
export function vae(recon: tf.Tensor, x: tf.Tensor, mu: tf.Tensor, logvar: tf.Tensor, beta = 1): tf.Scalar {
  return tf.tidy(() => {
    const q = tf.clipByValue(recon, 1e-7, 1 - 1e-7);
    const reconLoss = tf.neg(tf.sum(tf.add(tf.mul(x, tf.log(q)), tf.mul(tf.sub(1, x), tf.log(tf.sub(1, q))))));
    const kl = tf.mul(-0.5, tf.sum(tf.sub(tf.sub(tf.add(1, logvar), tf.square(mu)), tf.exp(logvar))));
    return tf.add(reconLoss, tf.mul(beta, kl));
  });
}

export type FeatureExtractor = (x: tf.Tensor) => tf.Tensor | tf.Tensor[];

/** PerceptualLoss: the mean over the extractor's layers of F.mse_loss(features). */
export function perceptual(pred: tf.Tensor, target: tf.Tensor, features: FeatureExtractor): tf.Scalar {
  return tf.tidy(() => {
    const asList = (f: tf.Tensor | tf.Tensor[]): tf.Tensor[] => (Array.isArray(f) ? f : [f]);
    const fp = asList(features(pred));
    const ft = asList(features(target));
    const layers = fp.map((f, k) => tf.mean(tf.square(tf.sub(f, ft[k]!))));
    return tf.div(tf.addN(layers), layers.length);
  });
}
