// stdlib/segmentation.loss: binary masks as [N, 100] probabilities and targets; multi-class
// logits [N, 4, H, W] with class-index targets [N, H, W].
import * as base from '../baselines/segmentation.js';
import { multiclassDiceLoop } from '../baselines/loops.js';
import { binary, ints, normal, uniform } from './random.js';
import { imageElements, images, rowElements, rows, SIZES } from './sizes.js';
import { call, get, type BenchCase } from './types.js';

const CLASSES = 4;

function binaryMask(loss: string, baseline: BenchCase['baseline']): BenchCase {
  return {
    loss,
    file: 'segmentation',
    sizes: SIZES,
    unit: 'elements of p',
    dims: rows(100),
    elements: rowElements,
    inputs: (d, rng) => ({ p: uniform(rng, [d.N!, d.K!]), t: binary(rng, [d.N!, d.K!]) }),
    wrt: ['p'],
    compiled: (m, x, o) => call(m, loss, get(x, 'p'), get(x, 't'), o),
    baseline,
  };
}

function multiClass(loss: string, baseline: BenchCase['baseline'], loop?: BenchCase['loop']): BenchCase {
  return {
    loss,
    file: 'segmentation',
    sizes: SIZES,
    unit: `elements of x [N, ${CLASSES}, H, W]`,
    dims: images(CLASSES),
    elements: imageElements,
    inputs: (d, rng) => ({ x: normal(rng, [d.N!, d.C!, d.H!, d.W!]), t: ints(rng, [d.N!, d.H!, d.W!], d.C!) }),
    wrt: ['x'],
    compiled: (m, x, o) => call(m, loss, get(x, 'x'), get(x, 't'), o),
    baseline,
    ...(loop ? { loop } : {}),
  };
}

export const SEGMENTATION: readonly BenchCase[] = [
  binaryMask('dice', (x) => base.dice(get(x, 'p'), get(x, 't'))),
  multiClass('multiclass_dice', (x) => base.multiclassDice(get(x, 'x'), get(x, 't')), (x) => multiclassDiceLoop(get(x, 'x'), get(x, 't'))),
  multiClass('ce_dice', (x) => base.ceDice(get(x, 'x'), get(x, 't'))),
  binaryMask('tversky', (x) => base.tversky(get(x, 'p'), get(x, 't'))),
];
