// The scalar meaning of each elementwise op, in float64: what constant folding computes and
// what the stability analysis's one-point model evaluates. The float64 reference evaluator
// keeps its own, written separately, since it is the oracle these are checked against.

import { digamma, lgamma, trigamma } from './gamma.js';
import type { BinaryOp, UnaryOp } from './ops.js';

export const softplus = (x: number): number => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
export const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const truth = (c: boolean): number => (c ? 1 : 0);

/**
 * erf in float64 (JavaScript has none): the alternating Maclaurin series below |x| = 2, where
 * it loses at most 3 digits to cancellation; above, 1 - erfc by its continued fraction
 * erfc x = e^(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), evaluated by Lentz's method.
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  if (a >= 6) return Math.sign(x); // erfc(6) < 3e-17: 1 in float64
  if (a < 2) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 100; n++) {
      term *= (-x * x) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // The continued fraction b0 + a1/(b1 + a2/(b2 + …)) with b = x and a_k = k/2.
  const tiny = 1e-300;
  let f = a;
  let c = a;
  let d = 0;
  for (let k = 1; k < 200; k++) {
    const ak = k / 2;
    d = a + ak * d;
    d = d === 0 ? tiny : 1 / d;
    c = a + ak / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

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
  erf,
  atan: Math.atan,
  sin: Math.sin,
  cos: Math.cos,
  asinh: Math.asinh,
  lgamma,
  digamma,
  trigamma,
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
  atan2: Math.atan2,
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
