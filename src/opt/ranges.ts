// Value ranges of IR nodes, for the rules' side conditions: closed intervals [lo, hi] that
// hold for every element in float64 and float32, plus whether the node may be NaN. They
// start from the declared domains of inputs (`p: [N] in [0, 1]`) and the ranges of ops
// themselves (sigmoid is in [0, 1] once rounding is counted). Anything unknown is the
// full line, so a condition that needs more does not hold.

import type { DomainInfo, IrFunction, IrNode, NodeId } from '../ir/types.js';

export interface Range {
  readonly lo: number;
  readonly hi: number;
  /** The node may hold NaN (log of a negative, 0 · inf, inf - inf, ...). */
  readonly nan: boolean;
}

const FULL: Range = { lo: -Infinity, hi: Infinity, nan: false };
const UNKNOWN: Range = { lo: -Infinity, hi: Infinity, nan: true };
const UNIT: Range = { lo: 0, hi: 1, nan: false };
// `+ 0` turns -0 into 0.
const iv = (lo: number, hi: number, nan = false): Range => (Number.isNaN(lo) || Number.isNaN(hi) ? UNKNOWN : { lo: lo + 0, hi: hi + 0, nan });

/** The smallest range holding every value `f` gives at the corners (f monotone in each operand). */
function corners(a: Range, b: Range, f: (x: number, y: number) => number): Range {
  const vs = [f(a.lo, b.lo), f(a.lo, b.hi), f(a.hi, b.lo), f(a.hi, b.hi)];
  if (vs.some(Number.isNaN)) return UNKNOWN;
  return iv(Math.min(...vs), Math.max(...vs), a.nan || b.nan);
}

function hull(a: Range, b: Range): Range {
  return iv(Math.min(a.lo, b.lo), Math.max(a.hi, b.hi), a.nan || b.nan);
}

function ofDomain(d: DomainInfo | undefined): Range {
  if (!d) return FULL;
  if (d.kind === 'set') return d.values && d.values.length > 0 ? iv(Math.min(...d.values), Math.max(...d.values)) : FULL;
  return iv(d.lo ?? -Infinity, d.hi ?? Infinity);
}

const absRange = (r: Range): Range =>
  r.lo >= 0 ? r : r.hi <= 0 ? iv(-r.hi, -r.lo, r.nan) : iv(0, Math.max(-r.lo, r.hi), r.nan);

/** Monotone increasing `f` defined on [from, ∞): NaN below it. */
const increasing = (r: Range, f: (x: number) => number, from = -Infinity): Range =>
  r.lo >= from ? iv(f(r.lo), f(r.hi), r.nan) : UNKNOWN;

type Rule = (node: IrNode, args: readonly Range[], fn: IrFunction) => Range;

/** Reductions: `sum` keeps only the sign; `mean`, `max`, `min` stay in the operand's hull. */
const masked = (node: IrNode, r: Range): Range =>
  node.args.length > 1 && node.attrs.empty !== undefined ? hull(r, iv(node.attrs.empty, node.attrs.empty)) : r;

const RULES: Partial<Record<IrNode['op'], Rule>> = {
  input: (n, _a, fn) => {
    const decl = fn.inputs.find((i) => i.name === n.attrs.name) ?? fn.hypers.find((h) => h.name === n.attrs.name);
    if (n.type.dtype === 'bool') return UNIT;
    if (decl && 'elem' in decl && decl.elem === 'index') return iv(0, Infinity);
    return ofDomain(decl?.domain);
  },
  const: (n) => iv(n.attrs.value!, n.attrs.value!),
  iota: () => iv(0, Infinity),
  size: () => iv(0, Infinity),
  neg: (_n, [a]) => iv(-a!.hi, -a!.lo, a!.nan),
  abs: (_n, [a]) => absRange(a!),
  sign: (_n, [a]) => iv(Math.sign(a!.lo), Math.sign(a!.hi), a!.nan),
  exp: (_n, [a]) => increasing(a!, Math.exp),
  log: (_n, [a]) => increasing(a!, Math.log, 0),
  log1p: (_n, [a]) => increasing(a!, Math.log1p, -1),
  expm1: (_n, [a]) => increasing(a!, Math.expm1),
  sqrt: (_n, [a]) => increasing(a!, Math.sqrt, 0),
  square: (_n, [a]) => {
    const m = absRange(a!);
    return iv(m.lo * m.lo, m.hi * m.hi, m.nan);
  },
  sigmoid: (_n, [a]) => iv(0, 1, a!.nan),
  softplus: (_n, [a]) => iv(0, Infinity, a!.nan),
  log_sigmoid: (_n, [a]) => iv(-Infinity, 0, a!.nan),
  tanh: (_n, [a]) => iv(-1, 1, a!.nan),
  cosh: (_n, [a]) => iv(1, Infinity, a!.nan),
  relu: (_n, [a]) => iv(Math.max(a!.lo, 0), Math.max(a!.hi, 0), a!.nan),
  floor: (_n, [a]) => increasing(a!, Math.floor),
  not: () => UNIT,
  to_real: (_n, [a]) => a!,
  add: (_n, [a, b]) => corners(a!, b!, (x, y) => x + y),
  sub: (_n, [a, b]) => corners(a!, b!, (x, y) => x - y),
  mul: (_n, [a, b]) => corners(a!, b!, (x, y) => x * y),
  // Dividing by a range that holds 0 may give 0/0.
  div: (_n, [a, b]) => (b!.lo > 0 || b!.hi < 0 ? corners(a!, b!, (x, y) => x / y) : UNKNOWN),
  pow: (_n, [a, b]) => (a!.lo > 0 ? iv(0, Infinity, a!.nan || b!.nan) : UNKNOWN),
  maximum: (_n, [a, b]) => iv(Math.max(a!.lo, b!.lo), Math.max(a!.hi, b!.hi), a!.nan || b!.nan),
  minimum: (_n, [a, b]) => iv(Math.min(a!.lo, b!.lo), Math.min(a!.hi, b!.hi), a!.nan || b!.nan),
  eq: () => UNIT, ne: () => UNIT, lt: () => UNIT, le: () => UNIT, gt: () => UNIT, ge: () => UNIT,
  and: () => UNIT, or: () => UNIT, any: () => UNIT, all: () => UNIT,
  select: (_n, [, a, b]) => hull(a!, b!),
  sum: (n, [a]) => masked(n, a!.lo >= 0 ? iv(0, Infinity, a!.nan) : a!.hi <= 0 ? iv(-Infinity, 0, a!.nan) : a!.lo === -Infinity && a!.hi === Infinity ? UNKNOWN : FULL),
  mean: (n, [a]) => masked(n, a!.lo === -Infinity && a!.hi === Infinity ? iv(-Infinity, Infinity, true) : a!),
  max: (n, [a]) => masked(n, a!),
  min: (n, [a]) => masked(n, a!),
  prod: (n, [a]) => masked(n, a!.lo >= 0 ? iv(0, a!.hi <= 1 ? 1 : Infinity, a!.nan) : UNKNOWN),
  logsumexp: (n, [a]) => masked(n, iv(a!.lo, Infinity, a!.nan || a!.hi === Infinity)),
  // exp(x - logsumexp(x)) is NaN when x holds an infinity.
  softmax: (_n, [a]) => iv(0, 1, a!.nan || a!.lo === -Infinity || a!.hi === Infinity),
  log_softmax: (_n, [a]) => iv(-Infinity, 0, a!.nan || a!.lo === -Infinity || a!.hi === Infinity),
  gather: (_n, [a]) => a!,
  rename: (_n, [a]) => a!,
  pick: (_n, [a]) => a!,
};

/** Ranges of the nodes of `nodes` (any hash-consed node list), computed on demand and kept. */
export class RangeAnalysis {
  private readonly memo = new Map<NodeId, Range>();

  constructor(
    private readonly fn: IrFunction,
    private readonly nodes: readonly IrNode[],
  ) {}

  of(id: NodeId): Range {
    // Iterative post-order: a long chain of nodes must not overflow the call stack.
    const stack = [id];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const node = this.nodes[top];
      if (this.memo.has(top) || !node) {
        stack.pop();
        if (!node) this.memo.set(top, UNKNOWN);
        continue;
      }
      const missing = node.args.filter((a) => !this.memo.has(a));
      if (missing.length > 0) {
        stack.push(...missing);
        continue;
      }
      stack.pop();
      const rule = RULES[node.op];
      this.memo.set(top, rule ? rule(node, node.args.map((a) => this.memo.get(a)!), this.fn) : UNKNOWN);
    }
    return this.memo.get(id)!;
  }
}
