// String (enum) hyperparameters: `act: 'sigmoid' | 'softmax' | 'none' = 'softmax'`. In the IR
// such a hyperparameter is an int, the position of its string in the declared list; a string
// written in the program is that position as a constant. A string may only be compared with
// `==`/`!=` to another, or passed to a def's parameter of strings; anything else (arithmetic,
// a string where a number is expected, a string the list does not have) is an error here, so
// no string ever reaches the IR as a number a user did not mean.

import type { Binary, Expr, Param, Span, StringLit, TypeExpr } from '../../grammar/ast.js';
import type { DiagnosticSink, ElabContext } from './context.js';
import { findEntry, type Scope } from './scope.js';
import { elabExpr } from './expr.js';
import { hint, type TensorVal, type Val } from './values.js';
import { enumText, quoted } from '../ir/enum-text.js';

type EnumType = Extract<TypeExpr, { kind: 'EnumType' }>;

/** What an enum value is, on a checked tensor value (elem int, no axes). */
export interface EnumOf {
  /** For messages: `'act'`, or `the string 'softmax'` for a literal. */
  readonly what: string;
  readonly values: readonly string[];
  /** A string written in the program: its position in `values` is known (always 0). */
  readonly literal?: true;
}

export { enumText, quoted };

/** The strings of an enum type, each once; null after a report. */
export function enumValues(report: DiagnosticSink, type: EnumType, name: string): string[] | null {
  const seen = new Set<string>();
  for (const v of type.values) {
    if (seen.has(v.value)) {
      report.report('DuplicateEnumValue', v.span, { value: quoted(v.value), name });
      return null;
    }
    seen.add(v.value);
  }
  return [...seen];
}

/**
 * The default of an enum parameter as the position of its string; undefined without one,
 * null after a report (not a string, or not one of the list).
 */
export function enumDefault(report: DiagnosticSink, param: Param, values: readonly string[]): number | undefined | null {
  const dflt = param.default;
  if (!dflt) return undefined;
  const name = param.name.name;
  if (dflt.kind !== 'String') {
    const value = dflt.kind === 'Number' ? dflt.text : dflt.kind === 'Name' ? dflt.name : 'given';
    report.report('DefaultWrongType', dflt.span, { name, value, expected: `one of the strings ${enumText(values)}` });
    return null;
  }
  return positionOf(report, dflt, values, `'${name}'`);
}

function positionOf(report: DiagnosticSink, s: StringLit, values: readonly string[], what: string): number | null {
  const k = values.indexOf(s.value);
  if (k >= 0) return k;
  report.report('UnknownEnumValue', s.span, { value: quoted(s.value), what, values: enumText(values), hint: hint(s.value, values) });
  return null;
}

/** A string written in the program, alone: a constant 0 standing for its own one-string list. */
export function stringValue(ctx: ElabContext, s: StringLit): TensorVal {
  return { kind: 'tensor', id: ctx.b.constant(0, 'int', s.span), elem: 'int', axes: [], enumOf: { what: `the string ${quoted(s.value)}`, values: [s.value], literal: true } };
}

/** Refuses an enum value where a number, a condition or a tensor is expected. */
export function refuseEnum(ctx: ElabContext, v: TensorVal, span: Span): boolean {
  if (!v.enumOf) return true;
  const e = v.enumOf;
  if (e.literal) ctx.diagnostics.report('StringMisuse', span, { value: quoted(e.values[0]!) });
  else ctx.diagnostics.report('EnumMisuse', span, { what: e.what, values: enumText(e.values) });
  return false;
}

/** May this operand be a string or an enum value? Only names and strings can. */
// A string, or a name bound to a value (index variables, dims and functions never hold
// strings: elaborating them here, before the comparison's own order, would report an index
// variable as unknown before the operand that sizes it, as in `square(x[i]) * i`).
const mayBeEnum = (scope: Scope, e: Expr): boolean => e.kind === 'String' || (e.kind === 'Name' && findEntry(scope, e.name) !== undefined);

/**
 * `act == 'softmax'`, `'none' != act`: the comparison of an enum value with a string (or
 * another enum value of the same strings). Undefined when neither operand is a string or an
 * enum value (an ordinary comparison, checked by the caller).
 */
export function elabEnumComparison(ctx: ElabContext, scope: Scope, e: Binary): Val | null | undefined {
  if (!mayBeEnum(scope, e.lhs) && !mayBeEnum(scope, e.rhs)) return undefined;
  const side = (x: Expr): Val | null | undefined => (mayBeEnum(scope, x) ? elabExpr(ctx, scope, x) : undefined);
  const a = side(e.lhs);
  const b = side(e.rhs);
  const isEnum = (v: Val | null | undefined): v is TensorVal & { enumOf: EnumOf } => v?.kind === 'tensor' && v.enumOf !== undefined;
  if (!isEnum(a) && !isEnum(b)) return undefined;
  if (a === null || b === null) return null;
  const [x, xSpan] = isEnum(a) ? [a, e.lhs.span] : [b as TensorVal & { enumOf: EnumOf }, e.rhs.span];
  if (e.op !== '==' && e.op !== '!=') {
    refuseEnum(ctx, x, xSpan);
    return null;
  }
  if (!isEnum(a) || !isEnum(b)) {
    // The other side is a number, a tensor or something else: never equal to a string.
    refuseEnum(ctx, x, xSpan);
    return null;
  }
  const op = e.op === '==' ? 'eq' : 'ne';
  if (a.enumOf.literal && b.enumOf.literal) {
    const same = a.enumOf.values[0] === b.enumOf.values[0];
    return { kind: 'tensor', id: ctx.b.constant(same === (op === 'eq') ? 1 : 0, 'bool', e.span), elem: 'bool', axes: [] };
  }
  // One side a string of the other's list: the comparison of positions.
  const [declared, other, otherExpr] = b.enumOf.literal ? [a, b, e.rhs] : a.enumOf.literal ? [b, a, e.lhs] : [a, b, e.rhs];
  if (other.enumOf.literal) {
    const k = positionOf(ctx.diagnostics, otherExpr as StringLit, declared.enumOf.values, declared.enumOf.what);
    if (k === null) return null;
    // A def given a string: its position is a constant, and so is the comparison (the
    // conditional over it then keeps only its branch, expr.ts).
    const known = ctx.b.node(declared.id);
    if (known.op === 'const') return { kind: 'tensor', id: ctx.b.constant((known.attrs.value === k) === (op === 'eq') ? 1 : 0, 'bool', e.span), elem: 'bool', axes: [] };
    const id = ctx.b.op(op, [declared.id, ctx.b.constant(k, 'int', otherExpr.span)], {}, e.span);
    return { kind: 'tensor', id, elem: 'bool', axes: [] };
  }
  // Two enum values: comparable when they list the same strings in the same order.
  if (declared.enumOf.values.join('\u0000') !== other.enumOf.values.join('\u0000')) {
    ctx.diagnostics.report('TypeMismatch', e.rhs.span, { what: `the right operand of '${e.op}'`, expected: `one of ${enumText(declared.enumOf.values)} (as ${declared.enumOf.what} is)`, actual: `one of ${enumText(other.enumOf.values)}` });
    return null;
  }
  return { kind: 'tensor', id: ctx.b.op(op, [a.id, b.id], {}, e.span), elem: 'bool', axes: [] };
}

/**
 * An argument for a def's parameter of strings (`def act(x, kind: 'a' | 'b')`): a string of
 * the list becomes its position there (a constant: comparisons with it fold at compile time),
 * an enum value whose strings the list all has is mapped onto the list's positions.
 */
export function enumArgument(ctx: ElabContext, given: Val, type: EnumType, what: string, span: Span): TensorVal | null {
  const values = enumValues(ctx.diagnostics, type, what);
  if (!values) return null;
  const enumOf: EnumOf = { what: `'${what}'`, values };
  if (given.kind !== 'tensor' || !given.enumOf) {
    ctx.diagnostics.report('TypeMismatch', span, { what: `the argument for '${what}'`, expected: `one of the strings ${enumText(values)}`, actual: given.kind === 'tensor' ? 'a number or tensor' : 'a function' });
    return null;
  }
  const from = given.enumOf.values;
  const missing = from.find((v) => !values.includes(v));
  if (missing !== undefined) {
    ctx.diagnostics.report('UnknownEnumValue', span, { value: quoted(missing), what: `'${what}'`, values: enumText(values), hint: given.enumOf.literal ? '' : ` (it is one of the strings of ${given.enumOf.what})` });
    return null;
  }
  if (given.enumOf.literal) return { kind: 'tensor', id: ctx.b.constant(values.indexOf(from[0]!), 'int', span), elem: 'int', axes: [], enumOf };
  if (from.every((v, k) => values.indexOf(v) === k)) return { ...given, enumOf };
  // Position k of the argument's list is position values.indexOf(from[k]) of the parameter's.
  let id = ctx.b.constant(values.indexOf(from[0]!), 'int', span);
  for (let k = 1; k < from.length; k++) {
    const is = ctx.b.op('eq', [given.id, ctx.b.constant(k, 'int', span)], {}, span);
    id = ctx.b.op('select', [is, ctx.b.constant(values.indexOf(from[k]!), 'int', span), id], {}, span);
  }
  return { kind: 'tensor', id, elem: 'int', axes: [], enumOf };
}
