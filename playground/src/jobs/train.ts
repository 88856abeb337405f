// A small model trained with a loss: a linear map from random features X [N, F] to the loss's
// trained input (its first axis is the sample axis). Targets come from a hidden "teacher" of
// the same form, so every loss sees the same learnable data. The loss's gradient with respect
// to the model output comes from `evaluate`; the chain rule through the linear map is here.
import { normal, rng } from '../rng.js';
import type { Dense } from '../values.js';
import { failOn, type Evaluator, type JobControl, type SeriesSpec } from './types.js';

export interface TrainParams {
  /** Each series with the input it trains and the kinds of its loss's inputs, by name (two
   * losses of a file may give one name different domains). */
  readonly series: readonly (SeriesSpec & { readonly train: string; readonly kinds: InputKinds })[];
  readonly steps: number;
  readonly lr: number;
  readonly optimizer: 'sgd' | 'adam';
  readonly seed: number;
  /** Fraction of regression targets replaced by outliers (the robustness comparison). */
  readonly outliers: number;
}

/** Kinds of a loss's inputs, to build targets: by input name. */
export type InputKinds = Readonly<Record<string, { elem: string; indexOf?: string; lo?: number; hi?: number; set?: readonly number[] }>>;

export interface TrainCurve {
  readonly label: string;
  readonly loss: number[];
  /** Set when the loss stopped being finite. */
  diverged?: number;
}

const FEATURES = 4;

function matmul(x: number[], w: number[], n: number, f: number, k: number, b: number[]): number[] {
  const out = new Array<number>(n * k).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) {
    let s = b[j]!;
    for (let q = 0; q < f; q++) s += x[i * f + q]! * w[q * k + j]!;
    out[i * k + j] = s;
  }
  return out;
}

/** Targets a teacher's outputs Z* imply for each other input, when its kind says how. */
function teacherInputs(base: Readonly<Record<string, Dense>>, trained: string, zStar: number[], p: TrainParams, kinds: InputKinds, next: () => number): Record<string, Dense> {
  const out: Record<string, Dense> = { ...base };
  const shape = base[trained]!.shape;
  const same = (s: readonly number[]): boolean => s.length === shape.length && s.every((d, i) => d === shape[i]);
  const gauss = normal(next);
  for (const [name, v] of Object.entries(base)) {
    const kind = kinds[name];
    if (name === trained || !kind) continue;
    if (kind.elem === 'index' && shape.length === 2 && v.shape.length === 1 && v.shape[0] === shape[0]) {
      const c = shape[1]!;
      out[name] = { shape: v.shape, data: v.shape.map(() => 0).map((_, i) => argmax(zStar.slice(i * c, (i + 1) * c))) };
    } else if (kind.elem === 'real' && same(v.shape)) {
      if (kind.set?.every((s) => s === 0 || s === 1)) out[name] = { shape: v.shape, data: zStar.map((z) => (z > 0 ? 1 : 0)) };
      else if (kind.lo === 0 && kind.hi === 1) out[name] = { shape: v.shape, data: zStar.map((z) => 1 / (1 + Math.exp(-z))) };
      else if (kind.lo === undefined && kind.hi === undefined) {
        out[name] = { shape: v.shape, data: zStar.map((z) => (next() < p.outliers ? z + (next() < 0.5 ? -1 : 1) * (5 + 5 * next()) : z + 0.1 * gauss())) };
      }
    }
  }
  return out;
}

function argmax(xs: number[]): number {
  let best = 0;
  xs.forEach((x, i) => (x > xs[best]! ? (best = i) : 0));
  return best;
}

export async function train(p: TrainParams, evaluate: Evaluator, ctl: JobControl): Promise<TrainCurve[]> {
  const curves: TrainCurve[] = [];
  for (const s of p.series) {
    const out = s.inputs[s.train];
    if (!out) throw new Error(`${s.label}: no input named '${s.train}' to train`);
    const n = out.shape[0] ?? 1;
    const k = out.data.length / Math.max(1, n);
    // The same seed gives every series the same features, teacher and starting weights.
    const next = rng(p.seed);
    const gauss = normal(next);
    const x = Array.from({ length: n * FEATURES }, gauss);
    const wStar = Array.from({ length: FEATURES * k }, gauss);
    const bStar = Array.from({ length: k }, () => 0.5 * gauss());
    const inputs = teacherInputs(s.inputs, s.train, matmul(x, wStar, n, FEATURES, k, bStar), p, s.kinds, next);
    const w = Array.from({ length: FEATURES * k }, () => 0.1 * gauss());
    const b = new Array<number>(k).fill(0);
    const adam = { m: new Array<number>(w.length + k).fill(0), v: new Array<number>(w.length + k).fill(0) };
    const curve: TrainCurve = { label: s.label, loss: [] };
    curves.push(curve);
    for (let step = 0; step < p.steps; step++) {
      if (ctl.cancelled()) return curves;
      const z = matmul(x, w, n, FEATURES, k, b);
      const reply = await evaluate({ ref: s.ref, inputs: { ...inputs, [s.train]: { shape: out.shape, data: z } }, hypers: s.hypers, grad: true });
      failOn(reply, s.label);
      const g = reply.grads?.[s.train] ?? [];
      if (!Number.isFinite(reply.value) || g.some((v) => !Number.isFinite(v))) {
        curve.diverged = step;
        break;
      }
      curve.loss.push(reply.value!);
      // dL/dW = Xᵀ G, dL/db = Σ_n G: the linear model's backward pass.
      const grad = new Array<number>(w.length + k).fill(0);
      for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) {
        const gij = g[i * k + j] ?? 0;
        for (let q = 0; q < FEATURES; q++) grad[q * k + j]! += x[i * FEATURES + q]! * gij;
        grad[w.length + j]! += gij;
      }
      update(p, adam, grad, step, (i, d) => (i < w.length ? (w[i]! -= d) : (b[i - w.length]! -= d)));
      if (step % 10 === 9) {
        ctl.progress(curves);
        await ctl.yieldNow();
      }
    }
    ctl.progress(curves);
  }
  return curves;
}

function update(p: TrainParams, adam: { m: number[]; v: number[] }, grad: number[], step: number, apply: (i: number, delta: number) => void): void {
  const [b1, b2, eps] = [0.9, 0.999, 1e-8];
  grad.forEach((gi, i) => {
    if (p.optimizer === 'sgd') return apply(i, p.lr * gi);
    adam.m[i] = b1 * adam.m[i]! + (1 - b1) * gi;
    adam.v[i] = b2 * adam.v[i]! + (1 - b2) * gi * gi;
    const mh = adam.m[i]! / (1 - b1 ** (step + 1));
    const vh = adam.v[i]! / (1 - b2 ** (step + 1));
    apply(i, (p.lr * mh) / (Math.sqrt(vh) + eps));
  });
}
