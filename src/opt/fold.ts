// Constant folding: an elementwise op, select or reduction whose operands are all scalar
// constants becomes a constant. The scalar meaning of each op is src/ir/scalar-ops.ts (not
// borrowed from an evaluator), so the float64 reference stays an independent oracle.
// Folding follows float32, the precision the loss runs in: operands and result are rounded
// to float32 at each step, and a real result that float32 cannot hold from operands it can
// (exp(1 / 0.01) = 2.7e43) is not folded at all: the node stays, so the stability analysis
// sees and reports the overflow as it does without the optimizer.

import type { BinaryOp, DType, UnaryOp } from '../ir/ops.js';
import { SCALAR_BINARY, SCALAR_UNARY } from '../ir/scalar-ops.js';
import type { IrNode } from '../ir/types.js';

const UNARY = SCALAR_UNARY;
const BINARY = SCALAR_BINARY;
const truth = (c: boolean): number => (c ? 1 : 0);
const f32 = Math.fround;

/** A reduction of a scalar over no axes (unmasked) is the scalar itself. */
const IDENTITY_REDUCE = new Set(['sum', 'mean', 'max', 'min', 'prod', 'logsumexp', 'any', 'all']);

/**
 * The constant value of `node` given its operands' constant values, or undefined when it is
 * not foldable: a non-constant operand, a result with axes, an int result that is not whole,
 * or a real result that is infinite or NaN in float32 while its operands are finite there.
 */
export function foldConstant(node: Pick<IrNode, 'op' | 'attrs' | 'type' | 'args'>, values: readonly (number | undefined)[]): number | undefined {
  if (node.type.axes.length > 0 || values.some((v) => v === undefined)) return undefined;
  const vs = values as number[];
  let v: number | undefined;
  if (node.op in UNARY) v = float32Faithful(vs, (xs) => UNARY[node.op as UnaryOp](xs[0]!));
  else if (node.op in BINARY) v = float32Faithful(vs, (xs) => BINARY[node.op as BinaryOp](xs[0]!, xs[1]!));
  else if (node.op === 'select') v = vs[0] !== 0 && !Number.isNaN(vs[0]) ? vs[1] : vs[2];
  else if (IDENTITY_REDUCE.has(node.op) && vs.length === 1 && (node.attrs.axes ?? []).length === 0) v = vs[0];
  return v === undefined ? undefined : asDType(v, node.type.dtype);
}

/**
 * `f` of `xs` as float32 computes it, or undefined when that is non-finite from finite
 * operands. The float64 value is kept when float32's differs from it by rounding alone (a few
 * float32 ulps): the generated code then prints `0.9999999`, not the float32 digits
 * `0.9999998807907104`, and a float64 run (the PyTorch module in float64) gets the constant's
 * float64 value, not 4/π² to 1e-8. Where float32 loses more (underflow, cancellation), its
 * value is the one folded: that is what the loss computes unoptimized.
 */
function float32Faithful(xs: readonly number[], f: (xs: readonly number[]) => number): number | undefined {
  const narrow = f32(f(xs.map(f32)));
  if (!Number.isFinite(narrow) && xs.every((x) => Number.isFinite(f32(x)))) return undefined;
  const wide = f(xs);
  if (Object.is(f32(wide), narrow)) return wide;
  return Number.isFinite(wide) && Math.abs(narrow - wide) <= ROUNDING_ULPS * ulp32(wide) ? wide : narrow;
}

/** How many float32 ulps of difference count as rounding of the operands and the result. */
const ROUNDING_ULPS = 4;

/** The spacing of float32 values near `v` (normal numbers: 2^(exponent - 23)). */
function ulp32(v: number): number {
  const a = Math.abs(v);
  if (a < 2 ** -126) return 2 ** -149;
  return 2 ** (Math.floor(Math.log2(a)) - 23);
}

function asDType(v: number, dtype: DType): number | undefined {
  if (dtype === 'bool') return truth(v !== 0 && !Number.isNaN(v));
  if (dtype === 'int') return Number.isInteger(v) ? v : undefined;
  return v;
}
