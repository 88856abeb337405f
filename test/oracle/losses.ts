/**
 * The float64 reference losses ("oracles") of the catalog, LOSSES.md, written independently of
 * `src/` as plain loops, the way the seed's PyTorch code reads. Each returns a number, or an
 * F64Tensor for reduction 'none'. Reductions and weights: see reduce.ts.
 */
export { type Reduced, type ReduceOpts, type Reduction, reduce, expandWeights } from './reduce.js';
export { asymmetric_mse, huber, log_cosh, mae, mse, smooth_l1 } from './regression.js';
export {
  bce,
  bce_with_logits,
  binary_focal,
  cross_entropy,
  focal,
  label_smoothing_ce,
  nll,
} from './classification.js';
export { cosine_distance, hinge } from './tfstyle.js';
export {
  batch_hard_triplet,
  contrastive,
  info_nce,
  nt_xent_simple,
  pairwise_distance,
  triplet,
  triplet_margin,
} from './metric.js';
export { ce_dice, dice, giou_loss, iou_loss, multiclass_dice, tversky } from './segmentation.js';
export { gan_discriminator, gan_generator, perceptual, vae, wgan_discriminator, wgan_generator } from './generative.js';
export { curriculum, uncertainty_weighting } from './advanced.js';
