// What the bench knows about one stdlib loss: the input sizes that make sense for it, seeded
// inputs, the inputs a training step differentiates, and its three or four implementations.
import type * as tf from '@tensorflow/tfjs';
import type { Rng } from './random.js';

export type Inputs = Readonly<Record<string, tf.Tensor>>;
export type Dims = Readonly<Record<string, number>>;
export type LossFn = (x: Inputs) => tf.Scalar;

/** A module lossc generated: one exported function per loss. */
export type GeneratedModule = Readonly<Record<string, unknown>>;

/** Options every call of a generated function gets from the bench (besides the defaults). */
export interface CompiledOptions {
  readonly checkValues?: boolean;
}

export interface BenchCase {
  /** The stdlib loss, which is also the generated function's name. */
  readonly loss: string;
  /** The stdlib file's stem: `stdlib/<file>.loss`, `build/stdlib/<file>.ts`. */
  readonly file: string;
  /** Nominal sizes, in `unit`. */
  readonly sizes: readonly number[];
  /** What a size counts, for the report. */
  readonly unit: string;
  /** The dimensions used for a nominal size. */
  readonly dims: (size: number) => Dims;
  /** The actual element count of what `unit` names (sizes are rounded to whole dimensions). */
  readonly elements: (d: Dims) => number;
  /** Seeded inputs, created on the active backend. */
  readonly inputs: (d: Dims, rng: Rng) => Record<string, tf.Tensor>;
  /** The inputs a training step differentiates (model outputs and learnable parameters). */
  readonly wrt: readonly string[];
  readonly compiled: (mod: GeneratedModule, x: Inputs, options: CompiledOptions) => tf.Scalar;
  /** The hand-written tfjs port (bench/baselines/). */
  readonly baseline: LossFn;
  /** The same loss through tf.losses, where tfjs has it. */
  readonly tfLosses?: LossFn;
  /** The tutorial's loop-based version, ported loop for loop. */
  readonly loop?: LossFn;
  /** The largest size at which the loop version is timed, per mode (default: every size). */
  readonly loopMaxSize?: { readonly forward?: number; readonly backward?: number };
  /** From this size on, the task starts in a fresh worker (an empty wasm heap): it needs a lot. */
  readonly freshWorkerFrom?: number;
  /** Where the implementations differ on purpose (for the report and the test's tolerance). */
  readonly note?: string;
}

/** The generated function `name` of `mod`, called with positional arguments. */
export function call(mod: GeneratedModule, name: string, ...args: unknown[]): tf.Scalar {
  const fn = mod[name];
  if (typeof fn !== 'function') throw new Error(`the generated module has no function '${name}'`);
  return fn(...args) as tf.Scalar;
}

/** The tensor `name` of `x` (a missing one is a bug in a case). */
export function get(x: Inputs, name: string): tf.Tensor {
  const t = x[name];
  if (!t) throw new Error(`no input '${name}'`);
  return t;
}
