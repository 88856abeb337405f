// The builtin functions of the language, as data: what each is called, how it is called, what
// it means, and which IR op (or small composition of ops) it becomes. The elaborator's calls
// (calls.ts) read this table; the playground reads it for completion and hover.

import type { AxisOp, ReduceOp, UnaryOp } from '../ir/ops.js';

export type Builtin =
  /** Elementwise on one number. */
  | { readonly kind: 'unary'; readonly op: UnaryOp; readonly signature: string; readonly doc: string }
  /** Reduction: (x, axes?, where: mask, empty: value). `max`/`min` with a second operand that is
   * not an axis of the first are elementwise instead (`binary`). */
  | {
      readonly kind: 'reduce';
      readonly op: ReduceOp;
      readonly binary?: 'maximum' | 'minimum';
      readonly operand: 'number' | 'bool';
      /** Result where a mask selects nothing, unless `empty:` says otherwise. */
      readonly emptyDefault: number;
      readonly signature: string;
      readonly doc: string;
    }
  /** Works along one axis, keeps the shape: (x, axis), with the named `options` it takes. */
  | { readonly kind: 'axis'; readonly op: AxisOp; readonly signature: string; readonly doc: string; readonly options?: readonly AxisOption[] }
  /** Composed from core ops by the elaborator (`elabMacro`, and `elabStack` for stack, in calls.ts). */
  | {
      readonly kind: 'macro';
      readonly name: MacroName;
      readonly arity: readonly [number, number];
      readonly signature: string;
      readonly doc: string;
    };

/** `by: key` orders by another tensor; the others are flags, true or false when compiled. */
export type AxisOption = 'by' | 'descending' | 'reverse';

export type MacroName = 'norm' | 'dot' | 'normalize' | 'clamp' | 'select' | 'pow' | 'atan2' | 'onehot' | 'real' | 'count' | 'stack' | 'flatten' | 'unflatten' | 'resize';

const unary = (op: UnaryOp, signature: string, doc: string): Builtin => ({ kind: 'unary', op, signature, doc });

export const BUILTINS: Readonly<Record<string, Builtin>> = {
  abs: unary('abs', 'abs(x)', 'Absolute value |x|.'),
  exp: unary('exp', 'exp(x)', 'e to the power x. Overflows float32 above x ≈ 88.7.'),
  log: unary('log', 'log(x)', 'Natural logarithm; log(0) = -inf.'),
  log1p: unary('log1p', 'log1p(x)', 'log(1 + x), accurate when x is small.'),
  expm1: unary('expm1', 'expm1(x)', 'exp(x) - 1, accurate when x is small.'),
  sqrt: unary('sqrt', 'sqrt(x)', 'Square root; its gradient at 0 is infinite.'),
  square: unary('square', 'square(x)', 'x * x.'),
  sigmoid: unary('sigmoid', 'sigmoid(x)', 'Logistic function 1 / (1 + exp(-x)).'),
  softplus: unary('softplus', 'softplus(x)', 'log(1 + exp(x)), without overflow.'),
  log_sigmoid: unary('log_sigmoid', 'log_sigmoid(x)', 'log(sigmoid(x)) = -softplus(-x), without underflow.'),
  tanh: unary('tanh', 'tanh(x)', 'Hyperbolic tangent.'),
  cosh: unary('cosh', 'cosh(x)', 'Hyperbolic cosine. Overflows float32 above |x| ≈ 89.'),
  erf: unary('erf', 'erf(x)', 'The error function (2/√π) ∫₀ˣ e^(-t²) dt, in [-1, 1]. The normal CDF is (1 + erf(x / sqrt(2))) / 2.'),
  atan: unary('atan', 'atan(x)', 'Arctangent, in (-π/2, π/2).'),
  sin: unary('sin', 'sin(x)', 'Sine of x radians.'),
  cos: unary('cos', 'cos(x)', 'Cosine of x radians.'),
  asinh: unary('asinh', 'asinh(x)', 'Inverse hyperbolic sine log(x + sqrt(x² + 1)), without overflow; grows like log(2|x|).'),
  lgamma: unary('lgamma', 'lgamma(x)', 'log |Γ(x)|, as torch.lgamma: lgamma(n + 1) = log(n!). +inf at 0 and the negative whole numbers.'),
  digamma: unary('digamma', 'digamma(x)', "ψ(x) = d lgamma(x) / dx, as torch.digamma: -inf at 0, NaN at the negative whole numbers. In float32 its error below x = 6 is absolute (up to 4e-7), as torch's: near its zero at 1.4616 that is the whole value."),
  trigamma: unary('trigamma', 'trigamma(x)', "ψ′(x) = d digamma(x) / dx, as torch.polygamma(1, x): +inf at 0 and the negative whole numbers."),
  relu: unary('relu', 'relu(x)', 'max(x, 0).'),
  sign: unary('sign', 'sign(x)', '-1, 0 or 1.'),
  floor: unary('floor', 'floor(x)', 'Largest whole number not above x.'),
  detach: unary('detach', 'detach(x)', 'x itself, treated as a constant by gradients (a stop-gradient), as a target that must not be trained toward.'),

  sum: { kind: 'reduce', op: 'sum', operand: 'number', emptyDefault: 0, signature: 'sum(x, axes?, where: mask)', doc: 'Sum over the named axes (all when none are named). With `where:`, only the selected elements; nothing selected gives 0.' },
  mean: { kind: 'reduce', op: 'mean', operand: 'number', emptyDefault: 0, signature: 'mean(x, axes?, where: mask, empty: 0, by: d)', doc: 'Mean over the named axes (all when none are named). With `where:`, the mean of the selected elements; nothing selected gives `empty` (0 unless given). With `by: d`, the sum divided by the sum of d (torch\'s class-weighted mean), `empty` where that is 0.' },
  max: { kind: 'reduce', op: 'max', binary: 'maximum', operand: 'number', emptyDefault: 0, signature: 'max(a, b) | max(x, axes, where: mask, empty: 0)', doc: 'Elementwise maximum of two values, or the maximum over the named axes of one (with `where:`, of the selected elements; nothing selected gives `empty`, 0 unless given).' },
  min: { kind: 'reduce', op: 'min', binary: 'minimum', operand: 'number', emptyDefault: 0, signature: 'min(a, b) | min(x, axes, where: mask, empty: 0)', doc: 'Elementwise minimum of two values, or the minimum over the named axes of one (with `where:`, of the selected elements; nothing selected gives `empty`, 0 unless given).' },
  prod: { kind: 'reduce', op: 'prod', operand: 'number', emptyDefault: 1, signature: 'prod(x, axes?, where: mask)', doc: 'Product over the named axes; nothing selected gives 1.' },
  logsumexp: { kind: 'reduce', op: 'logsumexp', operand: 'number', emptyDefault: -Infinity, signature: 'logsumexp(x, axes?, where: mask, empty: -inf)', doc: 'log(sum(exp(x))) over the named axes, shifted by the maximum so it neither overflows nor underflows.' },
  any: { kind: 'reduce', op: 'any', operand: 'bool', emptyDefault: 0, signature: 'any(c, axes?, where: mask)', doc: 'True where some element along the axes is true.' },
  all: { kind: 'reduce', op: 'all', operand: 'bool', emptyDefault: 1, signature: 'all(c, axes?, where: mask)', doc: 'True where every element along the axes is true.' },

  softmax: { kind: 'axis', op: 'softmax', signature: 'softmax(x, axis)', doc: 'exp(x) / sum(exp(x)) along the axis, shifted by the maximum.' },
  log_softmax: { kind: 'axis', op: 'log_softmax', signature: 'log_softmax(x, axis)', doc: 'x - logsumexp(x) along the axis: log of softmax without underflow.' },

  sort: {
    kind: 'axis',
    op: 'sort',
    options: ['by', 'descending'],
    signature: 'sort(x, axis, by: key, descending: false)',
    doc: "x along the axis in ascending order (largest first with `descending: true`), as torch.sort's values; with `by: key`, x in the order that sorts key (torch's x[perm] for perm from sorting key). Stable: equal keys keep their order. Its gradient puts each value's back where it came from.",
  },
  cumsum: {
    kind: 'axis',
    op: 'cumsum',
    options: ['reverse'],
    signature: 'cumsum(x, axis, reverse: false)',
    doc: 'Running sum along the axis, as torch.cumsum: position i holds x[0] + … + x[i] (x[i] + … + x[n-1] with `reverse: true`).',
  },

  norm: { kind: 'macro', name: 'norm', arity: [1, 2], signature: 'norm(x, axes?)', doc: 'Euclidean norm sqrt(sum(x^2)) over the named axes (all when none are named).' },
  dot: { kind: 'macro', name: 'dot', arity: [3, 3], signature: 'dot(a, b, axes)', doc: 'sum(a * b) over the named axes.' },
  normalize: { kind: 'macro', name: 'normalize', arity: [2, 2], signature: 'normalize(x, axis)', doc: 'x / max(norm(x, axis), 1e-12), as torch.nn.functional.normalize; its gradient is finite at x = 0.' },
  clamp: { kind: 'macro', name: 'clamp', arity: [3, 3], signature: 'clamp(x, lo, hi)', doc: 'min(max(x, lo), hi).' },
  select: { kind: 'macro', name: 'select', arity: [3, 3], signature: 'select(cond, a, b)', doc: 'a where cond is true, else b (the same as `if cond then a else b`).' },
  atan2: { kind: 'macro', name: 'atan2', arity: [2, 2], signature: 'atan2(y, x)', doc: 'The angle of the point (x, y) from the x axis, in [-π, π], as torch.atan2 (atan2(0, 0) = 0, with gradient 0 there).' },
  pow: { kind: 'macro', name: 'pow', arity: [2, 2], signature: 'pow(a, b)', doc: 'a to the power b (the same as a ^ b).' },
  onehot: { kind: 'macro', name: 'onehot', arity: [1, 1], signature: 'onehot(t)', doc: 'For class indices t of C, 1 at the class and 0 elsewhere: a real tensor with an extra axis C.' },
  real: { kind: 'macro', name: 'real', arity: [1, 1], signature: 'real(x)', doc: 'A whole number or condition as a real number (true = 1, false = 0).' },
  stack: { kind: 'macro', name: 'stack', arity: [2, Infinity], signature: 'stack(a, b, ..., V)', doc: 'The tensors side by side along a new axis V, whose size is their number: stack(zi, zj, V)[v] is zi where v = 0 and zj where v = 1.' },
  flatten: { kind: 'macro', name: 'flatten', arity: [3, 3], signature: 'flatten(x, (H, W), S)', doc: "The axes H and W of x merged into one new axis S of size H·W, H the major one (position h·W + w), as torch's x.view(B, -1) or flatten: S is a dim of the loss from then on. The axes are found by name, wherever they are in x; `...` among them stands for x's rest dims, one block in their declared order (flatten(x, (C, ...), P))." },
  unflatten: { kind: 'macro', name: 'unflatten', arity: [3, 3], signature: 'unflatten(x, S, (H, W))', doc: 'The inverse of flatten: axis S of x split into axes H and W, H the major one. The sizes of H and W must be known (dims of the inputs); S must be H·W, checked when the loss runs. `...` among them splits S back into the rest dims (unflatten(p, P, (C, ...))).' },
  resize: { kind: 'macro', name: 'resize', arity: [1, 1], signature: "resize(y, like: preds[k], mode: 'nearest-exact')", doc: "y with its '...' dims resampled to those of an element of a ragged list (list[K] of ragged [B, C, ...]), as torch's F.interpolate(y, size=preds[k].shape[2:], mode=mode): 'nearest-exact' (the default, MONAI's) reads source position floor((d + 0.5)·in/out), 'nearest' floor(d·in/out), both in float32 as torch. Its gradient adds each output's back to the position it read." },
  count: { kind: 'macro', name: 'count', arity: [1, 2], signature: 'count(c, axes?)', doc: 'How many elements of the condition are true along the axes, as a real number.' },
};

export function isBuiltin(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(BUILTINS, name);
}
