// The backward pass of a tiled loss (src/ir/tile.ts), derived by the compiler (src/grad) as
// the untiled loss's is, so that the tiled gradients keep its conventions: the "double where"
// that gives 0 where a select discards a non-finite branch, ties of a max split equally. Two
// programs, each with its backward pass:
// - the block: its numerator, differentiated with respect to the values it is given (the
//   rows entries slice, the values computed once, the loss's real inputs it reads itself);
// - once: the values computed once per call, as one scalar Σ sum(value · seed) whose
//   gradient with respect to the loss's real inputs is the vector-Jacobian product with the
//   seeds (the blocks' summed gradients of those values).
// A pure function of the plan; src/lower/tile.ts lowers both.

import { deriveBackward } from '../grad/derive.js';
import { IrBuilder } from '../ir/graph.js';
import type { TilePlan } from '../ir/tile.js';
import type { Axis, IrBackward, IrFunction, IrInput, IrNode, NodeId } from '../ir/types.js';
import { optimizeFunction } from '../opt/index.js';
import { reachable } from '../ir/walk.js';

/** A value the block is given and differentiated with respect to. */
export interface BlockWrt {
  /** Its name in the block program's inputs (a loss input's own name, or `%`-prefixed). */
  readonly name: string;
  readonly node: NodeId;
  /** Its axes in the block form (an entry's carry the block's row dim). */
  readonly axes: readonly Axis[];
  /** A loss input read by the block itself, a value computed once, or the rows of one (an entry). */
  readonly kind: 'input' | 'once' | 'entry';
  /** For an entry: the value computed once that it is the rows of. */
  readonly full?: NodeId;
}

export interface TileBackward {
  /**
   * The block program with its backward pass (`gradients.output`), simplified by the optimizer
   * (a contraction's gradient a matMul, not a broadcast product). Its inputs, by name: the loss
   * inputs it reads itself (their own names), each entry's rows (`%rows<id>`), each value
   * computed once (`%once<id>`), ids as in the plan's block form.
   */
  readonly block: IrFunction;
  readonly blockPass: IrBackward;
  readonly wrt: readonly BlockWrt[];
  /** The values computed once with their backward nodes; absent when none is real. */
  readonly once?: {
    readonly fn: IrFunction;
    readonly pass: IrBackward;
    /** The seed input of each real value computed once (by its id in `plan.once.values`). */
    readonly seeds: ReadonlyMap<NodeId, NodeId>;
  };
}

/**
 * `nodes` with those `roots` do not need made inert (same ids): the builder hash-conses new
 * nodes against all it holds, and the loss's own nodes outside the block form (its untiled
 * backward pass) have the row axis at its full dim, where the block's has the block's.
 */
function only(nodes: readonly IrNode[], roots: readonly NodeId[]): IrNode[] {
  const live = reachable(nodes, roots);
  return nodes.map((n) => (live.has(n.id) ? n : { id: n.id, op: 'input', args: [], attrs: { name: `%unused${n.id}` }, type: n.type }));
}

// By loss: its plan is a function of it (src/ir/tile.ts), and the evaluator lowers a loss on every call.
const cache = new WeakMap<IrFunction, TileBackward>();

/** The backward programs of a tiled loss `fn` planned as `plan` (`analyzeTiling(fn)`'s). */
export function tileBackward(fn: IrFunction, plan: TilePlan): TileBackward {
  const known = cache.get(fn);
  if (known) return known;
  const { block } = plan;
  const onceIds = new Set(plan.once.values);
  const typeOf = (id: NodeId): IrNode['type'] => block.nodes[id]!.type;
  const leaves: { name: string; elem: IrInput['elem']; node: NodeId }[] = [];
  const wrt: BlockWrt[] = [];
  for (const input of fn.inputs) {
    const n = block.nodes[input.node]!;
    // A loss input the block still reads as itself (not cut into rows, not replaced).
    if (n.op !== 'input' || n.attrs.name !== input.name) continue;
    leaves.push({ name: input.name, elem: input.elem, node: input.node });
    if (input.elem === 'real') wrt.push({ name: input.name, node: input.node, axes: n.type.axes, kind: 'input' });
  }
  for (const id of plan.once.values) {
    const n = block.nodes[id]!;
    if (n.type.dtype !== 'real' || n.attrs.name !== `once %${id}`) continue;
    leaves.push({ name: `%once${id}`, elem: 'real', node: id });
    wrt.push({ name: `%once${id}`, node: id, axes: n.type.axes, kind: 'once' });
  }
  for (const e of plan.entries) {
    const t = typeOf(e.id);
    leaves.push({ name: `%rows${e.id}`, elem: t.dtype, node: e.id });
    if (t.dtype === 'real' && e.full !== undefined && onceIds.has(e.full)) wrt.push({ name: `%rows${e.id}`, node: e.id, axes: t.axes, kind: 'entry', full: e.full });
  }
  const blockFn: IrFunction = { ...block, nodes: only(block.nodes, [block.output]), inputs: leaves.map((l) => ({ ...l, axes: typeOf(l.node).axes })) };
  const b = new IrBuilder(blockFn.nodes);
  const output = deriveBackward(blockFn, b, block.output, '%dblock');
  const optimized = optimizeFunction({ ...blockFn, nodes: [...b.nodes], gradients: { output } }).fn;
  const result: TileBackward = { block: optimized, blockPass: optimized.gradients!.output, wrt, ...onceBackward(fn, plan) };
  cache.set(fn, result);
  return result;
}

function onceBackward(fn: IrFunction, plan: TilePlan): Pick<TileBackward, 'once'> {
  const nodes = plan.once.nodes;
  const real = plan.once.values.flatMap((value, k) => (nodes[plan.once.at[k]!]!.type.dtype === 'real' ? [{ value, id: plan.once.at[k]! }] : []));
  if (real.length === 0) return {};
  const b = new IrBuilder(only(nodes, plan.once.at));
  const seeds = new Map<NodeId, NodeId>();
  const terms = real.map(({ value, id }) => {
    const t = nodes[id]!.type;
    const seed = b.input(`%donce${value}`, t, nodes[id]!.span);
    seeds.set(value, seed);
    const product = b.op('mul', [id, seed]);
    return t.axes.length === 0 ? product : b.op('sum', [product], { axes: t.axes.map((a) => a.name) });
  });
  const root = terms.slice(1).reduce((acc, t) => b.op('add', [acc, t]), terms[0]!);
  // A loss input cut into rows is read here through its full copy.
  const copyOf = new Map([...plan.inputCopies].map(([copy, input]) => [input, copy] as const));
  const inputs = fn.inputs.filter((i) => i.elem === 'real').map((i) => ({ ...i, node: copyOf.get(i.node) ?? i.node }));
  const onceFn: IrFunction = { ...plan.block, nodes, inputs, output: root };
  const pass = deriveBackward(onceFn, b, root, '%dloss');
  return { once: { fn: { ...onceFn, nodes: [...b.nodes] }, pass, seeds } };
}
