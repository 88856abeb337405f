// Inputs and option helpers shared by test/stdlib-peers3.test.ts and
// test/stdlib-peers3-seg.test.ts (the remaining peers' losses, split in two files to keep
// each fast).
import * as P from './oracle/peers3.js';
import { mulberry32, randomInts, randomTensor, type F64Tensor, type Rng } from './oracle/tensor.js';
import { optionForms, type Hypers, type Inputs, type LossCase, type Reduction } from './helpers/loss-harness.js';

export const CLS = 'stdlib/classification.loss';
export const DET = 'stdlib/detection.loss';
export const SEG = 'stdlib/segmentation.loss';
export const R = (reduction?: Reduction, weights?: F64Tensor) => ({ ...(reduction ? { reduction } : {}), ...(weights ? { weights } : {}) });
export const U = (shape: number[], rng: Rng, lo: number, hi: number) => randomTensor(shape, rng, { lo, hi });
export const flag = (v: number | undefined, dflt = false): boolean => (v === undefined ? dflt : v !== 0);
export const SCORE = ['dice', 'jaccard', 'tversky'] as const;

// ---------------------------------------------------------------------------------------
// Inputs

export const oneHotRows = (shape: number[], rng: Rng): F64Tensor => {
  const C = shape[shape.length - 1]!;
  const data = new Float64Array(shape.reduce((a, b) => a * b, 1));
  for (let r = 0; r < data.length / C; r++) data[r * C + rng.int(C)] = 1;
  return { shape: [...shape], data };
};
/** Probabilities (also fine as logits) and one-hot targets; soft targets for rank 3. */
export const probsAndTargets = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  return { y_pred: U(shape, rng, 0.05, 0.95), y_true: shape.length === 3 ? U(shape, rng, 0, 1) : oneHotRows(shape, rng) };
};
/** Probabilities (rows not summing to 1) and class indices of the rows. */
export const probsAndIndices = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  return { y_pred: U(shape, rng, 0.05, 0.95), t: randomInts(shape.slice(0, -1), rng, shape[shape.length - 1]!) };
};
/** Scores in (-2, 2) and labels: 0/1 for rank 2, ±1 for rank 3. */
export const scoresAndLabels = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  const y = randomInts(shape, rng, 2);
  return { x: U(shape, rng, -2, 2), y: shape.length === 2 ? y : { ...y, data: y.data.map((v) => 2 * v - 1) } };
};
export const logitsAndLabels = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  return { logits: U(shape, rng, -3, 3), labels: shape.length === 3 ? U(shape, rng, 0, 1) : oneHotRows(shape, rng) };
};
export const probsAndLabels = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  return { p: U(shape, rng, 0.05, 0.95), labels: U(shape, rng, 0, 1) };
};
/** Logits and class indices, every third target the ignored value -100. */
export const logitsAndIgnored = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  const t = randomInts(shape.slice(0, -1), rng, shape[shape.length - 1]!);
  return { x: U(shape, rng, -3, 3), t: { ...t, data: t.data.map((v, i) => (i % 3 === 1 ? -100 : v)) } };
};
/** n boxes (x1, y1, x2, y2), x1 < x2 and y1 < y2; `near` puts each within ±2 of its pair. */
export const boxes = (rng: Rng, n: number, near?: F64Tensor): F64Tensor => {
  const data = new Float64Array(4 * n);
  for (let i = 0; i < n; i++) {
    const [x, y] = near ? [near.data[4 * i]! + rng.uniform(-2, 2), near.data[4 * i + 1]! + rng.uniform(-2, 2)] : [rng.uniform(0, 10), rng.uniform(0, 10)];
    data.set([x, y, x + rng.uniform(1, 5), y + rng.uniform(1, 5)], 4 * i);
  }
  return { shape: [n, 4], data };
};
export const boxPairs = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  const t = boxes(rng, shape[0]!);
  return { p: boxes(rng, shape[0]!, t), t };
};
/** [B, C, S]: x in (0.05, 0.95) (logits or probabilities), y 0/1 per class, soft when S is odd. */
export const segmentation = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  const x = U(shape, rng, 0.05, 0.95);
  const y = shape[2]! % 2 === 1 ? U(shape, rng, 0, 1) : { ...randomInts(shape, rng, 2) };
  return { x, y: { shape: [...shape], data: Float64Array.from(y.data) } };
};
/** [B, C, S] x in (0.05, 0.95) (logits or probabilities) and class indices [B, S], every fifth the ignored -100. */
export const segmentationIdx = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  const [B, C, S] = shape as [number, number, number];
  const t = randomInts([B, S], rng, C);
  return { x: U(shape, rng, 0.05, 0.95), t: { ...t, data: t.data.map((v, i) => (i % 5 === 3 ? -100 : v)) } };
};
export const probs01 = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  return { p: U(shape, rng, 0.02, 0.98), y: randomInts(shape, rng, 2) };
};
export const logits01 = (seed: number, shape: number[]): Inputs => {
  const rng = mulberry32(seed);
  return { x: U(shape, rng, -3, 3), y: U(shape, rng, 0, 1) };
};

/** The SMP overlap losses' options as the oracles take them (score as its position). */
export const smp = (h: Hypers): P.SmpOverlapOpts => ({
  score: SCORE[h.score ?? 0]!,
  from_logits: flag(h.from_logits, true),
  log_loss: flag(h.log_loss),
  ...Object.fromEntries(['smooth', 'eps', 'alpha', 'beta', 'gamma'].filter((k) => h[k] !== undefined).map((k) => [k, h[k]!])),
});
export const smpFocal = (h: Hypers): P.SmpFocalOpts => ({ gamma: h.gamma ?? 2, normalized: flag(h.normalized), ...(flag(h.use_alpha) ? { alpha: h.alpha ?? 0.25 } : {}) });

/** The same inputs with no -100 in t: for settings whose ignore_index is a class (-100 is then refused). */
export const classesOnly = (f: LossCase['inputs']): LossCase['inputs'] => (seed, shape) => {
  const x = f(seed, shape);
  return { ...x, t: { ...x.t!, data: x.t!.data.map((v) => (v === -100 ? 0 : v)) } };
};
/** A case's settings that ignore a class, as a case of their own on inputs without -100. */
export const ignoringClasses = (c: LossCase, hypers: Hypers[]): LossCase => ({ ...c, inputs: classesOnly(c.inputs), hypers, shapes: [c.shapes[0]!] });

// The generated functions take booleans and strings where the evaluators take 0/1 and a
// string option's position: the harness's module check gets the settings without them, and
// the loop below each setting with them.
export const BOOL_NAMES = ['from_logits', 'log_loss', 'use_alpha', 'normalized'];
export const STRINGS: Record<string, readonly string[]> = { score: SCORE };
export const { asOptions, numericSettings, describeOptionModules } = optionForms(BOOL_NAMES, STRINGS);
export const asBools = (h: Hypers): Hypers => asOptions(h) as unknown as Hypers;
