// How each IR op becomes TensorFlow.js calls, as data: one row per op. The engine (body.ts)
// does what is not per-op: alignment by axis name, casts, masks, gradient cuts, broadcasting;
// a row says which kind of lowering an op takes and, for elementwise ops and reductions, the
// tfjs call. `Record<OpName, …>` makes a new IR op a type error here until it has a row.

import type { DType, OpName } from '../ir/ops.js';
import type { Interp, Kernel } from './interp.js';

/**
 * An elementwise op: the call for operands already aligned, and the dtype they are cast to
 * first. `result`: the node's own dtype; `real`: float32 (math defined on reals only); `bool`:
 * logical ops; `compare`: unchanged when both operands agree, float32 when they are mixed.
 */
export interface ElementwiseRule {
  readonly kind: 'elementwise';
  readonly operands: 'result' | 'real' | 'bool' | 'compare';
  readonly lower: <V>(I: Interp<V>, args: readonly V[], dtype: DType) => V;
  /** tfjs's gradient of the kernel forgets to sum over broadcast dims: widen taped operands first. */
  readonly widenTaped?: boolean;
}

/**
 * A reduction: the tfjs function, the operand dtype it needs, and for masked reductions the
 * value put where the mask is false and what the masked form yields when nothing is selected
 * (where the node's `empty` differs, the engine patches those positions).
 */
export interface ReduceRule {
  readonly kind: 'reduce';
  readonly kernel: Kernel;
  readonly operand: 'same' | 'real' | 'bool';
  /** Neutral element written where the mask is false, by operand dtype. */
  readonly fill: (dtype: DType) => number | boolean;
  /** What the masked form yields for an empty selection (none: the engine always patches). */
  readonly natural?: number;
}

/** Ops whose lowering is one method of the engine each (leaves, selects, axis ops, …). */
export interface OwnRule {
  readonly kind: 'input' | 'const' | 'size' | 'iota' | 'select' | 'softmax' | 'order' | 'cumsum' | 'gather' | 'rename' | 'pick' | 'flatten' | 'unflatten' | 'to_real' | 'apply' | 'contract' | 'resize';
}

export type OpRule = ElementwiseRule | ReduceRule | OwnRule;

const call =
  (kernel: Kernel) =>
  <V>(I: Interp<V>, args: readonly V[]): V =>
    I.tf(kernel, ...args);
const unary = (operands: ElementwiseRule['operands'], kernel: Kernel): ElementwiseRule => ({ kind: 'elementwise', operands, lower: call(kernel) });
const binary = unary;
const own = (kind: OwnRule['kind']): OwnRule => ({ kind });

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

export const OP_RULES: Readonly<Record<OpName, OpRule>> = {
  input: own('input'),
  const: own('const'),
  iota: own('iota'),
  size: own('size'),

  neg: unary('result', 'neg'),
  abs: unary('result', 'abs'),
  // Not tf.sign: wasm's is 0 for |x| up to 1.2e-7 (the gradient of |x| is sign(x)).
  sign: { kind: 'elementwise', operands: 'real', lower: (I, [x]) => I.helper('sign', x!) },
  exp: unary('real', 'exp'),
  log: unary('real', 'log'),
  // wasm computes tf.log1p as log(1 + x) in float32: the helper keeps small x exact.
  log1p: { kind: 'elementwise', operands: 'real', lower: (I, [x]) => I.helper('log1p', x!) },
  expm1: unary('real', 'expm1'),
  sqrt: unary('real', 'sqrt'),
  square: unary('result', 'square'),
  sigmoid: unary('real', 'sigmoid'),
  softplus: unary('real', 'softplus'),
  // Not tf.logSigmoid: its custom gradient keeps x without saving it, so backprop fails once
  // tf.tidy has disposed an intermediate x. -softplus(-x) is the same value, with kernel grads.
  log_sigmoid: { kind: 'elementwise', operands: 'real', lower: (I, [x]) => I.tf('neg', I.tf('softplus', I.tf('neg', x!))) },
  tanh: unary('real', 'tanh'),
  cosh: unary('real', 'cosh'),
  // tf.erf on cpu has an absolute error of 1.5e-7: erf(1e-8) comes out 9% too large.
  erf: { kind: 'elementwise', operands: 'real', lower: (I, [x]) => I.helper('erf', x!) },
  atan: unary('real', 'atan'),
  // tf.sin on wasm returns 0 below |x| ≈ 1e-15 and loses digits from 1e-12.
  sin: { kind: 'elementwise', operands: 'real', lower: (I, [x]) => I.helper('sin', x!) },
  cos: unary('real', 'cos'),
  asinh: unary('real', 'asinh'),
  // tfjs has no lgamma, digamma or polygamma kernels: helpers built of tf ops, with custom gradients.
  lgamma: { kind: 'elementwise', operands: 'real', lower: (I, [x]) => I.helper('lgamma', x!) },
  digamma: { kind: 'elementwise', operands: 'real', lower: (I, [x]) => I.helper('digamma', x!) },
  trigamma: { kind: 'elementwise', operands: 'real', lower: (I, [x]) => I.helper('trigamma', x!) },
  // tfjs-wasm's Relu returns 0 for a NaN with its sign bit set (∞ − ∞ on x86): a helper keeps NaN.
  relu: { kind: 'elementwise', operands: 'result', lower: (I, [x]) => I.helper('relu', x!) },
  // tf.floor rejects int32; whole numbers are their own floor (a copy: the result must never be
  // an input tensor, which the caller of the loss would dispose with it).
  floor: { kind: 'elementwise', operands: 'result', lower: (I, [x], dtype) => (dtype === 'real' ? I.tf('floor', x!) : I.tf('clone', x!)) },
  not: unary('bool', 'logicalNot'),
  to_real: own('to_real'),
  // Off the tape (the engine cuts it), so its gradient is zero.
  detach: unary('result', 'clone'),

  add: binary('result', 'add'),
  sub: binary('result', 'sub'),
  mul: binary('result', 'mul'),
  div: binary('real', 'div'),
  pow: binary('real', 'pow'),
  atan2: binary('real', 'atan2'),
  maximum: { ...binary('result', 'maximum'), widenTaped: true },
  minimum: { ...binary('result', 'minimum'), widenTaped: true },
  eq: binary('compare', 'equal'),
  ne: binary('compare', 'notEqual'),
  lt: binary('compare', 'less'),
  le: binary('compare', 'lessEqual'),
  gt: binary('compare', 'greater'),
  ge: binary('compare', 'greaterEqual'),
  and: binary('bool', 'logicalAnd'),
  or: binary('bool', 'logicalOr'),

  select: own('select'),

  sum: { kind: 'reduce', kernel: 'sum', operand: 'same', fill: () => 0, natural: 0 },
  // Masked mean divides by max(count, 1), so an empty selection gives 0 / 1.
  mean: { kind: 'reduce', kernel: 'mean', operand: 'real', fill: () => 0, natural: 0 },
  max: { kind: 'reduce', kernel: 'max', operand: 'same', fill: (d) => (d === 'int' ? INT_MIN : -Infinity), natural: -Infinity },
  min: { kind: 'reduce', kernel: 'min', operand: 'same', fill: (d) => (d === 'int' ? INT_MAX : Infinity), natural: Infinity },
  prod: { kind: 'reduce', kernel: 'prod', operand: 'same', fill: () => 1, natural: 1 },
  // Its own lowering (not tf.logSumExp, which gives NaN for a row of -inf): see the engine.
  logsumexp: { kind: 'reduce', kernel: 'logSumExp', operand: 'real', fill: () => -Infinity },
  any: { kind: 'reduce', kernel: 'any', operand: 'bool', fill: () => false, natural: 0 },
  all: { kind: 'reduce', kernel: 'all', operand: 'bool', fill: () => true, natural: 1 },

  softmax: own('softmax'),
  log_softmax: own('softmax'),
  // tf.topk's order, then a flat gather or scatter (helpers.ts sortAlongLast); tf.cumsum.
  sort: own('order'),
  unsort: own('order'),
  cumsum: own('cumsum'),
  gather: own('gather'),
  rename: own('rename'),
  pick: own('pick'),
  // tf.reshape, after a transpose when the merged axes are not adjacent and in order.
  flatten: own('flatten'),
  unflatten: own('unflatten'),
  apply: own('apply'),
  // tf.matMul over [batch, free, contracted] reshapes: the product is never formed.
  contract: own('contract'),
  resize: own('resize'),
};
