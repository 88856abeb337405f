// Valid random inputs for any lowered loss, read off its signature alone: dimension sizes,
// leading '...' dims, values inside each declared domain, whole numbers for int inputs,
// class indices below the size of their class dim. Used to run every stdlib loss and every
// generated program without knowing anything about it in advance.
import * as tf from '@tensorflow/tfjs';
import type { RefTensor } from '../../src/reference/evaluate.js';
import { REST, type DomainInfo, type IrFunction, type IrInput } from '../../src/ir/types.js';
import type { Rng } from './gen-program.js';

export interface Dense {
  readonly shape: number[];
  readonly data: number[];
  readonly dtype: 'float32' | 'int32' | 'bool';
}

export interface Sample {
  readonly sizes: ReadonlyMap<string, number>;
  readonly rest: readonly number[];
  /** Every required input, and the optional ones that were drawn. */
  readonly tensors: Record<string, Dense>;
  readonly hypers: Record<string, number>;
}

const between = (rng: Rng, lo: number, hi: number): number => Math.fround(lo + (hi - lo) * rng());

/** A real inside the domain, away from its ends (open ends, and steep spots like log(0)). */
function realIn(rng: Rng, d: DomainInfo | undefined): number {
  if (!d) return between(rng, -2, 2);
  if (d.kind === 'set') return d.values![Math.floor(rng() * d.values!.length)]!;
  const lo = d.lo ?? -Infinity;
  const hi = d.hi ?? Infinity;
  if (Number.isFinite(lo) && Number.isFinite(hi)) return between(rng, lo + 0.05 * (hi - lo), hi - 0.05 * (hi - lo));
  if (Number.isFinite(lo)) return between(rng, lo + 0.05, lo + 3);
  if (Number.isFinite(hi)) return between(rng, hi - 3, hi - 0.05);
  return between(rng, -2, 2);
}

function intIn(rng: Rng, d: DomainInfo | undefined): number {
  if (d?.kind === 'set') return d.values![Math.floor(rng() * d.values!.length)]!;
  const lo = Math.max(-3, Math.ceil((d?.lo ?? -3) + (d?.loClosed === false ? 1e-9 : 0)));
  const hi = Math.min(Math.max(lo, 3), Math.floor((d?.hi ?? 3) - (d?.hiClosed === false ? 1e-9 : 0)));
  return lo + Math.floor(rng() * (hi - lo + 1));
}

export function inputShape(input: IrInput, sizes: ReadonlyMap<string, number>, rest: readonly number[]): number[] {
  return input.axes.flatMap((a) => (a.name === REST ? [...rest] : [sizes.get(a.dim)!]));
}

export interface SampleOptions {
  /** Largest size of a named dim (at least 1). */
  readonly maxSize?: number;
  /** Draw optional inputs and hyperparameters with defaults too (else leave them out). */
  readonly optional?: boolean;
  /** How many leading dims '...' stands for (random, 0 to 2, when not given). */
  readonly restRank?: number;
}

export function sampleInputs(fn: IrFunction, rng: Rng, options: SampleOptions = {}): Sample {
  const maxSize = options.maxSize ?? 4;
  const sizes = new Map<string, number>();
  for (const d of fn.dims) if ('size' in d) sizes.set(d.dim, d.size);
  // A class dim has at least 2 classes: with one, every index is 0 and the loss refuses it.
  const classDims = new Set(fn.inputs.flatMap((i) => (i.indexOf ? [i.indexOf] : [])));
  for (const i of fn.inputs) for (const a of i.axes) if (a.name !== REST && !sizes.has(a.dim)) sizes.set(a.dim, (classDims.has(a.dim) ? 2 : 1) + Math.floor(rng() * (classDims.has(a.dim) ? Math.max(1, maxSize - 1) : maxSize)));
  const rest = Array.from({ length: options.restRank ?? Math.floor(rng() * 3) }, () => 1 + Math.floor(rng() * 3));
  const tensors: Record<string, Dense> = {};
  for (const input of fn.inputs) {
    if (input.default !== undefined && !(options.optional ?? rng() < 0.5)) continue;
    const shape = inputShape(input, sizes, rest);
    const n = shape.reduce((a, b) => a * b, 1);
    const value = (): number => {
      switch (input.elem) {
        case 'real':
          return realIn(rng, input.domain);
        case 'int':
          return intIn(rng, input.domain);
        case 'bool':
          return rng() < 0.5 ? 1 : 0;
        case 'index':
          return Math.floor(rng() * sizes.get(input.indexOf!)!);
      }
    };
    const dtype = input.elem === 'real' ? 'float32' : input.elem === 'bool' ? 'bool' : 'int32';
    tensors[input.name] = { shape, data: Array.from({ length: n }, value), dtype };
  }
  const hypers: Record<string, number> = {};
  for (const h of fn.hypers) {
    if (h.default !== undefined && !(options.optional ?? rng() < 0.5)) continue;
    // A hyperparameter of strings is held as the position of one (the evaluator's form).
    hypers[h.name] = h.values ? Math.floor(rng() * h.values.length) : h.elem === 'bool' ? (rng() < 0.5 ? 1 : 0) : h.elem === 'int' ? intIn(rng, h.domain) : realIn(rng, h.domain);
  }
  return { sizes, rest, tensors, hypers };
}

export function toTf(sample: Sample): Record<string, tf.Tensor> {
  return Object.fromEntries(Object.entries(sample.tensors).map(([k, v]) => [k, tf.tensor(v.data, v.shape, v.dtype)]));
}

export function toRef(sample: Sample): Record<string, RefTensor> {
  return Object.fromEntries(Object.entries(sample.tensors).map(([k, v]) => [k, { shape: [...v.shape], data: Float64Array.from(v.data) }]));
}

export type LossFunction = (...args: unknown[]) => tf.Tensor;

/**
 * Calls a generated loss: required tensor inputs in declaration order, then the options
 * object with hyperparameters (booleans as booleans), optional inputs and `extra`.
 */
export function callModule(
  fn: IrFunction,
  f: LossFunction,
  tensors: Record<string, tf.Tensor>,
  hypers: Record<string, number>,
  extra: Record<string, unknown> = {},
): tf.Tensor {
  const positional = fn.inputs.filter((i) => i.default === undefined).map((i) => tensors[i.name]);
  const options: Record<string, unknown> = { ...extra };
  for (const i of fn.inputs) if (i.default !== undefined && tensors[i.name]) options[i.name] = tensors[i.name];
  for (const h of fn.hypers) if (hypers[h.name] !== undefined) options[h.name] = h.values ? h.values[hypers[h.name]!] : h.elem === 'bool' ? hypers[h.name] !== 0 : hypers[h.name];
  // A list input (`list[K] of ...`) is passed as its elements, split off the stacked tensor
  // inside a tidy that frees them (the tape still sees the split).
  if (!fn.inputs.some((i) => i.list)) return f(...positional, options);
  const lists = fn.inputs.filter((i) => i.default === undefined).map((i) => i.list === true);
  return tf.tidy(() => f(...positional.map((t, k) => (lists[k] && t ? tf.unstack(t) : t)), options));
}
