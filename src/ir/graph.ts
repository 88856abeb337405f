import type { Span } from '../diagnostics/span.js';
import { unionAxes, withoutAxes } from './axes.js';
import { OPS, type DType, type OpName } from './ops.js';
import type { Attrs, Axis, IrNode, NodeId, TensorType } from './types.js';

/** Result dtype of arithmetic on mixed operands: real wins over int wins over bool. */
export function promote(...dtypes: DType[]): DType {
  if (dtypes.includes('real')) return 'real';
  if (dtypes.includes('int')) return 'int';
  return 'bool';
}

/**
 * Builds a hash-consed DAG: asking twice for the same op on the same operands with the same
 * attributes returns the same node, so common subexpressions are shared by construction.
 * Nodes are appended in creation order, which is a topological order.
 */
export class IrBuilder {
  readonly nodes: IrNode[] = [];
  private readonly byKey = new Map<string, NodeId>();

  constructor(initial: readonly IrNode[] = []) {
    for (const n of initial) {
      this.nodes.push(n);
      this.byKey.set(nodeKey(n.op, n.args, n.attrs, n.type), n.id);
    }
  }

  node(id: NodeId): IrNode {
    const n = this.nodes[id];
    if (!n) throw new Error(`internal: no IR node %${id}`);
    return n;
  }

  type(id: NodeId): TensorType {
    return this.node(id).type;
  }

  /** `input` nodes carry their declared type; every other op's type is inferred. */
  input(name: string, type: TensorType, span?: Span): NodeId {
    return this.intern('input', [], { name }, type, span);
  }

  constant(value: number, dtype: DType = 'real', span?: Span): NodeId {
    return this.intern('const', [], { value }, { dtype, axes: [] }, span);
  }

  iota(axis: Axis, span?: Span): NodeId {
    return this.intern('iota', [], { axis: axis.name, dim: axis.dim }, { dtype: 'int', axes: [axis] }, span);
  }

  /** A function parameter called on `arg`: its result type is declared, not inferred. */
  apply(name: string, arg: NodeId, type: TensorType, span?: Span): NodeId {
    return this.intern('apply', [arg], { name }, type, span);
  }

  size(dim: string, span?: Span): NodeId {
    return this.intern('size', [], { dim }, { dtype: 'int', axes: [] }, span);
  }

  op(op: OpName, args: readonly NodeId[], attrs: Attrs = {}, span?: Span): NodeId {
    return this.intern(op, args, attrs, this.infer(op, args, attrs), span);
  }

  /** `node` over other operands of the same types: its type kept, not inferred again. */
  copy(node: IrNode, args: readonly NodeId[]): NodeId {
    return this.intern(node.op, args, node.attrs, node.type, node.span);
  }

  private intern(op: OpName, args: readonly NodeId[], attrs: Attrs, type: TensorType, span?: Span): NodeId {
    const key = nodeKey(op, args, attrs, type);
    const existing = this.byKey.get(key);
    if (existing !== undefined) return existing;
    const id = this.nodes.length;
    this.nodes.push({ id, op, args: [...args], attrs, type, ...(span ? { span } : {}) });
    this.byKey.set(key, id);
    return id;
  }

  private infer(op: OpName, args: readonly NodeId[], attrs: Attrs): TensorType {
    const info = OPS[op];
    const types = args.map((a) => this.type(a));
    const dtypeOf = (fallback: DType[]): DType =>
      info.result === 'same' ? promote(...fallback) : info.result;
    switch (info.kind) {
      case 'leaf':
      case 'apply':
        throw new Error(`internal: ${op} must be built with its own method`);
      case 'unary':
        return { dtype: dtypeOf([types[0]!.dtype]), axes: types[0]!.axes };
      case 'binary':
        return { dtype: dtypeOf(types.map((t) => t.dtype)), axes: unionAxes(...types.map((t) => t.axes)) };
      case 'select':
        return { dtype: promote(types[1]!.dtype, types[2]!.dtype), axes: unionAxes(...types.map((t) => t.axes)) };
      case 'reduce': {
        const all = unionAxes(...types.map((t) => t.axes));
        return { dtype: dtypeOf([types[0]!.dtype]), axes: withoutAxes(all, attrs.axes ?? []) };
      }
      case 'contract':
        return { dtype: 'real', axes: withoutAxes(unionAxes(...types.map((t) => t.axes)), attrs.axes ?? []) };
      case 'resize':
        // x resampled to the '...' dims of `like`, and broadcast over the axes of `like` it lacks.
        return { dtype: types[0]!.dtype, axes: unionAxes(types[0]!.axes, types[1]!.axes) };
      case 'axis':
        // Values and key of sort and unsort are broadcast against each other (values the same
        // along an axis of the key: a mask per pixel ordered by each class's errors).
        return { dtype: 'real', axes: op === 'sort' || op === 'unsort' ? unionAxes(types[0]!.axes, types[1]!.axes) : types[0]!.axes };
      case 'gather':
        return {
          dtype: types[0]!.dtype,
          axes: unionAxes(withoutAxes(types[0]!.axes, [attrs.axis!]), types[1]!.axes),
        };
      case 'reshape':
        if (op === 'rename') {
          return {
            dtype: types[0]!.dtype,
            axes: types[0]!.axes.map((a) => (a.name === attrs.from ? { name: attrs.to!, dim: a.dim } : a)),
          };
        }
        if (op === 'flatten') return { dtype: types[0]!.dtype, axes: flattenedAxes(types[0]!.axes, attrs.axes!, { name: attrs.to!, dim: attrs.dim! }) };
        if (op === 'unflatten') {
          const parts = attrs.axes!.map((name, k) => ({ name, dim: attrs.dims![k]! }));
          return { dtype: types[0]!.dtype, axes: types[0]!.axes.flatMap((a) => (a.name === attrs.axis ? parts : [a])) };
        }
        return { dtype: types[0]!.dtype, axes: withoutAxes(types[0]!.axes, [attrs.axis!]) };
    }
  }
}

/**
 * The axes of `flatten`: `merged` removed, `into` where the first of them was. An operand
 * lacking some of them is the same along those (a gradient): `into` is still made, last when
 * it lacks them all.
 */
export function flattenedAxes(axes: readonly Axis[], merged: readonly string[], into: Axis): Axis[] {
  const at = axes.findIndex((a) => merged.includes(a.name));
  if (at < 0) return [...axes, into];
  return axes.flatMap((a, k) => (k === at ? [into] : merged.includes(a.name) ? [] : [a]));
}

function nodeKey(op: OpName, args: readonly NodeId[], attrs: Attrs, type: TensorType): string {
  // Inputs and constants differ by type too (an int 1 is not a real 1).
  const typePart = op === 'input' || op === 'const' || op === 'apply' ? `:${type.dtype}` : '';
  return `${op}(${args.join(',')})${JSON.stringify(attrs, (_k, v) => (v === Infinity ? 'Inf' : v === -Infinity ? '-Inf' : v))}${typePart}`;
}
