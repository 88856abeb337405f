// Peer options of the stdlib: Keras 3's ignore_class (sparse_categorical_crossentropy), smp's
// `classes` (DiceLoss, JaccardLoss, TverskyLoss) and `reduced_threshold` (FocalLoss). Checked
// against float64 oracles written from the peers' code (test/oracle/peer-options.ts), central
// differences, the float32 module against the evaluator, extreme inputs, and the refusals by
// their messages.
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { check, evaluate } from '../src/api.js';
import { fsHost } from '../src/cli/files.js';
import { initBackend } from '../src/eval/setup.js';
import { differentiate } from '../src/grad/index.js';
import type { IrFunction } from '../src/ir/types.js';
import { evaluateReference, gradientsReference } from '../src/reference/evaluate.js';
import { compiledModule, type LossModule } from './helpers/compiled.js';
import { expectThrowsClean } from './helpers/throws.js';
import { kerasSparseCe, smpDice, smpFocalMulticlass, smpFocalWithLogits, type KerasReduction } from './oracle/peer-options.js';
import { fdGrad, maxAbsErr } from './oracle/fd.js';
import { mulberry32 } from './oracle/tensor.js';

const CLS_FILE = 'stdlib/classification.loss';
const SEG_FILE = 'stdlib/segmentation.loss';
const CLS = readFileSync(CLS_FILE, 'utf8');
const SEG = readFileSync(SEG_FILE, 'utf8');

let cls: LossModule;
let seg: LossModule;
let clsFns: IrFunction[];
let segFns: IrFunction[];
beforeAll(async () => {
  await initBackend('wasm');
  cls = await compiledModule(CLS, CLS_FILE, 'peer-options-cls', { host: fsHost });
  seg = await compiledModule(SEG, SEG_FILE, 'peer-options-seg', { host: fsHost });
  clsFns = check(CLS, CLS_FILE, { host: fsHost }).losses;
  segFns = check(SEG, SEG_FILE, { host: fsHost }).losses;
}, 180_000);
const fnOf = (fns: IrFunction[], name: string): IrFunction => fns.find((f) => f.name === name)!;
const ref = (data: readonly number[], shape: number[]) => ({ shape, data: Float64Array.from(data) });

function rng(seed: number): () => number {
  const r = mulberry32(seed);
  return () => r.next();
}
const nested3 = (B: number, C: number, S: number, f: () => number): number[][][] => Array.from({ length: B }, () => Array.from({ length: C }, () => Array.from({ length: S }, f)));
const unflat3 = (d: ArrayLike<number>, B: number, C: number, S: number): number[][][] => Array.from({ length: B }, (_, b) => Array.from({ length: C }, (_, c) => Array.from({ length: S }, (_, s) => d[(b * C + c) * S + s]!)));

// ---- Keras 3's ignore_class -------------------------------------------------------------------

describe('sparse_categorical_crossentropy with ignore_class (Keras 3)', () => {
  const r = rng(21);
  const logits = Array.from({ length: 8 }, () => Array.from({ length: 4 }, () => Math.fround(6 * r() - 3)));
  const probs = logits.map((row) => {
    const z = row.reduce((a, v) => a + Math.exp(v), 0);
    return row.map((v) => Math.fround(Math.exp(v) / z));
  });
  const t = [0, 255, 3, 1, 255, 2, 2, 0];
  const u = Array.from({ length: 8 }, () => Math.fround(0.5 + r()));
  const MODES: readonly [KerasReduction, 'mean' | 'sum' | 'none' | 'sum_over_batch_size'][] = [
    ['sum_over_batch_size', 'mean'],
    ['sum', 'sum'],
    ['none', 'none'],
  ];

  it('the float64 reference equals Keras: loss 0 at ignored rows, the mean over the kept ones, and sample weights under sum_over_batch_size', () => {
    const fn = fnOf(clsFns, 'sparse_categorical_crossentropy');
    for (const [fromLogits, rows] of [
      [true, logits],
      [false, probs],
    ] as const) {
      const inputs = { y_pred: ref(rows.flat(), [8, 4]), t: ref(t, [8]) };
      const hypers = { from_logits: fromLogits ? 1 : 0, ignore_class: 255 };
      for (const [keras, ours] of MODES) {
        const got = Array.from(evaluateReference(fn, inputs, hypers, ours === 'mean' ? {} : { reduction: ours }).data);
        const want = [kerasSparseCe(rows, t, { fromLogits, ignoreClass: 255, reduction: keras })].flat();
        // Keras divides by the kept count plus 1e-7: a relative 1e-7 / 6 here.
        expect(maxAbsErr(got, want), `${fromLogits} ${keras}`).toBeLessThan(3e-8 * Math.max(1, ...want.map(Math.abs)));
      }
      const weighted = evaluateReference(fn, inputs, hypers, { reduction: 'sum_over_batch_size', weights: ref(u, [8]) }).data[0]!;
      const kerasWeighted = kerasSparseCe(rows, t, { fromLogits, ignoreClass: 255, sampleWeight: u }) as number;
      expect(Math.abs(weighted - kerasWeighted)).toBeLessThan(3e-8 * Math.max(1, kerasWeighted));
      // The gradient: central differences of Keras's own definition.
      const { grads } = gradientsReference(differentiate(fn).fn!, inputs, hypers);
      const fd = fdGrad((xs) => kerasSparseCe(Array.from({ length: 8 }, (_, i) => Array.from(xs.data.slice(i * 4, i * 4 + 4))), t, { fromLogits, ignoreClass: 255 }) as number, [{ shape: [8, 4], data: Float64Array.from(rows.flat()) }], 0);
      expect(maxAbsErr(grads.y_pred!.data, fd.data), `${fromLogits} d/dy_pred`).toBeLessThan(1e-7);
      expect(Array.from(grads.y_pred!.data.slice(4, 8))).toEqual([0, 0, 0, 0]);
    }
  });

  it('the float32 module agrees with Keras and the evaluator with the module; every row ignored gives 0 with gradient 0, as Keras', async () => {
    const x = tf.tensor2d(logits);
    const tt = tf.tensor1d(t, 'int32');
    for (const [keras, ours] of MODES) {
      const got = Array.from(cls.sparse_categorical_crossentropy!(x, tt, { from_logits: true, ignore_class: 255, ...(ours === 'mean' ? {} : { reduction: ours }) }).dataSync());
      const want = [kerasSparseCe(logits, t, { fromLogits: true, ignoreClass: 255, reduction: keras })].flat();
      expect(maxAbsErr(got, want), keras).toBeLessThan(2e-6);
      if (ours !== 'sum') {
        const e = await evaluate(CLS, CLS_FILE, { host: fsHost, loss: 'sparse_categorical_crossentropy', inputs: { y_pred: logits, t, from_logits: 1, ignore_class: 255 }, ...(ours === 'mean' ? {} : { reduction: ours }), backend: 'wasm' });
        expect([e.loss].flat(), `${keras}: evaluator = module`).toEqual(got);
      }
    }
    const all = tf.fill([8], 255, 'int32');
    const { value, grad } = tf.valueAndGrad((a: tf.Tensor) => cls.sparse_categorical_crossentropy!(a, all, { from_logits: true, ignore_class: 255 }) as tf.Scalar)(x);
    expect(value.dataSync()[0]).toBe(kerasSparseCe(logits, Array<number>(8).fill(255), { fromLogits: true, ignoreClass: 255 }));
    expect(value.dataSync()[0]).toBe(0);
    expect(Array.from(grad.dataSync(), (g) => g + 0)).toEqual(Array<number>(32).fill(0));
    // Logits of ±1e4: finite, Keras's value.
    const big = logits.map((row) => row.map((v) => v * 3000));
    const bx = tf.tensor2d(big);
    const v = cls.sparse_categorical_crossentropy!(bx, tt, { from_logits: true, ignore_class: 255 }).dataSync()[0]!;
    const bw = kerasSparseCe(big, t, { fromLogits: true, ignoreClass: 255 }) as number;
    expect(Math.abs(v - bw)).toBeLessThan(2e-6 * bw);
    tf.dispose([x, tt, all, value, grad, bx]);
  }, 120_000);

  it('by default (Keras None) no label is ignored: -1 or 255 is refused, naming the classes', () => {
    const x = tf.tensor2d([[1, 2, 3], [0, 0, 1]]);
    const bad = tf.tensor1d([2, -1], 'int32');
    expectThrowsClean(() => cls.sparse_categorical_crossentropy!(x, bad, { from_logits: true }), [/^sparse_categorical_crossentropy: input 't' holds -1, which is not a class index of C in \[0, 3\)/], '-1');
    const v = cls.sparse_categorical_crossentropy!(x, bad, { from_logits: true, ignore_class: -1 }).dataSync()[0]!;
    expect(v).toBeCloseTo(Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)) - 3, 5);
    tf.dispose([x, bad]);
  });
});

// ---- smp: classes, reduced_threshold -----------------------------------------------------------

describe("smp's classes (DiceLoss, JaccardLoss, TverskyLoss)", () => {
  const r = rng(31);
  const [B, C, S] = [2, 4, 5];
  const x = nested3(B, C, S, () => Math.fround(4 * r() - 2));
  const y = nested3(B, C, S, () => (r() < 0.4 ? 1 : 0));
  y.forEach((row) => row[2]!.fill(0)); // class 2 has no true pixel: smp zeroes its loss
  const t = Array.from({ length: B }, () => Array.from({ length: S }, () => Math.floor(r() * C)));
  t[0]![1] = -100;
  const OPTIONS = [
    { score: 'dice' as const, classes: [1, 3] },
    { score: 'jaccard' as const, classes: [0, 2, 3], logLoss: true },
    { score: 'tversky' as const, classes: [3], alpha: 0.3, beta: 0.7, gamma: 1.5, smooth: 1 },
    { score: 'dice' as const },
  ];
  const mask = (classes?: readonly number[]) => Array.from({ length: C }, (_, c) => (!classes || classes.includes(c) ? 1 : 0));
  const hypersOf = (o: (typeof OPTIONS)[number]) => ({ score: ['dice', 'jaccard', 'tversky'].indexOf(o.score), log_loss: o.logLoss ? 1 : 0, smooth: o.smooth ?? 0, alpha: o.alpha ?? 0.5, beta: o.beta ?? 0.5, gamma: o.gamma ?? 1 });

  it('the float64 reference equals smp: the mean of loss[classes], softmax/sigmoid over every class; gradients by central differences', () => {
    for (const o of OPTIONS) {
      const classes = ref(mask(o.classes), [C]);
      const hypers = hypersOf(o);
      const ml = fnOf(segFns, 'smp_dice');
      const got = evaluateReference(ml, { x: ref(x.flat(2), [B, C, S]), y: ref(y.flat(2), [B, C, S]), classes }, hypers).data[0]!;
      expect(Math.abs(got - smpDice(x, { y }, o)), `multilabel ${o.score}`).toBeLessThan(1e-12);
      const mc = fnOf(segFns, 'smp_dice_multiclass');
      const inputs = { x: ref(x.flat(2), [B, C, S]), t: ref(t.flat(), [B, S]), classes };
      const gotMc = evaluateReference(mc, inputs, { ...hypers, ignore_index: -100 }).data[0]!;
      expect(Math.abs(gotMc - smpDice(x, { t, ignoreIndex: -100 }, o)), `multiclass ${o.score}`).toBeLessThan(1e-12);
      const { grads } = gradientsReference(differentiate(mc).fn!, inputs, { ...hypers, ignore_index: -100 });
      const fd = fdGrad((xs) => smpDice(unflat3(xs.data, B, C, S), { t, ignoreIndex: -100 }, o), [{ shape: [B, C, S], data: Float64Array.from(x.flat(2)) }], 0);
      expect(maxAbsErr(grads.x!.data, fd.data), `multiclass ${o.score} d/dx`).toBeLessThan(1e-8);
    }
  });

  it('the float32 module agrees with smp and the evaluator with the module; no class counted gives NaN (smp: the mean of nothing); values outside {0, 1} are refused', async () => {
    const xt = tf.tensor3d(x);
    const yt = tf.tensor3d(y);
    const tt = tf.tensor2d(t, undefined, 'int32');
    for (const o of OPTIONS) {
      const classes = tf.tensor1d(mask(o.classes));
      const hypers = { ...hypersOf(o), score: o.score, log_loss: o.logLoss ?? false };
      const v = seg.smp_dice!(xt, yt, { ...hypers, classes }).dataSync()[0]!;
      expect(Math.abs(v - smpDice(x, { y }, o)), o.score).toBeLessThan(2e-6);
      const vm = seg.smp_dice_multiclass!(xt, tt, { ...hypers, classes }).dataSync()[0]!;
      expect(Math.abs(vm - smpDice(x, { t, ignoreIndex: -100 }, o)), o.score).toBeLessThan(2e-6);
      if (o.score === 'tversky') {
        const e = await evaluate(SEG, SEG_FILE, { host: fsHost, loss: 'smp_dice_multiclass', inputs: { x, t, classes: mask(o.classes), ...hypers }, backend: 'wasm' });
        expect(e.loss, `${o.score}: evaluator = module`).toBe(vm);
      }
      tf.dispose(classes);
    }
    const none = tf.zeros([C]);
    expect(seg.smp_dice!(xt, yt, { classes: none }).dataSync()[0]).toBeNaN();
    const half = tf.tensor1d([1, 0.5, 0, 1]);
    expectThrowsClean(() => seg.smp_dice!(xt, yt, { classes: half }), [/^smp_dice: .*'classes'.*0\.5/], 'classes 0.5');
    tf.dispose([xt, yt, tt, none, half]);
  }, 120_000);
});

describe("smp's reduced_threshold (FocalLoss, reduced focal loss)", () => {
  const r = rng(41);
  const [B, C, S] = [2, 3, 4];
  const x = nested3(B, C, S, () => Math.fround(6 * r() - 3));
  const y = nested3(B, C, S, () => (r() < 0.5 ? 1 : 0));
  const t = Array.from({ length: B }, () => Array.from({ length: S }, () => Math.floor(r() * C)));
  t[1]![2] = -100;
  const OPTIONS = [
    { reducedThreshold: 0.5 },
    { reducedThreshold: 0.3, alpha: 0.25, gamma: 1.5 },
    { reducedThreshold: 0.7, normalized: true },
    {},
  ];
  const hypersOf = (o: (typeof OPTIONS)[number]) => ({ gamma: 'gamma' in o ? o.gamma! : 2, use_alpha: 'alpha' in o ? 1 : 0, alpha: 'alpha' in o ? o.alpha! : 0.25, normalized: 'normalized' in o ? 1 : 0, reduced_threshold: 'reducedThreshold' in o ? o.reducedThreshold! : 0 });

  it('the float64 reference equals smp (binary/multilabel and multiclass), gradients by central differences', () => {
    for (const o of OPTIONS) {
      const hypers = hypersOf(o);
      const ml = fnOf(segFns, 'smp_focal');
      const inputs = { x: ref(x.flat(2), [B, C, S]), y: ref(y.flat(2), [B, C, S]) };
      const got = evaluateReference(ml, inputs, hypers).data[0]!;
      expect(Math.abs(got - smpFocalWithLogits(x.flat(2), y.flat(2), o)), JSON.stringify(o)).toBeLessThan(1e-12);
      const { grads } = gradientsReference(differentiate(ml).fn!, inputs, hypers);
      const fd = fdGrad((xs) => smpFocalWithLogits(Array.from(xs.data), y.flat(2), o), [{ shape: [B, C, S], data: Float64Array.from(x.flat(2)) }], 0);
      expect(maxAbsErr(grads.x!.data, fd.data), `${JSON.stringify(o)} d/dx`).toBeLessThan(1e-8);
      const mc = fnOf(segFns, 'smp_focal_multiclass');
      const gotMc = evaluateReference(mc, { x: inputs.x, t: ref(t.flat(), [B, S]) }, { ...hypers, ignore_index: -100 }).data[0]!;
      expect(Math.abs(gotMc - smpFocalMulticlass(x, t, { ...o, ignoreIndex: -100 })), `multiclass ${JSON.stringify(o)}`).toBeLessThan(1e-12);
    }
  });

  it('the float32 module agrees with smp; where p_t < r the term is 1 with gradient of the BCE alone; extreme logits stay finite', async () => {
    const xt = tf.tensor3d(x);
    const yt = tf.tensor3d(y);
    const tt = tf.tensor2d(t, undefined, 'int32');
    for (const o of OPTIONS) {
      const h = hypersOf(o);
      const options = { ...h, use_alpha: h.use_alpha === 1, normalized: h.normalized === 1 };
      const v = seg.smp_focal!(xt, yt, options).dataSync()[0]!;
      expect(Math.abs(v - smpFocalWithLogits(x.flat(2), y.flat(2), o)), JSON.stringify(o)).toBeLessThan(2e-6);
      const vm = seg.smp_focal_multiclass!(xt, tt, options).dataSync()[0]!;
      expect(Math.abs(vm - smpFocalMulticlass(x, t, { ...o, ignoreIndex: -100 })), JSON.stringify(o)).toBeLessThan(2e-6);
      if (o === OPTIONS[1]) {
        const e = await evaluate(SEG, SEG_FILE, { host: fsHost, loss: 'smp_focal', inputs: { x, y, ...h }, backend: 'wasm' });
        expect(e.loss, `${JSON.stringify(o)}: evaluator = module`).toBe(v);
      }
    }
    // One wrong logit of 20 (p_t ≈ 2e-9 < r): its term is 1, its gradient σ(x) − y over the count.
    const one = tf.tensor3d([[[20]]]);
    const zero = tf.tensor3d([[[0]]]);
    const g = tf.grad((a: tf.Tensor) => seg.smp_focal!(a, zero, { reduced_threshold: 0.5 }) as tf.Scalar)(one).dataSync()[0]!;
    expect(Math.abs(g - 1 / (1 + Math.exp(-20)))).toBeLessThan(1e-6);
    expect(seg.smp_focal!(one, zero, { reduced_threshold: 0.5 }).dataSync()[0]).toBeCloseTo(smpFocalWithLogits([20], [0], { reducedThreshold: 0.5 }), 4);
    // Logits of ±1e4 and a small threshold: finite, smp's value.
    const big = x.map((row) => row.map((col) => col.map((v) => v * 3000)));
    const bt = tf.tensor3d(big);
    const bv = seg.smp_focal!(bt, yt, { reduced_threshold: 0.01, gamma: 3 }).dataSync()[0]!;
    const want = smpFocalWithLogits(big.flat(2), y.flat(2), { reducedThreshold: 0.01, gamma: 3 });
    expect(Number.isFinite(bv)).toBe(true);
    expect(Math.abs(bv - want)).toBeLessThan(3e-6 * want);
    tf.dispose([xt, yt, tt, one, zero, bt]);
  }, 120_000);
});
