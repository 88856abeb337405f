// Numbers as the page prints them: six significant digits (float32 holds about seven), an
// exponent for the very small and the very large, never 17 digits of float64 noise or a
// rounded-away 0.00.

export const SIGNIFICANT = 6;

export function formatValue(v: number, digits = SIGNIFICANT): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-4) return v.toExponential(digits - 1).replace(/\.?0+e/, 'e');
  return String(Number(v.toPrecision(digits)));
}

/** A loss value that may be a tensor (reduction 'none'): nested lists, each number formatted. */
export function formatNested(v: unknown, digits = SIGNIFICANT): string {
  if (Array.isArray(v)) return `[${v.map((x) => formatNested(x, digits)).join(', ')}]`;
  return formatValue(Number(v), digits);
}

/** The position of flat element `i` in a tensor of `shape`, as [i, j, ...]. */
export function unravel(i: number, shape: readonly number[]): number[] {
  const out: number[] = [];
  for (let k = shape.length - 1; k >= 0; k--) {
    out.unshift(i % shape[k]!);
    i = Math.floor(i / shape[k]!);
  }
  return out;
}
