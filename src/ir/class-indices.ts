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

type Shapes = Readonly<Record<string, readonly number[] | undefined>>;

/** The first required input of one type that has a `...` or dim `dim` and is given, with its shape. */
function fixer(fn: IrFunction, shapes: Shapes, has: (input: IrInput) => boolean): { input: IrInput; shape: readonly number[] } | undefined {
  for (const input of fn.inputs) {
    const shape = shapes[input.name];
    if (!input.orIndices && input.default === undefined && shape && has(input)) return { input, shape };
  }
  return undefined;
}

/**
 * How many dims the `...` of `fn` stands for, read from the first input of one type that has it
 * and is given (the one that fixes them, as the checks do); 0 when none has it.
 */
export function restLength(fn: IrFunction, shapes: Shapes): number {
  const found = fixer(fn, shapes, (i) => i.axes.some((a) => a.name === REST));
  return found ? Math.max(0, found.shape.length - (found.input.axes.length - 1)) : 0;
}

/** The size of dim `dim` as the first input of one type that has it gives it; undefined if none. */
function sizeOf(fn: IrFunction, dim: string, shapes: Shapes): number | undefined {
  const found = fixer(fn, shapes, (i) => i.axes.some((a) => a.dim === dim));
  if (!found) return /^\d+$/.test(dim) ? Number(dim) : undefined;
  const { input, shape } = found;
  const k = input.axes.findIndex((a) => a.dim === dim);
  const restAt = input.axes.findIndex((a) => a.name === REST);
  return shape[restAt >= 0 && k > restAt ? shape.length - (input.axes.length - k) : k];
}

/**
 * Whether the value given for a union input (`y: index[B, P] of C | [B, C, P]`) in `shapes` is
 * its class indices, where no dtype tells (the float64 reference, JSON): of the indices' rank,
 * or with a size-1 axis where the classes stand (MONAI's [B, 1, P]). With one class that is
 * also the probabilities' shape, and read as them, as MONAI reads a one-channel target
 * whatever to_onehot_y says (class indices of one class would all be 0). With `...`
 * (`index[B, ...] of C | [B, C, ...]`) the ranks follow the input that fixes the rest dims.
 */
export function unionShapeIsIndices(fn: IrFunction, input: IrInput, shapes: Shapes): boolean {
  const indices = input.orIndices;
  const shape = shapes[input.name];
  if (!indices || !shape) return false;
  const hasRest = input.axes.some((a) => a.name === REST);
  const rest = hasRest ? restLength(fn, shapes) : 0;
  const rank = indices.axes.length + (hasRest ? rest - 1 : 0);
  const at = givenPosition(input.axes, unionClassAt(input), rest);
  return shape.length === rank || (shape.length === rank + 1 && shape[at] === 1 && sizeOf(fn, indices.of, shapes) !== 1);
}
