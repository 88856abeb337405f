// Runs a loss on TensorFlow.js, forward and with gradients: the one lowering (src/lower) read
// by the live interpreter, so the evaluator behind `lossc eval` and the playground runs what
// the generated module does, checks and derived gradients included. This file is only the
// boundary: it takes inputs by name (each read by its dtype, as the module reads it) and
// hyperparameters as a record, and calls the loss as a module's caller would.

import { noReductionReason, type ReductionMode } from '../ir/reduction.js';
import * as tf from '@tensorflow/tfjs';
import { differentiate } from '../grad/index.js';
import { memoized } from '../ir/memo.js';
import type { IrFunction } from '../ir/types.js';
import { lowerLoss } from '../lower/loss.js';
import { LiveInterp } from './live-interp.js';
import { unknownNameMessage } from '../check/declared-names.js';

export interface TfjsEvalOptions {
  /** Reduce the per-sample loss this way instead of returning the output (needs fn.reduction). */
  reduction?: ReductionMode;
  /**
   * Weights: the per-sample shape or a leading part of it (broadcast over the trailing dims).
   * 'none' then returns w·l, 'sum' Σ w·l, 'mean' Σ w·l / Σ w.
   */
  weights?: tf.Tensor;
  /** Scan real inputs and weights for NaN first (default true), as generated code does. */
  checkValues?: boolean;
  /** Throw when the loss holds NaN or an infinity, naming what led there. */
  checkFinite?: boolean;
  /** Rows per block of a tiled loss (docs/language.md, Tiling). */
  blockRows?: number;
  /** The elements of each ragged list input (`list[K] of ragged [B, C, ...]`), by name. */
  lists?: Record<string, readonly tf.Tensor[]>;
  /** The loss's function parameters (e.g. a feature extractor, a tf.LayersModel's apply), by name. */
  functions?: Record<string, (x: tf.Tensor) => tf.Tensor | tf.Tensor[]>;
  /**
   * Differentiate with tfjs's own autodiff through every op, instead of the backward pass the
   * compiler derived (default false; losses with function parameters always use autodiff).
   */
  autodiff?: boolean;
}

/** A value that cannot be evaluated: a missing hyperparameter, an index that is not whole, a bad option. */
export class EvalError extends Error {
  override name = 'EvalError';
}

const interp = new LiveInterp();

/**
 * `fn` ready to run: with its derived gradients. An IR that did not come through the pipeline
 * (built by hand, or with `gradients: false`) is differentiated here, for the cost target of
 * the backend that runs it.
 */
function prepared(fn: IrFunction, autodiff: boolean): IrFunction {
  if (autodiff || (fn.functions ?? []).length > 0) return fn;
  const target = tf.getBackend() === 'cpu' ? 'cpu' : 'wasm';
  // Once per loss and target: the lowering's own plans are then kept with the derived IR too.
  // The specialised bodies (src/opt/specialise.ts) are differentiated as the loss is.
  return memoized(fn, `differentiated for ${target}`, () => {
    const general = fn.gradients ? fn : differentiate(fn, { target }).fn ?? fn;
    const specialised = fn.specialised?.map((s) => (s.fn.gradients ? s : { ...s, fn: differentiate(s.fn, { target }).fn ?? s.fn }));
    return specialised === undefined ? general : { ...general, specialised };
  });
}

/**
 * The elements of a stacked list input, each a slice (tf.unstack's gradient fails for a list of
 * one: tfjs hands its Unpack gradient one tensor, not a list, and tf.stack refuses it).
 */
function elementsOf(t: tf.Tensor): tf.Tensor[] {
  const inner = t.shape.slice(1);
  return Array.from({ length: t.shape[0]! }, (_, k) => tf.reshape(tf.slice(t, [k], [1]), inner));
}

/** The loss called as its generated function would be: positional arguments and an options object. */
function call(fn: IrFunction, inputs: Readonly<Record<string, tf.Tensor>>, hypers: Readonly<Record<string, number>>, options: TfjsEvalOptions): tf.Tensor {
  // A name the loss does not declare is refused, as the module refuses an unknown option.
  const unknown = unknownNameMessage(fn, [...Object.keys(inputs), ...Object.keys(options.lists ?? {})], 'input') ?? unknownNameMessage(fn, Object.keys(hypers), 'hyperparameter');
  if (unknown !== undefined) throw new EvalError(unknown);
  const loss = prepared(fn, options.autodiff === true);
  // A tf.Tensor keeps its dtype, as a generated module reads it: a float32 one for a bool, int
  // or class-index input is refused by the loss's own check with the module's words, whole
  // numbers or 0/1 or not (a module casts only a TensorLike, which carries no dtype; values
  // given as numbers get theirs before they become tensors, denseDtype in inputs.ts). Read
  // as its nonzero entries, a float32 mask of 0.5s would have selected what the module refuses.
  const given = inputs;
  const args = new Map<string, unknown>();
  for (const name of loss.order ?? loss.inputs.filter((i) => i.default === undefined).map((i) => i.name)) {
    // A list input, given stacked, is passed as its elements (the loss stacks them again).
    const list = loss.inputs.some((i) => i.name === name && i.list) && given[name] !== undefined;
    // A ragged list is given as its elements.
    const ragged = options.lists?.[name];
    if (ragged) {
      args.set(name, ragged);
      continue;
    }
    args.set(name, loss.functions?.some((f) => f.name === name) ? options.functions?.[name] : list ? elementsOf(given[name]!) : given[name]);
  }
  const opts: Record<string, unknown> = {};
  for (const i of loss.inputs) if (i.default !== undefined && given[i.name] !== undefined) opts[i.name] = given[i.name];
  for (const h of loss.hypers) {
    const v = hypers[h.name] ?? h.default;
    if (v === undefined) throw new EvalError(`${fn.name}: hyperparameter '${h.name}' has no value and no default`);
    // A JavaScript caller may pass true/false as well as 1/0 (false !== 0 would read as true).
    // An enum hyperparameter is held as its position; the loss takes the string.
    opts[h.name] = h.values ? h.values[v] ?? v : h.elem === 'bool' ? (v as unknown) !== false && v !== 0 : v;
  }
  for (const key of ['reduction', 'weights', 'checkValues', 'checkFinite', 'blockRows'] as const) if (options[key] !== undefined) opts[key] = options[key];
  if (!loss.reduction && (options.reduction !== undefined || options.weights !== undefined)) {
    throw new EvalError(`${fn.name}: takes no 'reduction' or 'weights' option: ${noReductionReason(fn.nodes, fn.output)}`);
  }
  const order = [...args.keys()];
  const run = (positional: ReadonlyMap<string, unknown>, opts: unknown): tf.Tensor => {
    // Called again by the loss with TensorLike arguments converted, as a generated module's function is.
    const self = (...callArgs: unknown[]): tf.Tensor => run(new Map(order.map((name, k) => [name, callArgs[k]] as const)), callArgs[order.length]);
    return lowerLoss(interp, loss, { args: positional, options: opts, self }, { autodiff: options.autodiff === true }) as tf.Tensor;
  };
  return run(args, opts);
}

/** Evaluates the loss; only the result survives (disposing it never disposes an input). */
export function evaluateTfjs(fn: IrFunction, inputs: Record<string, tf.Tensor>, hypers: Record<string, number>, options: TfjsEvalOptions = {}): tf.Tensor {
  return tf.tidy(() => call(fn, inputs, hypers, options));
}

/**
 * The loss and its gradients with respect to the real tensor inputs named in `wrt` (a
 * non-scalar loss, e.g. reduction 'none', is summed first, as tf.grad does). An input the loss
 * does not depend on gets a zero gradient.
 */
export function valueAndGradsTfjs(
  fn: IrFunction,
  inputs: Record<string, tf.Tensor>,
  hypers: Record<string, number>,
  wrt: readonly string[],
  options: TfjsEvalOptions = {},
): { value: tf.Tensor; grads: Record<string, tf.Tensor>; listGrads: Record<string, tf.Tensor[]> } {
  // A ragged list's elements each get their own gradient.
  const ragged = wrt.filter((n) => options.lists?.[n] !== undefined);
  const tensorsWrt = wrt.filter((n) => !ragged.includes(n));
  for (const name of ragged) if (fn.inputs.find((i) => i.name === name)?.elem !== 'real') throw new EvalError(`${fn.name}: cannot differentiate with respect to '${name}': it is not real`);
  for (const name of tensorsWrt) {
    const decl = fn.inputs.find((i) => i.name === name);
    if (!decl) throw new EvalError(`${fn.name}: cannot differentiate with respect to '${name}': it is not a tensor input of the loss`);
    if (decl.elem !== 'real') throw new EvalError(`${fn.name}: cannot differentiate with respect to '${name}': it is ${decl.elem}, not real`);
    if (!inputs[name]) throw new EvalError(`${fn.name}: cannot differentiate with respect to '${name}': no value is given for it`);
    if (decl.orIndices && inputs[name]!.dtype === 'int32') {
      throw new EvalError(`${fn.name}: cannot differentiate with respect to '${name}': it is given as class indices (its probabilities form [${decl.axes.map((a) => a.dim).join(', ')}] has a gradient)`);
    }
  }
  return tf.tidy(() => {
    const xs = [...tensorsWrt.map((n) => inputs[n]!), ...ragged.flatMap((n) => options.lists![n]!)];
    // As a module's caller would: its checkFinite runs off the tape, so a throw leaks nothing.
    const f = (): tf.Tensor => call(fn, inputs, hypers, options);
    // engine.gradients (what tf.valueAndGrads calls) with allowNoGradients: an input with no
    // path to the loss gets zeros instead of an error.
    const { value, grads } = tf.engine().gradients(f, xs, undefined, true);
    const out: Record<string, tf.Tensor> = {};
    tensorsWrt.forEach((n, i) => (out[n] = grads[i] ?? tf.zerosLike(xs[i]!)));
    const listGrads: Record<string, tf.Tensor[]> = {};
    let at = tensorsWrt.length;
    for (const n of ragged) listGrads[n] = options.lists![n]!.map((e) => grads[at++] ?? tf.zerosLike(e));
    return { value, grads: out, listGrads };
  });
}
