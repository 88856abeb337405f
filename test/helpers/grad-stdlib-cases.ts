// Inputs for the gradient suite of the standard library (test/grad-stdlib.test.ts): seeded
// typical inputs for every stdlib loss, and the extreme inputs where naive gradients break
// (the same kinds as the `describeExtremes` cases of the test/stdlib*.test.ts suites).
import { softmaxLastAxis } from '../oracle/math.js';
import { fromNested, mulberry32, randomInts, randomTensor, type F64Tensor, type Rng } from '../oracle/tensor.js';

export type Inputs = Record<string, F64Tensor>;
export type Hypers = Record<string, number>;

export interface StdlibGradCase {
  /** Seeded random inputs of typical values. */
  readonly inputs: (seed: number) => Inputs;
  /** Hyperparameter settings checked besides the defaults (required ones included). */
  readonly hypers: readonly Hypers[];
  /** Settings every evaluation needs (hyperparameters without a default). */
  readonly base?: Hypers;
}

const U = (shape: number[], rng: Rng, lo: number, hi: number): F64Tensor => randomTensor(shape, rng, { lo, hi });
const logSoftmaxRows = (x: F64Tensor): F64Tensor => softmaxLastAxis(x, true);
/** n boxes (x1, y1, x2, y2), x1 < x2 and y1 < y2; `near` puts each within ±2 of its pair. */
const boxes = (rng: Rng, n: number, near?: F64Tensor): F64Tensor => {
  const data = new Float64Array(4 * n);
  for (let i = 0; i < n; i++) {
    const [x, y] = near ? [near.data[4 * i]! + rng.uniform(-2, 2), near.data[4 * i + 1]! + rng.uniform(-2, 2)] : [rng.uniform(0, 10), rng.uniform(0, 10)];
    data.set([x, y, x + rng.uniform(1, 5), y + rng.uniform(1, 5)], 4 * i);
  }
  return { shape: [n, 4], data };
};

/** Labels -1 and 1. */
const pm1 = (shape: number[], rng: Rng): F64Tensor => ({ shape: [...shape], data: randomInts(shape, rng, 2).data.map((b) => 2 * b - 1) });
const pairs = (lo: number, hi: number, a = 'pred', b = 'target', shape = [2, 3]) => (seed: number): Inputs => {
  const rng = mulberry32(seed);
  return { [a]: U(shape, rng, lo, hi), [b]: U(shape, rng, lo, hi) };
};
const logitsAndProbs = (seed: number): Inputs => {
  const rng = mulberry32(seed);
  return { x: U([2, 3], rng, -4, 4), y: U([2, 3], rng, 0, 1) };
};
const classes = (seed: number): Inputs => {
  const rng = mulberry32(seed);
  return { x: U([3, 4], rng, -3, 3), t: randomInts([3], rng, 4) };
};
const segmentation = (seed: number): Inputs => {
  const rng = mulberry32(seed);
  return { x: U([1, 3, 2, 2], rng, -3, 3), t: randomInts([1, 2, 2], rng, 3) };
};
const masks = (seed: number): Inputs => {
  const rng = mulberry32(seed);
  return { p: U([2, 3], rng, 0.02, 0.98), t: randomInts([2, 3], rng, 2) };
};
const embeddings = (names: string[], shape = [3, 4]) => (seed: number): Inputs => {
  const rng = mulberry32(seed);
  return Object.fromEntries(names.map((n) => [n, U(shape, rng, -1, 1)]));
};

/** Embeddings [6, 3] and labels with every class at least twice. */
const labelledEmbeddings = (seed: number): Inputs => {
  const rng = mulberry32(seed);
  return { e: U([6, 3], rng, -1, 1), label: fromNested([0, 1, 2, 0, 1, 2]) };
};
/** MONAI's [B, C, S]: x in (0.05, 0.95) (probabilities or logits), soft targets away from 0 and 1, every class present. */
const monaiSegmentation = (seed: number): Inputs => {
  const rng = mulberry32(seed);
  return { x: U([2, 3, 4], rng, 0.05, 0.95), y: U([2, 3, 4], rng, 0.05, 0.95) };
};

export const STDLIB_GRAD_CASES: Readonly<Record<string, StdlibGradCase>> = {
  // regression
  mse: { inputs: pairs(-3, 3), hypers: [] },
  mae: { inputs: pairs(-3, 3), hypers: [] },
  huber: { inputs: pairs(-3, 3), hypers: [{ delta: 0.5 }] },
  smooth_l1: { inputs: pairs(-3, 3), hypers: [{ beta: 2.5 }] },
  log_cosh: { inputs: pairs(-3, 3), hypers: [] },
  asymmetric_mse: { inputs: pairs(-3, 3), hypers: [{ over_penalty: 5 }] },
  // classification
  bce: { inputs: (seed) => { const rng = mulberry32(seed); return { p: U([2, 3], rng, 0.02, 0.98), y: U([2, 3], rng, 0, 1) }; }, hypers: [] },
  bce_with_logits: { inputs: logitsAndProbs, hypers: [{ pos_weight: 3 }] },
  cross_entropy: { inputs: classes, hypers: [{ label_smoothing: 0.1 }] },
  nll: { inputs: (seed) => { const c = classes(seed); return { logp: logSoftmaxRows(c.x!), t: c.t! }; }, hypers: [] },
  label_smoothing_ce: { inputs: classes, hypers: [{ epsilon: 0.3 }] },
  focal: { inputs: classes, hypers: [{ gamma: 0.5 }, { alpha: 1, gamma: 0 }] },
  binary_focal: { inputs: logitsAndProbs, hypers: [{ alpha: 0.5, gamma: 1 }] },
  hinge: { inputs: (seed) => { const rng = mulberry32(seed); return { x: U([2, 3], rng, -3, 3), labels: randomInts([2, 3], rng, 2) }; }, hypers: [] },
  cosine_distance: { inputs: pairs(-1, 1, 'x', 'labels', [3, 4]), hypers: [] },
  // detection
  iou_loss: { inputs: (seed) => { const rng = mulberry32(seed); const p = boxes(rng, 4); return { p, t: boxes(rng, 4, p) }; }, hypers: [] },
  giou_loss: { inputs: (seed) => { const rng = mulberry32(seed); const p = boxes(rng, 4); return { p, t: boxes(rng, 4, p) }; }, hypers: [] },
  // generative
  gan_discriminator: { inputs: pairs(-4, 4, 'real_out', 'fake_out', [4]), hypers: [] },
  gan_generator: { inputs: (seed) => ({ fake_out: U([2, 3], mulberry32(seed), -4, 4) }), hypers: [] },
  wgan_discriminator: { inputs: pairs(-4, 4, 'real_out', 'fake_out', [4]), hypers: [] },
  wgan_generator: { inputs: (seed) => ({ fake_out: U([2, 3], mulberry32(seed), -4, 4) }), hypers: [] },
  vae: {
    inputs: (seed) => {
      const rng = mulberry32(seed);
      return { recon: U([2, 3], rng, 0.02, 0.98), x: U([2, 3], rng, 0, 1), mu: U([2, 3], rng, -2, 2), logvar: U([2, 3], rng, -2, 2) };
    },
    hypers: [{ beta: 4 }],
  },
  // metric
  triplet: { inputs: embeddings(['a', 'p', 'n']), hypers: [{ margin: 0.2 }] },
  contrastive: { inputs: (seed) => { const rng = mulberry32(seed); return { x1: U([4, 3], rng, -1, 1), x2: U([4, 3], rng, -1, 1), y: randomInts([4], rng, 2) }; }, hypers: [{ margin: 2 }] },
  triplet_margin: { inputs: embeddings(['a', 'pos', 'neg']), hypers: [{ p: 1 }, { swap: 1, margin: 2 }] },
  batch_hard_triplet: { inputs: (seed) => { const rng = mulberry32(seed); return { e: U([6, 3], rng, -1, 1), label: randomInts([6], rng, 3) }; }, hypers: [{ margin: 0.2 }] },
  info_nce: { inputs: embeddings(['zi', 'zj'], [3, 3]), hypers: [{ temperature: 0.5 }] },
  nt_xent_simple: { inputs: embeddings(['zi', 'zj'], [3, 3]), hypers: [{ temperature: 0.07 }] },
  // multitask
  uncertainty_weighting: { inputs: (seed) => { const rng = mulberry32(seed); return { task_losses: U([4], rng, 0.1, 3), log_vars: U([4], rng, -1, 1) }; }, hypers: [] },
  gradnorm: {
    inputs: (seed) => {
      const rng = mulberry32(seed);
      return { task_losses: U([4], rng, 0.2, 2), initial_losses: U([4], rng, 0.5, 3), grad_norms: U([4], rng, 0.1, 5), task_weights: U([4], rng, 0.5, 1.5) };
    },
    hypers: [{ alpha: 0 }, { alpha: 3 }],
  },
  curriculum: {
    inputs: (seed) => { const rng = mulberry32(seed); return { losses: U([6], rng, 0, 2), difficulty: U([6], rng, 0, 1) }; },
    base: { epoch: 4, total_epochs: 10 },
    hypers: [{ epoch: 10, total_epochs: 10 }],
  },
  // segmentation
  dice: { inputs: masks, hypers: [{ smooth: 0.1 }] },
  tversky: { inputs: masks, hypers: [{ alpha: 0.3, beta: 0.7 }] },
  multiclass_dice: { inputs: segmentation, hypers: [{ smooth: 0.5 }] },
  ce_dice: { inputs: segmentation, hypers: [{ ce_weight: 0.2, dice_weight: 2 }] },
  // the peers' losses (test/stdlib-peers.test.ts)
  msle: { inputs: pairs(-0.5, 3), hypers: [] },
  mape: { inputs: (seed) => { const rng = mulberry32(seed); return { pred: U([2, 3], rng, -3, 3), target: U([2, 3], rng, 0.5, 3) }; }, hypers: [] },
  poisson: { inputs: pairs(0.1, 3), hypers: [] },
  cosine_similarity: { inputs: pairs(-1, 1, 'pred', 'target', [3, 4]), hypers: [] },
  categorical_hinge: { inputs: (seed) => { const rng = mulberry32(seed); return { x: U([3, 4], rng, -2, 2), y: U([3, 4], rng, 0, 1) }; }, hypers: [] },
  squared_hinge: { inputs: (seed) => { const rng = mulberry32(seed); return { x: U([3, 4], rng, -2, 2), y: pm1([3, 4], rng) }; }, hypers: [] },
  kl_divergence: { inputs: (seed) => { const rng = mulberry32(seed); return { y: U([3, 4], rng, 0.01, 1), p: U([3, 4], rng, 0.01, 1) }; }, hypers: [] },
  margin_ranking: { inputs: (seed) => { const rng = mulberry32(seed); return { x1: U([6], rng, -2, 2), x2: U([6], rng, -2, 2), y: pm1([6], rng) }; }, hypers: [{ margin: 0.5 }] },
  hinge_embedding: { inputs: (seed) => { const rng = mulberry32(seed); return { x: U([6], rng, -1, 3), y: pm1([6], rng) }; }, hypers: [{ margin: 2 }] },
  cosine_embedding: { inputs: (seed) => { const rng = mulberry32(seed); return { x1: U([4, 3], rng, -1, 1), x2: U([4, 3], rng, -1, 1), y: pm1([4], rng) }; }, hypers: [{ margin: 0.3 }] },
  soft_margin: { inputs: (seed) => { const rng = mulberry32(seed); return { x: U([2, 3], rng, -3, 3), y: pm1([2, 3], rng) }; }, hypers: [] },
  multilabel_soft_margin: { inputs: (seed) => { const rng = mulberry32(seed); return { x: U([3, 4], rng, -3, 3), y: randomInts([3, 4], rng, 2), weight: U([4], rng, 0.2, 2) }; }, hypers: [] },
  multi_margin: { inputs: (seed) => { const rng = mulberry32(seed); return { x: U([3, 4], rng, -1.5, 1.5), t: randomInts([3], rng, 4), weight: U([4], rng, 0.2, 2) }; }, hypers: [{ p: 2, margin: 0.5 }] },
  poisson_nll: { inputs: (seed) => { const rng = mulberry32(seed); return { input: U([2, 3], rng, 0.1, 2), target: U([2, 3], rng, 0, 5) }; }, hypers: [{ log_input: 0 }, { full: 1 }, { log_input: 0, full: 1, eps: 0.1 }] },
  gaussian_nll: { inputs: (seed) => { const rng = mulberry32(seed); return { input: U([2, 3], rng, -2, 2), target: U([2, 3], rng, -2, 2), var: U([2, 3], rng, 0.1, 2) }; }, hypers: [{ full: 1 }] },
  kl_div: { inputs: (seed) => { const rng = mulberry32(seed); return { input: logSoftmaxRows(U([3, 4], rng, -2, 2)), target: U([3, 4], rng, 0.01, 1) }; }, hypers: [{ log_target: 1 }] },
  // the peers' losses of test/stdlib-peers2.test.ts
  categorical_focal_crossentropy: { inputs: (seed) => { const rng = mulberry32(seed); return { y_pred: U([3, 4], rng, 0.05, 0.95), y_true: U([3, 4], rng, 0, 1) }; }, hypers: [{ from_logits: 1, label_smoothing: 0.1 }, { gamma: 0.5 }] },
  binary_focal_crossentropy: { inputs: (seed) => { const rng = mulberry32(seed); return { y_pred: U([3, 4], rng, 0.05, 0.95), y_true: U([3, 4], rng, 0, 1) }; }, hypers: [{ from_logits: 1, apply_class_balancing: 1 }, { label_smoothing: 0.2, gamma: 0.5 }] },
  distance_box_iou_loss: { inputs: (seed) => { const rng = mulberry32(seed); const p = boxes(rng, 4); return { p, t: boxes(rng, 4, p) }; }, hypers: [{ eps: 1e-3 }] },
  complete_box_iou_loss: { inputs: (seed) => { const rng = mulberry32(seed); const p = boxes(rng, 4); return { p, t: boxes(rng, 4, p) }; }, hypers: [{ eps: 1e-3 }] },
  nt_xent: { inputs: labelledEmbeddings, hypers: [{ temperature: 0.5 }] },
  supcon: { inputs: labelledEmbeddings, hypers: [{ temperature: 0.5 }] },
  multi_similarity: { inputs: labelledEmbeddings, hypers: [{ alpha: 1, beta: 10, base: 0.3 }] },
  circle: { inputs: labelledEmbeddings, hypers: [{ m: 0.25, gamma: 32 }] },
  barlow_twins: { inputs: embeddings(['za', 'zb'], [5, 3]), hypers: [{ lambda: 0.1 }] },
  monai_dice: { inputs: monaiSegmentation, hypers: [{ activation: 2, include_background: 0 }, { squared_pred: 1, jaccard: 1, batch: 1, activation: 1 }, { soft_label: 1 }] },
  monai_dice_ce: { inputs: monaiSegmentation, hypers: [{ activation: 2, label_smoothing: 0.1 }] },
  monai_focal: { inputs: monaiSegmentation, hypers: [{ use_softmax: 1, include_background: 0 }, { use_alpha: 1, alpha: 0.3, gamma: 0.5 }] },
  monai_dice_focal: { inputs: monaiSegmentation, hypers: [{ activation: 1, use_alpha: 1 }] },
  monai_tversky: { inputs: monaiSegmentation, hypers: [{ alpha: 0.3, beta: 0.7, activation: 2 }, { soft_label: 1, batch: 1 }] },
  monai_deep_supervision: { inputs: (seed) => { const rng = mulberry32(seed); return { preds: U([3, 2, 3, 4], rng, -2, 2), y: U([2, 3, 4], rng, 0.05, 0.95) }; }, hypers: [{ weight_mode: 2, activation: 2 }] },
  monai_generalized_dice: { inputs: monaiSegmentation, hypers: [{ w_type: 1, activation: 2 }, { w_type: 2, batch: 1, include_background: 0 }] },
  // the peers' losses of test/stdlib-peers3*.test.ts
  generalized_box_iou_loss: { inputs: (seed) => { const rng = mulberry32(seed); const p = boxes(rng, 4); return { p, t: boxes(rng, 4, p) }; }, hypers: [{ eps: 1e-3 }] },
  box_iou: { inputs: (seed) => { const rng = mulberry32(seed); const b1 = boxes(rng, 3); return { b1, b2: boxes(rng, 3, b1) }; }, hypers: [] },
  generalized_box_iou: { inputs: (seed) => { const rng = mulberry32(seed); const b1 = boxes(rng, 3); return { b1, b2: boxes(rng, 3, b1) }; }, hypers: [] },
  keras_hinge: { inputs: (seed) => { const rng = mulberry32(seed); return { x: U([3, 4], rng, -2, 2), y: randomInts([3, 4], rng, 2) }; }, hypers: [] },
  binary_crossentropy: { inputs: (seed) => { const rng = mulberry32(seed); return { y_pred: U([3, 4], rng, 0.05, 0.95), y_true: U([3, 4], rng, 0, 1) }; }, hypers: [{ from_logits: 1, label_smoothing: 0.1 }, { label_smoothing: 0.2 }] },
  categorical_crossentropy: { inputs: (seed) => { const rng = mulberry32(seed); return { y_pred: U([3, 4], rng, 0.05, 0.95), y_true: U([3, 4], rng, 0, 1) }; }, hypers: [{ from_logits: 1, label_smoothing: 0.1 }, { label_smoothing: 0.2 }] },
  sparse_categorical_crossentropy: { inputs: (seed) => { const rng = mulberry32(seed); return { y_pred: U([3, 4], rng, 0.05, 0.95), t: randomInts([3], rng, 4) }; }, hypers: [{ from_logits: 1 }] },
  log_loss: { inputs: (seed) => { const rng = mulberry32(seed); return { p: U([2, 3], rng, 0.02, 0.98), labels: U([2, 3], rng, 0, 1) }; }, hypers: [{ epsilon: 1e-3 }] },
  softmax_cross_entropy: { inputs: (seed) => { const rng = mulberry32(seed); return { logits: U([3, 4], rng, -3, 3), labels: U([3, 4], rng, 0, 1) }; }, hypers: [{ label_smoothing: 0.1 }] },
  smp_dice: { inputs: monaiSegmentation, hypers: [{ score: 1, log_loss: 1 }, { score: 2, gamma: 1.5, from_logits: 0, smooth: 1 }] },
  smp_dice_multiclass: { inputs: (seed) => { const rng = mulberry32(seed); return { x: U([2, 3, 4], rng, -2, 2), t: randomInts([2, 4], rng, 3) }; }, hypers: [{ score: 1 }, { score: 2, alpha: 0.7, beta: 0.3 }] },
  smp_focal: { inputs: monaiSegmentation, hypers: [{ normalized: 1 }, { use_alpha: 1, gamma: 0.5 }] },
  smp_focal_multiclass: { inputs: (seed) => { const rng = mulberry32(seed); return { x: U([2, 3, 4], rng, -2, 2), t: randomInts([2, 4], rng, 3) }; }, hypers: [{ normalized: 1, use_alpha: 1 }] },
  smp_soft_bce: { inputs: logitsAndProbs, hypers: [{ smooth_factor: 0.1, pos_weight: 2 }] },
  smp_soft_ce: { inputs: classes, hypers: [{ smooth_factor: 0.1 }] },
  smp_mcc: { inputs: (seed) => { const rng = mulberry32(seed); return { p: U([2, 3], rng, 0.02, 0.98), y: U([2, 3], rng, 0, 1) }; }, hypers: [{ eps: 1e-2 }] },
  // Random logits: no ties among the errors a Lovász loss sorts.
  smp_lovasz: { inputs: (seed) => { const rng = mulberry32(seed); return { x: U([2, 2, 3], rng, -2, 2), y: randomInts([2, 2, 3], rng, 2) }; }, hypers: [{ per_image: 1 }] },
  smp_lovasz_multiclass: { inputs: (seed) => { const rng = mulberry32(seed); return { x: U([2, 3, 4], rng, -2, 2), t: randomInts([2, 4], rng, 3) }; }, hypers: [{ per_image: 1, classes: 1 }] },
};

export interface ExtremeInput {
  readonly loss: string;
  readonly what: string;
  readonly x: Inputs;
  readonly hypers?: Hypers;
}

const big = 1e4;
const n = fromNested;
const same = n([[0.5, -0.25, 1], [2, 0, -1]]);
const other = n([[1.5, 0.75, 0], [-1, 1, 1]]);
const saturated = { x: n([[[[big, -big], [-big, big]], [[-big, big], [big, -big]], [[-big, -big], [-big, -big]]]]), t: n([[[0, 0], [1, 1]]]) };
const saturatedLogits = n([[big, -big, 0], [-big, big, 0], [0, 0, big]]);

/** Hand-written extremes (the kinds of the stdlib suites' describeExtremes), by loss. */
export const EXTREME_INPUTS: readonly ExtremeInput[] = [
  { loss: 'mse', what: 'pred = target', x: { pred: n([1, -2, 0]), target: n([1, -2, 0]) } },
  { loss: 'mae', what: 'pred = target (the kink)', x: { pred: n([1, -2, 0]), target: n([1, -2, 0]) } },
  { loss: 'huber', what: 'errors at ±delta and 0', x: { pred: n([1, -1, 0, 1e4]), target: n([0, 0, 0, -1e4]) } },
  { loss: 'smooth_l1', what: 'errors at ±beta and 0', x: { pred: n([1, -1, 0, 1e4]), target: n([0, 0, 0, -1e4]) } },
  { loss: 'log_cosh', what: 'errors ±200 and ±1e4 (cosh overflows float32)', x: { pred: n([200, -200, 1e4, -1e4, 0]), target: n([0, 0, 0, 0, 0]) } },
  { loss: 'asymmetric_mse', what: 'pred = target', x: { pred: n([1, 2]), target: n([1, 2]) } },
  { loss: 'bce', what: 'p exactly 0 and 1', x: { p: n([0, 1, 0, 1]), y: n([1, 0, 0, 1]) } },
  { loss: 'bce', what: 'p exactly 0 and 1, soft targets', x: { p: n([0, 1, 0.5]), y: n([0.5, 0.5, 1]) } },
  { loss: 'bce_with_logits', what: 'logits ±1e4', x: { x: n([big, -big, big, -big]), y: n([0, 1, 1, 0]) } },
  { loss: 'bce_with_logits', what: 'logits ±1e4, pos_weight 3', x: { x: n([big, -big, big, -big]), y: n([0, 1, 1, 0]) }, hypers: { pos_weight: 3 } },
  { loss: 'cross_entropy', what: 'logits ±1e4', x: { x: saturatedLogits, t: n([1, 1, 0]) } },
  { loss: 'cross_entropy', what: 'logits ±1e4, label smoothing 0.1', x: { x: saturatedLogits, t: n([1, 1, 0]) }, hypers: { label_smoothing: 0.1 } },
  { loss: 'nll', what: 'log-probabilities 0 and -1e4', x: { logp: n([[0, -big], [-big, 0]]), t: n([0, 0]) } },
  { loss: 'label_smoothing_ce', what: 'logits ±1e4', x: { x: saturatedLogits, t: n([1, 1, 0]) } },
  { loss: 'focal', what: 'logits ±1e4', x: { x: saturatedLogits, t: n([1, 1, 0]) } },
  { loss: 'focal', what: 'logits ±1e4, gamma 0.5', x: { x: saturatedLogits, t: n([1, 1, 0]) }, hypers: { gamma: 0.5 } },
  { loss: 'focal', what: 'a perfect prediction (p_t = 1), gamma 0', x: { x: n([[big, 0, 0]]), t: n([0]) }, hypers: { gamma: 0 } },
  { loss: 'binary_focal', what: 'logits ±1e4', x: { x: n([big, -big, big, -big]), y: n([0, 1, 1, 0]) } },
  { loss: 'binary_focal', what: 'logits ±1e4, gamma 0.5', x: { x: n([big, -big, big, -big]), y: n([0, 1, 1, 0]) }, hypers: { gamma: 0.5 } },
  { loss: 'hinge', what: 'scores ±1e4 and at the hinge', x: { x: n([big, -big, 1, -1]), labels: n([0, 1, 1, 0]) } },
  { loss: 'cosine_distance', what: 'zero vectors', x: { x: n([[0, 0, 0], [1, 0, 0]]), labels: n([[0, 0, 0], [0, 0, 0]]) } },
  { loss: 'iou_loss', what: 'zero-area boxes', x: { p: n([[1, 1, 1, 1]]), t: n([[1, 1, 1, 1]]) } },
  { loss: 'giou_loss', what: 'zero-area boxes', x: { p: n([[1, 1, 1, 1]]), t: n([[1, 1, 1, 1]]) } },
  { loss: 'iou_loss', what: 'empty boxes (x1 > x2)', x: { p: n([[3, 3, 1, 1]]), t: n([[2, 2, 0, 0]]) } },
  { loss: 'giou_loss', what: 'empty boxes (x1 > x2)', x: { p: n([[3, 3, 1, 1]]), t: n([[2, 2, 0, 0]]) } },
  { loss: 'iou_loss', what: 'identical boxes', x: { p: n([[0, 0, 2, 3]]), t: n([[0, 0, 2, 3]]) } },
  { loss: 'giou_loss', what: 'identical boxes', x: { p: n([[0, 0, 2, 3]]), t: n([[0, 0, 2, 3]]) } },
  { loss: 'iou_loss', what: 'boxes apart', x: { p: n([[0, 0, 1, 1]]), t: n([[5, 5, 6, 6]]) } },
  { loss: 'giou_loss', what: 'boxes apart', x: { p: n([[0, 0, 1, 1]]), t: n([[5, 5, 6, 6]]) } },
  { loss: 'gan_discriminator', what: 'logits ±1e4', x: { real_out: n([big, -big]), fake_out: n([-big, big]) } },
  { loss: 'gan_generator', what: 'logits ±1e4', x: { fake_out: n([big, -big]) } },
  { loss: 'wgan_discriminator', what: 'scores ±1e4', x: { real_out: n([big, -big]), fake_out: n([-big, big]) } },
  { loss: 'wgan_generator', what: 'scores ±1e4', x: { fake_out: n([big, -big]) } },
  { loss: 'vae', what: 'reconstructions exactly 0 and 1', x: { recon: n([0, 1, 0, 1]), x: n([1, 0, 0, 1]), mu: n([[0.5, -1]]), logvar: n([[0, 1]]) } },
  { loss: 'vae', what: 'logvar at its bound 30 and -1e4', x: { recon: n([0.5, 0.5]), x: n([1, 0]), mu: n([[0, 0]]), logvar: n([[30, -big]]) } },
  { loss: 'triplet', what: 'identical anchor and positive', x: { a: same, p: same, n: other } },
  { loss: 'contrastive', what: 'identical x1 and x2 (similar and dissimilar pairs)', x: { x1: same, x2: same, y: n([1, 0]) } },
  { loss: 'triplet_margin', what: 'identical anchor and positive', x: { a: same, pos: same, neg: other } },
  { loss: 'triplet_margin', what: 'identical anchor, positive and negative, p = 1, swap', x: { a: same, pos: same, neg: same }, hypers: { p: 1, swap: 1 } },
  { loss: 'batch_hard_triplet', what: 'no positive pair in the batch', x: { e: n([[0, 1], [1, 0], [2, 2]]), label: n([0, 1, 2]) } },
  { loss: 'batch_hard_triplet', what: 'identical anchor and positive', x: { e: n([[0, 1], [0, 1], [2, 0], [3, 1]]), label: n([0, 0, 1, 1]) } },
  { loss: 'batch_hard_triplet', what: 'every embedding identical', x: { e: n([[1, 1], [1, 1], [1, 1], [1, 1]]), label: n([0, 0, 1, 1]) } },
  { loss: 'info_nce', what: 'identical views', x: { zi: other, zj: other } },
  { loss: 'info_nce', what: 'a zero embedding', x: { zi: n([[0, 0, 0], [1, 2, -1], [0.5, 0.5, 0.5]]), zj: n([[1, 0, 0], [0, 1, 0], [0, 0, 1]]) } },
  { loss: 'info_nce', what: 'all-zero embeddings', x: { zi: n([[0, 0], [0, 0]]), zj: n([[0, 0], [0, 0]]) } },
  { loss: 'nt_xent_simple', what: 'identical views, temperature 0.05', x: { zi: other, zj: other }, hypers: { temperature: 0.05 } },
  { loss: 'nt_xent_simple', what: 'all-zero embeddings', x: { zi: n([[0, 0], [0, 0]]), zj: n([[0, 0], [0, 0]]) } },
  { loss: 'uncertainty_weighting', what: 'log-variances ±50, zero losses', x: { task_losses: n([0, 1e4, 0]), log_vars: n([50, -50, 0]) } },
  { loss: 'gradnorm', what: 'zero gradient norms, tiny initial losses', x: { task_losses: n([1, 1e-3, 2]), initial_losses: n([1e-12, 1, 1]), grad_norms: n([0, 0, 1]), task_weights: n([1, 1, 1]) } },
  { loss: 'gradnorm', what: 'G exactly at its target (the kink of abs)', x: { task_losses: n([1, 1]), initial_losses: n([1, 1]), grad_norms: n([2, 2]), task_weights: n([1, 1]) } },
  { loss: 'curriculum', what: 'no sample kept (epoch 0)', x: { losses: n([1, 2, 3]), difficulty: n([0.5, 0.7, 1]) }, hypers: { epoch: 0, total_epochs: 10 } },
  { loss: 'curriculum', what: 'difficulty exactly at the threshold', x: { losses: n([1, 2, 3]), difficulty: n([0.4, 0.4, 0]) }, hypers: { epoch: 4, total_epochs: 10 } },
  { loss: 'dice', what: 'empty prediction and target', x: { p: n([[0, 0, 0], [0, 0, 0]]), t: n([[0, 0, 0], [0, 0, 0]]) } },
  { loss: 'tversky', what: 'empty prediction and target', x: { p: n([[0, 0, 0], [0, 0, 0]]), t: n([[0, 0, 0], [0, 0, 0]]) } },
  { loss: 'multiclass_dice', what: 'logits ±1e4, a class absent', x: saturated },
  { loss: 'ce_dice', what: 'logits ±1e4, a class absent', x: saturated },
  // torch computes log1p(exp(-y·x)), which is inf beyond 710 in float64 (88 in float32); the stdlib's softplus is not.
  { loss: 'soft_margin', what: 'scores ±80', x: { x: n([80, -80, 80, -80]), y: n([1, 1, -1, -1]) } },
  { loss: 'multilabel_soft_margin', what: 'logits ±1e4', x: { x: n([[big, -big], [-big, big]]), y: n([[0, 1], [0, 1]]), weight: n([0.5, 2]) } },
  // margin -0.5 keeps the zero row's y = -1 term off its kink relu(0) (torch passes 1 there, the stdlib 0).
  { loss: 'cosine_embedding', what: 'a zero row', x: { x1: n([[0, 0, 0], [1, 2, 3]]), x2: n([[1, 0, 0], [0, 0, 0]]), y: n([1, -1]) }, hypers: { margin: -0.5 } },
  { loss: 'kl_div', what: 'zero target probabilities', x: { input: n([[-1, -0.5, -2], [-3, -0.1, -30]]), target: n([[0, 1, 0], [0.5, 0.5, 0]]) } },
  { loss: 'gaussian_nll', what: 'a zero variance (clamped at eps)', x: { input: n([0.5, 1]), target: n([0, 1]), var: n([0, 1]) } },
  { loss: 'multi_margin', what: 'every score equal', x: { x: n([[1, 1, 1], [0, 0, 0]]), t: n([0, 2]), weight: n([0.5, 1, 2]) } },
];
