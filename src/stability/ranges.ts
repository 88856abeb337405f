// Range analysis over one loss: the float32 range of every node, from the declared domains
// of the inputs and the ops' own ranges (transfer.ts). Inside a branch of a select, or under
// the mask of a masked reduction, the condition refines its operands (refine.ts): in
// `if a <= delta then ... else ...` the else branch knows a > delta. A context is the set of
// conditions known to hold; ranges are memoised per context.

import { OPS } from '../ir/ops.js';
import type { BinaryOp, UnaryOp } from '../ir/ops.js';
import { REST, type DomainInfo, type IrFunction, type IrNode, type NodeId } from '../ir/types.js';
import * as R from './interval.js';
import { BOOL, type Range } from './interval.js';
import { refinements } from './refine.js';
import { BINARY_RANGE, UNARY_RANGE } from './transfer.js';

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

export function domainRange(domain: DomainInfo | undefined, elem: string): Range {
  if (elem === 'bool') return BOOL;
  if (!domain) return R.REAL;
  if (domain.kind === 'set') return R.fromValues(domain.values ?? []);
  return R.interval(domain.lo ?? -Infinity, domain.hi ?? Infinity, !domain.loClosed, !domain.hiClosed);
}

export class RangeAnalysis {
  private readonly memo = new Map<string, Map<NodeId, Range>>();
  private readonly contexts = new Map<string, Context>([['', BASE]]);
  private readonly fixedSizes = new Map<string, number>();

  constructor(readonly fn: IrFunction) {
    for (const d of fn.dims) if ('size' in d) this.fixedSizes.set(d.dim, d.size);
    // The base context in topological order, so that recursion stays shallow.
    for (const n of fn.nodes) this.range(n.id, BASE);
  }

  node(id: NodeId): IrNode {
    return this.fn.nodes[id]!;
  }

  /** The range of node `id` where the guards of `ctx` hold. */
  range(id: NodeId, ctx: Context = BASE): Range {
    let memo = this.memo.get(ctx.key);
    if (!memo) this.memo.set(ctx.key, (memo = new Map()));
    const known = memo.get(id);
    if (known) return known;
    // Nodes are in topological order: one older than every refined node cannot depend on it.
    const oldest = Math.min(...ctx.overrides.keys());
    let r = ctx !== BASE && id < oldest ? this.range(id, BASE) : this.compute(this.node(id), ctx);
    const refined = ctx.overrides.get(id);
    if (refined) r = R.intersect(r, refined);
    memo.set(id, r);
    return r;
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
      case 'axis': {
        const x = arg(0);
        if (node.op === 'log_softmax') return R.interval(-Infinity, 0);
        // exp of the spread: no element underflows to 0 while the spread stays below ~87.
        return R.interval(0, 1, x.hi - x.lo < 80);
      }
      case 'gather':
      case 'reshape':
        return arg(0);
      case 'apply': // a function parameter (a feature extractor): any real values
        return R.REAL;
    }
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
          return R.interval(0, n === undefined ? Infinity : n - 1);
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
    // Nothing selected gives the `empty` value (sum 0, prod 1).
    const empty = node.attrs.empty ?? (node.op === 'prod' || node.op === 'all' ? 1 : 0);
    if (Number.isFinite(empty)) return R.union(r, R.point(empty));
    if (Number.isNaN(empty)) return R.REAL;
    return empty < 0 ? R.interval(-Infinity, Math.max(r.hi, -Infinity), true, r.hiOpen) : R.interval(Math.min(r.lo, Infinity), Infinity, r.loOpen, true);
  }
}
