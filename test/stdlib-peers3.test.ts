// The remaining peers' losses, classification and detection: torchvision's
// generalized_box_iou_loss and pairwise box_iou / generalized_box_iou; Keras 3's hinge and
// plain cross-entropies; tf.losses' logLoss and softmaxCrossEntropy (also against tf.losses
// itself); ignore_index for the tutorial's label_smoothing_ce and focal (also against real
// F.cross_entropy). Against the float64 oracles of test/oracle/peers3.ts, written from the
// peers' definitions, and finite differences of those oracles. The segmentation_models_pytorch
// losses: test/stdlib-peers3-seg.test.ts.
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { maxRelErr } from './oracle/fd.js';
import * as P from './oracle/peers3.js';
import { fromNested, mulberry32, randomInts, type F64Tensor } from './oracle/tensor.js';
import { describeExtremes, describeGeneratedModules, describeLossCases, lossFn, moduleArgs, refValue, roundInputs, toTf, useWasm, type ExtremeCase, type Inputs, type LossCase } from './helpers/loss-harness.js';
import { PYTHON, torchMissing } from './helpers/torch.js';
import { evaluateTfjs } from '../src/eval/evaluate.js';
import { asBools, boxes, boxPairs, CLS, DET, describeOptionModules, flag, ignoringClasses, logitsAndIgnored, logitsAndLabels, numericSettings, probsAndIndices, probsAndLabels, probsAndTargets, R, scoresAndLabels, U } from './stdlib-peers3-shared.js';

const BASE_CASES: readonly LossCase[] = [
  { file: DET, loss: 'generalized_box_iou_loss', oracle: (x, h, r, w) => P.generalized_box_iou_loss(x.p!, x.t!, h.eps ?? 1e-7, R(r, w)), inputs: boxPairs, shapes: [[5, 4], [9, 4]], hypers: [{ eps: 1e-3 }] },
  { file: CLS, loss: 'keras_hinge', oracle: (x, _h, r, w) => P.keras_hinge(x.x!, x.y!, R(r, w)), inputs: scoresAndLabels, shapes: [[5, 4], [2, 3, 5]], hypers: [], wrt: ['x'] },
  {
    file: CLS, loss: 'binary_crossentropy', oracle: (x, h, r, w) => P.binary_crossentropy(x.y_pred!, x.y_true!, { from_logits: flag(h.from_logits), label_smoothing: h.label_smoothing ?? 0, ...R(r, w) }),
    inputs: probsAndTargets, shapes: [[5, 4], [2, 3, 5]], hypers: [{ label_smoothing: 0.1 }, { from_logits: 1 }, { from_logits: 1, label_smoothing: 0.2 }],
  },
  {
    file: CLS, loss: 'categorical_crossentropy', oracle: (x, h, r, w) => P.categorical_crossentropy(x.y_pred!, x.y_true!, { from_logits: flag(h.from_logits), label_smoothing: h.label_smoothing ?? 0, ...R(r, w) }),
    inputs: probsAndTargets, shapes: [[5, 4], [2, 3, 5]], hypers: [{ label_smoothing: 0.1 }, { from_logits: 1 }, { from_logits: 1, label_smoothing: 0.2 }],
  },
  {
    file: CLS, loss: 'sparse_categorical_crossentropy', oracle: (x, h, r, w) => P.sparse_categorical_crossentropy(x.y_pred!, x.t!, { from_logits: flag(h.from_logits), ...R(r, w) }),
    inputs: probsAndIndices, shapes: [[5, 4], [2, 3, 5]], hypers: [{ from_logits: 1 }],
  },
  { file: CLS, loss: 'log_loss', oracle: (x, h, r, w) => P.log_loss(x.p!, x.labels!, h.epsilon ?? 1e-7, R(r, w)), inputs: probsAndLabels, shapes: [[5, 4], [2, 3, 5]], hypers: [{ epsilon: 1e-3 }] },
  {
    file: CLS, loss: 'softmax_cross_entropy', oracle: (x, h, r, w) => P.softmax_cross_entropy(x.logits!, x.labels!, h.label_smoothing ?? 0, R(r, w)),
    inputs: logitsAndLabels, shapes: [[5, 4], [2, 3, 5]], hypers: [{ label_smoothing: 0.1 }],
  },
  // Masked means over the kept samples: no reduction option is compared here.
  {
    file: CLS, loss: 'label_smoothing_ce', oracle: (x, h) => P.label_smoothing_ce(x.x!, x.t!, h.epsilon ?? 0.1, h.ignore_index ?? -100),
    inputs: logitsAndIgnored, shapes: [[6, 4], [2, 3, 5]], hypers: [{ epsilon: 0.3 }], reductions: false,
  },
  {
    file: CLS, loss: 'focal', oracle: (x, h) => P.focal(x.x!, x.t!, h.alpha ?? 0.25, h.gamma ?? 2, h.ignore_index ?? -100),
    inputs: logitsAndIgnored, shapes: [[6, 4], [2, 3, 5]], hypers: [{ gamma: 0.5, alpha: 1 }], reductions: false,
  },
];
const byName = (loss: string): LossCase => BASE_CASES.find((c) => c.loss === loss)!;
const CASES: readonly LossCase[] = [
  ...BASE_CASES,
  ignoringClasses(byName('label_smoothing_ce'), [{ ignore_index: 1 }, { ignore_index: 0, epsilon: 0.2 }]),
  ignoringClasses(byName('focal'), [{ ignore_index: 2 }]),
];

useWasm();
describeLossCases(CASES);
const moduleOf = describeGeneratedModules('stdlib-peers3', [CLS, DET], numericSettings(CASES));
describeOptionModules(CASES, moduleOf);

// ---------------------------------------------------------------------------------------
// The pairwise box matrices: [N, M] outputs, elementwise.

describe('box_iou and generalized_box_iou: [N, M] matrices as torchvision', () => {
  const pairs = [[3, 4], [5, 2]].map(([N, M], i) => {
    const rng = mulberry32(300 + i);
    return { N: N!, M: M!, b1: boxes(rng, N!), b2: boxes(rng, M!) };
  });
  // Some pairs apart (IoU 0) and some overlapping, so that both branches are exercised.
  it.each(pairs)('reference evaluator in float64, the tfjs evaluator and the module in float32, $N × $M', ({ b1, b2, N, M }) => {
    for (const [loss, oracle] of [['box_iou', P.box_iou], ['generalized_box_iou', P.generalized_box_iou]] as const) {
      const want = oracle(b1, b2);
      expect(want.shape).toEqual([N, M]);
      for (const raw of [true, false]) expect(maxRelErr(refValue(DET, loss, { b1, b2 }, {}, raw), want.data, 1e-12), `${loss} ${raw}`).toBeLessThan(1e-12);
      const fn = lossFn(DET, loss);
      const inputs = toTf(fn, roundInputs({ b1, b2 }));
      const got = evaluateTfjs(fn, inputs, {});
      expect(got.shape).toEqual([N, M]);
      expect(maxRelErr(Float64Array.from(got.dataSync()), want.data, 1e-6)).toBeLessThan(1e-5);
      const mod = moduleOf(DET)[loss]!(...moduleArgs(fn, inputs, {}));
      expect(mod.shape).toEqual([N, M]);
      expect(maxRelErr(Float64Array.from(mod.dataSync()), want.data, 1e-6)).toBeLessThan(1e-5);
      tf.dispose([got, mod, ...Object.values(inputs)]);
    }
    expect(P.box_iou(b1, b2).data.some((v) => v === 0)).toBe(true);
    expect(P.box_iou(b1, b2).data.some((v) => v > 0)).toBe(true);
  });

  it('degenerate boxes: IoU and GIoU 0 where torchvision divides 0 by 0 (NaN)', () => {
    const b = fromNested([[1, 1, 1, 1]]);
    expect(Array.from(refValue(DET, 'box_iou', { b1: b, b2: b }, {}, false))).toEqual([0]);
    expect(Array.from(refValue(DET, 'generalized_box_iou', { b1: b, b2: b }, {}, false))).toEqual([0]);
    expect(P.box_iou(b, b).data[0]).toBeNaN();
  });

  it('generalized_box_iou_loss(p, t) is 1 − the diagonal of generalized_box_iou(p, t) up to eps', () => {
    const { p, t } = boxPairs(5, [6, 4]);
    const g = P.generalized_box_iou(p!, t!);
    const perPair = refValue(DET, 'generalized_box_iou_loss', { p: p!, t: t! }, { eps: 1e-300 }, false);
    const diag = Array.from({ length: 6 }, (_, i) => 1 - g.data[i * 6 + i]!);
    expect(Math.abs(perPair[0]! - diag.reduce((a, b) => a + b, 0) / 6)).toBeLessThan(1e-12);
  });
});

// ---------------------------------------------------------------------------------------
// tf.losses itself, an oracle that shares no code with lossc: its default reduction
// SUM_BY_NONZERO_WEIGHTS, MEAN, SUM and NONE, with weights that include zeros.

describe('log_loss and softmax_cross_entropy against tf.losses (tfjs 4.x)', () => {
  const REDUCTIONS = [
    [tf.Reduction.SUM_BY_NONZERO_WEIGHTS, 'sum_by_nonzero_weights'],
    [tf.Reduction.MEAN, 'mean'],
    [tf.Reduction.SUM, 'sum'],
    [tf.Reduction.NONE, 'none'],
  ] as const;
  const weights = fromNested([0, 1.5, 0.5, 0, 2]);
  it.each(REDUCTIONS.map(([tfR, ours]) => ({ tfR, ours })))("logLoss, reduction '$ours', epsilon 1e-7 and 1e-3", ({ tfR, ours }) => {
    const x = roundInputs(probsAndLabels(11, [5, 3]));
    const fn = lossFn(CLS, 'log_loss');
    const inputs = toTf(fn, x);
    for (const epsilon of [1e-7, 1e-3]) {
      for (const w of [undefined, weights]) {
        const want = tf.losses.logLoss(inputs.labels!, inputs.p!, w ? tf.tensor(Array.from(w.data), [5, 1]) : undefined, epsilon, tfR);
        const got = evaluateTfjs(fn, inputs, epsilon === 1e-7 ? {} : { epsilon }, { reduction: ours, ...(w ? { weights: tf.tensor(Array.from(w.data), [5]) } : {}) });
        expect(got.shape).toEqual(want.shape);
        expect(maxRelErr(Float64Array.from(got.dataSync()), Float64Array.from(want.dataSync()), 1e-6)).toBeLessThan(1e-5);
        tf.dispose([want, got]);
      }
    }
    tf.dispose(Object.values(inputs));
  });
  it.each(REDUCTIONS.map(([tfR, ours]) => ({ tfR, ours })))("softmaxCrossEntropy, reduction '$ours', label smoothing 0 and 0.2", ({ tfR, ours }) => {
    const x = roundInputs(logitsAndLabels(12, [5, 4]));
    const fn = lossFn(CLS, 'softmax_cross_entropy');
    const inputs = toTf(fn, x);
    for (const ls of [0, 0.2]) {
      for (const w of [undefined, weights]) {
        const wt = w ? tf.tensor(Array.from(w.data), [5]) : undefined;
        const want = tf.losses.softmaxCrossEntropy(inputs.labels!, inputs.logits!, wt, ls, tfR);
        const got = evaluateTfjs(fn, inputs, { label_smoothing: ls }, { reduction: ours, ...(wt ? { weights: wt } : {}) });
        expect(got.shape).toEqual(want.shape);
        expect(maxRelErr(Float64Array.from(got.dataSync()), Float64Array.from(want.dataSync()), 1e-6)).toBeLessThan(1e-5);
        tf.dispose([want, got, ...(wt ? [wt] : [])]);
      }
    }
    tf.dispose(Object.values(inputs));
  });
});

// ---------------------------------------------------------------------------------------
// Keras's label conversion and sparse renormalisation, by their documented numbers.

describe('Keras semantics', () => {
  it('hinge: a batch mixing -1 with 0 is taken as it is (a 0 label costs max(0, 1 - 0·x) = 1)', () => {
    const x = fromNested([[0.5, -2], [3, 0.25]]);
    const y = fromNested([[-1, 0], [1, 0]]);
    const want = ((1.5 + 1) / 2 + (0 + 1) / 2) / 2;
    expect(P.keras_hinge(x, y)).toBeCloseTo(want, 14);
    expect(refValue(CLS, 'keras_hinge', { x, y }, {}, false)[0]).toBeCloseTo(want, 14);
    // All 0/1: mapped to ±1.
    const y01 = fromNested([[0, 1], [1, 0]]);
    const want01 = ((1.5 + 3) / 2 + (0 + 1.25) / 2) / 2;
    expect(refValue(CLS, 'keras_hinge', { x, y: y01 }, {}, false)[0]).toBeCloseTo(want01, 14);
  });
  it('sparse_categorical_crossentropy renormalises after the clip: -log(q[t]) + log(Σ q)', () => {
    const y_pred = fromNested([[0, 0.5, 2]]);
    const t = fromNested([1]);
    const q = [1e-7, 0.5, 1 - 1e-7];
    const want = -Math.log(0.5) + Math.log(q[0]! + q[1]! + q[2]!);
    expect(refValue(CLS, 'sparse_categorical_crossentropy', { y_pred, t }, {}, false)[0]).toBeCloseTo(want, 12);
    expect(P.sparse_categorical_crossentropy(y_pred, t) as number).toBeCloseTo(want, 12);
  });
});

// ---------------------------------------------------------------------------------------
// Real PyTorch: label_smoothing_ce and focal with ignore_index against F.cross_entropy.

const TORCH_DRIVER = `
import json, sys, torch, torch.nn.functional as F
out = []
for c in json.load(sys.stdin):
    x = torch.tensor(c['x'], dtype=torch.float64)
    t = torch.tensor(c['t'], dtype=torch.long)
    C = x.shape[-1]
    eps = c['epsilon']
    ls = F.cross_entropy(x, t, label_smoothing=eps * C / (C - 1), ignore_index=c['ignore'])
    ce = F.cross_entropy(x, t, ignore_index=c['ignore'], reduction='none')
    keep = t != c['ignore']
    pt = torch.exp(-ce[keep])
    focal = (c['alpha'] * (1 - pt) ** c['gamma'] * ce[keep]).mean()
    out.append([ls.item(), focal.item()])
print(json.dumps({'version': torch.__version__, 'out': out}))
`;
// torchvision is not installed beside torch here: its box functions as torchvision 0.15
// writes them (ops/boxes.py _box_inter_union, box_iou, generalized_box_iou; ops/giou_loss.py
// with _utils._loss_inter_union), run in real torch, float64.
const TORCHVISION_DRIVER = `
import json, sys, torch
def box_area(b): return (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
def inter_union(b1, b2):
    lt = torch.max(b1[:, None, :2], b2[:, :2]); rb = torch.min(b1[:, None, 2:], b2[:, 2:])
    wh = (rb - lt).clamp(min=0); inter = wh[:, :, 0] * wh[:, :, 1]
    return inter, box_area(b1)[:, None] + box_area(b2) - inter
def box_iou(b1, b2):
    inter, union = inter_union(b1, b2); return inter / union
def generalized_box_iou(b1, b2):
    inter, union = inter_union(b1, b2); iou = inter / union
    lti = torch.min(b1[:, None, :2], b2[:, :2]); rbi = torch.max(b1[:, None, 2:], b2[:, 2:])
    whi = (rbi - lti).clamp(min=0); areai = whi[:, :, 0] * whi[:, :, 1]
    return iou - (areai - union) / areai
def generalized_box_iou_loss(boxes1, boxes2, eps):
    x1, y1, x2, y2 = boxes1.unbind(dim=-1); x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
    xkis1 = torch.max(x1, x1g); ykis1 = torch.max(y1, y1g); xkis2 = torch.min(x2, x2g); ykis2 = torch.min(y2, y2g)
    intsctk = torch.zeros_like(x1); mask = (ykis2 > ykis1) & (xkis2 > xkis1)
    intsctk[mask] = (xkis2[mask] - xkis1[mask]) * (ykis2[mask] - ykis1[mask])
    unionk = (x2 - x1) * (y2 - y1) + (x2g - x1g) * (y2g - y1g) - intsctk
    iouk = intsctk / (unionk + eps)
    area_c = (torch.max(x2, x2g) - torch.min(x1, x1g)) * (torch.max(y2, y2g) - torch.min(y1, y1g))
    return 1 - (iouk - ((area_c - unionk) / (area_c + eps)))
c = json.load(sys.stdin)
b1 = torch.tensor(c['b1'], dtype=torch.float64); b2 = torch.tensor(c['b2'], dtype=torch.float64)
print(json.dumps({'iou': box_iou(b1, b2).flatten().tolist(), 'giou': generalized_box_iou(b1, b2).flatten().tolist(),
  'loss': [generalized_box_iou_loss(b1, b2, eps).mean().item() for eps in (1e-7, 1e-3)]}))
`;
describe.skipIf(!!torchMissing())('torchvision 0.15 box functions, written in torch', () => {
  it('box_iou, generalized_box_iou ([N, M]) and generalized_box_iou_loss in float64, pairs overlapping and apart', () => {
    const rng = mulberry32(77);
    const b1 = boxes(rng, 6);
    const b2 = boxes(rng, 6, b1);
    b2.data.set([20, 20, 21, 23], 0); // a pair apart
    const rows = (b: F64Tensor) => Array.from({ length: b.shape[0]! }, (_, i) => Array.from(b.data.subarray(4 * i, 4 * i + 4)));
    const run = spawnSync(PYTHON, ['-c', TORCHVISION_DRIVER], { input: JSON.stringify({ b1: rows(b1), b2: rows(b2) }), encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    const want = JSON.parse(run.stdout) as { iou: number[]; giou: number[]; loss: number[] };
    expect(maxRelErr(refValue(DET, 'box_iou', { b1, b2 }, {}, false), Float64Array.from(want.iou), 1e-12)).toBeLessThan(1e-12);
    expect(maxRelErr(refValue(DET, 'generalized_box_iou', { b1, b2 }, {}, false), Float64Array.from(want.giou), 1e-12)).toBeLessThan(1e-12);
    expect(want.iou.some((v) => v === 0) && want.iou.some((v) => v > 0)).toBe(true);
    [1e-7, 1e-3].forEach((eps, k) => {
      expect(Math.abs(refValue(DET, 'generalized_box_iou_loss', { p: b1, t: b2 }, { eps }, false)[0]! - want.loss[k]!)).toBeLessThan(1e-12);
    });
  }, 60_000);
});

describe.skipIf(!!torchMissing())('label_smoothing_ce and focal with ignore_index against real F.cross_entropy', () => {
  it('float64 values, the ignored value -100 and a class, several ε, α, γ', () => {
    const cases = [
      { seed: 1, N: 7, C: 4, ignore: -100, epsilon: 0.1, alpha: 0.25, gamma: 2 },
      { seed: 2, N: 9, C: 3, ignore: 1, epsilon: 0.4, alpha: 1, gamma: 0.5 },
      { seed: 3, N: 5, C: 5, ignore: -100, epsilon: 0, alpha: 0.5, gamma: 0 },
    ].map((c) => {
      const rng = mulberry32(c.seed);
      const x = U([c.N, c.C], rng, -3, 3);
      const t = randomInts([c.N], rng, c.C);
      if (c.ignore === -100) t.data[2] = -100;
      return { ...c, x, t };
    });
    const run = spawnSync(PYTHON, ['-c', TORCH_DRIVER], {
      input: JSON.stringify(cases.map((c) => ({ x: Array.from({ length: c.N }, (_, i) => Array.from(c.x.data.subarray(i * c.C, (i + 1) * c.C))), t: Array.from(c.t.data), ignore: c.ignore, epsilon: c.epsilon, alpha: c.alpha, gamma: c.gamma }))),
      encoding: 'utf8', timeout: 60_000,
    });
    expect(run.stderr).toBe('');
    const { out } = JSON.parse(run.stdout) as { version: string; out: [number, number][] };
    cases.forEach((c, k) => {
      const [ls, fo] = out[k]!;
      const h = { epsilon: c.epsilon, ignore_index: c.ignore };
      expect(Math.abs(refValue(CLS, 'label_smoothing_ce', { x: c.x, t: c.t }, h, false)[0]! - ls)).toBeLessThan(1e-12 * Math.max(1, Math.abs(ls)));
      expect(Math.abs(P.label_smoothing_ce(c.x, c.t, c.epsilon, c.ignore) - ls)).toBeLessThan(1e-12 * Math.max(1, Math.abs(ls)));
      // focal floors 1 − p_t at 1e-6 (documented): the inputs keep CE far above that.
      const got = refValue(CLS, 'focal', { x: c.x, t: c.t }, { alpha: c.alpha, gamma: c.gamma, ignore_index: c.ignore }, false)[0]!;
      expect(Math.abs(got - fo)).toBeLessThan(1e-12 * Math.max(1, Math.abs(fo)));
    });
  }, 60_000);
});

// ---------------------------------------------------------------------------------------
// Extreme inputs

const EXTREMES: Record<string, readonly ExtremeCase[]> = (() => {
  const n = fromNested;
  const fd = (loss: string, what: string, x: Inputs, oracle: (v: Inputs) => number, wrt: string[], hypers?: Record<string, number>): ExtremeCase =>
    ({ loss, what, x, want: oracle(x), grads: 'fd', oracle, wrt, ...(hypers ? { hypers: asBools(hypers) } : {}) });
  const value = (loss: string, what: string, x: Inputs, want: number, hypers?: Record<string, number>): ExtremeCase => ({ loss, what, x, want, ...(hypers ? { hypers: asBools(hypers) } : {}) });
  return {
    [CLS]: [
      fd('binary_crossentropy', 'logits ±1e4 (from_logits)', { y_pred: n([[1e4, -1e4], [-1e4, 1e4]]), y_true: n([[0, 1], [0, 1]]) },
        (v) => P.binary_crossentropy(v.y_pred!, v.y_true!, { from_logits: true }) as number, ['y_true'], { from_logits: 1 }),
      // The clip's upper end 1 - 1e-7 is 1 - 1.19e-7 in float32, as in Keras's float32.
      value('binary_crossentropy', 'probabilities exactly 0 and 1 (clipped)', { y_pred: n([[0, 1], [1, 0]]), y_true: n([[0, 1], [0, 1]]) },
        (-Math.log(1 - Math.fround(1 - 1e-7)) - Math.log(1e-7)) / 4),
      value('categorical_crossentropy', 'a row of zeros (Keras: 0/0)', { y_pred: n([[0, 0, 0]]), y_true: n([[0, 1, 0]]) }, -Math.log(1e-7)),
      fd('categorical_crossentropy', 'logits ±1e4 (from_logits)', { y_pred: n([[1e4, -1e4, 0]]), y_true: n([[0, 1, 0]]) },
        (v) => P.categorical_crossentropy(v.y_pred!, v.y_true!, { from_logits: true }) as number, ['y_true'], { from_logits: 1 }),
      fd('sparse_categorical_crossentropy', 'logits ±1e4 (from_logits)', { y_pred: n([[1e4, -1e4, 0]]), t: n([1]) },
        (v) => P.sparse_categorical_crossentropy(v.y_pred!, v.t!, { from_logits: true }) as number, ['y_pred'], { from_logits: 1 }),
      value('log_loss', 'probabilities exactly 0 and 1, wrong', { p: n([0, 1]), labels: n([1, 0]) }, -Math.log(Math.fround(1e-7))),
      fd('softmax_cross_entropy', 'logits ±1e4', { logits: n([[1e4, -1e4, 0]]), labels: n([[0, 1, 0]]) }, (v) => P.softmax_cross_entropy(v.logits!, v.labels!) as number, ['labels']),
      value('label_smoothing_ce', 'logits ±1e4, one sample ignored', { x: n([[1e4, -1e4, 0], [1, 2, 3]]), t: n([1, -100]) }, P.label_smoothing_ce(n([[1e4, -1e4, 0]]), n([1]))),
      value('focal', 'logits ±1e4, one sample ignored', { x: n([[1e4, -1e4, 0], [1, 2, 3]]), t: n([1, -100]) }, P.focal(n([[1e4, -1e4, 0]]), n([1]))),
    ],
    [DET]: [
      value('generalized_box_iou_loss', 'identical boxes', { p: n([[0, 0, 2, 3]]), t: n([[0, 0, 2, 3]]) }, P.generalized_box_iou_loss(n([[0, 0, 2, 3]]), n([[0, 0, 2, 3]])) as number),
      value('generalized_box_iou_loss', 'zero-area boxes at one point', { p: n([[1, 1, 1, 1]]), t: n([[1, 1, 1, 1]]) }, 1),
      fd('generalized_box_iou_loss', 'boxes 1e4 apart', { p: n([[0, 0, 1, 1]]), t: n([[1e4, 1e4, 1e4 + 1, 1e4 + 1]]) }, (v) => P.generalized_box_iou_loss(v.p!, v.t!) as number, ['p', 't']),
    ],
  };
})();
describe('extreme inputs', () => {
  for (const [file, cases] of Object.entries(EXTREMES)) describeExtremes(file, cases, moduleOf);
});
