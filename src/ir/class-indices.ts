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
