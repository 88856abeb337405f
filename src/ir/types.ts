import type { Span } from '../diagnostics/span.js';
import type { DType, OpName } from './ops.js';

/**
 * One axis of a tensor. `name` is its identity for alignment (binary ops line operands up by
 * name, reductions remove axes by name); `dim` is the dimension that gives its size at run
 * time. A parameter's `[N, D]` gives axes {N,N} and {D,D}; an index variable `e[i]` renames
 * axis N to {i, N}. The rest axis `...` stands for any number of dimensions, the same for
 * every input of one loss; a declared shape may put it anywhere (`[B, C, ...]`), and inside
 * it is laid out first (src/lower/layout.ts).
 */
export interface Axis {
  readonly name: string;
  readonly dim: string;
}

export const REST = '...';
export const REST_AXIS: Axis = { name: REST, dim: REST };

export interface TensorType {
  readonly dtype: DType;
  readonly axes: readonly Axis[];
}

export type NodeId = number;

/** Op-specific attributes. All JSON-serialisable, so they take part in hash-consing. */
export interface Attrs {
  /** input: the input or hyperparameter name. */
  readonly name?: string;
  /** const: the value (Infinity allowed). */
  readonly value?: number;
  /** reduce: the axis names removed. */
  readonly axes?: readonly string[];
  /** reduce with a mask: the result where the mask selects nothing. */
  readonly empty?: number;
  /** axis ops, gather, pick: the axis worked along; iota: the axis enumerated. */
  readonly axis?: string;
  /** sort, unsort: largest key first. */
  readonly descending?: boolean;
  /** cumsum: summed from the last position back. */
  readonly reverse?: boolean;
  /** iota: the dim giving the size of `axis`. */
  readonly dim?: string;
  /** rename: the axis renamed, and its new name. */
  readonly from?: string;
  readonly to?: string;
  /** pick: the position along `axis`. */
  readonly index?: number;
  /** unflatten: the dims of the axes `axes` that `axis` is split into (flatten: `axes` merged into `to` of dim `dim`). */
  readonly dims?: readonly string[];
  /** apply: the function parameter called (also `name`). */
  /** resize: torch's nearest-neighbour rule, 'nearest-exact' or 'nearest'. */
  readonly mode?: string;
  /**
   * select: a safe operand fed to an op where a mask or a condition discards its value
   * (src/ir/autodiff-guards.ts); the condition is no cause of the op's value, nor a step.
   */
  readonly guard?: true;
}

export interface IrNode {
  readonly id: NodeId;
  readonly op: OpName;
  readonly args: readonly NodeId[];
  readonly attrs: Attrs;
  readonly type: TensorType;
  /** Source of the expression this node was lowered from (the first one, when shared). */
  readonly span?: Span;
}

/** Where the size of a dimension is read at run time. */
export type DimSource =
  /** The size is `shape[position]` of the input, or `shape[rank - position]` when `fromEnd`
   * (a dim after the input's rest axis is counted from the back; 1 = last). */
  | { readonly dim: string; readonly input: string; readonly position: number; readonly fromEnd: boolean }
  | { readonly dim: string; readonly size: number }
  /** A dim made by `flatten`: the product of the sizes of these dims, known once they are. */
  | { readonly dim: string; readonly product: readonly string[] };

export interface DomainInfo {
  /** An interval (bounds may be ±Infinity) or a finite set of values. */
  readonly kind: 'interval' | 'set';
  readonly lo?: number;
  readonly hi?: number;
  readonly loClosed?: boolean;
  readonly hiClosed?: boolean;
  readonly values?: readonly number[];
  /** As written, for messages: `[0, 1]`. */
  readonly text: string;
}

export interface IrInput {
  readonly name: string;
  /** `index` = whole numbers in [0, size of `indexOf`). */
  readonly elem: 'real' | 'int' | 'bool' | 'index';
  readonly indexOf?: string;
  /**
   * `t: index[N] of C ignore h`: the int hyperparameter whose value also passes the range
   * check; a gather or onehot at such a position is NaN unless a mask excludes it.
   */
  readonly ignore?: string;
  readonly axes: readonly Axis[];
  readonly domain?: DomainInfo;
  readonly node: NodeId;
  /**
   * `weight: [C] = 1`: the input may be left out, and is then this constant everywhere.
   * `y_hat: [N] = x` (an `InputDefault`): left out, it is the tensor given for the earlier
   * input `x` (or what fills `x`), of the same shape, element type and a domain inside its own.
   * Optional inputs come after the required ones, whose shapes fix all their dims.
   */
  readonly default?: number | InputDefault;
  /** `param s: [T] = 0`: learned with the model; `default` is its initial value. */
  readonly learnable?: boolean;
  /**
   * `broadcast m: [B, H, L]`: given with any of its dims 1 or leading ones missing, broadcast
   * to the full shape. Its dims are fixed by other inputs, which it comes after.
   */
  readonly broadcasts?: true;
  /**
   * `y: index[N] of C | [N, C] in [0, 1]`: the input (real, these `axes`) may also be given as
   * class indices with `axes` (int32), made one-hot along its axis of dim `of` at the boundary
   * (src/lower/loss.ts). Its dims are fixed by other inputs, which it comes after.
   */
  readonly orIndices?: { readonly axes: readonly Axis[]; readonly of: string };
  /**
   * `preds: list[K] of [N, C]`: given as an array of K tensors of shape [N, C], stacked at the
   * boundary (outside the backward pass, so each element gets its own gradient) into the
   * tensor `axes` describes, whose first axis is the list's.
   */
  readonly list?: true;
  /**
   * `preds: list[K] of ragged [B, C, ...]`: each element has its own '...' dims, so the list
   * is never stacked: what the body computes per element is computed for each element on its
   * own, then stacked along the list axis (src/ir/ragged.ts).
   */
  readonly ragged?: true;
}

/** The default of an optional input that is another input's tensor: `input` is declared before it. */
export interface InputDefault {
  readonly input: string;
}

export interface IrHyper {
  readonly name: string;
  readonly elem: 'real' | 'int' | 'bool';
  /**
   * `act: "sigmoid" | "softmax" = "softmax"`: the option is one of these strings. Inside the
   * IR the hyperparameter is an int, the string's position in this list (`default` too).
   */
  readonly values?: readonly string[];
  readonly default?: number;
  readonly domain?: DomainInfo;
  readonly node: NodeId;
}

/**
 * A function-valued parameter (`features: fn([N, C, H, W]) -> [N, K, P, Q]`). Dims of its
 * result that no input has are read from each result at run time; a function returning
 * several tensors (one per layer) makes the loss the mean over them of its value on each.
 */
export interface IrFunctionParam {
  readonly name: string;
  /** The axes its one argument must have. */
  readonly param: readonly Axis[];
  readonly result: readonly Axis[];
  /** Result dims no input fixes, read from each result. */
  readonly resultDims: readonly string[];
}

/**
 * How the loss's outermost mean or sum over all axes is exposed as PyTorch's `reduction`
 * option: `perSample` is that reduction's operand (what `reduction: 'none'` returns), and
 * `weights` multiply it before reducing.
 */
export interface ReductionInfo {
  readonly kind: 'mean' | 'sum';
  readonly perSample: NodeId;
  /**
   * A masked outer reduction (`mean(l, where: m)`): m broadcast to the per-sample shape (bool).
   * `perSample` is then select(m, l, 0), and the other modes weigh each loss by w·m.
   */
  readonly mask?: NodeId;
  /**
   * A mean divided by the sum of other values (`mean(l, where: m, by: d)`, torch's class-weighted
   * mean): select(m, d, 0) in the per-sample shape, what each loss adds to the denominator. The
   * output is then Σ m·l / Σ m·d (its `empty:` value where that sum is 0), and with weights w
   * 'mean' is Σ w·m·l / Σ w·m·d and 'sum_by_nonzero_weights' counts the nonzero w·m·d.
   */
  readonly denominator?: NodeId;
}

/** One loss, lowered: the unit every backend consumes. */
export interface IrFunction {
  readonly name: string;
  readonly doc?: string;
  /** The body as written in the source, for JSDoc and messages. */
  readonly formula: string;
  readonly file: string;
  readonly span?: Span;
  readonly inputs: readonly IrInput[];
  readonly hypers: readonly IrHyper[];
  readonly dims: readonly DimSource[];
  /** Function-valued parameters, in declaration order among the inputs' positions. */
  readonly functions?: readonly IrFunctionParam[];
  /** Declaration order of tensor inputs and function parameters (the generated signature). */
  readonly order?: readonly string[];
  /**
   * The order callers see the axes of the result and of the per-sample losses in (axis names;
   * `...` first when there), which the checker fixes from the declarations (src/check/order.ts).
   * Inside, the layout is the compiler's choice. Absent (an IR built by hand): the nodes' own.
   */
  readonly layout?: { readonly output: readonly string[]; readonly perSample?: readonly string[] };
  readonly nodes: readonly IrNode[];
  readonly output: NodeId;
  readonly reduction?: ReductionInfo;
  /** The optimizer ran on it (`--no-opt` leaves it unset): its derived gradients are simplified too. */
  readonly optimized?: boolean;
  /** The backward pass, once derived (src/grad): its nodes live in `nodes` beside the forward ones. */
  readonly gradients?: IrGradients;
  /**
   * Bodies for calls that leave out the optional inputs with a constant default, or keep
   * options at their defaults (src/opt/specialise.ts), most specialised first: the first whose
   * condition a call meets runs instead of this one.
   */
  readonly specialised?: readonly IrSpecialisation[];
}

/** A body of a loss for the calls that meet its condition, optimized and differentiated as the loss is. */
export interface IrSpecialisation {
  /** Optional inputs the call leaves out: constants in `fn`, and not among its inputs. */
  readonly leftOut: readonly string[];
  /** Hyperparameters the call leaves at their defaults: constants in `fn`, and not among its hypers. */
  readonly atDefault: readonly string[];
  readonly fn: IrFunction;
}

/**
 * The derived gradient of one root (the output, or the per-sample losses) with respect to the
 * real tensor inputs, for a given gradient of the root: `seed`, an input node of the root's
 * type (what tf.customGrad calls `dy`).
 */
export interface IrBackward {
  readonly root: NodeId;
  readonly seed: NodeId;
  /**
   * d root / d input · seed, for each real input the root depends on (the others get zeros).
   * The node's axes are a subset of the input's: it is the same along the missing ones.
   */
  readonly grads: readonly { readonly input: string; readonly node: NodeId }[];
}

export interface IrGradients {
  /** Of the output: what a call with no `reduction` or `weights` option differentiates. */
  readonly output: IrBackward;
  /** Of the per-sample losses, under which the backends reduce with weights themselves. */
  readonly perSample?: IrBackward;
  /** Of a mean's per-sample denominators (ReductionInfo.denominator), for the same reductions. */
  readonly denominator?: IrBackward;
}

/** The same gradients with every node id passed through `at` (after a rebuild or renumbering). */
export function remapGradients(g: IrGradients, at: (id: NodeId) => NodeId): IrGradients {
  const one = (b: IrBackward): IrBackward => ({ root: at(b.root), seed: at(b.seed), grads: b.grads.map((x) => ({ input: x.input, node: at(x.node) })) });
  return { output: one(g.output), ...(g.perSample ? { perSample: one(g.perSample) } : {}), ...(g.denominator ? { denominator: one(g.denominator) } : {}) };
}

/** Every node the backward passes need kept: seeds and gradients. */
export function gradientRoots(g: IrGradients | undefined): NodeId[] {
  if (!g) return [];
  return [g.output, ...(g.perSample ? [g.perSample] : []), ...(g.denominator ? [g.denominator] : [])].flatMap((b) => [b.root, b.seed, ...b.grads.map((x) => x.node)]);
}
