// How many points the per-loss suites check. `npm test` keeps every kind of check for every
// stdlib loss but at fewer points (seeds, shapes, settings, draws, steps), always the same
// ones, so a failure reproduces; LOSSC_FULL=1 (`npm run test:full`) checks all of them.

/** True under LOSSC_FULL=1: every point of every grid. */
export const FULL = process.env.LOSSC_FULL === '1';

/** `all` under LOSSC_FULL, otherwise `some`. */
export function full<T>(all: T, some: T): T {
  return FULL ? all : some;
}

/**
 * The items at positions offset, offset + stride, ... (every item under LOSSC_FULL). A
 * different `offset` per loss spreads the kept positions over the losses.
 */
export function everyNth<T>(items: readonly T[], stride: number, offset = 0): T[] {
  if (FULL || stride <= 1) return [...items];
  const start = ((offset % stride) + stride) % stride;
  return items.filter((_, i) => i % stride === start);
}

/**
 * Pairs of an `a` and a `b`: every pair under LOSSC_FULL, otherwise max(|a|, |b|) pairs in
 * which each a and each b still appears (a[i mod |a|] with b[i mod |b|]).
 */
export function covering<A, B>(a: readonly A[], b: readonly B[]): [A, B, number][] {
  if (FULL) return a.flatMap((x, i) => b.map((y): [A, B, number] => [x, y, i]));
  const n = Math.max(a.length, b.length);
  return Array.from({ length: n }, (_, k): [A, B, number] => [a[k % a.length]!, b[k % b.length]!, k % a.length]);
}
