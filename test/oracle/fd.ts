/**
 * Numeric test utilities: central finite differences and error measures.
 */
import { clone, el, type F64Tensor } from './tensor.js';

export interface FdOptions {
  /** Relative step: each element moves by ±h·max(1, |x|). Default 1e-6. */
  h?: number;
}

/**
 * Central finite-difference gradient of a scalar function of several tensors with respect to
 * input `wrt`: g_k ≈ (f(x + h_k e_k) − f(x − h_k e_k)) / (2h_k), h_k = h·max(1, |x_k|).
 * The divisor is the actually representable step, not the nominal one. Error O(h²·f''') plus
 * rounding O(ε_f64/h) ≈ 1e-10 for h = 1e-6. The inputs are not modified.
 */
export function fdGrad(
  f: (...inputs: F64Tensor[]) => number,
  inputs: readonly F64Tensor[],
  wrt: number,
  opts: FdOptions = {},
): F64Tensor {
  const h = opts.h ?? 1e-6;
  const target = inputs[wrt];
  if (!target) throw new Error(`fdGrad: no input ${wrt}`);
  const x = clone(target);
  const args = inputs.map((t, i) => (i === wrt ? x : t));
  const g = new Float64Array(x.data.length);
  for (let k = 0; k < x.data.length; k++) {
    const x0 = el(x.data, k);
    const step = h * Math.max(1, Math.abs(x0));
    const xp = x0 + step;
    const xm = x0 - step;
    x.data[k] = xp;
    const fp = f(...args);
    x.data[k] = xm;
    const fm = f(...args);
    x.data[k] = x0;
    g[k] = (fp - fm) / (xp - xm);
  }
  return { shape: [...x.shape], data: g };
}

/**
 * Relative error with an absolute floor: |a − b| / max(|a|, |b|, floor).
 * Below `floor` in magnitude it is an absolute error scaled by 1/floor. Equal values (including
 * equal infinities and NaN vs NaN) give 0; a NaN against a number gives Infinity.
 */
export function relErr(a: number, b: number, floor = 1e-6): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  if (a === b) return 0;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return Infinity;
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), floor);
}

type Numeric = number | ArrayLike<number> | F64Tensor;

function flat(x: Numeric): { shape: readonly number[] | undefined; data: ArrayLike<number> } {
  if (typeof x === 'number') return { shape: [], data: [x] };
  if ('data' in x && 'shape' in x) return { shape: x.shape, data: x.data };
  return { shape: undefined, data: x as ArrayLike<number> };
}

/** Largest `relErr` over corresponding elements; throws on a size (or, for two tensors, shape) mismatch. */
export function maxRelErr(a: Numeric, b: Numeric, floor = 1e-6): number {
  const A = flat(a);
  const B = flat(b);
  if (A.data.length !== B.data.length) throw new Error(`maxRelErr: sizes ${A.data.length} and ${B.data.length} differ`);
  if (A.shape && B.shape && (A.shape.length !== B.shape.length || A.shape.some((d, i) => d !== B.shape?.[i]))) {
    throw new Error(`maxRelErr: shapes [${A.shape.join(', ')}] and [${B.shape.join(', ')}] differ`);
  }
  let m = 0;
  for (let i = 0; i < A.data.length; i++) m = Math.max(m, relErr(el(A.data, i), el(B.data, i), floor));
  return m;
}

/** Largest absolute difference (NaN-aware as relErr). */
export function maxAbsErr(a: Numeric, b: Numeric): number {
  const A = flat(a);
  const B = flat(b);
  if (A.data.length !== B.data.length) throw new Error(`maxAbsErr: sizes ${A.data.length} and ${B.data.length} differ`);
  let m = 0;
  for (let i = 0; i < A.data.length; i++) {
    const x = el(A.data, i);
    const y = el(B.data, i);
    const d = Number.isNaN(x) || Number.isNaN(y) ? (Number.isNaN(x) && Number.isNaN(y) ? 0 : Infinity) : x === y ? 0 : Math.abs(x - y);
    m = Math.max(m, d);
  }
  return m;
}
