import { REST, type Axis, type IrFunction, type NodeId } from './types.js';

/**
 * The axes of an elementwise result: the rest axis first (if any operand has it), then every
 * named axis in order of first appearance. Operands line up by axis name, never by position.
 */
export function unionAxes(...lists: readonly (readonly Axis[])[]): Axis[] {
  const out: Axis[] = [];
  const seen = new Map<string, Axis>();
  const hasRest = lists.some((l) => l.some((a) => a.name === REST));
  if (hasRest) {
    const rest = lists.flat().find((a) => a.name === REST)!;
    out.push(rest);
    seen.set(REST, rest);
  }
  for (const list of lists) {
    for (const axis of list) {
      const prior = seen.get(axis.name);
      if (prior) {
        if (prior.dim !== axis.dim) {
          throw new Error(`internal: axis ${axis.name} has dims ${prior.dim} and ${axis.dim}`);
        }
        continue;
      }
      seen.set(axis.name, axis);
      out.push(axis);
    }
  }
  return out;
}

export function withoutAxes(axes: readonly Axis[], removed: readonly string[]): Axis[] {
  return axes.filter((a) => !removed.includes(a.name));
}

export function axisNames(axes: readonly Axis[]): string[] {
  return axes.map((a) => a.name);
}

export function formatAxes(axes: readonly Axis[]): string {
  return axes.map((a) => (a.name === a.dim || a.name === REST ? a.name : `${a.name}:${a.dim}`)).join(', ');
}

/**
 * How to bring an operand with axes `from` into the layout `to` (a superset, by name):
 * `perm` reorders the operand's own axes into the order they have in `to`, and `shape`
 * gives, for each axis of `to`, the operand's position in the permuted tensor or -1 where
 * the operand is broadcast (size 1). Backends use it to transpose then reshape.
 */
export function alignment(
  from: readonly Axis[],
  to: readonly Axis[],
): { perm: number[]; isIdentity: boolean; broadcastAt: number[] } {
  const order = to.map((a) => from.findIndex((f) => f.name === a.name)).filter((i) => i >= 0);
  if (order.length !== from.length) {
    throw new Error(`internal: cannot align [${axisNames(from)}] to [${axisNames(to)}]`);
  }
  const broadcastAt: number[] = [];
  to.forEach((a, i) => {
    if (!from.some((f) => f.name === a.name)) broadcastAt.push(i);
  });
  const isIdentity = order.every((v, i) => v === i);
  return { perm: order, isIdentity, broadcastAt };
}

/**
 * The canonical order of axes: the rest axis first; then by dimension, in the order the dims
 * come in `dimOrder` (a loss's: the order they first appear in its parameters, then the dims
 * the loss makes); an axis named like its dim before the copies of that dim that index
 * variables make, which come in alphabetical order of their names. A loss's result and
 * per-sample losses are laid out this way, whatever order the formula produces them in.
 */
export function canonicalAxes(axes: readonly Axis[], dimOrder: readonly string[]): Axis[] {
  const rank = (a: Axis): number => {
    const k = dimOrder.indexOf(a.dim);
    return k >= 0 ? k : dimOrder.length;
  };
  return [...axes].sort((a, b) => {
    if (a.name === REST || b.name === REST) return a.name === REST ? -1 : 1;
    const byDim = rank(a) - rank(b) || (rank(a) === dimOrder.length ? compare(a.dim, b.dim) : 0);
    if (byDim !== 0) return byDim;
    const copyA = a.name === a.dim ? 0 : 1;
    const copyB = b.name === b.dim ? 0 : 1;
    return copyA - copyB || compare(a.name, b.name);
  });
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The axes of node `id` of `fn` in the order callers see them (`fn.layout`), else its own. */
export function boundaryAxes(fn: IrFunction, id: NodeId): Axis[] {
  const axes = fn.nodes[id]!.type.axes;
  const order = id === fn.output ? fn.layout?.output : id === fn.reduction?.perSample ? fn.layout?.perSample : undefined;
  if (!order) return [...axes];
  const at = (a: Axis): number => {
    const k = order.indexOf(a.name);
    return k >= 0 ? k : order.length;
  };
  return [...axes].sort((a, b) => at(a) - at(b));
}

/**
 * The axes of the argument of `apply` node `id` in the order its function parameter declares
 * them (`features: fn([N, C, H, W]) -> ...`): the function is called on a tensor laid out so.
 */
export function applyArgumentAxes(fn: IrFunction, id: NodeId): Axis[] {
  const node = fn.nodes[id]!;
  const param = fn.functions?.find((f) => f.name === node.attrs.name);
  const axes = fn.nodes[node.args[0]!]!.type.axes;
  if (!param) return [...axes];
  return param.param.map((p) => axes.find((a) => a.dim === p.dim)!);
}

/** What `...` stands for in a declared shape, for docs: leading dims, or dims where it stands. */
export function restNote(axes: readonly Axis[]): string {
  const at = axes.findIndex((a) => a.name === REST);
  if (at < 0) return '';
  if (at === 0) return " ('...' = any leading dimensions)";
  return ` ('...' = any number of dimensions${at === axes.length - 1 ? ' at the end' : ` after ${axes[at - 1]!.dim}`}, the same in every input)`;
}
