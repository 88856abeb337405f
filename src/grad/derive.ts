// Reverse-mode differentiation of the IR: the engine that applies the derivative table
// (derivatives.ts). It walks the nodes from a root back to the inputs in reverse topological
// order, sums the shares each node receives, and builds each operand's share as IR in the
// same hash-consing builder as the forward nodes, so the backward graph reads forward values
// (the intermediates a backend must keep) instead of recomputing them.

import { IrBuilder } from '../ir/graph.js';
import { REST, type Axis, type IrBackward, type IrFunction, type IrNode, type NodeId } from '../ir/types.js';
import { instantiate, type Bindings } from '../opt/match.js';
import { parseTerm, termVars, type Term } from '../opt/pattern.js';
import { DERIVATIVES, type DerivativeCondition, type DerivativeRow } from './derivatives.js';

interface CompiledRow {
  readonly when: DerivativeCondition;
  readonly term: Term;
  readonly vars: ReadonlySet<string>;
  /** The term is the constant 0: the operand gets no gradient through this op. */
  readonly zero: boolean;
}

/** Rows by op, then by operand, in table order. */
export type DerivativeRows = ReadonlyMap<string, ReadonlyMap<number, readonly CompiledRow[]>>;

export function compileDerivatives(table: readonly DerivativeRow[]): DerivativeRows {
  const byOp = new Map<string, Map<number, CompiledRow[]>>();
  for (const [op, operand, when, text] of table) {
    const term = parseTerm(text);
    const ops = byOp.get(op) ?? new Map<number, CompiledRow[]>();
    const zero = term.kind === 'num' && term.value === 0;
    ops.set(operand, [...(ops.get(operand) ?? []), { when, term, vars: termVars(term), zero }]);
    byOp.set(op, ops);
  }
  return byOp;
}

const ROWS = compileDerivatives(DERIVATIVES);

/** Why a loss cannot be differentiated by the compiler (its backends then use tfjs autodiff). */
export class NotDifferentiable extends Error {
  override name = 'NotDifferentiable';
}

/** The real tensor inputs: what gradients are taken with respect to. */
export function differentiableInputs(fn: IrFunction): IrFunction['inputs'] {
  return fn.inputs.filter((i) => i.elem === 'real');
}

/** The rows of `op` for operand `k`; a missing row is a hole in the table, never "no gradient". */
function rowsOf(fn: IrFunction, rows: DerivativeRows, node: IrNode, k: number): readonly CompiledRow[] {
  const found = rows.get(node.op)?.get(k);
  if (!found || found.length === 0) {
    throw new Error(`internal: ${fn.name}: the derivative of ${node.op} with respect to its operand ${k} is not in src/grad/derivatives.ts`);
  }
  return found;
}

/**
 * Nodes a gradient can reach from an input: real nodes with a reached operand (or a real
 * input) whose derivative is not 0.
 */
function carriers(fn: IrFunction, nodes: readonly IrNode[], rows: DerivativeRows): Set<NodeId> {
  const wrt = new Set(differentiableInputs(fn).map((i) => i.node));
  const out = new Set<NodeId>();
  for (const n of nodes) {
    if (wrt.has(n.id)) out.add(n.id);
    else if (n.type.dtype === 'real' && n.args.some((a, k) => out.has(a) && rowsOf(fn, rows, n, k).some((r) => !r.zero))) out.add(n.id);
  }
  return out;
}

/**
 * Builds, in `b` (which holds `fn`'s nodes), the gradient of `root` with respect to every real
 * input, seeded by a new input node `seedName` of the root's type. Throws NotDifferentiable
 * for what the IR cannot express (a function parameter's derivative).
 */
export function deriveBackward(fn: IrFunction, b: IrBuilder, root: NodeId, seedName: string, rows: DerivativeRows = ROWS): IrBackward {
  const call = b.nodes.slice(0, root + 1).find((n) => n.op === 'apply');
  if (call) throw new NotDifferentiable(`${fn.name}: the derivative of function parameter '${call.attrs.name}' is not known to the compiler`);
  const rootNode = b.node(root);
  const seed = b.input(seedName, { dtype: 'real', axes: rootNode.type.axes }, rootNode.span);
  const carries = carriers(fn, b.nodes.slice(0, root + 1), rows);
  const shares = new Map<NodeId, NodeId[]>();
  if (carries.has(root)) shares.set(root, [seed]);

  for (let id = root; id >= 0; id--) {
    const parts = shares.get(id);
    if (!parts || !carries.has(id)) continue;
    const node = b.node(id);
    const g = parts.reduce((acc, p) => b.op('add', [acc, p], {}, node.span));
    node.args.forEach((arg, k) => {
      if (!carries.has(arg)) return;
      const row = rowsOf(fn, rows, node, k).find((r) => holds(r.when, node, k, g, b, carries));
      if (!row) throw new Error(`internal: ${fn.name}: no row of the derivative of ${node.op} (operand ${k}) holds at %${node.id}`);
      if (row.zero) return;
      const env = bindings(fn, b, node, g, row.vars);
      const share = unbroadcast(b, node, arg, instantiate(row.term, env, b, node.span));
      const shareNode = b.node(share);
      if (shareNode.op === 'const' && shareNode.attrs.value === 0) return;
      shares.set(arg, [...(shares.get(arg) ?? []), share]);
    });
  }

  const grads = differentiableInputs(fn).flatMap((input) => {
    const parts = shares.get(input.node);
    if (!parts) return [];
    const node = parts.reduce((acc, p) => b.op('add', [acc, p]));
    return [{ input: input.name, node }];
  });
  return { root, seed, grads };
}

/**
 * The share of an operand the forward pass broadcast along some axes (a bias [D] added to
 * [N, D]): summed along those the share has, and multiplied by the size of those it is the
 * same along (it lacks them), since every copy received it.
 */
function unbroadcast(b: IrBuilder, node: IrNode, arg: NodeId, share: NodeId): NodeId {
  const own = new Set(b.type(arg).axes.map((a) => a.name));
  const has = new Set(b.type(share).axes.map((a) => a.name));
  const extra = b.type(share).axes.filter((a) => !own.has(a.name)).map((a) => a.name);
  let out = extra.length > 0 ? b.op('sum', [share], { axes: extra }, node.span) : share;
  const layout = new Map<string, Axis>();
  // The layout the op lines its operands up in (a rename's result axes are not broadcast ones).
  for (const a of node.args.flatMap((x) => b.type(x).axes)) layout.set(a.name, a);
  for (const axis of layout.values()) {
    if (own.has(axis.name) || has.has(axis.name)) continue;
    const size = b.op('to_real', [b.size(axis.name === REST ? REST : axis.dim)]);
    out = b.op('mul', [out, size], {}, node.span);
  }
  return out;
}

function holds(when: DerivativeCondition, node: IrNode, operand: number, g: NodeId, b: IrBuilder, carries: ReadonlySet<NodeId>): boolean {
  switch (when) {
    case '':
      return true;
    case 'masked':
      return node.args.length > 1;
    case 'unmasked':
      return node.args.length === 1;
    case 'alone':
      return node.args.every((a, k) => k === operand || !carries.has(a));
    case 'full-g':
      return b.type(g).axes.some((a) => a.name === node.attrs.axis);
    case 'partial-g':
      return !b.type(g).axes.some((a) => a.name === node.attrs.axis);
  }
}

/** The variables of the table for `node` (see derivatives.ts); costly ones only when used. */
function bindings(fn: IrFunction, b: IrBuilder, node: IrNode, g: NodeId, used: ReadonlySet<string>): Bindings {
  const [first, second, third] = node.args;
  const nodes: Record<string, NodeId> = { g, y: node.id };
  switch (node.op) {
    case 'select':
      Object.assign(nodes, { c: first, a: second, b: third });
      break;
    case 'gather':
      Object.assign(nodes, { x: first, t: second });
      break;
    default:
      Object.assign(nodes, second === undefined ? { x: first } : node.args.length === 2 && isReduce(node) ? { x: first, m: second } : { a: first, b: second });
  }
  const axisOf = (name: string): Axis => {
    const axis = b.type(first!).axes.find((a) => a.name === name);
    if (!axis) throw new Error(`internal: ${fn.name}: %${node.id} works along ${name}, which its operand lacks`);
    return axis;
  };
  if (used.has('i')) nodes.i = b.iota(axisOf(node.attrs.axis!), node.span);
  if (used.has('k')) {
    const index = node.attrs.index!;
    nodes.k = index >= 0 ? b.constant(index, 'int') : b.op('add', [b.size(axisOf(node.attrs.axis!).dim), b.constant(index, 'int')]);
  }
  if (used.has('n')) nodes.n = count(b, node, node.op === 'log_softmax' ? [node.attrs.axis!] : (node.attrs.axes ?? []));
  if (node.op === 'gather' && b.type(second!).axes.some((a) => a.name === node.attrs.axis)) {
    throw new NotDifferentiable(`${fn.name}: the class indices of a gather have an axis named like the gathered one (${node.attrs.axis})`);
  }
  const attrs: Record<string, IrNode['attrs']> = { r: node.attrs };
  if (node.op === 'rename') attrs.inv = { from: node.attrs.to!, to: node.attrs.from! };
  return { nodes, attrs };
}

const isReduce = (n: IrNode): boolean => ['sum', 'mean', 'max', 'min', 'prod', 'logsumexp', 'any', 'all'].includes(n.op);

/**
 * How many elements of the operand (and mask) layout each result element of `node` covers
 * along `axes`: the selected ones under a mask (times the sizes of reduced axes the mask is
 * broadcast along), else the product of the axes' sizes.
 */
function count(b: IrBuilder, node: IrNode, axes: readonly string[]): NodeId {
  const layout = new Map<string, Axis>();
  for (const a of node.args.flatMap((x) => b.type(x).axes)) layout.set(a.name, a);
  const mask = node.args.length > 1 && isReduce(node) ? node.args[1]! : undefined;
  const maskAxes = new Set(mask === undefined ? [] : b.type(mask).axes.map((a) => a.name));
  const factors: NodeId[] = [];
  const inMask = axes.filter((a) => maskAxes.has(a));
  if (mask !== undefined) factors.push(b.op('sum', [b.op('to_real', [mask])], { axes: inMask }));
  for (const name of axes) {
    if (maskAxes.has(name)) continue;
    const axis = layout.get(name);
    if (!axis) continue;
    factors.push(b.op('to_real', [b.size(axis.name === REST ? REST : axis.dim)]));
  }
  if (factors.length === 0) return b.constant(1);
  return factors.reduce((acc, f) => b.op('mul', [acc, f]));
}
