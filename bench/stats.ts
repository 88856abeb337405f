// Small statistics over repeated timings.

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export const min = (xs: readonly number[]): number => (xs.length === 0 ? NaN : Math.min(...xs));

/** Median of positive ratios in log space (the same as the plain median for an odd count). */
export function medianRatio(xs: readonly number[]): number {
  const finite = xs.filter((x) => Number.isFinite(x) && x > 0);
  return finite.length === 0 ? NaN : Math.exp(median(finite.map(Math.log)));
}

export function geomean(xs: readonly number[]): number {
  const finite = xs.filter((x) => Number.isFinite(x) && x > 0);
  return finite.length === 0 ? NaN : Math.exp(finite.reduce((s, x) => s + Math.log(x), 0) / finite.length);
}
