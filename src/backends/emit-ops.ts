// The op table of the TypeScript emitter: each IR op as the tfjs call it becomes, as data.
// `emit-body.ts` does the parts that are not per-op (alignment by axis name, casts, masks,
// gradient cuts); adding an elementwise op to the IR means adding one row here.

import type { BinaryOp, DType, ReduceOp, UnaryOp } from '../ir/ops.js';

export const TF_DTYPE = { real: 'float32', int: 'int32', bool: 'bool' } as const satisfies Record<DType, string>;

/**
 * An elementwise op: the tfjs expression for already aligned operands, and the dtype those
 * operands are cast to first. `result`: the node's own dtype; `real`: float32 (math that is
 * only defined on reals); `bool`: logical ops; `compare`: unchanged when both operands agree,
 * float32 when they are mixed.
 */
export interface ElementwiseRule {
  readonly operands: 'result' | 'real' | 'bool' | 'compare';
  readonly expr: (args: readonly string[], dtype: DType) => string;
  /** A module-level helper the expression calls. */
  readonly helper?: HelperName;
}

/**
 * Functions a generated module defines for itself (only those it uses), since it may import
 * nothing but tfjs.
 */
export const HELPERS = {
  oneHotReal: `/**
 * The float32 one-hot rows of class indices \`t\` (int32), of shape [...t.shape, depth]. tf.oneHot
 * in int32, then cast: its float32 form yields denormals on wasm, and it rejects depth 1.
 */
function oneHotReal(t: tf.Tensor, depth: number): tf.Tensor {
  if (depth < 2) return tf.cast(tf.expandDims(tf.equal(t, tf.scalar(0, 'int32')), -1), 'float32');
  return tf.cast(tf.oneHot(t, depth, 1, 0, 'int32'), 'float32');
}`,
  takeAlongLast: `/**
 * \`x[..., t[...]]\` along the last axis: \`x\` of shape [...shape, depth] (or broadcast to it),
 * \`t\` class indices of shape \`shape\` (or broadcast to it). One flat tf.gather: for code off
 * the gradient tape (tf.gather's gradient is missing on wasm; with batchDims it crashes there).
 */
function takeAlongLast(x: tf.Tensor, t: tf.Tensor, shape: number[], depth: number): tf.Tensor {
  let rows = 1;
  for (const d of shape) rows *= d;
  // Broadcast by adding a fill only where needed (tf.broadcastTo tiles, slowly on wasm).
  const xs = x.size === rows * depth ? x : tf.add(x, tf.fill([...shape, depth], 0));
  const ts = t.size === rows ? t : tf.add(t, tf.fill(shape, 0, 'int32'));
  const flat = tf.reshape(xs, [rows * depth]);
  const at = tf.add(tf.mul(tf.range(0, rows, 1, 'int32'), tf.scalar(depth, 'int32')), tf.reshape(ts, [rows]));
  return tf.reshape(tf.gather(flat, at), shape);
}`,
  noGrad: `/**
 * Evaluates \`f\` off the gradient tape. tfjs has no gradient for comparisons and logical ops,
 * and their derivative is zero anyway: a mask computed here lets \`tf.grad\` pass through.
 */
function noGrad(f: () => tf.Tensor): tf.Tensor {
  return tf.customGrad(() => ({ value: f(), gradFunc: () => [] }))();
}`,
  log1p: `/**
 * log(1 + x), accurate for tiny x on every backend: wasm computes Log1p as log(1 + x) in
 * float32 (log1p(1e-10) = 0). Goldberg's trick: log(u) * x / (u - 1) with u = 1 + x cancels
 * the rounding of u.
 */
function log1p(x: tf.Tensor): tf.Tensor {
  return tf.customGrad((input, save) => {
    const t = input as tf.Tensor;
    // Saved, not captured: \`t\` may be an intermediate that tf.tidy disposes before backprop.
    (save as (tensors: tf.Tensor[]) => void)([t]);
    const u = tf.add(t, tf.scalar(1));
    const d = tf.sub(u, tf.scalar(1));
    const value = tf.where(tf.equal(d, tf.scalar(0)), t, tf.where(tf.isInf(u), u, tf.div(tf.mul(tf.log(u), t), d)));
    return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.div(dy, tf.add(saved[0]!, tf.scalar(1))) };
  })(x);
}`,
  valueKind: `/** What a value that should have been a tensor or an object is, in words. */
function valueKind(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  return Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object that is not a tf.Tensor' : \`a \${typeof v}\`;
}`,
  nanAt: `/**
 * Where \`x\` first holds NaN, as \`[i, j]\`, or undefined. Only a flag is read back from the
 * backend unless there is a NaN to find.
 */
function nanAt(x: tf.Tensor): string | undefined {
  if (x.dtype !== 'float32' || tf.tidy(() => tf.any(tf.isNaN(x)).dataSync()[0]) !== 1) return undefined;
  const flat = Array.from(x.dataSync()).findIndex((v) => Number.isNaN(v));
  const at: number[] = [];
  for (let k = x.rank - 1, r = flat; k >= 0; k--) {
    const size = x.shape[k]!;
    at.unshift(r % size);
    r = Math.floor(r / size);
  }
  return \`[\${at.join(', ')}]\`;
}`,
  // The evaluator's twin is `finite.ts`; `emit-finite.ts` emits the call.
  nonFinite: `/**
 * With \`checkFinite\`: throws when \`value\` holds NaN or an infinity, naming what led there.
 * It reads tensors back from the backend, so it is for finding a problem, not for every step.
 * \`inputs\`: [name, tensor, dims ('...' for the leading ones)]; \`steps\`: the computed values
 * in order, as [operation and source, tensor, named axes as [name, dim], inputs used].
 */
function nonFinite(
  loss: string,
  value: tf.Tensor,
  inputs: readonly (readonly [string, tf.Tensor, readonly string[]])[],
  hypers: readonly (readonly [string, number])[],
  steps: readonly (readonly [string, tf.Tensor, readonly (readonly [string, string])[], readonly number[]])[],
): void {
  const bad = (t: tf.Tensor): number => (t.dtype === 'float32' ? Array.from(t.dataSync()).findIndex((v) => !Number.isFinite(v)) : -1);
  const at = bad(value);
  if (at < 0) return;
  const index = (shape: readonly number[], flat: number): number[] => {
    const out: number[] = [];
    for (let k = shape.length - 1, r = flat; k >= 0; k--) {
      out.unshift(r % shape[k]!);
      r = Math.floor(r / shape[k]!);
    }
    return out;
  };
  const show = (t: tf.Tensor, k: number): string => String(t.dataSync()[k]);
  const head = \`\${loss}: the loss is \${show(value, at)}\${value.rank > 0 ? \` at [\${index(value.shape, at).join(', ')}]\` : ''} (checkFinite)\`;
  for (const [name, t] of inputs) {
    const k = bad(t);
    if (k >= 0) throw new RangeError(\`\${head}: input '\${name}' holds \${show(t, k)} at [\${index(t.shape, k).join(', ')}]\`);
  }
  for (const [name, v] of hypers) if (!Number.isFinite(v)) throw new RangeError(\`\${head}: option '\${name}' is \${v}\`);
  for (const [label, t, axes, deps] of steps) {
    const k = bad(t);
    if (k < 0) continue;
    const pos = index(t.shape, k);
    const lead = pos.slice(0, pos.length - axes.length);
    const named = pos.slice(pos.length - axes.length);
    const where = [...(lead.length > 0 ? [\`...=[\${lead.join(', ')}]\`] : []), ...axes.map(([name], i) => \`\${name}=\${named[i]}\`)];
    const there = deps.map((d) => {
      const [name, x, dims] = inputs[d]!;
      // Each dim of the input fixed where the step's axes say (a dim they hold once), else all.
      const restRank = x.rank - dims.length + 1;
      const fixed = dims.flatMap((dim): (number | undefined)[] => {
        if (dim === '...') return Array.from({ length: restRank }, (_, i) => (lead.length === restRank ? lead[i] : undefined));
        const hits = axes.flatMap(([, d], i) => (d === dim ? [named[i]] : []));
        return [hits.length === 1 ? hits[0] : undefined];
      });
      const values: string[] = [];
      const data = x.dataSync();
      for (let f = 0; f < x.size && values.length <= 4; f++) {
        if (index(x.shape, f).every((p, i) => fixed[i] === undefined || fixed[i] === p)) values.push(String(data[f]));
      }
      const shown = values.length > 4 ? [...values.slice(0, 4), '...'] : values;
      return \`\${name}[\${fixed.map((p) => p ?? ':').join(', ')}] = \${shown.join(', ')}\`;
    });
    throw new RangeError(\`\${head}: it first appears as \${show(t, k)} in \${label} at [\${where.join(', ')}] from finite operands\${there.length > 0 ? \`, where \${there.join('; ')}\` : ''}\`);
  }
  throw new RangeError(head);
}`,
} as const;

export type HelperName = keyof typeof HELPERS;

const call =
  (fn: string) =>
  (args: readonly string[]): string =>
    `tf.${fn}(${args.join(', ')})`;

export const ELEMENTWISE = {
  neg: { operands: 'result', expr: call('neg') },
  abs: { operands: 'result', expr: call('abs') },
  sign: { operands: 'real', expr: call('sign') },
  exp: { operands: 'real', expr: call('exp') },
  log: { operands: 'real', expr: call('log') },
  log1p: { operands: 'real', expr: (a) => `log1p(${a[0]})`, helper: 'log1p' },
  expm1: { operands: 'real', expr: call('expm1') },
  sqrt: { operands: 'real', expr: call('sqrt') },
  square: { operands: 'result', expr: call('square') },
  sigmoid: { operands: 'real', expr: call('sigmoid') },
  softplus: { operands: 'real', expr: call('softplus') },
  // Not tf.logSigmoid: its custom gradient keeps x without saving it, so backprop fails once
  // tf.tidy has disposed an intermediate x. -softplus(-x) is the same value, with kernel grads.
  log_sigmoid: { operands: 'real', expr: (a) => `tf.neg(tf.softplus(tf.neg(${a[0]})))` },
  tanh: { operands: 'real', expr: call('tanh') },
  cosh: { operands: 'real', expr: call('cosh') },
  relu: { operands: 'result', expr: call('relu') },
  // tf.floor rejects int32; whole numbers are their own floor.
  floor: { operands: 'result', expr: (a, dtype) => (dtype === 'real' ? call('floor')(a) : a[0]!) },
  not: { operands: 'bool', expr: call('logicalNot') },
  // The cast to float32 happens on the operand already (lowerBody writes a constant, size or
  // hyperparameter operand inline as a real scalar instead).
  to_real: { operands: 'real', expr: (a) => a[0]! },
  // Off the tape in emit-body's `define`, so its gradient is zero.
  detach: { operands: 'result', expr: (a) => `tf.clone(${a[0]})` },

  add: { operands: 'result', expr: call('add') },
  sub: { operands: 'result', expr: call('sub') },
  mul: { operands: 'result', expr: call('mul') },
  div: { operands: 'real', expr: call('div') },
  pow: { operands: 'real', expr: call('pow') },
  maximum: { operands: 'result', expr: call('maximum') },
  minimum: { operands: 'result', expr: call('minimum') },
  eq: { operands: 'compare', expr: call('equal') },
  ne: { operands: 'compare', expr: call('notEqual') },
  lt: { operands: 'compare', expr: call('less') },
  le: { operands: 'compare', expr: call('lessEqual') },
  gt: { operands: 'compare', expr: call('greater') },
  ge: { operands: 'compare', expr: call('greaterEqual') },
  and: { operands: 'bool', expr: call('logicalAnd') },
  or: { operands: 'bool', expr: call('logicalOr') },
} as const satisfies Record<UnaryOp | BinaryOp, ElementwiseRule>;

/**
 * A reduction: the tfjs function, the operand dtype it needs, and for masked reductions the
 * value put where the mask is false and what the masked form gives when nothing is selected
 * (when `attrs.empty` differs, the emitter patches those positions).
 */
export interface ReduceRule {
  readonly fn: string;
  readonly operand: 'same' | 'real' | 'bool';
  /** Neutral element written where the mask is false (as a JS expression, by dtype). */
  readonly fill: (dtype: DType) => string;
  /** What the masked form yields for an empty selection. */
  readonly natural: number;
}

const INT_MIN = '-2147483648';
const INT_MAX = '2147483647';

export const REDUCE = {
  sum: { fn: 'sum', operand: 'same', fill: () => '0', natural: 0 },
  // Masked mean divides by max(count, 1), so an empty selection gives 0 / 1.
  mean: { fn: 'mean', operand: 'real', fill: () => '0', natural: 0 },
  max: { fn: 'max', operand: 'same', fill: (d) => (d === 'int' ? INT_MIN : '-Infinity'), natural: -Infinity },
  min: { fn: 'min', operand: 'same', fill: (d) => (d === 'int' ? INT_MAX : 'Infinity'), natural: Infinity },
  prod: { fn: 'prod', operand: 'same', fill: () => '1', natural: 1 },
  // Masked logsumexp takes log(max(sum, 1)) after the shift, so empty gives log(1) + 0.
  logsumexp: { fn: 'logSumExp', operand: 'real', fill: () => '-Infinity', natural: 0 },
  any: { fn: 'any', operand: 'bool', fill: () => 'false', natural: 0 },
  all: { fn: 'all', operand: 'bool', fill: () => 'true', natural: 1 },
} as const satisfies Record<ReduceOp, ReduceRule>;
