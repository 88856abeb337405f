// Constant folding: an elementwise op, select or reduction whose operands are all scalar
// constants becomes a constant. The scalar meaning of each op is written out here again
// (not borrowed from an evaluator), so the float64 reference stays an independent oracle.

import type { BinaryOp, DType, UnaryOp } from '../ir/ops.js';
import type { IrNode } from '../ir/types.js';

const softplus = (x: number): number => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
const truth = (c: boolean): number => (c ? 1 : 0);

const UNARY: Record<UnaryOp, (x: number) => number> = {
  neg: (x) => -x,
  abs: Math.abs,
  sign: Math.sign,
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  expm1: Math.expm1,
  sqrt: Math.sqrt,
  square: (x) => x * x,
  sigmoid: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  softplus,
  log_sigmoid: (x) => -softplus(-x),
  tanh: Math.tanh,
  cosh: Math.cosh,
  relu: (x) => (x > 0 ? x : 0),
  floor: Math.floor,
  not: (x) => truth(x === 0),
  to_real: (x) => x,
  detach: (x) => x, // a constant has no gradient to stop
};

const BINARY: Record<BinaryOp, (x: number, y: number) => number> = {
  add: (x, y) => x + y,
  sub: (x, y) => x - y,
  mul: (x, y) => x * y,
  div: (x, y) => x / y,
  pow: Math.pow,
  maximum: (x, y) => (Number.isNaN(x) || Number.isNaN(y) ? NaN : Math.max(x, y)),
  minimum: (x, y) => (Number.isNaN(x) || Number.isNaN(y) ? NaN : Math.min(x, y)),
  eq: (x, y) => truth(x === y),
  ne: (x, y) => truth(x !== y),
  lt: (x, y) => truth(x < y),
  le: (x, y) => truth(x <= y),
  gt: (x, y) => truth(x > y),
  ge: (x, y) => truth(x >= y),
  and: (x, y) => truth(x !== 0 && y !== 0),
  or: (x, y) => truth(x !== 0 || y !== 0),
};

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
