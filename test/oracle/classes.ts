/**
 * The class-dimension layout of PyTorch's class-index losses: input [N, C, d1, ...] (or
 * unbatched [C]) with targets [N, d1, ...] (or a scalar). Position `pos` = n·S + s walks the
 * target in row-major order, S = d1·d2·…
 */
import { sizeOf, type F64Tensor } from './tensor.js';

export interface ClassLayout {
  N: number;
  C: number;
  /** Product of the spatial dims (1 when there are none). */
  S: number;
  /** Shape of the per-position loss, = target shape. */
  outShape: number[];
}

export function classLayout(input: F64Tensor, target: F64Tensor, what: string): ClassLayout {
  const sh = input.shape;
  if (sh.length === 0) throw new Error(`${what}: input must have a class dimension`);
  if (sh.length === 1) {
    if (target.shape.length !== 0) {
      throw new Error(`${what}: unbatched input [C] needs a scalar target, got [${target.shape.join(', ')}]`);
    }
    return { N: 1, C: sh[0] ?? 0, S: 1, outShape: [] };
  }
  const N = sh[0] ?? 0;
  const C = sh[1] ?? 0;
  const spatial = sh.slice(2);
  const want = [N, ...spatial];
  if (target.shape.length !== want.length || target.shape.some((d, i) => d !== want[i])) {
    throw new Error(`${what}: target shape [${target.shape.join(', ')}] should be [${want.join(', ')}]`);
  }
  return { N, C, S: sizeOf(spatial), outShape: want };
}

/** The C class values at position pos. */
export function classRow(input: F64Tensor, L: ClassLayout, pos: number): Float64Array {
  const n = Math.floor(pos / L.S);
  const s = pos - n * L.S;
  const base = n * L.C * L.S + s;
  const row = new Float64Array(L.C);
  for (let c = 0; c < L.C; c++) {
    const v = input.data[base + c * L.S];
    if (v === undefined) throw new Error('classRow: out of range');
    row[c] = v;
  }
  return row;
}

/** Class weights as a Float64Array of length C (all ones when absent). */
export function classWeights(weight: ArrayLike<number> | F64Tensor | undefined, C: number, what: string): Float64Array {
  if (weight === undefined) return new Float64Array(C).fill(1);
  const w = 'data' in weight && 'shape' in weight ? weight.data : Float64Array.from(weight as ArrayLike<number>);
  if (w.length !== C) throw new Error(`${what}: weight has ${w.length} entries for ${C} classes`);
  return Float64Array.from(w);
}
