// Constant folding: an elementwise op, select or reduction whose operands are all scalar
// constants becomes a constant. The scalar meaning of each op is src/ir/scalar-ops.ts (not
// borrowed from an evaluator), so the float64 reference stays an independent oracle.

import type { BinaryOp, DType, UnaryOp } from '../ir/ops.js';
import { SCALAR_BINARY, SCALAR_UNARY } from '../ir/scalar-ops.js';
import type { IrNode } from '../ir/types.js';

const UNARY = SCALAR_UNARY;
const BINARY = SCALAR_BINARY;
const truth = (c: boolean): number => (c ? 1 : 0);

/** A reduction of a scalar over no axes (unmasked) is the scalar itself. */
const IDENTITY_REDUCE = new Set(['sum', 'mean', 'max', 'min', 'prod', 'logsumexp', 'any', 'all']);

/**
 * The constant value of `node` given its operands' constant values, or undefined when it is
 * not foldable: a non-constant operand, a result with axes, or an int result that is not whole.
 */
export function foldConstant(node: Pick<IrNode, 'op' | 'attrs' | 'type' | 'args'>, values: readonly (number | undefined)[]): number | undefined {
  if (node.type.axes.length > 0 || values.some((v) => v === undefined)) return undefined;
  const vs = values as number[];
  let v: number | undefined;
  if (node.op in UNARY) v = UNARY[node.op as UnaryOp](vs[0]!);
  else if (node.op in BINARY) v = BINARY[node.op as BinaryOp](vs[0]!, vs[1]!);
  else if (node.op === 'select') v = vs[0] !== 0 && !Number.isNaN(vs[0]) ? vs[1] : vs[2];
  else if (IDENTITY_REDUCE.has(node.op) && vs.length === 1 && (node.attrs.axes ?? []).length === 0) v = vs[0];
  return v === undefined ? undefined : asDType(v, node.type.dtype);
}

function asDType(v: number, dtype: DType): number | undefined {
  if (dtype === 'bool') return truth(v !== 0 && !Number.isNaN(v));
  if (dtype === 'int') return Number.isInteger(v) ? v : undefined;
  return v;
}
