// Which class-index inputs may come with a trailing axis of size 1: one rule, read by the
// lowering's checks (src/lower/signature.ts) and the float64 reference.

import { REST, type IrInput } from './types.js';

/**
 * Class indices with their dims written out (`t: index[N] of C`) are also taken with a
 * trailing axis of size 1 ([N, 1], as Keras passes sparse labels), dropped at the boundary.
 * Not after `...` (whose dims that axis would join), nor for an optional or broadcast input.
 */
export function trailingOne(input: IrInput): boolean {
  return input.elem === 'index' && input.default === undefined && !input.broadcasts && !input.axes.some((a) => a.name === REST);
}

/**
 * Whether a value of `shape` given for a union input (`y: index[B, P] of C | [B, C, P]`) is its
 * class indices, where no dtype tells (the float64 reference): of the indices' rank, or with a
 * size-1 axis where the classes stand (MONAI's [B, 1, P]; with one class that is also the
 * probabilities' shape, and read as indices).
 */
export function unionShapeIsIndices(input: IrInput, shape: readonly number[]): boolean {
  const indices = input.orIndices;
  if (!indices) return false;
  const at = input.axes.findIndex((a) => a.dim === indices.of && !indices.axes.some((b) => b.dim === a.dim));
  return shape.length === indices.axes.length || (shape.length === indices.axes.length + 1 && shape[at] === 1);
}
