// Finite-difference helpers of the gradient suites (grad-rules, grad-stdlib): float64 central
// differences of the reference evaluator's value, and the error measure the suites report.
// Written apart from src/grad: nothing here knows how the gradients are derived.
import { evaluateReference, type RefOptions, type RefTensor } from '../../src/reference/evaluate.js';
import type { IrFunction } from '../../src/ir/types.js';

export type Tensors = Record<string, RefTensor>;

/** The loss as tf.grad sees it: the sum of the evaluator's result (one number for a scalar loss). */
export function refTotal(fn: IrFunction, inputs: Tensors, hypers: Record<string, number> = {}, options: RefOptions = {}): number {
  return evaluateReference(fn, inputs, hypers, options).data.reduce((a, b) => a + b, 0);
}

/** `inputs` with element k of `name` replaced by v (a fresh copy of that tensor only). */
export function withElement(inputs: Tensors, name: string, k: number, v: number): Tensors {
  const t = inputs[name]!;
  const data = Float64Array.from(t.data);
  data[k] = v;
  return { ...inputs, [name]: { shape: [...t.shape], data } };
}

/**
 * d f / d x_k for every element of input `name`, by the five-point central difference
 * (8(f(x+h) - f(x-h)) - (f(x+2h) - f(x-2h))) / 12h, truncation O(h^4), with the step actually
 * representable at x. h = rel·max(1, |x|).
 */
export function fdGradient(f: (inputs: Tensors) => number, inputs: Tensors, name: string, rel = 1e-4): Float64Array {
  const t = inputs[name]!;
  const out = new Float64Array(t.data.length);
  for (let k = 0; k < t.data.length; k++) {
    const x = t.data[k]!;
    const h = (x + rel * Math.max(1, Math.abs(x))) - x;
    const at = (d: number): number => f(withElement(inputs, name, k, x + d));
    out[k] = (8 * (at(h) - at(-h)) - (at(2 * h) - at(-2 * h))) / (12 * h);
  }
  return out;
}

/**
 * Largest |a - b| / max(|a|, |b|, floor) over the elements, with the floor a fraction of the
 * tensor's own scale (elements far below the largest are compared in absolute terms); a NaN
 * or an infinity against a finite number counts as Infinity.
 */
export function gradError(got: ArrayLike<number>, want: ArrayLike<number>, floorFraction = 1e-3, floorMin = 1e-9): number {
  if (got.length !== want.length) throw new Error(`gradError: sizes ${got.length} and ${want.length} differ`);
  let scale = 0;
  for (let i = 0; i < want.length; i++) if (Number.isFinite(want[i]!)) scale = Math.max(scale, Math.abs(want[i]!));
  const floor = Math.max(floorMin, floorFraction * scale);
  let worst = 0;
  for (let i = 0; i < got.length; i++) {
    const a = got[i]!;
    const b = want[i]!;
    if (a === b) continue;
    if (!Number.isFinite(a) || !Number.isFinite(b)) return Infinity;
    worst = Math.max(worst, Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), floor));
  }
  return worst;
}

/** A short rendering of an array, for failure messages. */
export function show(xs: ArrayLike<number>, max = 12): string {
  const list = Array.from(xs).slice(0, max).map((v) => (Number.isInteger(v) ? String(v) : v.toPrecision(6)));
  return `[${list.join(', ')}${xs.length > max ? ', …' : ''}]`;
}
