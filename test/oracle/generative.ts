/**
 * Generative-model losses (seed §6), float64 references.
 */
import { bce, bce_with_logits } from './classification.js';
import { mse } from './regression.js';
import { el, full, type F64Tensor } from './tensor.js';

/** Seed §6.1 `gan_loss_discriminator`: BCEwithLogits(real, 1) + BCEwithLogits(fake, 0), each a mean. */
export function gan_discriminator(real: F64Tensor, fake: F64Tensor): number {
  return bce_with_logits(real, full(real.shape, 1)) + bce_with_logits(fake, full(fake.shape, 0));
}

/** Seed §6.1 `gan_loss_generator` (non-saturating): BCEwithLogits(fake, 1), mean. */
export function gan_generator(fake: F64Tensor): number {
  return bce_with_logits(fake, full(fake.shape, 1));
}

function mean(t: F64Tensor): number {
  let s = 0;
  for (const v of t.data) s += v;
  return s / t.data.length;
}

/** Seed §6.1 `wgan_loss_discriminator`: −(mean(real) − mean(fake)). */
export function wgan_discriminator(real: F64Tensor, fake: F64Tensor): number {
  return -(mean(real) - mean(fake));
}

/** Seed §6.1 `wgan_loss_generator`: −mean(fake). */
export function wgan_generator(fake: F64Tensor): number {
  return -mean(fake);
}

/**
 * Seed §6.2 `vae_loss`: BCE(recon, x, reduction 'sum') (torch BCELoss, logs clamped at −100)
 * + β·(−½ Σ(1 + logvar − μ² − exp(logvar))). β default 1.
 */
export function vae(recon: F64Tensor, x: F64Tensor, mu: F64Tensor, logvar: F64Tensor, opts: { beta?: number } = {}): number {
  const beta = opts.beta ?? 1;
  if (mu.data.length !== logvar.data.length) throw new Error('vae: mu and logvar differ in size');
  let kl = 0;
  mu.data.forEach((m, i) => {
    const lv = el(logvar.data, i);
    kl += 1 + lv - m * m - Math.exp(lv);
  });
  return bce(recon, x, { reduction: 'sum' }) + beta * (-0.5 * kl);
}

/**
 * Seed §6.3 `PerceptualLoss` with the feature extractor passed in (no pretrained VGG here):
 * mean over the extractor's feature maps of MSE(features(pred), features(target)).
 */
export function perceptual(
  pred: F64Tensor,
  target: F64Tensor,
  features: (x: F64Tensor) => F64Tensor | F64Tensor[],
): number {
  const asList = (f: F64Tensor | F64Tensor[]): F64Tensor[] => (Array.isArray(f) ? f : [f]);
  const fp = asList(features(pred));
  const ft = asList(features(target));
  if (fp.length !== ft.length || fp.length === 0) throw new Error('perceptual: feature lists differ or are empty');
  let s = 0;
  fp.forEach((a, i) => {
    const b = ft[i];
    if (!b) throw new Error('perceptual: missing feature map');
    s += mse(a, b);
  });
  return s / fp.length;
}
