// Calls: builtins (read from the table in builtins.ts), function parameters, and user
// definitions, which inline.ts inlines at each call.

import type { Argument, Call, Expr } from '../../grammar/ast.js';
import { formatAxes, unionAxes } from '../ir/axes.js';
import { OPS } from '../ir/ops.js';
import { formatNumber } from '../ir/print.js';
import { REST, type Axis, type IrFunctionParam, type NodeId } from '../ir/types.js';
import { BUILTINS, type Builtin } from './builtins.js';
import { constantValue } from './constants.js';
import type { ElabContext } from './context.js';
import { arithElem, checkAlignable, checkCopies, elabTensor, expectBool, expectNumber, forceEntry, fromNode, select } from './expr.js';
import { callableNames, lookupFunction } from './functions.js';
import { arityText, inlineDef } from './inline.js';
import { findEntry, findDimVar, findRestAxes, hasDim, type Scope } from './scope.js';
import { describeType, hint, type Elem, type FnVal, type TensorVal, type Val } from './values.js';
import { reachable } from '../ir/walk.js';
import { readIgnoring } from './ignore.js';
import { elabFlatten, elabUnflatten } from './flatten.js';
import { elabResize } from './resize.js';
import { declare, fullOrder, inheritedOrder, orderOf } from './order.js';
import { fullMask } from './full-mask.js';

export function elabCall(ctx: ElabContext, scope: Scope, call: Call): Val | null {
  const name = call.callee.name;
  let fn: FnVal | null | undefined;
  const entry = findEntry(scope, name);
  if (entry) {
    const v = forceEntry(ctx, entry, name, call.callee.span);
    if (!v) return null;
    if (v.kind === 'tensor') {
      // A value named like a function (a hyperparameter `log_softmax`) hides it only as a value.
      fn = lookupFunction(ctx, scope, name);
      if (!fn) {
        if (fn === undefined) ctx.diagnostics.report('NotAFunction', call.callee.span, { name });
        return null;
      }
    } else {
      fn = v;
    }
  } else {
    fn = lookupFunction(ctx, scope, name);
  }
  if (fn === null) return null;
  if (fn === undefined) {
    ctx.diagnostics.report('UnknownFunction', call.callee.span, { name, hint: hint(name, [...Object.keys(BUILTINS), ...callableNames(scope)]) });
    return null;
  }
  const args = splitArgs(ctx, call.args);
  if (!args) return null;
  if (fn.kind === 'builtin') return elabBuiltin(ctx, scope, call, BUILTINS[fn.name]!, args);
  if (fn.kind === 'param') return elabApply(ctx, scope, call, fn.param, args);
  return inlineDef(ctx, scope, fn, call, args);
}

export interface SplitArgs {
  readonly positional: readonly Expr[];
  readonly named: ReadonlyMap<string, Argument>;
}

function splitArgs(ctx: ElabContext, args: readonly Argument[]): SplitArgs | null {
  const positional: Expr[] = [];
  const named = new Map<string, Argument>();
  let ok = true;
  for (const arg of args) {
    if (!arg.name) {
      if (named.size > 0) {
        ctx.diagnostics.report('PositionalAfterNamed', arg.span);
        ok = false;
      }
      positional.push(arg.value);
    } else if (named.has(arg.name.name)) {
      ctx.diagnostics.report('DuplicateArgument', arg.name.span, { arg: arg.name.name });
      ok = false;
    } else {
      named.set(arg.name.name, arg);
    }
  }
  return ok ? { positional, named } : null;
}

export function checkArity(ctx: ElabContext, call: Call, args: SplitArgs, lo: number, hi: number, names: readonly string[] = []): boolean {
  for (const [key, arg] of args.named) {
    if (!names.includes(key)) {
      ctx.diagnostics.report('UnknownNamedArgument', arg.name!.span, { name: call.callee.name, arg: key, hint: names.length ? ` (it takes ${names.map((n) => `'${n}:'`).join(', ')})` : '' });
      return false;
    }
  }
  const n = args.positional.length;
  if (n < lo || n > hi) {
    ctx.diagnostics.report('WrongArity', call.span, { name: call.callee.name, expected: arityText(lo, hi), given: n });
    return false;
  }
  return true;
}

function elabBuiltin(ctx: ElabContext, scope: Scope, call: Call, builtin: Builtin, args: SplitArgs): Val | null {
  const b = ctx.b;
  switch (builtin.kind) {
    case 'unary': {
      if (!checkArity(ctx, call, args, 1, 1)) return null;
      const x = elabTensor(ctx, scope, args.positional[0]!);
      if (!x || !expectNumber(ctx, x, `the argument of ${call.callee.name}`, args.positional[0]!.span)) return null;
      const elem: Elem = OPS[builtin.op].result === 'same' ? arithElem(x.elem) : 'real';
      return fromNode(ctx, b.op(builtin.op, [x.id], {}, call.span), elem, [x]);
    }
    case 'reduce':
      return elabReduce(ctx, scope, call, builtin, args);
    case 'axis': {
      if (builtin.options) return elabOrdered(ctx, scope, call, builtin, args);
      if (!checkArity(ctx, call, args, 1, 2)) return null;
      const x = elabTensor(ctx, scope, args.positional[0]!);
      if (!x || !expectNumber(ctx, x, `the argument of ${call.callee.name}`, args.positional[0]!.span)) return null;
      const named = x.axes.filter((a) => a.name !== REST);
      let axis: string | undefined;
      if (args.positional[1]) axis = resolveAxes(ctx, scope, args.positional[1], x.axes, call.callee.name, true)?.[0];
      else if (named.length === 1 && named.length === x.axes.length) axis = named[0]!.name;
      else ctx.diagnostics.report('NotAnAxis', call.span, { what: `${call.callee.name} needs the axis it works along, which`, axes: formatAxes(x.axes) });
      if (!axis) return null;
      return fromNode(ctx, b.op(builtin.op, [x.id], { axis }, call.span), 'real', [x]);
    }
    case 'macro':
      if (builtin.name === 'stack') return elabStack(ctx, scope, call, args);
      if (builtin.name === 'resize') return elabResize(ctx, scope, call, args);
      if (builtin.name === 'flatten' || builtin.name === 'unflatten') {
        if (!checkArity(ctx, call, args, 3, 3)) return null;
        return (builtin.name === 'flatten' ? elabFlatten : elabUnflatten)(ctx, scope, call, args.positional);
      }
      return elabMacro(ctx, scope, call, builtin.name, args, builtin.arity);
  }
}

/**
 * sort and cumsum: (x, axis) and their options. The axis is always named (an order along
 * which axis is never guessed). x and a `by:` key are broadcast against each other (x the same
 * along an axis of the key: each line is ordered by its own key); a key without the axis
 * would order nothing and is refused.
 */
function elabOrdered(ctx: ElabContext, scope: Scope, call: Call, builtin: Extract<Builtin, { kind: 'axis' }>, args: SplitArgs): Val | null {
  const fname = call.callee.name;
  const options = builtin.options ?? [];
  if (!checkArity(ctx, call, args, 2, 2, options)) return null;
  const x = elabTensor(ctx, scope, args.positional[0]!);
  if (!x || !expectNumber(ctx, x, `the argument of ${fname}`, args.positional[0]!.span)) return null;
  const axis = resolveAxes(ctx, scope, args.positional[1]!, x.axes, fname, true)?.[0];
  if (!axis) return null;
  const flags: { descending?: boolean; reverse?: boolean } = {};
  for (const flag of ['descending', 'reverse'] as const) {
    const arg = args.named.get(flag);
    if (!arg) continue;
    const v = arg.value.kind === 'Name' && (arg.value.name === 'true' || arg.value.name === 'false') ? constantValue(arg.value) : undefined;
    if (v === undefined) {
      ctx.diagnostics.report('FlagNotConstant', arg.value.span, { name: `${flag}:`, what: fname });
      return null;
    }
    if (v === 1) flags[flag] = true;
  }
  if (builtin.op === 'cumsum') return fromNode(ctx, ctx.b.op('cumsum', [x.id], { axis, ...flags }, call.span), 'real', [x]);
  let key = x;
  const byArg = args.named.get('by');
  if (byArg) {
    const k = elabTensor(ctx, scope, byArg.value);
    if (!k || !expectNumber(ctx, k, `the 'by:' key of ${fname}`, byArg.value.span)) return null;
    if (!k.axes.some((a) => a.name === axis)) {
      ctx.diagnostics.report('SortKeyAxes', byArg.value.span, { what: fname, axis, key: formatAxes(k.axes) });
      return null;
    }
    if (!checkAlignable(ctx, [x, k], `the values and the key of ${fname}`, byArg.value.span)) return null;
    key = k;
  }
  return fromNode(ctx, ctx.b.op('sort', [x.id, key.id], { axis, ...flags }, call.span), 'real', key === x ? [x] : [x, key]);
}

/** Whether an argument names axes of the operand (so `max(x, j)` reduces, `max(x, 0)` doesn't). */
function namesAxes(scope: Scope, e: Expr, axes: readonly Axis[]): boolean {
  const items = e.kind === 'Tuple' ? e.items : [e];
  return items.every((it) => it.kind === 'Name' && !findEntry(scope, it.name) && (axisFor(scope, it.name, axes) !== undefined || boundRest(scope, it.name, axes) !== undefined));
}

/**
 * `...` in a def whose pattern's `...` took concrete axes of the arguments: those axes (none,
 * one or several), when the operand has them all; else undefined (the name is looked up as usual).
 */
function boundRest(scope: Scope, name: string, axes: readonly Axis[]): string[] | undefined {
  if (name !== REST || axes.some((a) => a.name === REST)) return undefined;
  const rest = findRestAxes(scope);
  return rest && rest.every((r) => axes.some((a) => a.name === r.name)) ? rest.map((r) => r.name) : undefined;
}

function axisFor(scope: Scope, name: string, axes: readonly Axis[]): string | undefined {
  if (axes.some((a) => a.name === name)) return name;
  const mapped = findDimVar(scope, name);
  if (mapped && axes.some((a) => a.name === mapped.name)) return mapped.name;
  const byDim = axes.filter((a) => a.dim === name);
  return byDim.length === 1 ? byDim[0]!.name : undefined;
}

/** Axis names given as `D` or `(w, b)`, resolved against the operand's axes. */
function resolveAxes(ctx: ElabContext, scope: Scope, e: Expr, axes: readonly Axis[], fname: string, single = false): string[] | null {
  const items = e.kind === 'Tuple' && !single ? e.items : [e];
  const out: string[] = [];
  for (const it of items) {
    // A literal dim is an axis named by its size: `sum(x, 1)` on x: [N, 1].
    if (it.kind === 'Number' && axes.some((a) => a.name === it.text)) {
      out.push(it.text);
      continue;
    }
    if (it.kind !== 'Name') {
      ctx.diagnostics.report('NotAnAxis', it.span, { what: `the axis argument of ${fname}`, axes: formatAxes(axes) || 'none' });
      return null;
    }
    const rest = single ? undefined : boundRest(scope, it.name, axes);
    if (rest) {
      out.push(...rest);
      continue;
    }
    const found = axisFor(scope, it.name, axes);
    if (!found) {
      ctx.diagnostics.report('AxisNotPresent', it.span, { what: fname, axis: it.name, axes: formatAxes(axes) });
      return null;
    }
    out.push(found);
  }
  return out;
}

function elabReduce(ctx: ElabContext, scope: Scope, call: Call, builtin: Extract<Builtin, { kind: 'reduce' }>, args: SplitArgs): Val | null {
  const fname = call.callee.name;
  if (!checkArity(ctx, call, args, 1, 2, builtin.op === 'mean' ? ['where', 'empty', 'by'] : ['where', 'empty'])) return null;
  const x = elabTensor(ctx, scope, args.positional[0]!);
  if (!x) return null;
  const second = args.positional[1];
  if (second && builtin.binary && args.named.size === 0 && !namesAxes(scope, second, x.axes)) {
    const y = elabTensor(ctx, scope, second);
    if (!y) return null;
    if (!expectNumber(ctx, x, `the first argument of ${fname}`, args.positional[0]!.span)) return null;
    if (!expectNumber(ctx, y, `the second argument of ${fname}`, second.span)) return null;
    if (!checkAlignable(ctx, [x, y], `the arguments of ${fname}`, call.span)) return null;
    checkCopies(ctx, [x, y], fname, call.span);
    return fromNode(ctx, ctx.b.op(builtin.binary, [x.id, y.id], {}, call.span), arithElem(x.elem, y.elem), [x, y]);
  }
  const ok = builtin.operand === 'bool' ? expectBool(ctx, x, `the argument of ${fname}`, args.positional[0]!.span) : expectNumber(ctx, x, `the argument of ${fname}`, args.positional[0]!.span);
  if (!ok) return null;
  const whereArg = args.named.get('where');
  let mask: TensorVal | null = null;
  if (whereArg) {
    mask = elabTensor(ctx, scope, whereArg.value);
    if (!mask || !expectBool(ctx, mask, `the 'where:' mask of ${fname}`, whereArg.value.span)) return null;
    if (!checkAlignable(ctx, [x, mask], `the mask of ${fname}`, whereArg.value.span)) return null;
    // A mask with an axis the operand lacks would count each element once per position along
    // it: never what `where:` means (`mean(l, where: same)` with same[i, j] and l[a, p]).
    const extra = mask.axes.filter((m) => !x.axes.some((a) => a.name === m.name));
    if (extra.length > 0) {
      const copies = extra.every((m) => x.axes.some((a) => a.dim === m.dim && a.name !== m.name && a.name !== REST));
      const hint = copies ? `: index the operand with the mask's variables (${extra.map((m) => m.name).join(', ')}) if they are the same positions` : '';
      ctx.diagnostics.report('MaskAddsAxes', whereArg.value.span, { what: fname, extra: formatAxes(extra), axes: formatAxes(x.axes), hint });
      return null;
    }
  }
  const byArg = args.named.get('by');
  let denominator: TensorVal | null = null;
  if (byArg) {
    denominator = elabTensor(ctx, scope, byArg.value);
    if (!denominator || !expectNumber(ctx, denominator, `the 'by:' denominator of ${fname}`, byArg.value.span)) return null;
    if (!checkAlignable(ctx, [x, denominator], `the denominator of ${fname}`, byArg.value.span)) return null;
    // Each element of the operand adds its own denominator: one with an axis the operand lacks
    // would have several per element.
    const extra = denominator.axes.filter((d) => !x.axes.some((a) => a.name === d.name));
    if (extra.length > 0) {
      ctx.diagnostics.report('DenominatorAddsAxes', byArg.value.span, { what: fname, extra: formatAxes(extra), axes: formatAxes(x.axes) });
      return null;
    }
  }
  const all = unionAxes(x.axes, mask?.axes ?? []);
  // Named no axes: all of them but those the enclosing binding maps over (`l[i] = mean(x[i])`).
  const mapped = ctx.mapped.at(-1) ?? [];
  const axes = second ? resolveAxes(ctx, scope, second, all, fname) : all.map((a) => a.name).filter((n) => !mapped.includes(n));
  if (!axes) return null;
  let empty: number | undefined;
  const emptyArg = args.named.get('empty');
  if (emptyArg) {
    empty = constantValue(emptyArg.value);
    if (empty === undefined) {
      ctx.diagnostics.report('DefaultNotConstant', emptyArg.value.span, { name: 'empty:' });
      return null;
    }
  }
  const elem: Elem = builtin.operand === 'bool' ? 'bool' : OPS[builtin.op].result === 'same' ? arithElem(x.elem) : 'real';
  // The result holds `empty` where the mask selects nothing: an int result cannot hold 0.5
  // or inf (it became 0), a condition only true or false.
  if (emptyArg && empty !== undefined && elem !== 'real') {
    const what = `the 'empty:' value of ${fname} over ${describeType(x)}`;
    if (elem === 'bool' && empty !== 0 && empty !== 1) {
      ctx.diagnostics.report('TypeMismatch', emptyArg.value.span, { what, expected: 'true or false', actual: formatNumber(empty) });
      return null;
    }
    if (!Number.isInteger(empty)) {
      ctx.diagnostics.report('IntegerExpected', emptyArg.value.span, { what, actual: formatNumber(empty) });
      return null;
    }
  }
  if (denominator) return fromNode(ctx, dividedMean(ctx, x, mask, denominator, axes, empty ?? builtin.emptyDefault, call.span), 'real', [x]);
  const attrs = mask ? { axes, empty: empty ?? builtin.emptyDefault } : { axes };
  const node = ctx.b.op(builtin.op, mask ? [x.id, mask.id] : [x.id], attrs, call.span);
  if (!mask && axes.length === x.axes.length) ctx.reduced.set(node, orderOf(ctx, x).names);
  return fromNode(ctx, node, elem, [x]);
}

/**
 * `mean(l, where: m, by: d)`: Σ m·l / Σ m·d over `axes`, `empty` where Σ m·d is 0 (nothing
 * selected, or every d selected 0), with gradient 0 there. Written as the masked mean of
 * l·n / Σ m·d (n the number selected) under m and Σ m·d ≠ 0, so that the empty value is the
 * masked mean's own (a NaN there is no NaN read at a selected position) and the division is by
 * 1 where nothing is selected. Over every axis it is the loss's reduction (ctx.dividedMeans):
 * its per-sample losses select(m, l, 0) and denominators select(m, d, 0), which the
 * `reduction` and `weights` options reduce.
 */
function dividedMean(ctx: ElabContext, x: TensorVal, mask: TensorVal | null, d: TensorVal, axes: readonly string[], empty: number, span: Call['span']): NodeId {
  const b = ctx.b;
  const full = fullMask(b, x.id, mask?.id);
  const zero = b.constant(0);
  const real = (v: TensorVal): NodeId => (v.elem === 'real' ? v.id : b.op('to_real', [v.id], {}, span));
  const perSample = b.op('select', [full, real(x), zero], {}, span);
  const denominator = b.op('select', [full, real(d), zero], {}, span);
  const total = b.op('sum', [denominator], { axes }, span);
  const count = b.op('sum', [b.op('select', [full, b.constant(1), zero], {}, span)], { axes }, span);
  const none = b.op('eq', [total, zero], {}, span);
  const share = b.op('div', [b.op('mul', [real(x), count], {}, span), b.op('select', [none, b.constant(1), total], {}, span)], {}, span);
  const value = b.op('mean', [share, b.op('and', [full, b.op('not', [none], {}, span)], {}, span)], { axes, empty }, span);
  ctx.dividedMeans.set(value, { perSample, mask: full, denominator });
  return value;
}

function elabMacro(ctx: ElabContext, scope: Scope, call: Call, name: string, args: SplitArgs, arity: readonly [number, number]): Val | null {
  if (!checkArity(ctx, call, args, arity[0], arity[1])) return null;
  const b = ctx.b;
  const span = call.span;
  const [first, second, third] = args.positional;
  const x = elabTensor(ctx, scope, first!);
  if (!x) return null;
  const num = (v: TensorVal, e: Expr) => expectNumber(ctx, v, `the argument of ${name}`, e.span);
  const axesOf = (e: Expr | undefined, all: readonly Axis[]) => (e ? resolveAxes(ctx, scope, e, all, name) : all.map((a) => a.name));
  switch (name) {
    case 'norm': {
      if (!num(x, first!)) return null;
      const axes = axesOf(second, x.axes);
      if (!axes) return null;
      return fromNode(ctx, b.op('sqrt', [b.op('sum', [b.op('square', [x.id], {}, span)], { axes }, span)], {}, span), 'real', [x]);
    }
    case 'normalize': {
      if (!num(x, first!)) return null;
      const axes = axesOf(second, x.axes);
      if (!axes) return null;
      // x / max(‖x‖, 1e-12) written as x / sqrt(max(Σx², 1e-24)): the same value, and at
      // x = 0 the max sends the gradient to the constant, not into sqrt's infinite slope.
      const squares = b.op('sum', [b.op('square', [x.id], {}, span)], { axes }, span);
      const norm = b.op('sqrt', [b.op('maximum', [squares, b.constant(1e-24)], {}, span)], {}, span);
      return fromNode(ctx, b.op('div', [x.id, norm], {}, span), 'real', [x]);
    }
    case 'count': {
      if (!expectBool(ctx, x, 'the argument of count', first!.span)) return null;
      const axes = axesOf(second, x.axes);
      if (!axes) return null;
      return fromNode(ctx, b.op('sum', [b.op('to_real', [x.id], {}, span)], { axes }, span), 'real', [x]);
    }
    case 'real':
      return x.elem === 'real' ? x : fromNode(ctx, b.op('to_real', [x.id], {}, span), 'real', [x]);
    case 'onehot': {
      if (typeof x.elem === 'string') {
        ctx.diagnostics.report('TypeMismatch', first!.span, { what: 'the argument of onehot', expected: "class indices ('index[...] of C')", actual: formatAxes(x.axes) ? `${x.elem}[${formatAxes(x.axes)}]` : x.elem });
        return null;
      }
      const axis = { name: x.elem.index, dim: x.elem.index };
      if (x.axes.some((a) => a.name === axis.name)) {
        ctx.diagnostics.report('DiagonalIndex', span, { name: axis.name });
        return null;
      }
      // The class axis comes last, after the indices' own axes.
      const row = (indices: NodeId): NodeId => b.op('to_real', [b.op('eq', [indices, b.iota(axis, span)], {}, span)], {}, span);
      // An ignored position's row is NaN, not zeros (ignore.ts).
      const ignore = x.elem.ignore;
      const hot = fromNode(ctx, ignore === undefined ? row(x.id) : readIgnoring(ctx, x.id, ignore, span, row), 'real');
      return declare(ctx, hot, x.positional ? [...fullOrder(x)!, axis.name] : undefined);
    }
  }
  const y = elabTensor(ctx, scope, second!);
  if (!y) return null;
  switch (name) {
    case 'dot': {
      if (!num(x, first!) || !num(y, second!) || !checkAlignable(ctx, [x, y], 'the arguments of dot', span)) return null;
      const axes = axesOf(third, unionAxes(x.axes, y.axes));
      if (!axes) return null;
      checkCopies(ctx, [x, y], 'dot', span);
      return fromNode(ctx, b.op('sum', [b.op('mul', [x.id, y.id], {}, span)], { axes }, span), arithElem(x.elem, y.elem), [x, y]);
    }
    case 'pow':
      if (!num(x, first!) || !num(y, second!) || !checkAlignable(ctx, [x, y], 'the arguments of pow', span)) return null;
      return fromNode(ctx, b.op('pow', [x.id, y.id], {}, span), 'real', [x, y]);
    case 'atan2':
      if (!num(x, first!) || !num(y, second!) || !checkAlignable(ctx, [x, y], 'the arguments of atan2', span)) return null;
      return fromNode(ctx, b.op('atan2', [x.id, y.id], {}, span), 'real', [x, y]);
  }
  const z = elabTensor(ctx, scope, third!);
  if (!z) return null;
  if (name === 'select') {
    if (!expectBool(ctx, x, 'the condition of select', first!.span)) return null;
    return select(ctx, x, y, z, span);
  }
  // clamp
  if (!num(x, first!) || !num(y, second!) || !num(z, third!) || !checkAlignable(ctx, [x, y, z], 'the arguments of clamp', span)) return null;
  const lo = b.op('maximum', [x.id, y.id], {}, span);
  return fromNode(ctx, b.op('minimum', [lo, z.id], {}, span), arithElem(x.elem, y.elem, z.elem), [x, y, z]);
}

/** `features(x)`: a function parameter, called at run time on an argument of its declared axes. */
function elabApply(ctx: ElabContext, scope: Scope, call: Call, param: IrFunctionParam, args: SplitArgs): Val | null {
  if (!checkArity(ctx, call, args, 1, 1)) return null;
  const x = elabTensor(ctx, scope, args.positional[0]!);
  if (!x || !expectNumber(ctx, x, `the argument of ${param.name}`, args.positional[0]!.span)) return null;
  // By dim, not by position: the argument is passed laid out as the parameter declares.
  const dims = x.axes.map((a) => a.dim);
  if (dims.length !== param.param.length || param.param.some((a) => dims.filter((d) => d === a.dim).length !== 1)) {
    ctx.diagnostics.report('ArgumentShapeMismatch', args.positional[0]!.span, { index: 1, name: param.name, actual: formatAxes(x.axes), param: 'x', expected: param.param.map((a) => a.dim).join(', ') });
    return null;
  }
  if (ctx.b.nodes.some((n, id) => n.op === 'apply' && dependsOn(ctx, x.id, id))) {
    ctx.diagnostics.report('UnsupportedConstruct', call.span, { what: 'calling a function parameter on the result of another call of one' });
    return null;
  }
  // The result keeps the caller's axis names where its dims match the argument's (N stays N).
  const result = param.result.map((a) => x.axes.find((xa) => xa.dim === a.dim) ?? a);
  return declare(ctx, fromNode(ctx, ctx.b.apply(param.name, x.id, { dtype: 'real', axes: result }, call.span), 'real'), result.map((a) => a.name));
}

function dependsOn(ctx: ElabContext, id: number, target: number): boolean {
  return reachable(ctx.b.nodes, [id]).has(target);
}

/** `stack(a, b, V)`: a new axis V of size 2, built as `if V == 0 then a else b`. */
function elabStack(ctx: ElabContext, scope: Scope, call: Call, args: SplitArgs): Val | null {
  if (!checkArity(ctx, call, args, 2, Infinity)) return null;
  const axisArg = args.positional[args.positional.length - 1]!;
  if (axisArg.kind !== 'Name' || findEntry(scope, axisArg.name)) {
    ctx.diagnostics.report('NotAnAxis', axisArg.span, { what: 'the last argument of stack, the name of the new axis,', axes: 'a new name' });
    return null;
  }
  const parts: TensorVal[] = [];
  for (const e of args.positional.slice(0, -1)) {
    const v = elabTensor(ctx, scope, e);
    if (!v) return null;
    if (v.axes.some((a) => a.name === axisArg.name)) {
      ctx.diagnostics.report('DuplicateDim', axisArg.span, { name: axisArg.name });
      return null;
    }
    parts.push(v);
  }
  if (!checkAlignable(ctx, parts, 'the tensors of stack', call.span)) return null;
  if (parts.some((p) => p.elem === 'bool') && !parts.every((p) => p.elem === 'bool')) {
    ctx.diagnostics.report('TypeMismatch', call.span, { what: 'the tensors of stack', expected: 'all numbers or all conditions', actual: parts.map((p) => describeType(p)).join(', ') });
    return null;
  }
  const dim = axisArg.name;
  const known = ctx.madeDims.get(dim);
  if ((known !== undefined && known !== parts.length) || hasDim(scope, dim)) {
    ctx.diagnostics.report('DuplicateDim', axisArg.span, { name: dim });
    return null;
  }
  ctx.madeDims.set(dim, parts.length);
  if (!ctx.dimOrder.includes(dim)) ctx.dimOrder.push(dim);
  const axis = { name: dim, dim };
  const position = ctx.b.iota(axis, axisArg.span);
  let acc = parts[parts.length - 1]!;
  for (let k = parts.length - 2; k >= 0; k--) {
    const here = ctx.b.op('eq', [position, ctx.b.constant(k, 'int')], {}, call.span);
    acc = select(ctx, fromNode(ctx, here, 'bool'), parts[k]!, acc, call.span)!;
  }
  // A single tensor still gets the new axis (of size 1).
  if (parts.length === 1) acc = fromNode(ctx, ctx.b.op('select', [ctx.b.op('eq', [position, ctx.b.constant(0, 'int')], {}, call.span), acc.id, acc.id], {}, call.span), acc.elem);
  // The new axis first, then the tensors' own order (when they agree on one).
  const inner = inheritedOrder(acc.axes.filter((a) => a.name !== dim), parts);
  return declare(ctx, acc, inner ? [dim, ...inner] : undefined);
}
