/**
 * A minimal float64 tensor for the test oracles, and a seeded PRNG.
 *
 * Deliberately independent of `src/`: the oracles must not share code with the compiler
 * they are used to test. Row-major (C order) storage, like NumPy and PyTorch.
 */

/** A dense row-major float64 tensor. `shape: []` is a scalar holding one element. */
export interface F64Tensor {
  shape: number[];
  data: Float64Array;
}

/** A number or an arbitrarily nested array of numbers (rectangular). */
export type Nested = number | readonly Nested[];

/** Number of elements of a shape (1 for a scalar). */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`bad dimension ${d} in shape [${shape.join(', ')}]`);
    n *= d;
  }
  return n;
}

/** Row-major strides of a shape, in elements. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = (s[i + 1] ?? 1) * (shape[i + 1] ?? 1);
  return s;
}

/** A tensor from flat data and a shape (default: 1-D). The data is copied. */
export function fromArray(data: ArrayLike<number>, shape?: readonly number[]): F64Tensor {
  const sh = shape ? [...shape] : [data.length];
  if (sizeOf(sh) !== data.length) {
    throw new Error(`data of length ${data.length} does not fit shape [${sh.join(', ')}]`);
  }
  return { shape: sh, data: Float64Array.from(data) };
}

/** A tensor from a (rectangular) nested array; a bare number gives a scalar. */
export function fromNested(x: Nested): F64Tensor {
  const shape: number[] = [];
  let probe: Nested = x;
  while (typeof probe !== 'number') {
    shape.push(probe.length);
    if (probe.length === 0) break;
    probe = probe[0] as Nested;
  }
  const out: number[] = [];
  const walk = (v: Nested, depth: number): void => {
    if (depth === shape.length) {
      if (typeof v !== 'number') throw new Error('ragged nested array: too deep');
      out.push(v);
      return;
    }
    if (typeof v === 'number' || v.length !== shape[depth]) {
      throw new Error(`ragged nested array at depth ${depth}`);
    }
    for (const e of v) walk(e, depth + 1);
  };
  walk(x, 0);
  return { shape, data: Float64Array.from(out) };
}

/** Alias of {@link fromNested}. */
export const tensor = fromNested;

export function scalar(v: number): F64Tensor {
  return { shape: [], data: Float64Array.of(v) };
}

export function full(shape: readonly number[], v: number): F64Tensor {
  return { shape: [...shape], data: new Float64Array(sizeOf(shape)).fill(v) };
}

export function zeros(shape: readonly number[]): F64Tensor {
  return full(shape, 0);
}

export function clone(t: F64Tensor): F64Tensor {
  return { shape: [...t.shape], data: Float64Array.from(t.data) };
}

export function reshape(t: F64Tensor, shape: readonly number[]): F64Tensor {
  if (sizeOf(shape) !== t.data.length) {
    throw new Error(`cannot reshape [${t.shape.join(', ')}] to [${shape.join(', ')}]`);
  }
  return { shape: [...shape], data: t.data };
}

/** The nested-array form (a number for a scalar). */
export function toNested(t: F64Tensor): Nested {
  if (t.shape.length === 0) return el(t.data, 0);
  const st = stridesOf(t.shape);
  const build = (depth: number, offset: number): Nested => {
    const n = t.shape[depth] ?? 0;
    const stride = st[depth] ?? 1;
    const row: Nested[] = [];
    for (let i = 0; i < n; i++) {
      row.push(depth === t.shape.length - 1 ? el(t.data, offset + i) : build(depth + 1, offset + i * stride));
    }
    return row;
  };
  return build(0, 0);
}

/** Bounds-checked element read (flat index), for noUncheckedIndexedAccess-friendly loops. */
export function el(a: ArrayLike<number>, i: number): number {
  const v = a[i];
  if (v === undefined) throw new Error(`index ${i} out of range (length ${a.length})`);
  return v;
}

/** Element at a multi-index (negative indices not allowed). */
export function at(t: F64Tensor, ...idx: number[]): number {
  if (idx.length !== t.shape.length) throw new Error(`need ${t.shape.length} indices, got ${idx.length}`);
  const st = stridesOf(t.shape);
  let off = 0;
  idx.forEach((i, d) => {
    const n = t.shape[d] ?? 0;
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new Error(`index ${i} out of range for dim ${d} (${n})`);
    off += i * (st[d] ?? 0);
  });
  return el(t.data, off);
}

export function map(t: F64Tensor, f: (x: number, i: number) => number): F64Tensor {
  const out = new Float64Array(t.data.length);
  for (let i = 0; i < out.length; i++) out[i] = f(el(t.data, i), i);
  return { shape: [...t.shape], data: out };
}

/** NumPy broadcasting of two shapes (trailing alignment). */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1;
    const db = b[b.length - r + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`shapes [${a.join(', ')}] and [${b.join(', ')}] do not broadcast`);
    }
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** For each flat index of `outShape`, the flat index into a tensor of shape `inShape` broadcast to it. */
export function broadcastIndex(inShape: readonly number[], outShape: readonly number[]): Int32Array {
  const n = sizeOf(outShape);
  const r = outShape.length;
  const inSt = stridesOf(inShape);
  const idx = new Int32Array(n);
  const pos = new Array<number>(r).fill(0);
  for (let k = 0; k < n; k++) {
    let off = 0;
    for (let d = 0; d < r; d++) {
      const id = d - (r - inShape.length);
      if (id >= 0 && (inShape[id] ?? 1) !== 1) off += (pos[d] ?? 0) * (inSt[id] ?? 0);
    }
    idx[k] = off;
    for (let d = r - 1; d >= 0; d--) {
      const next = (pos[d] ?? 0) + 1;
      if (next < (outShape[d] ?? 1)) {
        pos[d] = next;
        break;
      }
      pos[d] = 0;
    }
  }
  return idx;
}

/** Elementwise binary op with NumPy broadcasting. */
export function zipWith(a: F64Tensor, b: F64Tensor, f: (x: number, y: number) => number): F64Tensor {
  const shape = broadcastShapes(a.shape, b.shape);
  const ia = broadcastIndex(a.shape, shape);
  const ib = broadcastIndex(b.shape, shape);
  const out = new Float64Array(ia.length);
  for (let k = 0; k < out.length; k++) out[k] = f(el(a.data, el(ia, k)), el(b.data, el(ib, k)));
  return { shape, data: out };
}

/** One-hot encoding: indices of shape S give shape [...S, C]. */
export function oneHot(indices: F64Tensor, numClasses: number): F64Tensor {
  const out = new Float64Array(indices.data.length * numClasses);
  indices.data.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0 || v >= numClasses) throw new Error(`class index ${v} not in [0, ${numClasses})`);
    out[i * numClasses + v] = 1;
  });
  return { shape: [...indices.shape, numClasses], data: out };
}

/** Every element rounded to the nearest float32, so float64 and float32 code see the same inputs. */
export function roundF32(t: F64Tensor): F64Tensor {
  return map(t, Math.fround);
}

// ---------------------------------------------------------------------------------------
// Seeded randomness

export interface Rng {
  /** Uniform in [0, 1), 32 bits of randomness. */
  next(): number;
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** Standard normal (Box-Muller). */
  normal(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

/** mulberry32: a tiny 32-bit-state PRNG, good enough for test inputs and fully reproducible. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  let spare: number | undefined;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    normal: () => {
      if (spare !== undefined) {
        const s = spare;
        spare = undefined;
        return s;
      }
      const u1 = 1 - next(); // in (0, 1]: log is finite
      const u2 = next();
      const r = Math.sqrt(-2 * Math.log(u1));
      spare = r * Math.sin(2 * Math.PI * u2);
      return r * Math.cos(2 * Math.PI * u2);
    },
    int: (n) => Math.floor(next() * n),
  };
}

/** Uniform random tensor in [lo, hi) (default [-1, 1)). */
export function randomTensor(shape: readonly number[], rng: Rng, opts: { lo?: number; hi?: number } = {}): F64Tensor {
  const lo = opts.lo ?? -1;
  const hi = opts.hi ?? 1;
  const data = new Float64Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = rng.uniform(lo, hi);
  return { shape: [...shape], data };
}

/** Normal random tensor, N(mean, std²) (default standard normal), like `torch.randn`. */
export function randomNormal(shape: readonly number[], rng: Rng, opts: { mean?: number; std?: number } = {}): F64Tensor {
  const mean = opts.mean ?? 0;
  const std = opts.std ?? 1;
  const data = new Float64Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = mean + std * rng.normal();
  return { shape: [...shape], data };
}

/** Random integers in [0, n), stored as floats (class indices, labels), like `torch.randint(0, n, shape)`. */
export function randomInts(shape: readonly number[], rng: Rng, n: number): F64Tensor {
  const data = new Float64Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = rng.int(n);
  return { shape: [...shape], data };
}
