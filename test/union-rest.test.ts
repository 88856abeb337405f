// Union inputs with '...' (issue 17, items 1 and 3): `y: index[B, ...] of C | [B, C, ...]`, MONAI's
// to_onehot_y over [B, C, ...]. The stdlib's MONAI losses take y as class indices ([B, ...] or
// MONAI's [B, 1, ...]) or as probabilities [B, C, ...], on 4-D and 5-D inputs: the same value and
// gradient in both forms, the float64 oracles' (test/oracle/peers2.ts, monai-onehot.ts, written
// from MONAI's definitions) through the float64 reference, the evaluator, the generated module
// and the PyTorch module on real torch; DiceCELoss's cross-entropy of indices is torch's own.
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { check } from '../src/api.js';
import { compile } from './helpers/compile-cache.js';
import { fsHost } from '../src/cli/files.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';
import { emitPytorchModule, TORCH_RUNTIME_FILE } from '../src/emit/pytorch.js';
import { evaluateTfjs, valueAndGradsTfjs } from '../src/eval/evaluate.js';
import { initBackend } from '../src/eval/setup.js';
import { differentiate } from '../src/grad/index.js';
import type { IrFunction } from '../src/ir/types.js';
import { evaluateReference, gradientsReference } from '../src/reference/evaluate.js';
import { TORCH_RUNTIME_SOURCE } from '../src/runtime/python/source.js';
import { lossFn, type GeneratedModule, type Hypers } from './helpers/loss-harness.js';
import { expectThrowsClean } from './helpers/throws.js';
import { PYTHON, torchMissing } from './helpers/torch.js';
import { fdGrad, maxRelErr } from './oracle/fd.js';
import { monaiDiceCeIndices, oneHotChannels } from './oracle/monai-onehot.js';
import * as P from './oracle/peers2.js';
import { mulberry32, randomTensor, roundF32, type F64Tensor } from './oracle/tensor.js';

const SEG = 'stdlib/segmentation.loss';

interface Setting {
  readonly loss: string;
  /** As the evaluators take them (a string option as its position). */
  readonly hypers: Hypers;
  /** As the generated TypeScript and Python functions take them. */
  readonly options: Record<string, string | number | boolean>;
  /** MONAI's value for logits x [B, C, S] and class indices t [B, S] (to_onehot_y=True). */
  readonly oracle: (x: F64Tensor, t: F64Tensor) => number;
}
const hot = (x: F64Tensor, t: F64Tensor): F64Tensor => oneHotChannels(t, x.shape[1]!);
const SETTINGS: Setting[] = [
  { loss: 'monai_dice', hypers: {}, options: {}, oracle: (x, t) => P.monai_dice(x, hot(x, t)) },
  { loss: 'monai_dice', hypers: { activation: 2, include_background: 0 }, options: { activation: 'softmax', include_background: false }, oracle: (x, t) => P.monai_dice(x, hot(x, t), { softmax: true, include_background: false }) },
  { loss: 'monai_dice', hypers: { activation: 1, jaccard: 1, squared_pred: 1, batch: 1 }, options: { activation: 'sigmoid', jaccard: true, squared_pred: true, batch: true }, oracle: (x, t) => P.monai_dice(x, hot(x, t), { sigmoid: true, jaccard: true, squared_pred: true, batch: true }) },
  { loss: 'monai_dice_ce', hypers: { activation: 2, label_smoothing: 0.1 }, options: { activation: 'softmax', label_smoothing: 0.1 }, oracle: (x, t) => monaiDiceCeIndices(x, t, { softmax: true, label_smoothing: 0.1 }) },
  { loss: 'monai_dice_ce', hypers: { include_background: 0, lambda_ce: 0.5 }, options: { include_background: false, lambda_ce: 0.5 }, oracle: (x, t) => monaiDiceCeIndices(x, t, { include_background: false, lambda_ce: 0.5 }) },
  { loss: 'monai_focal', hypers: { use_softmax: 1, include_background: 0, gamma: 1.5 }, options: { use_softmax: true, include_background: false, gamma: 1.5 }, oracle: (x, t) => P.monai_focal(x, hot(x, t), { use_softmax: true, include_background: false, gamma: 1.5 }) },
  { loss: 'monai_dice_focal', hypers: { activation: 1 }, options: { activation: 'sigmoid' }, oracle: (x, t) => P.monai_dice_focal(x, hot(x, t), { sigmoid: true }) },
  { loss: 'monai_tversky', hypers: { activation: 2, alpha: 0.3, beta: 0.7 }, options: { activation: 'softmax', alpha: 0.3, beta: 0.7 }, oracle: (x, t) => P.monai_tversky(x, hot(x, t), { softmax: true, alpha: 0.3, beta: 0.7 }) },
  { loss: 'monai_generalized_dice', hypers: { activation: 2 }, options: { activation: 'softmax' }, oracle: (x, t) => P.monai_generalized_dice(x, hot(x, t), { softmax: true }) },
  { loss: 'monai_generalized_dice', hypers: { w_type: 1, batch: 1 }, options: { w_type: 'simple', batch: true }, oracle: (x, t) => P.monai_generalized_dice(x, hot(x, t), { w_type: 'simple', batch: true }) },
];

/** 4-D (H ≠ W) and 5-D inputs. */
const SHAPES = [
  [2, 3, 3, 4],
  [2, 3, 2, 3, 2],
];
interface Case {
  readonly shape: number[];
  /** Logits (also fine as probabilities), [B, C, ...]. */
  readonly x: F64Tensor;
  /** Class indices [B, ...], each class present. */
  readonly t: F64Tensor;
}
function makeCase(shape: number[], seed: number): Case {
  const rng = mulberry32(seed);
  const x = roundF32(randomTensor(shape, rng, { lo: 0.05, hi: 0.95 }));
  const [B, C] = shape as [number, number];
  const rest = shape.slice(2);
  const S = rest.reduce((a, b) => a * b, 1);
  const t = { shape: [B, ...rest], data: Float64Array.from({ length: B * S }, (_, k) => (k % S < C ? k % S : rng.int(C))) };
  return { shape, x, t };
}
const CASES = SHAPES.map((s, k) => makeCase(s, 40 + k));
/** [B, C, ...] as [B, C, S]: the same data, MONAI's spatial dims flattened. */
const flat3 = (v: F64Tensor): F64Tensor => ({ shape: [v.shape[0]!, v.shape[1]!, v.data.length / (v.shape[0]! * v.shape[1]!)], data: v.data });
const flat2 = (v: F64Tensor): F64Tensor => ({ shape: [v.shape[0]!, v.data.length / v.shape[0]!], data: v.data });
/** The one-hot target in the input's own shape [B, C, ...]. */
const oneHotOf = (c: Case): F64Tensor => ({ shape: [...c.shape], data: oneHotChannels(flat2(c.t), c.shape[1]!).data });
/** The three forms of y: indices [B, ...], MONAI's [B, 1, ...], one-hot [B, C, ...]. */
const forms = (c: Case): { name: string; y: F64Tensor; dtype: 'int32' | 'float32' }[] => [
  { name: 'indices', y: c.t, dtype: 'int32' },
  { name: '[B, 1, ...]', y: { shape: [c.t.shape[0]!, 1, ...c.t.shape.slice(1)], data: c.t.data }, dtype: 'int32' },
  { name: 'one-hot', y: oneHotOf(c), dtype: 'float32' },
];
const ref = (v: F64Tensor) => ({ shape: [...v.shape], data: v.data });
const want = (s: Setting, c: Case): number => s.oracle(flat3(c.x), flat2(c.t));
const grid = SETTINGS.flatMap((s) => CASES.map((c) => ({ s, c, title: `${s.loss} ${JSON.stringify(s.options)} on [${c.shape.join(', ')}]` })));

const derived = new Map<string, IrFunction>();
const differentiated = (loss: string): IrFunction => {
  if (!derived.has(loss)) derived.set(loss, differentiate(lossFn(SEG, loss)).fn!);
  return derived.get(loss)!;
};

let module: GeneratedModule;
let pyDir: string;
beforeAll(async () => {
  await initBackend('wasm');
  const r = await compile(readFileSync(SEG, 'utf8'), SEG, { host: fsHost });
  expect(r.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
  const dir = resolve('test/.tmp/union-rest');
  mkdirSync(dir, { recursive: true });
  writeFileSync(resolve(dir, 'segmentation.ts'), r.code!);
  module = (await import(/* @vite-ignore */ resolve(dir, 'segmentation.ts'))) as GeneratedModule;
  writeFileSync(resolve(dir, 'segmentation.py'), emitPytorchModule({ file: SEG, losses: r.losses }));
  writeFileSync(resolve(dir, TORCH_RUNTIME_FILE), TORCH_RUNTIME_SOURCE);
  pyDir = dir;
}, 120_000);

describe('the oracles', () => {
  it("DiceCELoss's cross-entropy of class indices (torch's definition) is that of their smoothed one-hot rows", () => {
    for (const c of CASES) {
      for (const o of [{}, { label_smoothing: 0.1 }, { include_background: false, lambda_dice: 0.3 }]) {
        const byIndex = monaiDiceCeIndices(flat3(c.x), flat2(c.t), o);
        expect(Math.abs(byIndex - P.monai_dice_ce(flat3(c.x), flat3(oneHotOf(c)), o))).toBeLessThan(1e-12);
      }
    }
  });
});

describe("the stdlib's MONAI losses with to_onehot_y (y as class indices or probabilities)", () => {
  it.each(grid)('float64 reference, every form: the oracle\'s value, and its gradient in x; $title', ({ s, c }) => {
    const fn = differentiated(s.loss);
    const x = ref(c.x);
    const target = want(s, c);
    const f = (xs: F64Tensor): number => s.oracle(flat3(xs), flat2(c.t));
    const fd = fdGrad(f, [c.x], 0);
    for (const form of forms(c)) {
      const value = evaluateReference(fn, { x, y: ref(form.y) }, s.hypers).data[0]!;
      expect(Math.abs(value - target), form.name).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(target)));
      const grads = gradientsReference(fn, { x, y: ref(form.y) }, s.hypers).grads;
      expect(maxRelErr(grads.x!.data, fd.data, 1e-3), form.name).toBeLessThan(1e-5);
      expect(grads.y === undefined, form.name).toBe(form.dtype === 'int32');
    }
  });

  it.each(grid)('evaluator (wasm) and generated module: int32 indices, [B, 1, ...] and one-hot give one value and one gradient, the oracle\'s; $title', ({ s, c }) => {
    const fn = lossFn(SEG, s.loss);
    const target = want(s, c);
    const fd = fdGrad((xs: F64Tensor) => s.oracle(flat3(xs), flat2(c.t)), [c.x], 0);
    const x = tf.tensor(Array.from(c.x.data), c.shape);
    const results = forms(c).map((form) => {
      const y = tf.tensor(Array.from(form.y.data), form.y.shape, form.dtype);
      const before = tf.memory().numTensors;
      const { value, grads } = valueAndGradsTfjs(fn, { x, y }, s.hypers, ['x']);
      const live = { value: value.dataSync()[0]!, grad: Float64Array.from(grads.x!.dataSync()) };
      const { value: mv, grad: mg } = tf.valueAndGrad((a: tf.Tensor) => module[s.loss]!(a, y, s.options) as tf.Scalar)(x);
      const mod = { value: mv.dataSync()[0]!, grad: Float64Array.from(mg.dataSync()) };
      tf.dispose([value, grads.x!, mv, mg]);
      expect(tf.memory().numTensors, `${form.name}: no tensor leaked`).toBe(before);
      tf.dispose(y);
      return { form: form.name, live, mod };
    });
    for (const { form, live, mod } of results) {
      expect(Math.abs(live.value - target) / Math.max(1, Math.abs(target)), form).toBeLessThanOrEqual(2e-6);
      expect(maxRelErr(live.grad, fd.data, 1e-3), form).toBeLessThan(2e-3);
      expect(Math.abs(mod.value - live.value) / Math.max(1, Math.abs(target)), form).toBeLessThanOrEqual(1e-6);
      expect(maxRelErr(mod.grad, live.grad, 1e-3), form).toBeLessThan(1e-5);
    }
    // The indices are made the one-hot rows at the boundary: the same numbers after it.
    expect(results[0]!.live.value).toBe(results[2]!.live.value);
    expect(results[1]!.live.value).toBe(results[2]!.live.value);
    expect(Array.from(results[0]!.live.grad)).toEqual(Array.from(results[2]!.live.grad));
    tf.dispose(x);
  });

  it('TensorLike arrays: whole numbers of the rank of the indices ([B, ...] for x of rank 4 or 5) are indices, of one more dim probabilities', () => {
    for (const c of CASES) {
      const x = tf.tensor(Array.from(c.x.data), c.shape);
      const nested = (v: F64Tensor): unknown => tf.tensor(Array.from(v.data), v.shape).arraySync();
      const s = SETTINGS[1]!;
      const got = [nested(c.t), nested(oneHotOf(c))].map((y) => module[s.loss]!(x, y, s.options).dataSync()[0]!);
      expect(Math.abs(got[0]! - want(s, c))).toBeLessThan(2e-6);
      expect(got[1]).toBe(got[0]);
      tf.dispose(x);
    }
  });

  it('refuses what is neither form, naming both, with the rest dims of the input that fixed them', () => {
    const c = CASES[0]!; // [2, 3, 3, 4]
    const x = tf.tensor(Array.from(c.x.data), c.shape);
    const both = 'class indices (int32 of shape [B, ...], in [0, C)) or probabilities (float32 of shape [B, C, ...])';
    const cases: [tf.Tensor, string][] = [
      [tf.zeros([2, 4, 4], 'int32'), `monai_dice: the '...' dimensions of 'y' are [4, 4] but those of 'x' are [3, 4] (y given as int32: ${both})`],
      [tf.zeros([2, 1, 3, 5], 'int32'), `monai_dice: the '...' dimensions of 'y' are [3, 5] but those of 'x' are [3, 4] (y given as int32: ${both})`],
      [tf.zeros([3, 3, 4], 'int32'), `monai_dice: dimension B of input 'y' is 3, but it is 2 in 'x' (y given as int32: ${both})`],
      [tf.zeros([2, 2, 3, 4], 'int32'), `monai_dice: input 'y' must be ${both}, but is int32 of shape [2, 2, 3, 4]`],
      [tf.zeros([2, 3, 3, 4, 1], 'int32'), `monai_dice: input 'y' must be ${both}, but is int32 of shape [2, 3, 3, 4, 1]`],
      [tf.zeros([2, 3, 3, 5]), `monai_dice: the '...' dimensions of 'y' are [3, 5] but those of 'x' are [3, 4] (y given as float32: ${both})`],
      [tf.zeros([2, 3, 3]), `monai_dice: input 'y' must be ${both}, but is float32 of shape [2, 3, 3]`],
      [tf.fill([2, 3, 4], 3, 'int32'), "monai_dice: input 'y' holds 3, which is not a class index of C in [0, 3)"],
    ];
    for (const [y, message] of cases) expectThrowsClean(() => module.monai_dice!(x, y), new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`), message);
    tf.dispose([x, ...cases.map(([y]) => y)]);
  });

  it('refuses class indices of a single class (MONAI ignores to_onehot_y then): the module, the evaluator and the reference', () => {
    const x = tf.fill([2, 1, 3, 4], 0.5);
    const t = tf.zeros([2, 1, 3, 4], 'int32');
    const message = "monai_dice: input 'y' is given as class indices of C, which has size 1: with a single class every index is 0 and its one-hot row all 1, so the labels would be lost; give 'y' as probabilities (float32 of shape [B, C, ...], e.g. 0/1 labels)";
    expectThrowsClean(() => module.monai_dice!(x, t), new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`), message);
    expect(() => evaluateTfjs(lossFn(SEG, 'monai_dice'), { x, y: t }, {})).toThrow(message);
    const x64 = { shape: [2, 1, 3, 4], data: new Float64Array(24).fill(0.5) };
    expect(() => evaluateReference(lossFn(SEG, 'monai_dice'), { x: x64, y: { shape: [2, 3, 4], data: new Float64Array(24) } }, {})).toThrow(
      "monai_dice: input 'y' is given as class indices of C, which has size 1: with a single class every index is 0 and its one-hot row all 1, so the labels would be lost; give 'y' as probabilities",
    );
    // [B, 1, ...] with one channel is the probabilities' shape: read as them where no dtype
    // tells (the reference, JSON), as MONAI reads a one-channel target: its binary Dice.
    const labels = Float64Array.from({ length: 24 }, (_, k) => k % 2);
    const y = tf.tensor(Array.from(labels), [2, 1, 3, 4]);
    const binary = P.monai_dice({ shape: [2, 1, 12], data: x64.data }, { shape: [2, 1, 12], data: labels });
    expect(Math.abs(module.monai_dice!(x, y).dataSync()[0]! - binary)).toBeLessThan(2e-6);
    expect(Math.abs(evaluateReference(lossFn(SEG, 'monai_dice'), { x: x64, y: { shape: [2, 1, 3, 4], data: labels } }, {}).data[0]! - binary)).toBeLessThan(1e-12);
    tf.dispose([x, t, y]);
  });
});

describe('declarations with a union over `...`', () => {
  const errors = (source: string): string[] => check(source, 'u.loss').diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d).split('\n')[0]!);
  it.each([
    ['loss f(x: [B, C, ...], y: index[B, ...] of C | [B, C, ...] in [0, 1]) = mean(x * y)', undefined],
    ['loss f(x: [B, ..., C], y: index[B, ...] of C | [B, ..., C] in [0, 1]) = mean(x * y)', undefined],
    ['loss f(x: [..., C], y: index[...] of C | [..., C]) = mean(x) + mean(y)', undefined],
    ['loss f(x: [B, C, ...], y: index[..., B] of C | [B, C, ...]) = mean(x) + mean(y)', "u.loss:1:24: error E5020: the two forms of 'y' do not fit: its probabilities [B, C, ...] must be the shape of its class indices [..., B] with one axis of C added"],
    ['loss f(x: [B, C], y: index[B, ...] of C | [B, C, ...]) = mean(x) + mean(y)', "u.loss:1:19: error E5022: dimension ... of 'y' must also be in the shape of an input of one type, which fixes its size ('y' comes as class indices or as probabilities, of two shapes)"],
    ['loss g(x: [B, C, ...], y: index[B, ...] of C | [B, C, ...] in [0, 1]) = mean(x * y)\nloss f(x: [B, C, ...], t: index[B, ...] of C) = g(x, t)', "u.loss:2:54: error E5021: 'y' cannot be class indices or probabilities here: called from another loss, 'g' takes 'y' as probabilities [B, C, ...]: pass onehot(t) for class indices"],
    ['loss g(x: [B, C, ...], y: index[B, ...] of C | [B, C, ...] in [0, 1]) = mean(x * y)\nloss f(x: [B, C, ...], t: index[B, ...] of C) = g(x, onehot(t))', undefined],
  ])('%s', (source, message) => {
    const found = errors(source);
    if (message === undefined) expect(found).toEqual([]);
    else expect(found).toEqual([message]);
  });
});

// ---- the generated PyTorch module on real torch --------------------------------------------

const PY_DRIVER = String.raw`
import json, sys, importlib.util
import torch
import torch.nn.functional as F
sys.path.insert(0, sys.argv[1])
spec = importlib.util.spec_from_file_location("segmentation", sys.argv[1] + "/segmentation.py")
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
out = []
for c in json.load(sys.stdin):
    res = {}
    shape = c["shape"]
    t = torch.tensor(c["t"], dtype=torch.int64).reshape([shape[0]] + shape[2:])
    for form in ("indices", "column", "list", "onehot"):
        x = torch.tensor(c["x"], dtype=torch.float64).reshape(shape).requires_grad_(True)
        if form == "indices":
            y = t
        elif form == "column":
            y = t.unsqueeze(1)
        elif form == "list":
            y = t.tolist()
        else:
            y = F.one_hot(t, shape[1]).movedim(-1, 1).to(torch.float64)
        v = getattr(mod, c["loss"])(x, y, **c["options"])
        v.backward()
        res[form] = {"value": v.item(), "grad": x.grad.reshape(-1).tolist()}
    if c["loss"] == "monai_dice_ce":
        # DiceCELoss's CE term on the class indices: torch's own cross_entropy.
        x = torch.tensor(c["x"], dtype=torch.float64).reshape(shape)
        res["torch_ce"] = F.cross_entropy(x, t, label_smoothing=c["options"].get("label_smoothing", 0.0)).item()
    out.append(res)
print(json.dumps(out))
`;

describe('the MONAI losses with class indices in the PyTorch module', () => {
  const missing = torchMissing();
  it.skipIf(missing !== undefined)('int64 indices, [B, 1, ...], a list and one-hot give the oracle\'s value and gradient in float64; DiceCE\'s CE is F.cross_entropy on the indices', () => {
    const requests = grid.map(({ s, c }) => ({ loss: s.loss, options: s.options, shape: c.shape, x: Array.from(c.x.data), t: Array.from(c.t.data) }));
    const run = spawnSync(PYTHON, ['-c', PY_DRIVER, pyDir], { input: JSON.stringify(requests), encoding: 'utf8', timeout: 120_000 });
    expect(run.stderr).toBe('');
    const answers = JSON.parse(run.stdout) as Record<string, { value: number; grad: number[] } | number>[];
    grid.forEach(({ s, c, title }, k) => {
      const a = answers[k]!;
      const target = want(s, c);
      const fd = fdGrad((xs: F64Tensor) => s.oracle(flat3(xs), flat2(c.t)), [c.x], 0);
      for (const form of ['indices', 'column', 'list', 'onehot']) {
        const got = a[form] as { value: number; grad: number[] };
        expect(Math.abs(got.value - target), `${title} ${form}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(target)));
        expect(maxRelErr(Float64Array.from(got.grad), fd.data, 1e-3), `${title} ${form}`).toBeLessThan(1e-5);
      }
      if (s.loss === 'monai_dice_ce') {
        const ceOnly = monaiDiceCeIndices(flat3(c.x), flat2(c.t), { label_smoothing: (s.options.label_smoothing as number | undefined) ?? 0, lambda_dice: 0 });
        expect(Math.abs((a.torch_ce as number) - ceOnly), title).toBeLessThan(1e-12);
      }
    });
  });
});
