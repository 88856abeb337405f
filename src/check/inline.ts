// Calls of user definitions (`def`s, and losses called from other losses): each call inlines
// the body with the parameters bound to the arguments, shape variables to the caller's axes.
// Defaults fill the arguments left out (a constant everywhere, or the value bound to an earlier
// parameter); an argument for a parameter with a domain is checked against it once the loss is
// built (domains.ts).

import type { Call, Param, Span } from '../../grammar/ast.js';
import type { SplitArgs } from './calls.js';
import { constantValue } from './constants.js';
import { defKey, type ElabContext } from './context.js';
import { paramDefault, paramDomain } from './defaults.js';
import { expectInDomain } from './domains.js';
import { stringValue } from './enums.js';
import { REST, type Axis } from '../ir/types.js';
import { bindAll, elabExpr, finishBindings, renameAxes, tensor } from './expr.js';
import { formatAxes } from '../ir/axes.js';
import { declare, matchDeclared } from './order.js';
import { bindIgnores, matchParam, shapeText } from './params.js';
import type { Scope } from './scope.js';
import { hint, type FnVal, type TensorVal, type Val } from './values.js';

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

export function arityText(lo: number, hi: number): string {
  if (hi === Infinity) return `at least ${plural(lo, 'argument')}`;
  return lo === hi ? plural(lo, 'argument') : `${lo} to ${hi} arguments`;
}

export function inlineDef(ctx: ElabContext, caller: Scope, fn: Extract<FnVal, { kind: 'def' }>, call: Call, args: SplitArgs): Val | null {
  const def = fn.def;
  const key = defKey(fn.module.file, def.name.name);
  if (ctx.callStack.includes(key)) {
    const names = [...ctx.callStack.slice(ctx.callStack.indexOf(key)), key].map((k) => k.slice(k.indexOf('#') + 1));
    ctx.diagnostics.report('CyclicDefinition', def.name.span, { name: def.name.name, cycle: names.join(' -> ') });
    return null;
  }
  const paramNames = def.params.map((p) => p.name.name);
  for (const [key2, arg] of args.named) {
    if (!paramNames.includes(key2)) {
      ctx.diagnostics.report('UnknownNamedArgument', arg.name!.span, { name: def.name.name, arg: key2, hint: hint(key2, paramNames) });
      return null;
    }
  }
  const required = def.params.filter((p) => !p.default).length;
  if (args.positional.length > def.params.length) {
    ctx.diagnostics.report('WrongArity', call.span, { name: def.name.name, expected: arityText(required, def.params.length), given: args.positional.length });
    return null;
  }
  // Called from a binding that maps over index variables: the def's own bindings map over them too.
  const mapped = ctx.mapped.at(-1) ?? [];
  const scope: Scope = { module: fn.module, entries: new Map(), dimVars: new Map(), indexVars: new Map(), ...(mapped.length > 0 ? { mapped } : {}) };
  let ok = true;
  // Optional tensor inputs left out, filled once every argument given has bound the dims;
  // then those that default to an earlier input, which is then bound.
  const filled: { k: number; value: number }[] = [];
  const aliased: { k: number; input: string }[] = [];
  for (let k = 0; k < def.params.length; k++) {
    const param = def.params[k]!;
    const argExpr = args.positional[k] ?? args.named.get(param.name.name)?.value;
    if (k < args.positional.length && args.named.has(param.name.name)) {
      ctx.diagnostics.report('DuplicateArgument', args.named.get(param.name.name)!.name!.span, { arg: param.name.name });
      return null;
    }
    let val: Val | null;
    let literal: number | undefined;
    if (argExpr) {
      val = elabExpr(ctx, caller, argExpr);
      literal = constantValue(argExpr);
    } else if (param.default) {
      // Checked here too, not only with the def's own module: a def may be imported.
      const domain = paramDomain(ctx.diagnostics, param);
      const value = domain === null ? null : paramDefault(ctx.diagnostics, param, domain, def.params);
      if (value !== null && typeof value === 'object') {
        aliased.push({ k, input: value.input });
        continue;
      }
      literal = value ?? undefined;
      // A string parameter left out takes its default string (checked by paramDefault above).
      if (literal !== undefined && param.type?.kind === 'EnumType' && param.default.kind === 'String') {
        const val = stringValue(ctx, param.default);
        if (!matchParam(ctx, scope, def, k, val, call.span)) ok = false;
        continue;
      }
      if (literal !== undefined && param.type?.kind === 'TensorType' && param.type.shape && param.type.shape.length > 0 && !param.learnable) {
        filled.push({ k, value: literal });
        continue;
      }
      val = literal === undefined ? null : tensor(ctx.b.constant(literal, 'real', param.default.span), param.type?.kind === 'TensorType' && param.type.element === 'bool' ? 'bool' : 'real', []);
    } else {
      // After a defaulted parameter the arity says nothing useful: the order is the mistake.
      const defaulted = def.params.slice(0, k).find((p) => p.default);
      if (defaulted) ctx.diagnostics.report('RequiredAfterDefault', param.name.span, { name: param.name.name, after: defaulted.name.name });
      else ctx.diagnostics.report('WrongArity', call.span, { name: def.name.name, expected: arityText(required, def.params.length), given: args.positional.length + args.named.size });
      return null;
    }
    if (!val) {
      ok = false;
      continue;
    }
    const span: Span = argExpr?.span ?? call.span;
    if (!matchParam(ctx, scope, def, k, val, span, literal)) ok = false;
    else if (argExpr && val.kind === 'tensor') expectInDomain(ctx, param, def.name.name, val.id, span);
  }
  for (const { k, value } of filled) {
    const val = filledInput(ctx, scope, def.params[k]!, value, call.span);
    if (!val || !matchParam(ctx, scope, def, k, val, call.span, value)) ok = false;
  }
  // `y: [N] = x` left out: the value bound to x (checked against x's domain, inside y's).
  for (const { k, input } of aliased) {
    const entry = scope.entries.get(input);
    if (!entry || entry.kind !== 'val' || !matchParam(ctx, scope, def, k, entry.val, call.span)) ok = false;
  }
  if (ok && !bindIgnores(ctx, scope, def, call.span)) ok = false;
  if (!ok) return null;
  ctx.instantiated.add(key);
  ctx.callStack.push(key);
  try {
    bindAll(ctx, scope, def.bindings);
    const v = elabExpr(ctx, scope, def.body);
    finishBindings(ctx, scope);
    if (!v || v.kind !== 'tensor') return v;
    const clean = hygienic(ctx, def.name.name, v, argumentAxes(scope), call.span);
    if (!clean || !def.result) return clean;
    // A declared result (`-> [N]`, in the pattern's dims) is checked, and is its order; its
    // `...`, when the pattern's took concrete axes, is those axes.
    const bound = scope.restAxes ?? undefined;
    const result = bound ? def.result.flatMap((d) => (d.kind === 'RestDim' ? bound.map((_, k) => ({ kind: 'NamedDim' as const, name: `${REST}${k}`, span: d.span })) : [d])) : def.result;
    const order = matchDeclared(clean.axes, result, (d) => (bound && d.startsWith(REST) ? bound[Number(d.slice(REST.length))]?.name : scope.dimVars.get(d)?.name));
    if (!order) {
      ctx.diagnostics.report('ResultShapeMismatch', def.resultSpan, { name: def.name.name, actual: formatAxes(clean.axes), declared: shapeText(def.result).slice(1, -1) });
      return null;
    }
    // `-> [B, ...]`: the rest group where the declared result has it.
    const restAt = result.filter((d) => d.kind !== 'RestDim').length === result.length ? -1 : result.findIndex((d) => d.kind === 'RestDim');
    return declare(ctx, clean, restAt >= 0 ? [...order.slice(0, restAt), REST, ...order.slice(restAt)] : order);
  } finally {
    ctx.callStack.pop();
  }
}

/**
 * An optional tensor input left out of a call (`weight: [C] = 1` in `core(x)`): its default
 * at every position of its shape, as the generated function fills it, so that `sum(weight)`
 * is C, not 1. Its dims must be bound by the arguments given (else E4019: pass it).
 */
function filledInput(ctx: ElabContext, scope: Scope, param: Param, value: number, span: Span): TensorVal | null {
  const shape = param.type?.kind === 'TensorType' ? param.type.shape ?? [] : [];
  const elem = param.type?.kind === 'TensorType' && param.type.element === 'bool' ? 'bool' : 'real';
  const axes: Axis[] = [];
  for (const d of shape) {
    const axis = d.kind === 'NamedDim' ? scope.dimVars.get(d.name) : undefined;
    if (!axis || axis.name === REST) {
      const dim = d.kind === 'NamedDim' ? d.name : d.kind === 'RestDim' ? '...' : String(d.size);
      ctx.diagnostics.report('OptionalInputUnsized', span, { name: param.name.name, dim });
      return null;
    }
    axes.push(axis);
  }
  // select(position >= 0, v, v) over each axis: v everywhere, with the axes (kept by the optimizer).
  const c = ctx.b.constant(value, elem === 'bool' ? 'bool' : 'real', param.default?.span);
  const zero = ctx.b.constant(0, 'int', span);
  const everywhere = axes.map((a) => ctx.b.op('ge', [ctx.b.iota(a, span), zero], {}, span)).reduce((x, y) => ctx.b.op('and', [x, y], {}, span));
  return tensor(ctx.b.op('select', [everywhere, c, c], {}, span), elem, axes);
}

/** Every axis the caller passed in, by name. */
function argumentAxes(scope: Scope): Map<string, Axis> {
  const out = new Map<string, Axis>();
  for (const entry of scope.entries.values()) {
    if (entry.kind === 'val' && entry.val.kind === 'tensor') for (const a of entry.val.axes) out.set(a.name, a);
  }
  return out;
}

/**
 * A def's result has the axes of its arguments: a copy of a dim it made itself (`s[i] =
 * sum(e[i], F)` returns axis i) is renamed back to the argument's axis of that dim, so it
 * lines up with the caller's values (`w[N] * row_sums(e)` is per row, not an outer product).
 * When no argument axis, or more than one, could take it back, it is an error.
 */
function hygienic(ctx: ElabContext, name: string, v: TensorVal, args: ReadonlyMap<string, Axis>, span: Span): TensorVal | null {
  const renames = new Map<string, string>();
  for (const a of v.axes) {
    if (a.name === REST || a.name === a.dim || args.has(a.name)) continue;
    const home = [...args.values()].filter((x) => x.dim === a.dim && x.name !== REST);
    const owner = home.length === 1 ? home[0]! : undefined;
    if (!owner || v.axes.some((x) => x.name === owner.name) || [...renames.values()].includes(owner.name)) {
      ctx.diagnostics.report('DefLocalAxis', span, { name, axis: a.name, dim: a.dim });
      return null;
    }
    renames.set(a.name, owner.name);
  }
  return renames.size > 0 ? renameAxes(ctx, v, renames, span) : v;
}
