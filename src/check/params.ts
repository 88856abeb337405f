// Parameters: binding a call's arguments to a definition's parameters (shape patterns are
// matched against the caller's axes), and turning a loss's own parameters into IR inputs.

import type { Definition, DimDecl, DimExpr, IndexTypeExpr, Param, Span, TypeExpr } from '../../grammar/ast.js';
import { formatAxes } from '../ir/axes.js';
import { formatNumber } from '../ir/print.js';
import { REST, REST_AXIS, type Axis, type DimSource, type DomainInfo, type IrFunctionParam, type IrHyper, type IrInput } from '../ir/types.js';
import { paramDefault, paramDomain } from './defaults.js';
import type { ElabContext } from './context.js';
import { LOSSC_OPTION_KEYS, OPTION_KEYS } from '../ir/option-keys.js';
import type { Scope } from './scope.js';
import { declare, fullOrder, orderOf } from './order.js';
import { describeType, type Elem, type FnVal, type TensorVal, type Val } from './values.js';
import { enumArgument, enumDefault, enumText, enumValues } from './enums.js';
import { listRefusal, listText } from './lists.js';

export function shapeText(dims: readonly DimExpr[]): string {
  return `[${dims.map((d) => (d.kind === 'RestDim' ? '...' : d.kind === 'SizeDim' ? String(d.size) : d.name)).join(', ')}]`;
}

function typeText(t: TypeExpr): string {
  if ((t.kind === 'IndexType' || t.kind === 'TensorType') && t.list) return listText(t);
  if (t.kind === 'IndexType') return `index${shapeText(t.shape)} of ${t.of.name}`;
  if (t.kind === 'FunctionType') return 'a function';
  if (t.kind === 'EnumType') return `one of the strings ${enumText(t.values.map((v) => v.value))}`;
  return `${t.element}${t.shape ? shapeText(t.shape) : ''}`;
}

/**
 * Binds argument k of a call to parameter k of `def` in the callee's scope. `literal` is the
 * argument's value when it is a constant written in the source (`3`, `-1/2`, a default).
 */
export function matchParam(ctx: ElabContext, scope: Scope, def: Definition, k: number, given: Val, span: Span, literal?: number): boolean {
  let val = given;
  const param = def.params[k]!;
  const name = param.name.name;
  const type = param.type;
  if (type?.kind === 'EnumType') {
    const e = enumArgument(ctx, val, type, name, span);
    if (!e) return false;
    scope.entries.set(name, { kind: 'val', val: e, span: param.span });
    return true;
  }
  if (val.kind === 'tensor' && val.enumOf && type) {
    ctx.diagnostics.report('TypeMismatch', span, { what: `argument ${k + 1} of '${def.name.name}'`, expected: typeText(type), actual: `one of the strings ${enumText(val.enumOf.values)}` });
    return false;
  }
  if (val.kind !== 'tensor') {
    if (type && type.kind !== 'FunctionType') {
      ctx.diagnostics.report('TypeMismatch', span, { what: `argument ${k + 1} of '${def.name.name}'`, expected: typeText(type), actual: 'a function' });
      return false;
    }
    scope.entries.set(name, { kind: 'val', val, span: param.span });
    return true;
  }
  if (type?.kind === 'FunctionType') {
    ctx.diagnostics.report('TypeMismatch', span, { what: `argument ${k + 1} of '${def.name.name}'`, expected: 'a function', actual: describeType(val) });
    return false;
  }
  if (type?.kind === 'TensorType' && type.orIndices) {
    if (def.defKind !== 'loss') {
      ctx.diagnostics.report('UnionUnsupported', param.name.span, { name, why: `a def's parameter has one type (only a loss's input is told apart at run time): declare '${name}' as probabilities and pass onehot(t) for class indices` });
      return false;
    }
    // A loss called from another takes the probabilities form (the caller's own union input
    // was made so at its boundary).
    if (typeof val.elem !== 'string') {
      ctx.diagnostics.report('UnionUnsupported', span, { name, why: `called from another loss, '${def.name.name}' takes '${name}' as probabilities ${shapeText(type.shape ?? [])}: pass onehot(t) for class indices` });
      return false;
    }
  }
  if (type?.kind === 'TensorType' && type.element === 'int') {
    const whole = literal === undefined || val.elem !== 'real' ? val : wholeLiteral(ctx, def, k, literal, span);
    if (whole === null) return false;
    val = whole;
  }
  if (type && !elemAccepts(ctx, scope, def, k, type, val, span)) return false;
  const dims = type?.kind === 'TensorType' ? type.shape ?? [] : type?.kind === 'IndexType' ? type.shape : undefined;
  if (dims) {
    const order = matchShape(ctx, scope, dims, val);
    if (!order) {
      ctx.diagnostics.report('ArgumentShapeMismatch', span, { index: k + 1, name: def.name.name, actual: formatAxes(val.axes), param: name, expected: shapeText(dims).slice(1, -1) });
      return false;
    }
    if (val.restUnplaced && order.guessed.length > 0) {
      reportUnplaced(ctx, val, span);
      return false;
    }
    // Inside the def the parameter's axes are in the order of its pattern.
    val = declare(ctx, val, order.names);
    // One axis taken by position is a guess too when another could be it (`f: [K, ...]` of
    // `y * x`: K is N, the first dim declared, where `y * x` reads as [M, N]); the only one left is not.
    if (order.guessed.length > 0 && order.choices > 1) reportGuessedOrder(ctx, order.guessed, val.axes, span);
  }
  scope.entries.set(name, { kind: 'val', val, span: param.span });
  return true;
}

/**
 * After a call's arguments are bound: each class-index parameter declared `ignore h` takes h's
 * value (bound in the callee's scope) as its ignore value. Indices that already ignore a value
 * must ignore the same one (the caller passes its own hyperparameter as h).
 */
export function bindIgnores(ctx: ElabContext, scope: Scope, def: Definition, call: Span): boolean {
  let ok = true;
  for (const param of def.params) {
    const type = param.type;
    if (type?.kind !== 'IndexType' || !type.ignore) continue;
    const entry = scope.entries.get(param.name.name);
    const hyper = scope.entries.get(type.ignore.name);
    if (entry?.kind !== 'val' || entry.val.kind !== 'tensor' || typeof entry.val.elem === 'string') continue;
    const h = hyper?.kind === 'val' ? hyper.val : undefined;
    if (!h || h.kind !== 'tensor' || h.axes.length > 0 || h.elem !== 'int') {
      const actual = !h ? `'${def.name.name}' has no parameter of that name` : h.kind !== 'tensor' ? `'${type.ignore.name}' is a function` : `'${type.ignore.name}' is ${describeType(h)}`;
      ctx.diagnostics.report('IgnoreNotHyper', type.ignore.span, { name: type.ignore.name, input: param.name.name, actual });
      ok = false;
      continue;
    }
    const given = entry.val.elem.ignore;
    if (given !== undefined && given !== h.id) {
      ctx.diagnostics.report('IgnoreMismatch', call, { input: param.name.name, name: def.name.name, hyper: type.ignore.name });
      ok = false;
      continue;
    }
    scope.entries.set(param.name.name, { ...entry, val: { ...entry.val, elem: { ...entry.val.elem, ignore: h.id } } });
  }
  return ok;
}

/**
 * A number written in the source (`f(x, 3)`, or a default) is real; given for an int
 * parameter it is that whole number, and a fractional one is an error, not truncated.
 */
function wholeLiteral(ctx: ElabContext, def: Definition, k: number, value: number, span: Span): TensorVal | null {
  if (!Number.isInteger(value)) {
    ctx.diagnostics.report('IntegerExpected', span, { what: `argument ${k + 1} of '${def.name.name}' (an int)`, actual: formatNumber(value) });
    return null;
  }
  return { kind: 'tensor', id: ctx.b.constant(value, 'int', span), elem: 'int', axes: [] };
}

function elemAccepts(ctx: ElabContext, scope: Scope, def: Definition, k: number, type: TypeExpr, val: TensorVal, span: Span): boolean {
  const what = `argument ${k + 1} of '${def.name.name}'`;
  if (type.kind === 'IndexType') {
    if (typeof val.elem === 'string') {
      ctx.diagnostics.report('IndexExpected', span, { name: def.name.name, expected: typeText(type), actual: describeType(val) });
      return false;
    }
    const bound = scope.dimVars.get(type.of.name);
    if (bound && bound.dim !== val.elem.index) {
      ctx.diagnostics.report('TypeMismatch', span, { what, expected: `class indices of ${bound.dim}`, actual: describeType(val) });
      return false;
    }
    if (!bound) scope.dimVars.set(type.of.name, { name: val.elem.index, dim: val.elem.index });
    return true;
  }
  if (type.kind !== 'TensorType') return true;
  const ok = type.element === 'bool' ? val.elem === 'bool' : type.element === 'int' ? val.elem === 'int' || typeof val.elem !== 'string' : val.elem !== 'bool';
  if (!ok) ctx.diagnostics.report('TypeMismatch', span, { what, expected: typeText(type), actual: describeType(val) });
  return ok;
}

/**
 * A shape pattern against the caller's axes. Named axes come first: a pattern dim bound, or
 * named, like one of the argument's axes takes that axis wherever it is (so `x: [..., C]`
 * accepts `[N, C, H, W]` with the class axis second); the other pattern dims take the
 * remaining axes by position, in the argument's order (order.ts): those before `...` from the
 * left, those after it from the right. Gives the parameter's order (the pattern's, with the
 * axes `...` took where it stands), and the axes
 * taken by position from an argument whose order is not declared; null when it does not match.
 */
function matchShape(ctx: ElabContext, scope: Scope, dims: readonly DimExpr[], val: TensorVal): { names: string[]; guessed: string[]; choices: number } | null {
  const axes = val.axes;
  const restAt = dims.findIndex((d) => d.kind === 'RestDim');
  const pattern = dims.filter((d) => d.kind !== 'RestDim');
  // Pattern dims before `...` take the argument's axes from the left, those after it from the right.
  const before = restAt >= 0 ? restAt : pattern.length;
  const { names: argOrder, declared } = orderOf(ctx, val);
  const hasRest = argOrder.length !== axes.length;
  // `l[k] = g(p[k])`: the axes of the enclosing binding's index variables are mapped over, so
  // a pattern without `...` takes the argument's other axes (g applied per element of a list).
  const mappedHere = new Set(ctx.mapped.at(-1) ?? []);
  const patternNames = new Set(pattern.map((d) => (d.kind === 'NamedDim' ? scope.dimVars.get(d.name)?.name ?? d.name : '')));
  const mappedOver = restAt < 0 && !hasRest ? argOrder.filter((n) => mappedHere.has(n) && !patternNames.has(n)) : [];
  const named = argOrder.filter((n) => !mappedOver.includes(n)).map((n) => axes.find((a) => a.name === n)!);
  if (restAt >= 0 ? named.length < pattern.length : hasRest || named.length !== pattern.length) return null;
  const taken = new Set<string>();
  const byName = new Map<number, Axis>();
  pattern.forEach((d, i) => {
    if (d.kind !== 'NamedDim') return;
    const want = scope.dimVars.get(d.name)?.name ?? d.name;
    const axis = named.find((a) => a.name === want && !taken.has(a.name));
    if (axis) {
      byName.set(i, axis);
      taken.add(axis.name);
    }
  });
  const remaining = named.filter((a) => !taken.has(a.name));
  const positional = pattern.map((_, i) => i).filter((i) => !byName.has(i));
  const front = positional.filter((i) => i < before);
  const back = positional.filter((i) => i >= before);
  front.forEach((i, k) => byName.set(i, remaining[k]!));
  back.forEach((i, k) => byName.set(i, remaining[remaining.length - back.length + k]!));
  for (let i = 0; i < pattern.length; i++) {
    const d = pattern[i]!;
    const axis = byName.get(i)!;
    if (d.kind === 'NamedDim') {
      const bound = scope.dimVars.get(d.name);
      if (bound && bound.name !== axis.name) return null;
      scope.dimVars.set(d.name, axis);
    }
  }
  const matched = pattern.map((_, i) => byName.get(i)!.name);
  // The axes the pattern's `...` takes, with the argument's own rest group where it stands.
  // When the argument does not place its group (operands that disagree), the pattern does, if
  // its `...` takes that group alone.
  const full = fullOrder(val) ?? argOrder;
  const others = full.filter((n) => !matched.includes(n));
  if (hasRest && restAt >= 0 && others.length === 0) others.push(REST);
  if (restAt >= 0) bindRest(scope, others.includes(REST) || others.some((n) => mappedHere.has(n)) ? null : others.map((n) => axes.find((a) => a.name === n)!));
  const guessed = declared ? [] : positional.map((i) => byName.get(i)!.name);
  return { names: [...matched.slice(0, before), ...others, ...matched.slice(before)], guessed, choices: remaining.length };
}

/**
 * The axes a parameter's `...` took, which `...` names in the def's body when every parameter
 * with `...` took the same concrete axes; else (different ones, or an argument's own rest
 * group, or axes a binding maps over) it stays unresolved, and naming it is an error there.
 */
function bindRest(scope: Scope, took: readonly Axis[] | null): void {
  const same = (a: readonly Axis[], b: readonly Axis[]): boolean => a.length === b.length && a.every((x, k) => x.name === b[k]!.name);
  if (scope.restAxes === undefined) scope.restAxes = took;
  else if (scope.restAxes === null || took === null || !same(scope.restAxes, took)) scope.restAxes = null;
}

/**
 * The class-index form of a union input (`y: index[N] of C | [N, C]`), whose real form has
 * `axes`: the real form is the indices' shape with one axis of the classes added, anywhere
 * (`index[B, ...] of C | [B, C, ...]`: `...` where the indices have it). A union is a
 * required loss input with no ignore value (null: reported).
 */
function unionIndices(ctx: ElabContext, param: Param, indices: IndexTypeExpr, axes: readonly Axis[], domain: DomainInfo | undefined): IrInput['orIndices'] | null {
  const name = param.name.name;
  const refuse = (why: string): null => {
    ctx.diagnostics.report('UnionUnsupported', param.name.span, { name, why });
    return null;
  };
  if (param.learnable || param.broadcasts || param.default) {
    return refuse(`a union input is required and given whole (not ${param.learnable ? "'param'" : param.broadcasts ? "'broadcast'" : 'optional with a default'})`);
  }
  // An ignored index has no one-hot row (torch's one_hot and MONAI's to_onehot_y refuse it), and
  // smp's DiceLoss, which takes one, zeroes the prediction there too: not the target's to say.
  if (indices.ignore) return refuse(`class indices with an ignore value have no one-hot form: an ignored position has no row of probabilities, and the peers that ignore one leave it out of the prediction as well (smp's DiceLoss zeroes both there), which a target alone cannot say; declare 'index[...] of ${indices.of.name} ignore ${indices.ignore.name}' alone and mask the prediction and onehot(t) with t != ${indices.ignore.name}`);
  // One-hot rows hold 0 and 1: a domain without them would be a false promise to the range analysis.
  const holds = (v: number): boolean =>
    !domain || (domain.kind === 'set' ? (domain.values ?? []).includes(v) : (domain.lo === undefined || (domain.loClosed ? domain.lo <= v : domain.lo < v)) && (domain.hi === undefined || (domain.hiClosed ? v <= domain.hi : v < domain.hi)));
  if (!holds(0) || !holds(1)) return refuse(`its domain ${domain!.text} must hold 0 and 1, which the one-hot rows of class indices hold (write 'in [0, 1]')`);
  const indexAxes = shapeAxes(ctx, indices.shape);
  if (!indexAxes) return null;
  const of = indices.of.name;
  const extra = axes.filter((a) => !indexAxes.some((b) => b.dim === a.dim));
  const fits = extra.length === 1 && extra[0]!.dim === of && axes.length === indexAxes.length + 1 && indexAxes.every((a, k) => a.dim === axes.filter((b) => b !== extra[0])[k]?.dim);
  if (!fits) {
    ctx.diagnostics.report('UnionShapes', param.name.span, { name, probs: shapeText(axes.map((a) => ({ kind: 'NamedDim' as const, name: a.dim, span: param.span }))), indices: shapeText(indices.shape), of });
    return null;
  }
  // One class leaves nothing to tell apart: every index is 0, every one-hot row all 1, and the
  // generated function would refuse indices at run time, after the program checked clean.
  if (of === '1') {
    const probs = param.type?.kind === 'TensorType' && param.type.shape ? shapeText(param.type.shape) : shapeText(axes.map((a) => ({ kind: 'NamedDim' as const, name: a.dim, span: param.span })));
    ctx.diagnostics.report('UnionOneClass', indices.of.span, { name, probs: `${probs}${domain ? ` in ${domain.text}` : ''}` });
    return null;
  }
  return { axes: indexAxes, of };
}

/** Axes taken by position from a value with an axis that has no place (flatten.ts). */
export function reportUnplaced(ctx: ElabContext, v: TensorVal, span: Span): void {
  ctx.diagnostics.report('RestPlaceUnknown', span, { name: v.restUnplaced!, axes: formatAxes(v.axes) });
}

/** Axes taken by position from a value whose order no declaration gives (order.ts). */
export function reportGuessedOrder(ctx: ElabContext, names: readonly string[], axes: readonly Axis[], span: Span): void {
  ctx.diagnostics.report('OrderNotDeclared', span, { axes: formatAxes(axes), names: names.join(', ') });
}

export interface LossSignature {
  readonly inputs: IrInput[];
  readonly hypers: IrHyper[];
  readonly dims: DimSource[];
  readonly values: Map<string, TensorVal | FnVal>;
  readonly functions: IrFunctionParam[];
  /** Tensor inputs and function parameters in declaration order. */
  readonly order: string[];
}

/** A loss's own parameters: tensors become inputs, scalars hyperparameters with defaults. */
export function lossSignature(ctx: ElabContext, def: Definition, componentDims: ReadonlyMap<string, DimDecl>): LossSignature | null {
  const sig: LossSignature = { inputs: [], hypers: [], dims: [], values: new Map(), functions: [], order: [] };
  const b = ctx.b;
  const report = ctx.diagnostics;
  let ok = true;
  const dimOwners = new Set<string>();
  const seen = new Set<string>();
  const required: { input: IrInput; span: Span }[] = [];
  const functionParams: { name: string; type: Extract<TypeExpr, { kind: 'FunctionType' }>; span: Span }[] = [];
  const optional: { input: IrInput; span: Span }[] = [];
  const broadcasting: { input: IrInput; span: Span }[] = [];
  const unions: { input: IrInput; span: Span }[] = [];
  const ignores = ignoreHypers(ctx, def);
  if (!ignores) ok = false;
  for (const param of def.params) {
    const name = param.name.name;
    if (seen.has(name)) {
      report.report('DuplicateParameter', param.name.span, { name });
      ok = false;
      continue;
    }
    seen.add(name);
    const type = param.type;
    if (!type) {
      report.report('MissingType', param.name.span, { name, loss: def.name.name });
      ok = false;
      continue;
    }
    if (type.kind === 'FunctionType') {
      functionParams.push({ name, type, span: param.name.span });
      continue;
    }
    if (type.kind === 'EnumType') {
      // A hyperparameter of strings: an int in the IR, the position of its string.
      const values = enumValues(report, type, name);
      const where = param.learnable ? 'param' : param.broadcasts ? 'broadcast' : param.domain ? 'in' : undefined;
      if (where) report.report('UnsupportedConstruct', param.name.span, { what: `'${where}' on a hyperparameter of strings ('${name}')` });
      const dflt = values ? enumDefault(report, param, values) : null;
      if (!values || dflt === null || where) {
        ok = false;
        continue;
      }
      const node = b.input(name, { dtype: 'int', axes: [] }, param.span);
      // Its domain, the positions, bounds the range analysis (and its witnesses) to them.
      const domain = { kind: 'set' as const, values: values.map((_, k) => k), text: enumText(values) };
      sig.hypers.push({ name, elem: 'int', values, ...(dflt !== undefined ? { default: dflt } : {}), domain, node });
      sig.values.set(name, { kind: 'tensor', id: node, elem: 'int', axes: [], enumOf: { what: `'${name}'`, values } });
      continue;
    }
    const domain = paramDomain(report, param);
    if (domain === null) ok = false;
    const dflt = paramDefault(report, param, domain ?? undefined, def.params);
    if (dflt === null) ok = false;
    const shape = type.kind === 'IndexType' ? type.shape : param.learnable ? type.shape ?? [] : type.shape;
    if (!shape) {
      // A scalar hyperparameter.
      const elem = type.kind === 'TensorType' ? type.element : 'real';
      const node = b.input(name, { dtype: elem, axes: [] }, param.span);
      sig.hypers.push({ name, elem, ...(typeof dflt === 'number' ? { default: dflt } : {}), ...(domain ? { domain } : {}), node });
      sig.values.set(name, { kind: 'tensor', id: node, elem, axes: [], ...(domain ? { domain } : {}) });
      continue;
    }
    if (!param.default && param.learnable) {
      report.report('LearnableWithoutInit', param.name.span, { name });
      ok = false;
    }
    const axes = shapeAxes(ctx, shape);
    if (!axes) {
      ok = false;
      continue;
    }
    // The canonical order of axes: dims as they first appear in the parameters (order.ts).
    for (const a of axes) if (a.name !== REST && !ctx.dimOrder.includes(a.dim)) ctx.dimOrder.push(a.dim);
    if (type.kind === 'IndexType' && !ctx.dimOrder.includes(type.of.name)) ctx.dimOrder.push(type.of.name);
    const elem: Elem = type.kind === 'IndexType' ? { index: type.of.name } : type.element;
    const irElem = type.kind === 'IndexType' ? 'index' : type.element;
    const node = b.input(name, { dtype: typeof elem === 'string' ? elem : 'int', axes }, param.span);
    const input: IrInput = {
      name,
      elem: irElem,
      ...(type.kind === 'IndexType' ? { indexOf: type.of.name } : {}),
      ...(ignores?.has(name) ? { ignore: ignores.get(name)! } : {}),
      axes,
      ...(domain ? { domain } : {}),
      node,
      ...(dflt !== undefined && dflt !== null ? { default: dflt } : {}),
      ...(param.learnable ? { learnable: true } : {}),
      ...(param.broadcasts ? { broadcasts: true as const } : {}),
    };
    if (param.broadcasts && axes.some((a) => a.name === REST)) {
      report.report('BroadcastWithRest', param.name.span, { name });
      ok = false;
    }
    if (type.kind === 'TensorType' && type.orIndices) {
      const orIndices = unionIndices(ctx, param, type.orIndices, axes, domain ?? undefined);
      if (!orIndices) {
        ok = false;
        continue;
      }
      unions.push({ input: { ...input, orIndices }, span: param.name.span });
      sig.values.set(name, declare(ctx, { kind: 'tensor', id: node, elem, axes, ...(domain ? { domain } : {}) }, axes.map((a) => a.name)));
      continue;
    }
    if (type.list) {
      const why = listRefusal(param);
      if (why) {
        report.report('ListUnsupported', type.list.span, { name, why });
        ok = false;
        continue;
      }
      required.push({ input: { ...input, list: true, ...(type.list.ragged ? { ragged: true as const } : {}) }, span: param.name.span });
      sig.values.set(name, declare(ctx, { kind: 'tensor', id: node, elem, axes, ...(domain ? { domain } : {}) }, axes.map((a) => a.name)));
      continue;
    }
    (param.broadcasts ? broadcasting : !param.default && !param.learnable ? required : optional).push({ input, span: param.name.span });
    // An input's axes are in the order its shape declares.
    sig.values.set(name, declare(ctx, { kind: 'tensor', id: node, elem, axes, ...(domain ? { domain } : {}) }, axes.map((a) => a.name)));
  }
  // Required inputs fix every dimension's size; optional ones (defaults, learnable) may only
  // use dimensions a required input has, so they can be filled when left out.
  for (const { input } of required) {
    // Dims before `...` are counted from the front of the given shape, those after it from the back.
    const restAt = input.axes.findIndex((a) => a.name === REST);
    input.axes.forEach((axis, i) => {
      if (axis.name === REST || dimOwners.has(axis.dim)) return;
      dimOwners.add(axis.dim);
      const components = componentDims.get(axis.dim)?.components.length;
      const size = /^\d+$/.test(axis.dim) ? Number(axis.dim) : components;
      const fromEnd = restAt >= 0 && i > restAt;
      sig.dims.push(size !== undefined ? { dim: axis.dim, size } : { dim: axis.dim, input: input.name, position: fromEnd ? input.axes.length - i : i, fromEnd });
    });
    sig.inputs.push(input);
  }
  const hasRest = required.some(({ input }) => input.axes.some((a) => a.name === REST));
  // Broadcast inputs come after the required ones (their checks need the sizes), then the optional.
  for (const [group, kind] of [[broadcasting, 'BroadcastDimUnfixed'], [unions, 'UnionDimUnfixed'], [optional, 'DimOnlyInOptional']] as const) {
    for (const { input, span } of group) {
      for (const [i, axis] of input.axes.entries()) {
        const fixed = axis.name === REST ? hasRest : dimOwners.has(axis.dim) || /^\d+$/.test(axis.dim) || componentDims.has(axis.dim);
        // A learnable parameter fixes the dims no required input has: it must then be passed.
        if (!fixed && input.learnable && axis.name !== REST) {
          dimOwners.add(axis.dim);
          sig.dims.push({ dim: axis.dim, input: input.name, position: i, fromEnd: false });
          continue;
        }
        if (!fixed) {
          report.report(kind, span, { dim: axis.dim, name: input.name });
          ok = false;
        }
      }
      sig.inputs.push(input);
    }
  }
  for (const f of functionParams) {
    const fp = functionParam(ctx, f.name, f.type, dimOwners);
    if (!fp) {
      ok = false;
      continue;
    }
    sig.functions.push(fp);
    for (const a of [...fp.param, ...fp.result]) if (!ctx.dimOrder.includes(a.dim)) ctx.dimOrder.push(a.dim);
    sig.values.set(f.name, { kind: 'param', param: fp });
  }
  // An ignoring index remembers its hyperparameter's node, for the gathers and onehots of it.
  for (const [input, hyper] of ignores ?? []) {
    const val = sig.values.get(input);
    const node = sig.hypers.find((h) => h.name === hyper)?.node;
    if (val?.kind === 'tensor' && typeof val.elem !== 'string' && node !== undefined) sig.values.set(input, { ...val, elem: { ...val.elem, ignore: node } });
  }
  sig.order.push(...def.params.filter((p) => sig.inputs.some((i) => i.name === p.name.name && i.default === undefined) || sig.functions.some((f) => f.name === p.name.name)).map((p) => p.name.name));
  for (const param of def.params) {
    if (param.type?.kind === 'IndexType' && !dimOwners.has(param.type.of.name)) {
      const classes = param.type.of.name;
      // `of 10` with no input of a size-10 axis: the size is the number itself.
      if (/^\d+$/.test(classes)) {
        if (!sig.dims.some((d) => d.dim === classes)) sig.dims.push({ dim: classes, size: Number(classes) });
      } else if (!/^[\d.eE+-]+$/.test(classes)) {
        report.report('UnknownDimension', param.type.of.span, { name: classes });
        ok = false;
      } else {
        ok = false; // a fraction: reported by the parser (E1017)
      }
    }
    // Hyperparameters and optional inputs are keys of the generated function's options.
    const keyed = sig.hypers.some((h) => h.name === param.name.name) || sig.inputs.some((i) => i.name === param.name.name && i.default !== undefined);
    if (keyed && OPTION_KEYS.includes(param.name.name)) {
      const why = LOSSC_OPTION_KEYS.includes(param.name.name) ? 'the options of every generated loss have that key' : 'every JavaScript object already has a property of that name';
      report.report('ReservedName', param.name.span, { name: param.name.name, what: `hyperparameter or optional input: ${why}` });
      ok = false;
    }
  }
  return ok ? sig : null;
}

/**
 * `t: index[N] of C ignore h`: for each such input, h, which must be a scalar int
 * hyperparameter of the same loss (declared anywhere in its parameters); null after an error.
 */
function ignoreHypers(ctx: ElabContext, def: Definition): Map<string, string> | null {
  const out = new Map<string, string>();
  let ok = true;
  for (const param of def.params) {
    const type = param.type;
    if (type?.kind !== 'IndexType' || !type.ignore) continue;
    const name = type.ignore.name;
    const hyper = def.params.find((p) => p.name.name === name);
    const t = hyper?.type;
    const actual = !hyper
      ? 'the loss has no parameter of that name'
      : hyper.learnable || t?.kind !== 'TensorType' || t.shape !== undefined
        ? `'${name}' is ${t ? typeText(t) : 'untyped'}${hyper.learnable ? ', learnable' : ''}, not a scalar hyperparameter`
        : t.element !== 'int'
          ? `'${name}' is ${t.element}`
          : undefined;
    if (actual !== undefined) {
      ctx.diagnostics.report('IgnoreNotHyper', type.ignore.span, { name, input: param.name.name, actual });
      ok = false;
      continue;
    }
    out.set(param.name.name, name);
  }
  return ok ? out : null;
}

function shapeAxes(ctx: ElabContext, shape: readonly DimExpr[]): Axis[] | null {
  const axes: Axis[] = [];
  const names = new Set<string>();
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i]!;
    if (d.kind === 'RestDim') {
      // One group anywhere (`[B, C, ...]`): two would leave their split ambiguous.
      if (axes.includes(REST_AXIS)) {
        ctx.diagnostics.report('RestDimPosition', d.span);
        return null;
      }
      axes.push(REST_AXIS);
      continue;
    }
    const name = d.kind === 'NamedDim' ? d.name : String(d.size);
    if (names.has(name)) {
      ctx.diagnostics.report('DuplicateDim', d.span, { name });
      return null;
    }
    names.add(name);
    axes.push({ name, dim: name });
  }
  return axes;
}

/**
 * `features: fn([N, C, H, W]) -> [N, K, P, Q]`: one real tensor argument of the declared
 * shape; result dims that no required input has are read from each result at run time.
 */
function functionParam(ctx: ElabContext, name: string, type: Extract<TypeExpr, { kind: 'FunctionType' }>, known: ReadonlySet<string>): IrFunctionParam | null {
  const shapeOf = (t: TypeExpr): readonly DimExpr[] | null => {
    if (t.kind === 'TensorType' && t.element === 'real' && t.shape && t.shape.every((d) => d.kind === 'NamedDim')) return t.shape;
    ctx.diagnostics.report('UnsupportedConstruct', t.span, { what: 'a function parameter type other than real tensors with named dims (fn([N, D]) -> [N, F])' });
    return null;
  };
  if (type.params.length !== 1) {
    ctx.diagnostics.report('UnsupportedConstruct', type.span, { what: 'a function parameter taking other than one tensor' });
    return null;
  }
  const paramShape = shapeOf(type.params[0]!);
  const resultShape = shapeOf(type.result);
  if (!paramShape || !resultShape) return null;
  const param = shapeAxes(ctx, paramShape);
  const result = shapeAxes(ctx, resultShape);
  if (!param || !result) return null;
  for (const a of param) {
    if (!known.has(a.dim)) {
      ctx.diagnostics.report('DimOnlyInOptional', type.params[0]!.span, { dim: a.dim, name });
      return null;
    }
  }
  return { name, param, result, resultDims: result.map((a) => a.dim).filter((d) => !known.has(d)) };
}
