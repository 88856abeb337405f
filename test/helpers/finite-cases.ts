// Running a loss at hard inputs, for tests that compare with a float64 oracle: the same inputs
// as tensors, value and gradients through the tfjs evaluator or a generated module.
import * as tf from '@tensorflow/tfjs';
import { valueAndGradsTfjs } from '../../src/eval/evaluate.js';
import type { IrFunction } from '../../src/ir/types.js';
import type { Nested } from '../oracle/tensor.js';

export interface FiniteCase {
  readonly loss: string;
  readonly inputs: Readonly<Record<string, Nested>>;
  /** Inputs holding class indices (int32); the rest are float32 and differentiated. */
  readonly ints?: readonly string[];
}

export interface Result {
  readonly loss: number;
  readonly grads: Record<string, Float32Array>;
}

export type LossFunction = (...args: unknown[]) => tf.Tensor;

export const floats = (c: FiniteCase): string[] => Object.keys(c.inputs).filter((k) => !c.ints?.includes(k));

export function tensors(c: FiniteCase): Record<string, tf.Tensor> {
  return Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, tf.tensor(v as number[], undefined, c.ints?.includes(k) ? 'int32' : 'float32')]));
}

export const allFinite = (r: Result): boolean => Number.isFinite(r.loss) && Object.values(r.grads).every((g) => g.every(Number.isFinite));

/** Value and gradients of `fn` through the tfjs evaluator. */
export function runEvaluator(fn: IrFunction, c: FiniteCase): Result {
  const ts = tensors(c);
  try {
    const { value, grads } = valueAndGradsTfjs(fn, ts, {}, floats(c));
    const out: Result = { loss: value.dataSync()[0]!, grads: Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, g.dataSync() as Float32Array])) };
    tf.dispose([value, ...Object.values(grads)]);
    return out;
  } finally {
    tf.dispose(Object.values(ts));
  }
}

/** Value and gradients of the generated function `f` (inputs in declaration order) by tf.valueAndGrads. */
export function runModule(f: LossFunction, c: FiniteCase): Result {
  const ts = tensors(c);
  const order = Object.keys(c.inputs);
  const wrt = floats(c);
  try {
    const call = (...xs: tf.Tensor[]): tf.Scalar => f(...order.map((k) => (wrt.includes(k) ? xs[wrt.indexOf(k)]! : ts[k]!))) as tf.Scalar;
    const { value, grads } = tf.valueAndGrads(call)(wrt.map((k) => ts[k]!));
    const r: Result = { loss: value.dataSync()[0]!, grads: Object.fromEntries(wrt.map((k, i) => [k, grads[i]!.dataSync() as Float32Array])) };
    tf.dispose([value, ...grads]);
    return r;
  } finally {
    tf.dispose(Object.values(ts));
  }
}
