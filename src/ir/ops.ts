// The core op set of the IR, as data. Every later phase (evaluators, emitter, optimizer,
// stability analysis) dispatches on these names; adding an op means adding a row here and a
// case in each backend, which the `satisfies Record<OpName, …>` tables force.

export type DType = 'real' | 'int' | 'bool';

export type OpKind =
  | 'leaf' // input, const, iota, size
  | 'unary' // elementwise, one operand
  | 'binary' // elementwise, two operands aligned by axis name
  | 'select' // elementwise, cond ? a : b
  | 'reduce' // removes named axes; optional second operand is a bool mask
  | 'axis' // works along one named axis, keeps the shape (softmax)
  | 'gather' // indexes one named axis by an int tensor
  | 'reshape' // rename an axis or pick one position along it
  | 'apply' // a function-valued parameter of the loss, called on its operand
  | 'contract' // sum over named axes of a product of two operands (XLA's dot-general)
  | 'resize'; // its first operand's '...' dims brought to the size of its second's

export interface OpInfo {
  readonly kind: OpKind;
  /** Result dtype; 'same' = first operand's, 'real' for math on ints/bools too. */
  readonly result: DType | 'same';
  readonly doc: string;
}

export const OPS = {
  input: { kind: 'leaf', result: 'same', doc: 'a tensor input or hyperparameter of the loss' },
  const: { kind: 'leaf', result: 'same', doc: 'a scalar constant' },
  iota: { kind: 'leaf', result: 'int', doc: 'positions 0..n-1 along an axis (index variables as values)' },
  size: { kind: 'leaf', result: 'int', doc: 'the size of dimension attrs.dim, a scalar (a dim name used as a number)' },

  neg: { kind: 'unary', result: 'same', doc: '-x' },
  abs: { kind: 'unary', result: 'same', doc: '|x|' },
  sign: { kind: 'unary', result: 'real', doc: 'sign(x) in {-1, 0, 1}' },
  exp: { kind: 'unary', result: 'real', doc: 'e^x' },
  log: { kind: 'unary', result: 'real', doc: 'natural logarithm' },
  log1p: { kind: 'unary', result: 'real', doc: 'log(1 + x), accurate for small x' },
  expm1: { kind: 'unary', result: 'real', doc: 'e^x - 1, accurate for small x' },
  sqrt: { kind: 'unary', result: 'real', doc: 'square root' },
  square: { kind: 'unary', result: 'same', doc: 'x * x' },
  sigmoid: { kind: 'unary', result: 'real', doc: '1 / (1 + e^-x)' },
  softplus: { kind: 'unary', result: 'real', doc: 'log(1 + e^x), computed without overflow' },
  log_sigmoid: { kind: 'unary', result: 'real', doc: 'log(sigmoid(x)) = -softplus(-x)' },
  tanh: { kind: 'unary', result: 'real', doc: 'hyperbolic tangent' },
  cosh: { kind: 'unary', result: 'real', doc: 'hyperbolic cosine' },
  erf: { kind: 'unary', result: 'real', doc: 'the error function (2/√π) ∫₀ˣ e^(-t²) dt' },
  atan: { kind: 'unary', result: 'real', doc: 'arctangent, in (-π/2, π/2)' },
  sin: { kind: 'unary', result: 'real', doc: 'sine (radians)' },
  cos: { kind: 'unary', result: 'real', doc: 'cosine (radians)' },
  asinh: { kind: 'unary', result: 'real', doc: 'inverse hyperbolic sine, log(x + √(x² + 1))' },
  lgamma: { kind: 'unary', result: 'real', doc: 'log |Γ(x)|; +∞ at 0 and the negative whole numbers' },
  digamma: { kind: 'unary', result: 'real', doc: 'ψ(x) = Γ′(x)/Γ(x); -∞ at +0, +∞ at -0, NaN at the negative whole numbers' },
  trigamma: { kind: 'unary', result: 'real', doc: 'ψ′(x), the derivative of digamma; +∞ at 0 and the negative whole numbers' },
  relu: { kind: 'unary', result: 'same', doc: 'max(x, 0)' },
  floor: { kind: 'unary', result: 'same', doc: 'largest whole number <= x' },
  not: { kind: 'unary', result: 'bool', doc: 'logical negation' },
  to_real: { kind: 'unary', result: 'real', doc: 'int or bool to real (true = 1)' },
  detach: { kind: 'unary', result: 'same', doc: 'x itself, with zero gradient (stop-gradient)' },

  add: { kind: 'binary', result: 'same', doc: 'a + b' },
  sub: { kind: 'binary', result: 'same', doc: 'a - b' },
  mul: { kind: 'binary', result: 'same', doc: 'a * b' },
  div: { kind: 'binary', result: 'real', doc: 'a / b' },
  pow: { kind: 'binary', result: 'real', doc: 'a ^ b' },
  atan2: { kind: 'binary', result: 'real', doc: 'the angle of the point (b, a) for atan2(a, b), in [-π, π]' },
  maximum: { kind: 'binary', result: 'same', doc: 'elementwise max(a, b)' },
  minimum: { kind: 'binary', result: 'same', doc: 'elementwise min(a, b)' },
  eq: { kind: 'binary', result: 'bool', doc: 'a == b' },
  ne: { kind: 'binary', result: 'bool', doc: 'a != b' },
  lt: { kind: 'binary', result: 'bool', doc: 'a < b' },
  le: { kind: 'binary', result: 'bool', doc: 'a <= b' },
  gt: { kind: 'binary', result: 'bool', doc: 'a > b' },
  ge: { kind: 'binary', result: 'bool', doc: 'a >= b' },
  and: { kind: 'binary', result: 'bool', doc: 'a and b' },
  or: { kind: 'binary', result: 'bool', doc: 'a or b' },

  select: { kind: 'select', result: 'same', doc: 'cond ? a : b (dtype of a)' },

  sum: { kind: 'reduce', result: 'same', doc: 'sum over axes (masked: of the selected elements; empty = 0)' },
  mean: { kind: 'reduce', result: 'real', doc: 'mean over axes (masked: over the selected elements; empty = attrs.empty)' },
  max: { kind: 'reduce', result: 'same', doc: 'max over axes (masked: empty = attrs.empty)' },
  min: { kind: 'reduce', result: 'same', doc: 'min over axes (masked: empty = attrs.empty)' },
  prod: { kind: 'reduce', result: 'same', doc: 'product over axes (masked: empty = 1)' },
  logsumexp: { kind: 'reduce', result: 'real', doc: 'log(sum(exp(x))) with the max shift (masked: empty = attrs.empty)' },
  any: { kind: 'reduce', result: 'bool', doc: 'some element is true (masked: empty = false)' },
  all: { kind: 'reduce', result: 'bool', doc: 'every element is true (masked: empty = true)' },

  softmax: { kind: 'axis', result: 'real', doc: 'exp(x) / sum(exp(x)) along attrs.axis, max-shifted' },
  log_softmax: { kind: 'axis', result: 'real', doc: 'x - logsumexp(x) along attrs.axis' },

  // Order along one axis. `sort` and `unsort` take the values and the key they are ordered by
  // (the same node for sort(x, A)); the order is stable: equal keys keep their positions' order.
  sort: { kind: 'axis', result: 'real', doc: 'operand 0 along attrs.axis in the order that sorts operand 1 (the key), ascending or attrs.descending; stable' },
  unsort: { kind: 'axis', result: 'real', doc: 'the inverse of sort by the same key: operand 0 put back where the sorted key came from (the gradient of sort)' },
  cumsum: { kind: 'axis', result: 'real', doc: 'running sum along attrs.axis, from the first position (from the last when attrs.reverse)' },

  gather: { kind: 'gather', result: 'same', doc: 'x[idx] along attrs.axis; idx is int, aligned with x by name' },

  contract: {
    kind: 'contract',
    result: 'real',
    doc: 'sum over attrs.axes of a * b, never formed elementwise: axes both operands have and the sum keeps are batch axes, the others free (XLA dot-general, lowered to tf.matMul)',
  },

  rename: { kind: 'reshape', result: 'same', doc: 'the same data with axis attrs.from called attrs.to' },
  pick: { kind: 'reshape', result: 'same', doc: 'position attrs.index along attrs.axis (the axis goes away)' },
  flatten: {
    kind: 'reshape',
    result: 'same',
    doc: 'axes attrs.axes merged into one axis attrs.to of dim attrs.dim (the first listed the major one), placed where the first of them was',
  },
  unflatten: {
    kind: 'reshape',
    result: 'same',
    doc: 'axis attrs.axis split into axes attrs.axes of dims attrs.dims (the first the major one), placed where it was; the inverse of flatten',
  },

  resize: {
    kind: 'resize',
    result: 'same',
    doc: "x (first operand) with its '...' dims resampled to those of a ragged list's element (second operand, read for its size only) by torch's nearest-neighbour rule attrs.mode ('nearest-exact' or 'nearest')",
  },

  apply: {
    kind: 'apply',
    result: 'real',
    doc: 'the function parameter attrs.name called on the operand (e.g. a feature extractor); when it returns several tensors, the loss is the mean over them of its value on each',
  },
} as const satisfies Record<string, OpInfo>;

export type OpName = keyof typeof OPS;
export type UnaryOp = { [K in OpName]: (typeof OPS)[K]['kind'] extends 'unary' ? K : never }[OpName];
export type BinaryOp = { [K in OpName]: (typeof OPS)[K]['kind'] extends 'binary' ? K : never }[OpName];
export type ReduceOp = { [K in OpName]: (typeof OPS)[K]['kind'] extends 'reduce' ? K : never }[OpName];
export type AxisOp = { [K in OpName]: (typeof OPS)[K]['kind'] extends 'axis' ? K : never }[OpName];

/**
 * What a masked reduction gives where its mask selects nothing, unless the node's
 * `attrs.empty` says otherwise (the checker always sets it from the language's defaults,
 * src/check/builtins.ts; a reduction the compiler builds itself may leave it out).
 */
export const REDUCE_EMPTY: Readonly<Record<ReduceOp, number>> = {
  sum: 0,
  prod: 1,
  any: 0,
  all: 1,
  // No value is right for an empty mean, max, min or logsumexp: NaN says so.
  mean: NaN,
  max: NaN,
  min: NaN,
  logsumexp: NaN,
};

/** The value of masked reduction `node` where nothing is selected. */
export function emptyValue(node: { readonly op: OpName; readonly attrs: { readonly empty?: number } }): number {
  return node.attrs.empty ?? REDUCE_EMPTY[node.op as ReduceOp];
}

export function opKind(op: OpName): OpKind {
  return OPS[op].kind;
}
