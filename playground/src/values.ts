// Sample inputs for a loss, made from its declared shapes and domains: sizes come from the
// dimension names (editable), values are random with a seed and lie inside each domain.
import type { NestedArray } from '../../src/index.js';
import type { InputSummary, LossSummary } from './protocol.js';
import { normal, rng, tidy } from './rng.js';

export interface Dense {
  readonly shape: number[];
  readonly data: number[];
}

export const REST = '...';

/** Every dimension a loss's inputs name, in first-seen order (`...` included). */
export function dimsOf(loss: LossSummary): string[] {
  const out: string[] = [];
  for (const i of loss.inputs) for (const d of [...i.dims, ...(i.indexOf ? [i.indexOf] : [])]) if (!out.includes(d)) out.push(d);
  return out;
}

const DEFAULT_SIZE: Record<string, number> = { N: 4, D: 3, C: 3, L: 3, H: 4, W: 4, T: 3, K: 3 };

/** A starting size for each dimension: fixed ones as declared, `...` one axis of 4. */
export function defaultSizes(loss: LossSummary, previous: Readonly<Record<string, string>> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of dimsOf(loss)) {
    const fixed = loss.fixedDims[d];
    out[d] = fixed !== undefined ? String(fixed) : previous[d] ?? (d === REST ? '4' : String(DEFAULT_SIZE[d] ?? 3));
  }
  return out;
}

/** The concrete shape of an input; `...` may stand for several axes ("2, 3"). */
export function shapeOf(input: InputSummary, sizes: Readonly<Record<string, string>>): number[] | string {
  const shape: number[] = [];
  for (const d of input.dims) {
    const text = sizes[d] ?? '';
    const parts = d === REST ? text.split(/[\s,]+/).filter(Boolean) : [text.trim()];
    for (const p of parts) {
      const n = Number(p);
      if (!Number.isInteger(n) || n < 0 || n > 4096) return `size of ${d} must be a whole number from 0 to 4096, not '${text}'`;
      shape.push(n);
    }
  }
  return shape;
}

function sampler(input: InputSummary, sizes: Readonly<Record<string, string>>, next: () => number): () => number {
  const gauss = normal(next);
  const dom = input.domain;
  if (input.elem === 'index') {
    const c = Math.max(1, Number(sizes[input.indexOf ?? ''] ?? 1) || 1);
    return () => Math.floor(next() * c);
  }
  if (dom?.kind === 'set' && dom.values?.length) {
    const vs = dom.values;
    return () => vs[Math.floor(next() * vs.length)]!;
  }
  if (input.elem === 'bool') return () => (next() < 0.5 ? 0 : 1);
  const lo = dom?.lo ?? -Infinity;
  const hi = dom?.hi ?? Infinity;
  if (input.elem === 'int') {
    const a = Number.isFinite(lo) ? Math.ceil(lo) : Number.isFinite(hi) ? Math.floor(hi) - 4 : 0;
    const b = Number.isFinite(hi) ? Math.floor(hi) : a + 4;
    return () => a + Math.floor(next() * (b - a + 1));
  }
  // Keep clear of open (and closed) ends: log(0) at a boundary is the stability pane's job.
  if (Number.isFinite(lo) && Number.isFinite(hi)) return () => tidy(lo + (hi - lo) * (0.02 + 0.96 * next()));
  if (Number.isFinite(lo)) return () => tidy(lo + 0.05 - Math.log(Math.max(next(), 1e-9)));
  if (Number.isFinite(hi)) return () => tidy(hi - 0.05 + Math.log(Math.max(next(), 1e-9)));
  return () => tidy(gauss());
}

/** Integers with no range at all are class labels (metric losses compare them for equality). */
const isLabels = (input: InputSummary): boolean =>
  input.elem === 'int' && !input.domain?.values && !Number.isFinite(input.domain?.lo ?? Infinity) && !Number.isFinite(input.domain?.hi ?? -Infinity);

/**
 * Labels in half as many classes as samples, each class used at least twice, in random order:
 * from 4 samples on every sample has a positive (same label) and a negative (3 samples: two
 * classes; 2: one). Independent draws from a range as wide as the batch often gave neither,
 * and a triplet loss was then 0 with a zero gradient.
 */
function labels(size: number, next: () => number): number[] {
  const classes = size === 3 ? 2 : Math.max(1, Math.floor(size / 2));
  const out = Array.from({ length: size }, (_, i) => i % classes);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Random values for every input (optional ones left out), or a problem with a size. */
export function generateInputs(loss: LossSummary, sizes: Readonly<Record<string, string>>, seed: number): Record<string, Dense> | string {
  const next = rng(seed);
  const out: Record<string, Dense> = {};
  for (const input of loss.inputs) {
    if (input.optional) continue;
    const shape = shapeOf(input, sizes);
    if (typeof shape === 'string') return shape;
    const size = shape.reduce((a, b) => a * b, 1);
    out[input.name] = { shape, data: isLabels(input) ? labels(size, next) : Array.from({ length: size }, sampler(input, sizes, next)) };
  }
  return out;
}

/** `{shape, data}` as the nested arrays people write by hand (and `lossc eval` reads). */
export function nest(v: Dense): NestedArray {
  if (v.shape.length === 0) return v.data[0] ?? 0;
  const build = (depth: number, offset: number): NestedArray[] => {
    const n = v.shape[depth]!;
    const stride = v.shape.slice(depth + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: n }, (_, i) => (depth === v.shape.length - 1 ? v.data[offset + i]! : build(depth + 1, offset + i * stride)));
  };
  return build(0, 0);
}

export function flatten(v: NestedArray | undefined): number[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) return [Number(v)];
  return v.flatMap((x) => flatten(x));
}

export function l2(values: readonly number[]): number {
  return Math.sqrt(values.reduce((s, x) => s + x * x, 0));
}
