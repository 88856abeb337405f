// The tutorial's metric-learning losses (§4) ported by hand to TensorFlow.js, vectorised as an
// expert writes them: distances from one Gram matrix (tf.matMul, as torch.cdist does for large
// inputs) and similarity matrices by tf.matMul. The tutorial's anchor loop is in loops.ts.
import * as tf from '@tensorflow/tfjs';
import { normalizeRows } from './util.js';

/** TripletLoss: (a - p)² summed over D, relu(d_pos - d_neg + margin), averaged. */
export function triplet(a: tf.Tensor, p: tf.Tensor, n: tf.Tensor, margin = 1): tf.Scalar {
  return tf.tidy(() => {
    const dPos = tf.sum(tf.square(tf.sub(a, p)), 1);
    const dNeg = tf.sum(tf.square(tf.sub(a, n)), 1);
    return tf.mean(tf.relu(tf.add(tf.sub(dPos, dNeg), margin)));
  });
}

/** F.pairwise_distance(x1, x2): ‖x1 - x2 + 1e-6‖₂ along the rows. */
export function pairwiseDistance(x1: tf.Tensor, x2: tf.Tensor): tf.Tensor {
  return tf.norm(tf.add(tf.sub(x1, x2), 1e-6), 'euclidean', 1);
}

/** ContrastiveLoss: mean(y·d² + (1 - y)·clamp(margin - d, min=0)²). */
export function contrastive(x1: tf.Tensor, x2: tf.Tensor, y: tf.Tensor, margin = 1): tf.Scalar {
  return tf.tidy(() => {
    const d = pairwiseDistance(x1, x2);
    return tf.mean(tf.add(tf.mul(y, tf.square(d)), tf.mul(tf.sub(1, y), tf.square(tf.relu(tf.sub(margin, d))))));
  });
}

/** nn.TripletMarginLoss(margin, p=2, swap=False). */
export function tripletMargin(a: tf.Tensor, pos: tf.Tensor, neg: tf.Tensor, margin = 1): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.relu(tf.add(tf.sub(pairwiseDistance(a, pos), pairwiseDistance(a, neg)), margin))));
}

/**
 * torch.cdist(e, e) through the Gram matrix: ‖a‖² + ‖b‖² - 2a·b. The floor at 1e-12 keeps
 * sqrt's gradient finite on the diagonal (distance 0), where it would be 0·∞ = NaN.
 */
export function cdist(e: tf.Tensor): tf.Tensor {
  const sq = tf.sum(tf.square(e), 1);
  const d2 = tf.sub(tf.add(tf.expandDims(sq, 1), tf.expandDims(sq, 0)), tf.mul(2, tf.matMul(e, e, false, true)));
  return tf.sqrt(tf.maximum(d2, 1e-12));
}

/**
 * OnlineTripletLoss vectorised the usual way (the masks-times-distances form of the widely
 * copied TensorFlow batch-hard implementation): hardest positive = max(mask·d), hardest
 * negative = min(d + max_d·(1 - mask)), averaged over anchors with a positive and a negative.
 */
export function batchHardTriplet(e: tf.Tensor, label: tf.Tensor, margin = 1): tf.Scalar {
  return tf.tidy(() => {
    const N = e.shape[0]!;
    const dist = cdist(e);
    const same = tf.equal(tf.expandDims(label, 1), tf.expandDims(label, 0));
    const posMask = tf.logicalAnd(same, tf.logicalNot(tf.cast(tf.eye(N), 'bool')));
    const negMask = tf.logicalNot(same);
    const hardestPos = tf.max(tf.mul(tf.cast(posMask, 'float32'), dist), 1);
    const maxDist = tf.max(dist, 1, true);
    const hardestNeg = tf.min(tf.add(dist, tf.mul(maxDist, tf.cast(same, 'float32'))), 1);
    const valid = tf.cast(tf.logicalAnd(tf.any(posMask, 1), tf.any(negMask, 1)), 'float32');
    const losses = tf.mul(tf.relu(tf.add(tf.sub(hardestPos, hardestNeg), margin)), valid);
    return tf.div(tf.sum(losses), tf.maximum(tf.sum(valid), 1));
  });
}

/**
 * InfoNCELoss as intended (its code indexes the diagonal-removed matrix with unshifted labels):
 * cosine similarities of the 2N views over τ, the diagonal pushed to -1e9 (exp of it is 0),
 * cross-entropy towards the other view of the same sample.
 */
export function infoNce(zi: tf.Tensor, zj: tf.Tensor, temperature = 0.07): tf.Scalar {
  return tf.tidy(() => {
    const N = zi.shape[0]!;
    const z = tf.concat([normalizeRows(zi), normalizeRows(zj)], 0);
    const sim = tf.div(tf.matMul(z, z, false, true), temperature);
    const logits = tf.sub(sim, tf.mul(tf.eye(2 * N), 1e9));
    const labels = tf.tensor1d(Array.from({ length: 2 * N }, (_, i) => (i + N) % (2 * N)), 'int32');
    const pos = tf.sum(tf.mul(sim, tf.oneHot(labels, 2 * N).toFloat()), 1);
    return tf.mean(tf.sub(tf.logSumExp(logits, 1), pos));
  });
}

/**
 * NTXentLoss exactly as the tutorial writes it: logits [pos_sim, sim_matrix[:N]] with the
 * diagonal filled with -inf (here -1e9), cross-entropy towards column 0.
 */
export function ntXentSimple(zi: tf.Tensor, zj: tf.Tensor, temperature = 0.5): tf.Scalar {
  return tf.tidy(() => {
    const N = zi.shape[0]!;
    const ui = normalizeRows(zi);
    const uj = normalizeRows(zj);
    const posSim = tf.div(tf.sum(tf.mul(ui, uj), 1), temperature);
    const z = tf.concat([ui, uj], 0);
    const sim = tf.sub(tf.div(tf.matMul(z, z, false, true), temperature), tf.mul(tf.eye(2 * N), 1e9));
    const logits = tf.concat([tf.expandDims(posSim, 1), tf.slice(sim, [0, 0], [N, 2 * N])], 1);
    return tf.mean(tf.sub(tf.logSumExp(logits, 1), posSim));
  });
}

/** 1 off the diagonal, 0 on it: [n, n]. */
const offDiagonal = (n: number): tf.Tensor => tf.sub(1, tf.eye(n));

/**
 * Contrastive loss over every ordered pair i ≠ j of a batch, from the Gram distances (the
 * 1e-12 floor keeps sqrt's gradient finite on the diagonal, which the mask then drops).
 */
export function contrastivePairs(e: tf.Tensor, label: tf.Tensor, margin = 1): tf.Scalar {
  return tf.tidy(() => {
    const N = e.shape[0]!;
    const dist = cdist(e);
    const same = tf.cast(tf.equal(tf.expandDims(label, 1), tf.expandDims(label, 0)), 'float32');
    const terms = tf.add(tf.mul(same, tf.square(dist)), tf.mul(tf.sub(1, same), tf.square(tf.relu(tf.sub(margin, dist)))));
    return tf.div(tf.sum(tf.mul(terms, offDiagonal(N))), N * (N - 1));
  });
}

/**
 * SupConLoss (L_out) as its reference implementation vectorises it: similarities by matMul,
 * the diagonal pushed to -1e9 in the log-sum-exp, the positives' log-probabilities averaged
 * per anchor, anchors without a positive left out.
 */
export function supcon(z: tf.Tensor, label: tf.Tensor, temperature = 0.1): tf.Scalar {
  return tf.tidy(() => {
    const N = z.shape[0]!;
    const u = normalizeRows(z);
    const s = tf.div(tf.matMul(u, u, false, true), temperature);
    const lse = tf.logSumExp(tf.sub(s, tf.mul(tf.eye(N), 1e9)), 1, true);
    const same = tf.cast(tf.equal(tf.expandDims(label, 1), tf.expandDims(label, 0)), 'float32');
    const pos = tf.mul(same, offDiagonal(N));
    const count = tf.sum(pos, 1);
    const perAnchor = tf.div(tf.sum(tf.mul(pos, tf.sub(lse, s)), 1), tf.maximum(count, 1));
    const valid = tf.cast(tf.greater(count, 0), 'float32');
    return tf.div(tf.sum(tf.mul(perAnchor, valid)), tf.maximum(tf.sum(valid), 1));
  });
}

/**
 * Center loss: half the mean squared distance of each row to its class's center. The rows'
 * centers by tf.gather; its gradient, UnsortedSegmentSum, has no wasm kernel, so the table's
 * gradient is written as the expert would: the [N, C] one-hot's transpose times the rows'
 * gradient (one matMul).
 */
export function center(x: tf.Tensor, y: tf.Tensor, centers: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const C = centers.shape[0]!;
    const rowsOf = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [table, save] = args as [tf.Tensor, tf.GradSaveFunc];
      save([]);
      return { value: tf.gather(table, y), gradFunc: (dy: tf.Tensor | tf.Tensor[]) => tf.matMul(tf.oneHot(y, C).toFloat(), dy as tf.Tensor, true, false) };
    });
    return tf.div(tf.mean(tf.sum(tf.square(tf.sub(x, rowsOf(centers))), 1)), 2);
  });
}
