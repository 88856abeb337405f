// Matching a rule's pattern against the IR and building its replacement. Commutative ops
// match their operands in either order; a variable seen twice must be the same node.

import type { IrBuilder } from '../ir/graph.js';
import { OPS, type OpName } from '../ir/ops.js';
import type { Attrs, IrNode, NodeId } from '../ir/types.js';
import { foldConstant } from './fold.js';
import { axesDifference, type Term } from './pattern.js';
import type { Span } from '../diagnostics/span.js';

export interface Bindings {
  readonly nodes: Readonly<Record<string, NodeId>>;
  readonly attrs: Readonly<Record<string, Attrs>>;
}

export const EMPTY_BINDINGS: Bindings = { nodes: {}, attrs: {} };

/** Ops whose two operands may be swapped without changing any value: patterns match either order. */
export const COMMUTATIVE: ReadonlySet<OpName> = new Set(['add', 'mul', 'maximum', 'minimum', 'eq', 'ne', 'and', 'or']);
/**
 * Those whose gradient is symmetric too, so a rewrite may build them either way round (tfjs's
 * maximum gives a tie's gradient to its first operand).
 */
export const SYMMETRIC: ReadonlySet<OpName> = new Set(['add', 'mul', 'eq', 'ne', 'and', 'or']);

const sameAttrs = (a: Attrs, b: Attrs): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Every way `term` matches node `id` extending `env` (usually none or one). */
export function matchTerm(term: Term, id: NodeId, node: (id: NodeId) => IrNode, env: Bindings): Bindings[] {
  const n = node(id);
  switch (term.kind) {
    case 'var': {
      const bound = env.nodes[term.name];
      if (bound !== undefined) return bound === id ? [env] : [];
      return [{ ...env, nodes: { ...env.nodes, [term.name]: id } }];
    }
    case 'num':
      return n.op === 'const' && n.attrs.value === term.value ? [env] : [];
    case 'op': {
      if (n.op !== term.op || n.args.length !== term.args.length) return [];
      let start = env;
      const name = term.attrs[0];
      if (name !== undefined) {
        const bound = env.attrs[name];
        if (bound && !sameAttrs(bound, n.attrs)) return [];
        if (!bound) start = { ...env, attrs: { ...env.attrs, [name]: n.attrs } };
      }
      const orders = COMMUTATIVE.has(n.op) && n.args[0] !== n.args[1] ? [n.args, [...n.args].reverse()] : [n.args];
      return orders.flatMap((args) =>
        term.args.reduce<Bindings[]>((envs, sub, i) => envs.flatMap((e) => matchTerm(sub, args[i]!, node, e)), [start]),
      );
    }
  }
}

/** The attributes a replacement node gets from the bound ones, converted to the op's kind. */
function replacementAttrs(op: OpName, names: readonly string[], env: Bindings, operandAxes: readonly string[], b: IrBuilder, masked = false): Attrs {
  if (names.length === 0) return {};
  const axesOfVar = (v: string): readonly string[] => {
    const id = env.nodes[v];
    if (id === undefined) throw new Error(`internal: rule uses ?${v}, which its pattern does not bind`);
    return b.type(id).axes.map((a) => a.name);
  };
  const bound = names.map((n): Attrs => {
    const difference = axesDifference(n);
    if (difference) {
      const lacking = new Set(axesOfVar(difference[1]));
      return { axes: axesOfVar(difference[0]).filter((x) => !lacking.has(x)) };
    }
    const a = env.attrs[n];
    if (!a) throw new Error(`internal: rule uses attributes '${n}' that its pattern does not bind`);
    return a;
  });
  const kind = OPS[op].kind;
  const axesOf = (a: Attrs): readonly string[] => a.axes ?? (a.axis !== undefined ? [a.axis] : []);
  if (kind === 'reduce') {
    // Merged reductions list their axes in the operand's order, so equal ones hash-cons.
    const all = [...new Set(bound.flatMap(axesOf))];
    const rank = (x: string): number => (operandAxes.includes(x) ? operandAxes.indexOf(x) : operandAxes.length);
    // A masked reduction rebuilt from one bound reduction keeps its value where nothing is selected.
    const empty = masked && op === 'mean' && names.length === 1 && bound[0]!.empty !== undefined ? { empty: bound[0]!.empty } : {};
    return { axes: names.length > 1 ? all.sort((x, y) => rank(x) - rank(y)) : all, ...empty };
  }
  // sort, unsort and cumsum keep their direction: the attributes bound are theirs whole.
  if (kind === 'axis') return op === 'softmax' || op === 'log_softmax' ? { axis: axesOf(bound[0]!)[0]! } : bound[0]!;
  return bound[0]!;
}

/**
 * Builds `term` with its variables replaced by their bindings. Its root gets `span` (the
 * source of the expression rewritten, whose value it has); the nodes inside it get none, so
 * that no message quotes that source for a part of it (findings on them are placed at the
 * root). Operations on constants are folded as they are built, unless `fold` is false (to
 * show the term as written: `log(2)`). `swap` puts the operands of commutative ops the other
 * way round (another axis order).
 */
export function instantiate(term: Term, env: Bindings, b: IrBuilder, span: Span | undefined, swap = false, fold = true): NodeId {
  switch (term.kind) {
    case 'var': {
      const id = env.nodes[term.name];
      if (id === undefined) throw new Error(`internal: rule uses ?${term.name}, which its pattern does not bind`);
      return id;
    }
    case 'num':
      return b.constant(term.value, 'real', span);
    case 'op': {
      const built0 = term.args.map((t) => instantiate(t, env, b, undefined, swap, fold));
      const args = swap && SYMMETRIC.has(term.op) ? built0.reverse() : built0;
      const operandAxes = args[0] === undefined ? [] : b.type(args[0]).axes.map((a) => a.name);
      const attrs = replacementAttrs(term.op, term.attrs, env, operandAxes, b, args.length === 2);
      const id = b.op(term.op, args, attrs, span);
      if (!fold) return id;
      const built = b.node(id);
      const value = foldConstant(built, args.map((a) => constValue(b.node(a))));
      return value === undefined ? id : b.constant(value, built.type.dtype, span);
    }
  }
}

export function constValue(node: IrNode): number | undefined {
  return node.op === 'const' ? node.attrs.value : undefined;
}
