// Named side conditions of the rule table. Each is conservative: when the analysis cannot
// tell, the condition does not hold and the rule does not fire. Value conditions ask the range
// analysis the stability checker uses too (src/ranges): a range describes the values that are
// not NaN, so each also asks that NaN cannot reach the node.

import type { Attrs, IrNode, NodeId, TensorType } from '../ir/types.js';
import { REST } from '../ir/types.js';
import { FLT_MAX } from '../ranges/float32.js';
import { isEmpty, type Range } from '../ranges/interval.js';
import type { Bindings } from './match.js';

/** What a condition may ask about the match. */
export interface ConditionContext {
  /** The float32 range of the node's values that are not NaN. */
  range(id: NodeId): Range;
  /** NaN may reach the node (then its range says nothing). */
  mayBeNaN(id: NodeId): boolean;
  type(id: NodeId): TensorType;
  node(id: NodeId): IrNode;
}

/** The node's range when it vouches for every value: NaN cannot reach the node, and the range is not empty. */
const known = (ctx: ConditionContext, id: NodeId): Range | undefined => {
  const r = ctx.range(id);
  return isEmpty(r) || ctx.mayBeNaN(id) ? undefined : r;
};

export type Condition =
  | { readonly on: 'node'; readonly doc: string; readonly test: (ctx: ConditionContext, id: NodeId) => boolean }
  | { readonly on: 'attrs'; readonly doc: string; readonly test: (attrs: Attrs) => boolean }
  /** A node and the attributes of the reduction it is the mask of: `picks-one ?m r`. */
  | { readonly on: 'mask'; readonly doc: string; readonly test: (ctx: ConditionContext, id: NodeId, attrs: Attrs) => boolean }
  /** Two nodes: `covers ?x ?c`. */
  | { readonly on: 'nodes'; readonly doc: string; readonly test: (ctx: ConditionContext, a: NodeId, b: NodeId) => boolean }
  /** Two nodes and the attributes of the reduction over their product: `pairwise ?a ?b r`. */
  | { readonly on: 'pair'; readonly doc: string; readonly test: (ctx: ConditionContext, a: NodeId, b: NodeId, attrs: Attrs) => boolean };

/** Below this a positive factor times any float32 of magnitude at most 2^74 can underflow to 0. */
const TINY = 2 ** -74;

/**
 * `iota(u) == iota(v)` for two axes of one dim, with the reduction removing exactly one of
 * them: one element selected in each row (a diagonal `s[i, i]`), never none.
 */
function picksOne(ctx: ConditionContext, id: NodeId, attrs: Attrs): boolean {
  const m = ctx.node(id);
  if (m.op !== 'eq' || (attrs.axes ?? []).length !== 1) return false;
  const [u, v] = m.args.map((a) => ctx.node(a));
  if (u?.op !== 'iota' || v?.op !== 'iota' || u.attrs.axis === v.attrs.axis || u.attrs.dim !== v.attrs.dim) return false;
  return attrs.axes![0] === u.attrs.axis || attrs.axes![0] === v.attrs.axis;
}

/**
 * A sum over `attrs.axes` of a product of `a` and `b` is a contraction worth doing as one:
 * both are real, both carry every summed axis, and each has an axis the other lacks (a free
 * axis on each side: the product, [i, j, D] for a[i, D] and b[j, D], is larger than both
 * operands and the result). The rest axis `...` stays out (its dims are known at run time only).
 */
function pairwise(ctx: ConditionContext, a: NodeId, b: NodeId, attrs: Attrs): boolean {
  const [ta, tb] = [ctx.type(a), ctx.type(b)];
  const K = attrs.axes ?? [];
  if (ta.dtype !== 'real' || tb.dtype !== 'real' || K.length === 0 || K.includes(REST)) return false;
  if ([...ta.axes, ...tb.axes].some((x) => x.name === REST)) return false;
  const has = (t: TensorType, name: string): boolean => t.axes.some((x) => x.name === name);
  if (!K.every((k) => has(ta, k) && has(tb, k))) return false;
  return ta.axes.some((x) => !has(tb, x.name)) && tb.axes.some((x) => !has(ta, x.name));
}

export const CONDITIONS = {
  nonneg: { on: 'node', doc: 'every value is >= 0 (and never NaN)', test: (ctx, id) => (known(ctx, id)?.lo ?? -1) >= 0 },
  positive: { on: 'node', doc: 'every value is > 0 (and never NaN)', test: (ctx, id) => (known(ctx, id)?.lo ?? -1) > 0 },
  finite: {
    on: 'node',
    doc: 'every value is a finite number in float32 (and never NaN)',
    test: (ctx, id) => {
      const r = known(ctx, id);
      return r !== undefined && r.lo >= -FLT_MAX && r.hi <= FLT_MAX;
    },
  },
  scalar: { on: 'node', doc: 'the value has no axes, so it is the same along every reduced axis', test: (ctx, id) => ctx.type(id).axes.length === 0 },
  tensor: { on: 'node', doc: 'the value has at least one axis (an operation on it costs one per element)', test: (ctx, id) => ctx.type(id).axes.length > 0 },
  real: { on: 'node', doc: 'a real number (not a whole number or a condition)', test: (ctx, id) => ctx.type(id).dtype === 'real' },
  tiny: {
    on: 'node',
    doc: 'every value is >= 0 (never NaN), and some are small enough that a product with them can underflow to 0',
    test: (ctx, id) => {
      const r = known(ctx, id);
      return r !== undefined && r.lo >= 0 && r.lo < TINY && r.hi > 0;
    },
  },
  'no-axes': { on: 'attrs', doc: 'the reduction removes no axis (its operand is a scalar)', test: (a) => (a.axes ?? []).length === 0 },
  'one-axis': { on: 'attrs', doc: 'the reduction removes exactly one named axis (softmax works along one)', test: (a) => a.axes?.length === 1 && a.axes[0] !== REST },
  'default-empty': { on: 'attrs', doc: "a masked product with no 'empty:' of its own (1 when nothing is selected)", test: (a) => a.empty === undefined || a.empty === 1 },
  pairwise: { on: 'pair', doc: 'a sum over r of a product of ?a and ?b, real, which both carry every axis of r and each has an axis the other lacks (no rest axis): a contraction', test: pairwise },
  // A constant e with e·e = e: a product of two values that are e at the same places is e there.
  idempotent: {
    on: 'node',
    doc: 'a constant e with e·e = e (0, 1, inf or NaN)',
    test: (ctx, id) => {
      const n = ctx.node(id);
      const v = n.op === 'const' ? n.attrs.value : undefined;
      return v !== undefined && (Object.is(v * v, v) || Number.isNaN(v));
    },
  },
  covers: {
    on: 'nodes',
    doc: 'the first node has every axis of the second (a reduction over its axes reduces the first too)',
    test: (ctx, a, b) => ctx.type(b).axes.every((x) => ctx.type(a).axes.some((y) => y.name === x.name)),
  },
  'picks-one': { on: 'mask', doc: 'the mask selects exactly one element along the reduced axis (a diagonal: iota(i) == iota(j), reduced over j)', test: picksOne },
} as const satisfies Record<string, Condition>;

export type ConditionName = keyof typeof CONDITIONS;

/** A parsed `when:` clause: `nonneg ?x & one-axis r`. */
export interface ConditionUse {
  readonly name: ConditionName;
  /** `?x` (a node variable) or `r` (an attribute name). */
  readonly arg: string;
  /** A mask or pair condition's attribute name (`r` of `picks-one ?m r`). */
  readonly attrs?: string;
  /** A pair or two-node condition's second node variable (`b` of `pairwise ?a ?b r`, `?c` of `covers ?x ?c`). */
  readonly other?: string;
}

export function parseConditions(text: string | undefined): ConditionUse[] {
  if (!text) return [];
  return text.split('&').map((part) => {
    const words = part.trim().split(/\s+/);
    if (words[0] === 'pairwise' && words.length === 4 && words[1]!.startsWith('?') && words[2]!.startsWith('?') && !words[3]!.startsWith('?')) {
      return { name: 'pairwise' as ConditionName, arg: words[1]!.slice(1), other: words[2]!.slice(1), attrs: words[3]! };
    }
    const [name, arg, extra, more] = words;
    if (name !== undefined && Object.prototype.hasOwnProperty.call(CONDITIONS, name) && CONDITIONS[name as ConditionName].on === 'nodes') {
      if (!arg?.startsWith('?') || !extra?.startsWith('?') || more) throw new Error(`rule condition '${part.trim()}': ${name} takes two ?nodes`);
      return { name: name as ConditionName, arg: arg.slice(1), other: extra.slice(1) };
    }
    if (!name || !arg || more || name === 'pairwise' || !Object.prototype.hasOwnProperty.call(CONDITIONS, name)) {
      throw new Error(`rule condition '${part.trim()}' is not 'NAME ?var' with a known NAME`);
    }
    const cond = CONDITIONS[name as ConditionName];
    if ((cond.on === 'mask') !== (extra !== undefined) || (extra !== undefined && extra.startsWith('?'))) throw new Error(`rule condition '${part.trim()}': ${name} takes ${cond.on === 'mask' ? 'a ?node and attributes' : 'one argument'}`);
    if ((cond.on !== 'attrs') !== arg.startsWith('?')) throw new Error(`rule condition '${part.trim()}': ${name} applies to ${cond.on !== 'attrs' ? 'a ?node' : 'attributes'}`);
    return { name: name as ConditionName, arg: arg.replace(/^\?/, ''), ...(extra !== undefined ? { attrs: extra } : {}) };
  });
}

/** Every condition holds of a match. */
export function conditionsHold(uses: readonly ConditionUse[], env: Bindings, ctx: ConditionContext): boolean {
  return uses.every((c) => {
    const cond: Condition = CONDITIONS[c.name];
    if (cond.on === 'nodes') {
      const [a, b] = [env.nodes[c.arg], env.nodes[c.other ?? '']];
      return a !== undefined && b !== undefined && cond.test(ctx, a, b);
    }
    if (cond.on === 'pair') {
      const [a, b] = [env.nodes[c.arg], env.nodes[c.other ?? '']];
      const attrs = env.attrs[c.attrs ?? ''];
      return a !== undefined && b !== undefined && attrs !== undefined && cond.test(ctx, a, b, attrs);
    }
    if (cond.on === 'node') {
      const id = env.nodes[c.arg];
      return id !== undefined && cond.test(ctx, id);
    }
    if (cond.on === 'mask') {
      const id = env.nodes[c.arg];
      const attrs = env.attrs[c.attrs ?? ''];
      return id !== undefined && attrs !== undefined && cond.test(ctx, id, attrs);
    }
    const attrs = env.attrs[c.arg];
    return attrs !== undefined && cond.test(attrs);
  });
}
