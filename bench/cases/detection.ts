// stdlib/detection.loss: [N, 4] predicted boxes near [N, 4] target boxes.
import * as base from '../baselines/detection.js';
import { boxes, jitter } from './random.js';
import { rowElements, rows, SIZES } from './sizes.js';
import { call, get, type BenchCase } from './types.js';

function boxCase(loss: string, baseline: BenchCase['baseline']): BenchCase {
  return {
    loss,
    file: 'detection',
    sizes: SIZES,
    unit: 'elements of p [N, 4]',
    dims: rows(4),
    elements: rowElements,
    inputs: (d, rng) => {
      const t = boxes(rng, d.N!);
      return { p: jitter(rng, t, 20), t };
    },
    wrt: ['p'],
    compiled: (m, x, o) => call(m, loss, get(x, 'p'), get(x, 't'), o),
    baseline,
  };
}

export const DETECTION: readonly BenchCase[] = [
  boxCase('iou_loss', (x) => base.iouLoss(get(x, 'p'), get(x, 't'))),
  boxCase('giou_loss', (x) => base.giouLoss(get(x, 'p'), get(x, 't'))),
];
