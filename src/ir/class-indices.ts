// Which class-index inputs may come with a trailing axis of size 1, and how a union input's
// class indices are told from its probabilities: one rule, read by the lowering's checks
// (src/lower/signature.ts), the evaluators and the float64 reference.

import { REST, type IrFunction, type IrInput } from './types.js';

/**
 * Class indices with their dims written out (`t: index[N] of C`) are also taken with a
 * trailing axis of size 1 ([N, 1], as Keras passes sparse labels), dropped at the boundary.
 * Not after `...` (whose dims that axis would join), nor for an optional or broadcast input.
 */
export function trailingOne(input: IrInput): boolean {
  return input.elem === 'index' && input.default === undefined && !input.broadcasts && !input.axes.some((a) => a.name === REST);
}

/** Where the axis of the classes stands among a union input's declared (probabilities) axes. */
export function unionClassAt(input: IrInput): number {
  const indices = input.orIndices;
  if (!indices) throw new Error(`internal: '${input.name}' is not a union input`);
  return input.axes.findIndex((a) => a.dim === indices.of && !indices.axes.some((b) => b.dim === a.dim));
}

/** The position in a given shape of declared axis `k` of `axes`, when `...` stands for `rest` dims. */
export function givenPosition(axes: readonly { readonly name: string }[], k: number, rest: number): number {
  const restAt = axes.findIndex((a) => a.name === REST);
  return restAt >= 0 && k > restAt ? k + rest - 1 : k;
}

/**
 * How many dims the `...` of `fn` stands for, read from the first input of one type that has it
 * and is given (the one that fixes them, as the checks do); 0 when none has it.
 */
export function restLength(fn: IrFunction, shapes: Readonly<Record<string, readonly number[] | undefined>>): number {
  for (const input of fn.inputs) {
    const shape = shapes[input.name];
    if (input.orIndices || input.default !== undefined || !shape || !input.axes.some((a) => a.name === REST)) continue;
    return Math.max(0, shape.length - (input.axes.length - 1));
  }
  return 0;
}

/**
 * Whether a value of `shape` given for a union input (`y: index[B, P] of C | [B, C, P]`) is its
 * class indices, where no dtype tells (the float64 reference, JSON): of the indices' rank, or
 * with a size-1 axis where the classes stand (MONAI's [B, 1, P]; with one class that is also the
 * probabilities' shape, and read as indices). `rest`: how many dims `...` stands for
 * (`restLength`), when the union has it (`index[B, ...] of C | [B, C, ...]`).
 */
export function unionShapeIsIndices(input: IrInput, shape: readonly number[], rest = 0): boolean {
  const indices = input.orIndices;
  if (!indices) return false;
  const hasRest = input.axes.some((a) => a.name === REST);
  const rank = indices.axes.length + (hasRest ? rest - 1 : 0);
  const at = givenPosition(input.axes, unionClassAt(input), rest);
  return shape.length === rank || (shape.length === rank + 1 && shape[at] === 1);
}
