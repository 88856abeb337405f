// The scalar meaning of each elementwise op, in float64: what constant folding computes and
// what the stability analysis's one-point model evaluates. The float64 reference evaluator
// keeps its own, written separately, since it is the oracle these are checked against.

import type { BinaryOp, UnaryOp } from './ops.js';

export const softplus = (x: number): number => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
export const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const truth = (c: boolean): number => (c ? 1 : 0);

export const SCALAR_UNARY: Readonly<Record<UnaryOp, (x: number) => number>> = {
  neg: (x) => -x,
  abs: Math.abs,
  sign: Math.sign,
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  expm1: Math.expm1,
  sqrt: Math.sqrt,
  square: (x) => x * x,
  sigmoid,
  softplus,
  log_sigmoid: (x) => -softplus(-x),
  tanh: Math.tanh,
  cosh: Math.cosh,
  relu: (x) => (x > 0 || Number.isNaN(x) ? x : 0), // NaN stays NaN, as in tfjs
  floor: Math.floor,
  not: (x) => truth(x === 0),
  to_real: (x) => x,
  detach: (x) => x, // a value has no gradient to stop
};

export const SCALAR_BINARY: Readonly<Record<BinaryOp, (x: number, y: number) => number>> = {
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
