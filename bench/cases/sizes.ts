// Sizes: every loss runs at the same nominal sizes, each turned into dimensions that make sense
// for it (rows of a fixed width, images, an N×N distance matrix for the pairwise losses).
import type { Dims } from './types.js';

/** Nominal sizes, in elements of the main input (or of the pairwise matrix). */
export const SIZES: readonly number[] = [1e3, 1e4, 1e5, 1e6];

/** Embedding width of the pairwise losses: their compiled form materialises [N, D, N]. */
export const PAIR_D = 32;

const round = (x: number): number => Math.max(1, Math.round(x));

/** Rows of K elements: [size / K, K]. */
export const rows =
  (K: number) =>
  (size: number): Dims => ({ N: round(size / K), K });

export const rowElements = (d: Dims): number => d.N! * d.K!;

/** Images [N, C, H, W] of about `size` elements: one image up to 1e4, then a batch of 4. */
export const images =
  (C: number) =>
  (size: number): Dims => {
    const N = size >= 1e5 ? 4 : 1;
    const side = round(Math.sqrt(size / (N * C)));
    return { N, C, H: side, W: side };
  };

export const imageElements = (d: Dims): number => d.N! * d.C! * d.H! * d.W!;
