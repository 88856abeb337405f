// Reductions over an axis of size 0 give the language's empty value (docs/language.md: what
// `where:` gives when it selects nothing) on every backend, through the generated module and
// the evaluator: tfjs-wasm reduces an empty tensor to uninitialised memory (giou_loss of no
// boxes was 3.57e-41 there, 0 on cpu). The expected values are worked out by hand below.
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from './helpers/compile-cache.js';
import { evaluateTfjs, valueAndGradsTfjs } from '../src/eval/evaluate.js';
import { initBackend } from '../src/eval/setup.js';
import type { IrFunction } from '../src/ir/types.js';
import { importModule } from './fuzz/compare.js';
import type { LossFunction } from './fuzz/inputs.js';

const DETECTION = 'stdlib/detection.loss';
// Each reduction kind, over N which may be 0, in one loss; and a masked max with its own empty.
const OWN = [
  'loss kinds(x: [N, C], k: int[N], w: [C] = 1) = sum(max(x, N) + w) + real(sum(k)) + (if any(x > 0) then 1 else 0) + (if all(x > 0) then 10 else 0) + sum(min(x, N)) + sum(prod(x, N))',
  'loss masked(x: [...]) = mean(x) + 100 * max(x, where: x > 0, empty: 7)',
  'loss rows(x: [N, C]) = mean(logsumexp(x, C))',
].join('\n');

let mod: Record<string, LossFunction>;
let fns: IrFunction[];

beforeAll(async () => {
  const det = await compile(readFileSync(DETECTION, 'utf8'), DETECTION);
  const own = await compile(OWN, 'own.loss');
  expect(det.code && own.code, JSON.stringify(own.diagnostics.map((d) => d.message))).toBeTruthy();
  mod = { ...(await importModule<Record<string, LossFunction>>(det.code!, 'empty')), ...(await importModule<Record<string, LossFunction>>(own.code!, 'empty')) };
  fns = [...det.losses, ...own.losses];
}, 120_000);

const fn = (name: string): IrFunction => fns.find((f) => f.name === name)!;

describe.each(['wasm', 'cpu'] as const)('on %s', (backend) => {
  beforeAll(async () => {
    expect(await initBackend(backend)).toBe(backend);
  });

  it('giou_loss of no boxes is 0 (the empty mean), its gradient empty, module and evaluator', () => {
    const [p, t] = [tf.zeros([0, 4]), tf.zeros([0, 4])];
    for (const [what, v] of [
      ['module', mod.giou_loss!(p, t)],
      ['module, sum', mod.giou_loss!(p, t, { reduction: 'sum' })],
      ['evaluator', evaluateTfjs(fn('giou_loss'), { p, t }, {})],
      ['evaluator, sum', evaluateTfjs(fn('giou_loss'), { p, t }, {}, { reduction: 'sum' })],
      ['module, weighted mean', mod.giou_loss!(p, t, { weights: tf.zeros([0]) })],
    ] as const) {
      expect(Array.from(v.dataSync()), what).toEqual([0]);
      v.dispose();
    }
    const none = mod.giou_loss!(p, t, { reduction: 'none' });
    expect(none.shape).toEqual([0]);
    none.dispose();
    const [g] = tf.grads((a: tf.Tensor) => mod.giou_loss!(a, t))([p]);
    expect(g!.shape).toEqual([0, 4]);
    const r = valueAndGradsTfjs(fn('giou_loss'), { p, t }, {}, ['p']);
    expect(Array.from(r.value.dataSync())).toEqual([0]);
    expect(r.grads.p!.shape).toEqual([0, 4]);
    tf.dispose([p, t, g!, r.value, r.grads.p!]);
  });

  it('each reduction over an empty N: sum 0, max and min 0, prod 1, any false, all true', () => {
    // C = 2 columns and no rows: max(x, N) = [0, 0], + w = [1, 1], summed 2; sum(k) = 0;
    // any 0; all 10; min 0 + 0; prod 1 + 1 = 2. Total 14.
    const [x, k] = [tf.zeros([0, 2]), tf.zeros([0], 'int32')];
    for (const v of [mod.kinds!(x, k), evaluateTfjs(fn('kinds'), { x, k }, {})]) {
      expect(Array.from(v.dataSync())).toEqual([14]);
      v.dispose();
    }
    // One row [1, -2], k = [1]: max = [1, -2] + 1 → 0 + (-1)... = 2 + (-1) = 1; sum(k) = 1;
    // any 1; all 0; min = [1, -2] summed -1; prod = [1, -2] summed -1. Total 1.
    const [x1, k1] = [tf.tensor([[1, -2]]), tf.tensor([1], [1], 'int32')];
    for (const v of [mod.kinds!(x1, k1), evaluateTfjs(fn('kinds'), { x: x1, k: k1 }, {})]) {
      expect(Array.from(v.dataSync())).toEqual([1]);
      v.dispose();
    }
    tf.dispose([x, k, x1, k1]);
  });

  it("a masked reduction over an empty axis gives its own 'empty:', a leading '...' of size 0 too", () => {
    // mean of nothing 0, max of nothing 7: 0 + 700.
    for (const shape of [[0, 3], [3, 0], [0]]) {
      const x = tf.zeros(shape);
      for (const v of [mod.masked!(x), evaluateTfjs(fn('masked'), { x }, {})]) {
        expect(Array.from(v.dataSync()), `shape [${shape.join(', ')}]`).toEqual([700]);
        v.dispose();
      }
      x.dispose();
    }
    // Not empty: mean(1, -2, 3) = 2/3, max of the positive ones 3.
    const x = tf.tensor([[1, -2, 3]]);
    const v = mod.masked!(x);
    expect(v.dataSync()[0]).toBeCloseTo(2 / 3 + 300, 4);
    tf.dispose([x, v]);
  });

  it('logsumexp of an empty row is -inf, its empty value, on every backend', () => {
    const x = tf.zeros([2, 0]);
    for (const v of [mod.rows!(x), evaluateTfjs(fn('rows'), { x }, {})]) {
      expect(Array.from(v.dataSync())).toEqual([-Infinity]);
      v.dispose();
    }
    x.dispose();
  });
});
