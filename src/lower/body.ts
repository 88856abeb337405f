// Lowers the live IR nodes of one loss (or of one pass of its gradient) to TensorFlow.js
// calls, one local per node in topological order. The per-op part is the table of
// op-rules.ts; this engine does what every op shares: reading operands in the dtype an op
// needs, lining them up by axis name (layout.ts), cutting bool and int results off tfjs's
// gradient tape, and broadcasting where tfjs's own gradients would not.

import { BUILTINS } from '../check/builtins.js';
import { unionAxes } from '../ir/axes.js';
import { emptyValue, type DType } from '../ir/ops.js';
import { REST, type Axis, type IrFunction, type IrNode, type NodeId } from '../ir/types.js';
import { memoized } from '../ir/memo.js';
import { postorder } from '../ir/walk.js';
import { spread, type Interp, type Kernel } from './interp.js';
import { needsTranspose, planContraction } from './contract-plan.js';
import { planValueLayouts } from './value-layout.js';
import { isRest, named, physOf, type Layout } from './layout.js';
import { OP_RULES, type ElementwiseRule, type ReduceRule } from './op-rules.js';

/**
 * What a reduction over an axis of size 0 gives when no `empty:` is written: what `where:`
 * gives when it selects nothing (the language's defaults, docs/language.md), so an empty
 * batch means the same as an empty selection.
 */
const LANGUAGE_EMPTY: ReadonlyMap<string, number> = new Map(Object.values(BUILTINS).flatMap((b) => (b.kind === 'reduce' ? [[b.op, b.emptyDefault] as const] : [])));

/**
 * Binary ops whose result changes at most in the sign of a zero when an operand's -0 is read as
 * +0 (broadcastOperand's cpu form): not div, pow or atan2, where a -0 divisor gives -inf.
 */
const SIGN_OF_ZERO_ONLY: ReadonlySet<string> = new Set(['add', 'sub', 'mul', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'and', 'or']);

export const TF_DTYPE = { real: 'float32', int: 'int32', bool: 'bool' } as const satisfies Record<DType, string>;

/** A lowered node. */
export interface Val<V> {
  readonly axes: readonly Axis[];
  readonly dtype: DType;
  /** On tfjs's gradient tape: computed from a real input without passing through `noGrad`. */
  readonly taped: boolean;
  /** The tensor, read as `as` (its own dtype when left out), made where it is read. */
  readonly read: (as?: DType) => V;
  /** A number known without a tensor (a constant, hyperparameter or size): written as a scalar where it is used. */
  readonly scalar?: boolean;
  /** One of the loss's own tensor inputs. */
  readonly isInput?: boolean;
}

export interface BodyContext<V> {
  readonly I: Interp<V>;
  readonly fn: IrFunction;
  readonly layout: Layout<V>;
  /** Tensor inputs by node: what holds them. */
  readonly inputs: ReadonlyMap<NodeId, V>;
  /** Hyperparameters by node: the validated number (a boolean for bool ones). */
  readonly hypers: ReadonlyMap<NodeId, { readonly value: V; readonly elem: DType }>;
  /** Preferred local names for some nodes (the per-sample losses, the result). */
  readonly names?: ReadonlyMap<NodeId, string>;
  /** Nodes whose value is held already: a function parameter's result, a saved tensor, a seed. */
  readonly given?: ReadonlyMap<NodeId, V>;
  /**
   * Lowered off tfjs's gradient tape (inside a tf.customGrad, forward or backward): nothing
   * is taped, so comparisons need no `noGrad` cut and broadcasts no widening.
   */
  readonly untaped?: boolean;
  /**
   * The layout a reader outside wants a root in (a gradient: its input's axes), a permutation
   * of the node's axes: a contraction computes it so directly (see contract).
   */
  readonly rootLayouts?: ReadonlyMap<NodeId, readonly Axis[]>;
  /**
   * Dispose each value after its last use (a backward pass: its tf.tidy would hold every
   * intermediate to the end, and they, not the saved values, made the call's peak memory).
   */
  readonly disposeDead?: boolean;
  /**
   * Each value computed in its own tf.tidy, so that the temporaries inside it (a select's
   * full-size zeros, a broadcast's fill) die with it rather than at the enclosing tidy's end.
   * A given value that is an expression is bound to a local first (read inside those tidies).
   */
  readonly tidyEach?: boolean;
  /**
   * Called with each node's value (in its node's layout) as soon as it is made or given, before
   * anything is freed: checkFinite's walk over a tiled loss's blocks reads each value there.
   */
  readonly onValue?: (id: NodeId, v: Val<V>) => void;
}

export interface LoweredNodes<V> {
  readonly val: (id: NodeId) => Val<V>;
  /** A float32 tensor of node `id` laid out as `to` (a superset of its axes by name), broadcast to its full shape. */
  readonly expand: (id: NodeId, to: readonly Axis[]) => V;
}

function camel(op: string): string {
  return op.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** A tensor held by `v` (a local, or a live tensor). */
function tensorVal<V>(I: Interp<V>, v: V, axes: readonly Axis[], dtype: DType, taped: boolean, isInput = false): Val<V> {
  const read = (as: DType = dtype): V => {
    if (as === dtype) return v;
    // Not tf.cast(x, 'bool'): on wasm it keeps the raw values (2, 255) in a bool tensor.
    if (as === 'bool') return I.tf('notEqual', v, I.tf('scalar', I.num(0), I.str(TF_DTYPE[dtype])));
    return I.tf('cast', v, I.str(TF_DTYPE[as]));
  };
  return { axes, dtype, taped, read, ...(isInput ? { isInput } : {}) };
}

function scalarVal<V>(axes: readonly Axis[], dtype: DType, make: (as: DType) => V): Val<V> {
  return { axes, dtype, taped: false, scalar: true, read: (as = dtype) => make(as) };
}

/** `tf.scalar(value)` in the given dtype. */
export function scalarOf<V>(I: Interp<V>, value: V, dtype: DType): V {
  return dtype === 'real' ? I.tf('scalar', value) : I.tf('scalar', value, I.str(TF_DTYPE[dtype]));
}

/** A constant as a scalar of `dtype`. */
export function constantOf<V>(I: Interp<V>, value: number, dtype: DType): V {
  if (dtype === 'bool') return I.tf('scalar', I.bool(value !== 0), I.str('bool'));
  if (dtype === 'int') return I.tf('scalar', I.num(Math.trunc(value)), I.str('int32'));
  return I.tf('scalar', I.num(value));
}

/**
 * `eq(iota(A), t)` nodes with an int tensor `t` lacking axis A, by node, the index tensor and
 * the axis: `asNumbers`, those every user of which is a `to_real` among `order`; `asMasks`,
 * the others (read as conditions: a gather's backward selects under them).
 */
function oneHotMasks(fn: IrFunction, order: readonly IrNode[]): { asNumbers: Map<NodeId, { index: NodeId; axis: Axis }>; asMasks: Map<NodeId, { index: NodeId; axis: Axis }> } {
  const inOrder = new Set(order.map((n) => n.id));
  const users = new Map<NodeId, IrNode[]>();
  for (const n of order) for (const a of new Set(n.args)) users.set(a, [...(users.get(a) ?? []), n]);
  const masks = new Map<NodeId, { index: NodeId; axis: Axis }>();
  const asMasks = new Map<NodeId, { index: NodeId; axis: Axis }>();
  for (const n of order) {
    if (n.op !== 'eq') continue;
    const [a, b] = n.args.map((id) => fn.nodes[id]!);
    const [iota, index] = a!.op === 'iota' ? [a!, b!] : b!.op === 'iota' ? [b!, a!] : [undefined, undefined];
    if (!iota || !index || index.type.dtype !== 'int' || index.op === 'const' || index.op === 'iota') continue;
    const axis = iota.type.axes[0]!;
    if (index.type.axes.some((x) => x.name === axis.name) || !inOrder.has(index.id)) continue;
    const us = users.get(n.id) ?? [];
    if (us.length > 0 && us.every((u) => u.op === 'to_real')) masks.set(n.id, { index: index.id, axis });
    else asMasks.set(n.id, { index: index.id, axis });
  }
  return { asNumbers: masks, asMasks };
}

/** The node whose tensor `id` shares: renames and reals read as reals are their operand's tensor. */
function tensorOwner(fn: IrFunction, id: NodeId): NodeId {
  const node = fn.nodes[id]!;
  if (node.op === 'rename' || (node.op === 'to_real' && fn.nodes[node.args[0]!]!.type.dtype === 'real')) return tensorOwner(fn, node.args[0]!);
  return id;
}

/**
 * For each node of `lowered` (in order), the tensors no later node reads: their owners
 * (tensorOwner), which the lowering disposes right after it. Never the roots, the given
 * tensors, inputs, or numbers (constants, sizes, hyperparameters).
 */
function deadAfter(fn: IrFunction, lowered: readonly IrNode[], uses: (n: IrNode) => readonly NodeId[], roots: readonly NodeId[], given: ReadonlyMap<NodeId, unknown>): Map<NodeId, NodeId[]> {
  const pinned = new Set(roots.map((r) => tensorOwner(fn, r)));
  const last = new Map<NodeId, NodeId>();
  for (const n of lowered) for (const a of uses(n)) last.set(tensorOwner(fn, a), n.id);
  const made = new Set(lowered.map((n) => n.id));
  const isTensor = (id: NodeId): boolean => {
    const op = fn.nodes[id]!.op;
    return op !== 'input' && op !== 'const' && op !== 'size' && !given.has(id) && made.has(id);
  };
  const dead = new Map<NodeId, NodeId[]>();
  for (const [owner, at] of last) {
    if (pinned.has(owner) || !isTensor(owner)) continue;
    dead.set(at, [...(dead.get(at) ?? []), owner]);
  }
  return dead;
}

/** What lowering `roots` of `fn` does, read from the IR alone: in which order, and how. */
interface NodePlan {
  readonly order: readonly IrNode[];
  /** Masks `positions == class index` used only as numbers, computed as one-hots (oneHotMasks). */
  readonly oneHots: ReadonlyMap<NodeId, { index: NodeId; axis: Axis }>;
  /** The same masks read as conditions: computed as one-hots too, then cast to bool. */
  readonly oneHotConditions: ReadonlyMap<NodeId, { index: NodeId; axis: Axis }>;
  /** What the roots need once the masks are one-hots. */
  readonly needed: ReadonlySet<NodeId>;
  /** The layout of each elementwise value and select that is not its node's axis order (value-layout.ts). */
  readonly placed: ReadonlyMap<NodeId, readonly Axis[]>;
  /** The tensors freed after each node (deadAfter), when values are disposed after their last use. */
  readonly dead: ReadonlyMap<NodeId, readonly NodeId[]>;
}

/**
 * The plan of lowering `roots` with the nodes of `given` held already, made once per loss and
 * per what it reads besides (the evaluator lowers a loss on every call).
 */
function nodePlan(fn: IrFunction, roots: readonly NodeId[], given: ReadonlyMap<NodeId, unknown>, rootLayouts: ReadonlyMap<NodeId, readonly Axis[]> | undefined, disposeDead: boolean): NodePlan {
  const layouts = [...(rootLayouts ?? [])].map(([id, axes]) => `${id}:${axes.map((a) => `${a.name}/${a.dim}`).join(',')}`);
  const key = `nodes ${roots.join(',')} | ${[...given.keys()].sort((a, b) => a - b).join(',')} | ${layouts.join(' ')} | ${disposeDead}`;
  return memoized(fn, key, () => {
    const order = postorder(fn.nodes, roots, new Set(given.keys()));
    // Masks `positions == class index` used only as numbers become one-hots (oneHotReal: 0.3-1
    // ms per 1M elements on wasm, against 5-70 for a broadcast comparison).
    const { asNumbers: oneHots, asMasks: oneHotConditions } = oneHotMasks(fn, order);
    const maskOf = (node: IrNode): { index: NodeId; axis: Axis } | undefined => (node.op === 'to_real' ? oneHots.get(node.args[0]!) : node.op === 'eq' ? oneHotConditions.get(node.id) : undefined);
    // What the roots need once the masks are one-hots: a mask's `iota` often nothing else.
    const needed = new Set<NodeId>();
    const need = (id: NodeId): void => {
      if (needed.has(id)) return;
      needed.add(id);
      if (given.has(id)) return;
      const node = fn.nodes[id]!;
      const mask = maskOf(node);
      for (const a of mask ? [mask.index] : node.args) need(a);
    };
    roots.forEach(need);
    const uses = (node: IrNode): readonly NodeId[] => {
      const mask = maskOf(node);
      return mask ? [mask.index] : node.args;
    };
    const wantedOf = (id: NodeId): readonly Axis[] | undefined => {
      const wanted = rootLayouts?.get(id);
      return fn.nodes[id]!.op === 'contract' && wanted && wanted.length === fn.nodes[id]!.type.axes.length ? wanted : undefined;
    };
    const lowered = order.filter((n) => needed.has(n.id) && !given.has(n.id));
    // Roots are read in their node's order (saved, returned): placing one moves its transpose there.
    const placed = planValueLayouts({ nodes: fn.nodes, order: lowered, fixed: wantedOf, pinned: new Set(roots) });
    const dead = disposeDead ? deadAfter(fn, lowered, uses, roots, given) : new Map<NodeId, NodeId[]>();
    return { order, oneHots, oneHotConditions, needed, placed, dead };
  });
}

export function lowerNodes<V>(ctx: BodyContext<V>, roots: readonly NodeId[]): LoweredNodes<V> {
  return new NodeLowering(ctx).run(roots);
}

class NodeLowering<V> {
  private readonly vals = new Map<NodeId, Val<V>>();
  private readonly I: Interp<V>;
  private readonly layout: Layout<V>;
  private readonly tape: boolean;
  /** The layout of each elementwise value and select that is not its node's axis order (value-layout.ts). */
  private placed: ReadonlyMap<NodeId, readonly Axis[]> = new Map();

  constructor(private readonly ctx: BodyContext<V>) {
    this.I = ctx.I;
    this.layout = ctx.layout;
    this.tape = ctx.untaped !== true;
  }

  run(roots: readonly NodeId[]): LoweredNodes<V> {
    const { fn } = this.ctx;
    const given = this.ctx.given ?? new Map<NodeId, V>();
    const { order, oneHots, oneHotConditions, needed, placed, dead } = nodePlan(fn, roots, given, this.ctx.rootLayouts, this.ctx.disposeDead === true);
    this.placed = placed;
    for (const node of order) {
      if (!needed.has(node.id)) continue; // a mask, computed by its to_real as a one-hot, or what only it used
      if (given.has(node.id)) {
        // Read inside each value's own tf.tidy, an expression (a list's element, a zerosLike)
        // must be a local first: generated code would compute it there, the live reading here.
        const held = given.get(node.id)!;
        const local = this.ctx.tidyEach && this.I.nameOf(held) === undefined ? this.I.let('given', held, { dropIfUnused: true }) : held;
        this.vals.set(node.id, tensorVal(this.I, local, node.type.axes, node.type.dtype, this.tape));
        this.ctx.onValue?.(node.id, this.inOwnLayout(node.id));
        continue;
      }
      const mask = node.op === 'to_real' ? oneHots.get(node.args[0]!) : node.op === 'eq' ? oneHotConditions.get(node.id) : undefined;
      if (mask) {
        this.oneHot(node, mask, order.filter((u) => needed.has(u.id) && u.args.includes(node.id)), node.op === 'eq' ? 'oneHotMask' : 'oneHotReal');
        this.ctx.onValue?.(node.id, this.inOwnLayout(node.id));
        continue;
      }
      this.lower(node);
      this.ctx.onValue?.(node.id, this.inOwnLayout(node.id));
      for (const id of dead.get(node.id) ?? []) if (!this.val(id).scalar) this.I.stmt(this.I.tf('dispose', this.val(id).read()));
    }
    return { val: (id) => this.inOwnLayout(id), expand: (id, to) => this.expand(id, to) };
  }

  /**
   * A mask `positions == t` (axis A) read as numbers: the one-hot of t, made in the layout its
   * consumers read without a transpose where some layout does (oneHotLayout), the classes
   * first for a gather's backward (onehot[C, N] · G[N, D]).
   */
  private oneHot(node: IrNode, mask: { index: NodeId; axis: Axis }, users: readonly IrNode[], helper: 'oneHotReal' | 'oneHotMask'): void {
    const { I, layout } = this;
    const t = this.val(mask.index);
    const others = node.type.axes.filter((a) => a.name !== mask.axis.name);
    const depth = layout.dim(mask.axis.dim);
    // With rest dims (first, whatever their number) the classes are put last, then aligned.
    if (node.type.axes.some(isRest)) {
      this.define(node, () => layout.align(I.helper(helper, layout.align(t.read('int'), t.axes, others).v, depth), [...others, mask.axis], node.type.axes).v, false);
      return;
    }
    const axes = this.oneHotLayout(node, others, mask.axis, users);
    const at = axes.findIndex((a) => a.name === mask.axis.name);
    const index = layout.align(t.read('int'), t.axes, others).v;
    this.define(node, () => (at === others.length ? I.helper(helper, index, depth) : I.helper(helper, index, depth, I.num(at))), false, undefined, axes);
  }

  /**
   * Where a one-hot over `others` and `axis` puts the classes: at the position that costs its
   * consumers the fewest transposes (a contraction as contract-plan.ts lays it out, an
   * elementwise op or select aligning it to its result), the node's own order on a tie.
   */
  private oneHotLayout(node: IrNode, others: readonly Axis[], axis: Axis, users: readonly IrNode[]): readonly Axis[] {
    const { fn } = this.ctx;
    const axesOf = (id: NodeId): readonly Axis[] => this.vals.get(id)?.axes ?? fn.nodes[id]!.type.axes;
    const costFor = (user: IrNode, axes: readonly Axis[]): number => {
      const kind = OP_RULES[user.op].kind;
      if (kind === 'elementwise' || kind === 'select') return Number(needsTranspose(axes, this.placed.get(user.id) ?? user.type.axes));
      if (kind !== 'contract') return 0;
      const K = user.attrs.axes ?? [];
      const [a, b] = user.args.map((id) => (id === node.id ? axes : axesOf(id))) as [readonly Axis[], readonly Axis[]];
      // As contract lowers them: an axis of K only one side has is summed out of it first.
      const kept = (v: readonly Axis[], w: readonly Axis[]): Axis[] => v.filter((q) => !K.includes(q.name) || w.some((r) => r.name === q.name));
      const wanted = this.ctx.rootLayouts?.get(user.id);
      return planContraction(kept(a, b), kept(b, a), K, wanted && wanted.length === user.type.axes.length ? wanted : user.type.axes).transposes;
    };
    const cost = (axes: readonly Axis[]): number => users.reduce((sum, u) => sum + costFor(u, axes), 0);
    let best = node.type.axes;
    for (let at = 0; at <= others.length; at++) {
      const axes = [...others.slice(0, at), axis, ...others.slice(at)];
      if (cost(axes) < cost(best)) best = axes;
    }
    return best;
  }

  /** Node `id`'s value laid out as its node's axes, for a reader outside (a saved value, a root). */
  private inOwnLayout(id: NodeId): Val<V> {
    const v = this.val(id);
    const axes = this.ctx.fn.nodes[id]!.type.axes;
    if (!needsTranspose(v.axes, axes)) return v;
    return { ...v, axes, read: (as) => this.layout.align(v.read(as), v.axes, axes).v };
  }

  private val(id: NodeId): Val<V> {
    const v = this.vals.get(id);
    if (!v) throw new Error(`internal: %${id} used before it is lowered`);
    return v;
  }

  private expand(id: NodeId, to: readonly Axis[]): V {
    const { I, layout } = this;
    const v = this.val(id);
    const aligned = layout.align(v.read('real'), v.axes, to).v;
    // Axes are a subset of `to` by name: as many axes means the same ones, so the same shape.
    // Not tf.broadcastTo: it tiles, slowly on wasm and cpu (broadcastFull).
    return v.axes.length === to.length ? aligned : I.helper('broadcastFull', aligned, layout.shape(to));
  }

  /**
   * Binds the node's value, laid out as `axes` (the node's by default), to a local; bool and int
   * results of taped operands are made off the tape.
   */
  private define(node: IrNode, make: () => V, taped: boolean, base?: string, axes: readonly Axis[] = node.type.axes): void {
    const { I } = this;
    // tfjs has no gradient for comparisons and logic: a bool or int result computed from a
    // differentiable tensor is evaluated off the tape (it has zero derivative anyway).
    const cut = (node.type.dtype !== 'real' || node.op === 'detach') && taped;
    const value = cut ? I.helper('noGrad', I.arrow([], make)) : this.ctx.tidyEach && !taped ? I.tf('tidy', I.arrow([], make)) : make();
    const name = this.ctx.names?.get(node.id) ?? base ?? `${camel(node.op)}${node.id}`;
    const v = I.let(name, value, node.op === 'iota' ? { type: 'tf.Tensor' } : {});
    this.vals.set(node.id, tensorVal(I, v, axes, node.type.dtype, taped && !cut));
  }

  /** A taped operand lacking axes of the result, broadcast to it by adding zeros (see below). */
  private widen(v: Val<V>, aligned: V, to: readonly Axis[]): V {
    const { I, layout } = this;
    // tf.where and tf.broadcastTo broadcast by tiling, whose gradient stops at rank 4, and
    // Maximum's gradient forgets to sum over broadcast dims; Add's gradient does both right.
    return v.taped && layout.partial(v.axes, to) ? I.tf('add', aligned, I.tf('fill', layout.shape(to), I.num(0))) : aligned;
  }

  /**
   * A select's branch in full: tf.where broadcasts a smaller branch by tiling, 10x slower on
   * wasm than tf.fill (a scalar 0 branch over 1M elements: 45 ms more against 1-2).
   */
  private full(id: NodeId, v: Val<V>, to: readonly Axis[], as: DType): V {
    const { I, layout } = this;
    const aligned = layout.align(v.read(as), v.axes, to).v;
    if (!layout.partial(v.axes, to)) return aligned;
    if (as === 'bool') return this.fullMask(v, to);
    const dtype = as === 'int' ? [I.str('int32')] : [];
    const node = this.ctx.fn.nodes[id]!;
    if (node.op === 'const') return I.tf('fill', layout.shape(to), I.num(node.attrs.value!), ...dtype);
    return I.helper('broadcastFull', aligned, layout.shape(to));
  }

  /**
   * A bool tensor aligned to `to`, at the full shape of `to`: wasm's Select and logical kernels
   * broadcast element by element or by tiling (a [512, 1] mask selecting in a [512, 512]
   * tensor: ~10x the same-shape select), float32 Add broadcasts natively. 0 and 1 cast to bool
   * exactly (wasm's Cast copies the values).
   */
  private fullMask(v: Val<V>, to: readonly Axis[]): V {
    return this.widenBool(this.layout.align(v.read('bool'), v.axes, to).v, v.axes, to);
  }

  /** A bool tensor over `from`, already aligned to `to`, at the full shape of `to` (see fullMask). */
  private widenBool(aligned: V, from: readonly Axis[], to: readonly Axis[]): V {
    const { I, layout } = this;
    if (!layout.partial(from, to)) return aligned;
    return I.tf('cast', I.helper('broadcastFull', I.tf('cast', aligned, I.str('float32')), layout.shape(to)), I.str('bool'));
  }

  /**
   * An operand of a binary kernel over `to`, aligned already: on cpu broadcast in full where
   * the kernel would broadcast a size-1 dim (broadcastOperand, chosen at run time).
   */
  private operand(aligned: V, v: Val<V>, to: readonly Axis[]): V {
    return v.scalar || !this.layout.partial(v.axes, to) ? aligned : this.I.helper('broadcastOperand', aligned, this.layout.shape(to));
  }

  /** `value` as a tensor of the full shape `to` (tf.fill: a kernel, where a scalar branch of tf.where tiles). */
  private filled(to: readonly Axis[], value: number | boolean, dtype: DType): V {
    const { I, layout } = this;
    if (dtype === 'bool') return I.tf('fill', layout.shape(to), I.bool(value === true), I.str('bool'));
    return I.tf('fill', layout.shape(to), I.num(Number(value)), ...(dtype === 'int' ? [I.str('int32')] : []));
  }

  /** Whether node `id` is a position (an iota, renamed): a whole number below a dim, exact in float32. */
  private isPosition(id: NodeId): boolean {
    const node = this.ctx.fn.nodes[id]!;
    return node.op === 'iota' || (node.op === 'rename' && this.isPosition(node.args[0]!));
  }

  /**
   * Broadcasting and, or of bools and eq, ne of positions (`i != j`, `w != v`) as float32
   * arithmetic, which wasm broadcasts natively, then a cast or one comparison with a scalar:
   * its logical and comparison kernels broadcast element by element, and its int32 arithmetic
   * too (LogicalAnd of [2, 2, 1, 1] and [256, 256] took 50 ms of a 225 ms info_nce call).
   * and: a·b, or: a + b - a·b, both 0 or 1; eq, ne: a - b against 0, exact for positions.
   * Otherwise (label masks: int32 values float32 cannot hold) undefined.
   */
  private broadcastLogic(node: IrNode, args: readonly Val<V>[], axes: readonly Axis[]): (() => V) | undefined {
    const { I, layout } = this;
    const { op } = node;
    const tensors = args.filter((a) => !a.scalar);
    if (tensors.length < 2 || !tensors.some((a) => layout.partial(a.axes, axes))) return undefined;
    const logic = (op === 'and' || op === 'or') && args.every((a) => a.dtype === 'bool');
    const positions = (op === 'eq' || op === 'ne') && node.args.every((id) => this.isPosition(id));
    if (!logic && !positions) return undefined;
    return () => {
      // Each operand read twice by `or`: bound once (on cpu it may be a broadcast in full).
      const read = (v: Val<V>): V => this.operand(layout.align(v.read('real'), v.axes, axes).v, v, axes);
      const [a, b] = args.map((v, k) => (op === 'or' ? I.once(`${camel(op)}${node.id}_${k}`, read(v)) : read(v))) as [V, V];
      const zero = I.tf('scalar', I.num(0));
      switch (op) {
        case 'eq':
          return I.tf('equal', I.tf('sub', a, b), zero);
        case 'ne':
          return I.tf('notEqual', I.tf('sub', a, b), zero);
        case 'and':
          return I.tf('cast', I.tf('mul', a, b), I.str('bool'));
        default:
          return I.tf('cast', I.tf('sub', I.tf('add', a, b), I.tf('mul', a, b)), I.str('bool'));
      }
    };
  }

  private lower(node: IrNode): void {
    const rule = OP_RULES[node.op];
    switch (rule.kind) {
      case 'elementwise':
        return this.elementwise(node, rule);
      case 'reduce':
        return this.reduce(node, rule);
      case 'input':
        return this.input(node);
      case 'const': {
        const value = node.attrs.value ?? 0;
        this.vals.set(node.id, scalarVal(node.type.axes, node.type.dtype, (as) => constantOf(this.I, value, as)));
        return;
      }
      case 'size':
        return this.size(node);
      case 'iota': {
        const axis = node.type.axes[0];
        if (!axis) throw new Error(`internal: iota %${node.id} has no axis`);
        const { I } = this;
        this.define(node, () => I.tf('range', I.num(0), this.layout.dim(axis.dim), I.num(1), I.str('int32')), false, `iota_${axis.name}`);
        return;
      }
      case 'rename':
        this.vals.set(node.id, this.relabelled(node));
        return;
      case 'to_real':
        return this.toReal(node);
      case 'select':
        return this.select(node);
      case 'softmax':
        return this.softmax(node);
      case 'order':
        return this.order(node);
      case 'cumsum':
        return this.cumsum(node);
      case 'gather':
        return this.gather(node);
      case 'pick':
        return this.pick(node);
      case 'flatten':
      case 'unflatten':
        return this.reshape(node);
      case 'contract':
        return this.contract(node);
      case 'apply':
        throw new Error(`internal: ${this.ctx.fn.name}: function parameter '${node.attrs.name}' must be called before the body`);
    }
  }

  /**
   * The operand's tensor under the node's axes, which name the operand's axes position by
   * position (a rename, a real read as real): the tensor's own order may differ from the
   * operand node's (a contraction laid out for its consumer).
   */
  private relabelled(node: IrNode): Val<V> {
    const x = this.val(node.args[0]!);
    const from = this.ctx.fn.nodes[node.args[0]!]!.type.axes;
    return { ...x, axes: x.axes.map((q) => node.type.axes[from.findIndex((f) => f.name === q.name)]!) };
  }

  /** The operands as their tensors are laid out (for lowerings that align them by name). */
  private args(node: IrNode): Val<V>[] {
    return node.args.map((a) => this.val(a));
  }

  /** The operands laid out as their nodes' axes (for lowerings that read dims by position). */
  private ownArgs(node: IrNode): Val<V>[] {
    return node.args.map((a) => this.inOwnLayout(a));
  }

  private input(node: IrNode): void {
    const { I } = this;
    const { dtype, axes } = node.type;
    const param = this.ctx.inputs.get(node.id);
    if (param !== undefined) {
      this.vals.set(node.id, tensorVal(I, param, axes, dtype, this.tape && dtype === 'real', true));
      return;
    }
    const hyper = this.ctx.hypers.get(node.id);
    if (!hyper) throw new Error(`internal: ${this.ctx.fn.name}: input node %${node.id} is neither an input nor a hyperparameter`);
    const asNumber = (): V => (hyper.elem === 'bool' ? I.js('number', hyper.value) : hyper.value);
    const make = (as: DType): V =>
      as === 'bool' ? I.tf('scalar', hyper.elem === 'bool' ? hyper.value : I.js('ne', hyper.value, I.num(0)), I.str('bool')) : scalarOf(I, asNumber(), as);
    this.vals.set(node.id, scalarVal(axes, dtype, make));
  }

  private size(node: IrNode): void {
    const { I, layout } = this;
    // The rest axis stands for any number of dims: its size is their product.
    const size = (): V => (node.attrs.dim === REST ? layout.restSize() : layout.dim(node.attrs.dim ?? ''));
    const make = (as: DType): V => (as === 'bool' ? I.tf('scalar', I.js('ne', size(), I.num(0)), I.str('bool')) : scalarOf(I, size(), as));
    this.vals.set(node.id, scalarVal(node.type.axes, node.type.dtype, make));
  }

  private toReal(node: IrNode): void {
    const [x] = this.args(node) as [Val<V>];
    // A constant, hyperparameter or size is written as a real scalar where it is used.
    if (x.scalar) {
      this.vals.set(node.id, scalarVal(node.type.axes, 'real', x.read));
      return;
    }
    if (x.dtype === 'real') {
      this.vals.set(node.id, this.relabelled(node));
      return;
    }
    this.define(node, () => x.read('real'), x.taped, undefined, this.relabelled(node).axes);
  }

  private elementwise(node: IrNode, rule: ElementwiseRule): void {
    const { I, layout } = this;
    const args = this.args(node);
    const { dtype } = node.type;
    const axes = this.placed.get(node.id) ?? node.type.axes;
    // Arithmetic on bools (no tfjs kernel takes them) runs in int32 and casts back.
    const logic = this.broadcastLogic(node, args, axes);
    if (logic) {
      this.define(node, logic, args.some((a) => a.taped), undefined, axes);
      return;
    }
    const viaInt = rule.operands === 'result' && dtype === 'bool';
    const operandType = (v: Val<V>): DType => {
      switch (rule.operands) {
        case 'result':
          return viaInt ? 'int' : dtype;
        case 'real':
          return 'real';
        case 'bool':
          return 'bool';
        case 'compare':
          return args.every((a) => a.dtype === args[0]!.dtype) ? v.dtype : 'real';
      }
    };
    this.define(
      node,
      () => {
        const operands = args.map((a) => {
          const aligned = layout.align(a.read(operandType(a)), a.axes, axes).v;
          if (rule.widenTaped && a.taped) return this.widen(a, aligned, axes);
          return SIGN_OF_ZERO_ONLY.has(node.op) && !a.taped ? this.operand(aligned, a, axes) : aligned;
        });
        const value = rule.lower(I, operands, viaInt ? 'int' : dtype);
        return viaInt ? I.tf('cast', value, I.str('bool')) : value;
      },
      args.some((a) => a.taped),
      undefined,
      axes,
    );
  }

  private select(node: IrNode): void {
    const { I } = this;
    const [c, a, b] = this.args(node) as [Val<V>, Val<V>, Val<V>];
    const { dtype } = node.type;
    const axes = this.placed.get(node.id) ?? node.type.axes;
    const select = (): V => I.tf('where', this.fullMask(c, axes), this.full(node.args[1]!, a, axes, dtype), this.full(node.args[2]!, b, axes, dtype));
    // Its full-shape branches and mask die with it where values are freed after their last use
    // (a backward pass's tf.tidy would hold them to its end: three [N, N] tensors per select).
    this.define(node, () => (this.ctx.disposeDead ? I.tf('tidy', I.arrow([], select)) : select()), [c, a, b].some((v) => v.taped), undefined, axes);
  }

  private softmax(node: IrNode): void {
    const { I } = this;
    const [x] = this.ownArgs(node) as [Val<V>];
    const phys = physOf(x.axes);
    const k = phys.names.indexOf(node.attrs.axis ?? '');
    if (k < 0) throw new Error(`internal: ${node.op} %${node.id} has no axis ${node.attrs.axis}`);
    if (k === phys.names.length - 1) {
      this.define(node, () => I.tf(node.op === 'softmax' ? 'softmax' : 'logSoftmax', x.read('real')), x.taped);
      return;
    }
    // tfjs softmax works on the last axis only. (x - m) - log Σ exp(x - m), as tf.logSoftmax
    // computes it: x - logsumexp(x) would cancel at large logits.
    const pos = I.num(phys.rest ? -(phys.names.length - k) : k);
    const base = `${camel(node.op)}${node.id}`;
    const xv = I.once(`${base}_x`, x.read('real'));
    const shifted = I.once(`${base}_shifted`, I.tf('sub', xv, I.helper('noGrad', I.arrow([], () => I.tf('max', xv, pos, I.bool(true))))));
    this.define(
      node,
      () => {
        const lsm = I.tf('sub', shifted, I.tf('log', I.tf('sum', I.tf('exp', shifted), pos, I.bool(true))));
        return node.op === 'softmax' ? I.tf('exp', lsm) : lsm;
      },
      x.taped,
    );
  }

  /**
   * sort and unsort: values and key laid out with the axis last, each widened to the other's
   * axes (a mask the same for every class, a gradient the same along some), then ordered line
   * by line.
   */
  private order(node: IrNode): void {
    const { I, layout } = this;
    const [v, key] = this.args(node) as [Val<V>, Val<V>];
    const all = node.type.axes;
    const along = all.find((a) => a.name === node.attrs.axis);
    if (!along || !key.axes.some((a) => a.name === along.name)) throw new Error(`internal: ${node.op} %${node.id}: its key has no axis ${node.attrs.axis}`);
    const order = [...all.filter((a) => a !== along), along];
    const full = (x: Val<V>): V => {
      const aligned = layout.align(x.read('real'), x.axes, order).v;
      return layout.partial(x.axes, order) ? I.tf('add', aligned, I.tf('fill', layout.shape(order), I.num(0))) : aligned;
    };
    this.define(
      node,
      () => I.helper('sortAlongLast', full(v), full(key), I.bool(node.attrs.descending === true), I.bool(node.op === 'unsort')),
      v.taped || key.taped,
      undefined,
      order,
    );
  }

  private cumsum(node: IrNode): void {
    const { I } = this;
    const [x] = this.args(node) as [Val<V>];
    const phys = physOf(x.axes);
    const k = phys.names.indexOf(node.attrs.axis ?? '');
    if (k < 0) throw new Error(`internal: cumsum %${node.id} has no axis ${node.attrs.axis}`);
    this.define(node, () => I.helper('cumsumAlong', x.read('real'), I.num(phys.names.length - k), I.bool(node.attrs.reverse === true)), x.taped, undefined, x.axes);
  }

  private gather(node: IrNode): void {
    const { I, layout } = this;
    const [x, idx] = this.ownArgs(node) as [Val<V>, Val<V>];
    const g = x.axes.find((a) => a.name === node.attrs.axis);
    if (!g) throw new Error(`internal: gather %${node.id}: operand has no axis ${node.attrs.axis}`);
    const axes = node.type.axes;
    // The one-hot axis gets a private name: idx may itself have an axis called like g.
    const hot: Axis = { name: '\u0000gather', dim: g.dim };
    const full = [...axes, hot];
    // Axes idx shares with x (S), idx's own (Q) and x's own (R): centers[y] on [C, D] by [N]
    // has Q = [N], R = [D]. Broadcasting both to [S, Q, R, C] first would form an N·D·C tensor.
    const has = (list: readonly Axis[], name: string): boolean => list.some((a) => a.name === name);
    const others = x.axes.filter((a) => a !== g);
    const S = idx.axes.filter((a) => has(others, a.name));
    const Q = idx.axes.filter((a) => !has(others, a.name));
    const R = others.filter((a) => !has(idx.axes, a.name));
    const rowwise = (Q.length > 0 || R.length > 0) && ![...Q, ...R].some(isRest) && (x.dtype === 'real' || (x.dtype === 'int' && this.ctx.untaped));
    // By rows, in the layout the plan chose for its consumers (value-layout.ts), else its node's order.
    const made = rowwise ? (this.placed.get(node.id) ?? axes) : axes;
    this.define(
      node,
      () => {
        if (rowwise) return this.gatherRows(x, idx, g, hot, S, Q, R, made);
        const xa = layout.align(x.read(), x.axes.map((a) => (a === g ? hot : a)), full).v;
        if (this.ctx.untaped && x.dtype !== 'bool') {
          // Off the tape (inside tf.customGrad) no gradient is needed: one flat tf.gather, 15x
          // faster on wasm than the one-hot product (whose gradient works everywhere).
          const ia = layout.align(idx.read('int'), idx.axes, axes).v;
          return I.helper('takeAlongLast', xa, ia, layout.shape(axes), layout.dim(g.dim));
        }
        // sum(x * oneHot(idx), axis): tf.gather's gradient fails on wasm, gatherND has none.
        // Not tf.oneHot: it rejects a depth below 2 (a single class), and its float32 form
        // yields denormals on wasm. idx == position along the class axis is the same one-hot.
        const oneHot = I.tf('equal', I.tf('expandDims', idx.read('int'), I.num(-1)), I.tf('range', I.num(0), layout.dim(g.dim), I.num(1), I.str('int32')));
        const typed = x.dtype === 'bool' ? oneHot : I.tf('cast', oneHot, I.str(TF_DTYPE[x.dtype]));
        const oh = layout.align(typed, [...idx.axes, hot], full).v;
        return x.dtype === 'bool' ? I.tf('any', I.tf('logicalAnd', xa, oh), I.num(-1)) : I.tf('sum', I.tf('mul', xa, oh), I.num(-1));
      },
      x.taped || idx.taped,
      undefined,
      made,
    );
  }

  /** How many elements a tensor over `axes` holds per combination of other axes: 1, a dim, or their product. */
  private count(axes: readonly Axis[]): V {
    const { I, layout } = this;
    const sizes = axes.map((a) => (isRest(a) ? layout.restSize() : layout.dim(a.dim)));
    return sizes.length === 0 ? I.num(1) : sizes.length === 1 ? sizes[0]! : I.js('product', I.list(sizes));
  }

  /**
   * x[idx] along g, as rows: x laid out [S, C, R] is a table of S·C rows of R values, and the
   * result [S, Q, R] takes row s·C + idx[s, q]. Off the tape one tf.gather of those rows; on the
   * tape the [S, Q, C] one-hot times the [S, C, R] table (a batched matMul: tf.gather's
   * gradient has no wasm kernel). Neither forms an [S, Q, R, C] tensor.
   */
  private gatherRows(x: Val<V>, idx: Val<V>, g: Axis, hot: Axis, S: readonly Axis[], Q: readonly Axis[], R: readonly Axis[], axes: readonly Axis[]): V {
    const { I, layout } = this;
    const count = (list: readonly Axis[]): V => this.count(list);
    const depth = layout.dim(g.dim);
    const order = [...S, ...Q, ...R];
    const xa = layout.align(x.read(), x.axes.map((a) => (a === g ? hot : a)), [...S, hot, ...R]).v;
    const ia = layout.align(idx.read('int'), idx.axes, [...S, ...Q]).v;
    let rows: V;
    if (this.ctx.untaped) {
      const table = I.tf('reshape', xa, I.list([S.length ? I.js('mul', count(S), depth) : depth, count(R)]));
      const at = S.length === 0 ? ia : I.tf('add', I.tf('reshape', I.tf('mul', I.tf('range', I.num(0), count(S), I.num(1), I.str('int32')), I.tf('scalar', depth, I.str('int32'))), I.list([count(S), I.num(1)])), I.tf('reshape', ia, I.list([count(S), count(Q)])));
      rows = I.tf('gather', table, I.tf('reshape', at, I.list([I.num(-1)])));
    } else {
      const oneHot = I.tf('cast', I.tf('equal', I.tf('expandDims', ia, I.num(-1)), I.tf('range', I.num(0), depth, I.num(1), I.str('int32'))), I.str(TF_DTYPE[x.dtype]));
      rows = I.tf('matMul', I.tf('reshape', oneHot, I.list([count(S), count(Q), depth])), I.tf('reshape', xa, I.list([count(S), depth, count(R)])));
    }
    return layout.align(I.tf('reshape', rows, layout.shape(order)), order, axes).v;
  }

  private pick(node: IrNode): void {
    const { I, layout } = this;
    const [x] = this.ownArgs(node) as [Val<V>];
    // A slice of size 1 then a squeeze: both have gradients on every backend.
    const phys = physOf(x.axes);
    const xNamed = named(x.axes);
    const k = phys.names.indexOf(node.attrs.axis ?? '');
    if (k < 0) throw new Error(`internal: pick %${node.id} has no axis ${node.attrs.axis}`);
    const index = node.attrs.index ?? 0;
    this.define(
      node,
      () => {
        // A negative position counts from the end, as in Python.
        const start = index >= 0 ? I.num(index) : I.js('sub', layout.dim(xNamed[k]!.dim), I.num(-index));
        const lead = phys.rest ? [spread(I.js('zeros', layout.rest()))] : [];
        const begin = I.list([...lead, ...xNamed.map((_, i) => (i === k ? start : I.num(0)))]);
        const size = I.list([...(phys.rest ? [spread(layout.rest())] : []), ...xNamed.map((a, i) => (i === k ? I.num(1) : layout.dim(a.dim)))]);
        const pos = phys.rest ? -(xNamed.length - k) : k;
        return I.tf('squeeze', I.tf('slice', x.read(), begin, size), I.list([I.num(pos)]));
      },
      x.taped,
    );
  }

  /**
   * flatten and unflatten: one tf.reshape of the operand laid out in the order of the result
   * with the merged axes spelled out (the first listed the major one), so a transpose comes
   * first only when they are not already adjacent and in that order.
   */
  private reshape(node: IrNode): void {
    const { I, layout } = this;
    const [x] = this.ownArgs(node) as [Val<V>];
    const operand = this.ctx.fn.nodes[node.args[0]!]!.type.axes;
    // An operand lacking a merged axis (a gradient the same along it) is broadcast to it first.
    const merged = (node.attrs.axes ?? []).map((name, k) => ({ name, dim: node.attrs.dims![k]! }));
    const spelled = node.op === 'flatten' ? node.type.axes.flatMap((a) => (a.name === node.attrs.to ? merged : [a])) : operand;
    // With the rest dims among the merged ones (`flatten(x, (C, ...), S)`), the tensor is seen
    // with them as one dim R, first inside, and transposed so the merged ones stand in the
    // order written: R is one block of that order, as `...` is.
    const restPart = node.attrs.axes?.includes(REST) === true;
    const whole = node.op === 'flatten' ? node.attrs.to! : node.attrs.axis!;
    const wholeAxes = named(node.op === 'flatten' ? node.type.axes : operand);
    // A gradient the same along the merged axis (of sum(flatten(x, ..., S))) is the same along
    // every axis it splits into: nothing to reshape (a clone shares the data, and is freed on
    // its own).
    if (node.op === 'unflatten' && !x.axes.some((a) => a.name === whole)) {
      this.define(node, () => I.tf('clone', x.read()), x.taped, undefined, x.axes);
      return;
    }
    const parts = wholeAxes.flatMap((a) => (a.name === whole ? merged : [a]));
    // Inside: R, then the named axes of the spelled-out side; along it: where each part stands.
    const inside = [REST, ...parts.filter((a) => a.name !== REST).map((a) => a.name)];
    const perm = parts.map((a) => inside.indexOf(a.name));
    const sizes = (names: readonly string[]): V[] => names.map((n) => (n === REST ? layout.restSize() : layout.dim(parts.find((a) => a.name === n)!.dim)));
    this.define(
      node,
      () => {
        const full = layout.partial(x.axes, spelled) ? this.full(node.args[0]!, x, spelled, x.dtype) : layout.align(x.read(), x.axes, spelled).v;
        if (!restPart || perm.every((p, k) => p === k)) return I.tf('reshape', full, layout.shape(node.type.axes));
        const nums = (ks: readonly number[]): V => I.list(ks.map((k) => I.num(k)));
        if (node.op === 'flatten') {
          const seen = I.tf('reshape', full, I.list(sizes(inside)));
          return I.tf('reshape', I.tf('transpose', seen, nums(perm)), layout.shape(node.type.axes));
        }
        // unflatten: the parts spelled out in the written order, R moved first, then the rest dims.
        const spelledOut = I.tf('reshape', full, I.list(sizes(parts.map((a) => a.name))));
        const back = inside.map((n) => parts.findIndex((a) => a.name === n));
        return I.tf('reshape', I.tf('transpose', spelledOut, nums(back)), layout.shape(node.type.axes));
      },
      x.taped,
    );
  }

  /**
   * sum(a * b) over the contracted axes K as one tf.matMul: the operands laid out as
   * [batch, rows, K] and [batch, K, columns], rank 2 without batch axes, reshaped only where a
   * group is not one axis, so no tensor with the free axes of both sides and K exists, in the
   * forward pass or in tfjs's gradient. An axis of K only one operand has is summed out of it
   * first. Which operand goes left and the order of batch and contracted axes are chosen for
   * the fewest transposes (contract-plan.ts); the result is laid out as its consumer reads it
   * when the context says (a gradient in its input's axes). Transposes are explicit: with
   * matMul's transpose flags instead, info_nce and batch_hard_triplet at N = 256 ran
   * 1.15-1.3× slower on wasm (tfjs 4.22, bench/pairwise.ts).
   */
  private contract(node: IrNode): void {
    const { I, layout } = this;
    const [a, b] = this.args(node) as [Val<V>, Val<V>];
    if ([...a.axes, ...b.axes].some(isRest)) throw new Error(`internal: contraction %${node.id} over a tensor with rest axes`);
    const K = node.attrs.axes ?? [];
    const has = (v: Val<V>, name: string): boolean => v.axes.some((x) => x.name === name);
    const only = (v: Val<V>, w: Val<V>): string[] => v.axes.filter((x) => K.includes(x.name) && !has(w, x.name)).map((x) => x.name);
    const summedOut = (v: Val<V>, names: readonly string[]): { v: V; axes: readonly Axis[] } =>
      names.length === 0 ? { v: v.read('real'), axes: v.axes } : { v: I.tf('sum', v.read('real'), layout.positions(physOf(v.axes), names)!), axes: v.axes.filter((x) => !names.includes(x.name)) };
    const x = summedOut(a, only(a, b));
    const y = summedOut(b, only(b, a));
    const wanted = this.ctx.rootLayouts?.get(node.id)?.filter((q) => node.type.axes.some((r) => r.name === q.name));
    const result = wanted && wanted.length === node.type.axes.length ? wanted : node.type.axes;
    const plan = planContraction(x.axes, y.axes, K, result);
    const [left, right] = plan.swap ? [y, x] : [x, y];
    const { batch, contracted, rows, columns } = plan;
    const count = (axes: readonly Axis[]): V => this.count(axes);
    const groups = (list: readonly (readonly Axis[])[]): readonly (readonly Axis[])[] => (batch.length === 0 ? list.slice(1) : list);
    // One axis per group is the tensor's own shape: a reshape would only add a tensor (tf.profile counts it).
    const flat = (v: V, from: readonly Axis[], order: readonly (readonly Axis[])[]): V => {
      const aligned = layout.align(v, from, order.flat()).v;
      return groups(order).every((g) => g.length === 1) ? aligned : I.tf('reshape', aligned, I.list(groups(order).map(count)));
    };
    this.define(
      node,
      () => {
        const { transposeLeft, transposeRight } = plan;
        const leftFlat = flat(left.v, left.axes, transposeLeft ? [batch, contracted, rows] : [batch, rows, contracted]);
        const rightFlat = flat(right.v, right.axes, transposeRight ? [batch, columns, contracted] : [batch, contracted, columns]);
        const product = transposeLeft || transposeRight ? I.helper('matMulT', leftFlat, rightFlat, I.bool(transposeLeft), I.bool(transposeRight)) : I.tf('matMul', leftFlat, rightFlat);
        const order = [...batch, ...rows, ...columns];
        const shaped = groups([batch, rows, columns]).every((g) => g.length === 1) ? product : I.tf('reshape', product, layout.shape(order));
        return layout.align(shaped, order, result).v;
      },
      a.taped || b.taped,
      undefined,
      result,
    );
  }

  private reduce(node: IrNode, rule: ReduceRule): void {
    const { I, layout } = this;
    const [x, mask] = this.args(node) as [Val<V>, Val<V> | undefined];
    const removed = node.attrs.axes ?? [];
    const taped = x.taped || mask?.taped === true;
    const operandType: DType = rule.operand === 'same' ? x.dtype : rule.operand;
    const reducedAxes = unionAxes(x.axes, mask?.axes ?? []).filter((a) => removed.includes(a.name));
    // The result's axes in the order the kernels leave them: the operands' (laid out for
    // their own consumers, value-layout.ts), not necessarily the node's.
    const kept = unionAxes(x.axes, mask?.axes ?? []).filter((a) => !removed.includes(a.name));
    const out = kept.length === node.type.axes.length ? kept.map((a) => node.type.axes.find((o) => o.name === a.name) ?? a) : node.type.axes;
    const define = (make: () => V): void => this.define(node, this.emptyGuarded(node, reducedAxes, make, out), taped, undefined, out);
    const along = (kernel: Kernel, e: V, pos: V | undefined, keepDims = false): V => {
      if (pos !== undefined) return keepDims ? I.tf(kernel, e, pos, I.bool(true)) : I.tf(kernel, e, pos);
      return keepDims ? I.tf(kernel, e, I.undef(), I.bool(true)) : I.tf(kernel, e);
    };
    if (!mask) {
      const pos = (): V | undefined => layout.positions(physOf(x.axes), removed);
      if (node.op === 'logsumexp') {
        const xv = I.once(`${camel(node.op)}${node.id}_x`, x.read(operandType));
        define(() => this.logsumexp(xv, x.axes, pos, out, `${camel(node.op)}${node.id}`));
        return;
      }
      // Over `...` with named axes kept: the rest dims merged into one first (layout.ts).
      define(() => {
        const xv = x.read(operandType);
        const merged = layout.restMerged(xv, physOf(x.axes), removed, named(x.axes).map((a) => a.dim));
        return merged ? along(rule.kernel, merged.v, merged.positions) : along(rule.kernel, xv, pos());
      });
      return;
    }
    const base = `${camel(node.op)}${node.id}`;
    const full = unionAxes(x.axes, mask.axes);
    const pos = (): V | undefined => layout.positions(physOf(full), removed);
    // The select's operands all at the full shape: tf.where tiles a smaller one (see fullMask).
    const xa = (): V => {
      const aligned = layout.align(x.read(operandType), x.axes, full).v;
      if (!layout.partial(x.axes, full)) return aligned;
      return operandType === 'bool' ? this.widenBool(aligned, x.axes, full) : I.helper('broadcastFull', aligned, layout.shape(full));
    };
    const m = layout.align(mask.read('bool'), mask.axes, full);
    const mv = I.once(`${base}_mask`, m.v);
    let maskFull: V | undefined;
    const mFull = (): V => (maskFull ??= layout.partial(mask.axes, full) ? I.once(`${base}_maskFull`, this.widenBool(mv, mask.axes, full)) : mv);
    const fillValue = rule.fill(operandType);
    const fill = (): V => this.filled(full, fillValue, operandType);
    const removedHere = m.phys.names.filter((n) => removed.includes(n));
    const maskRemoved = [...removedHere, ...(m.phys.rest && removed.includes(REST) ? [REST] : [])];
    // Whether the mask selects something, per result position.
    const nonEmpty = (): V => (maskRemoved.length === 0 ? mv : along('any', mv, layout.positions(m.phys, maskRemoved)));
    // Bound once where the lowering itself needs it (logsumexp), and reused by the patch below.
    let some: V | undefined;
    let make: () => V;
    switch (node.op) {
      case 'any':
        make = () => along('any', I.tf('logicalAnd', mFull(), xa()), pos());
        break;
      case 'all':
        make = () => along('all', I.tf('logicalOr', I.tf('logicalNot', mFull()), xa()), pos());
        break;
      case 'mean': {
        // The count of selected elements per result position, at least 1 so that an empty
        // selection gives 0 / 1 (a finite gradient) before the empty value is put in.
        const count = I.once(`${base}_count`, along('sum', I.tf('cast', mFull(), I.str('float32')), pos()));
        make = () => I.tf('div', along('sum', I.tf('where', mFull(), xa(), fill()), pos()), I.tf('maximum', count, I.tf('scalar', I.num(1))));
        break;
      }
      case 'logsumexp': {
        // -inf where the mask is off (exp gives 0 there). A row that selects nothing sums to 0;
        // it gets the empty value anyway, and its sum taken as 1 keeps the gradient of log
        // finite under autodiff. A row that selects only -inf gives -inf.
        const xv = I.once(`${base}_x`, I.tf('where', mFull(), xa(), fill()));
        const selected = (some = I.once(`${base}_some`, nonEmpty()));
        make = () => this.logsumexp(xv, full, pos, out, base, selected);
        break;
      }
      default:
        make = () => along(rule.kernel, I.tf('where', mFull(), xa(), fill()), pos());
    }
    const empty = emptyValue(node);
    if (rule.natural !== undefined && Object.is(empty, rule.natural)) {
      define(make);
      return;
    }
    // Where the mask selects nothing, the empty value.
    const raw = I.once(`${base}_raw`, make());
    define(() => I.tf('where', some ?? nonEmpty(), raw, this.filled(out, empty, node.type.dtype)));
  }

  /**
   * `make`, or the node's empty value where a reduced axis has size 0 at run time: tfjs-wasm
   * reduces an empty tensor to uninitialised memory (a sum of nothing gave 3.6e-41), cpu to
   * 0 or NaN. Only dims an input fixes can be 0 (a declared size cannot), so a loss over
   * declared sizes pays nothing; otherwise the price is a comparison of sizes in JavaScript.
   */
  private emptyGuarded(node: IrNode, reduced: readonly Axis[], make: () => V, out: readonly Axis[]): () => V {
    const { I, layout } = this;
    const declared = new Set(this.ctx.fn.dims.flatMap((d) => ('size' in d && d.size > 0 ? [d.dim] : [])));
    const mayBeEmpty = reduced.filter((a) => isRest(a) || !declared.has(a.dim));
    if (mayBeEmpty.length === 0) return make;
    const isEmpty = (a: Axis): V => (isRest(a) ? I.js('includes', layout.rest(), I.num(0)) : I.js('eq', layout.dim(a.dim), I.num(0)));
    const value = node.attrs.empty ?? LANGUAGE_EMPTY.get(node.op) ?? emptyValue(node);
    const dtype = node.type.dtype === 'real' ? [] : [I.str(node.type.dtype === 'int' ? 'int32' : 'bool')];
    const filler = node.type.dtype === 'real' ? value : node.type.dtype === 'int' ? Math.trunc(value) : value !== 0 ? 1 : 0;
    return () => {
      const empty = mayBeEmpty.slice(1).reduce((acc, a) => I.or(acc, () => isEmpty(a)), isEmpty(mayBeEmpty[0]!));
      return I.js('choose', empty, I.tf('fill', layout.shape(out), I.num(filler), ...dtype), make());
    };
  }

  /**
   * log Σ exp(x) along `pos`, shifted by the max (a constant: its derivative cancels), with a
   * shift of 0 where the max is ±inf, so a row of -inf gives -inf (tf.logSumExp gives NaN).
   */
  private logsumexp(x: V, xAxes: readonly Axis[], pos: () => V | undefined, axes: readonly Axis[], base: string, some?: V): V {
    const { I, layout } = this;
    const keep = (k: Kernel, e: V): V => {
      const p = pos();
      return p === undefined ? I.tf(k, e, I.undef(), I.bool(true)) : I.tf(k, e, p, I.bool(true));
    };
    const shift = I.once(`${base}_shift`, I.helper('noGrad', I.arrow([], () => {
      const m = I.once(`${base}_max`, keep('max', x));
      return I.tf('where', I.tf('isFinite', m), m, I.tf('zerosLike', m));
    })));
    const p = pos();
    // The shift keeps the reduced dims as 1s: on cpu broadcast in full first (broadcastOperand).
    const shifted = I.tf('sub', x, I.helper('broadcastOperand', shift, layout.shape(xAxes)));
    const sum = p === undefined ? I.tf('sum', I.tf('exp', shifted)) : I.tf('sum', I.tf('exp', shifted), p);
    const once = some === undefined ? sum : I.once(`${base}_sum`, sum);
    const summed = some === undefined ? sum : I.tf('where', some, once, I.tf('onesLike', once));
    return I.tf('add', I.tf('log', summed), I.tf('reshape', shift, layout.shape(axes)));
  }
}


