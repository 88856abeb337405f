import { REST, type Axis } from './types.js';

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
