// stdlib/metric.loss: triplets and pairs of [N, 128] embeddings; the pairwise losses on
// [N, 32] embeddings with N chosen so that their N×N (or 2N×2N, N×2N) matrix is the size.
import type * as tf from '@tensorflow/tfjs';
import * as base from '../baselines/metric.js';
import { batchHardTripletLoop } from '../baselines/loops.js';
import { binary, ints, normal } from './random.js';
import { PAIR_D, rowElements, rows, SIZES } from './sizes.js';
import { call, get, type BenchCase, type Dims } from './types.js';

const EMBED = 128;

function triple(loss: string, names: [string, string, string], baseline: (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.Scalar): BenchCase {
  const [a, b, c] = names;
  return {
    loss,
    file: 'metric',
    sizes: SIZES,
    unit: 'elements of each [N, 128] input',
    dims: rows(EMBED),
    elements: rowElements,
    inputs: (d, rng) => ({ [a]: normal(rng, [d.N!, d.K!]), [b]: normal(rng, [d.N!, d.K!]), [c]: normal(rng, [d.N!, d.K!]) }),
    wrt: names,
    compiled: (m, x, o) => call(m, loss, get(x, a), get(x, b), get(x, c), o),
    baseline: (x) => baseline(get(x, a), get(x, b), get(x, c)),
  };
}

/** N for an N×N matrix of `size` entries (`views` = 2 for the 2N×2N matrix of info_nce). */
const square =
  (rowsPerN: number, colsPerN: number) =>
  (size: number): Dims => ({ N: Math.max(2, Math.round(Math.sqrt(size / (rowsPerN * colsPerN)))), D: PAIR_D });

function twoViews(loss: string, temperature: number, rowsPerN: number, colsPerN: number, baseline: (zi: tf.Tensor, zj: tf.Tensor, t: number) => tf.Scalar): BenchCase {
  return {
    loss,
    file: 'metric',
    sizes: SIZES,
    unit: `entries of the ${rowsPerN === 1 ? 'N' : '2N'}×${colsPerN === 1 ? 'N' : '2N'} similarity matrix (D = ${PAIR_D})`,
    dims: square(rowsPerN, colsPerN),
    elements: (d) => rowsPerN * colsPerN * d.N! * d.N!,
    inputs: (d, rng) => ({ zi: normal(rng, [d.N!, d.D!]), zj: normal(rng, [d.N!, d.D!]) }),
    wrt: ['zi', 'zj'],
    compiled: (m, x, o) => call(m, loss, get(x, 'zi'), get(x, 'zj'), o),
    baseline: (x) => baseline(get(x, 'zi'), get(x, 'zj'), temperature),
    freshWorkerFrom: 1e6,
  };
}

export const METRIC: readonly BenchCase[] = [
  triple('triplet', ['a', 'p', 'n'], (a, p, n) => base.triplet(a, p, n)),
  {
    loss: 'contrastive',
    file: 'metric',
    sizes: SIZES,
    unit: 'elements of each [N, 128] input',
    dims: rows(EMBED),
    elements: rowElements,
    // Small embeddings, so that distances straddle the margin and both terms count.
    inputs: (d, rng) => ({ x1: normal(rng, [d.N!, d.K!], 0.05), x2: normal(rng, [d.N!, d.K!], 0.05), y: binary(rng, [d.N!]) }),
    wrt: ['x1', 'x2'],
    compiled: (m, x, o) => call(m, 'contrastive', get(x, 'x1'), get(x, 'x2'), get(x, 'y'), o),
    baseline: (x) => base.contrastive(get(x, 'x1'), get(x, 'x2'), get(x, 'y')),
  },
  triple('triplet_margin', ['a', 'pos', 'neg'], (a, p, n) => base.tripletMargin(a, p, n)),
  {
    loss: 'batch_hard_triplet',
    file: 'metric',
    sizes: SIZES,
    unit: `entries of the N×N distance matrix (D = ${PAIR_D})`,
    dims: square(1, 1),
    elements: (d) => d.N! * d.N!,
    inputs: (d, rng) => ({ e: normal(rng, [d.N!, d.D!]), label: ints(rng, [d.N!], 10) }),
    wrt: ['e'],
    compiled: (m, x, o) => call(m, 'batch_hard_triplet', get(x, 'e'), get(x, 'label'), o),
    baseline: (x) => base.batchHardTriplet(get(x, 'e'), get(x, 'label')),
    loop: (x) => batchHardTripletLoop(get(x, 'e'), get(x, 'label')),
    // At N = 1000 one forward call of the loop takes seconds; its backward pass, minutes.
    loopMaxSize: { backward: 1e5 },
    freshWorkerFrom: 1e6,
    note: 'baseline distances come from the Gram matrix (as torch.cdist computes them), floored at 1e-12 before sqrt',
  },
  twoViews('info_nce', 0.07, 2, 2, base.infoNce),
  twoViews('nt_xent_simple', 0.5, 1, 2, base.ntXentSimple),
];
