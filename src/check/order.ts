// The order of a value's axes, where the language reads one: indexing by position (`x[i, j]`),
// a binding's left side naming the remaining axes (`y[n, k] = x`), and a def's shape pattern
// taking axes that no name matches. Meaning never depends on the order the compiler happens
// to lay a value out in: a value's order is *declared* (by an input's shape, a def's pattern, a
// binding's left side, an index list), *inherited* (an operation keeps the order of an operand
// that has every axis of its result, when all such operands agree), or else *canonical*:
// axes.ts `canonicalAxes`, the order the loss declares its dims in. So `w * x` and `x * w`
// read alike, whatever the layout of either.

import { canonicalAxes } from '../ir/axes.js';
import type { DimExpr } from '../../grammar/ast.js';
import { REST, type Axis, type NodeId } from '../ir/types.js';
import type { ElabContext } from './context.js';
import type { TensorVal } from './values.js';

/** Names of the named axes (the rest axis `...` is never indexed by position). */
export function namesOf(axes: readonly Axis[]): string[] {
  return axes.filter((a) => a.name !== REST).map((a) => a.name);
}

/**
 * The order an operation's result inherits: that of each operand that has every axis of the
 * result, read on the result's axes, when they all agree; undefined when none has them all
 * (an outer product) or they disagree (`x + y` with x: [B, C], y: [C, B]).
 */
export function inheritedOrder(result: readonly Axis[], operands: readonly TensorVal[]): string[] | undefined {
  const want = namesOf(result);
  const hasRest = want.length !== result.length;
  let found: string[] | undefined;
  // The rest group's place among them: from the operands that have every axis, `...` too.
  let rest: string[] | undefined | null;
  for (const op of operands) {
    if (!op.positional) continue;
    if (!want.every((n) => op.positional!.includes(n))) continue;
    const order = op.positional.filter((n) => want.includes(n));
    if (found && found.join() !== order.join()) return undefined;
    found = order;
    if (!hasRest || !op.axes.some((a) => a.name === REST)) continue;
    const full = fullOrder(op);
    const withRest = full?.includes(REST) ? full.filter((n) => n === REST || want.includes(n)) : null;
    rest = rest === undefined || (rest !== null && withRest?.join() === rest.join()) ? withRest : null;
  }
  if (!found || found.length !== want.length) return undefined;
  return rest ? rest : found;
}

/**
 * `v`'s order with the rest group in its place (`[B, C, ...]`), when `v` has it and its place
 * is known; the named axes alone when that place is not known; undefined with no declared order.
 */
export function fullOrder(v: TensorVal): string[] | undefined {
  if (!v.positional) return undefined;
  if (v.restAt === undefined || !v.axes.some((a) => a.name === REST)) return [...v.positional];
  return [...v.positional.slice(0, v.restAt), REST, ...v.positional.slice(v.restAt)];
}

/** `v`'s axes in the order positional indexing reads them, and whether that order was declared. */
export function orderOf(ctx: ElabContext, v: TensorVal): { readonly names: string[]; readonly declared: boolean } {
  if (v.positional) return { names: [...v.positional], declared: true };
  return { names: namesOf(canonicalAxes(v.axes, ctx.dimOrder)), declared: false };
}

/**
 * `v` with a declared order, remembered for its node (the boundary layout reads it). The order
 * may hold `...` where the rest group stands: kept as `restAt`, for `flatten(x, ..., S)`.
 */
export function declare(ctx: ElabContext, v: TensorVal, order: readonly string[] | undefined): TensorVal {
  if (!order) return v;
  const positional = order.filter((n) => n !== REST);
  const at = order.indexOf(REST);
  record(ctx, v.id, positional);
  // A new order without `...` says nothing of its place: the old place is dropped with it.
  const { restAt: _oldPlace, restUnplaced: _noPlace, ...unplaced } = v;
  return at >= 0 && v.axes.some((a) => a.name === REST) ? { ...unplaced, positional, restAt: at } : { ...unplaced, positional };
}

/** One node reached with two different declared orders has none. */
function record(ctx: ElabContext, id: NodeId, order: readonly string[]): void {
  const prior = ctx.orders.get(id);
  if (prior === undefined) ctx.orders.set(id, order);
  else if (prior !== null && prior.join() !== order.join()) ctx.orders.set(id, null);
}

/**
 * The axes of a value matched to a declared result shape (`-> [N, C]`): each entry names an
 * axis (through `resolve`, which maps a def's pattern dims to the caller's axes) or, failing
 * that, the one axis of that dim. The names in the declared order, or undefined when the value
 * does not have exactly the declared axes.
 */
export function matchDeclared(axes: readonly Axis[], declared: readonly DimExpr[], resolve: (name: string) => string | undefined = (n) => n): string[] | undefined {
  const named = axes.filter((a) => a.name !== REST);
  const hasRest = named.length !== axes.length;
  if (hasRest !== declared.some((d) => d.kind === 'RestDim')) return undefined;
  const entries = declared.filter((d) => d.kind !== 'RestDim');
  if (entries.length !== named.length) return undefined;
  const out: string[] = [];
  for (const d of entries) {
    const want = d.kind === 'NamedDim' ? d.name : String(d.size);
    const name = resolve(want) ?? want;
    const axis = named.find((a) => a.name === name && !out.includes(a.name)) ?? single(named.filter((a) => a.dim === want && !out.includes(a.name)));
    if (!axis) return undefined;
    out.push(axis.name);
  }
  return out;
}

const single = <T>(xs: readonly T[]): T | undefined => (xs.length === 1 ? xs[0] : undefined);

/**
 * Where the rest group goes among the named axes callers see: `restShape` is the shape that
 * decides (a declared result `-> [B, C, ...]`, else the first input with `...`). The group
 * comes after as many of `names` as that shape has dims before its `...` (matched by dim).
 */
export function placeRest(axes: readonly Axis[], names: readonly string[], restShape: readonly Axis[] | undefined): string[] {
  if (!axes.some((a) => a.name === REST)) return [...names];
  const at = restShape ? restShape.findIndex((a) => a.name === REST) : -1;
  const before = new Set((at >= 0 ? restShape!.slice(0, at) : []).map((a) => a.dim));
  const k = names.filter((n) => before.has(axes.find((a) => a.name === n)?.dim ?? n)).length;
  return [...names.slice(0, k), REST, ...names.slice(k)];
}

/** The order callers see the per-sample losses in: that of the operand the loss reduces. */
export function perSampleOrder(ctx: ElabContext, perSample: NodeId, reduction: NodeId, restShape: readonly Axis[] | undefined): string[] {
  const axes = ctx.b.type(perSample).axes;
  const order = ctx.reduced.get(reduction);
  return order ? placeRest(axes, order, restShape) : boundaryOrder(ctx, perSample, restShape);
}

/** The order callers see a loss's result or per-sample losses in: declared, else canonical. */
export function boundaryOrder(ctx: ElabContext, id: NodeId, restShape: readonly Axis[] | undefined): string[] {
  const declared = ctx.orders.get(id);
  const axes = ctx.b.type(id).axes;
  return placeRest(axes, declared ?? namesOf(canonicalAxes(axes, ctx.dimOrder)), restShape);
}
