/**
 * More of the peers' losses, float64 references written from the peers' own definitions (not
 * from the .loss text), each citing the function and version it follows:
 *   Keras 3 (keras/src/losses/losses.py): categorical_focal_crossentropy,
 *     binary_focal_crossentropy; backend.epsilon() = 1e-7.
 *   torchvision 0.15+ (torchvision/ops/diou_loss.py, ciou_loss.py, _utils.py): the DIoU and
 *     CIoU losses.
 *   pytorch-metric-learning 2.8.1 (losses/ntxent_loss.py, supcon_loss.py,
 *     multi_similarity_loss.py, circle_loss.py, generic_pair_loss.py, reducers/*.py,
 *     utils/loss_and_miner_utils.py): the pair losses with labels, default CosineSimilarity.
 *   Barlow Twins (Zbontar et al., 2021), the paper's Algorithm 1.
 *   MONAI 1.5 (monai/losses/dice.py, tversky.py, focal_loss.py, utils.py compute_tp_fp_fn).
 * Each returns the per-sample losses reduced by reduce.ts's convention where the loss takes a
 * reduction, else the number the peer returns.
 */
import { reduce, type ReduceOpts } from './reduce.js';
import type { F64Tensor } from './tensor.js';

const EPS_KERAS = 1e-7;
const clip = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);
const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));
/** log σ(z), as torch.nn.functional.logsigmoid. */
const logSigmoid = (z: number): number => Math.min(z, 0) - Math.log1p(Math.exp(-Math.abs(z)));
/** torch.logsumexp of a list (-inf for an empty one). */
const lse = (xs: number[]): number => {
  if (xs.length === 0) return -Infinity;
  const m = Math.max(...xs);
  if (m === -Infinity) return -Infinity;
  return m + Math.log(xs.reduce((s, x) => s + Math.exp(x - m), 0));
};

/** Rows of the last axis of each tensor given, f of them per row, shape [...]. */
export function perRow(ts: F64Tensor[], f: (rows: Float64Array[]) => number): F64Tensor {
  const C = ts[0]!.shape[ts[0]!.shape.length - 1]!;
  const n = ts[0]!.data.length / C;
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) out[r] = f(ts.map((t) => t.data.subarray(r * C, (r + 1) * C)));
  return { shape: ts[0]!.shape.slice(0, -1), data: out };
}

// ---------------------------------------------------------------------------------------
// Keras 3

export interface KerasFocalOpts extends ReduceOpts {
  alpha?: number;
  gamma?: number;
  from_logits?: boolean;
  label_smoothing?: number;
}

/**
 * keras.losses.categorical_focal_crossentropy (Keras 3):
 *   y_true = y_true·(1 − ls) + ls/num_classes; y_pred = softmax(y_pred) if from_logits;
 *   output = y_pred / sum(y_pred, -1); output = clip(output, ε, 1 − ε);
 *   sum(alpha·(1 − output)^gamma · (−y_true·log(output)), -1).
 */
export function categorical_focal_crossentropy(yPred: F64Tensor, yTrue: F64Tensor, o: KerasFocalOpts = {}) {
  const { alpha = 0.25, gamma = 2, from_logits = false, label_smoothing = 0 } = o;
  return reduce(perRow([yPred, yTrue], ([p, t]) => {
    const C = p!.length;
    const y = Array.from(t!, (v) => v * (1 - label_smoothing) + label_smoothing / C);
    let probs = Array.from(p!);
    if (from_logits) {
      const m = Math.max(...probs);
      const e = probs.map((v) => Math.exp(v - m));
      const s = e.reduce((a, b) => a + b, 0);
      probs = e.map((v) => v / s);
    }
    const total = probs.reduce((a, b) => a + b, 0);
    return probs.reduce((acc, pi, k) => {
      const out = clip(pi / total, EPS_KERAS, 1 - EPS_KERAS);
      return acc + alpha * (1 - out) ** gamma * (-y[k]! * Math.log(out));
    }, 0);
  }), o);
}

/**
 * keras.losses.binary_focal_crossentropy (Keras 3):
 *   y_true = y_true·(1 − ls) + 0.5·ls; y_pred = sigmoid(y_pred) if from_logits;
 *   bce = ops.binary_crossentropy(y_true, y_pred): on the tensorflow backend (Keras's default)
 *   a sigmoid output carries its logits and the cross-entropy is
 *   tf.nn.sigmoid_cross_entropy_with_logits, max(x, 0) − x·z + log(1 + exp(−|x|)); otherwise
 *   −(z·log(clip(p)) + (1 − z)·log(1 − clip(p))), clip to [ε, 1 − ε];
 *   p_t = y·p + (1 − y)(1 − p); focal = (1 − p_t)^gamma·bce; ·(y·α + (1 − y)(1 − α)) with
 *   apply_class_balancing; mean over the last axis.
 */
export function binary_focal_crossentropy(yPred: F64Tensor, yTrue: F64Tensor, o: KerasFocalOpts & { apply_class_balancing?: boolean } = {}) {
  const { alpha = 0.25, gamma = 2, from_logits = false, label_smoothing = 0, apply_class_balancing = false } = o;
  return reduce(perRow([yPred, yTrue], ([xs, ts]) => {
    let s = 0;
    xs!.forEach((x, k) => {
      const y = ts![k]! * (1 - label_smoothing) + 0.5 * label_smoothing;
      const p = from_logits ? sigmoid(x) : x;
      const bce = from_logits
        ? Math.max(x, 0) - x * y + Math.log1p(Math.exp(-Math.abs(x)))
        : -(y * Math.log(clip(p, EPS_KERAS, 1 - EPS_KERAS)) + (1 - y) * Math.log(1 - clip(p, EPS_KERAS, 1 - EPS_KERAS)));
      // 1 − p_t, with 1 − σ(x) taken as σ(−x) so that float64 keeps it for large logits.
      const q = from_logits ? sigmoid(-x) : 1 - p;
      const oneMinusPt = 1 - (y * p + (1 - y) * (1 - p));
      const base = from_logits ? y * q + (1 - y) * p : oneMinusPt;
      let l = base ** gamma * bce;
      if (apply_class_balancing) l *= y * alpha + (1 - y) * (1 - alpha);
      s += l;
    });
    return s / xs!.length;
  }), o);
}

// ---------------------------------------------------------------------------------------
// torchvision

/** torchvision.ops._utils._loss_inter_union and diou_loss._diou_iou_loss for one pair of rows. */
function diouIou(b1: Float64Array, b2: Float64Array, eps: number): { loss: number; iou: number } {
  const [x1, y1, x2, y2] = b1;
  const [x1g, y1g, x2g, y2g] = b2;
  const xkis1 = Math.max(x1!, x1g!);
  const ykis1 = Math.max(y1!, y1g!);
  const xkis2 = Math.min(x2!, x2g!);
  const ykis2 = Math.min(y2!, y2g!);
  const intsct = ykis2 > ykis1 && xkis2 > xkis1 ? (xkis2 - xkis1) * (ykis2 - ykis1) : 0;
  const union = (x2! - x1!) * (y2! - y1!) + (x2g! - x1g!) * (y2g! - y1g!) - intsct;
  const iou = intsct / (union + eps);
  const xc1 = Math.min(x1!, x1g!);
  const yc1 = Math.min(y1!, y1g!);
  const xc2 = Math.max(x2!, x2g!);
  const yc2 = Math.max(y2!, y2g!);
  const diag = (xc2 - xc1) ** 2 + (yc2 - yc1) ** 2 + eps;
  const centres = ((x2! + x1!) / 2 - (x1g! + x2g!) / 2) ** 2 + ((y2! + y1!) / 2 - (y1g! + y2g!) / 2) ** 2;
  return { loss: 1 - iou + centres / diag, iou };
}

/** torchvision.ops.distance_box_iou_loss(boxes1, boxes2, eps). */
export const distance_box_iou_loss = (b1: F64Tensor, b2: F64Tensor, eps = 1e-7, o: ReduceOpts = {}) =>
  reduce(perRow([b1, b2], ([p, t]) => diouIou(p!, t!, eps).loss), o);

/**
 * torchvision.ops.complete_box_iou_loss: diou + α·v, v = 4/π²·(atan(w_g/h_g) − atan(w/h))²,
 * α = v/(1 − iou + v + eps) under torch.no_grad(). `frozen` gives the boxes α is computed
 * from (default: the same), so that finite differences see α as the constant it is to autograd.
 */
export function complete_box_iou_loss(b1: F64Tensor, b2: F64Tensor, eps = 1e-7, o: ReduceOpts = {}, frozen?: [F64Tensor, F64Tensor]) {
  const v = (p: Float64Array, t: Float64Array): number =>
    (4 / Math.PI ** 2) * (Math.atan((t[2]! - t[0]!) / (t[3]! - t[1]!)) - Math.atan((p[2]! - p[0]!) / (p[3]! - p[1]!))) ** 2;
  const [f1, f2] = frozen ?? [b1, b2];
  return reduce(perRow([b1, b2, f1, f2], ([p, t, fp, ft]) => {
    const { loss } = diouIou(p!, t!, eps);
    const frozenV = v(fp!, ft!);
    const alpha = frozenV / (1 - diouIou(fp!, ft!, eps).iou + frozenV + eps);
    return loss + alpha * v(p!, t!);
  }), o);
}

// ---------------------------------------------------------------------------------------
// pytorch-metric-learning

/** CosineSimilarity's matrix: rows normalised by torch.nn.functional.normalize (eps 1e-12), then dot products. */
function cosineMatrix(e: F64Tensor): number[][] {
  const [N, D] = e.shape as [number, number];
  const rows = Array.from({ length: N }, (_, i) => {
    const r = Array.from(e.data.subarray(i * D, (i + 1) * D));
    const norm = Math.max(Math.sqrt(r.reduce((s, v) => s + v * v, 0)), 1e-12);
    return r.map((v) => v / norm);
  });
  return rows.map((a) => rows.map((b) => a.reduce((s, v, k) => s + v * b[k]!, 0)));
}
/** lmu.get_all_pairs_indices: positives same label i != j, negatives different labels. */
const pairsOf = (labels: F64Tensor) => {
  const l = Array.from(labels.data);
  const pos = (i: number, j: number) => l[i] === l[j] && i !== j;
  const neg = (i: number, j: number) => l[i] !== l[j];
  return { N: l.length, pos, neg };
};
/** AvgNonZeroReducer (ThresholdReducer(low=0)): the mean of the losses > 0, 0 when none is. */
const avgNonZero = (losses: number[]): number => {
  const kept = losses.filter((v) => v > 0);
  return kept.length === 0 ? 0 : kept.reduce((s, v) => s + v, 0) / kept.length;
};

/**
 * NTXentLoss(temperature): for each positive pair (a, p), with the negatives (a, n) of the
 * same anchor, −log(exp(s_ap/τ) / (exp(s_ap/τ) + Σ exp(s_an/τ))) (PML's + finfo.tiny inside
 * the log is below float64's resolution here); MeanReducer over the positive pairs; 0 when
 * there is no positive pair or no negative pair in the batch.
 */
export function nt_xent(e: F64Tensor, labels: F64Tensor, temperature = 0.07): number {
  const s = cosineMatrix(e);
  const { N, pos, neg } = pairsOf(labels);
  const losses: number[] = [];
  let anyNeg = false;
  for (let a = 0; a < N; a++) for (let n = 0; n < N; n++) if (neg(a, n)) anyNeg = true;
  if (!anyNeg) return 0;
  for (let a = 0; a < N; a++) {
    const negs = Array.from({ length: N }, (_, n) => n).filter((n) => neg(a, n)).map((n) => s[a]![n]! / temperature);
    for (let p = 0; p < N; p++) {
      if (!pos(a, p)) continue;
      const sp = s[a]![p]! / temperature;
      losses.push(-(sp - lse([sp, ...negs])));
    }
  }
  return losses.length === 0 ? 0 : losses.reduce((x, y) => x + y, 0) / losses.length;
}

/**
 * SupConLoss(temperature): if the batch has a positive and a negative pair, per anchor i
 * log_prob_ij = s_ij/τ − logsumexp_{k ≠ i} s_ik/τ (keep_mask = pos + neg), loss_i =
 * −Σ_{j pos} log_prob_ij / (n_pos_i + tiny); AvgNonZeroReducer. Else 0.
 */
export function supcon(e: F64Tensor, labels: F64Tensor, temperature = 0.1): { value: number; perAnchor: number[] } {
  const s = cosineMatrix(e);
  const { N, pos, neg } = pairsOf(labels);
  let anyPos = false;
  let anyNeg = false;
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) { anyPos ||= pos(i, j); anyNeg ||= neg(i, j); }
  if (!anyPos || !anyNeg) return { value: 0, perAnchor: new Array<number>(N).fill(0) };
  const perAnchor = Array.from({ length: N }, (_, i) => {
    const keep = Array.from({ length: N }, (_, k) => k).filter((k) => pos(i, k) || neg(i, k));
    const denom = lse(keep.map((k) => s[i]![k]! / temperature));
    let sum = 0;
    let count = 0;
    for (let j = 0; j < N; j++) if (pos(i, j)) { sum += s[i]![j]! / temperature - denom; count++; }
    return -sum / (count + Number.MIN_VALUE);
  });
  return { value: avgNonZero(perAnchor), perAnchor };
}

/**
 * MultiSimilarityLoss(alpha, beta, base), CosineSimilarity (margin(x, y) = y − x):
 * per anchor (1/α)·logsumexp([α·(base − s_ip) for pos p] + [0]) + (1/β)·logsumexp([β·(s_in − base) for neg n] + [0])
 * (lmu.logsumexp with add_one), MeanReducer over the N anchors.
 */
export function multi_similarity(e: F64Tensor, labels: F64Tensor, alpha = 2, beta = 50, base = 0.5, o: ReduceOpts = {}) {
  const s = cosineMatrix(e);
  const { N, pos, neg } = pairsOf(labels);
  const per = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const ps: number[] = [0];
    const ns: number[] = [0];
    for (let j = 0; j < N; j++) {
      if (pos(i, j)) ps.push(alpha * (base - s[i]![j]!));
      if (neg(i, j)) ns.push(beta * (s[i]![j]! - base));
    }
    per[i] = lse(ps) / alpha + lse(ns) / beta;
  }
  return reduce({ shape: [N], data: per }, o);
}

/**
 * CircleLoss(m, gamma): per anchor softplus(logsumexp_p(−γ·relu(1 + m − s_ip)·(s_ip − (1 − m))) +
 * logsumexp_n(γ·relu(s_in + m)·(s_in − m))), 0 for an anchor without a positive or without a
 * negative; AvgNonZeroReducer. (The relu weights are detached in PML: they carry no gradient,
 * which finite differences of this value do not see; the tests differentiate against
 * circleFrozen below.)
 */
export function circle(e: F64Tensor, labels: F64Tensor, m = 0.4, gamma = 80, frozen?: number[][]): { value: number; perAnchor: number[] } {
  const s = cosineMatrix(e);
  const w = frozen ?? s;
  const { N, pos, neg } = pairsOf(labels);
  const perAnchor = Array.from({ length: N }, (_, i) => {
    const lp: number[] = [];
    const ln: number[] = [];
    for (let j = 0; j < N; j++) {
      if (pos(i, j)) lp.push(-gamma * Math.max(1 + m - w[i]![j]!, 0) * (s[i]![j]! - (1 - m)));
      if (neg(i, j)) ln.push(gamma * Math.max(w[i]![j]! + m, 0) * (s[i]![j]! - m));
    }
    if (lp.length === 0 || ln.length === 0) return 0;
    const z = lse(lp) + lse(ln);
    return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
  });
  return { value: avgNonZero(perAnchor), perAnchor };
}
export const cosineSimilarities = cosineMatrix;

// ---------------------------------------------------------------------------------------
// Barlow Twins

/**
 * Algorithm 1 of Zbontar et al. (2021): z_norm = (z − z.mean(0)) / z.std(0) (torch's unbiased
 * std), c = z_a_normᵀ z_b_norm / N, c_diff = (c − I)², off-diagonal scaled by λ, summed.
 */
export function barlow_twins(za: F64Tensor, zb: F64Tensor, lambda = 5e-3, o: ReduceOpts = {}) {
  const [N, D] = za.shape as [number, number];
  const norm = (z: F64Tensor): number[][] => {
    const cols = Array.from({ length: D }, (_, d) => Array.from({ length: N }, (_, n) => z.data[n * D + d]!));
    return cols.map((col) => {
      const mu = col.reduce((s, v) => s + v, 0) / N;
      const sd = Math.sqrt(col.reduce((s, v) => s + (v - mu) ** 2, 0) / (N - 1));
      return col.map((v) => (v - mu) / sd);
    });
  };
  const [a, b] = [norm(za), norm(zb)];
  const terms = new Float64Array(D * D);
  for (let d = 0; d < D; d++) {
    for (let f = 0; f < D; f++) {
      const c = a[d]!.reduce((s, v, n) => s + v * b[f]![n]!, 0) / N;
      terms[d * D + f] = d === f ? (c - 1) ** 2 : lambda * c ** 2;
    }
  }
  return reduce({ shape: [D, D], data: terms }, { ...o, reduction: o.reduction ?? 'sum' });
}

// ---------------------------------------------------------------------------------------
// MONAI, on [B, C, S] tensors (the spatial dims flattened)

type Cube = number[][][];
const cube = (t: F64Tensor): Cube => {
  const [B, C, S] = t.shape as [number, number, number];
  return Array.from({ length: B }, (_, b) => Array.from({ length: C }, (_, c) => Array.from(t.data.subarray((b * C + c) * S, (b * C + c + 1) * S))));
};

export interface MonaiOpts {
  include_background?: boolean;
  /** MONAI's sigmoid=True / softmax=True. */
  sigmoid?: boolean;
  softmax?: boolean;
  squared_pred?: boolean;
  jaccard?: boolean;
  smooth_nr?: number;
  smooth_dr?: number;
  batch?: boolean;
  soft_label?: boolean;
}

/** DiceLoss.forward's activation and channel selection: input, target after them. */
function prepare(x: F64Tensor, y: F64Tensor, o: MonaiOpts): [Cube, Cube] {
  let input = cube(x);
  let target = cube(y);
  const C = x.shape[1]!;
  if (o.sigmoid) input = input.map((bc) => bc.map((row) => row.map(sigmoid)));
  if (o.softmax && C > 1) {
    input = input.map((bc) => {
      const S = bc[0]!.length;
      const out = bc.map(() => new Array<number>(S).fill(0));
      for (let s = 0; s < S; s++) {
        const col = bc.map((row) => row[s]!);
        const m = Math.max(...col);
        const z = col.reduce((acc, v) => acc + Math.exp(v - m), 0);
        col.forEach((v, c) => (out[c]![s] = Math.exp(v - m) / z));
      }
      return out;
    });
  }
  if (o.include_background === false && C > 1) {
    input = input.map((bc) => bc.slice(1));
    target = target.map((bc) => bc.slice(1));
  }
  return [input, target];
}

/** Sums over the spatial axis, or over batch and spatial axes with `batch`: [B][C] or [1][C]. */
function reduceAxis(v: Cube, batch: boolean): number[][] {
  const perBC = v.map((bc) => bc.map((row) => row.reduce((s, x) => s + x, 0)));
  if (!batch) return perBC;
  return [perBC[0]!.map((_, c) => perBC.reduce((s, row) => s + row[c]!, 0))];
}
const zip = (a: Cube, b: Cube, f: (p: number, t: number) => number): Cube => a.map((bc, i) => bc.map((row, c) => row.map((p, s) => f(p, b[i]![c]![s]!))));

/** compute_tp_fp_fn(input, target, reduce_axis, ord, soft_label, decoupled). */
function tpFpFn(input: Cube, target: Cube, batch: boolean, ord: 1 | 2, softLabel: boolean, decoupled = true): [number[][], number[][], number[][]] {
  if (ord === 1 && !softLabel) {
    const tp = reduceAxis(zip(input, target, (p, t) => p * t), batch);
    if (decoupled) {
      const sp = reduceAxis(input, batch);
      const st = reduceAxis(target, batch);
      return [tp, sp.map((r, i) => r.map((v, c) => v - tp[i]![c]!)), st.map((r, i) => r.map((v, c) => v - tp[i]![c]!))];
    }
    return [tp, reduceAxis(zip(input, target, (p, t) => p * (1 - t)), batch), reduceAxis(zip(input, target, (p, t) => (1 - p) * t), batch)];
  }
  // LA.vector_norm(·, ord) over the axes, raised to ord when ord > 1.
  const normOrd = (v: Cube): number[][] => {
    const s = reduceAxis(v.map((bc) => bc.map((row) => row.map((x) => Math.abs(x) ** ord))), batch);
    return s.map((r) => r.map((x) => (ord === 1 ? x : Math.sqrt(x) ** 2)));
  };
  const predO = normOrd(input);
  const groundO = normOrd(target);
  const diff = normOrd(zip(input, target, (p, t) => p - t));
  const tp = predO.map((r, i) => r.map((v, c) => (v + groundO[i]![c]! - diff[i]![c]!) / 2));
  return [tp, predO.map((r, i) => r.map((v, c) => v - tp[i]![c]!)), groundO.map((r, i) => r.map((v, c) => v - tp[i]![c]!))];
}
const meanAll = (m: number[][]): number => m.flat().reduce((s, v) => s + v, 0) / m.flat().length;

/** monai.losses.DiceLoss(...)(input, target) with reduction 'mean' (or the f matrix). */
export function monai_dice_matrix(x: F64Tensor, y: F64Tensor, o: MonaiOpts = {}): number[][] {
  const [input, target] = prepare(x, y, o);
  const { smooth_nr = 1e-5, smooth_dr = 1e-5 } = o;
  const [tp, fp0, fn0] = tpFpFn(input, target, !!o.batch, o.squared_pred ? 2 : 1, !!o.soft_label);
  return tp.map((r, i) => r.map((t, c) => {
    let fp = fp0[i]![c]!;
    let fn = fn0[i]![c]!;
    if (!o.jaccard) { fp *= 0.5; fn *= 0.5; }
    return 1 - (2 * t + smooth_nr) / (2 * (t + fp + fn) + smooth_dr);
  }));
}
export const monai_dice = (x: F64Tensor, y: F64Tensor, o: MonaiOpts = {}): number => meanAll(monai_dice_matrix(x, y, o));

/** monai.losses.TverskyLoss(alpha, beta, ...) with reduction 'mean'. */
export function monai_tversky(x: F64Tensor, y: F64Tensor, o: MonaiOpts & { alpha?: number; beta?: number } = {}): number {
  const [input, target] = prepare(x, y, o);
  const { smooth_nr = 1e-5, smooth_dr = 1e-5, alpha = 0.5, beta = 0.5 } = o;
  const [tp, fp, fn] = tpFpFn(input, target, !!o.batch, 1, !!o.soft_label, false);
  return meanAll(tp.map((r, i) => r.map((t, c) => 1 - (t + smooth_nr) / (t + alpha * fp[i]![c]! + beta * fn[i]![c]! + smooth_dr))));
}

/** monai.losses.GeneralizedDiceLoss(w_type, ...) with reduction 'mean'. */
export function monai_generalized_dice(x: F64Tensor, y: F64Tensor, o: MonaiOpts & { w_type?: 'square' | 'simple' | 'uniform' } = {}): number {
  const [input, target] = prepare(x, y, o);
  const { smooth_nr = 1e-5, smooth_dr = 1e-5, w_type = 'square' } = o;
  const batch = !!o.batch;
  const [tp, fp, fn] = tpFpFn(input, target, batch, 1, !!o.soft_label);
  const denominator = tp.map((r, i) => r.map((t, c) => 2 * (t + 0.5 * fp[i]![c]! + 0.5 * fn[i]![c]!)));
  const groundO = reduceAxis(target, batch);
  let w = groundO.map((r) => r.map((g) => (w_type === 'simple' ? 1 / g : w_type === 'square' ? 1 / (g * g) : 1)));
  // infs = isinf(w); w[infs] = 0; w += infs · max(w) (per row, or over everything with batch).
  const infs = w.map((r) => r.map((v) => !Number.isFinite(v)));
  w = w.map((r, i) => r.map((v, c) => (infs[i]![c] ? 0 : v)));
  const maxAll = Math.max(...w.flat());
  w = w.map((r, i) => {
    const mx = batch ? maxAll : Math.max(...r);
    return r.map((v, c) => v + (infs[i]![c] ? mx : 0));
  });
  const f = tp.map((r, i) => {
    const numer = 2 * r.reduce((s, t, c) => s + t * w[i]![c]!, 0) + smooth_nr;
    const denom = denominator[i]!.reduce((s, d, c) => s + d * w[i]![c]!, 0) + smooth_dr;
    return 1 - numer / denom;
  });
  return f.reduce((s, v) => s + v, 0) / f.length;
}

export interface MonaiFocalOpts {
  include_background?: boolean;
  gamma?: number;
  /** MONAI's alpha; undefined is its None. */
  alpha?: number;
  use_softmax?: boolean;
}

/** monai.losses.FocalLoss(...)(input, target) with reduction 'mean' (softmax_focal_loss / sigmoid_focal_loss). */
export function monai_focal(x: F64Tensor, y: F64Tensor, o: MonaiFocalOpts = {}): number {
  const { include_background = true, gamma = 2, use_softmax = false } = o;
  let alpha = o.alpha;
  let input = cube(x);
  let target = cube(y);
  if (!include_background && x.shape[1]! > 1) {
    input = input.map((bc) => bc.slice(1));
    target = target.map((bc) => bc.slice(1));
  }
  const all: number[] = [];
  if (use_softmax) {
    if (!include_background && alpha !== undefined) alpha = undefined;
    input.forEach((bc, b) => {
      const S = bc[0]!.length;
      for (let s = 0; s < S; s++) {
        const col = bc.map((row) => row[s]!);
        const z = lse(col);
        col.forEach((v, c) => {
          const ls = v - z;
          let l = -((1 - Math.exp(ls)) ** gamma) * ls * target[b]![c]![s]!;
          if (alpha !== undefined) l *= c === 0 ? 1 - alpha : alpha;
          all.push(l);
        });
      }
    });
  } else {
    input.forEach((bc, b) => bc.forEach((row, c) => row.forEach((v, s) => {
      const t = target[b]![c]![s]!;
      let l = v - v * t - logSigmoid(v);
      l *= Math.exp(logSigmoid(-v * (t * 2 - 1)) * gamma);
      if (alpha !== undefined) l *= t * alpha + (1 - t) * (1 - alpha);
      all.push(l);
    })));
  }
  return all.reduce((s, v) => s + v, 0) / all.length;
}

/**
 * monai.losses.DiceCELoss: lambda_dice·DiceLoss + lambda_ce·CE, CE = torch.nn.CrossEntropyLoss
 * on the raw input against the (probability) target over every channel with label smoothing
 * (target·(1 − ε) + ε/C), or BCEWithLogitsLoss with one channel.
 */
export function monai_dice_ce(x: F64Tensor, y: F64Tensor, o: MonaiOpts & { lambda_dice?: number; lambda_ce?: number; label_smoothing?: number } = {}): number {
  const { lambda_dice = 1, lambda_ce = 1, label_smoothing = 0 } = o;
  const dice = monai_dice(x, y, { ...o, soft_label: false });
  const input = cube(x);
  const target = cube(y);
  const C = x.shape[1]!;
  const terms: number[] = [];
  input.forEach((bc, b) => {
    const S = bc[0]!.length;
    for (let s = 0; s < S; s++) {
      const col = bc.map((row) => row[s]!);
      if (C === 1) {
        const t = target[b]![0]![s]!;
        terms.push(Math.max(col[0]!, 0) - col[0]! * t + Math.log1p(Math.exp(-Math.abs(col[0]!))));
        continue;
      }
      const z = lse(col);
      terms.push(-col.reduce((acc, v, c) => acc + (target[b]![c]![s]! * (1 - label_smoothing) + label_smoothing / C) * (v - z), 0));
    }
  });
  return lambda_dice * dice + lambda_ce * (terms.reduce((s, v) => s + v, 0) / terms.length);
}

/** monai.losses.DiceFocalLoss: lambda_dice·DiceLoss + lambda_focal·FocalLoss (sigmoid form). */
export function monai_dice_focal(x: F64Tensor, y: F64Tensor, o: MonaiOpts & { gamma?: number; alpha?: number; lambda_dice?: number; lambda_focal?: number } = {}): number {
  const { lambda_dice = 1, lambda_focal = 1 } = o;
  const focalOpts: MonaiFocalOpts = { include_background: o.include_background ?? true, gamma: o.gamma ?? 2, ...(o.alpha !== undefined ? { alpha: o.alpha } : {}) };
  return lambda_dice * monai_dice(x, y, { ...o, soft_label: false }) + lambda_focal * monai_focal(x, y, focalOpts);
}
