// Tiling a loss over blocks of rows, so that a pairwise loss at a large batch never holds its
// whole [N, N] (or [2N, 2N]) values at once. Applies when the output is a mean or sum over a
// row axis `i` of terms each of which depends on its own row of the `i`-indexed values (and
// on any number of columns): the loss is then Σ over row blocks of each block's sum, over a
// count. Found from the IR alone, never from a loss's name.
//
// The block form is the same function with every node carrying `i` restricted to one block
// of rows: its axis `i` gets a dim of its own (`blockDim`). Where `i` enters (a rename of a
// full operand to `i`, an `iota(i)`, an input indexed by `i`), the block's value is a slice
// of the full value, which the lowering gives (src/lower/tile.ts). Values that combine rows
// (a mean over `i` of the embeddings, a softmax along `i`) are computed whole from full
// copies, which is allowed only when each is no larger than an input (per-row values, not
// pairwise ones): otherwise the loss is left untiled, with the reason. What the blocks read
// that does not depend on the block is computed once before them (`once`), never per block.

import { memoized } from './memo.js';
import { postorder } from './walk.js';
import { REST, type Axis, type IrFunction, type IrNode, type NodeId } from './types.js';

/** Where `i` enters the block form: the block of rows of a full value. */
export interface BlockEntry {
  /** The node of the block form that holds the block (an `input` there, given by the lowering). */
  readonly id: NodeId;
  /** `iota(i)`: the block's positions, offset by its first row. */
  readonly iota?: true;
  /** Otherwise the node of the block form computing the full value, sliced along `i`. */
  readonly full?: NodeId;
  /** The full value's axes (`i` among them, where it is sliced). */
  readonly axes: readonly Axis[];
}

export interface TilePlan {
  /** The row axis (its name and full dim). */
  readonly axis: Axis;
  /** The dim of the row axis inside a block. */
  readonly blockDim: string;
  /**
   * The function restricted to a block: its output is the block's numerator (a sum). The
   * values computed once (`once`) are `input` nodes here, given to every block.
   */
  readonly block: IrFunction;
  /**
   * What the blocks read that does not depend on the block, computed once per call before
   * them (the normalised embeddings, column-side norms, the full values entries slice):
   * `nodes` is the block form before those became inputs (same ids), `values` the ids.
   */
  readonly once: {
    readonly nodes: readonly IrNode[];
    /** Their ids in the block form (the inputs there), and the full copies entries slice. */
    readonly values: readonly NodeId[];
    /** Where each value is computed in `nodes` (the same position as in `values`). */
    readonly at: readonly NodeId[];
  };
  readonly entries: readonly BlockEntry[];
  /** The outer reduction: a mean divides the total by the count of its terms. */
  readonly kind: 'mean' | 'sum';
  /** The outer reduction's mask, in the block form (its count is the mean's divisor). */
  readonly mask?: NodeId;
  /** Axes the outer reduction removes (dims as in the block form). */
  readonly reduced: readonly Axis[];
  /**
   * Full copies of inputs that carry the row axis (an outer reduction over an input's own
   * axis, `sum(x, N)`): the copy's id, and the input node whose value it is.
   */
  readonly inputCopies: ReadonlyMap<NodeId, NodeId>;
  /** The value where a masked mean selects nothing. */
  readonly empty: number;
  /** The block form's largest values per row, as lists of dims (one is the largest at run time). */
  readonly perRow: readonly (readonly string[])[];
  /**
   * Each node of the function that carries the row axis (but the output), and the node of the
   * block form holding its block of rows: checkFinite's diagnosis walks the blocks with these.
   */
  readonly blockNodes: ReadonlyMap<NodeId, NodeId>;
}

export type TileAnalysis = { readonly plan: TilePlan } | { readonly reason: string };

const carries = (n: IrNode, name: string): boolean => n.type.axes.some((a) => a.name === name);

/** Exponent of each dim in a tensor's element count. */
function monomial(axes: readonly Axis[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const a of axes) m.set(a.dim, (m.get(a.dim) ?? 0) + 1);
  return m;
}

const divides = (a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): boolean => [...a].every(([d, e]) => (b.get(d) ?? 0) >= e);

/** Whether the loss tiles over one of its outer reduction's axes, and its block form (made once per loss). */
export function analyzeTiling(fn: IrFunction): TileAnalysis {
  return memoized(fn, 'tiling', () => tilingOf(fn));
}

function tilingOf(fn: IrFunction): TileAnalysis {
  if ((fn.functions ?? []).length > 0) return { reason: 'it has function parameters' };
  // Its value is Σ l / Σ d, not a mean of terms a block could sum on its own.
  if (fn.reduction?.denominator !== undefined) return { reason: "its outer mean is divided by other values ('by:')" };
  const out = fn.nodes[fn.output]!;
  if ((out.op !== 'mean' && out.op !== 'sum') || out.type.axes.length !== 0) return { reason: 'its result is not a mean or sum over all axes' };
  const operand = fn.nodes[out.args[0]!]!;
  const order = postorder(fn.nodes, [fn.output]);
  if (order.some((n) => n.type.axes.some((a) => a.name === REST))) return { reason: "it has '...' axes" };
  const fixed = new Set(fn.dims.flatMap((d) => ('size' in d ? [d.dim] : [])));
  const candidates = operand.type.axes.filter((a) => (out.attrs.axes ?? []).includes(a.name) && !fixed.has(a.dim));
  if (candidates.length === 0) return { reason: 'its outer reduction has no axis of a size the inputs give' };
  let reason = '';
  for (const axis of candidates) {
    const result = planFor(fn, order, axis);
    if ('plan' in result) return result;
    reason ||= result.reason;
  }
  return { reason };
}

function planFor(fn: IrFunction, order: readonly IrNode[], axis: Axis): TileAnalysis {
  const i = axis.name;
  const out = fn.nodes[fn.output]!;
  // Sizes in the dims the inputs give (a declared size, like the 2 views of a stack, is a constant factor).
  const fixed = new Set(fn.dims.flatMap((d) => ('size' in d ? [d.dim] : [])));
  const free = (axes: readonly Axis[]): Map<string, number> => monomial(axes.filter((a) => !fixed.has(a.dim)));
  const inputSizes = fn.inputs.map((x) => free(x.axes));
  const inputSized = (n: IrNode): boolean => inputSizes.some((m) => divides(free(n.type.axes), m));
  const blocked = (id: NodeId): boolean => id !== fn.output && carries(fn.nodes[id]!, i);
  // A node with `i` whose value at a row reads other rows: computed whole, then sliced.
  const mixesRows = (n: IrNode): boolean => n.op !== 'iota' && n.attrs.axis === i;
  if (order.some((n) => n.op === 'apply')) return { reason: 'it calls a function parameter' };
  if (fn.inputs.some((x) => x.ragged)) return { reason: 'it reads a ragged list one element at a time' };

  // Blocked nodes whose full value something needs: operands of nodes that remove `i` (a
  // rename away from it, a reduction over it) and of row-mixing ones; then what those read.
  const needFull = new Set<NodeId>();
  const wantFull = (id: NodeId): void => {
    if (needFull.has(id) || !blocked(id)) return;
    needFull.add(id);
    for (const a of fn.nodes[id]!.args) wantFull(a);
  };
  for (const n of order) {
    if (n.id === fn.output) continue;
    if (!blocked(n.id) || mixesRows(n)) n.args.forEach(wantFull);
  }
  const large = [...needFull].map((id) => fn.nodes[id]!).find((n) => !inputSized(n));
  if (large) return { reason: `%${large.id} ${large.op} over ${i} is larger than every input and is combined over ${i} by a later node` };
  // Worth it only when a per-block value is larger than every input (a pairwise one).
  const pairwise = order.filter((n) => blocked(n.id) && !inputSized(n));
  if (pairwise.length === 0) return { reason: `no value over ${i} is larger than an input` };

  const blockDim = `${axis.dim}@${i}`;
  const inBlock = (axes: readonly Axis[]): Axis[] => axes.map((a) => (a.name === i ? { name: i, dim: blockDim } : a));
  const nodes: IrNode[] = [...fn.nodes];
  const fullCopy = new Map<NodeId, NodeId>();
  const inputCopies = new Map<NodeId, NodeId>();
  const copyOf = (id: NodeId): NodeId => {
    if (!blocked(id)) return id;
    const known = fullCopy.get(id);
    if (known !== undefined) return known;
    const n = fn.nodes[id]!;
    const args = n.args.map(copyOf);
    const copy: IrNode = { ...n, id: nodes.length, args };
    nodes.push(copy);
    // The input's node in the block form is its block of rows: the copy is given the whole input.
    if (n.op === 'input') inputCopies.set(copy.id, id);
    fullCopy.set(id, copy.id);
    return copy.id;
  };
  const entries: BlockEntry[] = [];
  for (const n of order) {
    if (n.id === fn.output) continue;
    if (!blocked(n.id)) {
      // Reads full values only (a rename away from `i`, a reduction over it).
      if (n.args.some(blocked)) nodes[n.id] = { ...n, args: n.args.map(copyOf) };
      continue;
    }
    if (n.args.some(blocked) && !mixesRows(n)) {
      nodes[n.id] = { ...n, type: { ...n.type, axes: inBlock(n.type.axes) } };
      continue;
    }
    // Where `i` enters: the block is given (a slice of the full value, or offset positions).
    const entry: BlockEntry = n.op === 'iota' ? { id: n.id, iota: true, axes: n.type.axes } : { id: n.id, full: copyOf(n.id), axes: n.type.axes };
    entries.push(entry);
    nodes[n.id] = { id: n.id, op: 'input', args: [], attrs: { name: `rows of %${n.id}` }, type: { ...n.type, axes: inBlock(n.type.axes) }, ...(n.span ? { span: n.span } : {}) };
  }
  // The block's numerator: the sum of its terms (masked as the outer reduction is).
  nodes[fn.output] = { ...out, op: 'sum', attrs: { axes: out.attrs.axes ?? [], empty: 0 } };
  const once = computedOnce(fn, nodes, entries, inputCopies, inputSized);
  const onceForm = inOrder(nodes, once);
  for (const id of once) nodes[id] = { ...nodes[id]!, op: 'input', args: [], attrs: { name: `once %${id}` } };
  const operand = fn.nodes[out.args[0]!]!;
  const reduced = inBlock(operand.type.axes.filter((a) => (out.attrs.axes ?? []).includes(a.name)));
  const blockForm = inOrder(nodes, [fn.output, ...out.args.slice(1)]);
  const maskId = out.args[1] === undefined ? undefined : blockForm.at(out.args[1]);
  const block: IrFunction = { ...fn, nodes: blockForm.nodes, output: blockForm.at(fn.output), gradients: undefined, reduction: undefined, name: `${fn.name} (a block of rows ${i})` };
  const perRow = largestPerRow(pairwise.map((n) => n.type.axes.filter((a) => a.name !== i).map((a) => a.dim)));
  const empty = out.op === 'mean' ? (out.attrs.empty ?? (maskId === undefined ? 0 : NaN)) : 0;
  const blockNodes = new Map(order.filter((n) => blocked(n.id)).map((n) => [n.id, blockForm.at(n.id)] as const));
  return {
    plan: {
      axis,
      blockDim,
      block,
      once: { nodes: onceForm.nodes, values: once, at: once.map(onceForm.at) },
      entries,
      kind: out.op as 'mean' | 'sum',
      ...(maskId !== undefined ? { mask: maskId } : {}),
      reduced,
      inputCopies,
      empty,
      perRow,
      blockNodes,
    },
  };
}

/**
 * The values the blocks read that are the same for every block, to compute once: the full
 * values the entries slice, and each real value no larger than an input that depends on a
 * real input and not on the block (an entry), read by the block's own computation. Larger
 * invariant values (a pairwise one without `i`) stay in the block, computed from these.
 */
function computedOnce(fn: IrFunction, nodes: readonly IrNode[], entries: readonly BlockEntry[], inputCopies: ReadonlyMap<NodeId, NodeId>, inputSized: (n: IrNode) => boolean): NodeId[] {
  const entryIds = new Set(entries.map((e) => e.id));
  const order = postorder(nodes, [fn.output], entryIds);
  const dependsOnBlock = new Set<NodeId>();
  const real = new Set(fn.inputs.filter((x) => x.elem === 'real').map((x) => x.node));
  const readsInput = new Set<NodeId>([...real, ...[...inputCopies].filter(([, input]) => real.has(input)).map(([copy]) => copy)]);
  for (const n of order) {
    if (entryIds.has(n.id) || n.args.some((a) => dependsOnBlock.has(a))) dependsOnBlock.add(n.id);
    if (n.args.some((a) => readsInput.has(a))) readsInput.add(n.id);
  }
  const once: NodeId[] = [];
  const seen = new Set<NodeId>();
  const visit = (id: NodeId): void => {
    if (seen.has(id)) return;
    seen.add(id);
    const n = nodes[id]!;
    // A rename costs nothing: what it renames is the value worth computing once.
    if (!dependsOnBlock.has(id) && n.op !== 'input' && n.op !== 'rename' && n.type.dtype === 'real' && readsInput.has(id) && inputSized(n)) {
      once.push(id);
      return;
    }
    if (!entryIds.has(id)) n.args.forEach(visit);
  };
  visit(fn.output);
  for (const e of entries) if (e.full !== undefined && !once.includes(e.full)) once.push(e.full);
  return once;
}

/**
 * `nodes` with each node reachable from `roots` after its operands (same ids where that holds
 * already): the block form points nodes at full copies made after them, and the derivation
 * of its backward pass (src/grad) walks ids in order. A node whose operands come later moves
 * to the end; `at` says where a node is now.
 */
function inOrder(nodes: readonly IrNode[], roots: readonly NodeId[]): { nodes: IrNode[]; at: (id: NodeId) => NodeId } {
  const out = [...nodes];
  const moved = new Map<NodeId, NodeId>();
  const at = (id: NodeId): NodeId => moved.get(id) ?? id;
  for (const n of postorder(nodes, roots)) {
    const args = n.args.map(at);
    if (args.every((a) => a < n.id)) {
      if (args.some((a, k) => a !== n.args[k])) out[n.id] = { ...n, args };
      continue;
    }
    moved.set(n.id, out.length);
    out.push({ ...n, id: out.length, args });
  }
  return { nodes: out, at };
}

/** The dim lists no other one is a multiple of (any of them may be the largest at run time). */
function largestPerRow(lists: readonly (readonly string[])[]): string[][] {
  const ms = lists.map((l) => ({ l: [...l], m: monomial(l.map((d) => ({ name: d, dim: d }))) }));
  const unique = ms.filter((x, k) => ms.findIndex((y) => y.l.slice().sort().join() === x.l.slice().sort().join()) === k);
  return unique.filter((x) => !unique.some((y) => y !== x && divides(x.m, y.m))).map((x) => x.l);
}

/** `lossc explain`'s lines for a loss's tiling. */
export function formatTiling(analysis: TileAnalysis): string[] {
  if ('reason' in analysis) return [`  untiled: ${analysis.reason}`];
  const { plan } = analysis;
  const per = plan.perRow.map((dims) => (dims.length ? dims.join('·') : '1')).join(' or ');
  return [
    `  tiles over rows ${plan.axis.name}:${plan.axis.dim}: a ${plan.kind} of per-row terms, computed one block of rows at a time`,
    `  peak per block: rows × ${per} (largest value per row); rows per block chosen so that stays under 16 MB (option blockRows to force)`,
    `  where ${plan.axis.name} enters: ${plan.entries.map((e) => `%${e.id}${e.iota ? ' (positions, offset)' : ' (slice)'}`).join(', ')}`,
    `  computed once per pass, before the blocks: ${plan.once.values.map((id, k) => `%${id} ${plan.once.nodes[plan.once.at[k]!]!.op}`).join(', ') || 'nothing'}`,
  ];
}
