/**
 * Ranking and metric-learning losses (seed §4), float64 references.
 * Embeddings are [N, D] (rows are samples); labels are [N].
 */
import { dot, l2norm, logSumExp, relu } from './math.js';
import { reduce, sameShape, type Reduced, type ReduceOpts, type Reduction } from './reduce.js';
import { el, type F64Tensor } from './tensor.js';

/** Rows of a [..., D] tensor (all leading dims flattened). */
function rows(t: F64Tensor, what: string): Float64Array[] {
  if (t.shape.length === 0) throw new Error(`${what}: needs at least one dimension`);
  const D = t.shape[t.shape.length - 1] ?? 0;
  const n = D === 0 ? 0 : t.data.length / D;
  const out: Float64Array[] = [];
  for (let i = 0; i < n; i++) out.push(t.data.subarray(i * D, (i + 1) * D));
  return out;
}

function matrix(t: F64Tensor, what: string): Float64Array[] {
  if (t.shape.length !== 2) throw new Error(`${what}: expected [N, D], got [${t.shape.join(', ')}]`);
  return rows(t, what);
}

/**
 * torch.nn.functional.pairwise_distance(x1, x2, p, eps): ‖x1 − x2 + eps‖_p over the last dim
 * (the eps is ADDED to the difference, as ATen does). [..., D] → [...].
 */
export function pairwise_distance(x1: F64Tensor, x2: F64Tensor, opts: { p?: number; eps?: number } = {}): F64Tensor {
  sameShape(x1, x2, 'pairwise_distance');
  const p = opts.p ?? 2;
  const eps = opts.eps ?? 1e-6;
  const a = rows(x1, 'pairwise_distance');
  const b = rows(x2, 'pairwise_distance');
  const data = new Float64Array(a.length);
  a.forEach((ra, i) => {
    const rb = b[i] ?? ra;
    let s = 0;
    let m = 0;
    for (let k = 0; k < ra.length; k++) {
      const v = Math.abs(el(ra, k) - el(rb, k) + eps);
      if (p === Infinity) m = Math.max(m, v);
      else if (p === 0) s += v !== 0 ? 1 : 0;
      else s += Math.pow(v, p);
    }
    data[i] = p === Infinity ? m : p === 0 ? s : Math.pow(s, 1 / p);
  });
  return { shape: x1.shape.slice(0, -1), data };
}

export interface MarginOpts<R extends Reduction> extends ReduceOpts<R> {
  /** Default 1. */
  margin?: number;
}

/**
 * Seed §4.1 `ContrastiveLoss` CODE: mean(y·d² + (1−y)·max(0, m − d)²), d = pairwise_distance(x1, x2)
 * (eps 1e-6). The seed's formula line has an extra factor ½ that its code does not; this follows the code.
 */
export function contrastive<R extends Reduction = 'mean'>(
  x1: F64Tensor,
  x2: F64Tensor,
  label: F64Tensor,
  opts: MarginOpts<R> = {},
): Reduced<R> {
  const m = opts.margin ?? 1;
  const d = pairwise_distance(x1, x2);
  if (label.data.length !== d.data.length) throw new Error('contrastive: label must have one entry per pair');
  const data = d.data.map((di, i) => {
    const y = el(label.data, i);
    const h = relu(m - di);
    return y * di * di + (1 - y) * h * h;
  });
  return reduce({ shape: d.shape, data }, opts) as Reduced<R>;
}

/** Seed §4.2 `TripletLoss`: SQUARED Euclidean distances, mean(relu(‖a−p‖² − ‖a−n‖² + m)). */
export function triplet<R extends Reduction = 'mean'>(
  anchor: F64Tensor,
  positive: F64Tensor,
  negative: F64Tensor,
  opts: MarginOpts<R> = {},
): Reduced<R> {
  sameShape(anchor, positive, 'triplet');
  sameShape(anchor, negative, 'triplet');
  const m = opts.margin ?? 1;
  const A = rows(anchor, 'triplet');
  const P = rows(positive, 'triplet');
  const Nn = rows(negative, 'triplet');
  const sq = (u: Float64Array, v: Float64Array): number => {
    let s = 0;
    for (let k = 0; k < u.length; k++) s += (el(u, k) - el(v, k)) ** 2;
    return s;
  };
  const data = Float64Array.from(A, (a, i) => relu(sq(a, P[i] ?? a) - sq(a, Nn[i] ?? a) + m));
  return reduce({ shape: anchor.shape.slice(0, -1), data }, opts) as Reduced<R>;
}

export interface TripletMarginOpts<R extends Reduction> extends MarginOpts<R> {
  /** Norm degree, default 2. */
  p?: number;
  /** pairwise_distance eps, default 1e-6. */
  eps?: number;
  /** Distance swap (Balntas et al.): d(a,n) ← min(d(a,n), d(p,n)). Default false. */
  swap?: boolean;
}

/** torch.nn.TripletMarginLoss: mean(relu(d(a,p) − d(a,n) + m)), d = pairwise_distance(·, ·, p, eps). */
export function triplet_margin<R extends Reduction = 'mean'>(
  anchor: F64Tensor,
  positive: F64Tensor,
  negative: F64Tensor,
  opts: TripletMarginOpts<R> = {},
): Reduced<R> {
  const m = opts.margin ?? 1;
  const po = { p: opts.p ?? 2, eps: opts.eps ?? 1e-6 };
  const dp = pairwise_distance(anchor, positive, po);
  const dn = pairwise_distance(anchor, negative, po);
  const ds = opts.swap ? pairwise_distance(positive, negative, po) : undefined;
  const data = dp.data.map((d, i) => {
    const neg = ds ? Math.min(el(dn.data, i), el(ds.data, i)) : el(dn.data, i);
    return relu(m + d - neg);
  });
  return reduce({ shape: dp.shape, data }, opts) as Reduced<R>;
}

/**
 * Seed §4.2 `OnlineTripletLoss` (batch-hard mining), Euclidean distances as torch.cdist(p=2)
 * (exact, no eps). For each anchor i with ≥1 positive (same label, j ≠ i) and ≥1 negative:
 * relu(max_pos d(i,j) − min_neg d(i,k) + m). Mean over those anchors; 0 when there are none.
 */
export function batch_hard_triplet(embeddings: F64Tensor, labels: F64Tensor, opts: { margin?: number } = {}): number {
  const m = opts.margin ?? 1;
  const E = matrix(embeddings, 'batch_hard_triplet');
  if (labels.data.length !== E.length) throw new Error('batch_hard_triplet: one label per embedding');
  const dist = (i: number, j: number): number => {
    const a = E[i];
    const b = E[j];
    if (!a || !b) throw new Error('batch_hard_triplet: index');
    let s = 0;
    for (let k = 0; k < a.length; k++) s += (el(a, k) - el(b, k)) ** 2;
    return Math.sqrt(s);
  };
  let total = 0;
  let count = 0;
  for (let i = 0; i < E.length; i++) {
    let hardPos = -Infinity;
    let hardNeg = Infinity;
    for (let j = 0; j < E.length; j++) {
      if (j === i) continue;
      const same = el(labels.data, j) === el(labels.data, i);
      const d = dist(i, j);
      if (same) hardPos = Math.max(hardPos, d);
      else hardNeg = Math.min(hardNeg, d);
    }
    if (hardPos === -Infinity || hardNeg === Infinity) continue;
    total += relu(hardPos - hardNeg + m);
    count++;
  }
  return count === 0 ? 0 : total / count;
}

/** torch.nn.functional.normalize(x, dim=1): x / max(‖x‖₂, 1e-12), row by row. */
function normalizeRows(t: F64Tensor, what: string): Float64Array[] {
  return matrix(t, what).map((r) => {
    const n = Math.max(l2norm(r), 1e-12);
    return r.map((v) => v / n);
  });
}

export interface TemperatureOpts<R extends Reduction> extends ReduceOpts<R> {
  temperature?: number;
}

/**
 * SimCLR NT-Xent over the 2N views (LOSSES.md `info_nce`, intent of seed §4.3 `InfoNCELoss`):
 * z = [normalize(z_i); normalize(z_j)], s_rc = z_r·z_c / τ; row r's logits are s_rc for c ≠ r
 * (self-similarity removed) and its target is the other view, c = (r + N) mod 2N;
 * loss = mean over the 2N rows of CE. τ default 0.07. 'none' gives the [2N] row losses.
 *
 * NOTE: the seed's code, as written, cannot run: after dropping the diagonal the matrix is
 * [2N, 2N−1], yet its labels for rows r < N are N + r (not shifted down by one for the removed
 * diagonal) — wrong columns, and 2N − 1 is out of bounds for r = N − 1. This follows the intent.
 */
export function info_nce<R extends Reduction = 'mean'>(
  z_i: F64Tensor,
  z_j: F64Tensor,
  opts: TemperatureOpts<R> = {},
): Reduced<R> {
  sameShape(z_i, z_j, 'info_nce');
  const tau = opts.temperature ?? 0.07;
  const Z = [...normalizeRows(z_i, 'info_nce'), ...normalizeRows(z_j, 'info_nce')];
  const N = Z.length / 2;
  const data = new Float64Array(2 * N);
  Z.forEach((zr, r) => {
    const logits: number[] = [];
    Z.forEach((zc, c) => {
      if (c !== r) logits.push(dot(zr, zc) / tau);
    });
    const pos = dot(zr, Z[(r + N) % (2 * N)] ?? zr) / tau;
    data[r] = logSumExp(logits) - pos;
  });
  return reduce({ shape: [2 * N], data }, opts) as Reduced<R>;
}

/**
 * Seed §4.3 `NTXentLoss` "simplified version", exactly as written (τ default 0.5): for the N rows
 * of view 1 only, logits_i = [pos_i, s_i0, …, s_i(2N−1)] with pos_i = z_i·z_j'/τ,
 * s = z zᵀ/τ and s_ii = −∞; target column 0; mean CE over the N rows.
 * Quirk kept on purpose: column N+i of s IS the positive again (not masked), so the positive
 * appears twice in the denominator and view 2's rows never act as anchors.
 */
export function nt_xent_simple<R extends Reduction = 'mean'>(
  z_i: F64Tensor,
  z_j: F64Tensor,
  opts: TemperatureOpts<R> = {},
): Reduced<R> {
  sameShape(z_i, z_j, 'nt_xent_simple');
  const tau = opts.temperature ?? 0.5;
  const A = normalizeRows(z_i, 'nt_xent_simple');
  const B = normalizeRows(z_j, 'nt_xent_simple');
  const Z = [...A, ...B];
  const data = Float64Array.from(A, (a, i) => {
    const pos = dot(a, B[i] ?? a) / tau;
    const logits = [pos, ...Z.map((zc, c) => (c === i ? -Infinity : dot(a, zc) / tau))];
    return logSumExp(logits) - pos;
  });
  return reduce({ shape: [A.length], data }, opts) as Reduced<R>;
}

/**
 * A SupCon-style loss over one view (test/tile*'s user-written my_supcon): each anchor's mean
 * log-probability of its positives (same label, another sample) against all other samples,
 * averaged over the anchors that have a positive; rows normalised (norm at least 1e-12).
 */
export function supconOneView(e: F64Tensor, label: F64Tensor, temperature = 0.5): number {
  const [N, D] = e.shape as [number, number];
  const z = Array.from({ length: N }, (_, i) => {
    const row = Array.from({ length: D }, (_, d) => e.data[i * D + d]!);
    const n = Math.max(Math.hypot(...row), 1e-12);
    return row.map((v) => v / n);
  });
  const s = (i: number, j: number): number => z[i]!.reduce((acc, v, d) => acc + v * z[j]![d]!, 0) / temperature;
  let total = 0;
  let anchors = 0;
  for (let i = 0; i < N; i++) {
    const others = Array.from({ length: N }, (_, k) => k).filter((k) => k !== i);
    const m = Math.max(...others.map((k) => s(i, k)));
    const denom = m + Math.log(others.reduce((acc, k) => acc + Math.exp(s(i, k) - m), 0));
    const pos = others.filter((j) => label.data[j] === label.data[i]);
    if (pos.length === 0) continue;
    total += -pos.reduce((acc, j) => acc + s(i, j) - denom, 0) / pos.length;
    anchors++;
  }
  return total / anchors;
}

/** The loss in the language whose definition supconOneView follows (a user's SupCon, written its own way). */
export const SUPCON_ONE_VIEW_SOURCE = `loss my_supcon(e: [N, D], label: int[N], temperature: real in [1e-4, inf) = 0.5) =
  mean(l, where: has_pos)
  where
    z[i]         = normalize(e, D)
    s[i, j]      = dot(z[i], z[j], D) / temperature
    is_pos[i, j] = label[i] == label[j] and i != j
    has_pos[i]   = any(is_pos[i, j], j)
    denom[i]     = logsumexp(s[i, k], k, where: k != i)
    l[i]         = -mean(s[i, j] - denom[i], j, where: is_pos[i, j])
`;
