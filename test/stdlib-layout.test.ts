// The layout callers see: every stdlib loss with a `reduction` option, called through its
// generated module with `reduction: 'none'`, returns its per-sample losses in the shape PyTorch
// (or the semantics LOSSES.md and the loss's own doc state) gives with reduction='none', laid
// out by the declarations. The expected shapes below are written from those sources, in terms
// of the inputs' dims, not read off the compiler. Every input dim has a distinct size, so a
// transposed result cannot pass; the values are checked element by element against float64
// computations that share no code with the compiler (test/oracle/), and the JSDoc of each
// generated function must name the same per-sample shape.
import * as tf from '@tensorflow/tfjs';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from './helpers/compile-cache.js';
import { fsHost } from '../src/cli/files.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';
import { initBackend } from '../src/eval/setup.js';
import type { IrFunction } from '../src/ir/types.js';
import { importModule } from './fuzz/compare.js';
import { uncertainty_weighting as uncertaintyOracle, curriculum as curriculumOracle } from './oracle/advanced.js';
import { classLayout, classRow } from './oracle/classes.js';
import { bce, bce_with_logits, binary_focal, cross_entropy, focal, label_smoothing_ce, nll } from './oracle/classification.js';
import { wgan_generator as wganOracle } from './oracle/generative.js';
import { classIndex, logSoftmax } from './oracle/math.js';
import { contrastive, info_nce, nt_xent_simple, triplet, triplet_margin } from './oracle/metric.js';
import * as peers from './oracle/peers.js';
import * as peers2 from './oracle/peers2.js';
import * as peers3 from './oracle/peers3.js';
import { expandWeights } from './oracle/reduce.js';
import { asymmetric_mse, huber, log_cosh, mae, mse, smooth_l1 } from './oracle/regression.js';
import { giou_loss, iou_loss } from './oracle/segmentation.js';
import { cosine_distance, hinge } from './oracle/tfstyle.js';
import { fromArray, full, mulberry32, randomInts, randomTensor, reshape, roundF32, type F64Tensor, type Rng } from './oracle/tensor.js';

type Inputs = Record<string, F64Tensor>;
/** Options passed to the generated function besides the reduction: numbers, flags, optional inputs. */
type Hypers = Record<string, number | boolean | F64Tensor>;

interface Layout {
  readonly file: string;
  /** The expected per-sample shape, in words, in terms of the inputs' dims. */
  readonly shape: string;
  /** The same shape as the generated JSDoc names it, in the loss's declared dims. */
  readonly doc: string;
  /** Where the expectation comes from. */
  readonly source: string;
  /** The reduction the loss applies to its per-sample losses by default. */
  readonly kind: 'mean' | 'sum';
  /** Inputs whose dims all have distinct sizes. */
  readonly inputs: (rng: Rng) => Inputs;
  readonly hypers?: Hypers;
  /** The expected per-sample shape, computed from the input shapes. */
  readonly expected: (x: Inputs) => number[];
  /** The per-sample losses in float64, independently of src/, laid out in the expected shape. */
  readonly perSample: (x: Inputs, h: Hypers) => F64Tensor;
}

// ---------------------------------------------------------------------------------------
// Inputs: every dim of every input a different size.

/** A `...` shape of three distinct sizes. */
const S3 = [2, 3, 5];
const pair = (lo: number, hi: number) => (rng: Rng): Inputs => ({ pred: randomTensor(S3, rng, { lo, hi }), target: randomTensor(S3, rng, { lo, hi }) });
const logitsAndTargets = (rng: Rng): Inputs => ({ x: randomTensor(S3, rng, { lo: -4, hi: 4 }), y: randomTensor(S3, rng, { lo: 0, hi: 1 }) });
/** Class-last logits [A, B, C] = [2, 3, 5] and class indices [A, B] of C. */
const classes = (rng: Rng): Inputs => ({ x: randomTensor(S3, rng, { lo: -3, hi: 3 }), t: randomInts(S3.slice(0, -1), rng, S3[2]!) });
const logProbs = (rng: Rng): Inputs => {
  const { x, t } = classes(rng);
  const C = S3[2]!;
  const data = new Float64Array(x!.data.length);
  for (let r = 0; r < data.length / C; r++) data.set(logSoftmax(x!.data.subarray(r * C, (r + 1) * C)), r * C);
  return { logp: { shape: [...S3], data }, t: t! };
};
/** Embeddings [N, D] = [3, 5]. */
const EMB = [3, 5];
const emb = (rng: Rng): F64Tensor => randomTensor(EMB, rng);
/** Boxes [N, Box] = [3, 4] as corners x1 < x2, y1 < y2. */
const boxes = (rng: Rng): F64Tensor => {
  const data: number[] = [];
  for (let i = 0; i < 3; i++) {
    const [x1, y1] = [rng.uniform(0, 4), rng.uniform(0, 4)];
    data.push(x1, y1, x1 + rng.uniform(0.5, 3), y1 + rng.uniform(0.5, 3));
  }
  return fromArray(data, [3, 4]);
};

// ---------------------------------------------------------------------------------------
// Float64 per-sample values the oracles do not return directly.

/** PyTorch's class-index layout [N, C, d...] from the generated functions' class-last [..., C]: rows [R, C], targets [R]. */
const classRows = (x: F64Tensor, t: F64Tensor): [F64Tensor, F64Tensor] => {
  const C = x.shape[x.shape.length - 1]!;
  return [reshape(x, [x.data.length / C, C]), reshape(t, [t.data.length])];
};
/** A class-index oracle's per-position losses, back in the targets' shape. */
const perPosition = (loss: (x: F64Tensor, t: F64Tensor) => F64Tensor) => (x: F64Tensor, t: F64Tensor): F64Tensor =>
  reshape(loss(...classRows(x, t)), t.shape);

/** An elementwise loss's per-element values: the oracle on each one-element input. */
const eachElement = (x: F64Tensor, loss: (one: F64Tensor) => number): F64Tensor => ({
  shape: [...x.shape],
  data: Float64Array.from(x.data, (v) => loss(fromArray([v]))),
});

/** Multi-class Dice per class (LOSSES.md: dice per class over the batch), x [N, C, d...], t [N, d...]. */
function diceOfEachClass(x: F64Tensor, t: F64Tensor, smooth: number): F64Tensor {
  const L = classLayout(x, t, 'multiclass_dice');
  const inter = new Float64Array(L.C);
  const sp = new Float64Array(L.C);
  const st = new Float64Array(L.C);
  for (let pos = 0; pos < L.N * L.S; pos++) {
    const y = classIndex(t.data[pos]!, L.C);
    const lp = logSoftmax(classRow(x, L, pos));
    for (let c = 0; c < L.C; c++) sp[c]! += Math.exp(lp[c]!);
    inter[y]! += Math.exp(lp[y]!);
    st[y]! += 1;
  }
  return fromArray(Array.from(inter, (i, c) => 1 - (2 * i + smooth) / (sp[c]! + st[c]! + smooth)), [L.C]);
}

/** The oracle of a sum over tasks, task by task. */
const eachTask = (losses: F64Tensor, logVars: F64Tensor): F64Tensor =>
  fromArray(Array.from(losses.data, (l, i) => uncertaintyOracle([l], [logVars.data[i]!])), losses.shape);

/**
 * GradNorm's per-task terms (Chen et al., 2018, eq. 2): |G_i - mean(G)·r_i^α| with
 * G_i = w_i·‖∇_W L_i‖ and r_i = (L_i / L_i(0)) / mean_j(L_j / L_j(0)).
 */
function gradnormTerms(x: Inputs, w: F64Tensor, alpha: number): F64Tensor {
  const T = x.task_losses!.data.length;
  const G = Array.from(x.grad_norms!.data, (g, i) => w.data[i]! * g);
  const ratio = Array.from(x.task_losses!.data, (l, i) => l / x.initial_losses!.data[i]!);
  const meanOf = (a: number[]): number => a.reduce((s, v) => s + v, 0) / T;
  const [meanG, meanRatio] = [meanOf(G), meanOf(ratio)];
  return fromArray(G.map((g, i) => Math.abs(g - meanG * (ratio[i]! / meanRatio) ** alpha)), [T]);
}

/** The curriculum loss is linear in the losses: sample i's term is the loss of the losses zeroed but at i. */
function curriculumTerms(x: Inputs, epoch: number, total: number): F64Tensor {
  const l = x.losses!;
  return fromArray(
    Array.from(l.data, (_, i) => curriculumOracle(fromArray(Array.from(l.data, (v, j) => (j === i ? v : 0))), x.difficulty!, { epoch, total_epochs: total })),
    l.shape,
  );
}

const num = (h: Hypers, k: string, dflt: number): number => (typeof h[k] === 'number' ? (h[k] as number) : dflt);
const dropLast = (s: readonly number[]): number[] => s.slice(0, -1);

const REG = 'stdlib/regression.loss';
const CLS = 'stdlib/classification.loss';
const DET = 'stdlib/detection.loss';
const MET = 'stdlib/metric.loss';
const GEN = 'stdlib/generative.loss';
const SEG = 'stdlib/segmentation.loss';
const MTL = 'stdlib/multitask.loss';

// ---------------------------------------------------------------------------------------
// The table: each loss's per-sample shape with reduction 'none', and where that comes from.

const elementwise = (file: string, source: string, oracle: (p: F64Tensor, t: F64Tensor, h: Hypers) => F64Tensor, hypers?: Hypers): Layout => ({
  file, shape: 'same as pred', doc: '[...]', source, kind: 'mean', inputs: pair(-3, 3), ...(hypers ? { hypers } : {}),
  expected: (x) => x.pred!.shape,
  perSample: (x, h) => oracle(x.pred!, x.target!, h),
});

/** The peers' losses' layouts, from test/oracle/peers.ts. */
function peerLayouts(): Record<string, Layout> {
  const none = { reduction: 'none' as const };
  const rowsOf = (file: string, a: string, b: string, lo: number, hi: number, oracle: (x: F64Tensor, y: F64Tensor, h: Hypers) => F64Tensor, source: string, hypers?: Hypers, blo = lo, bhi = hi): Layout => ({
    file, shape: `${a}: [..., D] → [...] (${a} without D)`, doc: '[...]', source, kind: 'mean',
    inputs: (rng) => ({ [a]: randomTensor(S3, rng, { lo, hi }), [b]: randomTensor(S3, rng, { lo: blo, hi: bhi }) }), ...(hypers ? { hypers } : {}),
    expected: (x) => dropLast(x[a]!.shape),
    perSample: (x, h) => oracle(x[a]!, x[b]!, h),
  });
  const keras = (what: string): string => `keras.losses.${what}(reduction=None): one loss per sample, the last axis reduced`;
  const pm1 = (rng: Rng, shape: number[]): F64Tensor => ({ shape: [...shape], data: randomInts(shape, rng, 2).data.map((v) => 2 * v - 1) });
  const same = (file: string, a: string, source: string, inputs: (rng: Rng) => Inputs, perSample: (x: Inputs, h: Hypers) => F64Tensor, hypers?: Hypers): Layout => ({
    file, shape: `same as ${a}`, doc: '[...]', source, kind: 'mean', inputs, ...(hypers ? { hypers } : {}), expected: (x) => x[a]!.shape, perSample,
  });
  const perRow = (file: string, a: string, source: string, inputs: (rng: Rng) => Inputs, perSample: (x: Inputs, h: Hypers) => F64Tensor, hypers?: Hypers): Layout => ({
    file, shape: `${a}: [N, D] → [N]`, doc: '[N]', source, kind: 'mean', inputs, ...(hypers ? { hypers } : {}), expected: (x) => [x[a]!.shape[0]!], perSample,
  });
  const nc = [3, 5];
  return {
    msle: rowsOf(REG, 'pred', 'target', -0.5, 3, (p, t) => peers.msle(p, t, none) as F64Tensor, keras('MeanSquaredLogarithmicError')),
    mape: rowsOf(REG, 'pred', 'target', -3, 3, (p, t) => peers.mape(p, t, none) as F64Tensor, keras('MeanAbsolutePercentageError'), undefined, 0.5, 3),
    poisson: rowsOf(REG, 'pred', 'target', 0.1, 3, (p, t) => peers.poisson(p, t, none) as F64Tensor, keras('Poisson')),
    cosine_similarity: rowsOf(REG, 'pred', 'target', -1, 1, (p, t) => peers.cosine_similarity(p, t, none) as F64Tensor, keras('CosineSimilarity')),
    categorical_hinge: rowsOf(CLS, 'x', 'y', -2, 2, (x, y) => peers.categorical_hinge(x, y, none) as F64Tensor, keras('CategoricalHinge'), undefined, 0, 1),
    squared_hinge: { ...rowsOf(CLS, 'x', 'y', -2, 2, (x, y) => peers.squared_hinge(x, y, none) as F64Tensor, keras('SquaredHinge')), inputs: (rng) => ({ x: randomTensor(S3, rng, { lo: -2, hi: 2 }), y: pm1(rng, S3) }) },
    kl_divergence: rowsOf(CLS, 'y', 'p', 0.01, 1, (y, p) => peers.kl_divergence(y, p, none) as F64Tensor, keras('KLDivergence')),
    kl_div: {
      ...rowsOf(CLS, 'input', 'target', -3, -0.01, (i, t, h) => peers.kl_div(i, t, h.log_target === true, none) as F64Tensor, "F.kl_div(reduction='none') summed over the last axis (the stdlib's 'mean' is torch's 'batchmean')", { log_target: true }, -3, 0),
    },
    margin_ranking: same(MET, 'x1', "F.margin_ranking_loss(reduction='none'): same shape as the inputs", (rng) => ({ x1: randomTensor(S3, rng), x2: randomTensor(S3, rng), y: pm1(rng, S3) }), (x, h) => peers.margin_ranking(x.x1!, x.x2!, x.y!, num(h, 'margin', 0), none) as F64Tensor, { margin: 0.3 }),
    hinge_embedding: same(MET, 'x', "F.hinge_embedding_loss(reduction='none'): same shape as the input", (rng) => ({ x: randomTensor(S3, rng, { lo: -1, hi: 3 }), y: pm1(rng, S3) }), (x, h) => peers.hinge_embedding(x.x!, x.y!, num(h, 'margin', 1), none) as F64Tensor, { margin: 2 }),
    soft_margin: same(CLS, 'x', "F.soft_margin_loss(reduction='none'): same shape as the input", (rng) => ({ x: randomTensor(S3, rng, { lo: -3, hi: 3 }), y: pm1(rng, S3) }), (x) => peers.soft_margin(x.x!, x.y!, none) as F64Tensor),
    poisson_nll: same(REG, 'input', "F.poisson_nll_loss(reduction='none'): same shape as the input", (rng) => ({ input: randomTensor(S3, rng, { lo: 0.1, hi: 2 }), target: randomTensor(S3, rng, { lo: 0, hi: 5 }) }), (x, h) => peers.poisson_nll(x.input!, x.target!, { log_input: h.log_input !== false, full: h.full === true, ...none }) as F64Tensor, { full: true }),
    gaussian_nll: same(REG, 'input', "F.gaussian_nll_loss(reduction='none'): same shape as the input", (rng) => ({ input: randomTensor(S3, rng), target: randomTensor(S3, rng), var: randomTensor(S3, rng, { lo: 0.1, hi: 2 }) }), (x, h) => peers.gaussian_nll(x.input!, x.target!, x.var!, { full: h.full === true, ...none }) as F64Tensor, { full: true }),
    cosine_embedding: perRow(MET, 'x1', "F.cosine_embedding_loss(reduction='none'): (N)", (rng) => ({ x1: emb(rng), x2: emb(rng), y: pm1(rng, [EMB[0]!]) }), (x, h) => peers.cosine_embedding(x.x1!, x.x2!, x.y!, num(h, 'margin', 0), none) as F64Tensor, { margin: 0.2 }),
    multilabel_soft_margin: perRow(CLS, 'x', "F.multilabel_soft_margin_loss(reduction='none'): (N)", (rng) => ({ x: randomTensor(nc, rng, { lo: -3, hi: 3 }), y: randomInts(nc, rng, 2) }), (x) => peers.multilabel_soft_margin(x.x!, x.y!, undefined, none) as F64Tensor),
    multi_margin: perRow(CLS, 'x', "F.multi_margin_loss(reduction='none'): (N)", (rng) => ({ x: randomTensor(nc, rng), t: randomInts([nc[0]!], rng, nc[1]!) }), (x, h) => peers.multi_margin(x.x!, x.t!, { p: num(h, 'p', 1), margin: num(h, 'margin', 1), ...none }) as F64Tensor, { p: 2, margin: 0.5 }),
  };
}

/** The layouts of test/oracle/peers2.ts's losses that take a reduction. */
function peer2Layouts(): Record<string, Layout> {
  const none = { reduction: 'none' as const };
  const keras = (what: string): string => `keras.losses.${what}(reduction=None): one loss per sample, the last axis reduced`;
  const focalInputs = (rng: Rng): Inputs => ({ y_pred: randomTensor(S3, rng, { lo: 0.05, hi: 0.95 }), y_true: randomTensor(S3, rng, { lo: 0, hi: 1 }) });
  const boxPair = (rng: Rng): Inputs => ({ p: boxes(rng), t: boxes(rng) });
  const perBox = (loss: 'distance_box_iou_loss' | 'complete_box_iou_loss', what: string): Layout => ({
    file: DET, shape: 'p: [N, Box] → [N]', doc: '[N]', source: `torchvision.ops.${what}(reduction='none'): one loss per box pair`, kind: 'mean',
    inputs: boxPair, expected: (x) => [x.p!.shape[0]!], perSample: (x) => peers2[loss](x.p!, x.t!, 1e-7, none) as F64Tensor,
  });
  return {
    categorical_focal_crossentropy: {
      file: CLS, shape: 'y_pred: [..., C] → [...]', doc: '[...]', source: keras('CategoricalFocalCrossentropy'), kind: 'mean', inputs: focalInputs, hypers: { gamma: 1.5, from_logits: true },
      expected: (x) => dropLast(x.y_pred!.shape), perSample: (x, h) => peers2.categorical_focal_crossentropy(x.y_pred!, x.y_true!, { gamma: num(h, 'gamma', 2), from_logits: h.from_logits === true, ...none }) as F64Tensor,
    },
    binary_focal_crossentropy: {
      file: CLS, shape: 'y_pred: [..., C] → [...]', doc: '[...]', source: keras('BinaryFocalCrossentropy'), kind: 'mean', inputs: focalInputs, hypers: { apply_class_balancing: true },
      expected: (x) => dropLast(x.y_pred!.shape), perSample: (x, h) => peers2.binary_focal_crossentropy(x.y_pred!, x.y_true!, { apply_class_balancing: h.apply_class_balancing === true, ...none }) as F64Tensor,
    },
    distance_box_iou_loss: perBox('distance_box_iou_loss', 'distance_box_iou_loss'),
    complete_box_iou_loss: perBox('complete_box_iou_loss', 'complete_box_iou_loss'),
    multi_similarity: {
      file: MET, shape: 'e: [N, D] → [N]', doc: '[N]', source: "pytorch_metric_learning's MultiSimilarityLoss: one 'element' loss per anchor (MeanReducer)", kind: 'mean',
      inputs: (rng) => ({ e: emb(rng), label: fromArray([0, 1, 0], [3]) }), expected: (x) => [x.e!.shape[0]!],
      perSample: (x) => peers2.multi_similarity(x.e!, x.label!, 2, 50, 0.5, none) as F64Tensor,
    },
    monai_generalized_dice: {
      file: SEG, shape: 'x: [B, C, S] → [B]', doc: '[B]', source: "monai.losses.GeneralizedDiceLoss(reduction='none'): one loss per sample, (B, 1, 1...)", kind: 'mean',
      inputs: (rng) => ({ x: randomTensor([3, 4, 5], rng, { lo: 0.05, hi: 0.95 }), y: randomTensor([3, 4, 5], rng, { lo: 0, hi: 1 }) }), expected: (x) => [x.x!.shape[0]!],
      perSample: (x) => fromArray([0, 1, 2].map((b) => peers2.monai_generalized_dice(
        { shape: [1, 4, 5], data: x.x!.data.slice(b * 20, (b + 1) * 20) }, { shape: [1, 4, 5], data: x.y!.data.slice(b * 20, (b + 1) * 20) })), [3]),
    },
    monai_deep_supervision: {
      file: SEG, shape: 'preds: list[K] of [B, C, S] → [K]', doc: '[K]', source: "monai.losses.DeepSupervisionLoss around DiceCELoss: one weighted DiceCE per head (weight_mode 'exp': 1, 0.5, ...)", kind: 'sum',
      inputs: (rng) => ({ preds: randomTensor([2, 3, 4, 5], rng, { lo: 0.05, hi: 0.95 }), y: randomTensor([3, 4, 5], rng, { lo: 0, hi: 1 }) }), expected: (x) => [x.preds!.shape[0]!],
      perSample: (x) => fromArray([0, 1].map((k) => 0.5 ** k * peers2.monai_dice_ce({ shape: [3, 4, 5], data: x.preds!.data.slice(k * 60, (k + 1) * 60) }, x.y!)), [2]),
    },
  };
}

/** The layouts of test/oracle/peers3.ts's losses that take a reduction. */
function peer3Layouts(): Record<string, Layout> {
  const none = { reduction: 'none' as const };
  const keras = (what: string): string => `keras.losses.${what}(reduction=None): one loss per sample, the last axis reduced`;
  const lastAxis = (file: string, a: string, source: string, inputs: (rng: Rng) => Inputs, perSample: (x: Inputs, h: Hypers) => F64Tensor, hypers?: Hypers): Layout => ({
    file, shape: `${a}: [..., C] → [...]`, doc: '[...]', source, kind: 'mean', inputs, ...(hypers ? { hypers } : {}), expected: (x) => dropLast(x[a]!.shape), perSample,
  });
  const probs = (rng: Rng): Inputs => ({ y_pred: randomTensor(S3, rng, { lo: 0.05, hi: 0.95 }), y_true: randomTensor(S3, rng, { lo: 0, hi: 1 }) });
  return {
    generalized_box_iou_loss: {
      file: DET, shape: 'p: [N, Box] → [N]', doc: '[N]', source: "torchvision.ops.generalized_box_iou_loss(reduction='none'): one loss per box pair", kind: 'mean',
      inputs: (rng) => ({ p: boxes(rng), t: boxes(rng) }), expected: (x) => [x.p!.shape[0]!], perSample: (x) => peers3.generalized_box_iou_loss(x.p!, x.t!, 1e-7, none) as F64Tensor,
    },
    keras_hinge: lastAxis(CLS, 'x', keras('Hinge'), (rng) => ({ x: randomTensor(S3, rng, { lo: -2, hi: 2 }), y: randomInts(S3, rng, 2) }), (x) => peers3.keras_hinge(x.x!, x.y!, none) as F64Tensor),
    binary_crossentropy: lastAxis(CLS, 'y_pred', keras('BinaryCrossentropy'), probs, (x, h) => peers3.binary_crossentropy(x.y_pred!, x.y_true!, { label_smoothing: num(h, 'label_smoothing', 0), ...none }) as F64Tensor, { label_smoothing: 0.1 }),
    categorical_crossentropy: lastAxis(CLS, 'y_pred', keras('CategoricalCrossentropy'), probs, (x, h) => peers3.categorical_crossentropy(x.y_pred!, x.y_true!, { from_logits: h.from_logits === true, ...none }) as F64Tensor, { from_logits: true }),
    sparse_categorical_crossentropy: lastAxis(CLS, 'y_pred', keras('SparseCategoricalCrossentropy'),
      (rng) => ({ y_pred: randomTensor(S3, rng, { lo: 0.05, hi: 0.95 }), t: randomInts(S3.slice(0, -1), rng, S3[S3.length - 1]!) }), (x) => peers3.sparse_categorical_crossentropy(x.y_pred!, x.t!, none) as F64Tensor),
    log_loss: {
      file: CLS, shape: 'same as p', doc: '[...]', source: 'tf.losses.logLoss(Reduction.NONE): same shape as the predictions', kind: 'mean',
      inputs: (rng) => ({ p: randomTensor(S3, rng, { lo: 0.05, hi: 0.95 }), labels: randomTensor(S3, rng, { lo: 0, hi: 1 }) }), expected: (x) => x.p!.shape,
      perSample: (x) => peers3.log_loss(x.p!, x.labels!, 1e-7, none) as F64Tensor,
    },
    softmax_cross_entropy: lastAxis(CLS, 'logits', 'tf.losses.softmaxCrossEntropy(Reduction.NONE): one loss per row, the last axis reduced',
      (rng) => ({ logits: randomTensor(S3, rng, { lo: -3, hi: 3 }), labels: randomTensor(S3, rng, { lo: 0, hi: 1 }) }), (x, h) => peers3.softmax_cross_entropy(x.logits!, x.labels!, num(h, 'label_smoothing', 0), none) as F64Tensor, { label_smoothing: 0.2 }),
    smp_soft_bce: {
      file: SEG, shape: 'same as x', doc: '[...]', source: "smp.losses.SoftBCEWithLogitsLoss(reduction='none'): same shape as the input", kind: 'mean',
      inputs: (rng) => ({ x: randomTensor(S3, rng, { lo: -3, hi: 3 }), y: randomTensor(S3, rng, { lo: 0, hi: 1 }) }), hypers: { smooth_factor: 0.1 }, expected: (x) => x.x!.shape,
      perSample: (x, h) => peers3.smp_soft_bce_terms(x.x!, x.y!, num(h, 'smooth_factor', 0)),
    },
    smp_focal_multiclass: {
      file: SEG, shape: 'x: [B, C, S] → [C]', doc: '[C]', source: "smp.losses.FocalLoss(mode='multiclass'): the sum over classes of one focal loss per class", kind: 'sum',
      inputs: (rng) => ({ x: randomTensor(S3, rng, { lo: -2, hi: 2 }), t: randomInts([S3[0]!, S3[2]!], rng, S3[1]!) }), expected: (x) => [x.x!.shape[1]!],
      perSample: (x) => peers3.smp_focal_per_class(x.x!, x.t!),
    },
  };
}

const LAYOUTS: Record<string, Layout> = {
  mse: elementwise(REG, "torch.nn.MSELoss(reduction='none'): same shape as the input", (p, t) => mse(p, t, { reduction: 'none' })),
  mae: elementwise(REG, "torch.nn.L1Loss(reduction='none'): same shape as the input", (p, t) => mae(p, t, { reduction: 'none' })),
  huber: elementwise(REG, "torch.nn.HuberLoss(reduction='none'): same shape as the input", (p, t, h) => huber(p, t, { delta: num(h, 'delta', 1), reduction: 'none' }), { delta: 1.5 }),
  smooth_l1: elementwise(REG, "torch.nn.SmoothL1Loss(reduction='none'): same shape as the input", (p, t, h) => smooth_l1(p, t, { beta: num(h, 'beta', 1), reduction: 'none' }), { beta: 0.7 }),
  log_cosh: elementwise(REG, 'LOSSES.md log_cosh = mean(log cosh(e)): one term per element', (p, t) => log_cosh(p, t, { reduction: 'none' })),
  asymmetric_mse: elementwise(REG, 'LOSSES.md asymmetric_mse = mean(e > 0 ? k·e² : e²): one term per element', (p, t, h) => asymmetric_mse(p, t, { over_penalty: num(h, 'over_penalty', 2), reduction: 'none' }), { over_penalty: 3 }),

  bce: {
    file: CLS, shape: 'same as p', doc: '[...]', source: "torch.nn.BCELoss(reduction='none'): same shape as the input", kind: 'mean',
    inputs: (rng) => ({ p: randomTensor(S3, rng, { lo: 0.02, hi: 0.98 }), y: randomTensor(S3, rng, { lo: 0, hi: 1 }) }),
    expected: (x) => x.p!.shape,
    perSample: (x) => bce(x.p!, x.y!, { reduction: 'none' }),
  },
  bce_with_logits: {
    file: CLS, shape: 'same as x', doc: '[...]', source: "torch.nn.BCEWithLogitsLoss(reduction='none'): same shape as the input", kind: 'mean',
    inputs: logitsAndTargets, hypers: { pos_weight: 2.5 },
    expected: (x) => x.x!.shape,
    perSample: (x, h) => bce_with_logits(x.x!, x.y!, { pos_weight: num(h, 'pos_weight', 1), reduction: 'none' }),
  },
  cross_entropy: {
    file: CLS, shape: 'x: [..., C], t: index[...] of C → same as t', doc: '[...]',
    source: "torch.nn.CrossEntropyLoss(reduction='none') with class indices: the target's shape, (N) or (N, d1, ...)", kind: 'mean',
    inputs: classes, hypers: { label_smoothing: 0.2 },
    expected: (x) => x.t!.shape,
    perSample: (x, h) => perPosition((a, b) => cross_entropy(a, b, { label_smoothing: num(h, 'label_smoothing', 0), reduction: 'none' }))(x.x!, x.t!),
  },
  nll: {
    file: CLS, shape: 'logp: [..., C], t: index[...] of C → same as t', doc: '[...]',
    source: "torch.nn.NLLLoss(reduction='none'): the target's shape, (N) or (N, d1, ...)", kind: 'mean',
    inputs: logProbs,
    expected: (x) => x.t!.shape,
    perSample: (x) => perPosition((a, b) => nll(a, b, { reduction: 'none' }))(x.logp!, x.t!),
  },
  label_smoothing_ce: {
    file: CLS, shape: 'x: [..., C], t: index[...] of C → same as t', doc: '[...]',
    source: 'LOSSES.md: the seed §3.3 cross-entropy variant, one term per target position (as cross_entropy)', kind: 'mean',
    inputs: classes, hypers: { epsilon: 0.3 },
    expected: (x) => x.t!.shape,
    perSample: (x, h) => perPosition((a, b) => label_smoothing_ce(a, b, { epsilon: num(h, 'epsilon', 0.1), reduction: 'none' }))(x.x!, x.t!),
  },
  focal: {
    file: CLS, shape: 'x: [..., C], t: index[...] of C → same as t', doc: '[...]',
    source: "LOSSES.md focal = mean(α(1−p_t)^γ·CE), CE = F.cross_entropy(reduction='none'): the target's shape", kind: 'mean',
    inputs: classes, hypers: { alpha: 0.6, gamma: 1.5 },
    expected: (x) => x.t!.shape,
    perSample: (x, h) => perPosition((a, b) => focal(a, b, { alpha: num(h, 'alpha', 0.25), gamma: num(h, 'gamma', 2), reduction: 'none' }))(x.x!, x.t!),
  },
  binary_focal: {
    file: CLS, shape: 'same as x', doc: '[...]', source: "torchvision.ops.sigmoid_focal_loss(reduction='none'): same shape as the inputs", kind: 'mean',
    inputs: logitsAndTargets, hypers: { alpha: 0.4, gamma: 1 },
    expected: (x) => x.x!.shape,
    perSample: (x, h) => binary_focal(x.x!, x.y!, { alpha: num(h, 'alpha', 0.25), gamma: num(h, 'gamma', 2), reduction: 'none' }),
  },
  hinge: {
    file: CLS, shape: 'same as x', doc: '[...]', source: 'tf.losses.hingeLoss with Reduction.NONE: same shape as the predictions', kind: 'mean',
    inputs: (rng) => ({ x: randomTensor(S3, rng, { lo: -2, hi: 2 }), labels: randomInts(S3, rng, 2) }),
    expected: (x) => x.x!.shape,
    perSample: (x) => hinge(x.labels!, x.x!, { reduction: 'none' }),
  },
  cosine_distance: {
    file: CLS, shape: 'x: [..., D] → [...] (x without D)', doc: '[...]',
    source: "tf.losses.cosineDistance's per-row loss 1 − Σ_D x·labels; tf's Reduction.NONE keeps D with size 1, which the stdlib's doc says it drops", kind: 'mean',
    inputs: (rng) => ({ x: randomTensor(S3, rng), labels: randomTensor(S3, rng) }),
    expected: (x) => dropLast(x.x!.shape),
    perSample: (x) => {
      const tfShaped = cosine_distance(x.labels!, x.x!, -1, { reduction: 'none' });
      return reshape(tfShaped, dropLast(tfShaped.shape));
    },
  },

  iou_loss: {
    file: DET, shape: 'p: [N, 4] → [N]', doc: '[N]', source: "LOSSES.md iou_loss = 1 − mean(IoU) over boxes; torchvision's box IoU losses with reduction='none': [N]", kind: 'mean',
    inputs: (rng) => ({ p: boxes(rng), t: boxes(rng) }),
    expected: (x) => [x.p!.shape[0]!],
    perSample: (x) => iou_loss(x.p!, x.t!, { reduction: 'none' }),
  },
  giou_loss: {
    file: DET, shape: 'p: [N, 4] → [N]', doc: '[N]', source: "LOSSES.md giou_loss = 1 − mean(GIoU); torchvision.ops.generalized_box_iou_loss(reduction='none'): [N]", kind: 'mean',
    inputs: (rng) => ({ p: boxes(rng), t: boxes(rng) }),
    expected: (x) => [x.p!.shape[0]!],
    perSample: (x) => giou_loss(x.p!, x.t!, { reduction: 'none' }),
  },

  triplet: {
    file: MET, shape: 'a: [N, D] → [N]', doc: '[N]', source: "LOSSES.md triplet = mean over anchors (seed §4.2); as torch.nn.TripletMarginLoss(reduction='none'): (N)", kind: 'mean',
    inputs: (rng) => ({ a: emb(rng), p: emb(rng), n: emb(rng) }), hypers: { margin: 0.5 },
    expected: (x) => [x.a!.shape[0]!],
    perSample: (x, h) => triplet(x.a!, x.p!, x.n!, { margin: num(h, 'margin', 1), reduction: 'none' }),
  },
  contrastive: {
    file: MET, shape: 'x1: [N, D] → [N]', doc: '[N]', source: 'LOSSES.md contrastive = mean over pairs (seed §4.1 code): one term per pair', kind: 'mean',
    inputs: (rng) => ({ x1: emb(rng), x2: emb(rng), y: randomInts([EMB[0]!], rng, 2) }), hypers: { margin: 2 },
    expected: (x) => [x.x1!.shape[0]!],
    perSample: (x, h) => contrastive(x.x1!, x.x2!, x.y!, { margin: num(h, 'margin', 1), reduction: 'none' }),
  },
  triplet_margin: {
    file: MET, shape: 'a: [N, D] → [N]', doc: '[N]', source: "torch.nn.TripletMarginLoss(reduction='none'): (N)", kind: 'mean',
    inputs: (rng) => ({ a: emb(rng), pos: emb(rng), neg: emb(rng) }), hypers: { margin: 0.8, p: 1, swap: true },
    expected: (x) => [x.a!.shape[0]!],
    perSample: (x, h) => triplet_margin(x.a!, x.pos!, x.neg!, { margin: num(h, 'margin', 1), p: num(h, 'p', 2), swap: h.swap === true, reduction: 'none' }),
  },
  info_nce: {
    file: MET, shape: 'zi: [N, D] → [2, N] (the 2N queries, view-major)', doc: '[V, N]',
    source: "LOSSES.md info_nce = mean over the 2N views of CE: the oracle's [2N] rows, view 1's N queries first; the stdlib keeps the view as its own axis V of size 2 (stack(zi, zj, V))",
    kind: 'mean',
    inputs: (rng) => ({ zi: emb(rng), zj: emb(rng) }), hypers: { temperature: 0.3 },
    expected: (x) => [2, x.zi!.shape[0]!],
    perSample: (x, h) => {
      const rows = info_nce(x.zi!, x.zj!, { temperature: num(h, 'temperature', 0.07), reduction: 'none' });
      return reshape(rows, [2, rows.data.length / 2]);
    },
  },
  nt_xent_simple: {
    file: MET, shape: 'zi: [N, D] → [N]', doc: '[N]', source: "LOSSES.md nt_xent_simple: seed §4.3 NTXentLoss, F.cross_entropy over view 1's N rows: (N)", kind: 'mean',
    inputs: (rng) => ({ zi: emb(rng), zj: emb(rng) }), hypers: { temperature: 0.4 },
    expected: (x) => [x.zi!.shape[0]!],
    perSample: (x, h) => nt_xent_simple(x.zi!, x.zj!, { temperature: num(h, 'temperature', 0.5), reduction: 'none' }),
  },

  gan_generator: {
    file: GEN, shape: 'same as fake_out', doc: '[...]', source: "LOSSES.md gan_generator = BCEwithLogits(fake, 1); torch.nn.BCEWithLogitsLoss(reduction='none'): same shape as the input", kind: 'mean',
    inputs: (rng) => ({ fake_out: randomTensor(S3, rng, { lo: -4, hi: 4 }) }),
    expected: (x) => x.fake_out!.shape,
    perSample: (x) => bce_with_logits(x.fake_out!, full(x.fake_out!.shape, 1), { reduction: 'none' }),
  },
  wgan_generator: {
    file: GEN, shape: 'same as fake_out', doc: '[...]', source: 'LOSSES.md wgan_generator = −mean(fake): one term per score', kind: 'mean',
    inputs: (rng) => ({ fake_out: randomTensor(S3, rng, { lo: -4, hi: 4 }) }),
    expected: (x) => x.fake_out!.shape,
    perSample: (x) => eachElement(x.fake_out!, wganOracle),
  },

  multiclass_dice: {
    file: SEG, shape: 'x: [N, C, H, W], t: index[N, H, W] of C → [C]', doc: '[C]',
    source: 'LOSSES.md multiclass_dice: dice per class over the batch, then the mean over classes: one loss per class', kind: 'mean',
    inputs: (rng) => ({ x: randomTensor([2, 3, 4, 5], rng, { lo: -3, hi: 3 }), t: randomInts([2, 4, 5], rng, 3) }), hypers: { smooth: 0.5 },
    expected: (x) => [x.x!.shape[1]!],
    perSample: (x, h) => diceOfEachClass(x.x!, x.t!, num(h, 'smooth', 1)),
  },

  uncertainty_weighting: {
    file: MTL, shape: 'task_losses: [T] → [T]', doc: '[T]', source: 'LOSSES.md uncertainty_weighting = Σ_i exp(−s_i)·L_i + s_i: one term per task', kind: 'sum',
    inputs: (rng) => ({ task_losses: randomTensor([4], rng, { lo: 0.1, hi: 3 }) }),
    hypers: { log_vars: fromArray([0.5, -0.3, 1.2, -1], [4]) },
    expected: (x) => x.task_losses!.shape,
    perSample: (x, h) => eachTask(x.task_losses!, h.log_vars as F64Tensor),
  },
  gradnorm: {
    file: MTL, shape: 'task_losses: [T] → [T]', doc: '[T]', source: 'GradNorm (Chen et al., 2018) L_grad = Σ_i |G_i − mean(G)·r_i^α| (LOSSES.md gradnorm): one term per task', kind: 'sum',
    inputs: (rng) => ({
      task_losses: randomTensor([4], rng, { lo: 0.2, hi: 2 }),
      initial_losses: randomTensor([4], rng, { lo: 0.5, hi: 3 }),
      grad_norms: randomTensor([4], rng, { lo: 0.1, hi: 2 }),
    }),
    hypers: { alpha: 1.2, task_weights: fromArray([0.5, 1.5, 0.8, 1.2], [4]) },
    expected: (x) => x.task_losses!.shape,
    perSample: (x, h) => gradnormTerms(x, h.task_weights as F64Tensor, num(h, 'alpha', 1.5)),
  },
  curriculum: {
    file: MTL, shape: 'losses: [N] → [N]', doc: '[N]', source: 'LOSSES.md curriculum = Σ w·loss over the N samples: one term per sample', kind: 'sum',
    inputs: (rng) => ({ losses: randomTensor([6], rng, { lo: 0.1, hi: 3 }), difficulty: randomTensor([6], rng, { lo: 0, hi: 1 }) }),
    hypers: { epoch: 2, total_epochs: 3 },
    expected: (x) => x.losses!.shape,
    perSample: (x, h) => curriculumTerms(x, num(h, 'epoch', 0), num(h, 'total_epochs', 1)),
  },
  // The peers' losses (test/stdlib-peers.test.ts): Keras's per sample over the last axis, torch's elementwise or per row.
  ...peerLayouts(),
  ...peer2Layouts(),
  ...peer3Layouts(),
};

/** Stdlib losses with no `reduction` option: their result is not a mean or sum of per-sample losses. */
const NO_REDUCTION: Record<string, string> = {
  dice: 'one ratio over every element',
  tversky: 'one ratio over every element',
  ce_dice: 'a weighted sum of two losses',
  gan_discriminator: 'the sum of two means',
  wgan_discriminator: 'the difference of two means',
  vae: 'a sum plus β times another sum',
  perceptual: 'a mean over the feature maps of a function argument',
  barlow_twins: 'a sum plus λ times another sum',
  monai_dice_ce: 'a weighted sum of two losses',
  monai_dice_focal: 'a weighted sum of two losses',
  box_iou: 'an [N, M] matrix, not a loss per sample',
  generalized_box_iou: 'an [N, M] matrix, not a loss per sample',
  smp_dice: 'the mean over classes of ratios over every element, to the power gamma for tversky',
  smp_dice_multiclass: 'the mean over classes of ratios over every element, to the power gamma for tversky',
  smp_focal: 'a mean, divided by a sum with normalized',
  smp_soft_ce: 'a masked sum divided by every position',
  smp_mcc: 'one ratio over every element',
  smp_lovasz: 'one Lovász extension over every element, or the mean over images of one per image',
  smp_lovasz_multiclass: 'the mean over classes of one Lovász extension each over the pixels (per image with per_image)',
};

/**
 * Stdlib losses whose outer reduction is a masked mean (`mean(l, where: m)`): 'none' gives the
 * per-sample losses with 0 where the mask leaves a sample out, and every mode weighs w·m
 * (docs/language.md; the semantics against a float64 oracle: test/reduction-masked.test.ts).
 * Here: each mode is consistent with the others and with the loss's own value.
 */
interface Masked {
  readonly file: string;
  readonly mask: string;
  readonly inputs: (rng: Rng) => Inputs;
  /** The per-sample shape, from the inputs. */
  readonly shape: (x: Inputs) => number[];
}

const labelled = (rng: Rng): Inputs => ({ e: randomTensor([6, 3], rng), label: fromArray([0, 1, 0, 2, 1, 0], [6]) });
const segmentation = (rng: Rng): Inputs => ({ x: randomTensor([2, 3, 4], rng, { lo: 0.05, hi: 0.95 }), y: randomTensor([2, 3, 4], rng, { lo: 0, hi: 1 }) });
const MASKED: Record<string, Masked> = {
  batch_hard_triplet: { file: MET, mask: 'the anchors that have a positive and a negative', inputs: labelled, shape: (x) => [x.e!.shape[0]!] },
  nt_xent: { file: MET, mask: 'the positive pairs', inputs: labelled, shape: (x) => [x.e!.shape[0]!, x.e!.shape[0]!] },
  supcon: { file: MET, mask: 'the anchors with a positive loss and a negative', inputs: labelled, shape: (x) => [x.e!.shape[0]!] },
  circle: { file: MET, mask: 'the anchors with a positive loss', inputs: labelled, shape: (x) => [x.e!.shape[0]!] },
  monai_dice: { file: SEG, mask: 'the kept channels', inputs: segmentation, shape: (x) => x.x!.shape.slice(0, 2) },
  monai_tversky: { file: SEG, mask: 'the kept channels', inputs: segmentation, shape: (x) => x.x!.shape.slice(0, 2) },
  monai_focal: { file: SEG, mask: 'the kept channels', inputs: segmentation, shape: (x) => x.x!.shape },
};

// ---------------------------------------------------------------------------------------

interface Compiled {
  readonly fn: IrFunction;
  readonly f: (...args: unknown[]) => tf.Tensor;
  /** Every JSDoc block attached to an `export function NAME(` (both overloads). */
  readonly docs: string[];
}

/** The JSDoc blocks of each exported function of a generated module, as plain text. */
function docsByFunction(code: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of code.matchAll(/\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*export function (\w+)\(/g)) {
    const text = m[1]!.split('\n').map((l) => l.replace(/^\s*\*\s?/, '')).join(' ').replace(/\s+/g, ' ');
    out.set(m[2]!, [...(out.get(m[2]!) ?? []), text]);
  }
  return out;
}

const compiled = new Map<string, Compiled>();
let allLosses: IrFunction[] = [];

beforeAll(async () => {
  await initBackend('wasm');
  for (const name of readdirSync('stdlib').filter((f) => f.endsWith('.loss')).sort()) {
    const file = path.join('stdlib', name);
    const r = await compile(readFileSync(file, 'utf8'), file, { host: fsHost });
    expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d))).toEqual([]);
    const mod = await importModule<Record<string, (...args: unknown[]) => tf.Tensor>>(r.code!, 'stdlib-layout');
    const docs = docsByFunction(r.code!);
    for (const fn of r.losses) {
      allLosses.push(fn);
      compiled.set(fn.name, { fn, f: mod[fn.name]!, docs: docs.get(fn.name) ?? [] });
    }
  }
}, 120_000);

const DTYPE = { real: 'float32', int: 'int32', index: 'int32', bool: 'bool' } as const;

/** Calls the generated function with the loss's tensor inputs, `hypers` and `options`; the result is the caller's. */
function call(c: Compiled, x: Inputs, hypers: Hypers, options: Record<string, unknown> = {}): tf.Tensor {
  const { fn } = c;
  const tensor = (name: string, v: F64Tensor): tf.Tensor =>
    tf.tensor(Array.from(v.data), v.shape, DTYPE[fn.inputs.find((i) => i.name === name)?.elem ?? 'real']);
  const positional = fn.order ?? fn.inputs.filter((i) => i.default === undefined).map((i) => i.name);
  const args = positional.map((n) => tensor(n, x[n]!));
  const opts = Object.fromEntries(Object.entries(hypers).map(([k, v]) => [k, typeof v === 'object' ? tensor(k, v) : v]));
  // A list input is given as its elements.
  const lists = positional.map((n, k) => (fn.inputs.some((i) => i.name === n && i.list) ? tf.unstack(args[k]!) : undefined));
  const made = [...args, ...lists.flatMap((l) => l ?? []), ...Object.values(opts).filter((v): v is tf.Tensor => v instanceof tf.Tensor)];
  try {
    return c.f(...args.map((a, k) => lists[k] ?? a), { ...opts, ...options });
  } finally {
    tf.dispose(made);
  }
}

/** Reads a result back and disposes it. */
function read(t: tf.Tensor): { shape: number[]; data: Float64Array } {
  const out = { shape: [...t.shape], data: Float64Array.from(t.dataSync()) };
  t.dispose();
  return out;
}

/** Elementwise agreement within float32 rounding of a few operations. */
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string, tol = 1e-5): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  const bad: string[] = [];
  for (let i = 0; i < want.length; i++) {
    const [a, b] = [got[i]!, want[i]!];
    if (!(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)))) bad.push(`[${i}] ${a} vs ${b}`);
  }
  expect(bad, `${what}: elements that differ`).toEqual([]);
}

const weighted = (l: F64Tensor, w: Float64Array): { none: Float64Array; sum: number; mean: number } => {
  const none = l.data.map((v, i) => v * w[i]!);
  const sum = none.reduce((s, v) => s + v, 0);
  return { none, sum, mean: sum / w.reduce((s, v) => s + v, 0) };
};

describe('every stdlib loss has an entry', () => {
  it('the losses with a reduction are exactly the table, the others exactly NO_REDUCTION', () => {
    // A masked outer mean is in MASKED (cross_entropy's and nll's mask only drops ignore_index).
    const masked = (fn: IrFunction): boolean => fn.nodes[fn.output]!.args.length > 1;
    const reducing = allLosses.filter((fn) => fn.reduction && !(fn.name in MASKED)).map((fn) => fn.name).sort();
    const plain = allLosses.filter((fn) => !fn.reduction).map((fn) => fn.name).sort();
    expect(reducing, 'a stdlib loss with a reduction needs a row in LAYOUTS (its per-sample shape with reduction none)').toEqual(Object.keys(LAYOUTS).sort());
    expect(Object.keys(MASKED).filter((name) => !allLosses.some((fn) => fn.name === name && fn.reduction && masked(fn))), 'MASKED lists losses with a masked reduction').toEqual([]);
    expect(plain, 'a stdlib loss without a reduction is listed in NO_REDUCTION').toEqual(Object.keys(NO_REDUCTION).sort());
  });
});

describe.each(Object.entries(LAYOUTS).map(([loss, layout]) => ({ loss, ...layout })))("$loss with reduction 'none': $shape", (e) => {
  const setup = () => {
    const c = compiled.get(e.loss);
    if (!c) throw new Error(`no stdlib loss ${e.loss}`);
    expect(c.fn.file.replace(/\\/g, '/').endsWith(e.file), `${e.loss} is in ${e.file}`).toBe(true);
    // Inputs as float32 sees them, so the float64 values start from the same numbers.
    const x = Object.fromEntries(Object.entries(e.inputs(mulberry32(1000 + e.loss.length))).map(([k, v]) => [k, roundF32(v)]));
    const hypers = e.hypers ?? {};
    return { c, x, hypers };
  };

  it(`is reduced by '${e.kind}' and the JSDoc and layout name the per-sample shape ${e.doc}`, () => {
    const { c } = setup();
    expect(c.fn.reduction?.kind).toBe(e.kind);
    const none = c.docs.filter((d) => d.includes("with `reduction: 'none'`"));
    expect(none, 'the overload returning the per-sample losses has a JSDoc').toHaveLength(1);
    expect(none[0]).toContain(`@returns with \`reduction: 'none'\`, the per-sample losses ${e.doc} (times the weights, if given)`);
    // The overload returning a scalar names the same shape and the same reduction.
    const other = c.docs.filter((d) => !d.includes("with `reduction: 'none'`"));
    expect(other.map((d) => /@returns the (mean|sum) of the per-sample losses (\[[^\]]*\])/.exec(d)?.slice(1))).toEqual([[e.kind, e.doc]]);
    // fn.layout orders the per-sample node's axes (named by index variables, e.g. v and a for
    // V and N): read as the dims giving their sizes, it is the same shape.
    const axes = c.fn.nodes[c.fn.reduction!.perSample]!.type.axes;
    const order = c.fn.layout?.perSample ?? [];
    expect(order.length, 'fn.layout.perSample orders every per-sample axis').toBe(axes.length);
    expect(order.map((n) => axes.find((a) => a.name === n)?.dim), 'fn.layout.perSample, as dims').toEqual(e.doc.slice(1, -1).split(', '));
  });

  it("returns the per-sample losses in the expected shape, with the independent float64 values", () => {
    const { c, x, hypers } = setup();
    const before = tf.memory().numTensors;
    const want = e.perSample(x, hypers);
    const expected = e.expected(x);
    // The inputs' dims have distinct sizes: a transposed layout has another shape.
    for (const shape of [...Object.values(x).map((v) => v.shape), expected]) expect(new Set(shape).size, `distinct sizes in [${shape.join(', ')}]`).toBe(shape.length);
    expect(want.shape, 'the float64 per-sample values are laid out in the expected shape').toEqual(expected);
    const got = read(call(c, x, hypers, { reduction: 'none' }));
    expect(got.shape).toEqual(expected);
    expectClose(got.data, want.data, `${e.loss} 'none'`);
    // The default value is the loss's reduction of those per-sample losses.
    const value = read(call(c, x, hypers));
    expect(value.shape).toEqual([]);
    const total = got.data.reduce((s, v) => s + v, 0);
    expectClose(value.data, [e.kind === 'mean' ? total / got.data.length : total], `${e.loss}: ${e.kind} of 'none' = the loss`);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('takes weights of the per-sample shape, or a leading part of it, broadcast as documented', () => {
    const { c, x, hypers } = setup();
    const before = tf.memory().numTensors;
    const l = e.perSample(x, hypers);
    const ps = l.shape;
    const rng = mulberry32(7);
    const shapes = [ps, ...(ps.length >= 2 ? [ps.slice(0, 1), [1, ...ps.slice(1)], [...ps.slice(0, -1), 1]] : [])];
    for (const shape of shapes) {
      const w = randomTensor(shape, rng, { lo: 0.1, hi: 2 });
      const want = weighted(l, expandWeights(roundF32(w), ps)!);
      const wt = tf.tensor(Array.from(w.data), shape);
      const what = `${e.loss}, weights [${shape.join(', ')}]`;
      const none = read(call(c, x, hypers, { reduction: 'none', weights: wt }));
      expect(none.shape, what).toEqual(ps);
      expectClose(none.data, want.none, `${what}, 'none'`);
      expectClose(read(call(c, x, hypers, { reduction: 'sum', weights: wt })).data, [want.sum], `${what}, 'sum'`);
      expectClose(read(call(c, x, hypers, { reduction: 'mean', weights: wt })).data, [want.mean], `${what}, 'mean'`);
      wt.dispose();
    }
    // Weights laid out in another order are not the per-sample shape.
    if (ps.length >= 2) {
      const wt = tf.ones([...ps].reverse());
      expect(() => call(c, x, hypers, { reduction: 'none', weights: wt })).toThrow(/weights/);
      wt.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe.each(Object.entries(MASKED).map(([loss, m]) => ({ loss, ...m })))('$loss: a masked mean over $mask, with reduction and weights', (e) => {
  it("'none' has the per-sample shape, and every mode, weighted or not, agrees with it and with the loss", () => {
    const c = compiled.get(e.loss);
    if (!c) throw new Error(`no stdlib loss ${e.loss}`);
    expect(c.fn.file.replace(/\\/g, '/').endsWith(e.file), `${e.loss} is in ${e.file}`).toBe(true);
    expect(c.fn.reduction?.kind).toBe('mean');
    const before = tf.memory().numTensors;
    const x = Object.fromEntries(Object.entries(e.inputs(mulberry32(2000 + e.loss.length))).map(([k, v]) => [k, roundF32(v)]));
    const shape = e.shape(x);
    const none = read(call(c, x, {}, { reduction: 'none' }));
    expect(none.shape).toEqual(shape);
    const value = read(call(c, x, {})).data[0]!;
    expect(Number.isFinite(value)).toBe(true);
    // Σ over the samples the mask keeps; 'sum' unweighted is the sum of 'none'.
    const total = none.data.reduce((a, v) => a + v, 0);
    expectClose(read(call(c, x, {}, { reduction: 'sum' })).data, [total], `${e.loss}: 'sum' = Σ 'none'`);
    // The mean is unchanged by uniform weights of any size.
    for (const k of [1, 2.5]) {
      const w = tf.fill(shape, k);
      expectClose(read(call(c, x, {}, { reduction: 'mean', weights: w })).data, [value], `${e.loss}: 'mean' with weights ${k}`);
      w.dispose();
    }
    // Random weights scale each kept sample's loss: 'none' and 'sum' follow them exactly.
    const w = randomTensor(shape, mulberry32(9), { lo: 0.1, hi: 2 });
    const wt = tf.tensor(Array.from(w.data), shape);
    const want = none.data.map((v, i) => v * Math.fround(w.data[i]!));
    expectClose(read(call(c, x, {}, { reduction: 'none', weights: wt })).data, want, `${e.loss}: 'none' with weights`);
    expectClose(read(call(c, x, {}, { reduction: 'sum', weights: wt })).data, [want.reduce((a, v) => a + v, 0)], `${e.loss}: 'sum' with weights`);
    wt.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
