// segmentation_models_pytorch's LovaszLoss (Berman et al., 2018) in the stdlib: smp_lovasz
// (modes 'binary' and 'multilabel', the Lovász hinge) and smp_lovasz_multiclass (the
// Lovász-Softmax), against the float64 oracle of test/oracle/lovasz.ts written from smp's
// lovasz.py, finite differences of that oracle away from ties, extreme inputs, ignore_index,
// and real PyTorch running smp's own functions (copied verbatim into the driver).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import * as L from './oracle/lovasz.js';
import { fromNested, mulberry32, randomInts, randomTensor } from './oracle/tensor.js';
import { describeExtremes, describeGeneratedModules, describeLossCases, lossFn, optionForms, roundInputs, tfjsValueAndGrads, useWasm, type ExtremeCase, type Hypers, type Inputs, type LossCase } from './helpers/loss-harness.js';
import { initBackend } from '../src/eval/setup.js';
import { PYTHON, torchMissing } from './helpers/torch.js';

const SEG = 'stdlib/segmentation.loss';
const CLASSES = ['present', 'all'] as const;
const { numericSettings, describeOptionModules } = optionForms(['per_image'], { classes: CLASSES });

/** Logits [B, C, ...] in [-3, 3] (distinct: no ties among the errors) and 0/1 labels; every seventh label is `ignored` when given. */
const binary =
  (ignored?: number) =>
  (seed: number, shape: number[]): Inputs => {
    const rng = mulberry32(seed);
    const x = randomTensor(shape, rng, { lo: -3, hi: 3 });
    const y = randomInts(shape, rng, 2);
    return { x, y: { ...y, data: y.data.map((v, i) => (ignored !== undefined && i % 7 === 2 ? ignored : v)) } };
  };

/** Logits [B, C, ...] in [-2, 2] and class indices [B, ...], every fifth `ignored` (-100, the default ignore_index) unless undefined. */
const multiclassWith =
  (ignored: number | undefined) =>
  (seed: number, shape: number[]): Inputs => {
    const rng = mulberry32(seed);
    const [B, C] = shape as [number, number];
    const t = randomInts([B, ...shape.slice(2)], rng, C);
    return { x: randomTensor(shape, rng, { lo: -2, hi: 2 }), t: { ...t, data: t.data.map((v, i) => (ignored !== undefined && i % 5 === 3 ? ignored : v)) } };
  };
const multiclass = multiclassWith(-100);

const hinge = (x: Inputs, h: Hypers): number => L.smp_lovasz(x.x!, x.y!, { perImage: h.per_image === 1, ignoreIndex: h.ignore_index ?? -100 });
const softmax = (x: Inputs, h: Hypers): number =>
  L.smp_lovasz_multiclass(x.x!, x.t!, { perImage: h.per_image === 1, ignoreIndex: h.ignore_index ?? -100, classes: CLASSES[h.classes ?? 0] });

const CASES: readonly LossCase[] = [
  { file: SEG, loss: 'smp_lovasz', oracle: hinge, inputs: binary(), shapes: [[2, 1, 3, 4], [2, 3, 5]], reductions: false, wrt: ['x'], hypers: [{ per_image: 1 }] },
  { file: SEG, loss: 'smp_lovasz', oracle: hinge, inputs: binary(-100), shapes: [[3, 2, 7]], reductions: false, wrt: ['x'], hypers: [{ per_image: 1 }] },
  // A class as the ignored index: its pixels leave every class's sort.
  { file: SEG, loss: 'smp_lovasz', oracle: hinge, inputs: binary(), shapes: [[2, 2, 6]], reductions: false, wrt: ['x'], hypers: [{ ignore_index: 1 }, { ignore_index: 0, per_image: 1 }] },
  {
    file: SEG, loss: 'smp_lovasz_multiclass', oracle: softmax, inputs: multiclass, shapes: [[2, 3, 2, 3], [3, 4, 6]], reductions: false, wrt: ['x'],
    hypers: [{ per_image: 1 }, { classes: 1 }, { per_image: 1, classes: 1 }],
  },
  {
    file: SEG, loss: 'smp_lovasz_multiclass', oracle: softmax, inputs: multiclassWith(undefined), shapes: [[2, 3, 7]], reductions: false, wrt: ['x'],
    hypers: [{ ignore_index: 0 }, { ignore_index: 2, per_image: 1, classes: 1 }],
  },
];

useWasm();
describeLossCases(CASES);
const moduleOf = describeGeneratedModules('stdlib-lovasz', [SEG], numericSettings(CASES));
describeOptionModules(CASES, moduleOf);

describe('the oracle is smp\'s', () => {
  it('lovasz_grad: the steps of the Jaccard loss along the sorted labels (Berman et al., Alg. 1), by hand', () => {
    // gt sorted [1, 0, 1]: gts 2; intersections 1, 1, 0; unions 2, 3, 3: J = [0.5, 2/3, 1].
    const g = L.lovaszGrad([1, 0, 1]);
    [0.5, 2 / 3 - 0.5, 1 / 3].forEach((want, i) => expect(g[i]).toBeCloseTo(want, 15));
    expect(L.lovaszGrad([0, 0])).toEqual([1, 0]);
  });

  it('the hinge of a perfect margin is 0, and of one wrong pixel its error', () => {
    expect(L.smp_lovasz(fromNested([[2, -2, 3]]), fromNested([[1, 0, 1]]))).toBe(0);
    // errors 1 - x·s: [2, -1, -2] for x = [-1, -2, 3], y = [1, 0, 1]: only the first counts, its step 1/2.
    expect(L.smp_lovasz(fromNested([[-1, -2, 3]]), fromNested([[1, 0, 1]]))).toBeCloseTo(2 * 0.5, 15);
  });
});

// ---------------------------------------------------------------------------------------
// The builtins on cpu too (the harness runs wasm): the loss's value and gradient.

describe('on cpu as on wasm', () => {
  const cases: { loss: string; inputs: Inputs; hypers: Hypers; oracle: (x: Inputs, h: Hypers) => number }[] = [
    { loss: 'smp_lovasz', inputs: binary(255)(5, [2, 2, 6]), hypers: { ignore_index: 255, per_image: 1 }, oracle: hinge },
    { loss: 'smp_lovasz_multiclass', inputs: multiclass(6, [2, 3, 7]), hypers: { classes: 1 }, oracle: softmax },
  ];
  it.each(cases)('$loss: the same value and gradient on both backends, the oracle\'s value', async ({ loss, inputs, hypers, oracle }) => {
    const fn = lossFn(SEG, loss);
    const x = roundInputs(inputs);
    const out: { value: number; grad: Float64Array }[] = [];
    for (const backend of ['cpu', 'wasm'] as const) {
      expect(await initBackend(backend)).toBe(backend);
      const got = tfjsValueAndGrads(fn, x, hypers, ['x']);
      out.push({ value: got.value[0]!, grad: Float64Array.from(got.grads.x!) });
    }
    const want = oracle(x, hypers);
    for (const o of out) expect(Math.abs(o.value - want)).toBeLessThanOrEqual(2e-6 * Math.max(1, Math.abs(want)));
    out[0]!.grad.forEach((g, i) => expect(Math.abs(g - out[1]!.grad[i]!)).toBeLessThanOrEqual(1e-6));
    expect(await initBackend('wasm')).toBe('wasm');
  });
});

// ---------------------------------------------------------------------------------------
// Extreme inputs and the edges smp defines

const EXTREMES: readonly ExtremeCase[] = (() => {
  const n = fromNested;
  const big = binary()(41, [2, 2, 5]);
  const huge = { x: { ...big.x!, data: big.x!.data.map((v, i) => (v + i * 1e-3) * 1e6) }, y: big.y! };
  const mc = multiclass(42, [2, 3, 5]);
  const mcBig = { x: { ...mc.x!, data: mc.x!.data.map((v, i) => (v + i * 1e-3) * 1e4) }, t: mc.t! };
  const allIgnored = { x: mc.x!, t: { ...mc.t!, data: mc.t!.data.map(() => -100) } };
  return [
    { loss: 'smp_lovasz', what: 'logits ±3e6 (distinct errors)', x: huge, want: hinge(huge, {}), grads: 'fd', oracle: (x) => hinge(x, {}), fdStep: 1e-9, wrt: ['x'] },
    { loss: 'smp_lovasz', what: 'every label ignored: 0, gradient 0 (smp: "only void pixels")', x: { x: big.x!, y: { ...big.y!, data: big.y!.data.map(() => 255) } }, hypers: { ignore_index: 255 }, want: 0, grads: { x: new Float64Array(20) }, wrt: ['x'] },
    { loss: 'smp_lovasz', what: 'one pixel', x: { x: n([[[0.25]]]), y: n([[[1]]]) }, want: 0.75, grads: { x: [-1] }, wrt: ['x'] },
    { loss: 'smp_lovasz', what: 'no foreground at all', x: { x: n([[[-0.5, 0.3, -2]]]), y: n([[[0, 0, 0]]]) }, want: hinge({ x: n([[[-0.5, 0.3, -2]]]), y: n([[[0, 0, 0]]]) }, {}), grads: 'fd', oracle: (x) => hinge(x, {}), wrt: ['x'] },
    { loss: 'smp_lovasz_multiclass', what: 'logits ±2e4', x: mcBig, want: softmax(mcBig, {}), grads: 'fd', oracle: (x) => softmax(x, {}), fdStep: 1e-8, wrt: ['x'] },
    { loss: 'smp_lovasz_multiclass', what: 'every pixel ignored: 0 (smp: an empty tensor)', x: allIgnored, want: 0, grads: { x: new Float64Array(30) }, wrt: ['x'] },
  ];
})();
describe('extreme inputs', () => describeExtremes(SEG, EXTREMES, moduleOf));

// ---------------------------------------------------------------------------------------
// Real PyTorch running smp's own lovasz.py functions

/** smp 0.5's losses/lovasz.py, the functions LovaszLoss.forward calls, verbatim. */
const SMP_LOVASZ = String.raw`
"""
Lovasz-Softmax and Jaccard hinge loss in PyTorch
Maxim Berman 2018 ESAT-PSI KU Leuven (MIT License)
"""
# segmentation_models_pytorch/losses/lovasz.py (qubvel-org/segmentation_models.pytorch,
# MIT License, Copyright (c) 2019 Pavel Iakubovskii), copied verbatim from here to the end
# of mean(); LovaszLoss.forward is the driver's 'forward'.
from itertools import filterfalse as ifilterfalse
import torch
import torch.nn.functional as F


def _lovasz_grad(gt_sorted):
    """Compute gradient of the Lovasz extension w.r.t sorted errors
    See Alg. 1 in paper
    """
    p = len(gt_sorted)
    gts = gt_sorted.sum()
    intersection = gts - gt_sorted.float().cumsum(0)
    union = gts + (1 - gt_sorted).float().cumsum(0)
    jaccard = 1.0 - intersection / union
    if p > 1:  # cover 1-pixel case
        jaccard[1:p] = jaccard[1:p] - jaccard[0:-1]
    return jaccard


def _lovasz_hinge(logits, labels, per_image=True, ignore=None):
    if per_image:
        loss = mean(
            _lovasz_hinge_flat(
                *_flatten_binary_scores(log.unsqueeze(0), lab.unsqueeze(0), ignore)
            )
            for log, lab in zip(logits, labels)
        )
    else:
        loss = _lovasz_hinge_flat(*_flatten_binary_scores(logits, labels, ignore))
    return loss


def _lovasz_hinge_flat(logits, labels):
    if len(labels) == 0:
        # only void pixels, the gradients should be 0
        return logits.sum() * 0.0
    signs = 2.0 * labels.float() - 1.0
    errors = 1.0 - logits * signs
    errors_sorted, perm = torch.sort(errors, dim=0, descending=True)
    perm = perm.data
    gt_sorted = labels[perm]
    grad = _lovasz_grad(gt_sorted)
    loss = torch.dot(F.relu(errors_sorted), grad)
    return loss


def _flatten_binary_scores(scores, labels, ignore=None):
    scores = scores.reshape(-1)
    labels = labels.reshape(-1)
    if ignore is None:
        return scores, labels
    valid = labels != ignore
    vscores = scores[valid]
    vlabels = labels[valid]
    return vscores, vlabels


def _lovasz_softmax(probas, labels, classes="present", per_image=False, ignore=None):
    if per_image:
        loss = mean(
            _lovasz_softmax_flat(
                *_flatten_probas(prob.unsqueeze(0), lab.unsqueeze(0), ignore),
                classes=classes,
            )
            for prob, lab in zip(probas, labels)
        )
    else:
        loss = _lovasz_softmax_flat(
            *_flatten_probas(probas, labels, ignore), classes=classes
        )
    return loss


def _lovasz_softmax_flat(probas, labels, classes="present"):
    if probas.numel() == 0:
        # only void pixels, the gradients should be 0
        return probas * 0.0
    C = probas.size(1)
    losses = []
    class_to_sum = list(range(C)) if classes in ["all", "present"] else classes
    for c in class_to_sum:
        fg = (labels == c).type_as(probas)  # foreground for class c
        if classes == "present" and fg.sum() == 0:
            continue
        if C == 1:
            if len(classes) > 1:
                raise ValueError("Sigmoid output possible only with 1 class")
            class_pred = probas[:, 0]
        else:
            class_pred = probas[:, c]
        errors = (fg - class_pred).abs()
        errors_sorted, perm = torch.sort(errors, 0, descending=True)
        perm = perm.data
        fg_sorted = fg[perm]
        losses.append(torch.dot(errors_sorted, _lovasz_grad(fg_sorted)))
    return mean(losses)


def _flatten_probas(probas, labels, ignore=None):
    """Flattens predictions in the batch"""
    if probas.dim() == 3:
        # assumes output of a sigmoid layer
        B, H, W = probas.size()
        probas = probas.reshape(B, 1, H, W)

    C = probas.size(1)
    probas = torch.movedim(probas, 1, -1)  # [B, C, Di, Dj, ...] -> [B, Di, Dj, ..., C]
    probas = probas.reshape(-1, C)  # [P, C]

    labels = labels.reshape(-1)
    if ignore is None:
        return probas, labels
    valid = labels != ignore
    vprobas = probas[valid]
    vlabels = labels[valid]
    return vprobas, vlabels


def isnan(x):
    return x != x


def mean(values, ignore_nan=False, empty=0):
    """Nanmean compatible with generators."""
    values = iter(values)
    if ignore_nan:
        values = ifilterfalse(isnan, values)
    try:
        n = 1
        acc = next(values)
    except StopIteration:
        if empty == "raise":
            raise ValueError("Empty mean")
        return empty
    for n, v in enumerate(values, 2):
        acc += v
    if n == 1:
        return acc
    return acc / n
`;

const DRIVER = String.raw`
import json, sys

def forward(mode, y_pred, y_true, per_image, ignore_index, classes):
    # LovaszLoss.forward, with _lovasz_softmax's classes made a parameter.
    if mode in {"binary", "multilabel"}:
        return _lovasz_hinge(y_pred, y_true, per_image=per_image, ignore=ignore_index)
    y_pred = y_pred.softmax(dim=1)
    return _lovasz_softmax(y_pred, y_true, classes=classes, per_image=per_image, ignore=ignore_index)

out = []
for case in json.load(sys.stdin):
    # float32, as smp runs: its _lovasz_grad casts the labels with .float().
    x = torch.tensor(case["x"], dtype=torch.float32).reshape(case["xshape"]).requires_grad_(True)
    y = torch.tensor(case["y"], dtype=torch.float32 if case["mode"] != "multiclass" else torch.int64).reshape(case["yshape"])
    loss = forward(case["mode"], x, y, case["per_image"], case["ignore_index"], case["classes"])
    loss.backward()
    out.append({"value": float(loss), "grad": x.grad.reshape(-1).tolist()})
print(json.dumps(out))
`;

describe('real PyTorch running smp\'s lovasz.py', () => {
  const torch = torchMissing();
  interface TorchCase {
    readonly loss: 'smp_lovasz' | 'smp_lovasz_multiclass';
    readonly inputs: Inputs;
    readonly hypers: Hypers;
  }
  // smp's multiclass takes [B, C, H, W] (a 3-D input it reads as a sigmoid's [B, H, W]).
  const cases: TorchCase[] = [
    { loss: 'smp_lovasz', inputs: binary()(61, [2, 1, 3, 4]), hypers: {} },
    { loss: 'smp_lovasz', inputs: binary()(62, [2, 3, 2, 3]), hypers: { per_image: 1 } },
    { loss: 'smp_lovasz', inputs: binary(255)(63, [3, 2, 7]), hypers: { ignore_index: 255 } },
    { loss: 'smp_lovasz', inputs: binary(255)(64, [3, 2, 7]), hypers: { ignore_index: 255, per_image: 1 } },
    { loss: 'smp_lovasz_multiclass', inputs: multiclass(65, [2, 3, 2, 3]), hypers: {} },
    { loss: 'smp_lovasz_multiclass', inputs: multiclass(66, [3, 4, 2, 3]), hypers: { per_image: 1 } },
    { loss: 'smp_lovasz_multiclass', inputs: multiclass(67, [3, 4, 3, 2]), hypers: { classes: 1 } },
    { loss: 'smp_lovasz_multiclass', inputs: multiclassWith(undefined)(68, [2, 4, 5, 1]), hypers: { per_image: 1, classes: 1, ignore_index: 2 } },
  ];
  it.skipIf(torch)('torch (float32, as smp runs) = the oracle within float32; its autograd = the compiler\'s gradient (float32, wasm)', () => {
    const payload = cases.map(({ loss, inputs: raw, hypers }) => {
      const inputs = roundInputs(raw);
      const y = loss === 'smp_lovasz' ? inputs.y! : inputs.t!;
      const ignore = hypers.ignore_index ?? (loss === 'smp_lovasz' ? undefined : -100);
      return {
        mode: loss === 'smp_lovasz' ? (inputs.x!.shape[1] === 1 ? 'binary' : 'multilabel') : 'multiclass',
        x: Array.from(inputs.x!.data), xshape: inputs.x!.shape, y: Array.from(y.data), yshape: y.shape,
        per_image: hypers.per_image === 1, ignore_index: ignore ?? null, classes: CLASSES[hypers.classes ?? 0],
      };
    });
    const r = spawnSync(PYTHON, ['-c', SMP_LOVASZ + DRIVER], { input: JSON.stringify(payload), encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    const got = JSON.parse(r.stdout) as { value: number; grad: number[] }[];
    cases.forEach(({ loss, inputs: raw, hypers }, k) => {
      const inputs = roundInputs(raw);
      const oracle = loss === 'smp_lovasz' ? hinge(inputs, hypers) : softmax(inputs, hypers);
      expect(Math.abs(got[k]!.value - oracle), `${loss} ${JSON.stringify(hypers)}`).toBeLessThanOrEqual(2e-6 * Math.max(1, Math.abs(oracle)));
      const fn = lossFn(SEG, loss);
      const mine = tfjsValueAndGrads(fn, inputs, hypers, ['x']);
      got[k]!.grad.forEach((g, i) => expect(Math.abs(mine.grads.x![i]! - g), `${loss} d/dx[${i}]`).toBeLessThanOrEqual(2e-5 * Math.max(1, Math.abs(g))));
    });
  }, 60_000);
});
