// Reverse-mode differentiation of the IR: the engine that applies the derivative table
// (derivatives.ts). It walks the nodes from a root back to the inputs in reverse topological
// order, sums the shares each node receives, and builds each operand's share as IR in the
// same hash-consing builder as the forward nodes, so the backward graph reads forward values
// (the intermediates a backend must keep) instead of recomputing them.

import { IrBuilder } from '../ir/graph.js';
import { OPS, type OpName } from '../ir/ops.js';
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
  /** The term reduces along an axis (a value at one position reads g at others). */
  readonly reduces: boolean;
}

/** Rows by op, then by operand, in table order. */
export type DerivativeRows = ReadonlyMap<string, ReadonlyMap<number, readonly CompiledRow[]>>;

export function compileDerivatives(table: readonly DerivativeRow[]): DerivativeRows {
  const byOp = new Map<string, Map<number, CompiledRow[]>>();
  for (const [op, operand, when, text] of table) {
    const term = parseTerm(text);
    const ops = byOp.get(op) ?? new Map<number, CompiledRow[]>();
    const zero = term.kind === 'num' && term.value === 0;
    // A contraction's share is summed over the other side's free axes (by unbroadcast): g is
    // cleaned before, at the result's size, not the product's.
    const reduces = OPS[op].kind === 'contract' || termOps(term).some((o) => OPS[o].kind === 'reduce' || OPS[o].kind === 'axis');
    ops.set(operand, [...(ops.get(operand) ?? []), { when, term, vars: termVars(term), zero, reduces }]);
    byOp.set(op, ops);
  }
  return byOp;
}

/** Ops finite wherever their operands are (leaves: inputs, positions, sizes, finite constants). */
const FINITE_OPS = new Set<string>([
  'input', 'iota', 'size', 'neg', 'abs', 'sign', 'square', 'sigmoid', 'tanh', 'erf', 'atan', 'sin', 'cos', 'asinh', 'atan2', 'relu', 'floor', 'not', 'to_real',
  'detach', 'add', 'sub', 'mul', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'and', 'or', 'select', 'max', 'min',
  'any', 'all', 'softmax', 'gather', 'rename', 'pick', 'flatten', 'unflatten', 'sum', 'mean', 'log_sigmoid', 'softplus',
  'sort', 'unsort', 'cumsum',
]);

const ROWS = compileDerivatives(DERIVATIVES);

function termOps(t: Term): OpName[] {
  return t.kind === 'op' ? [t.op, ...t.args.flatMap(termOps)] : [];
}

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
 * A share of a node's gradient. `guard`, when present, is a bool node where the share may be
 * non-zero: outside it the true share is exactly 0 (the branch a select discards, what a mask
 * leaves out, the classes a gather does not pick, the side of a max against a constant that
 * loses). Its axes are among the share's. `dirty`: outside the guard the share as computed may
 * be non-finite rather than 0, because a local derivative read a value of the discarded part
 * (0 · (1/0) = NaN for the log in `if p > 0 then log(p) else 0`). A dirty share is made clean
 * by a select on its guard before it meets a share with another guard, is summed along an
 * axis, or becomes an input's gradient: the "double where", made by the compiler.
 */
interface Share {
  readonly node: NodeId;
  readonly guard?: NodeId;
  readonly dirty: boolean;
}

/**
 * Builds, in `b` (which holds `fn`'s nodes), the gradient of `root` with respect to every real
 * input, seeded by a new input node `seedName` of the root's type. Throws NotDifferentiable
 * for what the IR cannot express (a function parameter's derivative).
 */
export function deriveBackward(fn: IrFunction, b: IrBuilder, root: NodeId, seedName: string, rows: DerivativeRows = ROWS): IrBackward {
  const call = b.nodes.slice(0, root + 1).find((n) => n.op === 'apply');
  if (call) throw new NotDifferentiable(`${fn.name}: the derivative of function parameter '${call.attrs.name}' is not known to the compiler`);
  // A ragged list's elements are computed one at a time (src/ir/ragged.ts): tfjs's autodiff differentiates them.
  const ragged = fn.inputs.find((i) => i.ragged);
  if (ragged) throw new NotDifferentiable(`${fn.name}: the ragged list '${ragged.name}' is computed one element at a time, differentiated by tfjs's autodiff`);
  const rootNode = b.node(root);
  const seed = b.input(seedName, { dtype: 'real', axes: rootNode.type.axes }, rootNode.span);
  const carries = carriers(fn, b.nodes.slice(0, root + 1), rows);
  const shares = new Map<NodeId, Share[]>();
  if (carries.has(root)) shares.set(root, [{ node: seed, dirty: false }]);
  const finite = finiteness(fn, b);

  for (let id = root; id >= 0; id--) {
    const parts = shares.get(id);
    if (!parts || !carries.has(id)) continue;
    const node = b.node(id);
    const incoming = merge(b, parts, node.span);
    node.args.forEach((arg, k) => {
      if (!carries.has(arg)) return;
      const row = rowsOf(fn, rows, node, k).find((r) => holds(r.when, node, k, incoming.node, b, carries));
      if (!row) throw new Error(`internal: ${fn.name}: no row of the derivative of ${node.op} (operand ${k}) holds at %${node.id}`);
      if (row.zero) return;
      // A row that sums g along an axis would spread a non-finite part of g to every position.
      const g = incoming.dirty && row.reduces ? clean(b, incoming, node.span) : incoming;
      const env = bindings(fn, b, node, g.node, row.vars);
      const raw = instantiate(row.term, env, b, node.span);
      if (b.node(raw).op === 'const' && b.node(raw).attrs.value === 0) return;
      const passed = g.guard === undefined ? undefined : passGuard(b, node, g.guard);
      const own = ownGuard(row.term, env, b, node.span);
      const guard = passed === undefined ? own : own === undefined ? passed : b.op('and', [passed, own], {}, node.span);
      // Outside the incoming guard g is 0, so the share is 0 unless the row reads a value that
      // can be non-finite there (where the own guard is false, the row's select gives 0 itself).
      const dirty = passed !== undefined && (g.dirty || !finite.share(raw, g.node));
      const share = unbroadcast(b, node, arg, { node: raw, ...(guard !== undefined ? { guard } : {}), dirty });
      if (b.node(share.node).op === 'const' && b.node(share.node).attrs.value === 0) return;
      shares.set(arg, [...(shares.get(arg) ?? []), share]);
    });
  }

  const grads = differentiableInputs(fn).flatMap((input) => {
    const parts = shares.get(input.node);
    if (!parts) return [];
    const merged = merge(b, parts);
    return [{ input: input.name, node: merged.dirty ? clean(b, merged).node : merged.node }];
  });
  return { root, seed, grads };
}

/** The sum of a node's shares: one guard when they share it, else each clean and the guards' union. */
function merge(b: IrBuilder, parts: readonly Share[], span?: IrNode['span']): Share {
  if (parts.length === 1) return parts[0]!;
  const guard = parts[0]!.guard;
  if (guard !== undefined && parts.every((p) => p.guard === guard)) {
    return { node: parts.map((p) => p.node).reduce((acc, p) => b.op('add', [acc, p], {}, span)), guard, dirty: parts.some((p) => p.dirty) };
  }
  const node = parts.map((p) => (p.dirty ? clean(b, p, span) : p).node).reduce((acc, p) => b.op('add', [acc, p], {}, span));
  const guards = parts.every((p) => p.guard !== undefined) ? [...new Set(parts.map((p) => p.guard!))] : [];
  return guards.length === 0 ? { node, dirty: false } : { node, guard: guards.reduce((acc, x) => b.op('or', [acc, x], {}, span)), dirty: false };
}

/** The share, exactly 0 outside its guard. */
function clean(b: IrBuilder, s: Share, span?: IrNode['span']): Share {
  if (!s.dirty || s.guard === undefined) return { ...s, dirty: false };
  return { node: b.op('select', [s.guard, s.node, b.constant(0)], {}, span), guard: s.guard, dirty: false };
}

/** Where the operand's share can be non-zero, given where the node's gradient can be. */
function passGuard(b: IrBuilder, node: IrNode, guard: NodeId): NodeId | undefined {
  switch (OPS[node.op].kind) {
    case 'axis':
      // softmax mixes the positions along its axis: one position reached reaches them all.
      return anyAlong(b, guard, [node.attrs.axis!]);
    case 'reshape':
      // Where a merged position can be reached, the positions it came from can.
      if (node.op === 'flatten') return b.op('unflatten', [guard], inverseReshape(node));
      if (node.op === 'unflatten') return b.op('flatten', [guard], inverseReshape(node));
      if (node.op !== 'rename' || !b.type(guard).axes.some((a) => a.name === node.attrs.to)) return guard;
      return b.op('rename', [guard], { from: node.attrs.to!, to: node.attrs.from! });
    default:
      return guard;
  }
}

/**
 * The condition a row's term applies itself: `(select C X 0)` is 0 outside C, `(select C 0 X)`
 * inside it, `(mul X (to_real C))` outside C (a gather's one-hot mask).
 */
function ownGuard(term: Term, env: Bindings, b: IrBuilder, span?: IrNode['span']): NodeId | undefined {
  if (term.kind !== 'op') return undefined;
  const isZero = (t: Term | undefined): boolean => t?.kind === 'num' && t.value === 0;
  const [first, second, third] = term.args;
  if (term.op === 'select' && isZero(third)) return instantiate(first!, env, b, span);
  if (term.op === 'select' && isZero(second)) return b.op('not', [instantiate(first!, env, b, span)], {}, span);
  if (term.op === 'mul' && second?.kind === 'op' && second.op === 'to_real' && b.type(instantiate(second.args[0]!, env, b, span)).dtype === 'bool') {
    return instantiate(second.args[0]!, env, b, span);
  }
  return undefined;
}

/** Some element along `axes` is true: a guard for a value that is the same along them. */
function anyAlong(b: IrBuilder, guard: NodeId, axes: readonly string[]): NodeId | undefined {
  const along = b.type(guard).axes.filter((a) => axes.includes(a.name)).map((a) => a.name);
  if (along.length === 0) return guard;
  const g = b.node(guard);
  // eq(positions, class index) along the gathered axis holds somewhere: indices are checked
  // to lie in range before anything runs.
  const [p, q] = g.args.map((a) => b.node(a));
  const picked = (pos: IrNode | undefined, at: IrNode | undefined): boolean => pos?.op === 'iota' && pos.attrs.axis === along[0] && (at?.op === 'input' || at?.op === 'const');
  if (g.op === 'eq' && along.length === 1 && (picked(p, q) || picked(q, p))) return undefined;
  return b.op('any', [guard], { axes: along });
}

/**
 * The share of an operand the forward pass broadcast along some axes (a bias [D] added to
 * [N, D]): summed along those the share has, and multiplied by the size of those it is the
 * same along (it lacks them), since every copy received it. A dirty share is cleaned before
 * the sum; the guard keeps only axes the result has.
 */
function unbroadcast(b: IrBuilder, node: IrNode, arg: NodeId, share: Share): Share {
  const own = new Set(b.type(arg).axes.map((a) => a.name));
  const has = new Set(b.type(share.node).axes.map((a) => a.name));
  const extra = b.type(share.node).axes.filter((a) => !own.has(a.name)).map((a) => a.name);
  const guardOutside = share.guard !== undefined && b.type(share.guard).axes.some((a) => !own.has(a.name));
  const summed = extra.length > 0 || guardOutside ? clean(b, share, node.span) : share;
  let out = extra.length > 0 ? b.op('sum', [summed.node], { axes: extra }, node.span) : share.node;
  const layout = new Map<string, Axis>();
  // The layout the op lines its operands up in (a rename's result axes are not broadcast ones).
  for (const a of node.args.flatMap((x) => b.type(x).axes)) layout.set(a.name, a);
  for (const axis of layout.values()) {
    if (own.has(axis.name) || has.has(axis.name)) continue;
    const size = b.op('to_real', [b.size(axis.name === REST ? REST : axis.dim)]);
    out = b.op('mul', [out, size], {}, node.span);
  }
  if (summed.guard === undefined) return { node: out, dirty: false };
  const kept = new Set(b.type(out).axes.map((a) => a.name));
  const guard = anyAlong(b, summed.guard, b.type(summed.guard).axes.filter((a) => !kept.has(a.name)).map((a) => a.name));
  return guard === undefined ? { node: out, dirty: false } : { node: out, guard, dirty: summed.dirty };
}

/**
 * Whether a value is finite wherever the inputs are (and `g`, the gradient reaching the node,
 * is): so that a guarded share is cleaned only where it has to be. A product with a finite
 * value is 0 where g is; a division by a hyperparameter whose domain excludes 0 is finite; a
 * log, a sqrt, an exp or a division by a value that can be 0 may not be.
 */
function finiteness(fn: IrFunction, b: IrBuilder): { share(share: NodeId, g: NodeId): boolean } {
  const hypers = new Map(fn.hypers.map((h) => [h.node, h.domain]));
  const memo = new Map<NodeId, boolean>();
  /** Finite and > 0: a positive constant, a hyperparameter declared so, a max with one. */
  const positive = (id: NodeId): boolean => {
    const n = b.node(id);
    switch (n.op) {
      case 'const':
        return n.attrs.value! > 0 && Number.isFinite(n.attrs.value);
      case 'input': {
        const d = hypers.get(id);
        if (!d) return false;
        const lo = d.kind === 'set' ? Math.min(...(d.values ?? [])) : (d.lo ?? -Infinity);
        const hi = d.kind === 'set' ? Math.max(...(d.values ?? [])) : (d.hi ?? Infinity);
        return (lo > 0 || (lo === 0 && d.kind === 'interval' && d.loClosed === false)) && Number.isFinite(hi);
      }
      case 'maximum':
        return n.args.some(positive) && n.args.every(finite);
      case 'mul':
      case 'add':
        return n.args.every(positive);
      case 'sqrt':
      case 'square':
        return positive(n.args[0]!);
      default:
        return false;
    }
  };
  const finite = (id: NodeId): boolean => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    memo.set(id, false);
    const n = b.node(id);
    let ok: boolean;
    if (n.op === 'const') ok = Number.isFinite(n.attrs.value);
    else if (n.op === 'div') ok = finite(n.args[0]!) && positive(n.args[1]!);
    else if (n.op === 'sqrt' || n.op === 'log') ok = positive(n.args[0]!);
    else ok = FINITE_OPS.has(n.op) && n.args.every(finite);
    memo.set(id, ok);
    return ok;
  };
  return {
    share: (share, g) => {
      memo.set(g, true);
      const ok = finite(share);
      memo.delete(g);
      return ok;
    },
  };
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
  if (used.has('s')) {
    const axis = axisOf(node.attrs.axis!);
    const at = b.iota(axis, node.span);
    const reached = node.attrs.reverse === true ? b.op('add', [at, b.constant(1, 'int')]) : b.op('sub', [b.size(axis.name === REST ? REST : axis.dim), at]);
    nodes.s = b.op('to_real', [reached]);
  }
  if (used.has('n')) nodes.n = count(b, node, node.op === 'log_softmax' ? [node.attrs.axis!] : (node.attrs.axes ?? []));
  if (node.op === 'gather' && b.type(second!).axes.some((a) => a.name === node.attrs.axis)) {
    throw new NotDifferentiable(`${fn.name}: the class indices of a gather have an axis named like the gathered one (${node.attrs.axis})`);
  }
  const attrs: Record<string, IrNode['attrs']> = { r: node.attrs };
  if (node.op === 'rename') attrs.inv = { from: node.attrs.to!, to: node.attrs.from! };
  if (node.op === 'flatten' || node.op === 'unflatten') attrs.inv = inverseReshape(node);
  if (node.op === 'cumsum') attrs.rev = { axis: node.attrs.axis!, ...(node.attrs.reverse === true ? {} : { reverse: true }) };
  return { nodes, attrs };
}

/** The attributes of the op undoing a flatten or unflatten (each names both sides). */
function inverseReshape(node: IrNode): IrNode['attrs'] {
  const { axes, dims, dim } = node.attrs;
  return node.op === 'flatten' ? { axis: node.attrs.to!, axes: axes!, dims: dims!, dim: dim! } : { axes: axes!, dims: dims!, to: node.attrs.axis!, dim: dim! };
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
