// A seeded generator, so "random inputs, seed 7" are the same numbers on every machine and
// in a share link.

/** mulberry32: small, fast, and good enough for sample tensors. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples (Box–Muller). */
export function normal(next: () => number): () => number {
  return () => {
    const u = Math.max(next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  };
}

/** Rounds to a few significant digits so generated inputs read well and paste cleanly. */
export function tidy(x: number, digits = 4): number {
  return Number(x.toPrecision(digits));
}
