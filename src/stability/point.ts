// Evaluates a loss at one point: every input holds a single value repeated along its axes,
// and every dimension has one element (a fixed-size dimension keeps its size). This is the
// cheap concrete model behind the witnesses of findings ("p = 0 gives log(0) = -Infinity"):
// a batch of one sample is a real input. Positions along a fixed dim of several elements
// differ, so what depends on them is unknown (NaN, and conditions on it are unknown too).
// `round` is Math.fround for float32, or the identity for the exact (float64) value.

import { REST, type IrFunction, type IrNode, type NodeId } from '../ir/types.js';
import { SCALAR_BINARY, SCALAR_UNARY } from '../ir/scalar-ops.js';
import { reachable } from '../ir/walk.js';

const UNARY: Readonly<Record<string, (x: number) => number>> = SCALAR_UNARY;
const BINARY: Readonly<Record<string, (x: number, y: number) => number>> = SCALAR_BINARY;

const LOGICAL = new Set(['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'and', 'or']);

/** The nodes `roots` need, in topological order. */
export function cone(fn: IrFunction, roots: readonly NodeId[]): NodeId[] {
  return [...reachable(fn.nodes, roots)].sort((a, b) => a - b);
}

export class PointModel {
  private readonly fixed = new Map<string, number>();

  constructor(private readonly fn: IrFunction) {
    for (const d of fn.dims) if ('size' in d) this.fixed.set(d.dim, d.size);
  }

  /** Elements a reduction combines: the product of the fixed sizes it removes. */
  private count(node: IrNode): number {
    const axes = node.args.flatMap((a) => this.fn.nodes[a]!.type.axes);
    let n = 1;
    for (const name of node.attrs.axes ?? []) {
      const axis = axes.find((a) => a.name === name);
      if (axis && axis.name !== REST) n *= this.fixed.get(axis.dim) ?? 1;
    }
    return n;
  }

  /**
   * Values of the nodes in `order` (topological, as `cone` gives) with the input nodes set
   * from `inputs` (by node id).
   */
  evaluate(order: readonly NodeId[], inputs: ReadonlyMap<NodeId, number>, round: (x: number) => number): Float64Array {
    const v = new Float64Array(this.fn.nodes.length);
    for (const id of order) {
      const node = this.fn.nodes[id]!;
      v[id] = round(this.compute(node, v, inputs));
    }
    return v;
  }

  private compute(node: IrNode, v: Float64Array, inputs: ReadonlyMap<NodeId, number>): number {
    const args = node.args;
    const x = args.length > 0 ? v[args[0]!]! : NaN;
    const y = args.length > 1 ? v[args[1]!]! : NaN;
    const z = args.length > 2 ? v[args[2]!]! : NaN;
    switch (node.op) {
      case 'input':
      case 'apply': // a function parameter's result is a free variable of the point
        return inputs.get(node.id) ?? NaN;
      case 'const':
        return node.attrs.value ?? NaN;
      case 'iota': {
        // Along a fixed dim of several positions one value cannot stand for all: unknown.
        const n = this.fixed.get(node.attrs.dim ?? '') ?? 1;
        return n > 1 ? NaN : 0;
      }
      case 'size':
        return this.fixed.get(node.attrs.dim!) ?? 1;
      case 'select':
        return Number.isNaN(x) ? NaN : x !== 0 ? y : z;
      case 'softmax':
      case 'log_softmax': {
        // n equal elements: each is 1/n (NaN when they are infinite, as in float arithmetic).
        const n = this.fixed.get(node.type.axes.find((ax) => ax.name === node.attrs.axis)?.dim ?? '') ?? 1;
        const logp = x - x - Math.log(n);
        return node.op === 'softmax' ? Math.exp(logp) : logp;
      }
      // One value standing for all: a permutation of equal values is that value; a running
      // sum is (i + 1)·x at position i, not one value unless the axis has one position.
      case 'sort':
      case 'unsort':
        return x;
      case 'cumsum': {
        const n = this.fixed.get(node.type.axes.find((ax) => ax.name === node.attrs.axis)?.dim ?? '');
        return n === 1 ? x : NaN;
      }
      // A resize copies some of x's values: of equal values, that value.
      case 'resize':
      case 'gather':
      case 'rename':
      case 'pick':
      case 'flatten':
      case 'unflatten':
        return x;
      case 'contract': // Σ over the contracted axes of one product, the same everywhere
        return x * y * this.count(node);
      case 'sum': case 'mean': case 'max': case 'min': case 'prod': case 'logsumexp': case 'any': case 'all': {
        if (node.args.length > 1 && Number.isNaN(y)) return NaN;
        if (node.args.length > 1 && y === 0) return node.attrs.empty ?? (node.op === 'prod' || node.op === 'all' ? 1 : 0);
        const n = this.count(node);
        if (node.op === 'sum') return x * n;
        if (node.op === 'prod') return Math.pow(x, n);
        if (node.op === 'logsumexp') return x + Math.log(n);
        return x;
      }
      default: {
        if (node.op === 'not' && Number.isNaN(x)) return NaN;
        const u = UNARY[node.op];
        if (u) return u(x);
        // A condition of an unknown (NaN) value is unknown, not false.
        if (LOGICAL.has(node.op) && (Number.isNaN(x) || (args.length > 1 && Number.isNaN(y)))) return NaN;
        const b = BINARY[node.op];
        return b ? b(x, y) : NaN;
      }
    }
  }
}
