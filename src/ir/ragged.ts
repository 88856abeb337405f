// Ragged lists (`preds: list[K] of ragged [B, C, ...]`): elements whose '...' dims differ
// (predictions at several resolutions) cannot be stacked, so a loss over one is split in two.
// What the body computes from one element (the values with the element's '...' dims, and what
// is computed from those per element: the reductions that remove the dims) is computed for
// each element on its own, with the list axis taken out of its type; the rest of the loss reads
// those per-element values ("cuts", without '...' dims) stacked along the list axis. The loss's
// own '...' dims (a target at full resolution) reach an element only through
// `resize(y, like: preds[k])`; values along the list axis not computed from the list (a [K]
// input of weights, a constant per k) reach element k as their slice at k ("sliced"). Anything
// else is a problem, named with the node that has it.

import { REST, type IrFunction, type IrInput, type IrNode, type NodeId } from './types.js';
import { postorder } from './walk.js';

export interface RaggedSplit {
  /** The ragged list input. */
  readonly input: IrInput;
  /** The dim of its length (K), the list axis. */
  readonly listDim: string;
  /** The nodes computed once per element: the list's own node, resizes, what depends on them up to the cuts. */
  readonly perElement: ReadonlySet<NodeId>;
  /** Per-element nodes without '...' dims that the rest of the loss reads: stacked along the list axis. */
  readonly cuts: readonly NodeId[];
  /** `resize(y, like: preds[k])` nodes: y (their first operand) is computed once, outside. */
  readonly resizes: readonly NodeId[];
  /** Values along the list axis not computed from the list, read per element: computed once, outside, element k given their slice at k. */
  readonly sliced: readonly NodeId[];
  /** The loss with the per-element nodes' list axis (and the list input's) taken out of their types. */
  readonly element: IrFunction;
}

export interface RaggedProblem {
  /** Where: the node (its span), or the input. */
  readonly node: NodeId;
  readonly why: string;
}

const hasRest = (n: IrNode): boolean => n.type.axes.some((a) => a.name === REST);

/** The roots a loss's value is computed from: the output, and its per-sample losses and mask. */
export function rootsOf(fn: IrFunction): NodeId[] {
  const r = fn.reduction;
  return [fn.output, ...(r ? [r.perSample, ...(r.mask !== undefined ? [r.mask] : [])] : [])];
}

/**
 * The split of a loss with a ragged list, or the problems that prevent it; undefined for a
 * loss with neither a ragged list nor a resize.
 */
export function splitRagged(fn: IrFunction): RaggedSplit | { readonly problems: readonly RaggedProblem[] } | undefined {
  const order = postorder(fn.nodes, rootsOf(fn));
  const resizeNodes = order.filter((n) => n.op === 'resize');
  const ragged = fn.inputs.filter((i) => i.ragged);
  if (ragged.length === 0) {
    if (resizeNodes.length === 0) return undefined;
    return { problems: resizeNodes.map((n) => ({ node: n.id, why: "resize brings a tensor to the '...' dims of an element of a ragged list (like: preds[k] of preds: list[K] of ragged [B, C, ...]), and this loss has no ragged list; inputs of one loss share their '...' dims" })) };
  }
  const problems: RaggedProblem[] = [];
  if (ragged.length > 1) {
    // What to write instead: the second list at the loss's own resolution, resized to each element.
    const first = ragged[0]!.name;
    for (const extra of ragged.slice(1)) {
      const shape = `[${extra.axes.slice(1).map((x) => x.dim).join(', ')}]`;
      problems.push({ node: extra.node, why: `a loss takes one ragged list, and '${first}' is one already: take '${extra.name}' at the loss's own '...' dims (${extra.name}: ${shape}) and bring it to each element's with resize(${extra.name}, like: ${first}[k]), or make its values part of ${first}'s elements (a channel of each)` });
    }
    return { problems };
  }
  const input = ragged[0]!;
  const listDim = input.axes[0]!.dim;
  const name = input.name;
  const perElement = new Set<NodeId>();
  // Nodes outside that depend on a per-element one (a value computed from every element).
  const fromAll = new Set<NodeId>();
  const sliced = new Set<NodeId>();
  const say = (node: NodeId, why: string): void => {
    if (!problems.some((p) => p.node === node)) problems.push({ node, why });
  };
  for (const node of order) {
    if (node.id === input.node) {
      perElement.add(node.id);
      continue;
    }
    if (node.op === 'resize') {
      const [src, like] = node.args as [NodeId, NodeId];
      const likeNode = fn.nodes[like]!;
      if (!perElement.has(like) || !hasRest(likeNode)) {
        say(node.id, `resize(…, like: z) brings a tensor to the '...' dims of an element of the ragged list '${name}': z must be one (${name}[k], or a value computed from it that keeps its '...' dims)`);
      } else if (perElement.has(src) || fromAll.has(src)) {
        say(node.id, `its first argument is computed from the ragged list '${name}' itself: resize brings the loss's other tensors (a target at full resolution) to an element's size`);
      } else if (!hasRest(fn.nodes[src]!)) {
        say(node.id, "its first argument has no '...' dims to resize");
      } else if (likeNode.type.axes.some((a) => a.dim !== listDim && !fn.nodes[src]!.type.axes.some((s) => s.name === a.name))) {
        say(node.id, `z has axes the resized tensor lacks (z's are [${likeNode.type.axes.map((a) => a.name).join(', ')}]): resize takes only the size of z's '...' dims`);
      }
      perElement.add(node.id);
      continue;
    }
    // Per element: what reads an element's '...' dims, or a per-element value beside its own
    // '...' dims; what reads only per-element values without them (cuts) reads them stacked.
    const elementShaped = (a: NodeId): boolean => perElement.has(a) && hasRest(fn.nodes[a]!);
    const inner = node.args.some(elementShaped) || (hasRest(node) && node.args.some((a) => perElement.has(a)));
    if (!inner) {
      if (node.args.some((a) => fromAll.has(a))) fromAll.add(node.id);
      continue;
    }
    perElement.add(node.id);
    const listAxes = node.type.axes.filter((a) => a.dim === listDim).length;
    if (listAxes === 0) {
      say(node.id, `it combines elements of the ragged list '${name}' (a reduction over its axis, or an element picked by position), whose '...' dims differ: compute a value per element without those dims first (l[k] = f(${name}[k], ...)), then combine those`);
      continue;
    }
    if (listAxes > 1) {
      say(node.id, `it pairs elements of the ragged list '${name}' with values along another axis of ${listDim}: an element is read only with its own position k`);
      continue;
    }
    for (const a of node.args) {
      if (perElement.has(a)) continue;
      const arg = fn.nodes[a]!;
      if (fromAll.has(a)) say(node.id, `it reads, per element of the ragged list '${name}', a value computed from all of its elements: compute the per-element values first, and combine them after`);
      else if (hasRest(arg) && hasRest(node)) say(node.id, `it reads a value with the loss's own '...' dims beside an element of the ragged list '${name}', whose '...' dims are its own: bring it to the element's size first, resize(y, like: ${name}[k])`);
      else if (arg.type.axes.filter((x) => x.dim === listDim).length === 1 && !hasRest(arg)) sliced.add(a);
      else if (arg.type.axes.some((x) => x.dim === listDim)) say(node.id, `it reads a value along the list axis ${listDim} that is not computed from the ragged list '${name}' and has '...' dims or the list axis twice: per element, read such values only without that axis (weigh the per-element results afterwards)`);
    }
  }
  const roots = new Set(rootsOf(fn));
  for (const r of problems.length > 0 ? [] : roots) {
    if (perElement.has(r) && hasRest(fn.nodes[r]!)) say(r, `the loss's result keeps the '...' dims of the elements of the ragged list '${name}', which differ between them: reduce them per element`);
  }
  if (problems.length > 0) return { problems };
  const readOutside = new Set<NodeId>();
  for (const node of order) if (!perElement.has(node.id)) for (const a of node.args) readOutside.add(a);
  const cuts = order.filter((n) => perElement.has(n.id) && (readOutside.has(n.id) || roots.has(n.id))).map((n) => n.id);
  for (const c of cuts) {
    if (hasRest(fn.nodes[c]!)) return { problems: [{ node: c, why: `a value with the '...' dims of an element of the ragged list '${name}' is read outside the per-element part` }] };
  }
  const drop = <T extends { readonly dim: string }>(axes: readonly T[]): T[] => axes.filter((a) => a.dim !== listDim);
  const element: IrFunction = {
    ...fn,
    inputs: fn.inputs.map((i) => (i === input ? { ...i, axes: i.axes.slice(1) } : i)),
    nodes: fn.nodes.map((n) => (perElement.has(n.id) || sliced.has(n.id) ? { ...n, type: { ...n.type, axes: drop(n.type.axes) } } : n)),
  };
  return { input, listDim, perElement, cuts, resizes: resizeNodes.map((n) => n.id), sliced: [...sliced], element };
}

/** The split of a loss that has a ragged list; an internal error when it has problems (the checker reports them). */
export function raggedSplitOf(fn: IrFunction): RaggedSplit | undefined {
  const split = splitRagged(fn);
  if (split && 'problems' in split) throw new Error(`internal: ${fn.name}: the ragged list cannot be split: ${split.problems.map((p) => `%${p.node}: ${p.why}`).join('; ')}`);
  return split;
}

/** The position along the list axis of cut `id`'s value: where its list axis stands among its axes. */
export function listAxisAt(fn: IrFunction, split: RaggedSplit, id: NodeId): number {
  return fn.nodes[id]!.type.axes.findIndex((a) => a.dim === split.listDim);
}

/** The resize modes, torch's names; the first is the default (MONAI's DeepSupervisionLoss uses it). */
export const RESIZE_MODES = ['nearest-exact', 'nearest'] as const;
