// Inputs for the sampled check, drawn from the declared domains. The first draws are the
// structured ones where naive formulas break (every input at 0, at its lower end, at its
// upper end, equal inputs, hyperparameters at their ends); the rest mix typical values with
// edges, special values (0, ±1) and extreme magnitudes, element by element, and leave optional
// inputs out of about half of them. Every value is a float32, so the float32 and float64
// evaluations see the same inputs.

import { REST, type DomainInfo, type IrFunction, type IrInput } from '../ir/types.js';
import { nextFloat32, round32 } from '../ranges/float32.js';

export interface SampleTensor {
  readonly shape: number[];
  readonly data: number[];
}

export interface Sample {
  readonly inputs: Record<string, SampleTensor>;
  readonly hypers: Record<string, number>;
  /** The elements of a ragged list input, by name: each with '...' dims of its own sizes. */
  readonly lists?: Record<string, SampleTensor[]>;
}

export interface DrawOptions {
  /** Unbounded ends are cut here: activations and logits beyond it mean training diverged. */
  readonly maxMagnitude: number;
  /** Inputs with more elements get smaller dims. */
  readonly maxElements: number;
}

/** mulberry32: small, seeded, reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Mode = 'zero' | 'low' | 'high' | 'ties' | 'hyper-low' | 'hyper-high' | 'random';
const STRUCTURED: readonly Mode[] = ['zero', 'low', 'high', 'ties', 'hyper-low', 'hyper-high'];

/** The smallest normal float32: GPU backends flush smaller (subnormal) numbers to 0. */
const MIN_NORMAL = 2 ** -126;

/**
 * The float32 ends of a real domain, cut at ±maxMagnitude; open ends move one float inward,
 * an open 0 to the smallest normal float32.
 */
export function realBounds(domain: DomainInfo | undefined, max: number): [number, number] {
  if (domain?.kind === 'set') {
    const vs = domain.values ?? [0];
    return [Math.min(...vs), Math.max(...vs)];
  }
  const lo = domain?.lo ?? -Infinity;
  const hi = domain?.hi ?? Infinity;
  const inward = (v: number, up: boolean): number => (v === 0 ? (up ? MIN_NORMAL : -MIN_NORMAL) : nextFloat32(round32(v, !up), up));
  const l = lo === -Infinity ? -max : domain?.loClosed ? round32(lo, false) : inward(lo, true);
  const h = hi === Infinity ? max : domain?.hiClosed ? round32(hi, true) : inward(hi, false);
  return [Math.max(l, -max), Math.min(h, Math.max(max, l))];
}

function inside(v: number, [lo, hi]: [number, number]): boolean {
  return v >= lo && v <= hi;
}

class Drawer {
  constructor(
    private readonly fn: IrFunction,
    private readonly random: () => number,
    private readonly options: DrawOptions,
  ) {}

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.random() * xs.length)]!;
  }

  /** One real value of a domain, of the kind `mode` asks for. */
  real(domain: DomainInfo | undefined, mode: Mode, scale: number): number {
    if (domain?.kind === 'set') return mode === 'low' ? Math.min(...(domain.values ?? [0])) : mode === 'high' ? Math.max(...(domain.values ?? [0])) : this.pick(domain.values ?? [0]);
    const b = realBounds(domain, this.options.maxMagnitude);
    if (mode === 'zero') return inside(0, b) ? 0 : Math.abs(b[0]) <= Math.abs(b[1]) ? b[0] : b[1];
    if (mode === 'low') return b[0];
    if (mode === 'high') return b[1];
    const u = this.random();
    let v: number;
    if (u < 0.1) v = this.pick(b);
    else if (u < 0.2) v = this.pick([0, 1, -1, 0.5].filter((x) => inside(x, b)).concat(b[0]));
    else if (u < 0.3) v = (this.random() < 0.5 ? -1 : 1) * 10 ** (-30 + 26 * this.random());
    else if (b[1] - b[0] <= 2 * scale) v = b[0] + (b[1] - b[0]) * this.random();
    else v = Math.max(b[0], -scale) + (Math.min(b[1], scale) - Math.max(b[0], -scale)) * this.random();
    v = Math.fround(v);
    return inside(v, b) ? v : Math.min(Math.max(v, b[0]), b[1]);
  }

  private whole(domain: DomainInfo | undefined, mode: Mode): number {
    if (domain?.kind === 'set') return mode === 'low' ? Math.min(...(domain.values ?? [0])) : mode === 'high' ? Math.max(...(domain.values ?? [0])) : this.pick(domain.values ?? [0]);
    const lo = Math.max(Math.ceil((domain?.lo ?? -2) + (domain?.loClosed === false && Number.isInteger(domain.lo) ? 1 : 0)), -1000);
    const hi = Math.min(Math.floor((domain?.hi ?? 3) - (domain?.hiClosed === false && Number.isInteger(domain.hi) ? 1 : 0)), lo + 10);
    if (mode === 'zero') return lo <= 0 && hi >= 0 ? 0 : lo;
    if (mode === 'low') return lo;
    if (mode === 'high') return hi;
    return lo + Math.floor(this.random() * (hi - lo + 1));
  }

  /**
   * Sizes of the dims, each 1 to 3, made smaller until every input fits maxElements. A dim that
   * class indices index has at least 2: generated code refuses a single class (the loss would be
   * constant); so has a ragged list's length.
   */
  private dims(): { sizes: Map<string, number>; rest: number[] } {
    const sizes = new Map<string, number>();
    const fixed = new Map<string, number>();
    const least = new Map<string, number>();
    for (const d of this.fn.dims) if ('size' in d) fixed.set(d.dim, d.size);
    for (const input of this.fn.inputs) if (input.indexOf !== undefined) least.set(input.indexOf, 2);
    // Two elements at least, so that a ragged list's elements can differ.
    for (const input of this.fn.inputs) if (input.ragged) least.set(input.axes[0]!.dim, 2);
    for (const input of this.fn.inputs) {
      for (const a of input.axes) {
        if (a.name === REST || sizes.has(a.dim)) continue;
        const lo = least.get(a.dim) ?? 1;
        sizes.set(a.dim, fixed.get(a.dim) ?? lo + Math.floor(this.random() * (4 - lo)));
      }
    }
    // A loss with a ragged list resizes to its elements' '...' dims: give it some to resize.
    const ragged = this.fn.inputs.some((i) => i.ragged);
    let rest = this.pick(ragged ? [[2], [3], [2, 2]] : [[], [2], [3], [2, 2]]);
    // A dim made by flatten (that an input may also have) is the product of the merged ones,
    // the rest dims among them (`flatten(x, (C, ...), S)`) as the elements they hold.
    const products = this.fn.dims.flatMap((d) => ('product' in d ? [d] : []));
    const factor = (p: string): number => (p === REST ? rest.reduce((x, y) => x * y, 1) : sizes.get(p) ?? fixed.get(p) ?? Number(p));
    const derive = (): void => {
      for (const d of products) sizes.set(d.dim, d.product.reduce((n, p) => n * factor(p), 1));
    };
    derive();
    const count = (i: IrInput): number => i.axes.reduce((n, a) => n * (a.name === REST ? rest.reduce((x, y) => x * y, 1) : sizes.get(a.dim)!), 1);
    for (let guard = 0; guard < 32 && this.fn.inputs.some((i) => count(i) > this.options.maxElements); guard++) {
      const big = [...sizes].filter(([d, n]) => n > (least.get(d) ?? 1) && !fixed.has(d) && !products.some((p) => p.dim === d));
      if (rest.length > (ragged ? 1 : 0)) rest = rest.slice(1);
      else if (big.length > 0) sizes.set(big[0]![0], big[0]![1] - 1);
      else break;
      derive();
    }
    return { sizes, rest };
  }

  /** One tensor of `shape` with values of the input's kind. */
  private tensor(input: IrInput, shape: number[], sizes: Map<string, number>, mode: Mode): SampleTensor {
    const n = shape.reduce((a, b) => a * b, 1);
    // One magnitude per tensor, so a batch looks like one tensor of activations.
    const scale = 10 ** (-2 + (Math.log10(this.options.maxMagnitude) + 2) * this.random());
    let data: number[];
    if (input.elem === 'bool') data = Array.from({ length: n }, () => (mode === 'zero' || mode === 'low' ? 0 : mode === 'high' ? 1 : this.random() < 0.5 ? 1 : 0));
    else if (input.elem === 'index') data = Array.from({ length: n }, () => (mode === 'zero' || mode === 'low' ? 0 : mode === 'high' ? sizes.get(input.indexOf!)! - 1 : Math.floor(this.random() * sizes.get(input.indexOf!)!)));
    else if (input.elem === 'int') data = Array.from({ length: n }, () => this.whole(input.domain, mode));
    else data = Array.from({ length: n }, () => this.real(input.domain, mode, scale));
    return { shape, data };
  }

  /**
   * The elements of a ragged list: K of them, the named dims shared, '...' dims as many as the
   * loss's own (a resize keeps their number) but each of its own sizes, 1 to 3, made smaller
   * until the element fits maxElements. The first element has the loss's own sizes, as a
   * network's full-resolution head does.
   */
  private elements(input: IrInput, sizes: Map<string, number>, rest: readonly number[], mode: Mode): SampleTensor[] {
    const [list, ...axes] = input.axes;
    const named = axes.filter((a) => a.name !== REST).reduce((n, a) => n * sizes.get(a.dim)!, 1);
    return Array.from({ length: sizes.get(list!.dim)! }, (_, k) => {
      const own = k === 0 ? [...rest] : rest.map(() => 1 + Math.floor(this.random() * 3));
      while (named * own.reduce((a, b) => a * b, 1) > this.options.maxElements && own.some((d) => d > 1)) {
        const big = own.indexOf(Math.max(...own));
        own[big] = own[big]! - 1;
      }
      return this.tensor(input, axes.flatMap((a) => (a.name === REST ? own : [sizes.get(a.dim)!])), sizes, mode);
    });
  }

  draw(mode: Mode): Sample {
    const { sizes, rest } = this.dims();
    const inputs: Record<string, SampleTensor> = {};
    const lists: Record<string, SampleTensor[]> = {};
    let tie: number[] | undefined;
    for (const input of this.fn.inputs) {
      // An optional input is left out of half the random draws, so that its default (a
      // constant, or the tensor of the input it names) is what the loss runs on there too.
      if (input.default !== undefined && mode === 'random' && this.random() < 0.5) continue;
      if (input.ragged) {
        lists[input.name] = this.elements(input, sizes, rest, mode);
        continue;
      }
      const shape = input.axes.flatMap((a) => (a.name === REST ? rest : [sizes.get(a.dim)!]));
      inputs[input.name] = this.tensor(input, shape, sizes, mode);
      // Ties: real inputs of one shape share their values (pred = target, a = p).
      if (mode === 'ties' && input.elem === 'real' && input.domain?.kind !== 'set') {
        const data = inputs[input.name]!.data;
        const b = realBounds(input.domain, this.options.maxMagnitude);
        if (tie && tie.length === data.length && tie.every((v) => inside(v, b))) inputs[input.name] = { shape, data: [...tie] };
        else tie = data;
      }
    }
    const hypers: Record<string, number> = {};
    for (const h of this.fn.hypers) {
      const edge: Mode | undefined = mode === 'hyper-low' ? 'low' : mode === 'hyper-high' ? 'high' : mode === 'random' && this.random() < 0.5 ? 'random' : undefined;
      if (edge === undefined && h.default !== undefined) hypers[h.name] = h.default;
      else if (h.elem === 'bool') hypers[h.name] = edge === 'low' ? 0 : edge === 'high' ? 1 : this.random() < 0.5 ? 1 : 0;
      else if (h.elem === 'int') hypers[h.name] = this.whole(h.domain, edge ?? 'random');
      else hypers[h.name] = this.real(h.domain, edge ?? 'random', 10);
    }
    return { inputs, hypers, ...(Object.keys(lists).length > 0 ? { lists } : {}) };
  }
}

/** `count` samples: the structured ones first, then random ones, reproducibly from `seed`. */
export function drawSamples(fn: IrFunction, count: number, seed: number, options: DrawOptions): Sample[] {
  const drawer = new Drawer(fn, rng(seed), options);
  return Array.from({ length: count }, (_, k) => drawer.draw(STRUCTURED[k] ?? 'random'));
}
