// What a backend must keep from the forward pass for the backward one, and what it recomputes
// instead (the memory plan). tfjs may dispose the inputs and the forward's intermediates
// before a tf.customGrad's gradFunc runs, so the gradFunc reads only what the forward saved
// and what it can rebuild: constants, positions, sizes and hyperparameters for free, and the
// cheap elementwise values of RECOMPUTE from what is saved. A saved value lives from the
// forward pass to the end of the backward one; saving its operands instead pays off when they
// are smaller (a `select` of a saved [N, N] distance, a mask `label[i] == label[j]` built from
// an [N] input) — the forward then frees the large value as soon as it is used.

import type { OpName } from '../ir/ops.js';
import type { Axis, IrBackward, IrFunction, NodeId } from '../ir/types.js';
import { memoized } from '../ir/memo.js';
import { reachable } from '../ir/walk.js';

/**
 * Ops the backward pass recomputes rather than save, with why each is cheap: one elementwise
 * pass over operands it already has (no transcendental functions, no reductions, gathers or
 * contractions, which cost more than a read of their result).
 */
export const RECOMPUTE: Readonly<Partial<Record<OpName, string>>> = {
  rename: 'the same tensor under another axis name',
  to_real: 'a cast',
  detach: 'the operand itself',
  neg: 'one elementwise pass',
  abs: 'one elementwise pass',
  square: 'one multiply per element',
  relu: 'one comparison per element',
  add: 'one elementwise pass',
  sub: 'one elementwise pass',
  mul: 'one elementwise pass',
  maximum: 'one comparison per element',
  minimum: 'one comparison per element',
  eq: 'one comparison per element',
  ne: 'one comparison per element',
  lt: 'one comparison per element',
  le: 'one comparison per element',
  gt: 'one comparison per element',
  ge: 'one comparison per element',
  and: 'one logical pass',
  or: 'one logical pass',
  not: 'one logical pass',
  select: 'one elementwise pass',
};

/** What the backward pass of one gradient pass keeps and rebuilds, in id order. */
export interface MemoryPlan {
  /** Forward values the backward pass reads (what a pass saving them all would save). */
  readonly read: readonly NodeId[];
  /** Forward values saved for the backward pass (inputs among them cost no memory: their tensors exist anyway). */
  readonly saved: readonly NodeId[];
  /** Forward values the backward pass reads but recomputes from the saved ones (RECOMPUTE). */
  readonly recomputed: readonly NodeId[];
}

/** Exponent of each dim in a tensor's element count. */
type Monomial = ReadonlyMap<string, number>;

function monomial(axes: readonly Axis[]): Monomial {
  const m = new Map<string, number>();
  for (const a of axes) m.set(a.dim, (m.get(a.dim) ?? 0) + 1);
  return m;
}

const degree = (m: Monomial): number => [...m.values()].reduce((s, e) => s + e, 0);

/** Every size of `a` is below `b`'s once dims exceed 1: `a` divides `b` with a lower degree. */
function strictlySmaller(a: Monomial, b: Monomial): boolean {
  return [...a].every(([dim, e]) => (b.get(dim) ?? 0) >= e) && degree(a) < degree(b);
}

/** Every size of `a` is at most `b`'s: `a` divides `b`. */
const atMost = (a: Monomial, b: Monomial): boolean => [...a].every(([dim, e]) => (b.get(dim) ?? 0) >= e);

/**
 * The memory plan of `pass`: first every forward node the backward reads (except what it
 * rebuilds: constants, positions, sizes, hyperparameters), then, largest first, each value of
 * RECOMPUTE replaced by what it is computed from, when all that is new to save is strictly
 * smaller than it or an input. Recomputing reaches through further RECOMPUTE values no larger
 * than the one replaced; anything else it needs is saved.
 */
export function memoryPlan(fn: IrFunction, pass: IrBackward): MemoryPlan {
  // Kept with the loss (the evaluator lowers it on every call), by pass.
  return memoized(fn, pass, () => planOf(fn, pass));
}

function planOf(fn: IrFunction, pass: IrBackward): MemoryPlan {
  const hypers = new Set(fn.hypers.map((h) => h.node));
  const forward = reachable(fn.nodes, [pass.root]);
  const roots = pass.grads.map((s) => s.node);
  const backward = reachable(fn.nodes, roots, forward);
  const rebuilt = (id: NodeId): boolean => {
    const op = fn.nodes[id]!.op;
    return op === 'const' || op === 'iota' || op === 'size' || hypers.has(id);
  };
  // An input the caller passed as it is: saving it keeps a tensor that exists anyway.
  const freeInput = (id: NodeId): boolean => fn.nodes[id]!.op === 'input' && fn.inputs.some((i) => i.node === id && !i.broadcasts && i.default === undefined);
  const saved = new Set<NodeId>();
  const keep = (id: NodeId): void => {
    if (forward.has(id) && !rebuilt(id)) saved.add(id);
  };
  // A gradient that is a forward value itself (no seed in it) is read as well.
  roots.forEach(keep);
  for (const id of backward) for (const a of fn.nodes[id]!.args) keep(a);
  const read = [...saved].sort((x, y) => x - y);

  const recomputed = new Set<NodeId>();
  const size = (id: NodeId): Monomial => monomial(fn.nodes[id]!.type.axes);
  /** What recomputing `id` would newly save, or undefined when that does not pay. */
  const replacement = (id: NodeId): Set<NodeId> | undefined => {
    const limit = size(id);
    const needs = new Set<NodeId>();
    const visit = (a: NodeId): boolean => {
      if (rebuilt(a) || saved.has(a) || recomputed.has(a) || needs.has(a)) return true;
      if (freeInput(a)) return needs.add(a), true;
      const node = fn.nodes[a]!;
      if (RECOMPUTE[node.op] !== undefined && atMost(size(a), limit)) {
        const before = [...needs];
        if (node.args.every(visit)) return true;
        needs.clear();
        before.forEach((b) => needs.add(b));
      }
      // Not recomputable from small values: saved, if that is still smaller.
      if (!strictlySmaller(size(a), limit)) return false;
      needs.add(a);
      return true;
    };
    return fn.nodes[id]!.args.every(visit) ? needs : undefined;
  };
  const candidates = (): NodeId[] =>
    [...saved].filter((id) => RECOMPUTE[fn.nodes[id]!.op] !== undefined && !freeInput(id)).sort((x, y) => degree(size(y)) - degree(size(x)) || x - y);
  for (let changed = true; changed; ) {
    changed = false;
    for (const id of candidates()) {
      const needs = replacement(id);
      if (!needs) continue;
      saved.delete(id);
      recomputed.add(id);
      for (const a of needs) saved.add(a);
      changed = true;
    }
  }
  // Values recomputed only on the way to others are recomputed too: list them.
  const reached = reachable(fn.nodes, [...backward].flatMap((id) => fn.nodes[id]!.args).concat(roots), new Set([...saved].filter((id) => !recomputed.has(id))));
  for (const id of reached) if (forward.has(id) && !saved.has(id) && !rebuilt(id)) recomputed.add(id);
  const sorted = (s: Set<NodeId>): NodeId[] => [...s].sort((x, y) => x - y);
  return { read, saved: sorted(saved), recomputed: sorted(recomputed) };
}

/** Forward nodes the backward of `pass` reads from the forward pass's saved tensors, in id order. */
export function savedForBackward(fn: IrFunction, pass: IrBackward): NodeId[] {
  return [...memoryPlan(fn, pass).saved];
}
