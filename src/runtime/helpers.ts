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
 * sin(x), relatively accurate for tiny x on every backend: wasm's Sin returns 0 for |x| below
 * about 1e-15 (sin(1e-20) = 0) and loses digits from 1e-12. Below |x| = 0.01 the series
 * x (1 - x²/6 (1 - x²/20)) (the next term is below 2e-18 relative). Its gradient is cos(x).
 */
export function sin(x: tf.Tensor): tf.Tensor {
  return tf.customGrad((input, save) => {
    const t = input as tf.Tensor;
    (save as (tensors: tf.Tensor[]) => void)([t]);
    const t2 = tf.square(t);
    const series = tf.mul(t, tf.sub(tf.scalar(1), tf.mul(tf.div(t2, tf.scalar(6)), tf.sub(tf.scalar(1), tf.div(t2, tf.scalar(20))))));
    const value = tf.where(tf.less(tf.abs(t), tf.scalar(0.01)), series, tf.sin(t));
    return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, tf.cos(saved[0]!)) };
  })(x);
}

/**
 * relu(x), NaN kept NaN. tfjs-wasm's Relu (and Relu6, ClipByValue) return 0 for a NaN whose sign
 * bit is set (as an integer max of the bits would), the NaN that ∞ − ∞ and 0·∞ give on x86: a
 * NaN distance or hinge term became a finite 0 loss there. On wasm, relu(x) · step(x): Step is 1
 * above 0, 0 at and below it (also at -∞, where x · step(x) would be NaN) and keeps any NaN, so
 * the product is exact and NaN wherever x is. Three fast kernels: 0.9 ms per 1M elements, against
 * 0.17 for Relu alone, 3.4 for an isNaN test and select and 11 for Maximum (which keeps NaN). The
 * step is saved as the gradient's mask, dy · step(x) as tf.relu's gradient (0 at 0, NaN at NaN):
 * forward and backward cost 1.1× tf.relu's (bench/relu-forms.ts). cpu's and webgl's Relu keep NaN.
 */
export function relu(x: tf.Tensor): tf.Tensor {
  if (x.dtype !== 'float32' || tf.getBackend() !== 'wasm') return tf.relu(x);
  return tf.customGrad((input, save) => {
    const t = input as tf.Tensor;
    const step = tf.step(t);
    // Saved in place of x, which tf.relu's gradient would save: one tensor either way.
    (save as (tensors: tf.Tensor[]) => void)([step]);
    return { value: tf.mul(tf.relu(t), step), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, saved[0]!) };
  })(x);
}

/**
 * sign(x): -1, 0 or 1, and NaN for NaN, on every backend: wasm's Sign returns 0 for |x| up to
 * about 1.2e-7 (and for NaN), which made the gradient of |x| (mae at a residual of 1e-8) 0
 * instead of ±1. Its gradient is 0, as tf.sign's.
 */
export function sign(x: tf.Tensor): tf.Tensor {
  return tf.customGrad((input, save) => {
    const t = input as tf.Tensor;
    (save as (tensors: tf.Tensor[]) => void)([]);
    const steps = tf.sub(tf.cast(tf.greater(t, tf.scalar(0)), 'float32'), tf.cast(tf.less(t, tf.scalar(0)), 'float32'));
    // NaN is the one value unequal to itself.
    const value = tf.where(tf.notEqual(t, t), t, steps);
    return { value, gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
  })(x);
}

/**
 * log |Γ(x)| in float32 (tfjs has no lgamma kernel), as torch.lgamma: +Infinity at 0, the
 * negative whole numbers and ±Infinity. From x = 10, Stirling's series; below, the shift
 * Γ(x) = (x - 1) Γ(x - 1) brings x to 2 + p with |p| <= 1/2, where lgamma(2 + p) is its Taylor
 * series (coefficients (-1)^k (ζ(k) - 1)/k), so the zeros at 1 and 2 keep their relative
 * accuracy; p is found by exact subtractions. Below 1/2, the reflection
 * lgamma(x) = log π - log |sin πx| - lgamma(1 - x), with πx reduced to [-π/2, π/2] first.
 * Its gradient is digamma(x).
 */
export function lgamma(x: tf.Tensor): tf.Tensor {
  return tf.customGrad((input, save) => {
    const t = input as tf.Tensor;
    (save as (tensors: tf.Tensor[]) => void)([t]);
    const c = (v: number): tf.Scalar => tf.scalar(v);
    const reflect = tf.less(t, c(0.5));
    const xp = tf.where(reflect, tf.sub(c(1), t), t);
    // Stirling from 10: (x - 1/2)(log x - 1) - 1/2 + log √(2π) + 1/(12x) - 1/(360x³) + 1/(1260x⁵).
    const xl = tf.maximum(xp, c(10));
    const r = tf.reciprocal(tf.square(xl));
    const tail = tf.div(tf.sub(c(1 / 12), tf.mul(r, tf.sub(c(1 / 360), tf.mul(r, c(1 / 1260))))), xl);
    const stirling = tf.add(tf.mul(tf.sub(xl, c(0.5)), tf.sub(tf.log(xl), c(1))), tf.add(c(0.5 * Math.log(2 * Math.PI) - 0.5), tail));
    // Below 10: p = x - 1 (then minus log x) under 3/2, else p = x - 2 shifted down by whole steps.
    const xs = tf.minimum(xp, c(10));
    const low = tf.less(xs, c(1.5));
    let p = tf.where(low, tf.sub(xs, c(1)), tf.sub(xs, c(2)));
    let prod = tf.onesLike(xs);
    for (let k = 0; k < 8; k++) {
      const step = tf.greaterEqual(p, c(0.5));
      prod = tf.where(step, tf.mul(prod, tf.add(p, c(1))), prod);
      p = tf.where(step, tf.sub(p, c(1)), p);
    }
    const TAYLOR = [
      0.42278433509846714, 0.32246703342411322, -0.067352301053198095, 0.020580808427784548, -0.0073855510286739853,
      0.0028905103307415233, -0.001192753911703261, 0.00050966952474304242, -0.00022315475845357938, 9.9457512781808534e-5,
      -4.4926236738133142e-5, 2.0507212775670692e-5, -9.4394882752683959e-6, 4.3748667899074878e-6, -2.0392157538013662e-6,
    ];
    let series = c(TAYLOR[TAYLOR.length - 1]!);
    for (let k = TAYLOR.length - 2; k >= 0; k--) series = tf.add(tf.mul(series, p), c(TAYLOR[k]!));
    series = tf.mul(series, p);
    const shifted = tf.add(series, tf.where(low, tf.neg(tf.log(xs)), tf.log(prod)));
    const positive = tf.where(tf.greaterEqual(xp, c(10)), stirling, shifted);
    // log π - log |sin πr| with r = x - round(x), exact: +Infinity at the poles.
    const sinPi = tf.abs(sin(tf.mul(tf.sub(t, tf.round(t)), c(Math.PI))));
    const reflected = tf.sub(tf.sub(c(Math.log(Math.PI)), tf.log(sinPi)), positive);
    const value = tf.where(tf.isInf(t), tf.abs(t), tf.where(reflect, reflected, positive));
    return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, digamma(saved[0]!)) };
  })(x);
}

/**
 * ψ(x) = Γ′(x)/Γ(x) in float32, as torch.digamma: -Infinity at +0, +Infinity at -0, NaN at the
 * negative whole numbers and -Infinity. Below 6, ψ(x) = ψ(x + 6) - Σ_{k<6} 1/(x + k); from 6
 * the asymptotic series log x - 1/(2x) - Σ B₂ₖ/(2k x²ᵏ). Below 0, the reflection
 * ψ(x) = ψ(1 - x) - π cot πx. Near its zero at 1.4616 the error is absolute (~3e-7), as the
 * recurrence cancels. Its gradient is trigamma(x).
 */
export function digamma(x: tf.Tensor): tf.Tensor {
  return tf.customGrad((input, save) => {
    const t = input as tf.Tensor;
    (save as (tensors: tf.Tensor[]) => void)([t]);
    const c = (v: number): tf.Scalar => tf.scalar(v);
    const { reflect, z, r, series, shift } = polygammaParts(t, (v) => tf.reciprocal(v), [1 / 12, 1 / 120, 1 / 252, 1 / 240, 1 / 132]);
    const asymptotic = tf.sub(tf.sub(tf.log(z), tf.div(c(0.5), z)), tf.mul(r, series));
    const positive = tf.sub(asymptotic, shift);
    // π cot πx with x reduced to r in [-1/2, 1/2], cos πr as sin π(1/2 - |r|) (0 at r = ±1/2).
    const reduced = tf.sub(t, tf.round(t));
    const cosPi = sin(tf.mul(tf.sub(c(0.5), tf.abs(reduced)), c(Math.PI)));
    const reflected = tf.sub(positive, tf.div(tf.mul(cosPi, c(Math.PI)), sin(tf.mul(reduced, c(Math.PI)))));
    const pole = tf.logicalAnd(reflect, tf.equal(t, tf.floor(t)));
    const value = tf.where(pole, tf.fill(t.shape, NaN), tf.where(reflect, reflected, positive));
    return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, trigamma(saved[0]!)) };
  })(x);
}

/**
 * ψ′(x), the derivative of digamma, in float32 (torch.polygamma(1, x)): +Infinity at 0 and the
 * negative whole numbers, NaN at -Infinity. Below 6, ψ′(x) = ψ′(x + 6) + Σ_{k<6} 1/(x + k)²;
 * from 6 the asymptotic series 1/x + 1/(2x²) + Σ B₂ₖ/x²ᵏ⁺¹; below 0, the reflection
 * ψ′(x) = π²/sin² πx - ψ′(1 - x). Its gradient is tetragamma(x).
 */
export function trigamma(x: tf.Tensor): tf.Tensor {
  return tf.customGrad((input, save) => {
    const t = input as tf.Tensor;
    (save as (tensors: tf.Tensor[]) => void)([t]);
    const c = (v: number): tf.Scalar => tf.scalar(v);
    const { reflect, z, r, series, shift } = polygammaParts(t, (v) => tf.reciprocal(tf.square(v)), [1 / 6, 1 / 30, 1 / 42, 1 / 30]);
    const asymptotic = tf.add(tf.add(tf.reciprocal(z), tf.mul(r, c(0.5))), tf.div(tf.mul(r, series), z));
    const positive = tf.add(asymptotic, shift);
    const sinPi = sin(tf.mul(tf.sub(t, tf.round(t)), c(Math.PI)));
    const reflected = tf.sub(tf.div(c(Math.PI * Math.PI), tf.square(sinPi)), positive);
    const value = tf.where(reflect, reflected, positive);
    return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, tetragamma(saved[0]!)) };
  })(x);
}

/**
 * ψ″(x), the derivative of trigamma, in float32 (torch.polygamma(2, x)), for trigamma's gradient:
 * -Infinity at the poles. Below 6, ψ″(x) = ψ″(x + 6) - 2 Σ_{k<6} 1/(x + k)³; from 6,
 * -1/x² - 1/x³ - Σ (2k + 1) B₂ₖ/x²ᵏ⁺²; below 0, ψ″(x) = ψ″(1 - x) - 2π³ cos πx / sin³ πx.
 */
export function tetragamma(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const c = (v: number): tf.Scalar => tf.scalar(v);
    const cube = (v: tf.Tensor): tf.Tensor => tf.mul(tf.square(v), v);
    const { reflect, z, r, series, shift } = polygammaParts(x, (v) => tf.reciprocal(cube(v)), [1 / 2, 1 / 6, 1 / 6, 3 / 10]);
    const asymptotic = tf.neg(tf.add(tf.add(r, tf.div(r, z)), tf.mul(tf.square(r), series)));
    // 2 Σ: doubling is exact, so twice the shift is the sum doubled.
    const positive = tf.sub(asymptotic, tf.mul(shift, c(2)));
    const reduced = tf.sub(x, tf.round(x));
    const cosPi = sin(tf.mul(tf.sub(c(0.5), tf.abs(reduced)), c(Math.PI)));
    const reflected = tf.sub(positive, tf.div(tf.mul(cosPi, c(2 * Math.PI ** 3)), cube(sin(tf.mul(reduced, c(Math.PI))))));
    return tf.where(reflect, reflected, positive);
  });
}

/**
 * What digamma, trigamma and tetragamma share: x reflected to 1 - x below 0 (`reflect`), then
 * below 6 shifted to z = x + 6 with the recurrence's sum Σ_{k<6} term(x + k) as `shift` (0 from
 * 6 on, where z = x), and at z the alternating polynomial c₀ - r(c₁ - r(c₂ - …)) in r = 1/z²
 * of the asymptotic series (Horner's rule), which each caller scales and completes.
 */
export function polygammaParts(
  x: tf.Tensor,
  term: (v: tf.Tensor) => tf.Tensor,
  coefficients: readonly number[],
): { reflect: tf.Tensor; z: tf.Tensor; r: tf.Tensor; series: tf.Tensor; shift: tf.Tensor } {
  const c = (v: number): tf.Scalar => tf.scalar(v);
  const reflect = tf.less(x, c(0));
  const xp = tf.where(reflect, tf.sub(c(1), x), x);
  const small = tf.less(xp, c(6));
  let sum = term(xp);
  for (let k = 1; k < 6; k++) sum = tf.add(sum, term(tf.add(xp, c(k))));
  const z = tf.where(small, tf.add(xp, c(6)), xp);
  const r = tf.reciprocal(tf.square(z));
  let series = c(coefficients[coefficients.length - 1]!);
  for (let k = coefficients.length - 2; k >= 0; k--) series = tf.sub(c(coefficients[k]!), tf.mul(r, series));
  return { reflect, z, r, series, shift: tf.where(small, sum, tf.zerosLike(sum)) };
}

/**
 * The float32 one-hot of class indices `t` (int32): shape [...t.shape, depth], or with the
 * classes at position `axis` of the result ([depth, N] for `axis` 0 and t of shape [N]). An
 * index outside [0, depth) gives zeros. Classes last: tf.oneHot in int32, then cast (its
 * float32 form yields denormals on wasm, and it rejects depth 1). Elsewhere: one tf.scatterND
 * of ones at (…, t, …), the only tensor of the one-hot's size it makes (tf.oneHot, cast and
 * transpose made three, and a broadcast comparison with the positions is 60× slower on wasm,
 * bench/onehot-layout.ts); indices outside are clamped, their ones made 0 (a scatter outside
 * writes out of bounds on wasm).
 */
/**
 * The mask `positions == t` (bool) along a new axis of size `depth` at `axis`: oneHotReal
 * cast, 2 ms per 1M elements on wasm, where the broadcast comparison of [depth] with t's
 * [N, 1] takes 50 to 150 (tfjs-wasm's broadcasting comparisons run element by element).
 */
export function oneHotMask(t: tf.Tensor, depth: number, axis = t.rank): tf.Tensor {
  return tf.tidy(() => tf.cast(oneHotReal(t, depth, axis), 'bool'));
}

export function oneHotReal(t: tf.Tensor, depth: number, axis = t.rank): tf.Tensor {
  if (axis === t.rank) {
    if (depth < 2) return tf.tidy(() => tf.cast(tf.expandDims(tf.equal(t, tf.scalar(0, 'int32')), -1), 'float32'));
    return tf.tidy(() => tf.cast(tf.oneHot(t, depth, 1, 0, 'int32'), 'float32'));
  }
  const shape = [...t.shape.slice(0, axis), depth, ...t.shape.slice(axis)];
  const [before, after] = [t.shape.slice(0, axis), t.shape.slice(axis)].map((dims) => dims.reduce((p, d) => p * d, 1)) as [number, number];
  if (before * after * depth === 0) return tf.zeros(shape);
  return tf.tidy(() => {
    // The one-hot as [before, depth, after] ([depth, after] when nothing is before): one at
    // (row, t, column) for each index t, at row and column of its own position.
    const lead = axis > 0;
    const grid = lead ? [before, after] : [after];
    const at = tf.reshape(t, [...grid, 1]);
    const inside = tf.logicalAnd(tf.greaterEqual(at, tf.scalar(0, 'int32')), tf.less(at, tf.scalar(depth, 'int32')));
    const clamped = tf.minimum(tf.maximum(at, tf.scalar(0, 'int32')), tf.scalar(depth - 1, 'int32'));
    const columns = tf.reshape(tf.range(0, after, 1, 'int32'), lead ? [1, after, 1] : [after, 1]);
    const parts = lead ? [tf.broadcastTo(tf.reshape(tf.range(0, before, 1, 'int32'), [before, 1, 1]), [before, after, 1]), clamped, tf.broadcastTo(columns, [before, after, 1])] : [clamped, columns];
    const hot = tf.scatterND(tf.concat(parts, -1), tf.reshape(tf.cast(inside, 'float32'), grid), lead ? [before, depth, after] : [depth, after]);
    return hot.rank === shape.length ? hot : tf.reshape(hot, shape);
  });
}

/**
 * `x` (float32 or int32) broadcast to `shape` as tfjs broadcasts (right-aligned), a tensor of
 * that shape. On the cpu backend a binary kernel that broadcasts a
 * size-1 dim computes every element's index (Add of [2, 256, 1, 1] and [2, 256, 2, 256]: 25 ms,
 * a same-shape Add 4 ms, bench/broadcast-forms.ts), so there each run of size-1 dims is filled
 * by one tf.matMul with a column or row of ones (x·1, exact: 1-2 ms). Elsewhere x + 0 (wasm's
 * Add broadcasts natively). Both may give +0 for -0; NaN and infinities are kept.
 */
export function broadcastFull(x: tf.Tensor, shape: number[]): tf.Tensor {
  return tf.tidy(() => {
    if (tf.getBackend() !== 'cpu' || x.dtype !== 'float32' || shape.some((d) => d === 0)) return tf.add(x, tf.fill(shape, 0, x.dtype === 'int32' ? 'int32' : 'float32'));
    const dims = [...shape.slice(0, shape.length - x.rank).map(() => 1), ...x.shape];
    const spread = (k: number): boolean => dims[k] === 1 && shape[k] !== 1;
    const product = (ds: readonly number[]): number => ds.reduce((p, d) => p * d, 1);
    let t = x;
    // Innermost run first: [before, 1, after] → [before, b, after], one matMul per run.
    let end = shape.length;
    while (end > 0) {
      if (!spread(end - 1)) {
        end--;
        continue;
      }
      let start = end - 1;
      while (start > 0 && spread(start - 1)) start--;
      const [before, b, after] = [product(dims.slice(0, start)), product(shape.slice(start, end)), product(dims.slice(end))];
      t = after === 1 ? tf.matMul(tf.reshape(t, [before, 1]), tf.ones([1, b])) : tf.matMul(tf.ones([b, 1]), tf.reshape(t, [before, 1, after]));
      for (let k = start; k < end; k++) dims[k] = shape[k]!;
      end = start;
    }
    return tf.reshape(t, shape);
  });
}

/**
 * An operand of a binary kernel whose result has shape `shape`: `x` itself, but on the cpu
 * backend, where a size-1 dim of it would be broadcast, `x` broadcast by broadcastFull (a
 * broadcasting binary kernel there costs 7-18× a same-shape one; missing leading dims cost
 * nothing). For kernels where reading -0 as +0 changes at most the sign of a zero result.
 */
export function broadcastOperand(x: tf.Tensor, shape: number[]): tf.Tensor {
  if (tf.getBackend() !== 'cpu' || x.dtype !== 'float32') return x;
  const lead = shape.length - x.rank;
  return x.shape.some((d, k) => d === 1 && shape[lead + k] !== 1) ? broadcastFull(x, shape) : x;
}

/**
 * tf.matMul(a, b, transposeA, transposeB). On cpu with the flags (a 512×512 operand read
 * transposed costs 5% more, an explicit transpose of it 15%, bench/broadcast-forms.ts);
 * elsewhere the operands transposed first: on wasm the flags make the product 4-13× slower
 * than an explicit transpose (bench/matmul-transpose.ts).
 */
export function matMulT(a: tf.Tensor, b: tf.Tensor, transposeA: boolean, transposeB: boolean): tf.Tensor {
  if (tf.getBackend() === 'cpu') return tf.matMul(a, b, transposeA, transposeB);
  const lastTwo = (x: tf.Tensor): tf.Tensor => tf.transpose(x, [...x.shape.keys()].map((k) => (k < x.rank - 2 ? k : 2 * x.rank - 3 - k)));
  return tf.tidy(() => tf.matMul(transposeA ? lastTwo(a) : a, transposeB ? lastTwo(b) : b));
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

/**
 * The positions, flat in a tensor of `key`'s shape, that put `key` in order along its last
 * axis: row r's j-th is r·n + the position of its j-th smallest key (largest, `descending`).
 * Stable, as torch.sort(stable=True): tf.topk gives equal keys lowest position first, on cpu
 * and wasm; ascending is the top of -key. int32, off the tape.
 */
export function sortPositions(key: tf.Tensor, descending: boolean): tf.Tensor {
  return tf.tidy(() => {
    const n = key.shape[key.rank - 1]!;
    const rows = key.size / n;
    const lines = tf.reshape(key, [rows, n]);
    const { indices } = tf.topk(descending ? lines : tf.neg(lines), n);
    return tf.reshape(tf.add(indices, tf.mul(tf.reshape(tf.range(0, rows, 1, 'int32'), [rows, 1]), tf.scalar(n, 'int32'))), [rows * n]);
  });
}

/**
 * `v` along its last axis in the order that sorts `key` (of v's shape), or with `inverse` put
 * back where the sorted key came from: a flat tf.gather, or a tf.scatterND (tf.gather with
 * batchDims crashes on wasm, and neither has a gradient there: each direction's gradient is
 * the other, as a custom gradient; the key gets none, its order being piecewise constant).
 * A line whose key holds NaN has no order: NaN throughout (the reference's and torch's too).
 */
export function sortAlongLast(v: tf.Tensor, key: tf.Tensor, descending: boolean, inverse = false): tf.Tensor {
  if (v.size === 0) return tf.clone(v);
  return tf.customGrad((values, keys, save) => {
    const [x, k] = [values as tf.Tensor, keys as tf.Tensor];
    (save as (tensors: tf.Tensor[]) => void)([k]);
    const value = tf.tidy(() => {
      const at = sortPositions(k, descending);
      const flat = tf.reshape(x, [x.size]);
      const moved = tf.reshape(inverse ? tf.scatterND(tf.reshape(at, [x.size, 1]), flat, [x.size]) : tf.gather(flat, at), x.shape);
      // tf.topk misorders a line holding NaN (finite keys included): that line is NaN throughout.
      const nanLine = tf.broadcastTo(tf.any(tf.isNaN(k), -1, true), x.shape);
      return tf.where(nanLine, tf.fill(x.shape, NaN), moved);
    });
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [sortAlongLast(dy, saved[0]!, descending, !inverse), tf.zerosLike(saved[0]!)],
    };
  })(v, key);
}

/**
 * The running sum of `x` along axis rank - `fromEnd` (tf.cumsum takes no negative axis). Its
 * gradient, the running sum of dy the other way, is given here: tfjs's own fails for an axis
 * that is not the last ("the gradient of input 'x' has shape '5,3'" for x of [3, 5]).
 */
export function cumsumAlong(x: tf.Tensor, fromEnd: number, reverse: boolean): tf.Tensor {
  return tf.customGrad((input) => {
    const t = input as tf.Tensor;
    return { value: tf.cumsum(t, t.rank - fromEnd, false, reverse), gradFunc: (dy: tf.Tensor) => cumsumAlong(dy, fromEnd, !reverse) };
  })(x);
}

/**
 * Whether `v` is a TensorLike that tfjs makes a tensor of (a number, a boolean, a nested array
 * or a typed array) rather than a tensor.
 */
export function isTensorLike(v: unknown): boolean {
  return typeof v === 'number' || typeof v === 'boolean' || Array.isArray(v) || ArrayBuffer.isView(v);
}

/**
 * `f` called with the TensorLike values among `args` (named by `names` in messages) and among
 * `options[key]` for the keys of `optionDtypes` made tensors of the given dtypes, which are
 * disposed after (the gradient tape keeps its own copies of what it saves). JavaScript numbers
 * asked for as int32 become int32 when they are whole; otherwise they stay float32 and the
 * loss's dtype check says so. A ragged array is refused (tf.tensor would read it wrongly).
 * A union input's dtype is a rank r (class indices at rank r, probabilities at r + 1), or
 * `[k, d]` when its rank follows the '...' dims: r is the rank of `args[k]` (made first) plus d.
 */
export function withTensors<O extends object, T>(
  loss: string,
  names: readonly string[],
  args: readonly unknown[],
  dtypes: readonly ('float32' | 'int32' | 'bool' | number | readonly [number, number])[],
  options: O,
  optionDtypes: Readonly<Record<string, 'float32' | 'int32' | 'bool'>>,
  f: (options: O, ...tensors: tf.Tensor[]) => T,
): T {
  const made: tf.Tensor[] = [];
  /** Where a nested array stops being rectangular, or undefined. */
  const raggedAt = (v: unknown, path: string): string | undefined => {
    if (!Array.isArray(v) || v.length === 0) return undefined;
    const inner = (x: unknown): number => (Array.isArray(x) ? x.length : ArrayBuffer.isView(x) ? (x as unknown as ArrayLike<number>).length : -1);
    const first = inner(v[0]);
    for (let i = 0; i < v.length; i++) {
      const n = inner(v[i]);
      if (n !== first) return `${path}[${i}] has ${n < 0 ? 'no elements (a number)' : `${n} elements`}, but ${path}[0] has ${first < 0 ? 'none (a number)' : first}`;
      const deeper = raggedAt(v[i], `${path}[${i}]`);
      if (deeper !== undefined) return deeper;
    }
    return undefined;
  };
  const tensor = (v: unknown, asked: 'float32' | 'int32' | 'bool' | number, what: string): unknown => {
    if (!isTensorLike(v)) return v;
    const ragged = raggedAt(v, what.replace(/^\w+ '(.*)'$/, '$1'));
    if (ragged !== undefined) throw new Error(`${loss}: ${what} is a ragged array: ${ragged}`);
    // Its own dtype first (numbers float32, booleans bool, typed arrays theirs), then the one asked for.
    const t = tf.tensor(v as tf.TensorLike);
    made.push(t);
    // A number r: a union input, class indices at rank r, probabilities at rank r + 1.
    const dtype = typeof asked === 'number' ? (t.rank === asked ? 'int32' : 'float32') : asked;
    const wanted = dtype === 'float32' ? t.dtype !== 'float32' && t.dtype !== 'string' : dtype === 'int32' && t.dtype === 'float32' && t.dataSync().every((x) => Number.isInteger(x));
    if (!wanted) return t;
    const cast = tf.cast(t, dtype);
    made.push(cast);
    return cast;
  };
  try {
    const given = options as Record<string, unknown>;
    const opts = { ...options };
    for (const [key, dtype] of Object.entries(optionDtypes)) (opts as Record<string, unknown>)[key] = tensor(given[key], dtype, `option '${key}'`);
    const tensors: unknown[] = [];
    // Those whose dtype reads another's rank after the others.
    const later = (i: number): number => (Array.isArray(dtypes[i]) ? 1 : 0);
    for (const i of args.map((_, k) => k).sort((a, b) => later(a) - later(b))) {
      const asked = dtypes[i]!;
      const from = Array.isArray(asked) ? tensors[asked[0]] : undefined;
      const dtype = Array.isArray(asked) ? (from instanceof tf.Tensor ? from.rank + asked[1] : -1) : (asked as 'float32' | 'int32' | 'bool' | number);
      tensors[i] = tensor(args[i], dtype, `input '${names[i]}'`);
    }
    return f(opts, ...(tensors as tf.Tensor[]));
  } finally {
    tf.dispose(made);
  }
}

/**
 * `f` called with each list input stacked into one tensor along a new first axis (the list's
 * length), disposed after: the gradient tape keeps its own copies, and tf.stack's gradient
 * gives each element its own part. A list is a non-empty array of tensors (or TensorLikes,
 * converted as `withTensors` does) of one shape and dtype; anything else is refused naming the
 * element. Elements of different shapes (predictions at several resolutions) cannot be stacked.
 */
export function withLists<T>(
  loss: string,
  lists: readonly {
    readonly name: string;
    readonly value: unknown;
    /** The elements' dtype, and in words for messages (`int32 class indices of C`). */
    readonly dtype: 'float32' | 'int32' | 'bool';
    readonly dtypeText: string;
    /** The elements' rank (at least it, with `...`), and their shape as declared (`[N, C]`). */
    readonly rank: number;
    readonly atLeast: boolean;
    readonly shape: string;
    /** The list's type as declared (`list[K] of [N, C]`). */
    readonly type: string;
    /** `list[3] of ...`: the number of elements. */
    readonly length?: number;
    /**
     * `list[K] of ragged [B, C, ...]`: the elements keep shapes of their own (the same named
     * dims, `restAt` the position of `...` among them) and are passed on as an array.
     */
    readonly ragged?: boolean;
    readonly restAt?: number;
  }[],
  // Each argument a stacked tensor, or a ragged list's array of elements: typed by the caller.
  f: (...stacked: never[]) => T,
): T {
  type ListSpec = (typeof lists)[number];
  const made: tf.Tensor[] = [];
  const shapeOf = (t: tf.Tensor): string => `[${t.shape.join(', ')}]`;
  const element = (spec: ListSpec, v: unknown, k: number): tf.Tensor => {
    const what = `element ${spec.name}[${k}]`;
    if (v instanceof tf.Tensor) return v;
    if (!isTensorLike(v)) throw new TypeError(`${loss}: ${what} must be a tf.Tensor or TensorLike of shape ${spec.shape}, but is ${valueKind(v)}`);
    let t: tf.Tensor;
    try {
      t = tf.tensor(v as tf.TensorLike);
    } catch (e) {
      throw new Error(`${loss}: ${what} is not a tensor of shape ${spec.shape}: ${(e as Error).message}`);
    }
    made.push(t);
    // Its own dtype first (numbers float32), then the one asked for (whole numbers as int32).
    const wanted = spec.dtype === 'float32' ? t.dtype !== 'float32' && t.dtype !== 'string' : spec.dtype === 'int32' && t.dtype === 'float32' && t.dataSync().every((x) => Number.isInteger(x));
    if (!wanted) return t;
    const cast = tf.cast(t, spec.dtype);
    made.push(cast);
    return cast;
  };
  const stack = (spec: ListSpec): tf.Tensor | tf.Tensor[] => {
    const v = spec.value;
    if (v instanceof tf.Tensor) {
      throw new TypeError(`${loss}: input '${spec.name}' must be an array of tensors (${spec.type}), but is one tf.Tensor of shape ${shapeOf(v)}: pass its elements as an array (tf.unstack(x) splits a stacked one)`);
    }
    if (!Array.isArray(v)) throw new TypeError(`${loss}: input '${spec.name}' must be an array of tensors (${spec.type}), but is ${valueKind(v)}`);
    if (v.length === 0) throw new RangeError(`${loss}: input '${spec.name}' is an empty list: ${spec.type} needs at least one tensor`);
    if (spec.length !== undefined && v.length !== spec.length) throw new RangeError(`${loss}: input '${spec.name}' must be a list of ${spec.length} tensors (${spec.type}), but has ${v.length}`);
    const tensors = v.map((x, k) => element(spec, x, k));
    tensors.forEach((t, k) => {
      const what = `element ${spec.name}[${k}]`;
      if (spec.atLeast ? t.rank < spec.rank : t.rank !== spec.rank) {
        throw new Error(`${loss}: ${what} should have ${spec.atLeast ? 'at least ' : ''}${spec.rank} dimension${spec.rank === 1 ? '' : 's'} ${spec.shape}, but has shape ${shapeOf(t)}`);
      }
      if (t.dtype !== spec.dtype) throw new TypeError(`${loss}: ${what} must be ${spec.dtypeText}, but has dtype ${t.dtype}`);
      const first = tensors[0]!;
      if (spec.ragged) {
        // The named dims, counted from the front before '...' and from the back after it.
        const at = spec.restAt ?? -1;
        for (let d = 0; k > 0 && d < spec.rank; d++) {
          const mine = at < 0 || d < at ? t.shape[d] : t.shape[t.rank - spec.rank + d];
          const theirs = at < 0 || d < at ? first.shape[d] : first.shape[first.rank - spec.rank + d];
          if (mine !== theirs) throw new Error(`${loss}: ${what} has shape ${shapeOf(t)}, but ${spec.name}[0] has shape ${shapeOf(first)}: the elements of ${spec.type} differ only in their '...' dims`);
        }
        if (k > 0 && t.rank !== first.rank) throw new Error(`${loss}: ${what} has shape ${shapeOf(t)}, but ${spec.name}[0] has shape ${shapeOf(first)}: the elements of ${spec.type} have one rank (their '...' dims may differ in size, not in number)`);
        return;
      }
      if (k > 0 && (t.rank !== first.rank || t.shape.some((n, d) => n !== first.shape[d]))) {
        throw new Error(`${loss}: ${what} has shape ${shapeOf(t)}, but ${spec.name}[0] has shape ${shapeOf(first)}: the elements of ${spec.type} must have one shape (resize predictions made at several resolutions to one first)`);
      }
    });
    if (spec.ragged) return tensors;
    const stacked = tf.stack(tensors);
    made.push(stacked);
    return stacked;
  };
  try {
    return (f as (...stacked: (tf.Tensor | tf.Tensor[])[]) => T)(...lists.map(stack));
  } finally {
    tf.dispose(made);
  }
}

/**
 * torch's nearest-neighbour source position for output position `d` of `outSize` read from
 * `inSize` (ATen UpSample.h, F.interpolate with the size given): scale = float32(in / out);
 * 'nearest' floor(float32(d · scale)) (d itself when the sizes agree, d / 2 when the output is
 * twice the input), 'nearest-exact' floor(float32((d + 0.5) · scale)); at most in - 1.
 */
export function nearestSource(mode: string, d: number, inSize: number, outSize: number): number {
  const scale = Math.fround(inSize / outSize);
  if (mode === 'nearest') {
    if (inSize === outSize) return d;
    if (outSize === 2 * inSize) return d >> 1;
    return Math.min(Math.floor(Math.fround(d * scale)), inSize - 1);
  }
  return Math.min(Math.floor(Math.fround((d + 0.5) * scale)), inSize - 1);
}

/**
 * `x` laid out with its `from.length` resampled dims first ([...from, ...other]) resampled to
 * `to` by torch's nearest rule `mode`: one flat gather of the rows each output position reads.
 * Its gradient adds each output's back to the row it read (tf.scatterND sums repeated rows;
 * tf.gather's own gradient is missing on wasm).
 */
export function resizeNearest(x: tf.Tensor, from: readonly number[], to: readonly number[], mode: string): tf.Tensor {
  if (from.length !== to.length) throw new Error(`resize: the '...' dims [${to.join(', ')}] of the element and [${from.join(', ')}] of the resized tensor differ in number`);
  if (from.every((n, j) => n === to[j])) return x;
  const other = x.shape.slice(from.length);
  const inRows = from.reduce((a, b) => a * b, 1);
  const outRows = to.reduce((a, b) => a * b, 1);
  const width = other.reduce((a, b) => a * b, 1);
  const rows = new Int32Array(outRows);
  const maps = to.map((out, j) => Int32Array.from({ length: out }, (_, d) => nearestSource(mode, d, from[j]!, out)));
  const index = to.map(() => 0);
  for (let r = 0; r < outRows; r++) {
    let at = 0;
    for (let j = 0; j < to.length; j++) at = at * from[j]! + maps[j]![index[j]!]!;
    rows[r] = at;
    for (let j = to.length - 1; j >= 0; j--) {
      if (++index[j]! < to[j]!) break;
      index[j] = 0;
    }
  }
  const resized = tf.customGrad((flat, save) => {
    const at = tf.tensor1d(rows, 'int32');
    (save as (tensors: tf.Tensor[]) => void)([at]);
    return {
      value: tf.gather(flat as tf.Tensor, at),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.scatterND(tf.reshape(saved[0]!, [outRows, 1]), dy, [inRows, width]),
    };
  });
  return tf.reshape(resized(tf.reshape(x, [inRows, width])) as tf.Tensor, [...to, ...other]);
}

/** The elements of a ragged list as `mayBeOutside` entries, each with the list's domain. */
export function eachElement(
  elements: readonly tf.Tensor[],
  domain?: { readonly lo?: number; readonly hi?: number; readonly loOpen?: boolean; readonly hiOpen?: boolean; readonly values?: readonly number[] },
): (readonly [tf.Tensor, typeof domain])[] {
  return elements.map((e) => [e, domain] as const);
}

/** `outsideAt` over the elements of a ragged list: the position names the element first. */
export function outsideAtEach(
  elements: readonly tf.Tensor[],
  domain?: { readonly lo?: number; readonly hi?: number; readonly loOpen?: boolean; readonly hiOpen?: boolean; readonly values?: readonly number[] },
  list?: string,
): { readonly value: number; readonly at: string; readonly flat: number } | undefined {
  for (let k = 0; k < elements.length; k++) {
    const bad = outsideAt(elements[k]!, domain);
    // The element, then the position inside it (preds[1] at [0, 2]), as for a stacked list.
    if (bad) return { ...bad, at: list === undefined ? `[${k}, ${bad.at.slice(1)}` : `${list}[${k}] at ${bad.at}` };
  }
  return undefined;
}

/**
 * A loss as tfjs-layers calls one: `(yTrue, yPred)`, target first, returning one loss per
 * example (shape [batch]), which tfjs-layers multiplies by the class weights and averages.
 * `call(yPred, yTrue, options)` runs the loss (with `reduction: 'none'` when `none`): with
 * `perExample` 'mean' or 'sum', its per-sample losses are reduced so over all axes but the
 * first; with 'whole' the loss is one scalar for the batch, returned as it is. Class-index targets
 * (`classAxis`: the prediction's class axis, counted from the end) come from tfjs-layers as
 * float32, as [batch, 1] sparse indices, or one-hot rows of the prediction's shape: made
 * int32 indices, after checking they are whole numbers and one-hot rows (unless
 * `checkValues: false`).
 */
export function layersLoss<O extends { checkValues?: boolean }>(
  loss: string,
  options: O,
  known: readonly string[],
  spec: {
    /** Call the loss with `reduction: 'none'` for its per-sample losses (else its output is they). */
    readonly none: boolean;
    readonly perExample: 'mean' | 'sum' | 'whole';
    readonly target: 'float32' | 'int32' | 'bool';
    readonly classAxis?: number;
    /** The loss is a masked mean over the batch: its value is not the mean of its per-example losses. */
    readonly masked?: boolean;
  },
  call: (yPred: tf.Tensor, yTrue: tf.Tensor, options: O) => tf.Tensor,
): (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor {
  const name = `${loss}.forLayers`;
  if (typeof options !== 'object' || options === null) throw new TypeError(`${name}: the options must be an object, but they are ${valueKind(options)}`);
  // A tensor's own fields would otherwise be reported as unknown options ('kept').
  if (options instanceof tf.Tensor || Array.isArray(options)) {
    const given = options instanceof tf.Tensor ? `a tf.Tensor of shape [${options.shape.join(', ')}]` : 'an array';
    throw new TypeError(`${name}: the options must be a plain object, but ${given} was given in their place; the options are ${known.join(', ')}`);
  }
  for (const taken of ['reduction', 'weights']) {
    if (taken in options) throw new TypeError(`${name}: option '${taken}' is not taken: tfjs-layers weighs (classWeight) and averages the per-example losses itself`);
  }
  const unknown = unknownOption(options, known);
  if (unknown !== undefined) throw new TypeError(`${name}: unknown option ${unknown}; the options are ${known.join(', ')}`);
  const checkValues = options.checkValues !== false;
  const indices = (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor => {
    if (yTrue.dtype === 'int32') return yTrue;
    const axis = spec.classAxis === undefined ? undefined : yPred.rank + spec.classAxis;
    const same = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);
    const plain = axis === undefined ? undefined : yPred.shape.filter((_, i) => i !== axis);
    let t = yTrue;
    if (plain !== undefined && same(yTrue.shape, [...plain, 1])) {
      t = tf.reshape(yTrue, plain); // sparse: [batch, ..., 1]
    } else if (plain !== undefined && !same(yTrue.shape, plain) && same(yTrue.shape, yPred.shape)) {
      if (checkValues) {
        const hot = tf.tidy(() => tf.logicalAnd(tf.all(tf.logicalOr(tf.equal(yTrue, 0), tf.equal(yTrue, 1))), tf.all(tf.equal(tf.sum(yTrue, axis), 1))).dataSync()[0]);
        if (hot !== 1) throw new RangeError(`${name}: yTrue of shape [${yTrue.shape.join(', ')}] is read as one-hot rows along axis ${axis}, but not every row is 0s and a single 1 (soft labels need a loss that takes probabilities)`);
      }
      t = tf.argMax(yTrue, axis);
    }
    if (t.dtype === 'float32' && checkValues) {
      const values = t.dataSync();
      const at = values.findIndex((v) => !Number.isInteger(v));
      if (at >= 0) throw new RangeError(`${name}: yTrue holds ${values[at]} at flat position ${at}, which is not a class index`);
    }
    return t.dtype === 'int32' ? t : tf.cast(t, 'int32');
  };
  const flags = (yTrue: tf.Tensor): tf.Tensor => {
    if (yTrue.dtype === 'bool') return yTrue;
    if (checkValues && tf.tidy(() => tf.all(tf.logicalOr(tf.equal(yTrue, 0), tf.equal(yTrue, 1))).dataSync()[0]) !== 1) {
      throw new RangeError(`${name}: yTrue must hold 0 or 1 (true or false), but holds other values`);
    }
    return tf.cast(yTrue, 'bool');
  };
  return (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor =>
    tf.tidy(() => {
      const target = spec.target === 'int32' ? indices(yTrue, yPred) : spec.target === 'bool' ? flags(yTrue) : yTrue.dtype === 'float32' ? yTrue : tf.cast(yTrue, 'float32');
      if (spec.perExample === 'whole') return call(yPred, target, options);
      const perSample = call(yPred, target, spec.none ? { ...options, reduction: 'none' } : options);
      if (perSample.rank === 0 || perSample.shape[0] !== yPred.shape[0]) {
        throw new Error(`internal: ${name}: the per-sample losses [${perSample.shape.join(', ')}] do not run along the batch [${yPred.shape[0]}]`);
      }
      const rest = perSample.shape.map((_, i) => i).slice(1);
      const perExample = perSample.rank === 1 ? perSample : spec.perExample === 'sum' ? tf.sum(perSample, rest) : tf.mean(perSample, rest);
      if (!spec.masked) return perExample;
      // A masked mean divides by the examples it selects, tfjs-layers' mean by all of them: shift
      // every example by one constant so that their mean is the loss's own value (and its
      // gradient the loss's). The shift is 0 up to rounding when the mask selects every example.
      const own = call(yPred, target, options);
      return tf.add(perExample, tf.sub(own, tf.mean(perExample)));
    });
}

/** What a value that should have been a tensor or an object is, in words. */
export function valueKind(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  return Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object that is not a tf.Tensor' : `a ${typeof v}`;
}

/**
 * The first key of `options` that is not in `known`, quoted, with the known key it was most
 * likely meant to be (same letters up to case and `_`, or at most a third of them wrong); or
 * undefined when every key is known. An ignored key would silently give another loss.
 */
export function unknownOption(options: object, known: readonly string[]): string | undefined {
  const key = Object.keys(options).find((k) => !known.includes(k));
  if (key === undefined) return undefined;
  const plain = (s: string): string => s.toLowerCase().replace(/[_-]/g, '');
  const distance = (a: string, b: string): number => {
    let row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      const next = [i];
      for (let j = 1; j <= b.length; j++) next.push(Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
      row = next;
    }
    return row[b.length]!;
  };
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(plain(key).length / 3)) + 1;
  for (const k of known) {
    const d = plain(k) === plain(key) ? 0 : distance(plain(key), plain(k));
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return `'${key}'${best !== undefined ? ` (did you mean '${best}'?)` : ''}`;
}

/**
 * `base`, or `base_1`, `base_2`…: the first prefix under which no variable `prefix/name` of
 * `names` is registered yet (tfjs refuses a second variable of the same name).
 */
export function freeVariablePrefix(base: string, names: readonly string[]): string {
  const taken = tf.engine().state.registeredVariables;
  let prefix = base;
  for (let k = 1; names.some((n) => `${prefix}/${n}` in taken); k++) prefix = `${base}_${k}`;
  return prefix;
}

/**
 * The first element of `x` that is NaN or outside `domain` (bounds closed unless `loOpen` or
 * `hiOpen`; `values`: the only values allowed), with its position as `[i, j]` and in the
 * flat data, or undefined. One reduction and one flag read back, NaN and domain together,
 * unless there is an element to find; NaN fails every comparison, so a bounded domain
 * catches it, and an open infinite bound (`[0, inf)`) catches that infinity. `except`: one
 * more value allowed (class indices' ignore value).
 */
export function outsideAt(
  x: tf.Tensor,
  domain: { readonly lo?: number; readonly hi?: number; readonly loOpen?: boolean; readonly hiOpen?: boolean; readonly values?: readonly number[]; readonly except?: number } = {},
  list?: string,
): { readonly value: number; readonly at: string; readonly flat: number } | undefined {
  const bounded = domain.lo !== undefined || domain.hi !== undefined || domain.values !== undefined;
  // tfjs-wasm reduces an empty tensor to uninitialised memory: nothing to find there anyway.
  if (x.size === 0 || x.dtype === 'bool' || x.dtype === 'string' || (!bounded && x.dtype !== 'float32')) return undefined;
  const { lo, hi, loOpen = false, hiOpen = false, values } = domain;
  const FLOAT32_MAX = 3.4028234663852886e38;
  const openFinite = (lo !== undefined && loOpen && Number.isFinite(lo)) || (hi !== undefined && hiOpen && Number.isFinite(hi));
  /** A bool tensor, true where the element is NaN or outside the domain (and not `except`). */
  const outside = (): tf.Tensor => (domain.except === undefined ? outsideOrNaN() : tf.logicalAnd(outsideOrNaN(), tf.notEqual(x, tf.scalar(domain.except, x.dtype))));
  const outsideOrNaN = (): tf.Tensor => {
    if (values !== undefined) return tf.logicalNot(values.map((v) => tf.equal(x, tf.scalar(v, x.dtype))).reduce((a, b) => tf.logicalOr(a, b)));
    if (!bounded) return tf.isNaN(x);
    if (x.dtype === 'float32' && !openFinite) {
      // Clipped to the domain, an element outside it changes; NaN equals nothing (3x faster
      // than two comparisons and a logical and on wasm). An open infinite end clips to the
      // largest float32, so that infinity changes too.
      const end = (b: number | undefined, open: boolean, side: number): number => (b === undefined || (!Number.isFinite(b) && !open) ? side * Infinity : Number.isFinite(b) ? b : side * FLOAT32_MAX);
      return tf.notEqual(x, tf.clipByValue(x, end(lo, loOpen, -1), end(hi, hiOpen, 1)));
    }
    // Comparisons (int32 too: tfjs-wasm's clipByValue leaves int32 values above the bound).
    const parts: tf.Tensor[] = [];
    if (lo !== undefined) parts.push(loOpen ? tf.greater(x, tf.scalar(lo, x.dtype)) : tf.greaterEqual(x, tf.scalar(lo, x.dtype)));
    if (hi !== undefined) parts.push(hiOpen ? tf.less(x, tf.scalar(hi, x.dtype)) : tf.lessEqual(x, tf.scalar(hi, x.dtype)));
    return tf.logicalNot(parts.reduce((a, b) => tf.logicalAnd(a, b)));
  };
  // Off the gradient tape (noGrad): under tf.grads the comparisons would save their operands
  // on the tape, and a throw after the scan would leave them there.
  if (tf.tidy(() => noGrad(() => tf.any(outside())).dataSync()[0]) !== 1) return undefined;
  const bad = tf.tidy(() => noGrad(outside).dataSync());
  const flat = bad.findIndex((v) => v === 1);
  if (flat < 0) return undefined;
  const at: number[] = [];
  for (let k = x.rank - 1, r = flat; k >= 0; k--) {
    const size = x.shape[k]!;
    at.unshift(r % size);
    r = Math.floor(r / size);
  }
  // A list input, stacked: the element, then the position inside it (preds[1] at [0, 2]).
  const where = list === undefined ? `[${at.join(', ')}]` : `${list}[${at[0]}] at [${at.slice(1).join(', ')}]`;
  return { value: x.dataSync()[flat]!, at: where, flat };
}

/**
 * Whether some tensor of `checks` ([tensor or undefined, its domain as `outsideAt` takes it])
 * may hold NaN or a value outside its domain: the scan of every input at once, on the device,
 * with a single read back. NaN by one sum over the float32 tensors of each size added together
 * (NaN propagates through both; on wasm an add is a vector kernel, a sum is not, so two tensors
 * cost 1.5 sums, not 2), on backends whose arithmetic is IEEE's (cpu, wasm, tfjs-node; a GPU
 * shader need not be: tf.isNaN there); a min and a max for the bounds a tensor has; for a set
 * of values, whether any element is none of them. A false alarm is allowed (+Infinity and
 * -Infinity sum to NaN): `outsideAt` then decides and finds the element for the message. A miss
 * is not: the bounds are compared as float32 (whole for int32), as `outsideAt` compares them.
 */
export function mayBeOutside(
  checks: readonly (readonly [tf.Tensor | undefined, ({ readonly lo?: number; readonly hi?: number; readonly loOpen?: boolean; readonly hiOpen?: boolean; readonly values?: readonly number[]; readonly except?: number } | undefined)?, boolean?])[],
): boolean {
  // A third element true: the tensor's NaN is found elsewhere (the loss's value, `holdsNaN`), only its bounds here.
  const nanFolded = new Set(checks.filter((c) => c[2] === true).map((c) => c[0]));
  const bounded = (d: { readonly lo?: number; readonly hi?: number; readonly values?: readonly number[] }): boolean => d.lo !== undefined || d.hi !== undefined || d.values !== undefined;
  // What outsideAt skips: tfjs-wasm reduces an empty tensor to uninitialised memory.
  const scanned = checks.filter(([x, d = {}]) => x !== undefined && x.size > 0 && x.dtype !== 'bool' && x.dtype !== 'string' && ((x.dtype === 'float32' && !nanFolded.has(x)) || bounded(d)));
  if (scanned.length === 0) return false;
  const tests: ((v: number) => boolean)[] = [];
  const reduce = (): tf.Tensor => {
    const parts: tf.Tensor[] = [];
    const add = (t: tf.Tensor, test: (v: number) => boolean): void => {
      parts.push(t.dtype === 'float32' ? t : tf.cast(t, 'float32'));
      tests.push(test);
    };
    const ieee = ['cpu', 'wasm', 'tensorflow'].includes(tf.engine().backendName);
    const floatsBySize = new Map<number, tf.Tensor[]>();
    for (const [t, given] of scanned) {
      const x = t!;
      const domain = given ?? {};
      const { lo, hi, loOpen = false, hiOpen = false, values } = domain;
      if (domain.except !== undefined) {
        // A value allowed beyond the bounds (an ignore value): min and max cannot tell.
        const inside: tf.Tensor[] = [tf.equal(x, tf.scalar(domain.except, x.dtype))];
        if (lo !== undefined) inside.push(loOpen ? tf.greater(x, tf.scalar(lo, x.dtype)) : tf.greaterEqual(x, tf.scalar(lo, x.dtype)));
        if (hi !== undefined) inside.push(hiOpen ? tf.less(x, tf.scalar(hi, x.dtype)) : tf.lessEqual(x, tf.scalar(hi, x.dtype)));
        const ok = inside.length === 1 ? inside[0]! : tf.logicalOr(inside[0]!, inside.slice(2).reduce((a, b) => tf.logicalAnd(a, b), inside[1]!));
        add(tf.any(tf.logicalNot(ok)), (v) => v !== 0);
        continue;
      }
      if (values !== undefined) {
        const outside = tf.logicalNot(values.map((v) => tf.equal(x, tf.scalar(v, x.dtype))).reduce((a, b) => tf.logicalOr(a, b)));
        add(tf.any(outside), (v) => v !== 0);
        continue;
      }
      if (nanFolded.has(x)) {
        // Its bounds alone, below.
      } else if (x.dtype === 'float32' && ieee) floatsBySize.set(x.size, [...(floatsBySize.get(x.size) ?? []), tf.reshape(x, [x.size])]);
      else if (x.dtype === 'float32') add(tf.any(tf.isNaN(x)), (v) => v !== 0);
      // The bound as the device holds it (1e-7 is no float32); an int32 tensor's bound is whole.
      const bound = (b: number): number => (x.dtype === 'float32' ? Math.fround(b) : b);
      if (lo !== undefined && !(lo === -Infinity && !loOpen)) add(tf.min(x), (v) => (loOpen ? v <= bound(lo) : v < bound(lo)));
      if (hi !== undefined && !(hi === Infinity && !hiOpen)) add(tf.max(x), (v) => (hiOpen ? v >= bound(hi) : v > bound(hi)));
    }
    for (const group of floatsBySize.values()) add(tf.sum(group.reduce((a, b) => tf.add(a, b))), Number.isNaN);
    return tf.stack(parts);
  };
  // Off the gradient tape, as in outsideAt.
  const found = tf.tidy(() => noGrad(reduce).dataSync());
  return tests.some((test, k) => test(found[k]!));
}

/**
 * Whether the NaN test of the input scan may read the loss's value instead of reducing the
 * `inputs` (each one whose NaN the value is sure to carry, src/ir/nan-reach.ts): on a backend
 * whose arithmetic is IEEE's (a GPU shader need not keep NaN), and when every one of them has
 * elements (a broadcast against an empty axis would drop the others').
 */
export function foldsNaNScan(inputs: readonly unknown[]): boolean {
  return ['cpu', 'wasm', 'tensorflow'].includes(tf.engine().backendName) && inputs.every((x) => x instanceof tf.Tensor && x.size > 0);
}

/**
 * Whether `value` (the loss, or its per-sample losses) holds NaN: one number read back, the sum
 * of its elements (a false alarm, +Infinity and -Infinity summed, only costs the full scan).
 */
export function holdsNaN(value: tf.Tensor): boolean {
  if (value.size === 0) return false;
  if (value.size === 1) return Number.isNaN(value.dataSync()[0]);
  return tf.tidy(() => Number.isNaN(noGrad(() => tf.sum(value)).dataSync()[0]));
}

/**
 * With `checkFinite` on a loss computed one block of rows at a time: notes in `found[slot]` the
 * first non-finite element of a value (its value, and its position in the whole value), of
 * which `t` is one block, its rows from `start` along `axis` (the whole value when `axis` is
 * -1), unless the value has one before it. One flag read back, and the block when it holds one.
 */
export function firstNonFinite(found: ({ value: number; at: number[] } | undefined)[], slot: number, t: tf.Tensor, axis: number, start: number): void {
  if (t.dtype !== 'float32' || t.size === 0) return;
  if (tf.tidy(() => tf.all(tf.isFinite(t)).dataSync()[0]) === 1) return;
  const data = t.dataSync();
  const flat = data.findIndex((v) => !Number.isFinite(v));
  if (flat < 0) return;
  const at: number[] = [];
  for (let k = t.rank - 1, r = flat; k >= 0; k--) {
    at.unshift(r % t.shape[k]!);
    r = Math.floor(r / t.shape[k]!);
  }
  if (axis >= 0) at[axis] = at[axis]! + start;
  // A later block's element comes first where the row axis is not the value's first.
  const before = found[slot];
  const d = before === undefined ? -1 : at.findIndex((p, i) => p !== before.at[i]);
  if (before === undefined || (d >= 0 && at[d]! < before.at[d]!)) found[slot] = { value: data[flat]!, at };
}

/**
 * With `checkFinite` (`check`), after the per-sample losses were found finite: the reduced loss
 * itself, which may still not be (a sum past float32's largest value, an infinite weight).
 * Returns `value`; reads it back only when checking.
 */
export function finiteReduced(loss: string, value: tf.Tensor, check: boolean, mode: string, weighted: boolean): tf.Tensor {
  if (!check || value.dtype !== 'float32') return value;
  const data = value.dataSync();
  const k = data.findIndex((v) => !Number.isFinite(v));
  if (k < 0) return value;
  const cause = `${weighted ? 'a weight is not finite, or ' : ''}their sum passes float32's largest value, 3.4e38`;
  throw new RangeError(`${loss}: the loss is ${data[k]} (checkFinite): the per-sample losses are finite, but their reduction '${mode}'${weighted ? ' with weights' : ''} is not: ${cause}`);
}

/**
 * With `checkFinite`: throws when `value` holds NaN or an infinity, naming what led there.
 * It reads tensors back from the backend, so it is for finding a problem, not for every step.
 * `inputs`: [name, tensor, dims ('...' for the leading ones), true for a list input (stacked:
 * its positions read as the element, then the position inside it)]; `steps`: the computed
 * values in order, as [operation and source, tensor, named axes as [name, dim], inputs used].
 * The value and a step may be given as their first non-finite element found already
 * (`firstNonFinite`, for a loss computed by blocks of rows), or undefined where there is none.
 */
export function nonFinite(
  loss: string,
  value: tf.Tensor | { readonly value: number; readonly at: readonly number[] } | undefined,
  inputs: readonly (readonly [string, tf.Tensor, readonly string[], boolean?])[],
  hypers: readonly (readonly [string, number])[],
  steps: readonly (readonly [string, tf.Tensor | { readonly value: number; readonly at: readonly number[] } | undefined, readonly (readonly [string, string])[], readonly number[]])[],
): void {
  const index = (shape: readonly number[], flat: number): number[] => {
    const out: number[] = [];
    for (let k = shape.length - 1, r = flat; k >= 0; k--) {
      out.unshift(r % shape[k]!);
      r = Math.floor(r / shape[k]!);
    }
    return out;
  };
  /** The first non-finite element: its value and position. */
  const bad = (t: tf.Tensor | { readonly value: number; readonly at: readonly number[] } | undefined): { readonly value: number; readonly at: readonly number[] } | undefined => {
    if (!(t instanceof tf.Tensor)) return t;
    if (t.dtype !== 'float32') return undefined;
    const data = t.dataSync();
    const k = data.findIndex((v) => !Number.isFinite(v));
    return k < 0 ? undefined : { value: data[k]!, at: index(t.shape, k) };
  };
  const first = bad(value);
  if (first === undefined) return;
  const head = `${loss}: the loss is ${first.value}${first.at.length > 0 ? ` at [${first.at.join(', ')}]` : ''} (checkFinite)`;
  // A list input's position: its element, then the position inside it (preds[1] at [0, 2]).
  const within = (name: string, pos: readonly (number | string)[], list: boolean | undefined): string =>
    list ? `${name}[${pos[0]}] at [${pos.slice(1).join(', ')}]` : `[${pos.join(', ')}]`;
  for (const [name, t, , list] of inputs) {
    const found = bad(t);
    if (found) throw new RangeError(`${head}: input '${name}' holds ${found.value} ${list ? 'in' : 'at'} ${within(name, found.at, list)}`);
  }
  for (const [name, v] of hypers) if (!Number.isFinite(v)) throw new RangeError(`${head}: option '${name}' is ${v}`);
  for (const [label, t, axes, deps] of steps) {
    const found = bad(t);
    if (!found) continue;
    const pos = found.at;
    const lead = pos.slice(0, pos.length - axes.length);
    const named = pos.slice(pos.length - axes.length);
    const where = [...(lead.length > 0 ? [`...=[${lead.join(', ')}]`] : []), ...axes.map(([name], i) => `${name}=${named[i]}`)];
    const there = deps.map((d) => {
      const [name, x, dims, list] = inputs[d]!;
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
      const at = fixed.map((p) => p ?? ':');
      return `${list ? `${name}[${at[0]}][${at.slice(1).join(', ')}]` : `${name}[${at.join(', ')}]`} = ${shown.join(', ')}`;
    });
    throw new RangeError(`${head}: it first appears as ${found.value} in ${label} at [${where.join(', ')}] from finite operands${there.length > 0 ? `, where ${there.join('; ')}` : ''}`);
  }
  throw new RangeError(head);
}
