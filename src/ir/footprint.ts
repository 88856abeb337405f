// What a lowered loss holds in memory, from the IR alone, for `lossc explain`: its contractions
// (each a tf.matMul) and its largest values by size in dims. Each live node that computes
// becomes one tensor, so a node over [i:N, D, j:N] is an N²·D tensor in the forward pass (and
// saved for the backward pass when something there reads it). Sizes are products of dims,
// compared without numbers: N²·D is larger than N² and N·D, but N² and N·D are not ordered
// (which is larger depends on N and D), so both are listed.

import { formatAxes } from './axes.js';
import { liveNodes } from './live.js';
import { OPS } from './ops.js';
import { analyzeTiling, formatTiling, type TileAnalysis } from './tile.js';
import type { Axis, IrFunction, IrNode } from './types.js';

export interface Contraction {
  readonly id: number;
  /** Axes both operands keep: the matMul's batch. */
  readonly batch: readonly string[];
  /** Axes of one operand only: the rows and the columns of the matMul. */
  readonly free: readonly [readonly string[], readonly string[]];
  /** Axes summed over. */
  readonly contracted: readonly string[];
  /** The result's size in dims (`N²`). */
  readonly size: string;
}

export interface LargestValue {
  /** Its size in dims, `N²·D`; `1` for a scalar. */
  readonly size: string;
  /** How many live values have this size. */
  readonly count: number;
  /** One of them, as `%4 sub[i:N, D, j:N]`. */
  readonly example: string;
}

export interface Footprint {
  readonly contractions: readonly Contraction[];
  /** The values no other value is larger than, largest degree first. */
  readonly largest: readonly LargestValue[];
  /** Of the forward pass: whether the loss is computed over blocks of rows (src/ir/tile.ts), or why not. */
  readonly tiling?: TileAnalysis;
}

/** Exponent of each dim in a tensor's element count. */
type Monomial = ReadonlyMap<string, number>;

function monomial(axes: readonly Axis[]): Monomial {
  const m = new Map<string, number>();
  for (const a of axes) m.set(a.dim, (m.get(a.dim) ?? 0) + 1);
  return m;
}

const SUPERSCRIPT = ['', '', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];

/** `N²·D` (dims in name order; `1` for a scalar). */
export function formatSize(m: Monomial): string {
  const parts = [...m.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([dim, e]) => dim + (SUPERSCRIPT[e] ?? `^${e}`));
  return parts.length ? parts.join('·') : '1';
}

const degree = (m: Monomial): number => [...m.values()].reduce((s, e) => s + e, 0);

/** `a` divides `b` and is not equal to it: every size `b` is at least `a`'s, and larger for dims above 1. */
function smaller(a: Monomial, b: Monomial): boolean {
  return [...a].every(([dim, e]) => (b.get(dim) ?? 0) >= e) && degree(b) > degree(a);
}

const names = (axes: readonly Axis[]): string[] => axes.map((a) => a.name);

/** A value the loss makes (not an input, a constant, a size or a literal). */
const computes = (n: IrNode): boolean => OPS[n.op].kind !== 'leaf' || n.op === 'iota';

export function footprint(fn: IrFunction): Footprint {
  const live = liveNodes(fn);
  const nodes = fn.nodes.filter((n) => live.has(n.id) && computes(n));
  const contractions = nodes.filter((n) => n.op === 'contract').map((n): Contraction => {
    const [a, b] = n.args.map((id) => names(fn.nodes[id]!.type.axes)) as [string[], string[]];
    const contracted = n.attrs.axes ?? [];
    const batch = a.filter((x) => b.includes(x) && !contracted.includes(x));
    const free = [a.filter((x) => !b.includes(x)), b.filter((x) => !a.includes(x))] as const;
    return { id: n.id, batch, free, contracted, size: formatSize(monomial(n.type.axes)) };
  });
  const bySize = new Map<string, { m: Monomial; nodes: IrNode[] }>();
  for (const n of nodes) {
    const m = monomial(n.type.axes);
    const key = formatSize(m);
    const entry = bySize.get(key) ?? { m, nodes: [] };
    entry.nodes.push(n);
    bySize.set(key, entry);
  }
  const sizes = [...bySize.values()];
  const largest = sizes
    .filter((s) => !sizes.some((t) => smaller(s.m, t.m)))
    .sort((x, y) => degree(y.m) - degree(x.m))
    .map((s): LargestValue => {
      const n = s.nodes[0]!;
      return { size: formatSize(s.m), count: s.nodes.length, example: `%${n.id} ${n.op}[${formatAxes(n.type.axes)}]` };
    });
  return { contractions, largest, ...(fn.gradients ? {} : { tiling: analyzeTiling(fn) }) };
}

/** Lines for `lossc explain`: one per contraction, one per largest size. */
export function formatFootprint(f: Footprint): string[] {
  const list = (xs: readonly string[]): string => (xs.length ? xs.join(', ') : '-');
  return [
    ...(f.contractions.length === 0
      ? ['  no contractions']
      : f.contractions.map((c) => `  %${c.id} contract: batch [${list(c.batch)}], rows [${list(c.free[0])}], columns [${list(c.free[1])}], summed [${list(c.contracted)}] → ${c.size}`)),
    ...f.largest.map((l) => `  largest: ${l.size} (${l.count} value${l.count === 1 ? '' : 's'}, e.g. ${l.example})`),
    ...(f.tiling ? formatTiling(f.tiling) : []),
  ];
}
