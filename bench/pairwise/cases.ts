// The pairwise bench's cases: for each loss, its seeded inputs at batch size N, the inputs a
// training step differentiates, the expert's hand-written tfjs version (baselines/metric.ts)
// and how to call lossc's compiled version. Data only; bench/pairwise/worker.ts times them.
import * as tf from '@tensorflow/tfjs';
import * as base from '../baselines/metric.js';

/** The embedding width of every case (SimCLR's projection head; the setting). */
export const D = 128;
/** The center loss's class count (its learnable table is [C, D]). */
export const CENTER_CLASSES = 1000;

export type Impl = (x: Record<string, tf.Tensor>) => tf.Scalar;
export type CompiledModule = Record<string, (...a: unknown[]) => tf.Scalar>;

export interface PairwiseCase {
  /** The compiled file the loss is in: stdlib/metric.loss or bench/pairwise/user.loss. */
  readonly module: 'metric' | 'user';
  readonly inputs: (n: number) => Record<string, tf.Tensor>;
  /** The inputs a training step differentiates, in order. */
  readonly wrt: readonly string[];
  readonly expert: Impl;
  readonly compiled: (m: CompiledModule) => Impl;
}

/** The .loss source each module name is compiled from. */
export const MODULE_SOURCES: Readonly<Record<PairwiseCase['module'], string>> = {
  metric: 'stdlib/metric.loss',
  user: 'bench/pairwise/user.loss',
};

/** Seeded values, roughly normal (a sum of three uniforms), as float32. */
function normal(seed: number, shape: [number, number], scale = 1): tf.Tensor {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const data = Float32Array.from({ length: shape[0] * shape[1] }, () => (next() + next() + next() - 1.5) * 2 * scale);
  return tf.tensor2d(data, shape);
}

/** Class labels 0..classes-1, each class about equally often. */
function labels(n: number, classes: number): tf.Tensor {
  return tf.tensor1d(Array.from({ length: n }, (_, i) => (i * 7) % classes), 'int32');
}

/** A compiled loss called with the named inputs in order (default options). */
const call =
  (loss: string, args: readonly string[]) =>
  (m: CompiledModule): Impl => {
    const f = m[loss];
    if (typeof f !== 'function') throw new Error(`the compiled module has no loss '${loss}'`);
    return (x) => f(...args.map((a) => x[a]));
  };

export const CASES: Readonly<Record<string, PairwiseCase>> = {
  info_nce: {
    module: 'metric',
    inputs: (n) => ({ zi: normal(1, [n, D]), zj: normal(2, [n, D]) }),
    wrt: ['zi', 'zj'],
    expert: (x) => base.infoNce(x.zi!, x.zj!, 0.07),
    compiled: call('info_nce', ['zi', 'zj']),
  },
  nt_xent_simple: {
    module: 'metric',
    inputs: (n) => ({ zi: normal(1, [n, D]), zj: normal(2, [n, D]) }),
    wrt: ['zi', 'zj'],
    expert: (x) => base.ntXentSimple(x.zi!, x.zj!, 0.5),
    compiled: call('nt_xent_simple', ['zi', 'zj']),
  },
  batch_hard_triplet: {
    module: 'metric',
    inputs: (n) => ({ e: normal(3, [n, D], 0.1), label: labels(n, 10) }),
    wrt: ['e'],
    expert: (x) => base.batchHardTriplet(x.e!, x.label!),
    compiled: call('batch_hard_triplet', ['e', 'label']),
  },
  contrastive_pairs: {
    module: 'user',
    inputs: (n) => ({ e: normal(4, [n, D], 0.1), label: labels(n, 10) }),
    wrt: ['e'],
    expert: (x) => base.contrastivePairs(x.e!, x.label!),
    compiled: call('contrastive_pairs', ['e', 'label']),
  },
  supcon: {
    module: 'user',
    inputs: (n) => ({ z: normal(5, [n, D]), label: labels(n, 10) }),
    wrt: ['z'],
    expert: (x) => base.supcon(x.z!, x.label!),
    compiled: call('supcon', ['z', 'label']),
  },
  // A learnable [C, D] table indexed by labels: the gather whose backward must stay O(N·D + C·D).
  center: {
    module: 'user',
    inputs: (n) => ({ x: normal(6, [n, D]), y: labels(n, CENTER_CLASSES), centers: normal(7, [CENTER_CLASSES, D]) }),
    wrt: ['x', 'centers'],
    expert: (x) => base.center(x.x!, x.y!, x.centers!),
    compiled: call('center', ['x', 'y', 'centers']),
  },
};
