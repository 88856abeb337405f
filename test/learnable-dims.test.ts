// A learnable parameter may be the only input with a dim: a center loss's `param centers: [C,
// D] = 0` beside `y: index[N] of C`. C is read from the parameter, which must then be given
// (it always is when trained: `<loss>_parameters({ C, D })` creates it). Values against sums
// written out here; the refusal with its message.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '../src/api.js';
import { initBackend } from '../src/eval/setup.js';
import { expectAgreement } from './fuzz/differential.js';
import { compiledModule, type LossModule } from './helpers/compiled.js';
import { expectThrowsClean } from './helpers/throws.js';

const SOURCE = 'loss center(x: [N, D], y: index[N] of C, param centers: [C, D] = 0) =\n  mean(sum((x - centers[y])^2, D)) / 2';

describe('a learnable parameter that fixes a dim', () => {
  let mod: LossModule;
  beforeAll(async () => {
    await initBackend('cpu');
    mod = await compiledModule(SOURCE, 'center.loss', 'learnable-dims');
  });

  it('trains the centers: created by center_parameters({ C, D }), the gradient pulls each toward its rows', () => {
    const params = (mod.center_parameters as unknown as (d: object) => { centers: tf.Variable })({ C: 3, D: 2 });
    expect(params.centers.shape).toEqual([3, 2]);
    const [x, y] = [tf.tensor2d([[1, 2], [3, 4], [5, 6]]), tf.tensor1d([0, 0, 2], 'int32')];
    const { value, grads } = tf.valueAndGrads((c: tf.Tensor) => mod.center!(x, y, { centers: c }))([params.centers]);
    // Centers at 0: (1 + 4 + 9 + 16 + 25 + 36) / 3 / 2.
    expect(value.dataSync()[0]).toBeCloseTo(91 / 6, 5);
    // d/dc_k = -Σ_{y_n = k} (x_n - c_k) / N: class 0 from rows 0 and 1, class 1 none, class 2 row 2.
    const want = [-4 / 3, -6 / 3, 0, 0, -5 / 3, -6 / 3];
    Array.from(grads[0]!.dataSync()).forEach((g, k) => expect(g, `d/dcenters[${k}]`).toBeCloseTo(want[k]!, 6));
    tf.dispose([x, y, value, ...grads, params.centers]);
  });

  it('refuses the call without the parameter, saying how to make it', () => {
    const [x, y] = [tf.tensor2d([[1, 2]]), tf.tensor1d([0], 'int32')];
    expectThrowsClean(() => mod.center!(x, y), [/^center: dimension C is fixed by no required input, only by the learnable parameter 'centers': pass it \(from center_parameters\(\{ C: \.\.\. \}\)\)$/], 'no centers');
    tf.dispose([x, y]);
  });

  it('evaluate, and module, evaluator and reference on random inputs', async () => {
    const r = await evaluate(SOURCE, 'center.loss', { loss: 'center', inputs: { x: [[1, 2]], y: [1], centers: [[0, 0], [1, 1]] }, backend: 'cpu' });
    expect(r.diagnostics).toEqual([]);
    expect(r.loss).toBeCloseTo((0 + 1) / 2, 6);
    await expectAgreement(SOURCE, 3, { optional: true });
  });
});
