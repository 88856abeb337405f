// How a contraction is laid out for tf.matMul: which operand goes left, and the order of its
// batch and contracted axes, chosen so that the fewest operands (and result) need a transpose.
// matMul computes [batch, m, k] · [batch, k, n] → [batch, m, n]; its transpose flags spare the
// copies on cpu, but on wasm they are 4-13× slower than an explicit transpose
// (bench/matmul-transpose.ts), so a flag (matMulT: the flag on cpu, a copy elsewhere) is used
// only where it replaces a copy, and each transpose is one the plan avoids where it can: a
// class-index gather's backward Σ_n G[n, d]·onehot[c, n] is onehot · G, with no transpose,
// where G · onehotᵀ transposes both operands and the result.

import type { Axis } from '../ir/types.js';

export interface ContractionPlan {
  /** The second operand goes left: the product is [batch, free of b, free of a]. */
  readonly swap: boolean;
  readonly batch: readonly Axis[];
  readonly contracted: readonly Axis[];
  /** The left operand's free axes (the product's rows) and the right one's (its columns). */
  readonly rows: readonly Axis[];
  readonly columns: readonly Axis[];
  /**
   * The left operand laid out [batch, contracted, rows] and the right one [batch, columns,
   * contracted], transposed by matMul itself (matMulT: free on cpu, explicit on wasm).
   */
  readonly transposeLeft: boolean;
  readonly transposeRight: boolean;
  /** How many of left operand, right operand and result need a transpose, inside matMul or not. */
  readonly transposes: number;
  /** How many of them are copies before or after matMul (not its flags). */
  readonly copies: number;
}

/** Whether a tensor laid out as `from` must be transposed to be laid out as `to` (names of `from` all in `to`). */
export function needsTranspose(from: readonly Axis[], to: readonly Axis[]): boolean {
  const order = to.map((a) => from.findIndex((f) => f.name === a.name)).filter((i) => i >= 0);
  return order.some((o, i) => o !== i);
}

/**
 * The plan for sum over `K` of a·b, with a laid out as `a` and b as `b` (each holding the
 * contracted axes the other has too: an axis of K only one operand has is summed out first),
 * and the result wanted laid out as `result`. Ties keep a on the left and a's axis order.
 */
export function planContraction(a: readonly Axis[], b: readonly Axis[], K: readonly string[], result: readonly Axis[]): ContractionPlan {
  const has = (axes: readonly Axis[], name: string): boolean => axes.some((q) => q.name === name);
  const shared = (axes: readonly Axis[], contracted: boolean): Axis[] => axes.filter((q) => K.includes(q.name) === contracted && has(a, q.name) && has(b, q.name));
  const free = (axes: readonly Axis[], other: readonly Axis[]): Axis[] => axes.filter((q) => !has(other, q.name));
  const orders = (contracted: boolean): Axis[][] => {
    const [fromA, fromB] = [shared(a, contracted), shared(b, contracted)];
    return needsTranspose(fromA, fromB) ? [fromA, fromB] : [fromA];
  };
  let best: ContractionPlan | undefined;
  for (const swap of [false, true]) {
    const [left, right] = swap ? [b, a] : [a, b];
    const [rows, columns] = [free(left, right), free(right, left)];
    for (const batch of orders(false)) {
      for (const contracted of orders(true)) {
        for (const transposeLeft of rows.length > 0 && contracted.length > 0 ? [false, true] : [false]) {
          for (const transposeRight of columns.length > 0 && contracted.length > 0 ? [false, true] : [false]) {
            const copies =
              Number(needsTranspose(left, transposeLeft ? [...batch, ...contracted, ...rows] : [...batch, ...rows, ...contracted])) +
              Number(needsTranspose(right, transposeRight ? [...batch, ...columns, ...contracted] : [...batch, ...contracted, ...columns])) +
              Number(needsTranspose([...batch, ...rows, ...columns], result));
            const transposes = copies + Number(transposeLeft) + Number(transposeRight);
            // The fewest transposes, then the fewest copies: a flag only where it replaces a copy.
            if (!best || transposes < best.transposes || (transposes === best.transposes && copies < best.copies)) {
              best = { swap, batch, contracted, rows, columns, transposeLeft, transposeRight, transposes, copies };
            }
          }
        }
      }
    }
  }
  return best!;
}
