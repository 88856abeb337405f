// flatten and unflatten: axes merged into one new axis, and one axis split into several whose
// sizes are known. The merged axis is a dim of the loss like any other: its size is the product
// of the merged ones (a `product` dim source, checked against an input that also has it).

import type { Call, Expr } from '../../grammar/ast.js';
import { formatAxes } from '../ir/axes.js';
import { REST, REST_AXIS, type Axis } from '../ir/types.js';
import type { ElabContext } from './context.js';
import { elabTensor, fromNode } from './expr.js';
import { declare, fullOrder } from './order.js';
import { findDimVar, findEntry, findRestAxes, hasDim, type Scope } from './scope.js';
import type { Val } from './values.js';

/**
 * `flatten(x, (H, W), S)`: the axes H and W of x merged into a new axis S of size |H|·|W|, H the
 * major one. `flatten(x, ..., S)`: the rest dims merged, row-major in the order callers give them.
 */
export function elabFlatten(ctx: ElabContext, scope: Scope, call: Call, positional: readonly Expr[]): Val | null {
  const [first, axesArg, nameArg] = positional as [Expr, Expr, Expr];
  const x = elabTensor(ctx, scope, first);
  if (!x) return null;
  const items = axesArg.kind === 'Tuple' ? axesArg.items : [axesArg];
  const merged: Axis[] = [];
  // `...` stands for the rest dims, in their declared order, where it is written (smp's view(B, C, -1)).
  if (!restOnce(ctx, items, 'flatten')) return null;
  // In a def whose `...` took concrete axes of the arguments, `...` is those axes.
  const bound = boundRest(scope, x.axes);
  if (items.some(isRestName) && !x.axes.some((a) => a.name === REST) && !bound) {
    ctx.diagnostics.report('FlattenRest', items.find(isRestName)!.span, { axes: formatAxes(x.axes) });
    return null;
  }
  for (const it of items) {
    if (isRestName(it) && bound) {
      for (const axis of bound) {
        if (merged.some((m) => m.name === axis.name)) {
          ctx.diagnostics.report('FlattenRepeatedAxis', it.span, { axis: axis.name });
          return null;
        }
        merged.push(axis);
      }
      continue;
    }
    const axis = isRestName(it) ? REST_AXIS : it.kind === 'Name' || it.kind === 'Number' ? axisOf(scope, it.kind === 'Name' ? it.name : it.text, x.axes) : undefined;
    if (!axis) {
      if (it.kind === 'Name' || it.kind === 'Number') ctx.diagnostics.report('AxisNotPresent', it.span, { what: 'flatten', axis: it.kind === 'Name' ? it.name : it.text, axes: formatAxes(x.axes) });
      else ctx.diagnostics.report('NotAnAxis', it.span, { what: 'the axes flatten merges', axes: formatAxes(x.axes) || 'none' });
      return null;
    }
    // A name of the rest group (a def's pattern dim bound to it) beside `...` is the group twice.
    if (merged.some((m) => m.name === axis.name)) {
      ctx.diagnostics.report('FlattenRepeatedAxis', it.span, { axis: axis.name === REST ? `${it.kind === 'Name' ? it.name : '...'} (the '...' group)` : axis.name });
      return null;
    }
    merged.push(axis);
  }
  // `...` that took no axes, alone: nothing to merge (a size-1 axis would be made up).
  if (merged.length === 0) {
    ctx.diagnostics.report('FlattenRest', axesArg.span, { axes: formatAxes(x.axes) });
    return null;
  }
  const name = newAxisName(ctx, scope, nameArg, 'flatten');
  if (name === null) return null;
  if (x.axes.some((a) => a.name === name && !merged.includes(a))) {
    ctx.diagnostics.report('DuplicateDim', nameArg.span, { name });
    return null;
  }
  const product = merged.map((a) => a.dim);
  // The same name made twice must be the same product (of the same dims, in any order).
  const made = ctx.productDims.get(name);
  const stacked = ctx.madeDims.get(name);
  if ((made && [...made].sort().join() !== [...product].sort().join()) || stacked !== undefined || sizeClash(name, product)) {
    const was = made ? `the merged axis of (${made.join(', ')})` : stacked !== undefined ? `the new axis of a stack, of size ${stacked}` : `a dimension of size ${name}`;
    ctx.diagnostics.report('FlattenDimClash', nameArg.span, { name, product: product.join('·'), was });
    return null;
  }
  if (!made) ctx.productDims.set(name, product);
  if (!ctx.dimOrder.includes(name)) ctx.dimOrder.push(name);
  const node = ctx.b.op('flatten', [x.id], { axes: merged.map((a) => a.name), dims: product, to: name, dim: name }, call.span);
  // Read in x's order, the new axis where the first merged one was: for `...`, where x's order
  // has the rest group (never where the compiler happens to lay it out). With no known place,
  // the result has no declared order.
  const order = fullOrder(x);
  // x's operands placed `...` differently: S has no place until something names it (E4035).
  if (merged.some((m) => m.name === REST) && order && !order.includes(REST)) return { ...fromNode(ctx, node, x.elem), restUnplaced: name };
  const at = order ? order.findIndex((n) => merged.some((m) => m.name === n)) : -1;
  const result = order && at >= 0 ? order.flatMap((n, k) => (k === at ? [name] : merged.some((m) => m.name === n) ? [] : [n])) : undefined;
  return declare(ctx, fromNode(ctx, node, x.elem), result);
}

/**
 * `unflatten(x, S, (H, W))`: axis S of x split into axes H and W, whose sizes the loss knows, H
 * the major one. `unflatten(x, S, ...)`: S made by `flatten(y, ..., S)` split back into the rest dims.
 */
export function elabUnflatten(ctx: ElabContext, scope: Scope, call: Call, positional: readonly Expr[]): Val | null {
  const [first, axisArg, partsArg] = positional as [Expr, Expr, Expr];
  const x = elabTensor(ctx, scope, first);
  if (!x) return null;
  const axis = axisArg.kind === 'Name' || axisArg.kind === 'Number' ? axisOf(scope, axisArg.kind === 'Name' ? axisArg.name : axisArg.text, x.axes) : undefined;
  if (!axis || axis.name === REST) {
    if (axisArg.kind === 'Name' && axisArg.name === REST) ctx.diagnostics.report('FlattenRest', axisArg.span, { axes: formatAxes(x.axes) });
    else if (axisArg.kind === 'Name' || axisArg.kind === 'Number') ctx.diagnostics.report('AxisNotPresent', axisArg.span, { what: 'unflatten', axis: axisArg.kind === 'Name' ? axisArg.name : axisArg.text, axes: formatAxes(x.axes) });
    else ctx.diagnostics.report('NotAnAxis', axisArg.span, { what: 'the axis unflatten splits', axes: formatAxes(x.axes) || 'none' });
    return null;
  }
  const items = partsArg.kind === 'Tuple' ? partsArg.items : [partsArg];
  const parts: Axis[] = [];
  const made = ctx.productDims.get(axis.dim);
  // `unflatten(x, S, (C, ...))`: S split into C and the rest dims, whose sizes the loss knows
  // when S was merged from them or its inputs have them (never a second rest group).
  if (!restOnce(ctx, items, 'unflatten')) return null;
  const restItem = items.find(isRestName);
  const bound = boundRest(scope, null);
  if (restItem && !bound && (x.axes.some((a) => a.name === REST) || !(made?.includes(REST) || hasDim(scope, REST)))) {
    ctx.diagnostics.report('FlattenRest', restItem.span, { axes: formatAxes(x.axes) });
    return null;
  }
  for (const it of items) {
    if (isRestName(it) && bound) {
      // The dims `...` took, each an axis named by its dim, as the caller writing them would make.
      for (const r of bound) {
        if (parts.some((p) => p.name === r.dim) || x.axes.some((a) => a.name === r.dim && a.name !== axis.name)) {
          ctx.diagnostics.report('DuplicateDim', it.span, { name: r.dim });
          return null;
        }
        parts.push({ name: r.dim, dim: r.dim });
      }
      continue;
    }
    if (isRestName(it)) {
      parts.push(REST_AXIS);
      continue;
    }
    if (it.kind !== 'Name' && it.kind !== 'Number') {
      ctx.diagnostics.report('NotAnAxis', it.span, { what: 'each axis unflatten makes', axes: 'a dimension of the loss' });
      return null;
    }
    const written = it.kind === 'Name' ? it.name : it.text;
    const dim = knownDim(ctx, scope, written);
    if (dim === undefined) {
      ctx.diagnostics.report('UnflattenUnsized', it.span, { name: written, axis: axis.name });
      return null;
    }
    if (parts.some((p) => p.name === dim) || x.axes.some((a) => a.name === dim && a.name !== axis.name)) {
      ctx.diagnostics.report('DuplicateDim', it.span, { name: dim });
      return null;
    }
    parts.push({ name: dim, dim });
  }
  const product = parts.map((p) => p.dim);
  // The split axis must hold exactly the product: checked where the sizes become known.
  if (!made || [...made].sort().join() !== [...product].sort().join()) {
    if (sizeClash(axis.dim, product)) {
      ctx.diagnostics.report('FlattenDimClash', axisArg.span, { name: axis.dim, product: product.join('·'), was: `a dimension of size ${axis.dim}` });
      return null;
    }
    ctx.productChecks.push({ dim: axis.dim, product });
  }
  const node = ctx.b.op('unflatten', [x.id], { axis: axis.name, axes: parts.map((p) => p.name), dims: product, dim: axis.dim }, call.span);
  const order = fullOrder(x)?.flatMap((n) => (n === axis.name ? parts.map((p) => p.name) : [n]));
  return declare(ctx, fromNode(ctx, node, x.elem), order);
}

/**
 * Whether the definition being checked merges axes into a new axis `name` (a flatten whose last
 * argument is that name): `name` is then its size as a value even where it is read before the
 * flatten is checked (`S * mean(...)` with the flatten inside the mean).
 */
export function flattensInto(ctx: ElabContext, scope: Scope, name: string): boolean {
  const key = ctx.callStack.at(-1);
  const def = key === undefined ? undefined : scope.module.definitions.get(key.slice(key.lastIndexOf('#') + 1));
  return def !== undefined && containsFlattenInto([def.bindings, def.body], name);
}

function containsFlattenInto(node: unknown, name: string): boolean {
  if (Array.isArray(node)) return node.some((n) => containsFlattenInto(n, name));
  if (!node || typeof node !== 'object') return false;
  const n = node as { kind?: string };
  if (n.kind === 'Call') {
    const call = node as Call;
    const last = call.args[2]?.value;
    if (call.callee.name === 'flatten' && call.args.length === 3 && last?.kind === 'Name' && last.name === name) return true;
  }
  return Object.entries(node).some(([k, v]) => k !== 'span' && containsFlattenInto(v, name));
}

/** The axis of `axes` a name refers to: its own name, a def's dim variable, or a dim only one axis has. */
function axisOf(scope: Scope, name: string, axes: readonly Axis[]): Axis | undefined {
  const own = axes.find((a) => a.name === name);
  if (own) return own;
  const mapped = findDimVar(scope, name);
  if (mapped) return axes.find((a) => a.name === mapped.name);
  const byDim = axes.filter((a) => a.dim === name);
  return byDim.length === 1 ? byDim[0] : undefined;
}

/** A dim whose size the loss knows where unflatten runs: its inputs', a literal, one made by flatten or stack. */
function knownDim(ctx: ElabContext, scope: Scope, name: string): string | undefined {
  if (/^\d+$/.test(name)) return name;
  const mapped = findDimVar(scope, name);
  if (mapped) return mapped.name === REST ? undefined : mapped.dim;
  if (hasDim(scope, name) || ctx.productDims.has(name) || ctx.madeDims.has(name)) return name;
  return undefined;
}

/** The name of the new axis: a name that is no value here. */
function newAxisName(ctx: ElabContext, scope: Scope, e: Expr, fname: string): string | null {
  if (e.kind !== 'Name' || e.name === REST || findEntry(scope, e.name)) {
    ctx.diagnostics.report('NotAnAxis', e.span, { what: `the last argument of ${fname}, the name of the new axis,`, axes: 'a new name' });
    return null;
  }
  // Inside a def, a dim variable of its parameters names the caller's dim.
  const mapped = findDimVar(scope, e.name);
  return mapped && mapped.name !== REST ? mapped.dim : e.name;
}

/** Whether `name` and every dim of the product are literal sizes, and the two differ. */
function sizeClash(name: string, product: readonly string[]): boolean {
  if (!/^\d+$/.test(name) || !product.every((d) => /^\d+$/.test(d))) return false;
  return product.reduce((p, d) => p * Number(d), 1) !== Number(name);
}

/**
 * The concrete axes a def's `...` took, when bound (scope.ts `restAxes`) and the operand has
 * them all, or for unflatten (`need` null) whatever they are; else undefined.
 */
function boundRest(scope: Scope, need: readonly Axis[] | null): readonly Axis[] | undefined {
  const rest = findRestAxes(scope);
  if (!rest || need?.some((a) => a.name === REST)) return undefined;
  return !need || rest.every((r) => need.some((a) => a.name === r.name)) ? rest : undefined;
}

const isRestName = (e: Expr): boolean => e.kind === 'Name' && e.name === REST;

/** `...` written at most once among the axes merged or split: the group is one block of the order. */
function restOnce(ctx: ElabContext, items: readonly Expr[], fname: string): boolean {
  const again = items.filter(isRestName)[1];
  if (again) ctx.diagnostics.report('FlattenRestTwice', again.span, { fname });
  return again === undefined;
}
