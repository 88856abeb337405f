// The compiler's one range analysis, read by the stability checker (src/stability) and by the
// optimizer's side conditions (src/opt/conditions.ts).
// Range analysis over one loss: the float32 range of every node, from the declared domains
// of the inputs and the ops' own ranges (transfer.ts). Inside a branch of a select, or under
// the mask of a masked reduction, the condition refines its operands (refine.ts): in
// `if a <= delta then ... else ...` the else branch knows a > delta. A context is the set of
// conditions known to hold; ranges are memoised per context.
// Beside each range, whether NaN can reach the node (nan.ts): ranges describe the values that
// are not NaN, and a NaN compares false, so a node refined by (or computed from) a condition
// NaN can reach may also hold values outside its range. The optimizer's side conditions ask
// for both; the stability rules judge NaN by their own rules.
// Ranges are computed on demand, operands first and without recursion in the base context, over
// any hash-consed node list of the loss: the optimizer's grows while it rewrites.

import { emptyValue, OPS } from '../ir/ops.js';
import type { BinaryOp, ReduceOp, UnaryOp } from '../ir/ops.js';
import { REST, type DomainInfo, type IrFunction, type IrNode, type NodeId } from '../ir/types.js';
import * as R from './interval.js';
import { BOOL, type Range } from './interval.js';
import { AXIS_NAN, BINARY_NAN, REDUCE_NAN, UNARY_NAN } from './nan.js';
import { refinedOperands, refinements } from './refine.js';
import { BINARY_RANGE, UNARY_RANGE } from './transfer.js';
import { evaluateInOrder } from '../ir/walk.js';

export interface Guard {
  readonly cond: NodeId;
  readonly truth: boolean;
}

export interface Context {
  readonly key: string;
  readonly guards: readonly Guard[];
  readonly overrides: ReadonlyMap<NodeId, Range>;
}

/** Deeper nesting of conditions is analysed without refining further. */
const MAX_GUARDS = 8;

export const BASE: Context = { key: '', guards: [], overrides: new Map() };

const COMPARISONS: ReadonlySet<BinaryOp> = new Set(['lt', 'le', 'gt', 'ge', 'eq', 'ne']);

export function domainRange(domain: DomainInfo | undefined, elem: string): Range {
  if (elem === 'bool') return BOOL;
  if (!domain) return R.REAL;
  if (domain.kind === 'set') return R.fromValues(domain.values ?? []);
  return R.interval(domain.lo ?? -Infinity, domain.hi ?? Infinity, !domain.loClosed, !domain.hiClosed);
}

export class RangeAnalysis {
  private readonly memo = new Map<string, Map<NodeId, Range>>();
  private readonly nanMemo = new Map<string, Map<NodeId, boolean>>();
  private readonly contexts = new Map<string, Context>([['', BASE]]);
  private readonly fixedSizes = new Map<string, number>();

  /**
   * `nodes`: the loss's own nodes, or any topologically ordered, hash-consed list of nodes
   * over its inputs (the optimizer's builder), which may grow between queries.
   */
  constructor(
    readonly fn: IrFunction,
    private readonly nodes: readonly IrNode[] = fn.nodes,
    /**
     * A set of selects: NaN comes only from them, where their condition can be false (does the
     * NaN one of them chooses there reach a node?); nothing else is taken to make NaN.
     */
    private readonly nanSources: 'all' | ReadonlySet<NodeId> = 'all',
  ) {
    for (const d of fn.dims) if ('size' in d) this.fixedSizes.set(d.dim, d.size);
    // A dim made by flatten of fixed dims is fixed too (literal dims are their own sizes).
    for (const d of fn.dims) {
      if (!('product' in d)) continue;
      const parts = d.product.map((p) => this.fixedSizes.get(p) ?? (/^\d+$/.test(p) ? Number(p) : undefined));
      if (parts.every((p) => p !== undefined)) this.fixedSizes.set(d.dim, parts.reduce((a, b) => a! * b!, 1)!);
    }
  }

  node(id: NodeId): IrNode {
    const n = this.nodes[id];
    if (!n) throw new Error(`internal: no IR node %${id}`);
    return n;
  }

  /** The range of node `id` where the guards of `ctx` hold. */
  range(id: NodeId, ctx: Context = BASE): Range {
    return this.memoised(this.memo, id, ctx, (node, c) => this.compute(node, c), (r, refined) => R.intersect(r, refined));
  }

  /**
   * Whether NaN can reach node `id` where the guards of `ctx` hold: it may be NaN, or, when a
   * NaN compared false somewhere below it, hold values outside its range.
   */
  mayBeNaN(id: NodeId, ctx: Context = BASE): boolean {
    return this.memoised(this.nanMemo, id, ctx, (node, c) => this.nan(node, c), (v) => v);
  }

  /**
   * The value of `id` in `ctx` from `table`, computed by `f` once per context. In the base
   * context the operands are computed first, in a loop: a long chain must not overflow the stack.
   */
  private memoised<T>(table: Map<string, Map<NodeId, T>>, id: NodeId, ctx: Context, f: (node: IrNode, ctx: Context) => T, refine: (v: T, r: Range) => T): T {
    let memo = table.get(ctx.key);
    if (!memo) table.set(ctx.key, (memo = new Map()));
    const known = memo.get(id);
    if (known !== undefined) return known;
    if (ctx === BASE) return evaluateInOrder(this.nodes, id, memo, (node) => f(node, BASE));
    // Nodes are in topological order: one older than every refined node cannot depend on it.
    const oldest = Math.min(...ctx.overrides.keys());
    let v = id < oldest ? this.memoised(table, id, BASE, f, refine) : f(this.node(id), ctx);
    const refined = ctx.overrides.get(id);
    if (refined) v = refine(v, refined);
    memo.set(id, v);
    return v;
  }

  /** `ctx` with `cond` known to be `truth`. */
  refine(ctx: Context, cond: NodeId, truth: boolean): Context {
    if (ctx.guards.length >= MAX_GUARDS || ctx.guards.some((g) => g.cond === cond && g.truth === truth)) return ctx;
    const guards = [...ctx.guards, { cond, truth }].sort((a, b) => a.cond - b.cond || Number(a.truth) - Number(b.truth));
    const key = guards.map((g) => `${g.cond}${g.truth ? '+' : '-'}`).join(',');
    const existing = this.contexts.get(key);
    if (existing) return existing;
    const overrides = new Map(ctx.overrides);
    for (const [id, r] of refinements(this, ctx, cond, truth)) {
      const prior = overrides.get(id);
      overrides.set(id, prior ? R.intersect(prior, r) : r);
    }
    const next: Context = { key, guards, overrides };
    this.contexts.set(key, next);
    return next;
  }

  /** Whether `cond` can be true (or false) where `ctx` holds. */
  possible(cond: NodeId, truth: boolean, ctx: Context): boolean {
    const r = this.range(cond, ctx);
    return truth ? R.reachesAbove(r, 0) || R.reachesBelow(r, 0) : R.canBeZero(r);
  }

  /** The number of elements a reduction over `axes` of node `operand` combines, when fixed. */
  private count(node: IrNode): number | undefined {
    const all = node.args.flatMap((a) => this.node(a).type.axes);
    let n = 1;
    for (const name of node.attrs.axes ?? []) {
      const axis = all.find((a) => a.name === name);
      const size = axis && axis.name !== REST ? this.fixedSizes.get(axis.dim) : undefined;
      if (size === undefined) return undefined;
      n *= size;
    }
    return n;
  }

  private compute(node: IrNode, ctx: Context): Range {
    const arg = (i: number, c: Context = ctx): Range => this.range(node.args[i]!, c);
    switch (OPS[node.op].kind) {
      case 'leaf':
        return this.leaf(node);
      case 'unary':
        return UNARY_RANGE[node.op as UnaryOp](arg(0));
      case 'binary':
        return BINARY_RANGE[node.op as BinaryOp](arg(0), arg(1));
      case 'select': {
        const [c, a, b] = node.args as [NodeId, NodeId, NodeId];
        const whenTrue = this.possible(c, true, ctx) ? this.range(a, this.refine(ctx, c, true)) : R.EMPTY;
        const whenFalse = this.possible(c, false, ctx) ? this.range(b, this.refine(ctx, c, false)) : R.EMPTY;
        return R.union(whenTrue, whenFalse);
      }
      case 'reduce':
        return this.reduce(node, ctx);
      case 'contract': {
        // The sum of the products, as sum(a * b) would have it.
        const x = BINARY_RANGE.mul(arg(0), arg(1));
        const n = this.count(node);
        return n !== undefined ? R.mul(x, R.point(n)) : R.interval(x.lo < 0 ? -Infinity : x.lo, x.hi > 0 ? Infinity : x.hi, x.loOpen, x.hiOpen);
      }
      case 'axis': {
        const x = arg(0);
        // A permutation keeps the values; a running sum adds 1 to n of them.
        if (node.op === 'sort' || node.op === 'unsort') return x;
        if (node.op === 'cumsum') {
          const axis = this.node(node.args[0]!).type.axes.find((a) => a.name === node.attrs.axis);
          const n = axis && axis.name !== REST ? this.fixedSizes.get(axis.dim) : undefined;
          return n !== undefined ? R.mul(x, R.interval(1, n)) : R.interval(x.lo < 0 ? -Infinity : x.lo, x.hi > 0 ? Infinity : x.hi, x.loOpen, x.hiOpen);
        }
        if (node.op === 'log_softmax') return R.interval(-Infinity, 0);
        // exp of the spread: no element underflows to 0 while the spread stays below ~87.
        return R.interval(0, 1, x.hi - x.lo < 80);
      }
      case 'gather':
      case 'reshape':
      case 'resize': // some of x's elements, repeated
        return arg(0);
      case 'apply': // a function parameter (a feature extractor): any real values
        return R.REAL;
    }
  }

  /**
   * Whether NaN can reach `node` in `ctx`: from an operand, or made by the op itself (nan.ts).
   * A comparison is 0 or 1 even of NaN, so it is flagged only when its range rules one out;
   * a select or mask whose condition NaN can reach is judged unrefined.
   */
  private nan(node: IrNode, ctx: Context): boolean {
    const nan = (i: number, c: Context = ctx): boolean => this.mayBeNaN(node.args[i]!, c);
    const arg = (i: number): Range => this.range(node.args[i]!, ctx);
    if (this.nanSources !== 'all') {
      if (this.nanSources.has(node.id) && node.op === 'select' && this.possible(node.args[0]!, false, ctx)) return true;
      return node.args.some((_, i) => nan(i)) && this.carried(node, ctx);
    }
    switch (OPS[node.op].kind) {
      case 'leaf': // inputs are never NaN; a folded constant may be (log of a negative one)
        return node.op === 'const' && Number.isNaN(node.attrs.value);
      case 'unary':
        return nan(0) || UNARY_NAN[node.op as UnaryOp](arg(0));
      case 'binary': {
        const op = node.op as BinaryOp;
        if (COMPARISONS.has(op)) {
          // A flagged operand may be NaN, or outside its range: only "either" is sure.
          const r = this.range(node.id, ctx);
          return (nan(0) || nan(1)) && !(R.contains(r, 0) && R.contains(r, 1));
        }
        // x + x and x · x are never ∞ - ∞ or 0 · ∞.
        const same = node.args[0] === node.args[1] && (op === 'add' || op === 'mul');
        return nan(0) || nan(1) || (!same && BINARY_NAN[op](arg(0), arg(1)));
      }
      case 'select': {
        const c = node.args[0]!;
        // Which branches are possible is read from the condition's range.
        if (nan(0)) return true;
        const branch = (i: number, truth: boolean): boolean => this.possible(c, truth, ctx) && this.guarded(c, truth, ctx, (inner) => nan(i, inner), node.args[i]!);
        return branch(1, true) || branch(2, false);
      }
      case 'reduce': {
        if (node.args.length === 1) return nan(0) || REDUCE_NAN[node.op as ReduceOp](arg(0));
        const mask = node.args[1]!;
        if (nan(1)) return true;
        // Unselected elements are filled, not computed with: only the selected ones count.
        const selected = this.possible(mask, true, ctx) && this.guarded(mask, true, ctx, (inner) => nan(0, inner) || REDUCE_NAN[node.op as ReduceOp](this.range(node.args[0]!, inner)), node.args[0]!);
        // Nothing selected gives the empty value (NaN when unset for a reduction with no natural one).
        const empty = emptyValue(node);
        return selected || (this.possible(mask, false, ctx) && Number.isNaN(empty));
      }
      case 'contract':
        return nan(0) || nan(1) || BINARY_NAN.mul(arg(0), arg(1)) || REDUCE_NAN.sum(BINARY_RANGE.mul(arg(0), arg(1)));
      case 'axis':
        // A permutation makes no NaN; a running sum makes one from ∞ - ∞, as a sum does.
        if (node.op === 'sort' || node.op === 'unsort') return node.args.some((_, i) => nan(i));
        if (node.op === 'cumsum') return nan(0) || REDUCE_NAN.sum(arg(0));
        return nan(0) || AXIS_NAN(arg(0));
      case 'gather':
      case 'reshape':
        return node.args.some((_, i) => nan(i));
      case 'resize': // the second operand is read for its size only
        return nan(0);
      case 'apply': // a function parameter: anything
        return true;
    }
  }

  /** With NaN only from chosen sources: whether the op passes an operand's NaN on (a mask or an unchosen branch may not). */
  private carried(node: IrNode, ctx: Context): boolean {
    const nan = (i: number, c: Context = ctx): boolean => this.mayBeNaN(node.args[i]!, c);
    switch (OPS[node.op].kind) {
      case 'binary':
        // A comparison of NaN is 0 or 1.
        return !COMPARISONS.has(node.op as BinaryOp);
      case 'select': {
        const c = node.args[0]!;
        if (nan(0)) return true;
        const branch = (i: number, truth: boolean): boolean => this.possible(c, truth, ctx) && this.guarded(c, truth, ctx, (inner) => nan(i, inner), node.args[i]!);
        return branch(1, true) || branch(2, false);
      }
      case 'reduce': {
        if (node.args.length === 1) return true;
        const mask = node.args[1]!;
        return nan(1) || (this.possible(mask, true, ctx) && this.guarded(mask, true, ctx, (inner) => nan(0, inner), node.args[0]!));
      }
      case 'apply':
        return true;
      default:
        return true;
    }
  }

  /**
   * `test` where `cond` is `truth`, for operand `arg`. Refining by the condition is sound when
   * no NaN reaches what it bounds; otherwise `arg` is judged unrefined, and flagged when its
   * refined range (the one its consumer's range was built from) is narrower.
   */
  private guarded(cond: NodeId, truth: boolean, ctx: Context, test: (c: Context) => boolean, arg: NodeId): boolean {
    const inner = this.refine(ctx, cond, truth);
    if (refinedOperands(this, cond).every((id) => !this.mayBeNaN(id, ctx))) return test(inner);
    return test(ctx) || !R.same(this.range(arg, inner), this.range(arg, ctx));
  }

  private leaf(node: IrNode): Range {
    switch (node.op) {
      case 'const':
        return node.attrs.value === undefined || !Number.isFinite(node.attrs.value) ? R.REAL : R.point(node.attrs.value);
      case 'size': {
        const n = this.fixedSizes.get(node.attrs.dim!);
        return n === undefined ? R.interval(1, Infinity) : R.point(n);
      }
      case 'iota': {
        const n = this.fixedSizes.get(node.attrs.dim!);
        return n === undefined ? R.interval(0, Infinity) : R.interval(0, n - 1);
      }
      default: {
        const name = node.attrs.name;
        const input = this.fn.inputs.find((i) => i.name === name);
        if (input) {
          if (input.elem !== 'index') return domainRange(input.domain, input.elem);
          const n = input.indexOf === undefined ? undefined : this.fixedSizes.get(input.indexOf);
          const classes = R.interval(0, n === undefined ? Infinity : n - 1);
          // `ignore h`: h's value too (a gather there is NaN, unless masked: src/check/ignore.ts).
          const h = input.ignore === undefined ? undefined : this.fn.hypers.find((x) => x.name === input.ignore);
          return h ? R.union(classes, domainRange(h.domain, h.elem)) : classes;
        }
        const hyper = this.fn.hypers.find((h) => h.name === name);
        return domainRange(hyper?.domain, hyper?.elem ?? node.type.dtype);
      }
    }
  }

  private reduce(node: IrNode, ctx: Context): Range {
    const masked = node.args.length > 1;
    const mask = node.args[1];
    // The operand counts only where the mask holds.
    const inner = masked && this.possible(mask!, true, ctx) ? this.refine(ctx, mask!, true) : ctx;
    const x = masked && !this.possible(mask!, true, ctx) ? R.EMPTY : this.range(node.args[0]!, inner);
    const n = this.count(node);
    let r: Range;
    switch (node.op) {
      case 'sum':
        // A mask selects between 1 and n of the n elements.
        r = n !== undefined ? R.mul(x, masked ? R.interval(1, n) : R.point(n)) : R.interval(x.lo < 0 ? -Infinity : x.lo, x.hi > 0 ? Infinity : x.hi, x.loOpen, x.hiOpen);
        break;
      case 'prod':
        r = x.lo >= 0 && x.hi <= 1 ? R.interval(0, 1) : x.lo >= 1 ? R.interval(x.lo, Infinity) : x.lo >= 0 ? R.interval(0, Infinity) : R.REAL;
        break;
      case 'logsumexp':
        r = R.interval(x.lo, n !== undefined && x.hi < Infinity ? x.hi + Math.log(n) : Infinity, x.loOpen);
        break;
      case 'any':
      case 'all':
        r = BOOL;
        break;
      default: // mean, max, min stay within the operand's range
        r = x;
    }
    if (!masked || !this.possible(mask!, false, ctx)) return r;
    // Nothing selected gives the empty value (sum 0, prod 1; NaN when unset for the others).
    const empty = emptyValue(node);
    if (Number.isFinite(empty)) return R.union(r, R.point(empty));
    if (Number.isNaN(empty)) return R.REAL;
    return empty < 0 ? R.interval(-Infinity, Math.max(r.hi, -Infinity), true, r.hiOpen) : R.interval(Math.min(r.lo, Infinity), Infinity, r.loOpen, true);
  }
}
