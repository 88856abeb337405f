// The operations the lowering speaks. A loss is lowered once (src/lower), by code written
// against this interface, and interpreted two ways: into TypeScript source for the generated
// module (src/emit/source-interp.ts) and into live TensorFlow.js tensors for the evaluator
// behind `lossc eval` and the playground (src/eval/live-interp.ts). Every value is a `V`:
// the source text of an expression, or the live JavaScript value itself. The lowering never
// asks which interpreter it runs on, so the evaluator runs exactly what users ship.
//
// Rules the lowering keeps so that both readings agree:
// - work that must run later or in its own scope (a gradFunc, a noGrad cut, a tf.tidy) is an
//   `arrow`, whose body the live interpreter runs when it is called;
// - a function body ends in a value (`arrow`'s body returns it; `branches` returns early);
// - a side effect is a statement (`stmt`, `throwIf`, `when`), never a value left unused;
// - a value is used in the function that made it (an arrow's body makes what it needs, or
//   reads a `let` of the enclosing one): the live interpreter computes a value where it is
//   made, generated code where it is written. The source interpreter refuses the mix-up.

import type * as tfjs from '@tensorflow/tfjs';
import type { HelperName } from '../runtime/helper-sources.js';
import type { JsOp } from './js-ops.js';

/** `...list` inside a list literal. A class, so that no live value is mistaken for one. */
export class Spread<V> {
  constructor(readonly spread: V) {}
}

export const spread = <V>(list: V): Spread<V> => new Spread(list);

export type Item<V> = V | Spread<V>;

export interface LetOptions {
  /** The local's declared type. */
  readonly type?: string;
  /**
   * The name `hint` itself even if an enclosing function has it: the new local shadows the
   * outer one, which the code after it in this function must not need.
   */
  readonly shadow?: boolean;
  /**
   * Generated code leaves the local out when nothing reads it (a dimension no other input or
   * operation needs): the value must be cheap and have no effect.
   */
  readonly dropIfUnused?: boolean;
}

export type ErrorKind = 'Error' | 'TypeError' | 'RangeError';

/** A parameter of an arrow function; `rest` gathers all arguments into one list. */
export interface Param {
  readonly name: string;
  readonly type?: string;
  readonly rest?: boolean;
}

/**
 * A TensorFlow.js function the lowering calls, as `tf.<name>`: any function tfjs exports (a
 * type-only import: the lowering loads no tfjs).
 */
export type Kernel = { [K in keyof typeof tfjs]: (typeof tfjs)[K] extends (...args: never[]) => unknown ? K : never }[keyof typeof tfjs];

export interface Interp<V> {
  // --- literals ---------------------------------------------------------------------------
  num(n: number): V;
  str(s: string): V;
  bool(b: boolean): V;
  undef(): V;
  /** A list literal; `type` annotates an empty one (`[] as tf.Tensor[]`). */
  list(items: readonly Item<V>[], type?: string): V;
  /** An object literal. */
  obj(fields: readonly (readonly [string, V])[]): V;

  // --- JavaScript expressions (a fixed vocabulary: js-ops.ts) ------------------------------
  js(op: JsOp, ...args: readonly V[]): V;
  /** `a && b()`, `a || b()`: the right operand is evaluated only when it decides. */
  and(a: V, b: () => V): V;
  or(a: V, b: () => V): V;
  /** `object.key` (or `object["key"]`). */
  get(object: V, key: string): V;
  /** `list[index]`, known to exist. */
  at(list: V, index: number | V): V;
  /** `value as type`: a type assertion for the checker; nothing at run time. */
  as(value: V, type: string): V;

  // --- TensorFlow.js and the module's helpers ----------------------------------------------
  tf(kernel: Kernel, ...args: readonly V[]): V;
  helper(name: HelperName, ...args: readonly V[]): V;
  call(f: V, ...args: readonly V[]): V;

  // --- statements ---------------------------------------------------------------------------
  /** `const name = value`: the value bound to a local of its own (named after `hint`). */
  let(hint: string, value: V, options?: LetOptions): V;
  /** A value used more than once: bound to a local unless it is a name or literal already. */
  once(hint: string, value: V): V;
  /** `const [a, b] = list as [A, B]`. */
  destructure(list: V, hints: readonly string[], types: readonly string[]): V[];
  /** Throws when `cond` holds; the message (fixed text and values) is made only then. */
  throwIf(cond: V, kind: ErrorKind, message: () => readonly (string | V)[]): void;
  when(cond: V, body: () => void): void;
  forOf(list: V, hint: string, body: (item: V) => void): void;
  forRange(count: V, hint: string, body: (k: V) => void): void;
  /**
   * A value carried through `count` iterations: `init`, then `body(k, acc)` for k = 0, 1, …,
   * each result the next `acc` (`let acc = init; for (…) { …; acc = next; }`); the last one.
   * The body may free the old `acc` once it has made the next.
   */
  fold(count: V, hint: string, init: V, body: (k: V, acc: V) => V, type?: string): V;
  /** An expression evaluated for its effect. */
  stmt(value: V): void;
  comment(text: string): void;
  /** The local `value` is held in, to name another local after it (naming only). */
  nameOf(value: V): string | undefined;

  // --- functions ----------------------------------------------------------------------------
  /**
   * An arrow function; `body` runs when the function is called, and returns its result.
   * `block`: written with a block body even when it is one expression (formatting only).
   */
  arrow(params: readonly Param[], body: (args: readonly V[]) => V, options?: { readonly returnType?: string; readonly block?: boolean }): V;
  /**
   * The first case whose condition holds returns its value from the enclosing function; else
   * `otherwise`. Only as the value a function body ends in.
   */
  branches(cases: readonly (readonly [cond: () => V, body: () => V])[], otherwise: () => V): V;
}
