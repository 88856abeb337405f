// The elaborator: checks an expression (names, element types, named axes) and, in the same
// walk, builds its IR. Every problem is reported to the context and yields `null`, which the
// callers pass along silently, so one mistake gives one diagnostic, not a cascade.

import type { Binary, Binding, Expr, Identifier, Index, Member, Span } from '../../grammar/ast.js';
import { formatAxes } from '../ir/axes.js';
import type { BinaryOp } from '../ir/ops.js';
import { REST, type Axis, type NodeId } from '../ir/types.js';
import { isBuiltin } from './builtins.js';
import { flattensInto } from './flatten.js';
import { elabCall } from './calls.js';
import type { ElabContext } from './context.js';
import {
  childScope,
  inheritedMapped,
  findDimVar,
  findEntry,
  findIndexVar,
  hasDim,
  indexScope,
  visibleNames,
  type Entry,
  type Scope,
} from './scope.js';
import { lookupFunction } from './functions.js';
import { elabEnumComparison, refuseEnum, stringValue } from './enums.js';
import { declare, fullOrder, inheritedOrder, orderOf } from './order.js';
import { reportGuessedOrder, reportUnplaced } from './params.js';
import { readIgnoring } from './ignore.js';
import { describeElem, describeType, hint, isNumeric, type Elem, type TensorVal, type Val } from './values.js';

export function elabExpr(ctx: ElabContext, scope: Scope, e: Expr): Val | null {
  switch (e.kind) {
    case 'Number':
      return tensor(ctx.b.constant(e.value, 'real', e.span), 'real', []);
    case 'String':
      return stringValue(ctx, e);
    case 'Name':
      return elabName(ctx, scope, e.name, e.span);
    case 'Unary': {
      const v = elabTensor(ctx, scope, e.operand);
      if (!v) return null;
      if (e.op === 'not') {
        if (!expectBool(ctx, v, 'the operand of not', e.operand.span)) return null;
        return fromNode(ctx, ctx.b.op('not', [v.id], {}, e.span), 'bool', [v]);
      }
      if (!expectNumber(ctx, v, `the operand of unary ${e.op}`, e.operand.span)) return null;
      if (e.op === '+') return v;
      return fromNode(ctx, ctx.b.op('neg', [v.id], {}, e.span), arithElem(v.elem), [v]);
    }
    case 'Binary':
      return elabBinary(ctx, scope, e);
    case 'Call':
      return elabCall(ctx, scope, e);
    case 'Index':
      return elabIndex(ctx, scope, e);
    case 'Member':
      return elabMember(ctx, scope, e);
    case 'Conditional': {
      const c = elabTensor(ctx, scope, e.cond);
      const a = elabTensor(ctx, scope, e.then);
      const b = elabTensor(ctx, scope, e.else);
      if (!c || !a || !b) return null;
      if (!expectBool(ctx, c, 'the condition of if', e.cond.span)) return null;
      return constantBranch(ctx, c, a, b) ?? select(ctx, c, a, b, e.span);
    }
    case 'Let': {
      const inner = childScope(scope);
      bindAll(ctx, inner, e.bindings);
      const v = elabExpr(ctx, inner, e.body);
      finishBindings(ctx, inner);
      return v;
    }
    case 'Tuple':
      ctx.diagnostics.report('BadTuple', e.span);
      return null;
  }
}

/** Checks an expression that must be a tensor (not a function). */
export function elabTensor(ctx: ElabContext, scope: Scope, e: Expr): TensorVal | null {
  const v = elabExpr(ctx, scope, e);
  if (!v) return null;
  if (v.kind !== 'tensor') {
    ctx.diagnostics.report('FunctionAsValue', e.span, { name: e.kind === 'Name' ? e.name : v.kind === 'def' ? v.def.name.name : v.kind === 'param' ? v.param.name : v.name });
    return null;
  }
  return refuseEnum(ctx, v, e.span) ? v : null;
}

/**
 * `if kind == 'softmax' then … else …` where the condition is known at compile time (a def
 * given a string): the branch taken, when it has every axis the select would have (else the
 * select stays, so that a broadcast branch keeps its size).
 */
function constantBranch(ctx: ElabContext, c: TensorVal, a: TensorVal, b: TensorVal): TensorVal | undefined {
  const cond = ctx.b.node(c.id);
  if (cond.op !== 'const' || c.axes.length > 0) return undefined;
  const taken = cond.attrs.value !== 0 ? a : b;
  const other = taken === a ? b : a;
  if (!other.axes.every((x) => taken.axes.some((y) => y.name === x.name))) return undefined;
  // Another element type (int and real) would type the result otherwise than select does.
  if (JSON.stringify(a.elem) !== JSON.stringify(b.elem)) return undefined;
  return taken;
}

export function tensor(id: NodeId, elem: Elem, axes: readonly Axis[]): TensorVal {
  return { kind: 'tensor', id, elem, axes };
}

/**
 * The tensor value of an IR node built by the caller, typed from the node itself; with the
 * operands it was made of, in the order it inherits from them (order.ts).
 */
export function fromNode(ctx: ElabContext, id: NodeId, elem?: Elem, operands: readonly TensorVal[] = []): TensorVal {
  const t = ctx.b.type(id);
  const v = declare(ctx, tensor(id, elem ?? t.dtype, t.axes), inheritedOrder(t.axes, operands));
  // An axis with no place (E4035) has none in what is computed from it either.
  const unplaced = v.positional ? undefined : operands.find((o) => o.restUnplaced && t.axes.some((a) => a.name === o.restUnplaced))?.restUnplaced;
  return unplaced ? { ...v, restUnplaced: unplaced } : v;
}

/** int and index arithmetic gives int; anything with a real gives real. */
export function arithElem(...elems: Elem[]): Elem {
  return elems.every((x) => x !== 'real') ? 'int' : 'real';
}

export function expectNumber(ctx: ElabContext, v: TensorVal, what: string, span: Span): boolean {
  if (isNumeric(v.elem)) return true;
  ctx.diagnostics.report('NotNumeric', span, { what, actual: describeType(v) });
  return false;
}

export function expectBool(ctx: ElabContext, v: TensorVal, what: string, span: Span): boolean {
  if (v.elem === 'bool') return true;
  ctx.diagnostics.report('NotBoolean', span, { what, actual: describeType(v) });
  return false;
}

/** Two operands can line up when every axis name they share stands for the same dimension. */
export function checkAlignable(ctx: ElabContext, vals: readonly TensorVal[], what: string, span: Span): boolean {
  const seen = new Map<string, Axis>();
  for (const v of vals) {
    for (const a of v.axes) {
      const prior = seen.get(a.name);
      if (prior && prior.dim !== a.dim) {
        ctx.diagnostics.report('AxisSizeMismatch', span, { what, a: `${a.name} (${prior.dim})`, b: `${a.name} (${a.dim})` });
        return false;
      }
      seen.set(a.name, a);
    }
  }
  return true;
}

/**
 * Two operands that each hold several copies of one dim, none shared (`same[i, j]` with
 * `l[a, p]`, all over N), combine into an outer product of them all: almost always a mistake
 * (one was meant to be indexed with the other's variables). One copy each (`e[i] - e[j]`) is
 * the pairwise form, and a shared one (`d[i, j] - d[i, k]`) lines them up: neither is warned.
 */
export function checkCopies(ctx: ElabContext, vals: readonly TensorVal[], what: string, span: Span): void {
  const copies = (v: TensorVal, dim: string): string[] => v.axes.filter((a) => a.dim === dim && a.name !== REST).map((a) => a.name);
  const dims = new Set(vals.flatMap((v) => v.axes.map((a) => a.dim)));
  for (const dim of dims) {
    for (let x = 0; x < vals.length; x++) {
      for (let y = x + 1; y < vals.length; y++) {
        const [a, b] = [copies(vals[x]!, dim), copies(vals[y]!, dim)];
        if (a.length < 2 || b.length < 2 || a.some((n) => b.includes(n))) continue;
        const hint = `: did you mean to index one with the other's variables (${b.join(', ')} as ${a.join(', ')})?`;
        ctx.diagnostics.report('OuterProductOfCopies', span, { what, a: a.join(', '), b: b.join(', '), dim, hint });
        return;
      }
    }
  }
  // `w * d[i, j]` with `w: [N, M]` and i, j copies of N and M: w was meant to be indexed
  // `w[i, j]`; as written, the result is [N, M, i, j]. One axis too: `x * w` with `x: [N]`
  // and `w[n: N] = ...` is [N, n], the product of the sums, not the elementwise product.
  for (const x of vals) {
    for (const y of vals) {
      if (x === y) continue;
      const plain = x.axes.filter((a) => a.name === a.dim && a.name !== REST);
      if (plain.length === 0 || plain.length !== x.axes.length) continue;
      const used = new Set<string>();
      const pairs = plain.map((a) => {
        const copy = y.axes.find((b) => b.dim === a.dim && b.name !== a.name && !used.has(b.name) && !x.axes.some((c) => c.name === b.name));
        if (copy && !y.axes.some((b) => b.name === a.name)) used.add(copy.name);
        return copy && !y.axes.some((b) => b.name === a.name) ? copy.name : undefined;
      });
      if (pairs.some((c) => c === undefined)) continue;
      const named = plain.map((a) => a.name);
      const hint = `: did you mean [${named.join(', ')}] indexed [${pairs.join(', ')}]?`;
      ctx.diagnostics.report('OuterProductOfCopies', span, { what, a: named.join(', '), b: pairs.join(', '), dim: named.join(', '), hint });
      return;
    }
  }
}

export function select(ctx: ElabContext, c: TensorVal, a: TensorVal, b: TensorVal, span: Span): TensorVal | null {
  if (!checkAlignable(ctx, [c, a, b], 'the branches of a condition', span)) return null;
  if ((a.elem === 'bool') !== (b.elem === 'bool')) {
    ctx.diagnostics.report('TypeMismatch', span, { what: 'both branches of a condition', expected: 'numbers or both conditions', actual: `${describeType(a)} and ${describeType(b)}` });
    return null;
  }
  const elem: Elem = a.elem === 'bool' ? 'bool' : arithElem(a.elem, b.elem);
  checkCopies(ctx, [c, a, b], 'a condition', span);
  return fromNode(ctx, ctx.b.op('select', [c.id, a.id, b.id], {}, span), elem, [c, a, b]);
}

const ARITH: Partial<Record<Binary['op'], BinaryOp>> = { '+': 'add', '-': 'sub', '*': 'mul', '/': 'div', '^': 'pow' };
const COMPARE: Partial<Record<Binary['op'], BinaryOp>> = { '==': 'eq', '!=': 'ne', '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge' };

function elabBinary(ctx: ElabContext, scope: Scope, e: Binary): Val | null {
  if (e.lhs.kind === 'Tuple' || e.rhs.kind === 'Tuple') return elabTupleCompare(ctx, scope, e);
  const strings = elabEnumComparison(ctx, scope, e);
  if (strings !== undefined) return strings;
  // An index variable takes its size from the tensor first indexed with it: the operand that
  // indexes with it goes first, so `i * x[i]` checks as `x[i] * i` does.
  const rhsFirst = sizesFor(scope, e.rhs, e.lhs);
  const b0 = rhsFirst ? elabTensor(ctx, scope, e.rhs) : undefined;
  const a = elabTensor(ctx, scope, e.lhs);
  const b = rhsFirst ? b0! : elabTensor(ctx, scope, e.rhs);
  if (!a || !b) return null;
  if (!checkAlignable(ctx, [a, b], `the operands of '${e.op}'`, e.opSpan)) return null;
  checkCopies(ctx, [a, b], `'${e.op}'`, e.opSpan);
  const arith = ARITH[e.op];
  if (arith) {
    if (!expectNumber(ctx, a, `the left operand of '${e.op}'`, e.lhs.span)) return null;
    if (!expectNumber(ctx, b, `the right operand of '${e.op}'`, e.rhs.span)) return null;
    const elem: Elem = arith === 'div' || arith === 'pow' ? 'real' : arithElem(a.elem, b.elem);
    return fromNode(ctx, ctx.b.op(arith, [a.id, b.id], {}, e.span), elem, [a, b]);
  }
  const cmp = COMPARE[e.op];
  if (cmp) {
    const equality = cmp === 'eq' || cmp === 'ne';
    const bothBool = a.elem === 'bool' && b.elem === 'bool';
    if (!(equality && bothBool)) {
      if (!expectNumber(ctx, a, `the left operand of '${e.op}'`, e.lhs.span)) return null;
      if (!expectNumber(ctx, b, `the right operand of '${e.op}'`, e.rhs.span)) return null;
    }
    return fromNode(ctx, ctx.b.op(cmp, [a.id, b.id], {}, e.span), 'bool', [a, b]);
  }
  // and / or
  if (!expectBool(ctx, a, `the left operand of '${e.op}'`, e.lhs.span)) return null;
  if (!expectBool(ctx, b, `the right operand of '${e.op}'`, e.rhs.span)) return null;
  return fromNode(ctx, ctx.b.op(e.op === 'and' ? 'and' : 'or', [a.id, b.id], {}, e.span), 'bool', [a, b]);
}

/** The names `e` indexes a tensor with (`x[i]`), and those it reads as values (`i + 1`). */
function indexNames(e: Expr, indexing: Set<string>, values: Set<string>): void {
  switch (e.kind) {
    case 'Number':
      return;
    case 'Name':
      values.add(e.name);
      return;
    case 'Index':
      indexNames(e.target, indexing, values);
      for (const ix of e.indices) {
        if (ix.kind === 'Name') indexing.add(ix.name);
        else indexNames(ix, indexing, values);
      }
      return;
    case 'Unary':
      return indexNames(e.operand, indexing, values);
    case 'Binary':
      indexNames(e.lhs, indexing, values);
      return indexNames(e.rhs, indexing, values);
    case 'Call':
      for (const a of e.args) indexNames(a.value, indexing, values);
      return;
    case 'Member':
      return indexNames(e.target, indexing, values);
    case 'Tuple':
      for (const item of e.items) indexNames(item, indexing, values);
      return;
    case 'Conditional':
      indexNames(e.cond, indexing, values);
      indexNames(e.then, indexing, values);
      return indexNames(e.else, indexing, values);
    case 'Let':
      for (const b of e.bindings) indexNames(b.value, indexing, values);
      return indexNames(e.body, indexing, values);
  }
}

/**
 * Whether `first` must be checked before `then`: `then` reads as a value an index variable
 * that has no size yet, which `first` gives one by indexing a tensor with it.
 */
function sizesFor(scope: Scope, first: Expr, then: Expr): boolean {
  const given = new Set<string>();
  indexNames(first, given, new Set());
  if (given.size === 0) return false;
  const [ownIndexing, read] = [new Set<string>(), new Set<string>()];
  indexNames(then, ownIndexing, read);
  for (const name of read) {
    if (!given.has(name) || ownIndexing.has(name) || findEntry(scope, name)) continue;
    const iv = findIndexVar(scope, name);
    if (!iv?.dim) return true;
  }
  return false;
}

/** `(w, b) != (v, a)` compares element by element: != is any difference, == all equal. */
function elabTupleCompare(ctx: ElabContext, scope: Scope, e: Binary): Val | null {
  if (e.lhs.kind !== 'Tuple' || e.rhs.kind !== 'Tuple' || e.lhs.items.length !== e.rhs.items.length || (e.op !== '==' && e.op !== '!=')) {
    ctx.diagnostics.report('BadTuple', e.span);
    return null;
  }
  let acc: TensorVal | null = null;
  for (let k = 0; k < e.lhs.items.length; k++) {
    const item: Binary = { ...e, kind: 'Binary', lhs: e.lhs.items[k]!, rhs: e.rhs.items[k]! };
    const v = elabBinary(ctx, scope, item);
    if (!v || v.kind !== 'tensor') return null;
    acc = acc ? fromNode(ctx, ctx.b.op(e.op === '==' ? 'and' : 'or', [acc.id, v.id], {}, e.span), 'bool', [acc, v]) : v;
  }
  return acc;
}

function elabName(ctx: ElabContext, scope: Scope, name: string, span: Span): Val | null {
  const entry = findEntry(scope, name);
  if (entry) return forceEntry(ctx, entry, name, span);
  const iv = findIndexVar(scope, name);
  if (iv) {
    if (!iv.dim) {
      if (!iv.unknownDim) ctx.diagnostics.report('IndexVariableWithoutSize', span, { name });
      return null;
    }
    const axis = { name, dim: iv.dim };
    return tensor(ctx.b.iota(axis, span), 'int', [axis]);
  }
  if (name === 'true' || name === 'false') return tensor(ctx.b.constant(name === 'true' ? 1 : 0, 'bool', span), 'bool', []);
  const dimVar = findDimVar(scope, name);
  if (dimVar && dimVar.name !== REST) return tensor(ctx.b.size(dimVar.dim, span), 'int', []);
  if (hasDim(scope, name) || ctx.productDims.has(name) || flattensInto(ctx, scope, name)) return tensor(ctx.b.size(name, span), 'int', []);
  const fn = lookupFunction(ctx, scope, name);
  if (fn !== undefined) return fn;
  ctx.diagnostics.report('UnknownName', span, { name, hint: hint(name, visibleNames(scope)) });
  return null;
}

/** Checks a lazy binding on first use; a binding met again while being checked is a cycle. */
export function forceEntry(ctx: ElabContext, entry: Entry, name: string, span: Span): Val | null {
  if (entry.kind === 'val') return entry.val;
  if (entry.state === 'done') return entry.val;
  if (entry.state === 'busy') {
    ctx.diagnostics.report('CyclicDefinition', entry.binding.name.span, { name, cycle: `${name} is used in its own definition (line ${span.start.line})` });
    return null;
  }
  entry.state = 'busy';
  // Another binding forced from inside this one maps over its own variables only (and, in a
  // def applied per element, over those of the call: scope.ts `mapped`).
  ctx.mapped.push([...inheritedMapped(entry.scope)]);
  try {
    entry.val = elabBinding(ctx, entry.scope, entry.binding);
  } finally {
    ctx.mapped.pop();
  }
  entry.state = 'done';
  return entry.val;
}

/**
 * `name[i, j] = rhs`: a left-side index variable that is an axis of the right-hand side names
 * that axis; the others rename the right-hand side's remaining axes in order
 * (`z[v, a] = stack(zi, zj, V)` calls V `v` and N `a`). The left side's order is the order
 * later positional indexing (`name[x, y]`) uses.
 */
function elabBinding(ctx: ElabContext, scope: Scope, binding: Binding): Val | null {
  ctx.mapped.push([...inheritedMapped(scope), ...binding.indexVars.map((iv) => iv.name)]);
  let v: Val | null;
  try {
    v = elabExpr(ctx, scope, binding.value);
  } finally {
    ctx.mapped.pop();
  }
  if (!v || v.kind !== 'tensor' || binding.indexVars.length === 0) return v;
  const { names, declared } = orderOf(ctx, v);
  const lhs = binding.indexVars.map((i) => i.name);
  const remaining = names.filter((n) => !lhs.includes(n));
  const byPosition = binding.indexVars.filter((iv) => !names.includes(iv.name));
  if (v.restUnplaced && byPosition.length > 0) {
    reportUnplaced(ctx, v, binding.value.span);
    return null;
  }
  if (!declared && byPosition.length > 0 && names.length > 1) reportGuessedOrder(ctx, remaining.slice(0, byPosition.length), v.axes, binding.value.span);
  const renames = new Map<string, string>();
  for (const iv of binding.indexVars) {
    if (names.includes(iv.name)) continue;
    const from = remaining.shift();
    if (from === undefined) {
      ctx.diagnostics.report('UnboundIndexVariable', iv.span, { name: iv.name, axes: formatAxes(v.axes) });
      return null;
    }
    const own = scope.indexVars?.get(iv.name);
    const axis = v.axes.find((a) => a.name === from)!;
    if (own?.dim && own.dim !== axis.dim) {
      ctx.diagnostics.report('IndexVariableClash', iv.span, { name: iv.name, dim: own.dim, other: axis.dim });
      return null;
    }
    if (own) own.dim = axis.dim;
    renames.set(from, iv.name);
  }
  const renamed = renames.size > 0 ? renameAxes(ctx, v, renames, binding.value.span) : v;
  if (!renamed) return null;
  const after = fullOrder(renamed) ?? orderOf(ctx, renamed).names;
  const extra = [...(scope.indexVars?.keys() ?? [])].filter((n) => after.includes(n) && !lhs.includes(n));
  if (extra.length > 0) {
    ctx.diagnostics.report('ExtraAxisInBinding', binding.value.span, { extra: extra.join(', '), name: binding.name.name, vars: lhs.join(', ') });
    return null;
  }
  return declare(ctx, renamed, [...lhs, ...after.filter((n) => !lhs.includes(n))]);
}

/** Adds `where`/`let` bindings to a scope, each lazily checked in its own index scope. */
export function bindAll(ctx: ElabContext, scope: Scope, bindings: readonly Binding[]): void {
  for (const binding of bindings) {
    const name = binding.name.name;
    const prior = scope.entries.get(name) ?? findEntry(scope, name);
    if (prior) {
      const line = prior.kind === 'lazy' ? prior.binding.span.start.line : prior.span?.start.line ?? 0;
      ctx.diagnostics.report('DuplicateBinding', binding.name.span, { name, line });
      continue;
    }
    if (isBuiltin(name)) {
      ctx.diagnostics.report('ShadowsBuiltin', binding.name.span, { name });
      continue;
    }
    const own = childScope(scope, { indexVars: true });
    binding.indexVars.forEach((iv, k) => {
      const declared = binding.indexDims[k];
      const dim = declared ? dimNamed(ctx, scope, declared) : undefined;
      own.indexVars!.set(iv.name, dim ? { name: iv.name, dim } : declared ? { name: iv.name, unknownDim: true } : { name: iv.name });
    });
    scope.entries.set(name, { kind: 'lazy', binding, scope: own, state: 'todo', val: null });
  }
}

/**
 * The dim `c: C` on a binding's left side ranges over: one of the loss's dims, or in a def a
 * shape variable (the caller's dim it stands for). Unknown: E2010, and the variable stays
 * unsized (its uses as a value then say so too).
 */
function dimNamed(ctx: ElabContext, scope: Scope, dim: Identifier): string | undefined {
  const dimVar = findDimVar(scope, dim.name);
  if (dimVar && dimVar.name !== REST) return dimVar.dim;
  if (hasDim(scope, dim.name)) return dim.name;
  ctx.diagnostics.report('UnknownDimension', dim.span, { name: dim.name });
  return undefined;
}

/** After the body: bindings never used are reported, and checked so their errors show too. */
export function finishBindings(ctx: ElabContext, scope: Scope): void {
  for (const [name, entry] of scope.entries) {
    if (entry.kind === 'lazy' && entry.state === 'todo') {
      ctx.diagnostics.report('UnusedBinding', entry.binding.name.span, { name });
      forceEntry(ctx, entry, name, entry.binding.span);
    }
  }
}

function elabIndex(ctx: ElabContext, scope: Scope, e: Index): Val | null {
  const target = elabTensor(ctx, scope, e.target);
  if (!target) return null;
  const isVariable = (x: Expr): boolean =>
    x.kind === 'Name' && !findEntry(scope, x.name) && !hasDim(scope, x.name) && !findDimVar(scope, x.name);
  if (e.indices.length === 1 && !isVariable(e.indices[0]!)) return elabGather(ctx, scope, target, e.indices[0]!, e.span);
  const { names: order, declared } = orderOf(ctx, target);
  const named = order.map((n) => target.axes.find((a) => a.name === n)!);
  if (target.restUnplaced) {
    reportUnplaced(ctx, target, e.span);
    return null;
  }
  if (!declared && named.length > 1) reportGuessedOrder(ctx, order.slice(0, e.indices.length), target.axes, e.span);
  if (e.indices.length > named.length) {
    ctx.diagnostics.report('TooManyIndices', e.span, {
      indices: e.indices.length === 1 ? '1 index' : `${e.indices.length} indices`,
      axes: named.length === 1 ? '1 axis' : `${named.length} axes`,
    });
    return null;
  }
  const owner = indexScope(scope);
  const renames = new Map<string, string>();
  for (let k = 0; k < e.indices.length; k++) {
    const ix = e.indices[k]!;
    if (!isVariable(ix) || ix.kind !== 'Name') {
      ctx.diagnostics.report('UnsupportedConstruct', ix.span, { what: 'indexing several axes when one index is a tensor (gather one axis at a time)' });
      return null;
    }
    let iv = findIndexVar(scope, ix.name);
    if (!iv) {
      if (!owner) {
        ctx.diagnostics.report('UnknownName', ix.span, { name: ix.name, hint: '' });
        return null;
      }
      iv = { name: ix.name };
      owner.indexVars!.set(ix.name, iv);
    }
    const axis = named[k]!;
    if (iv.dim && iv.dim !== axis.dim) {
      ctx.diagnostics.report('IndexVariableClash', ix.span, { name: ix.name, dim: iv.dim, other: axis.dim });
      return null;
    }
    iv.dim = axis.dim;
    renames.set(axis.name, ix.name);
  }
  return indexByVariables(ctx, target, renames, e.span);
}

/**
 * Renames axes to index variables. An index variable met twice (`s[v, a, w, a]`), or naming an
 * axis the tensor keeps, selects the diagonal: the later axis is summed away under the mask
 * "both positions equal", which picks exactly one element.
 */
function indexByVariables(ctx: ElabContext, v: TensorVal, renames: Map<string, string>, span: Span): TensorVal | null {
  let current: TensorVal = v;
  const kept = new Map<string, string>(); // variable -> the axis that will carry it
  for (const axis of v.axes) {
    const variable = renames.get(axis.name);
    if (variable !== undefined) {
      if (!kept.has(variable)) kept.set(variable, axis.name);
    } else if (axis.name !== REST) {
      kept.set(axis.name, axis.name);
    }
  }
  const singles = new Map<string, string>();
  for (const [from, to] of renames) {
    const keeper = kept.get(to)!;
    if (keeper === from) {
      singles.set(from, to);
      continue;
    }
    const a = current.axes.find((x) => x.name === keeper)!;
    const b = current.axes.find((x) => x.name === from)!;
    if (a.dim !== b.dim) {
      ctx.diagnostics.report('IndexVariableClash', span, { name: to, dim: a.dim, other: b.dim });
      return null;
    }
    const same = ctx.b.op('eq', [ctx.b.iota(a, span), ctx.b.iota(b, span)], {}, span);
    const order = (fullOrder(current) ?? orderOf(ctx, current).names).filter((n) => n !== from);
    current = declare(ctx, fromNode(ctx, ctx.b.op('sum', [current.id, same], { axes: [from], empty: 0 }, span), current.elem), order);
  }
  return renameAxes(ctx, current, singles, span);
}

/** Renames axes all at once; a swap (i ↔ j) goes through temporary names. */
export function renameAxes(ctx: ElabContext, v: TensorVal, renames: Map<string, string>, span: Span): TensorVal | null {
  const moving = [...renames].filter(([from, to]) => from !== to);
  if (moving.length === 0) return v;
  const staying = v.axes.map((a) => a.name).filter((n) => !renames.has(n));
  for (const [, to] of moving) {
    if (staying.includes(to)) {
      ctx.diagnostics.report('DiagonalIndex', span, { name: to });
      return null;
    }
  }
  let id = v.id;
  moving.forEach(([from], k) => (id = ctx.b.op('rename', [id], { from, to: `%${k}` }, span)));
  moving.forEach(([, to], k) => (id = ctx.b.op('rename', [id], { from: `%${k}`, to }, span)));
  // The renamed value keeps the order it was read in, under the new names.
  const order = (fullOrder(v) ?? orderOf(ctx, v).names).map((n) => renames.get(n) ?? n);
  return declare(ctx, { ...fromNode(ctx, id, v.elem), ...(v.domain ? { domain: v.domain } : {}) }, order);
}

/** `lp[t]` with `t: index[N] of C`: picks, for each element of t, the entry of lp's axis C. */
function elabGather(ctx: ElabContext, scope: Scope, target: TensorVal, ix: Expr, span: Span): Val | null {
  const idx = elabTensor(ctx, scope, ix);
  if (!idx) return null;
  if (typeof idx.elem === 'string') {
    ctx.diagnostics.report('TypeMismatch', ix.span, {
      what: 'an index into a tensor',
      expected: "class indices ('index[...] of C') or index variables",
      actual: describeType(idx),
    });
    return null;
  }
  const dim = idx.elem.index;
  const axis = target.axes.find((a) => a.dim === dim);
  if (!axis) {
    ctx.diagnostics.report('GatherAxisMissing', ix.span, { dim, axes: formatAxes(target.axes) });
    return null;
  }
  const rest = { ...target, axes: target.axes.filter((a) => a !== axis) };
  if (!checkAlignable(ctx, [rest, idx], 'a gather', span)) return null;
  const ignore = idx.elem.ignore;
  if (ignore !== undefined) {
    if (target.elem !== 'real') {
      ctx.diagnostics.report('UnsupportedConstruct', span, { what: `gathering ${describeElem(target.elem)} values by class indices that ignore a value (an ignored position reads NaN, which only real values hold: gather from real(...))` });
      return null;
    }
    const id = readIgnoring(ctx, idx.id, ignore, span, (safe) => ctx.b.op('gather', [target.id, safe], { axis: axis.name }, span));
    return { ...fromNode(ctx, id, 'real', [target, idx]), ...(target.domain ? { domain: target.domain } : {}) };
  }
  return { ...fromNode(ctx, ctx.b.op('gather', [target.id, idx.id], { axis: axis.name }, span), target.elem, [target, idx]), ...(target.domain ? { domain: target.domain } : {}) };
}

/** `b.x2`: one named position along a dimension declared with components. */
function elabMember(ctx: ElabContext, scope: Scope, e: Member): Val | null {
  const target = elabTensor(ctx, scope, e.target);
  if (!target) return null;
  for (const axis of target.axes) {
    const decl = scope.module.componentDims.get(axis.dim);
    if (!decl) continue;
    const index = decl.components.findIndex((c) => c.name === e.member.name);
    if (index < 0) {
      ctx.diagnostics.report('UnknownComponent', e.member.span, { name: e.member.name, dim: axis.dim, components: decl.components.map((c) => c.name).join(', ') });
      return null;
    }
    return fromNode(ctx, ctx.b.op('pick', [target.id], { axis: axis.name, index }, e.span), target.elem, [target]);
  }
  ctx.diagnostics.report('UnknownComponent', e.member.span, { name: e.member.name, dim: 'any of its axes', components: 'none: no axis has a dim declared with components' });
  return null;
}
