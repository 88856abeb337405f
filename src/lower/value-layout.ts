// The axis order each elementwise value and select is computed in, chosen so that the values
// its consumers read need no transpose (contract-plan.ts does the same for contractions).
// An IR node's axis order is where the checker or the derivation happened to put its axes: a
// derived backward pass has selects over [w, v, b, a] between values laid out [v, a, w, b],
// and each disagreement is a 4-d transpose of the whole pairwise tensor (17 ms at 262 144
// elements on cpu). Two passes over the nodes in the order they are lowered:
//   - forward: a value with an operand that holds all of its axes (and is not flexible) is
//     laid out as that operand, a real one before a mask;
//   - backward: a value built only from smaller operands (a position mask `(w, b) != (v, a)`,
//     a select of broadcast branches) costs the same in any order: it is flexible, and takes
//     the layout its consumers read it in (the fewest transposes over them, its own on a tie).
// The plan only predicts: the lowering aligns every operand by the axes its tensor really has,
// so a wrong prediction costs a transpose, never a value.

import type { Axis, IrNode, NodeId } from '../ir/types.js';
import { planContraction } from './contract-plan.js';
import { OP_RULES } from './op-rules.js';

export interface ValueLayoutInput {
  readonly nodes: readonly IrNode[];
  /** The nodes lowered, in the order they are. */
  readonly order: readonly IrNode[];
  /** Where the lowering fixes a node's layout itself (a contraction's wanted result): that layout. */
  readonly fixed?: (id: NodeId) => readonly Axis[] | undefined;
  /** Values read outside in their node's order (saved for a backward pass, returned): never placed. */
  readonly pinned?: ReadonlySet<NodeId>;
}

const REST = '...';
/** Lowerings that align their operands by axis name, whatever order their tensors are in. */
const ALIGNING: ReadonlySet<string> = new Set(['elementwise', 'select', 'reduce', 'contract', 'rename', 'to_real']);

const names = (axes: readonly Axis[]): string => axes.map((a) => a.name).join(',');
const sameSet = (a: readonly Axis[], b: readonly Axis[]): boolean => a.length === b.length && a.every((x) => b.some((y) => y.name === x.name));
/** `order` restricted to the axes of `own`, as `own`'s axis objects. */
const restricted = (order: readonly Axis[], own: readonly Axis[]): Axis[] => order.flatMap((a) => own.filter((o) => o.name === a.name));
/** The axes of `lists`, each once, in the order first met (as a masked reduction lines them up). */
const union = (lists: readonly (readonly Axis[])[]): Axis[] => {
  const out: Axis[] = [];
  for (const a of lists.flat()) if (!out.some((o) => o.name === a.name)) out.push(a);
  return out;
};
const misorders = (from: readonly Axis[], to: readonly Axis[]): number => {
  const sub = restricted(to, from);
  return sub.some((a, k) => a.name !== from[k]?.name) ? 1 : 0;
};

/**
 * The layout a gather by rows makes without a transpose (body.ts gatherRows, from the planned
 * layouts of its operands): the index's axes the table shares, the index's own, then the
 * table's others; undefined for a gather that is not by rows, or with rest axes.
 */
function gatherRowsLayout(node: IrNode, layoutOf: (id: NodeId) => readonly Axis[]): readonly Axis[] | undefined {
  if (node.op !== 'gather' || node.args.length !== 2) return undefined;
  const [x, idx] = node.args.map(layoutOf) as [readonly Axis[], readonly Axis[]];
  const has = (list: readonly Axis[], name: string): boolean => list.some((a) => a.name === name);
  const others = x.filter((a) => a.name !== node.attrs.axis);
  const S = idx.filter((a) => has(others, a.name));
  const Q = idx.filter((a) => !has(others, a.name));
  const R = others.filter((a) => !has(idx, a.name));
  const made = [...S, ...Q, ...R];
  if ((Q.length === 0 && R.length === 0) || made.some((a) => a.name === REST) || node.type.axes.some((a) => a.name === REST)) return undefined;
  const own = restricted(made, node.type.axes);
  return own.length === node.type.axes.length && sameSet(own, made) ? own : undefined;
}

/** Values of a kind computed by aligning every operand to the layout they are given. */
function alignsOperands(node: IrNode): boolean {
  const kind = OP_RULES[node.op].kind;
  return (kind === 'elementwise' || kind === 'select') && node.type.axes.length >= 2 && !node.type.axes.some((a) => a.name === REST);
}

/**
 * For each placeable node whose best layout differs from its own axis order: that layout (a
 * permutation of the node's axes).
 */
export function planValueLayouts(input: ValueLayoutInput): Map<NodeId, readonly Axis[]> {
  const { nodes, order } = input;
  const placeable = (node: IrNode): boolean => alignsOperands(node) && input.pinned?.has(node.id) !== true;
  const layout = new Map<NodeId, readonly Axis[]>();
  const flexible = new Set<NodeId>();
  const layoutOf = (id: NodeId): readonly Axis[] => layout.get(id) ?? nodes[id]!.type.axes;
  const scalar = (id: NodeId): boolean => nodes[id]!.type.axes.length === 0;
  const users = new Map<NodeId, IrNode[]>();
  for (const n of order) for (const a of new Set(n.args)) users.set(a, [...(users.get(a) ?? []), n]);
  // A value some consumer reads by position (softmax, gather, pick, reshapes) stays in its order.
  const readInOrder = (id: NodeId): boolean => (users.get(id) ?? []).some((u) => !ALIGNING.has(OP_RULES[u.op].kind));

  for (const node of order) {
    const kind = OP_RULES[node.op].kind;
    const arg = node.args[0];
    if ((kind === 'rename' || kind === 'to_real') && arg !== undefined) {
      // The operand's tensor under the node's names, position by position.
      const from = nodes[arg]!.type.axes;
      layout.set(node.id, layoutOf(arg).map((q) => node.type.axes[from.findIndex((f) => f.name === q.name)] ?? q));
      if (flexible.has(arg)) flexible.add(node.id);
      continue;
    }
    if (kind === 'reduce' && !node.type.axes.some((a) => a.name === REST)) {
      const removed = node.attrs.axes ?? [];
      layout.set(node.id, restricted(union(node.args.map(layoutOf)).filter((a) => !removed.includes(a.name)), node.type.axes));
      continue;
    }
    if (!placeable(node) || readInOrder(node.id)) {
      layout.set(node.id, input.fixed?.(node.id) ?? node.type.axes);
      continue;
    }
    const full = node.args.filter((id) => !scalar(id) && sameSet(layoutOf(id), node.type.axes) && !flexible.has(id));
    const lead = full.find((id) => nodes[id]!.type.dtype === 'real') ?? full[0];
    if (lead !== undefined) layout.set(node.id, restricted(layoutOf(lead), node.type.axes));
    else flexible.add(node.id);
  }

  /** Transposes the users of `node` make to read it laid out as `axes`. */
  const cost = (node: IrNode, axes: readonly Axis[]): number =>
    (users.get(node.id) ?? []).reduce((sum, u) => {
      const kind = OP_RULES[u.op].kind;
      if (kind === 'elementwise' || kind === 'select') return sum + misorders(axes, layoutOf(u.id));
      if (kind === 'reduce') {
        return sum + misorders(axes, union(u.args.map((id) => (id === node.id ? axes : layoutOf(id)))));
      }
      if (kind === 'contract' && u.args.length === 2) {
        const K = u.attrs.axes ?? [];
        const [a, b] = u.args.map((id) => (id === node.id ? axes : layoutOf(id))) as [readonly Axis[], readonly Axis[]];
        const kept = (v: readonly Axis[], w: readonly Axis[]): readonly Axis[] => v.filter((q) => !K.includes(q.name) || w.some((r) => r.name === q.name));
        return sum + planContraction(kept(a, b), kept(b, a), K, layoutOf(u.id)).transposes;
      }
      if (kind === 'rename' || kind === 'to_real') return sum;
      return sum + misorders(axes, nodes[node.id]!.type.axes);
    }, 0);
  for (const node of [...order].reverse()) {
    if (!flexible.has(node.id) || !placeable(node) || readInOrder(node.id)) continue;
    const own = node.type.axes;
    const candidates: (readonly Axis[])[] = [own];
    for (const u of users.get(node.id) ?? []) {
      const kind = OP_RULES[u.op].kind;
      const seen = kind === 'contract' ? permutations(own) : kind === 'reduce' ? [restricted(union(u.args.map(layoutOf)), own)] : [restricted(layoutOf(u.id), own)];
      for (const c of seen) if (c.length === own.length && !candidates.some((k) => names(k) === names(c))) candidates.push(c);
    }
    let best = own;
    for (const c of candidates) if (cost(node, c) < cost(node, best)) best = c;
    layout.set(node.id, best);
  }
  // A gather by rows, once its consumers' layouts are known: its own order costs the transpose
  // that makes it, and what its consumers pay to read it. Not a root (read in its node's order
  // outside), nor one a rename reads (whose plan followed the node's order).
  const gathers = new Map<NodeId, readonly Axis[]>();
  for (const node of order) {
    const made = gatherRowsLayout(node, layoutOf);
    if (!made || input.pinned?.has(node.id) || (users.get(node.id) ?? []).some((u) => OP_RULES[u.op].kind === 'rename' || OP_RULES[u.op].kind === 'to_real')) continue;
    const own = node.type.axes;
    const total = (axes: readonly Axis[]): number => misorders(made, axes) + cost(node, axes);
    if (names(made) !== names(own) && total(made) < total(own)) {
      layout.set(node.id, made);
      gathers.set(node.id, made);
    }
  }

  const out = new Map<NodeId, readonly Axis[]>();
  for (const node of order) {
    const l = layout.get(node.id);
    if (placeable(node) && !readInOrder(node.id) && l && names(l) !== names(node.type.axes)) out.set(node.id, l);
  }
  for (const [id, axes] of gathers) out.set(id, axes);
  return out;
}

/** Every order of `axes` (a value has at most a handful: 4 axes, 24 orders). */
function permutations(axes: readonly Axis[]): Axis[][] {
  if (axes.length > 5) return [];
  if (axes.length <= 1) return [[...axes]];
  return axes.flatMap((a, k) => permutations([...axes.slice(0, k), ...axes.slice(k + 1)]).map((rest) => [a, ...rest]));
}
