// Random cross-entropy cases for the class-weight oracle (class-weight.ts): float32 logits
// [n, c] in [-3, 3), class indices with every `ignoredEvery`-th one the ignore value, label
// smoothing `eps`, and per-sample weights (the first 0) when asked.
import { mulberry32 } from './tensor.js';

export interface Case {
  readonly name: string;
  readonly x: number[][];
  readonly t: number[];
  readonly eps: number;
  readonly ignore: number;
  readonly u?: number[];
}

export function makeCase(name: string, seed: number, n: number, c: number, o: { eps?: number; ignore?: number; ignoredEvery?: number; u?: boolean }): Case {
  const rng = mulberry32(seed);
  const r = (): number => rng.next();
  const ignore = o.ignore ?? -100;
  const x = Array.from({ length: n }, () => Array.from({ length: c }, () => Math.fround(6 * r() - 3)));
  const t = Array.from({ length: n }, (_, i) => (o.ignoredEvery !== undefined && i % o.ignoredEvery === 1 ? ignore : Math.floor(r() * c)));
  const u = o.u ? Array.from({ length: n }, (_, i) => (i === 0 ? 0 : Math.fround(0.5 + r()))) : undefined;
  return { name, x, t, eps: o.eps ?? 0, ignore, ...(u ? { u } : {}) };
}
