// checkFinite also checks the reduced loss. Its diagnosis looks at the per-sample losses; when
// those are finite, their mean or sum may still not be (a sum past float32's largest value, an
// infinite weight), and the call returned that Infinity without the error checkFinite promises.

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../src/api.js';
import { compiledModule } from './helpers/compiled.js';
import { runTorchDriver, torchMissing } from './helpers/torch.js';

const SOURCE = 'loss m(x: [N]) = mean(x)\n';
// Each per-sample loss is finite (float32's largest is 3.4028e38); their sum is not.
const BIG = [3e38, 3e38, 1];
const OVERFLOW = "m: the loss is Infinity (checkFinite): the per-sample losses are finite, but their reduction 'mean' is not: their sum passes float32's largest value, 3.4e38";
const SUM = "m: the loss is Infinity (checkFinite): the per-sample losses are finite, but their reduction 'sum' is not: their sum passes float32's largest value, 3.4e38";
const WEIGHTED = "m: the loss is Infinity (checkFinite): the per-sample losses are finite, but their reduction 'mean' with weights is not: a weight is not finite, or their sum passes float32's largest value, 3.4e38";

describe('checkFinite checks the reduced loss', () => {
  it.each(['wasm', 'cpu'] as const)('in the generated module (%s)', async (backend) => {
    await tf.setBackend(backend);
    const mod = await compiledModule(SOURCE, 'm.loss', 'finite-reduced');
    // Without checkFinite the overflow is returned, as tfjs computes it.
    expect(mod.m!(BIG, { reduction: 'sum' }).dataSync()[0]).toBe(Infinity);
    expect(() => mod.m!(BIG, { checkFinite: true, reduction: 'sum' })).toThrow(SUM);
    // The mean of the same values, 2e38, is a float32: wasm's Mean sums first and overflows,
    // cpu's does not.
    if (backend === 'wasm') expect(() => mod.m!(BIG, { checkFinite: true })).toThrow(OVERFLOW);
    else expect(mod.m!(BIG, { checkFinite: true }).dataSync()[0]).toBeCloseTo(2e38, -32);
    // An infinite weight: ∞ / ∞ (NaN) or ∞, as the backend's sums give it.
    expect(() => mod.m!([1, 2, 3], { checkFinite: true, weights: [1, Infinity, 1] })).toThrow(new RegExp(`^m: the loss is (NaN|Infinity) \\(checkFinite\\)${WEIGHTED.slice(WEIGHTED.indexOf(': the per-sample')).replace(/[.()']/g, '\\$&')}$`));
    // Finite values pass, and per-sample losses are returned as they are.
    expect(mod.m!([1, 2, 3], { checkFinite: true }).dataSync()[0]).toBeCloseTo(2, 6);
    expect(Array.from(mod.m!(BIG, { checkFinite: true, reduction: 'none' }).dataSync())).toEqual([Math.fround(3e38), Math.fround(3e38), 1]);
    const before = tf.memory().numTensors;
    expect(() => mod.m!(BIG, { checkFinite: true, reduction: 'sum' })).toThrow(SUM);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('in the evaluator', async () => {
    const r = await evaluate(SOURCE, 'm.loss', { loss: 'm', inputs: { x: BIG }, backend: 'cpu', checkFinite: true, reduction: 'sum' });
    expect(r.diagnostics.map((d) => d.message)).toEqual([`evaluation failed: ${SUM}`]);
  });

  it.skipIf(torchMissing())('in the PyTorch module', async () => {
    const driver = [
      'x = torch.tensor(json.load(sys.stdin), dtype=torch.float32)',
      'out = []',
      'for kw in [{}, {"reduction": "sum"}]:',
      '    try:',
      '        mod.m(x, checkFinite=True, **kw)',
      '        out.append("no error")',
      '    except ValueError as e:',
      '        out.append(str(e))',
      'out.append(float(mod.m(torch.tensor([1.0, 2.0, 3.0]), checkFinite=True)))',
      'print(json.dumps(out))',
    ].join('\n');
    expect(await runTorchDriver<unknown[]>('finite-reduced', 'm.loss', SOURCE, driver, BIG)).toEqual([OVERFLOW, SUM, 2]);
  });
});
