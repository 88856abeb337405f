// The live interpreter of the lowering: each operation is carried out at once on real
// TensorFlow.js tensors and JavaScript values, as the generated module would carry it out.
// Names, types and comments are the source interpreter's concern and are ignored here.

import * as tf from '@tensorflow/tfjs';
import { type ErrorKind, type Interp, type Item, type Kernel, type LetOptions, type Param, Spread } from '../lower/interp.js';
import { JS_OPS, type JsOp } from '../lower/js-ops.js';
import { HELPER_FUNCTIONS } from '../runtime/index.js';
import type { HelperName } from '../runtime/helper-sources.js';

type Fn = (...args: unknown[]) => unknown;

const ERRORS: Record<ErrorKind, new (message: string) => Error> = { Error, TypeError, RangeError };
const KERNEL = tf as unknown as Record<Kernel, Fn>;

export class LiveInterp implements Interp<unknown> {
  num(n: number): unknown {
    return n;
  }

  str(s: string): unknown {
    return s;
  }

  bool(b: boolean): unknown {
    return b;
  }

  undef(): unknown {
    return undefined;
  }

  list(items: readonly Item<unknown>[]): unknown {
    return items.flatMap((i) => (i instanceof Spread ? [...(i.spread as Iterable<unknown>)] : [i]));
  }

  obj(fields: readonly (readonly [string, unknown])[]): unknown {
    return Object.fromEntries(fields);
  }

  js(op: JsOp, ...args: readonly unknown[]): unknown {
    // The one operation whose meaning needs tfjs itself.
    if (op === 'isTensor') return args[0] instanceof tf.Tensor;
    return (JS_OPS[op].live as Fn)(...args);
  }

  and(a: unknown, b: () => unknown): unknown {
    return a && b();
  }

  or(a: unknown, b: () => unknown): unknown {
    return a || b();
  }

  get(object: unknown, key: string): unknown {
    return (object as Record<string, unknown>)[key];
  }

  at(list: unknown, index: unknown): unknown {
    return (list as readonly unknown[])[index as number];
  }

  as(value: unknown): unknown {
    return value;
  }

  tf(kernel: Kernel, ...args: readonly unknown[]): unknown {
    return KERNEL[kernel](...args);
  }

  helper(name: HelperName, ...args: readonly unknown[]): unknown {
    return (HELPER_FUNCTIONS[name] as Fn)(...args);
  }

  call(f: unknown, ...args: readonly unknown[]): unknown {
    return (f as Fn)(...args);
  }

  let(_hint: string, value: unknown, _options?: LetOptions): unknown {
    return value;
  }

  once(_hint: string, value: unknown): unknown {
    return value;
  }

  destructure(list: unknown, hints: readonly string[]): unknown[] {
    return hints.map((_, i) => (list as readonly unknown[])[i]);
  }

  throwIf(cond: unknown, kind: ErrorKind, message: () => readonly unknown[]): void {
    // A template literal's `${v}` is String(v) for every value a message holds.
    if (cond) throw new ERRORS[kind](message().map((p) => `${p as string}`).join(''));
  }

  when(cond: unknown, body: () => void): void {
    if (cond) body();
  }

  forOf(list: unknown, _hint: string, body: (item: unknown) => void): void {
    for (const item of list as Iterable<unknown>) body(item);
  }

  forRange(count: unknown, _hint: string, body: (k: unknown) => void): void {
    for (let k = 0; k < (count as number); k++) body(k);
  }

  fold(count: unknown, _hint: string, init: unknown, body: (k: unknown, acc: unknown) => unknown): unknown {
    let acc = init;
    for (let k = 0; k < (count as number); k++) acc = body(k, acc);
    return acc;
  }

  stmt(): void {
    // Carried out already, when the value was made.
  }

  comment(): void {}

  nameOf(): string | undefined {
    return undefined;
  }

  arrow(params: readonly Param[], body: (args: readonly unknown[]) => unknown): unknown {
    const rest = params.length > 0 && params[params.length - 1]!.rest === true;
    return (...args: unknown[]): unknown => body(rest ? [...args.slice(0, params.length - 1), args.slice(params.length - 1)] : args);
  }

  branches(cases: readonly (readonly [cond: () => unknown, body: () => unknown])[], otherwise: () => unknown): unknown {
    for (const [cond, body] of cases) if (cond()) return body();
    return otherwise();
  }
}
