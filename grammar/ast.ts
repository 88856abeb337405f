// The abstract syntax tree: what the parser hands to everything after syntax.
// Every node carries the span of source it came from, so any later phase can point at it.

import type { Span } from '../src/diagnostics/span.js';

export type { Span };

export interface Module {
  readonly kind: 'Module';
  readonly file: string;
  readonly imports: readonly Import[];
  readonly dims: readonly DimDecl[];
  /** `def` and `loss` definitions in source order. */
  readonly definitions: readonly Definition[];
  readonly span: Span;
}

export interface Identifier {
  readonly kind: 'Identifier';
  readonly name: string;
  readonly span: Span;
}

/** `import { a, b } from "./other"` */
export interface Import {
  readonly kind: 'Import';
  readonly names: readonly Identifier[];
  readonly from: string;
  readonly fromSpan: Span;
  readonly span: Span;
}

/** `dim Box = {x1, y1, x2, y2}`: a dimension whose positions have names. */
export interface DimDecl {
  readonly kind: 'DimDecl';
  readonly name: Identifier;
  readonly components: readonly Identifier[];
  readonly doc?: string;
  readonly span: Span;
}

export interface Definition {
  readonly kind: 'Definition';
  /** `def` is a helper (inlined where used); `loss` is exported as a compiled function. */
  readonly defKind: 'def' | 'loss';
  readonly name: Identifier;
  readonly params: readonly Param[];
  /** `-> [N, C]`: the declared shape of the result, in the order callers see it. */
  readonly result?: readonly DimExpr[];
  /** Where the declared result is written. */
  readonly resultSpan?: Span;
  readonly body: Expr;
  readonly bindings: readonly Binding[];
  /** Text of the `///` doc comment lines above, joined with newlines, markers stripped. */
  readonly doc?: string;
  readonly span: Span;
}

export interface Param {
  readonly kind: 'Param';
  readonly name: Identifier;
  /** `param s: [T] = 0`: a learnable parameter owned by the loss. */
  readonly learnable: boolean;
  /** `broadcast m: [B, H, L]`: a tensor input whose dims may be 1 or (leading ones) missing. */
  readonly broadcasts?: true;
  /** Absent for an untyped def parameter (its type comes from the call site). */
  readonly type?: TypeExpr;
  readonly domain?: Domain;
  readonly default?: Expr;
  readonly span: Span;
}

/** One entry of a shape: a named dimension, `...` (any leading dims), or a literal size. */
export type DimExpr =
  | { readonly kind: 'NamedDim'; readonly name: string; readonly span: Span }
  | { readonly kind: 'RestDim'; readonly span: Span }
  | { readonly kind: 'SizeDim'; readonly size: number; readonly span: Span };

export type ElementTypeName = 'real' | 'int' | 'bool';

export type TypeExpr =
  /** `real`, `int[N]`, `bool[N, M]`, `[N, D]` (element type real when omitted). */
  | {
      readonly kind: 'TensorType';
      readonly element: ElementTypeName;
      /** Absent for a scalar (`real`, `int`). */
      readonly shape?: readonly DimExpr[];
      /**
       * `index[N] of C | [N, C]`: a union input. The type is the real `[N, C]` (what the body
       * sees); class indices of this index type are accepted too, made one-hot at the boundary.
       */
      readonly orIndices?: IndexTypeExpr;
      /** Written `list[K] of ...`: `shape` starts with the list's length (ListMark). */
      readonly list?: ListMark;
      readonly span: Span;
    }
  | IndexTypeExpr
  /** `"sigmoid" | "softmax" | "none"`: a hyperparameter that is one of these strings (an enum). */
  | {
      readonly kind: 'EnumType';
      readonly values: readonly StringLit[];
      readonly span: Span;
    }
  /** `fn([N, D]) -> [N, F]`: a function-valued argument. */
  | {
      readonly kind: 'FunctionType';
      readonly params: readonly TypeExpr[];
      readonly result: TypeExpr;
      readonly span: Span;
    };

/** `index[N] of C`: whole numbers in [0, size of C), one per element of the shape. */
export interface IndexTypeExpr {
  readonly kind: 'IndexType';
  readonly shape: readonly DimExpr[];
  readonly of: Identifier;
  /** `ignore h`: the hyperparameter whose value marks an ignored position (torch's ignore_index). */
  readonly ignore?: Identifier;
  /** Written `list[K] of index[...] of C`: `shape` starts with the list's length (ListMark). */
  readonly list?: ListMark;
  readonly span: Span;
}

/**
 * `list[K] of [N, C]`: K tensors of one shape, given as an array and stacked at the boundary.
 * The type is the stacked tensor's, `[K, N, C]` (what the body sees); the mark says the
 * caller passes its K elements one by one.
 */
export interface ListMark {
  /** The list's length: a named dim or a whole number. */
  readonly length: DimExpr;
  /** `list[K] of`, as written. */
  readonly span: Span;
  /**
   * `list[K] of ragged [B, C, ...]`: each element has its own '...' dims (predictions at
   * several resolutions); the body reads it one element at a time (src/ir/ragged.ts).
   */
  readonly ragged?: Span;
}

/** `in [0, 1]`, `in (0, inf)`, `in [0, inf)`, `in {0, 1}`. */
export type Domain =
  | {
      readonly kind: 'IntervalDomain';
      readonly lo: Expr;
      readonly hi: Expr;
      readonly loClosed: boolean;
      readonly hiClosed: boolean;
      readonly span: Span;
    }
  | { readonly kind: 'SetDomain'; readonly values: readonly Expr[]; readonly span: Span };

/** `name = expr`, `name[i, j] = expr` (index variables on the left), inside `where` or `let`. */
export interface Binding {
  readonly kind: 'Binding';
  readonly name: Identifier;
  readonly indexVars: readonly Identifier[];
  /** The dim each index variable is declared to range over (`keep[c: C]`), where one is written. */
  readonly indexDims: readonly (Identifier | undefined)[];
  readonly value: Expr;
  readonly span: Span;
}

export type BinaryOperator =
  | '+' | '-' | '*' | '/' | '^'
  | '==' | '!=' | '<' | '<=' | '>' | '>='
  | 'and' | 'or';

export type UnaryOperator = '-' | '+' | 'not';

export type Expr =
  | NumberLit
  | StringLit
  | NameRef
  | Unary
  | Binary
  | Call
  | Index
  | Member
  | Tuple
  | Conditional
  | Let;

export interface NumberLit {
  readonly kind: 'Number';
  /** `inf` parses to Infinity. */
  readonly value: number;
  /** The literal as written (`1.0`, `1e-6`, `inf`): integer-ness of `1` vs `1.0` matters for int defaults. */
  readonly text: string;
  readonly span: Span;
}
/** `"softmax"` or `'softmax'`: a value of an enum hyperparameter (compared, or passed to a def). */
export interface StringLit {
  readonly kind: 'String';
  /** Without the quotes. */
  readonly value: string;
  readonly span: Span;
}
export interface NameRef {
  readonly kind: 'Name';
  readonly name: string;
  readonly span: Span;
}
export interface Unary {
  readonly kind: 'Unary';
  readonly op: UnaryOperator;
  readonly operand: Expr;
  readonly span: Span;
}
export interface Binary {
  readonly kind: 'Binary';
  readonly op: BinaryOperator;
  readonly lhs: Expr;
  readonly rhs: Expr;
  /** The span of the operator token alone. */
  readonly opSpan: Span;
  readonly span: Span;
}
export interface Argument {
  /** `where: mask` has name `where`; positional arguments have none. */
  readonly name?: Identifier;
  readonly value: Expr;
  readonly span: Span;
}
export interface Call {
  readonly kind: 'Call';
  readonly callee: Identifier;
  readonly args: readonly Argument[];
  readonly span: Span;
}
/** `x[i, j]` (index variables), `lp[t]` (gather by a class index). */
export interface Index {
  readonly kind: 'Index';
  readonly target: Expr;
  readonly indices: readonly Expr[];
  readonly span: Span;
}
/** `b.x2`: a named component of a `dim` declared with components. */
export interface Member {
  readonly kind: 'Member';
  readonly target: Expr;
  readonly member: Identifier;
  readonly span: Span;
}
/** `(w, b)`: a list of axes, or a tuple compared element by element. */
export interface Tuple {
  readonly kind: 'Tuple';
  readonly items: readonly Expr[];
  readonly span: Span;
}
/** `if c then a else b` */
export interface Conditional {
  readonly kind: 'Conditional';
  readonly cond: Expr;
  readonly then: Expr;
  readonly else: Expr;
  readonly span: Span;
}
/** `let a = e1, b = e2 in body` */
export interface Let {
  readonly kind: 'Let';
  readonly bindings: readonly Binding[];
  readonly body: Expr;
  readonly span: Span;
}
