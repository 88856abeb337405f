// The functions a generated module defines for itself (only those it uses), since it may
// import nothing but tfjs. This file is their one source: the evaluator calls them from here,
// and `helper-sources.ts` (generated from this file; LOSSC_UPDATE=1 npx vitest run
// test/one-lowering.test.ts rewrites it) holds their names and text for the emitter. Every
// exported function is a helper, under the name it has in generated code.
import * as tf from '@tensorflow/tfjs';

/**
 * Evaluates `f` off the gradient tape. tfjs has no gradient for comparisons and logical ops,
 * and their derivative is zero anyway: a mask computed here lets `tf.grad` pass through.
 */
export function noGrad(f: () => tf.Tensor): tf.Tensor {
  return tf.customGrad(() => ({ value: f(), gradFunc: () => [] }))();
}

/**
 * log(1 + x), accurate for tiny x on every backend: wasm computes Log1p as log(1 + x) in
 * float32 (log1p(1e-10) = 0). Goldberg's trick: log(u) * x / (u - 1) with u = 1 + x cancels
 * the rounding of u.
 */
export function log1p(x: tf.Tensor): tf.Tensor {
  return tf.customGrad((input, save) => {
    const t = input as tf.Tensor;
    // Saved, not captured: `t` may be an intermediate that tf.tidy disposes before backprop.
    (save as (tensors: tf.Tensor[]) => void)([t]);
    const u = tf.add(t, tf.scalar(1));
    const d = tf.sub(u, tf.scalar(1));
    const value = tf.where(tf.equal(d, tf.scalar(0)), t, tf.where(tf.isInf(u), u, tf.div(tf.mul(tf.log(u), t), d)));
    return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.div(dy, tf.add(saved[0]!, tf.scalar(1))) };
  })(x);
}

/**
 * erf(x), accurate to float32 on every backend: tf.erf on cpu has an absolute error of 1.5e-7
 * (Abramowitz and Stegun 7.1.26), so erf(1e-8) comes out 9% too large. Below |x| = 0.5 the
 * Maclaurin series (six terms: the seventh is below float32's half ulp) keeps the relative
 * error small. Its gradient is (2/√π) e^(-x²), with the series' comparison off the tape.
 */
export function erf(x: tf.Tensor): tf.Tensor {
  return tf.customGrad((input, save) => {
    const t = input as tf.Tensor;
    (save as (tensors: tf.Tensor[]) => void)([t]);
    const t2 = tf.square(t);
    // (2/√π)(1 - x²/3 + x⁴/10 - x⁶/42 + x⁸/216 - x¹⁰/1320), by Horner's rule in x².
    let p = tf.scalar(-1 / 1320);
    for (const c of [1 / 216, -1 / 42, 1 / 10, -1 / 3, 1]) p = tf.add(tf.mul(p, t2), tf.scalar(c));
    const series = tf.mul(tf.mul(t, p), tf.scalar(2 / Math.sqrt(Math.PI)));
    const value = tf.where(tf.less(tf.abs(t), tf.scalar(0.5)), series, tf.erf(t));
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, tf.mul(tf.exp(tf.neg(tf.square(saved[0]!))), tf.scalar(2 / Math.sqrt(Math.PI)))),
    };
  })(x);
}

/**
 * The float32 one-hot rows of class indices `t` (int32), of shape [...t.shape, depth]. tf.oneHot
 * in int32, then cast: its float32 form yields denormals on wasm, and it rejects depth 1.
 */
export function oneHotReal(t: tf.Tensor, depth: number): tf.Tensor {
  if (depth < 2) return tf.cast(tf.expandDims(tf.equal(t, tf.scalar(0, 'int32')), -1), 'float32');
  return tf.cast(tf.oneHot(t, depth, 1, 0, 'int32'), 'float32');
}

/**
 * `x[..., t[...]]` along the last axis: `x` of shape [...shape, depth] (or broadcast to it),
 * `t` class indices of shape `shape` (or broadcast to it). One flat tf.gather: for code off
 * the gradient tape (tf.gather's gradient is missing on wasm; with batchDims it crashes there).
 */
export function takeAlongLast(x: tf.Tensor, t: tf.Tensor, shape: number[], depth: number): tf.Tensor {
  let rows = 1;
  for (const d of shape) rows *= d;
  // Broadcast by adding a fill only where needed (tf.broadcastTo tiles, slowly on wasm).
  const xs = x.size === rows * depth ? x : tf.add(x, tf.fill([...shape, depth], 0));
  const ts = t.size === rows ? t : tf.add(t, tf.fill(shape, 0, 'int32'));
  const flat = tf.reshape(xs, [rows * depth]);
  const at = tf.add(tf.mul(tf.range(0, rows, 1, 'int32'), tf.scalar(depth, 'int32')), tf.reshape(ts, [rows]));
  return tf.reshape(tf.gather(flat, at), shape);
}

/** What a value that should have been a tensor or an object is, in words. */
export function valueKind(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  return Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object that is not a tf.Tensor' : `a ${typeof v}`;
}

/**
 * Where `x` first holds NaN, as `[i, j]`, or undefined. Only a flag is read back from the
 * backend unless there is a NaN to find.
 */
export function nanAt(x: tf.Tensor): string | undefined {
  if (x.dtype !== 'float32' || tf.tidy(() => tf.any(tf.isNaN(x)).dataSync()[0]) !== 1) return undefined;
  const flat = Array.from(x.dataSync()).findIndex((v) => Number.isNaN(v));
  const at: number[] = [];
  for (let k = x.rank - 1, r = flat; k >= 0; k--) {
    const size = x.shape[k]!;
    at.unshift(r % size);
    r = Math.floor(r / size);
  }
  return `[${at.join(', ')}]`;
}

/**
 * With `checkFinite`: throws when `value` holds NaN or an infinity, naming what led there.
 * It reads tensors back from the backend, so it is for finding a problem, not for every step.
 * `inputs`: [name, tensor, dims ('...' for the leading ones)]; `steps`: the computed values
 * in order, as [operation and source, tensor, named axes as [name, dim], inputs used].
 */
export function nonFinite(
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
  const head = `${loss}: the loss is ${show(value, at)}${value.rank > 0 ? ` at [${index(value.shape, at).join(', ')}]` : ''} (checkFinite)`;
  for (const [name, t] of inputs) {
    const k = bad(t);
    if (k >= 0) throw new RangeError(`${head}: input '${name}' holds ${show(t, k)} at [${index(t.shape, k).join(', ')}]`);
  }
  for (const [name, v] of hypers) if (!Number.isFinite(v)) throw new RangeError(`${head}: option '${name}' is ${v}`);
  for (const [label, t, axes, deps] of steps) {
    const k = bad(t);
    if (k < 0) continue;
    const pos = index(t.shape, k);
    const lead = pos.slice(0, pos.length - axes.length);
    const named = pos.slice(pos.length - axes.length);
    const where = [...(lead.length > 0 ? [`...=[${lead.join(', ')}]`] : []), ...axes.map(([name], i) => `${name}=${named[i]}`)];
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
      return `${name}[${fixed.map((p) => p ?? ':').join(', ')}] = ${shown.join(', ')}`;
    });
    throw new RangeError(`${head}: it first appears as ${show(t, k)} in ${label} at [${where.join(', ')}] from finite operands${there.length > 0 ? `, where ${there.join('; ')}` : ''}`);
  }
  throw new RangeError(head);
}
