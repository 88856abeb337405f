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
// pairwise ones): otherwise the loss is left untiled, with the reason.

import { unionAxes, withoutAxes } from './axes.js';
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
  /** The function restricted to a block: its output is the block's numerator (a sum). */
  readonly block: IrFunction;
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

/** Whether the loss tiles over one of its outer reduction's axes, and its block form. */
export function analyzeTiling(fn: IrFunction): TileAnalysis {
  if ((fn.functions ?? []).length > 0) return { reason: 'it has function parameters' };
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
  splitTies(nodes, fn.output);
  const operand = fn.nodes[out.args[0]!]!;
  const reduced = inBlock(operand.type.axes.filter((a) => (out.attrs.axes ?? []).includes(a.name)));
  const maskId = out.args[1];
  const block: IrFunction = { ...fn, nodes, gradients: undefined, reduction: undefined, name: `${fn.name} (a block of rows ${i})` };
  const perRow = largestPerRow(pairwise.map((n) => n.type.axes.filter((a) => a.name !== i).map((a) => a.dim)));
  const empty = out.op === 'mean' ? (out.attrs.empty ?? (maskId === undefined ? 0 : NaN)) : 0;
  return {
    plan: {
      axis,
      blockDim,
      block,
      entries,
      kind: out.op as 'mean' | 'sum',
      ...(maskId !== undefined ? { mask: maskId } : {}),
      reduced,
      inputCopies,
      empty,
      perRow,
    },
  };
}

/**
 * The block is differentiated by tfjs, whose gradient of a max or min reduction gives the whole
 * of dy to every element tied for it (k ties, k times the gradient); the compiler's derived
 * gradient splits it equally among them (derivatives.ts), as the untiled loss does. Each max
 * and min reduction becomes that split, in ops tfjs differentiates as the compiler does:
 * m = detach(max x); tie = (x == m) [and the mask]; Σ select(tie, x, 0) · tie / #ties, or m
 * where nothing is tied (an empty selection: its value, gradient 0).
 */
function splitTies(nodes: IrNode[], output: NodeId): void {
  const add = (node: Omit<IrNode, 'id'>): NodeId => {
    nodes.push({ ...node, id: nodes.length });
    return nodes.length - 1;
  };
  for (const n of postorder(nodes, [output])) {
    if (n.op !== 'max' && n.op !== 'min') continue;
    const axes = n.attrs.axes ?? [];
    const x = nodes[n.args[0]!]!;
    if (x.type.dtype !== 'real') continue;
    const mask = n.args[1] === undefined ? undefined : nodes[n.args[1]]!;
    const span = n.span ? { span: n.span } : {};
    const real = (ax: readonly Axis[]) => ({ dtype: 'real' as const, axes: ax });
    const bool = (ax: readonly Axis[]) => ({ dtype: 'bool' as const, axes: ax });
    const whole = add({ op: n.op, args: n.args, attrs: n.attrs, type: n.type, ...span });
    const m = add({ op: 'detach', args: [whole], attrs: {}, type: n.type, ...span });
    const eq = add({ op: 'eq', args: [x.id, m], attrs: {}, type: bool(x.type.axes), ...span });
    const tAxes = mask ? unionAxes(x.type.axes, mask.type.axes) : x.type.axes;
    const tie = mask ? add({ op: 'and', args: [eq, mask.id], attrs: {}, type: bool(tAxes), ...span }) : eq;
    const ties = add({ op: 'to_real', args: [tie], attrs: {}, type: real(tAxes), ...span });
    const kept = withoutAxes(tAxes, axes);
    const count = add({ op: 'sum', args: [ties], attrs: { axes }, type: real(kept), ...span });
    const one = add({ op: 'const', args: [], attrs: { value: 1 }, type: real([]), ...span });
    const zero = add({ op: 'const', args: [], attrs: { value: 0 }, type: real([]), ...span });
    const atLeastOne = add({ op: 'maximum', args: [count, one], attrs: {}, type: real(kept), ...span });
    const share = add({ op: 'div', args: [ties, atLeastOne], attrs: {}, type: real(tAxes), ...span });
    const picked = add({ op: 'select', args: [tie, x.id, zero], attrs: {}, type: real(tAxes), ...span });
    const weighted = add({ op: 'mul', args: [picked, share], attrs: {}, type: real(tAxes), ...span });
    const split = add({ op: 'sum', args: [weighted], attrs: { axes }, type: real(kept), ...span });
    const any = add({ op: 'any', args: [tie], attrs: { axes }, type: bool(kept), ...span });
    nodes[n.id] = { id: n.id, op: 'select', args: [any, split, m], attrs: {}, type: n.type, ...span };
  }
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
  ];
}
