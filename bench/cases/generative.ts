// stdlib/generative.loss: discriminator logits [N, 1]; a VAE on 784-pixel images with a
// 20-dimensional latent; perceptual loss on [N, 3, H, W] images.
import * as tf from '@tensorflow/tfjs';
import * as base from '../baselines/generative.js';
import * as lib from '../baselines/tf-losses.js';
import { normal, uniform } from './random.js';
import { imageElements, images, rowElements, rows, SIZES } from './sizes.js';
import { call, get, type BenchCase } from './types.js';

/**
 * The perceptual loss's feature extractor: a fixed, cheap two-"layer" stand-in for VGG16
 * (no pretrained weights here), so that the loss itself is what is timed.
 */
export const FEATURES = (x: tf.Tensor): tf.Tensor[] => [tf.relu(x), tf.tanh(x)];

function discriminator(loss: string, names: readonly string[], baseline: BenchCase['baseline'], tfLosses?: BenchCase['tfLosses']): BenchCase {
  return {
    loss,
    file: 'generative',
    sizes: SIZES,
    unit: 'discriminator outputs [N, 1] per input',
    dims: rows(1),
    elements: rowElements,
    inputs: (d, rng) => Object.fromEntries(names.map((n) => [n, normal(rng, [d.N!, 1], 2)])),
    wrt: names,
    compiled: (m, x, o) => call(m, loss, ...names.map((n) => get(x, n)), o),
    baseline,
    ...(tfLosses ? { tfLosses } : {}),
  };
}

export const GENERATIVE: readonly BenchCase[] = [
  discriminator('gan_discriminator', ['real_out', 'fake_out'], (x) => base.ganDiscriminator(get(x, 'real_out'), get(x, 'fake_out')), (x) => lib.ganDiscriminator(get(x, 'real_out'), get(x, 'fake_out'))),
  discriminator('gan_generator', ['fake_out'], (x) => base.ganGenerator(get(x, 'fake_out')), (x) => lib.ganGenerator(get(x, 'fake_out'))),
  discriminator('wgan_discriminator', ['real_out', 'fake_out'], (x) => base.wganDiscriminator(get(x, 'real_out'), get(x, 'fake_out'))),
  discriminator('wgan_generator', ['fake_out'], (x) => base.wganGenerator(get(x, 'fake_out'))),
  {
    loss: 'vae',
    file: 'generative',
    sizes: SIZES,
    unit: 'elements of recon [N, 784]',
    dims: (size) => ({ ...rows(784)(size), Z: 20 }),
    elements: rowElements,
    inputs: (d, rng) => ({
      recon: uniform(rng, [d.N!, d.K!], 0.02, 0.98),
      x: uniform(rng, [d.N!, d.K!]),
      mu: normal(rng, [d.N!, d.Z!]),
      logvar: normal(rng, [d.N!, d.Z!], 0.5),
    }),
    wrt: ['recon', 'mu', 'logvar'],
    compiled: (m, x, o) => call(m, 'vae', get(x, 'recon'), get(x, 'x'), get(x, 'mu'), get(x, 'logvar'), o),
    baseline: (x) => base.vae(get(x, 'recon'), get(x, 'x'), get(x, 'mu'), get(x, 'logvar')),
    note: "baseline BCE clamps recon to [1e-7, 1 - 1e-7] (the tutorial's bce_manual); the stdlib floors each log at -100 (torch): equal for recon away from 0 and 1",
  },
  {
    loss: 'perceptual',
    file: 'generative',
    sizes: SIZES,
    unit: 'elements of pred [N, 3, H, W]',
    dims: images(3),
    elements: imageElements,
    inputs: (d, rng) => ({ pred: normal(rng, [d.N!, d.C!, d.H!, d.W!]), target: normal(rng, [d.N!, d.C!, d.H!, d.W!]) }),
    wrt: ['pred'],
    compiled: (m, x, o) => call(m, 'perceptual', get(x, 'pred'), get(x, 'target'), FEATURES, o),
    baseline: (x) => base.perceptual(get(x, 'pred'), get(x, 'target'), FEATURES),
    tfLosses: (x) =>
      tf.tidy(() => {
        const [fp, ft] = [FEATURES(get(x, 'pred')), FEATURES(get(x, 'target'))];
        return tf.div(tf.addN(fp.map((f, k) => tf.losses.meanSquaredError(ft[k]!, f))), fp.length);
      }),
    note: 'features = [relu(x), tanh(x)], a cheap stand-in for VGG16 layers, the same function for every variant',
  },
];
