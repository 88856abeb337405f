// Error of a float32 result in bits, as Herbie measures it: log2 of 1 + the distance to the
// float64 value in float32 units in the last place, 0 (exact) to 32 (nothing right, or
// non-finite where the true value is finite).

import { ulp32 } from '../ranges/float32.js';

export const MAX_BITS = 32;

/**
 * Bits of error of `approx` against `exact`. Units in the last place are taken at the larger
 * of |exact| and `scale` (a gradient element is measured at the scale of its whole gradient);
 * `slack` is an uncertainty of `exact` itself (finite differences) that is not counted.
 */
export function errorBits(approx: number, exact: number, scale = 0, slack = 0): number {
  if (Number.isNaN(approx) && Number.isNaN(exact)) return 0;
  if (!Number.isFinite(approx) || !Number.isFinite(exact)) return approx === exact ? 0 : MAX_BITS;
  const distance = Math.max(0, Math.abs(approx - exact) - slack);
  const ulps = distance / ulp32(Math.max(Math.abs(exact), scale));
  return Math.min(MAX_BITS, Math.log2(1 + ulps));
}
