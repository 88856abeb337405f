// MONAI's class `weight` in the stdlib's monai_dice, monai_focal and monai_dice_focal, against
// a float64 oracle written from MONAI 1.5.0's code (test/oracle/monai-weight.ts), central
// differences of it (along x and along the weight), the generated module with class indices as
// int32, and real PyTorch running MONAI's own loss classes (test/torch/monai_losses.py).
// lossc's weight is [C]: without the background MONAI's kept-channel weights are weight[1:].
// monai_dice_ce takes no weight (DiceCELoss's weighted cross-entropy mean depends on the form
// the target was given in, which its union input cannot tell): given one, it is refused.
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { check, evaluate } from '../src/api.js';
import { fsHost } from '../src/cli/files.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';
import { evaluateTfjs } from '../src/eval/evaluate.js';
import { describeGeneratedModules, describeLossCases, lossFn, moduleArgs, optionForms, refValue, roundInputs, tfjsValueAndGrads, toTf, useWasm, type Hypers, type Inputs, type LossCase } from './helpers/loss-harness.js';
import { PYTHON, torchMissing } from './helpers/torch.js';
import { maxRelErr } from './oracle/fd.js';
import * as M from './oracle/monai-weight.js';
import { mulberry32, type F64Tensor } from './oracle/tensor.js';

const SEG = 'stdlib/segmentation.loss';
const ACT = ['none', 'sigmoid', 'softmax'] as const;
const flag = (v: number | undefined, dflt = false): boolean => (v === undefined ? dflt : v !== 0);

// ---------------------------------------------------------------------------------------
// Inputs: x in (0.05, 0.95) (probabilities, or logits), class weights in (0.25, 2.25), and
// the target one-hot over C, soft when `soft`, or class indices [B, S].

const weights = (C: number, seed: number): F64Tensor => {
  const rng = mulberry32(seed);
  return { shape: [C], data: Float64Array.from({ length: C }, () => rng.uniform(0.25, 2.25)) };
};
const segmentation = (form: 'onehot' | 'soft' | 'indices') => (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  const [B, C, S] = shape as [number, number, number];
  const x: F64Tensor = { shape: [B, C, S], data: Float64Array.from({ length: B * C * S }, () => rng.uniform(0.05, 0.95)) };
  const t = Array.from({ length: B * S }, () => rng.int(C));
  let y: F64Tensor;
  if (form === 'indices') y = { shape: [B, S], data: Float64Array.from(t) };
  else {
    const data = new Float64Array(B * C * S);
    for (let b = 0; b < B; b++) for (let s = 0; s < S; s++) for (let c = 0; c < C; c++) data[(b * C + c) * S + s] = form === 'soft' ? rng.uniform(0, 1) : t[b * S + s] === c ? 1 : 0;
    y = { shape: [B, C, S], data };
  }
  return { x, y, weight: weights(C, seed + 7) };
};

/** lossc's weight [C] as MONAI's DiceLoss/FocalLoss take it: the kept channels'. */
const kept = (w: F64Tensor, includeBackground: boolean): number[] => (includeBackground || w.data.length === 1 ? Array.from(w.data) : Array.from(w.data).slice(1));
const diceOpts = (x: Inputs, h: Hypers): M.DiceOpts => ({
  include_background: flag(h.include_background, true),
  activation: ACT[h.activation ?? 0]!,
  squared_pred: flag(h.squared_pred),
  jaccard: flag(h.jaccard),
  batch: flag(h.batch),
  soft_label: flag(h.soft_label),
  ...(h.smooth_nr !== undefined ? { smooth_nr: h.smooth_nr } : {}),
  ...(h.smooth_dr !== undefined ? { smooth_dr: h.smooth_dr } : {}),
  ...(x.weight ? { weight: kept(x.weight, flag(h.include_background, true)) } : {}),
});
const focalOpts = (x: Inputs, h: Hypers): M.FocalOpts => ({
  include_background: flag(h.include_background, true),
  gamma: h.gamma ?? 2,
  use_softmax: flag(h.use_softmax),
  ...(flag(h.use_alpha) ? { alpha: h.alpha ?? 0.25 } : {}),
  ...(x.weight ? { weight: kept(x.weight, flag(h.include_background, true)) } : {}),
});
const lambdas = (h: Hypers) => ({
  ...(h.lambda_dice !== undefined ? { lambda_dice: h.lambda_dice } : {}),
  ...(h.lambda_focal !== undefined ? { lambda_focal: h.lambda_focal } : {}),
});

// The weight is differentiated too (MONAI's is a tensor torch's autograd reaches).
// The targets are not: a one-hot target's 0 and 1 are at the edges of its domain.
const CASES: readonly LossCase[] = [
  {
    file: SEG, loss: 'monai_dice', oracle: (x, h) => M.diceLoss(x.x!, x.y!, diceOpts(x, h)),
    inputs: segmentation('onehot'), shapes: [[2, 3, 4], [3, 4, 6], [2, 2, 5], [2, 1, 4]], reductions: false, wrt: ['x', 'weight'],
    hypers: [{ activation: 2, include_background: 0 }, { activation: 1, squared_pred: 1, jaccard: 1 }, { batch: 1, activation: 2, include_background: 0 }, { soft_label: 1, smooth_nr: 0.5, smooth_dr: 0.25 }],
  },
  {
    file: SEG, loss: 'monai_dice', oracle: (x, h) => M.diceLoss(x.x!, x.y!, diceOpts(x, h)),
    inputs: segmentation('soft'), shapes: [[2, 3, 5]], reductions: false, wrt: ['x', 'weight'],
    hypers: [{ soft_label: 1, include_background: 0 }, { activation: 1, batch: 1 }],
  },
  {
    file: SEG, loss: 'monai_focal', oracle: (x, h) => M.focalLoss(x.x!, x.y!, focalOpts(x, h)),
    inputs: segmentation('onehot'), shapes: [[2, 3, 4], [3, 4, 6], [2, 2, 5], [2, 1, 4]], reductions: false, wrt: ['x', 'weight'],
    hypers: [{ use_alpha: 1, alpha: 0.3 }, { use_softmax: 1, use_alpha: 1, alpha: 0.3 }, { include_background: 0, use_softmax: 1, use_alpha: 1 }, { include_background: 0, gamma: 0.5 }],
  },
  {
    file: SEG, loss: 'monai_focal', oracle: (x, h) => M.focalLoss(x.x!, x.y!, focalOpts(x, h)),
    inputs: segmentation('soft'), shapes: [[2, 3, 5]], reductions: false, wrt: ['x', 'weight'],
    hypers: [{ include_background: 0, use_alpha: 1 }],
  },
  {
    file: SEG, loss: 'monai_dice_focal',
    oracle: (x, h) => M.diceFocalLoss(x.x!, x.y!, { ...diceOpts(x, h), gamma: h.gamma ?? 2, ...(flag(h.use_alpha) ? { alpha: h.alpha ?? 0.25 } : {}), ...lambdas(h) }),
    inputs: segmentation('onehot'), shapes: [[2, 3, 4], [2, 4, 5], [2, 2, 4]], reductions: false, wrt: ['x', 'weight'],
    hypers: [{ activation: 1, use_alpha: 1, alpha: 0.25 }, { include_background: 0, gamma: 1, activation: 2, lambda_focal: 0.5 }],
  },
];

useWasm();
describeLossCases(CASES);

const BOOL_NAMES = ['include_background', 'squared_pred', 'jaccard', 'batch', 'soft_label', 'use_alpha', 'use_softmax'];
const { asOptions, numericSettings, describeOptionModules } = optionForms(BOOL_NAMES, { activation: ACT });
const moduleOf = describeGeneratedModules('monai-class-weight', [SEG], numericSettings(CASES));
describeOptionModules(CASES, moduleOf);

describe('MONAI class weights: the forms and reductions', () => {
  it('class indices (MONAI\'s to_onehot_y) equal their one-hot form, in the evaluator (float64) and the generated module (int32)', () => {
    const settings: { loss: string; h: Hypers; oracle: (x: Inputs, h: Hypers) => number }[] = [
      { loss: 'monai_dice', h: { activation: 2, include_background: 0 }, oracle: (x, h) => M.diceLoss(x.x!, x.y!, diceOpts(x, h)) },
      { loss: 'monai_focal', h: { use_softmax: 1, use_alpha: 1 }, oracle: (x, h) => M.focalLoss(x.x!, x.y!, focalOpts(x, h)) },
      { loss: 'monai_dice_focal', h: { activation: 1, include_background: 0 }, oracle: (x, h) => M.diceFocalLoss(x.x!, x.y!, { ...diceOpts(x, h), gamma: 2 }) },
    ];
    for (const { loss, h, oracle } of settings) {
      for (const shape of [[2, 3, 4], [3, 4, 5]]) {
        const x = roundInputs(segmentation('indices')(11, shape));
        const want = oracle(x, h);
        expect(Math.abs(refValue(SEG, loss, x, h)[0]! - want), `${loss} ${JSON.stringify(h)} ${shape}`).toBeLessThanOrEqual(1e-12 * Math.max(1, want));
        const fn = lossFn(SEG, loss);
        const inputs = { x: tf.tensor(Array.from(x.x!.data), x.x!.shape), y: tf.tensor(Array.from(x.y!.data), [shape[0]!, 1, shape[2]!], 'int32'), weight: tf.tensor(Array.from(x.weight!.data)) };
        const got = moduleOf(SEG)[loss]!(...moduleArgs(fn, inputs, asOptions(h) as unknown as Hypers));
        expect(Math.abs(got.dataSync()[0]! - want) / Math.max(1, want), `module ${loss} ${JSON.stringify(h)} ${shape}`).toBeLessThan(2e-6);
        tf.dispose([got, ...Object.values(inputs)]);
      }
    }
  });

  it('the weight is not applied when one channel is kept (C = 1, or C = 2 without the background), as MONAI', () => {
    for (const [shape, h] of [[[2, 1, 4], {}], [[2, 2, 4], { include_background: 0 }]] as const) {
      const x = segmentation('onehot')(13, [...shape]);
      const { weight: _, ...plain } = x;
      for (const loss of ['monai_dice', 'monai_focal', 'monai_dice_focal']) expect(refValue(SEG, loss, x, h)[0], loss).toBeCloseTo(refValue(SEG, loss, plain, h)[0]!, 14);
    }
  });

  it("reduction 'sum' is MONAI's for DiceLoss (Σ w·f over b and the kept channels), and 'none' its weighted per-(b, c) losses", () => {
    const fn = lossFn(SEG, 'monai_dice');
    for (const h of [{ activation: 2, include_background: 0 }, { activation: 1 }] as Hypers[]) {
      const x = roundInputs(segmentation('onehot')(15, [3, 4, 5]));
      const inputs = toTf(fn, x);
      const sum = evaluateTfjs(fn, inputs, h, { reduction: 'sum' });
      const want = M.diceLoss(x.x!, x.y!, { ...diceOpts(x, h), reduction: 'sum' });
      expect(Math.abs(sum.dataSync()[0]! - want) / want).toBeLessThan(2e-6);
      const none = evaluateTfjs(fn, inputs, h, { reduction: 'none' });
      expect(none.shape).toEqual([3, 4]);
      expect(Math.abs(Array.from(none.dataSync()).reduce((a, v) => a + v, 0) - want) / want).toBeLessThan(2e-6);
      tf.dispose([sum, none, ...Object.values(inputs)]);
    }
  });
});

// ---------------------------------------------------------------------------------------
// monai_dice_ce takes no class weight: torch's weighted cross-entropy mean is Σ w·l / Σ w[t]
// on class indices and Σ w·l / positions on probabilities, and the body cannot tell which
// form its union target was given in. A weight is refused wherever it can be given.

describe('monai_dice_ce refuses a class weight', () => {
  it('in a loss file: E3002 at the argument, for weight and for ce_target', () => {
    const src = (arg: string) => `import { monai_dice_ce } from "lossc/stdlib/segmentation"\nloss l(x: [B, C, ...], y: [B, C, ...] in [0, 1], w: [C]) = monai_dice_ce(x, y, activation: 'softmax', ${arg})\n`;
    const errors = (arg: string) => check(src(arg), 'user.loss', { host: fsHost }).diagnostics.map((d) => formatDiagnostic(d));
    expect(errors('weight: w')).toEqual(["user.loss:2:103: error E3002: 'monai_dice_ce' has no argument named 'weight'"]);
    expect(errors("ce_target: 'indices'")).toEqual(["user.loss:2:103: error E3002: 'monai_dice_ce' has no argument named 'ce_target'"]);
    expect(errors('label_smoothing: 0.1')).toEqual([]);
  });

  it('in evaluate (E7005, as an input and as a set value) and in the generated function (unknown option)', async () => {
    const text = readFileSync(SEG, 'utf8');
    const x = [[[0.1, 0.5, 0.2], [0.3, 0.2, 0.9]]];
    const y = [[0, 1, 1]];
    const run = (more: object) => evaluate(text, SEG, { loss: 'monai_dice_ce', inputs: { x, y }, host: fsHost, ...more });
    const names = 'the inputs are x, y and the hyperparameters include_background, activation, squared_pred, jaccard, smooth_nr, smooth_dr, batch, lambda_dice, lambda_ce, label_smoothing';
    const refused = [`lossc: error E7005: loss 'monai_dice_ce' has no input or hyperparameter named 'weight'; ${names}`];
    const asInput = await run({ inputs: { x, y, weight: [1, 2] } });
    expect(asInput.loss).toBeUndefined();
    expect(asInput.diagnostics.map((d) => formatDiagnostic(d))).toEqual(refused);
    const asSet = await run({ set: { weight: 2 } });
    expect(asSet.loss).toBeUndefined();
    expect(asSet.diagnostics.map((d) => formatDiagnostic(d))).toEqual(refused);
    expect((await run({})).loss).toEqual(expect.any(Number));
    const [xt, yt, wt] = [tf.tensor(x), tf.tensor(y, [1, 3], 'int32'), tf.tensor([1, 2])];
    const f = moduleOf(SEG).monai_dice_ce!;
    expect(() => f(xt, yt, { activation: 'softmax', weight: wt })).toThrow(/^monai_dice_ce: unknown option 'weight'; the options are (?!.*\bweight\b)/);
    tf.dispose([xt, yt, wt]);
  });
});

// ---------------------------------------------------------------------------------------
// Real PyTorch running MONAI's own classes

describe("real PyTorch running MONAI 1.5.0's loss classes", () => {
  const torch = torchMissing();
  interface TorchCase {
    readonly loss: 'monai_dice' | 'monai_focal' | 'monai_dice_focal';
    readonly form: 'onehot' | 'soft' | 'indices';
    readonly shape: number[];
    readonly hypers: Hypers;
  }
  const cases: TorchCase[] = [
    { loss: 'monai_dice', form: 'onehot', shape: [2, 3, 2, 3], hypers: { activation: 2, include_background: 0 } },
    { loss: 'monai_dice', form: 'indices', shape: [3, 4, 5], hypers: { activation: 1, jaccard: 1, batch: 1 } },
    { loss: 'monai_dice', form: 'soft', shape: [2, 3, 5], hypers: { soft_label: 1, squared_pred: 1 } },
    { loss: 'monai_focal', form: 'onehot', shape: [2, 3, 2, 2], hypers: { use_alpha: 1, alpha: 0.3 } },
    { loss: 'monai_focal', form: 'indices', shape: [2, 4, 5], hypers: { use_softmax: 1, include_background: 0 } },
    { loss: 'monai_dice_focal', form: 'onehot', shape: [2, 3, 4], hypers: { activation: 1, include_background: 0, use_alpha: 1 } },
  ];
  // lossc's [B, C, S] inputs with MONAI's spatial dims (several of them here) flattened.
  const flat = (shape: number[]): number[] => [shape[0]!, shape[1]!, shape.slice(2).reduce((a, b) => a * b, 1)];
  const monaiOpts = (c: TorchCase): Record<string, unknown> => {
    const h = c.hypers;
    const ib = flag(h.include_background, true);
    const common = { include_background: ib, to_onehot_y: c.form === 'indices' };
    const act = { sigmoid: h.activation === 1, softmax: h.activation === 2 };
    const dice = { ...act, squared_pred: flag(h.squared_pred), jaccard: flag(h.jaccard), batch: flag(h.batch) };
    const alpha = flag(h.use_alpha) ? { alpha: h.alpha ?? 0.25 } : {};
    if (c.loss === 'monai_dice') return { ...common, ...dice, soft_label: flag(h.soft_label) };
    if (c.loss === 'monai_focal') return { ...common, gamma: h.gamma ?? 2, use_softmax: flag(h.use_softmax), ...alpha };
    return { ...common, ...dice, gamma: h.gamma ?? 2, ...alpha };
  };
  it.skipIf(torch)('torch (float64; FocalLoss computes in float32) = the oracle; its autograd = the compiler\'s gradients (float32, wasm)', () => {
    const data = cases.map((c, k) => {
      const fs = flat(c.shape);
      const x = roundInputs(segmentation(c.form)(70 + k, fs));
      return { c, x };
    });
    const payload = data.map(({ c, x }) => {
      const w = kept(x.weight!, flag(c.hypers.include_background, true));
      const yshape = c.form === 'indices' ? [c.shape[0]!, 1, ...c.shape.slice(2)] : c.shape;
      return {
        loss: { monai_dice: 'dice', monai_focal: 'focal', monai_dice_focal: 'dice_focal' }[c.loss],
        x: Array.from(x.x!.data), xshape: c.shape, y: Array.from(x.y!.data), yshape, indices: c.form === 'indices',
        opts: monaiOpts(c), weight: w,
      };
    });
    const r = spawnSync(PYTHON, ['test/torch/monai_losses.py'], { input: JSON.stringify(payload), encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    const got = JSON.parse(r.stdout) as { value: number; grad_x: number[]; grad_weight: number[] }[];
    data.forEach(({ c, x }, k) => {
      const title = `${c.loss} ${c.form} ${c.shape} ${JSON.stringify(c.hypers)}`;
      const oracle = CASES.find((d) => d.loss === c.loss)!.oracle;
      const want = oracle(x, c.hypers) as number;
      const tol = c.loss === 'monai_focal' || c.loss === 'monai_dice_focal' ? 2e-6 : 1e-12;
      expect(Math.abs(got[k]!.value - want), title).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want)));
      const fn = lossFn(SEG, c.loss);
      const wrt = ['x', 'weight'];
      // Class indices go to the evaluator as int32, as the generated function takes them.
      const mine = c.form === 'indices' ? indicesGrads(fn, x, c.hypers, wrt) : tfjsValueAndGrads(fn, x, c.hypers, wrt);
      expect(Math.abs(mine.value[0]! - want) / Math.max(1, want), title).toBeLessThan(2e-6);
      expect(maxRelErr(mine.grads.x!, Float64Array.from(got[k]!.grad_x), 1e-4), `${title} d/dx`).toBeLessThan(2e-4);
      // MONAI's weight is the kept channels': lossc's weight[0] is then not read.
      const drop = !flag(c.hypers.include_background, true) && c.shape[1]! > 1;
      const gw = mine.grads.weight!;
      if (drop) expect(gw[0], `${title} d/dweight[0]`).toBe(0);
      expect(maxRelErr(drop ? gw.slice(1) : gw, Float64Array.from(got[k]!.grad_weight), 1e-4), `${title} d/dweight`).toBeLessThan(2e-4);
    });
  }, 120_000);
});

/** tfjsValueAndGrads with the union target given as int32 class indices. */
function indicesGrads(fn: ReturnType<typeof lossFn>, x: Inputs, h: Hypers, wrt: readonly string[]): { value: Float64Array; grads: Record<string, Float64Array> } {
  const inputs: Record<string, tf.Tensor> = { x: tf.tensor(Array.from(x.x!.data), x.x!.shape), y: tf.tensor(Array.from(x.y!.data), x.y!.shape, 'int32'), weight: tf.tensor(Array.from(x.weight!.data)) };
  const f = (...ts: tf.Tensor[]): tf.Scalar => evaluateTfjs(fn, { ...inputs, ...Object.fromEntries(wrt.map((n, i) => [n, ts[i]!])) }, h) as tf.Scalar;
  const { value, grads } = tf.valueAndGrads(f)(wrt.map((n) => inputs[n]!));
  const out = { value: Float64Array.from(value.dataSync()), grads: Object.fromEntries(wrt.map((n, i) => [n, Float64Array.from(grads[i]!.dataSync())])) };
  tf.dispose([value, ...grads, ...Object.values(inputs)]);
  return out;
}
