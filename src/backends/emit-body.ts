// Lowers the live IR nodes of one loss to the statements inside its `tf.tidy`: one `const`
// per node, in topological order. Tensors carry named axes; at run time a node's tensor has
// the rest dims (`...`, if any) first, then one dim per named axis in `node.type.axes` order.
// Operands are lined up by name: transposed into the result's order, then reshaped with
// size-1 dims where they lack an axis (leading ones are left to tfjs's right-aligned
// broadcasting). Permutations are computed here; only the rest dims are known at run time.

import { unionAxes } from '../ir/axes.js';
import type { DType } from '../ir/ops.js';
import { REST, type Axis, type IrFunction, type IrNode, type NodeId } from '../ir/types.js';
import { ELEMENTWISE, REDUCE, TF_DTYPE, type ElementwiseRule, type HelperName } from './emit-ops.js';
import { numberLiteral, type Scope } from './emit-names.js';

/** A lowered node: the expression (usually a variable) holding its tensor. */
interface Val {
  readonly expr: string;
  readonly axes: readonly Axis[];
  readonly dtype: DType;
  /** On tfjs's gradient tape: computed from a real input without passing through `noGrad`. */
  readonly taped: boolean;
  /** Constants and hyperparameters re-emit themselves in another dtype instead of casting. */
  readonly retype?: (dtype: DType) => string;
}

/** The axes physically present in an aligned tensor (size-1 ones included), in order. */
interface Phys {
  readonly rest: boolean;
  readonly names: readonly string[];
}

export interface BodyContext {
  readonly fn: IrFunction;
  /** The function's scope: parameters, dims and hyperparameter locals are already claimed. */
  readonly scope: Scope;
  readonly inputVars: ReadonlyMap<NodeId, string>;
  /** Hyperparameter node → the local holding its (validated) value. */
  readonly hyperVars: ReadonlyMap<NodeId, { readonly local: string; readonly elem: DType }>;
  readonly dimVar: (dim: string) => string;
  /** The local holding the rest dims (`number[]`), when the loss has a rest axis. */
  readonly restVar: string | undefined;
  /** Preferred variable names for some nodes (the per-sample losses, the result). */
  readonly names: ReadonlyMap<NodeId, string>;
  /** Nodes whose value a local already holds (the results of function parameters). */
  readonly given?: ReadonlyMap<NodeId, string>;
  /**
   * The lines run off tfjs's gradient tape (inside a tf.customGrad, forward or backward): no
   * value is taped, so comparisons need no `noGrad` cut and broadcasts no widening.
   */
  readonly untaped?: boolean;
}

export interface LoweredBody {
  readonly lines: string[];
  readonly value: (id: NodeId) => { readonly expr: string; readonly dtype: DType; readonly isInput: boolean };
  /**
   * A float32 expression of node `id` laid out as `to` (whose axes, by name, include the
   * node's): transposed into that order and broadcast to its full shape.
   */
  readonly expand: (id: NodeId, to: readonly Axis[]) => string;
  readonly helpers: ReadonlySet<HelperName>;
}

const isRest = (a: Axis): boolean => a.name === REST;
const named = (axes: readonly Axis[]): Axis[] => axes.filter((a) => !isRest(a));
const physOf = (axes: readonly Axis[]): Phys => ({ rest: axes.some(isRest), names: named(axes).map((a) => a.name) });

function camel(op: string): string {
  return op.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

function fillLiteral(value: string, dtype: DType): string {
  return dtype === 'real' ? `tf.scalar(${value})` : `tf.scalar(${value}, '${TF_DTYPE[dtype]}')`;
}

function scalarLiteral(value: number, dtype: DType): string {
  if (dtype === 'bool') return `tf.scalar(${value !== 0}, 'bool')`;
  if (dtype === 'int') return `tf.scalar(${numberLiteral(Math.trunc(value))}, 'int32')`;
  return `tf.scalar(${numberLiteral(value)})`;
}

/** Nodes reachable from `roots`, each after its operands. */
export function topoOrder(fn: IrFunction, roots: readonly NodeId[], leaves: ReadonlySet<NodeId> = new Set()): IrNode[] {
  const done = new Set<NodeId>();
  const out: IrNode[] = [];
  // Iterative post-order: a long chain of nodes must not overflow the call stack.
  const stack: { id: NodeId; expanded: boolean }[] = [...roots].reverse().map((id) => ({ id, expanded: false }));
  while (stack.length > 0) {
    const top = stack.pop()!;
    if (done.has(top.id)) continue;
    const node = fn.nodes[top.id];
    if (!node) throw new Error(`internal: ${fn.name} has no IR node %${top.id}`);
    if (top.expanded) {
      done.add(top.id);
      out.push(node);
      continue;
    }
    stack.push({ id: top.id, expanded: true });
    // A node given from outside (a function parameter's result) needs none of its operands.
    if (leaves.has(top.id)) continue;
    for (const a of [...node.args].reverse()) if (!done.has(a)) stack.push({ id: a, expanded: false });
  }
  return out;
}

/**
 * `eq(iota(A), t)` nodes with an int tensor `t` lacking axis A, every user of which is a
 * `to_real` among `order`: by node, the index tensor and the axis.
 */
function oneHotMasks(fn: IrFunction, order: readonly IrNode[]): Map<NodeId, { index: NodeId; axis: Axis }> {
  const inOrder = new Set(order.map((n) => n.id));
  const users = new Map<NodeId, IrNode[]>();
  for (const n of order) for (const a of new Set(n.args)) users.set(a, [...(users.get(a) ?? []), n]);
  const masks = new Map<NodeId, { index: NodeId; axis: Axis }>();
  for (const n of order) {
    if (n.op !== 'eq') continue;
    const [a, b] = n.args.map((id) => fn.nodes[id]!);
    const [iota, index] = a!.op === 'iota' ? [a!, b!] : b!.op === 'iota' ? [b!, a!] : [undefined, undefined];
    if (!iota || !index || index.type.dtype !== 'int' || index.op === 'const' || index.op === 'iota') continue;
    const axis = iota.type.axes[0]!;
    if (index.type.axes.some((x) => x.name === axis.name) || !inOrder.has(index.id)) continue;
    const us = users.get(n.id) ?? [];
    if (us.length > 0 && us.every((u) => u.op === 'to_real')) masks.set(n.id, { index: index.id, axis });
  }
  return masks;
}

export function lowerBody(ctx: BodyContext, roots: readonly NodeId[]): LoweredBody {
  const lines: string[] = [];
  const vals = new Map<NodeId, Val>();
  const helpers = new Set<HelperName>();
  let restAxesVar: string | undefined;
  const rest = (): string => {
    if (!ctx.restVar) throw new Error(`internal: ${ctx.fn.name} uses '...' but has no input with it`);
    return ctx.restVar;
  };
  // The number of elements the rest dims hold (a size of '...'), counted once.
  let restSizeVar: string | undefined;
  const restSize = (): string => {
    if (restSizeVar === undefined) {
      restSizeVar = ctx.scope.claim('restSize');
      const d = ctx.scope.claim('d');
      lines.push(`let ${restSizeVar} = 1;`, `for (const ${d} of ${rest()}) ${restSizeVar} *= ${d};`);
    }
    return restSizeVar;
  };
  // Once the lines are done (for `expand`), positions of the rest dims are written inline.
  let done = false;
  const restAxes = (): string =>
    done && restAxesVar === undefined ? `${rest()}.map((_, i) => i)` : (restAxesVar ??= ctx.scope.claim('restAxes'));

  const val = (id: NodeId): Val => {
    const v = vals.get(id);
    if (!v) throw new Error(`internal: %${id} used before it is lowered`);
    return v;
  };

  const cast = (v: Val, to: DType): string => {
    if (v.dtype === to) return v.expr;
    if (v.retype) return v.retype(to);
    // Not tf.cast(x, 'bool'): on wasm it keeps the raw values (2, 255) in a bool tensor.
    if (to === 'bool') return `tf.notEqual(${v.expr}, tf.scalar(0, '${TF_DTYPE[v.dtype]}'))`;
    return `tf.cast(${v.expr}, '${TF_DTYPE[to]}')`;
  };

  /** Axis list for a reduction over `removed` on a tensor laid out as `phys`; undefined = all. */
  const positions = (phys: Phys, removed: readonly string[]): string | undefined => {
    const n = phys.names.length;
    const hit = phys.names.flatMap((name, k) => (removed.includes(name) ? [phys.rest ? -(n - k) : k] : []));
    const restHit = phys.rest && removed.includes(REST);
    if (hit.length === n && (restHit || !phys.rest)) return undefined;
    if (restHit) return hit.length === 0 ? restAxes() : `[...${restAxes()}, ${hit.join(', ')}]`;
    return hit.length === 1 ? String(hit[0]) : `[${hit.join(', ')}]`;
  };

  const shapeOf = (axes: readonly Axis[]): string =>
    `[${[...(axes.some(isRest) ? [`...${rest()}`] : []), ...named(axes).map((a) => ctx.dimVar(a.dim))].join(', ')}]`;

  /** Brings `expr` (laid out as `from`) into the layout `to`, a superset of `from` by name. */
  const align = (expr: string, from: readonly Axis[], to: readonly Axis[]): { expr: string; phys: Phys } => {
    const fromNamed = named(from);
    const toNamed = named(to);
    const hasRest = from.some(isRest);
    if (!hasRest && fromNamed.length === 0) return { expr, phys: { rest: false, names: [] } };
    const order = toNamed.map((a) => fromNamed.findIndex((f) => f.name === a.name)).filter((i) => i >= 0);
    if (order.length !== fromNamed.length) {
      throw new Error(`internal: cannot align [${from.map((a) => a.name)}] to [${to.map((a) => a.name)}]`);
    }
    let out = expr;
    if (order.some((o, i) => o !== i)) {
      const perm = hasRest
        ? `[...${restAxes()}, ${order.map((o) => (o === 0 ? `${rest()}.length` : `${rest()}.length + ${o}`)).join(', ')}]`
        : `[${order.join(', ')}]`;
      out = `tf.transpose(${out}, ${perm})`;
    }
    const present = toNamed.map((a) => fromNamed.find((f) => f.name === a.name));
    // Without the rest axis, missing leading axes are left to right-aligned broadcasting.
    let start = 0;
    if (!hasRest) while (start < present.length && !present[start]) start++;
    const kept = present.slice(start);
    if (kept.some((p) => !p)) {
      const dims = kept.map((p) => (p ? ctx.dimVar(p.dim) : '1'));
      out = `tf.reshape(${out}, [${[...(hasRest ? [`...${rest()}`] : []), ...dims].join(', ')}])`;
    }
    return { expr: out, phys: { rest: hasRest, names: toNamed.slice(start).map((a) => a.name) } };
  };

  /**
   * A taped operand lacking axes of the result, broadcast to the result's shape by adding
   * zeros: tf.where and tf.broadcastTo broadcast by tiling, whose gradient stops at rank 4,
   * and Maximum's gradient forgets to sum over broadcast dims; Add's gradient does both right.
   */
  const widen = (v: Val, aligned: string, to: readonly Axis[]): string => {
    const partial = v.axes.length !== to.length || v.axes.some(isRest) !== to.some(isRest);
    return v.taped && partial ? `tf.add(${aligned}, tf.fill(${shapeOf(to)}, 0))` : aligned;
  };
  /**
   * A select's branch in full: tf.where broadcasts a smaller branch by tiling, 10x slower on
   * wasm than tf.fill (a scalar 0 branch over 1M elements: 45 ms more against 1-2).
   */
  const full = (id: NodeId, v: Val, aligned: string, to: readonly Axis[], as: DType): string => {
    const partial = v.axes.length !== to.length || v.axes.some(isRest) !== to.some(isRest);
    if (!partial || as === 'bool') return aligned;
    const dtype = as === 'int' ? ", 'int32'" : '';
    const node = ctx.fn.nodes[id]!;
    if (node.op === 'const') return `tf.fill(${shapeOf(to)}, ${numberLiteral(node.attrs.value!)}${dtype})`;
    return `tf.add(${aligned}, tf.fill(${shapeOf(to)}, 0${dtype}))`;
  };

  /** Binds a non-trivial expression used more than once to a variable of its own. */
  const bind = (preferred: string, expr: string): string => {
    if (/^[A-Za-z_$][\w$]*$/.test(expr)) return expr;
    const name = ctx.scope.claim(preferred);
    lines.push(`const ${name} = ${expr};`);
    return name;
  };

  const define = (node: IrNode, expr: string, taped: boolean, base?: string): void => {
    // tfjs has no gradient for comparisons and logic: a bool or int result computed from a
    // differentiable tensor is evaluated off the tape (it has zero derivative anyway).
    const cut = (node.type.dtype !== 'real' || node.op === 'detach') && taped;
    if (cut) helpers.add('noGrad');
    const name = ctx.scope.claim(ctx.names.get(node.id) ?? base ?? `${camel(node.op)}${node.id}`);
    const annotation = node.op === 'iota' ? ': tf.Tensor' : '';
    lines.push(`const ${name}${annotation} = ${cut ? `noGrad(() => ${expr})` : expr};`);
    vals.set(node.id, { expr: name, axes: node.type.axes, dtype: node.type.dtype, taped: taped && !cut });
  };

  const given = ctx.given ?? new Map<NodeId, string>();
  const tape = ctx.untaped !== true;
  const order = topoOrder(ctx.fn, roots, new Set(given.keys()));
  // Masks `positions == class index` used only as numbers become tf.oneHot (0.3 ms per 1M
  // elements on wasm, against 5 for a broadcast comparison).
  const oneHots = oneHotMasks(ctx.fn, order);
  for (const node of order) {
    if (oneHots.has(node.id)) continue; // computed by its to_real as a one-hot
    const preset = given.get(node.id);
    if (preset !== undefined) {
      vals.set(node.id, { expr: preset, axes: node.type.axes, dtype: node.type.dtype, taped: tape });
      continue;
    }
    const mask = node.op === 'to_real' ? oneHots.get(node.args[0]!) : undefined;
    if (mask) {
      helpers.add('oneHotReal');
      const t = val(mask.index);
      define(node, align(`oneHotReal(${cast(t, 'int')}, ${ctx.dimVar(mask.axis.dim)})`, [...t.axes, mask.axis], node.type.axes).expr, false);
      continue;
    }
    const args = node.args.map(val);
    const anyTaped = args.some((a) => a.taped);
    const dtype = node.type.dtype;
    const axes = node.type.axes;
    switch (node.op) {
      case 'input': {
        const param = ctx.inputVars.get(node.id);
        if (param !== undefined) {
          vals.set(node.id, { expr: param, axes, dtype, taped: tape && dtype === 'real' });
          break;
        }
        const hyper = ctx.hyperVars.get(node.id);
        if (!hyper) throw new Error(`internal: ${ctx.fn.name}: input node %${node.id} is neither an input nor a hyperparameter`);
        const asNumber = hyper.elem === 'bool' ? `Number(${hyper.local})` : hyper.local;
        const retype = (to: DType): string =>
          to === 'bool'
            ? `tf.scalar(${hyper.elem === 'bool' ? hyper.local : `${hyper.local} !== 0`}, 'bool')`
            : `tf.scalar(${asNumber}${to === 'int' ? ", 'int32'" : ''})`;
        vals.set(node.id, { expr: retype(dtype), axes, dtype, taped: false, retype });
        break;
      }
      case 'const': {
        const value = node.attrs.value ?? 0;
        vals.set(node.id, { expr: scalarLiteral(value, dtype), axes, dtype, taped: false, retype: (to) => scalarLiteral(value, to) });
        break;
      }
      case 'size': {
        // The rest axis stands for any number of dims: its size is their product.
        const size = node.attrs.dim === REST ? restSize() : ctx.dimVar(node.attrs.dim ?? '');
        const retype = (to: DType): string =>
          to === 'bool' ? `tf.scalar(${size} !== 0, 'bool')` : `tf.scalar(${size}${to === 'int' ? ", 'int32'" : ''})`;
        vals.set(node.id, { expr: retype(dtype), axes, dtype, taped: false, retype });
        break;
      }
      case 'iota': {
        const axis = axes[0];
        if (!axis) throw new Error(`internal: iota %${node.id} has no axis`);
        define(node, `tf.range(0, ${ctx.dimVar(axis.dim)}, 1, 'int32')`, false, `iota_${axis.name}`);
        break;
      }
      case 'rename':
        vals.set(node.id, { ...val(node.args[0]!), axes });
        break;
      case 'select': {
        const [c, a, b] = args as [Val, Val, Val];
        const operands = [
          align(cast(c, 'bool'), c.axes, axes).expr,
          full(node.args[1]!, a, align(cast(a, dtype), a.axes, axes).expr, axes, dtype),
          full(node.args[2]!, b, align(cast(b, dtype), b.axes, axes).expr, axes, dtype),
        ];
        define(node, `tf.where(${operands.join(', ')})`, anyTaped);
        break;
      }
      case 'softmax':
      case 'log_softmax': {
        const x = args[0]!;
        const phys = physOf(x.axes);
        const k = phys.names.indexOf(node.attrs.axis ?? '');
        if (k < 0) throw new Error(`internal: ${node.op} %${node.id} has no axis ${node.attrs.axis}`);
        const xe = cast(x, 'real');
        if (k === phys.names.length - 1) {
          define(node, `tf.${node.op === 'softmax' ? 'softmax' : 'logSoftmax'}(${xe})`, anyTaped);
        } else {
          // tfjs softmax works on the last axis only. (x - m) - log Σ exp(x - m), as
          // tf.logSoftmax computes it: x - logsumexp(x) would cancel at large logits.
          const pos = phys.rest ? -(phys.names.length - k) : k;
          const xv = bind(`${camel(node.op)}${node.id}_x`, xe);
          helpers.add('noGrad');
          const shifted = bind(`${camel(node.op)}${node.id}_shifted`, `tf.sub(${xv}, noGrad(() => tf.max(${xv}, ${pos}, true)))`);
          const lsm = `tf.sub(${shifted}, tf.log(tf.sum(tf.exp(${shifted}), ${pos}, true)))`;
          define(node, node.op === 'softmax' ? `tf.exp(${lsm})` : lsm, anyTaped);
        }
        break;
      }
      case 'gather':
        define(node, lowerGather(node, args[0]!, args[1]!), anyTaped);
        break;
      case 'pick':
        define(node, lowerPick(node, args[0]!), anyTaped);
        break;
      case 'sum':
      case 'mean':
      case 'max':
      case 'min':
      case 'prod':
      case 'logsumexp':
      case 'any':
      case 'all':
        lowerReduce(node, args);
        break;
      case 'apply':
        throw new Error(`internal: ${ctx.fn.name}: function parameter '${node.attrs.name}' must be called before the body`);
      case 'to_real': {
        const x = args[0]!;
        // A constant, hyperparameter or size is written as a real scalar where it is used.
        if (x.retype || x.dtype === 'real') {
          const retype = x.retype;
          vals.set(node.id, retype ? { expr: retype('real'), axes, dtype, taped: false, retype } : { ...x, axes });
          break;
        }
        define(node, cast(x, 'real'), anyTaped);
        break;
      }
      default: {
        const rule: ElementwiseRule = ELEMENTWISE[node.op];
        if (rule.helper) helpers.add(rule.helper);
        // Arithmetic on bools (no tfjs kernel takes them) runs in int32 and casts back.
        const viaInt = rule.operands === 'result' && dtype === 'bool';
        const operandType = (v: Val): DType => {
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
        const operands = args.map((a) => {
          const aligned = align(cast(a, operandType(a)), a.axes, axes).expr;
          // tfjs's Maximum/Minimum gradients skip the sum over broadcast dims.
          return node.op === 'maximum' || node.op === 'minimum' ? widen(a, aligned, axes) : aligned;
        });
        const expr = rule.expr(operands, viaInt ? 'int' : dtype);
        define(node, viaInt ? `tf.cast(${expr}, 'bool')` : expr, anyTaped);
      }
    }
  }

  function lowerGather(node: IrNode, x: Val, idx: Val): string {
    const g = x.axes.find((a) => a.name === node.attrs.axis);
    if (!g) throw new Error(`internal: gather %${node.id}: operand has no axis ${node.attrs.axis}`);
    // The one-hot axis gets a private name: idx may itself have an axis called like g.
    const hot: Axis = { name: '\u0000gather', dim: g.dim };
    const full = [...node.type.axes, hot];
    const xa = align(x.expr, x.axes.map((a) => (a === g ? hot : a)), full).expr;
    if (ctx.untaped && x.dtype !== 'bool') {
      // Off the tape (inside tf.customGrad) no gradient is needed: one flat tf.gather, 15x
      // faster on wasm than the one-hot product (whose gradient works everywhere).
      helpers.add('takeAlongLast');
      const ia = align(cast(idx, 'int'), idx.axes, node.type.axes).expr;
      const shape = [...(node.type.axes.some(isRest) ? [`...${rest()}`] : []), ...named(node.type.axes).map((a) => ctx.dimVar(a.dim))];
      return `takeAlongLast(${xa}, ${ia}, [${shape.join(', ')}], ${ctx.dimVar(g.dim)})`;
    }
    // sum(x * oneHot(idx), axis): tf.gather's gradient fails on wasm, gatherND has none.
    // Not tf.oneHot: it rejects a depth below 2 (a single class), and its float32 form yields
    // denormals on wasm. idx == position along the class axis is the same one-hot, as bools.
    const oneHot = `tf.equal(tf.expandDims(${cast(idx, 'int')}, -1), tf.range(0, ${ctx.dimVar(g.dim)}, 1, 'int32'))`;
    const typed = x.dtype === 'bool' ? oneHot : `tf.cast(${oneHot}, '${TF_DTYPE[x.dtype]}')`;
    const oh = align(typed, [...idx.axes, hot], full).expr;
    return x.dtype === 'bool' ? `tf.any(tf.logicalAnd(${xa}, ${oh}), -1)` : `tf.sum(tf.mul(${xa}, ${oh}), -1)`;
  }

  function lowerPick(node: IrNode, x: Val): string {
    // A slice of size 1 then a squeeze: both have gradients on every backend.
    const phys = physOf(x.axes);
    const xNamed = named(x.axes);
    const k = phys.names.indexOf(node.attrs.axis ?? '');
    if (k < 0) throw new Error(`internal: pick %${node.id} has no axis ${node.attrs.axis}`);
    const index = node.attrs.index ?? 0;
    // A negative position counts from the end, as in Python.
    const start = index >= 0 ? String(index) : `${ctx.dimVar(xNamed[k]!.dim)} - ${-index}`;
    const lead = phys.rest ? [`...${rest()}.map(() => 0)`] : [];
    const begin = [...lead, ...xNamed.map((_, i) => (i === k ? start : '0'))];
    const size = [...(phys.rest ? [`...${rest()}`] : []), ...xNamed.map((a, i) => (i === k ? '1' : ctx.dimVar(a.dim)))];
    const pos = phys.rest ? -(xNamed.length - k) : k;
    return `tf.squeeze(tf.slice(${x.expr}, [${begin.join(', ')}], [${size.join(', ')}]), [${pos}])`;
  }

  function lowerReduce(node: IrNode, args: readonly Val[]): void {
    const op = node.op as keyof typeof REDUCE;
    const rule = REDUCE[op];
    const x = args[0]!;
    const mask = args[1];
    const removed = node.attrs.axes ?? [];
    const anyTaped = args.some((a) => a.taped);
    const operandType: DType = rule.operand === 'same' ? x.dtype : rule.operand;
    const withAxes = (fn: string, e: string, pos: string | undefined, extra = ''): string =>
      `tf.${fn}(${e}${pos !== undefined ? `, ${pos}` : extra ? ', undefined' : ''}${extra})`;
    if (!mask) {
      define(node, withAxes(rule.fn, cast(x, operandType), positions(physOf(x.axes), removed)), anyTaped);
      return;
    }
    const base = `${camel(op)}${node.id}`;
    const full = unionAxes(x.axes, mask.axes);
    const fullPos = positions(physOf(full), removed);
    const xa = align(cast(x, operandType), x.axes, full).expr;
    const m = align(cast(mask, 'bool'), mask.axes, full);
    const mv = bind(`${base}_mask`, m.expr);
    const fill = fillLiteral(rule.fill(operandType), operandType);
    let expr: string;
    switch (op) {
      case 'any':
        expr = withAxes('any', `tf.logicalAnd(${mv}, ${xa})`, fullPos);
        break;
      case 'all':
        expr = withAxes('all', `tf.logicalOr(tf.logicalNot(${mv}), ${xa})`, fullPos);
        break;
      case 'mean': {
        // The count of selected elements per result position, at least 1 so that an empty
        // selection gives 0 / 1 (a finite gradient) before the empty value is put in.
        const count = bind(`${base}_count`, withAxes('sum', `tf.broadcastTo(tf.cast(${mv}, 'float32'), ${shapeOf(full)})`, fullPos));
        expr = `tf.div(${withAxes('sum', `tf.where(${mv}, ${xa}, ${fill})`, fullPos)}, tf.maximum(${count}, tf.scalar(1)))`;
        break;
      }
      case 'logsumexp': {
        // Shift by the masked max (a constant: its derivative cancels), exp(-inf) = 0 where
        // the mask is off, and log(max(sum, 1)): a non-empty sum is >= 1 (the max gives e^0).
        const xv = bind(`${base}_x`, xa);
        const maxv = bind(`${base}_max`, `noGrad(() => ${withAxes('max', `tf.where(${mv}, ${xv}, ${fill})`, fullPos, ', true')})`);
        helpers.add('noGrad');
        const shift = bind(`${base}_shift`, `tf.where(tf.isFinite(${maxv}), ${maxv}, tf.scalar(0))`);
        const sum = withAxes('sum', `tf.exp(tf.where(${mv}, tf.sub(${xv}, ${shift}), ${fill}))`, fullPos);
        expr = `tf.add(tf.log(tf.maximum(${sum}, tf.scalar(1))), tf.reshape(${shift}, ${shapeOf(node.type.axes)}))`;
        break;
      }
      default:
        expr = withAxes(rule.fn, `tf.where(${mv}, ${xa}, ${fill})`, fullPos);
    }
    const empty = node.attrs.empty;
    if (empty === undefined || empty === rule.natural) {
      define(node, expr, anyTaped);
      return;
    }
    // Where the mask selects nothing, the declared empty value.
    const raw = bind(`${base}_raw`, expr);
    const removedHere = m.phys.names.filter((n) => removed.includes(n));
    const maskPhysRemoved = [...removedHere, ...(m.phys.rest && removed.includes(REST) ? [REST] : [])];
    const nonEmpty =
      maskPhysRemoved.length === 0 ? mv : withAxes('any', mv, positions(m.phys, maskPhysRemoved));
    define(node, `tf.where(${nonEmpty}, ${raw}, ${scalarLiteral(empty, node.type.dtype)})`, anyTaped);
  }

  if (restAxesVar) lines.unshift(`const ${restAxesVar} = ${rest()}.map((_, i) => i);`);
  done = true;
  return {
    lines,
    helpers,
    expand: (id, to) => {
      const v = val(id);
      const aligned = align(cast(v, 'real'), v.axes, to).expr;
      // Axes are a subset of `to` by name: as many axes means the same ones, so the same shape.
      const complete = v.axes.length === to.length;
      // Adding a fill broadcasts without tf.broadcastTo's tiling (slow on wasm).
      return complete ? aligned : `tf.add(${aligned}, tf.fill(${shapeOf(to)}, 0))`;
    },
    value: (id) => {
      const v = val(id);
      return { expr: v.expr, dtype: v.dtype, isInput: [...ctx.inputVars.values()].includes(v.expr) };
    },
  };
}
