// CST → AST: the only place where syntax gets meaning (operator folding, tuples, literals).
// Recovered CST nodes may lack any child; `need` turns a missing piece into `Missing`,
// which drops the enclosing declaration (its syntax error has already been reported).
import { tokenMatcher, type IToken } from './chevrotain.js';
import type * as A from './ast.js';
import type * as C from './generated/cst.js';
import { diagnostic, type Diagnostic } from '../src/diagnostics/diagnostic.js';
import { cover, tokenSpan } from './spans.js';
import * as T from './tokens.js';

/** A piece of the tree that error recovery left out. */
export class Missing extends Error {}

function need<V>(v: V | undefined | null): V {
  if (v === undefined || v === null) throw new Missing('missing syntax node');
  return v;
}

export interface BuildContext {
  readonly file: string;
  /** Doc comment text by the offset of the keyword it documents. */
  readonly docs: ReadonlyMap<number, string>;
  readonly diagnostics: Diagnostic[];
}

export class AstBuilder {
  constructor(private readonly ctx: BuildContext) {}

  private tok(t: IToken | undefined): A.Span | undefined {
    return tokenSpan(this.ctx.file, t);
  }
  private span(...parts: (A.Span | IToken | undefined)[]): A.Span {
    return need(cover(...parts.map((p) => (p && 'image' in p ? this.tok(p) : p))));
  }
  private ident(t: IToken | undefined): A.Identifier {
    const token = need(t);
    return { kind: 'Identifier', name: token.image, span: this.span(token) };
  }
  private doc(keyword: IToken | undefined): { doc?: string } {
    const doc = keyword ? this.ctx.docs.get(keyword.startOffset) : undefined;
    return doc !== undefined ? { doc } : {};
  }

  // --- declarations ---------------------------------------------------------------------------
  importDecl(n: C.ImportDeclCstNode): A.Import {
    const c = n.children;
    const from = need(c.StringLiteral?.[0]);
    return {
      kind: 'Import',
      names: (c.Identifier ?? []).map((t) => this.ident(t)),
      from: unquote(from.image),
      fromSpan: this.span(from),
      span: this.span(c.Import?.[0], from),
    };
  }

  dimDecl(n: C.DimDeclCstNode): A.DimDecl {
    const c = n.children;
    const keyword = c.Dim?.[0];
    return {
      kind: 'DimDecl',
      name: this.ident(c.name?.[0]),
      components: (c.component ?? []).map((t) => this.ident(t)),
      ...this.doc(keyword),
      span: this.span(keyword, c.RBrace?.[0], c.component?.at(-1)),
    };
  }

  definition(n: C.DefinitionCstNode): A.Definition {
    const c = n.children;
    const keyword = need(c.Loss?.[0] ?? c.Def?.[0]);
    const body = this.expression(c.body?.[0]);
    const bindings = (c.whereClause?.[0]?.children.binding ?? []).map((b) => this.binding(b));
    const result = c.result?.[0] ? this.shape(c.result[0]) : undefined;
    return {
      kind: 'Definition',
      defKind: tokenMatcher(keyword, T.Loss) ? 'loss' : 'def',
      name: this.ident(c.Identifier?.[0]),
      params: (c.param ?? []).map((p) => this.param(p)),
      ...(result ? { result: result.dims, resultSpan: result.span } : {}),
      body,
      bindings,
      ...this.doc(keyword),
      span: this.span(keyword, body.span, bindings.at(-1)?.span),
    };
  }

  param(n: C.ParamCstNode): A.Param {
    const c = n.children;
    const name = this.ident(c.Identifier?.[0]);
    const type = c.typeExpr ? this.typeExpr(c.typeExpr[0]) : undefined;
    const domain = c.domain ? this.domain(c.domain[0]) : undefined;
    const dflt = c.default ? this.expression(c.default[0]) : undefined;
    return {
      kind: 'Param',
      name,
      learnable: c.Param !== undefined,
      ...(c.Broadcast !== undefined ? { broadcasts: true as const } : {}),
      ...(type ? { type } : {}),
      ...(domain ? { domain } : {}),
      ...(dflt ? { default: dflt } : {}),
      span: this.span(c.Param?.[0] ?? c.Broadcast?.[0], name.span, type?.span, domain?.span, dflt?.span),
    };
  }

  // --- types and domains ------------------------------------------------------------------------
  typeExpr(n: C.TypeExprCstNode | undefined): A.TypeExpr {
    const c = need(n).children;
    if (c.Fn) {
      const params = (c.paramType ?? []).map((p) => this.typeExpr(p));
      const result = this.typeExpr(c.resultType?.[0]);
      return { kind: 'FunctionType', params, result, span: this.span(c.Fn[0], result.span) };
    }
    if (c.choice) {
      const values = c.choice.map((t) => this.string(t));
      return { kind: 'EnumType', values, span: this.span(values[0]!.span, values.at(-1)!.span) };
    }
    if (c.listWord) return this.listType(c);
    const shape = c.shape?.[0] ? this.shape(c.shape[0]) : undefined;
    if (c.Index) {
      // `of 10` names the literal dim 10, as `[N, 10]` does; a fraction means nothing.
      const classes = c.classes?.[0];
      if (classes && classes.tokenType === T.NumberLiteral && !/^\d+$/.test(classes.image)) {
        this.ctx.diagnostics.push(diagnostic('BadShapeEntry', this.span(classes), { text: classes.image }));
      }
      const of = this.ident(classes);
      const ignore = c.ignoreValue?.[0] ? this.ident(c.ignoreValue[0]) : undefined;
      const indices: A.IndexTypeExpr = { kind: 'IndexType', shape: need(shape).dims, of, ...(ignore ? { ignore } : {}), span: this.span(c.Index[0], ignore?.span ?? of.span) };
      const probs = c.probsShape?.[0] ? this.shape(c.probsShape[0]) : undefined;
      // A union is the real tensor the body sees, with the indices it also accepts.
      if (probs) return { kind: 'TensorType', element: 'real', shape: probs.dims, orIndices: indices, span: this.span(c.Index[0], probs.span) };
      return indices;
    }
    const element = c.ElementType?.[0];
    return {
      kind: 'TensorType',
      element: (element?.image ?? 'real') as A.ElementTypeName,
      ...(shape ? { shape: shape.dims } : {}),
      span: this.span(element, shape?.span),
    };
  }

  /**
   * `list[K] of [N, C]`: the element type with the list's length put first in its shape
   * (what the body sees is the stacked tensor) and the list marked. An element that has no
   * shape (a hyperparameter, a function, strings) or is a list itself cannot be listed.
   */
  private listType(c: C.TypeExprCstChildren): A.TypeExpr {
    const word = c.listWord![0]!;
    const length = c.listLength?.[0] ? this.shape(c.listLength[0]) : undefined;
    const element = this.typeExpr(c.listElement?.[0]);
    const markSpan = this.span(word, c.listOf?.[0], length?.span);
    const dim = length?.dims[0];
    if (!length || length.dims.length !== 1 || dim?.kind === 'RestDim') {
      this.ctx.diagnostics.push(diagnostic('ListLength', length?.span ?? markSpan, { given: length ? `[${length.dims.map((d) => (d.kind === 'RestDim' ? '...' : d.kind === 'SizeDim' ? String(d.size) : d.name)).join(', ')}]` : 'nothing' }));
      return element;
    }
    const listable = (element.kind === 'TensorType' && element.shape !== undefined && !element.orIndices) || element.kind === 'IndexType';
    if (!listable || element.list) {
      const what = element.kind === 'FunctionType' ? 'a function' : element.kind === 'EnumType' ? 'a string' : element.list ? 'a list (lists do not nest)' : element.kind === 'TensorType' && element.orIndices ? 'class indices or probabilities (a union)' : `a scalar ${element.kind === 'TensorType' ? element.element : ''} (write list[K] of [] for rank-0 tensors)`;
      this.ctx.diagnostics.push(diagnostic('ListElement', element.span, { what }));
      return element;
    }
    const ragged = c.raggedWord?.[0];
    const list: A.ListMark = { length: dim!, span: markSpan, ...(ragged ? { ragged: this.span(ragged) } : {}) };
    return { ...element, shape: [dim!, ...element.shape!], list, span: this.span(word, element.span) };
  }

  private shape(n: C.ShapeCstNode): { dims: A.DimExpr[]; span: A.Span } {
    const c = n.children;
    const dims = (c.dim ?? []).flatMap((d) => this.dim(d));
    return { dims, span: this.span(c.LBracket?.[0], c.RBracket?.[0], dims.at(-1)?.span) };
  }

  private dim(n: C.DimCstNode): A.DimExpr[] {
    const c = n.children;
    if (c.Ellipsis) return [{ kind: 'RestDim', span: this.span(c.Ellipsis[0]) }];
    if (c.Identifier) return [{ kind: 'NamedDim', name: c.Identifier[0]!.image, span: this.span(c.Identifier[0]) }];
    const t = need(c.NumberLiteral?.[0]);
    if (/^\d+$/.test(t.image)) return [{ kind: 'SizeDim', size: Number(t.image), span: this.span(t) }];
    // Kept out of the AST: a fractional size means nothing and the error says so.
    this.ctx.diagnostics.push(diagnostic('BadShapeEntry', this.span(t), { text: t.image }));
    return [];
  }

  domain(n: C.DomainCstNode | undefined): A.Domain {
    const c = need(n).children;
    if (c.LBrace) {
      const values = (c.value ?? []).map((v) => this.expression(v));
      return { kind: 'SetDomain', values, span: this.span(c.LBrace[0], c.RBrace?.[0], values.at(-1)?.span) };
    }
    const open = need(c.open?.[0]);
    const close = need(c.close?.[0]);
    return {
      kind: 'IntervalDomain',
      lo: this.expression(c.lo?.[0]),
      hi: this.expression(c.hi?.[0]),
      loClosed: tokenMatcher(open, T.LBracket),
      hiClosed: tokenMatcher(close, T.RBracket),
      span: this.span(open, close),
    };
  }

  binding(n: C.BindingCstNode): A.Binding {
    const c = n.children;
    const name = this.ident(c.name?.[0]);
    const value = this.expression(c.value?.[0]);
    return {
      kind: 'Binding',
      name,
      indexVars: (c.index ?? []).map((i) => this.ident(i.children.name?.[0])),
      indexDims: (c.index ?? []).map((i) => (i.children.dim?.[0] ? this.ident(i.children.dim[0]) : undefined)),
      value,
      span: this.span(name.span, value.span),
    };
  }

  // --- expressions ------------------------------------------------------------------------------
  expression(n: C.ExpressionCstNode | undefined): A.Expr {
    const c = need(n).children;
    if (c.conditional) {
      const k = need(c.conditional[0]).children;
      const cond = this.expression(k.cond?.[0]);
      const then = this.expression(k.then?.[0]);
      const otherwise = this.expression(k.else?.[0]);
      return { kind: 'Conditional', cond, then, else: otherwise, span: this.span(k.If?.[0], otherwise.span) };
    }
    if (c.letExpr) {
      const k = need(c.letExpr[0]).children;
      const bindings = (k.binding ?? []).map((b) => this.binding(b));
      const body = this.expression(k.body?.[0]);
      return { kind: 'Let', bindings, body, span: this.span(k.Let?.[0], body.span) };
    }
    return this.orExpr(need(c.orExpr?.[0]));
  }

  /** Folds `lhs (op rhs)*` to the left: `a - b - c` is `(a - b) - c`. */
  private chain<N>(lhs: N | undefined, ops: IToken[] | undefined, rhs: N[] | undefined, sub: (n: N) => A.Expr): A.Expr {
    let acc = sub(need(lhs));
    (ops ?? []).forEach((op, i) => {
      const right = sub(need(rhs?.[i]));
      acc = {
        kind: 'Binary',
        op: op.image as A.BinaryOperator,
        lhs: acc,
        rhs: right,
        opSpan: this.span(op),
        span: this.span(acc.span, right.span),
      };
    });
    return acc;
  }

  private orExpr(n: C.OrExprCstNode): A.Expr {
    const c = n.children;
    return this.chain(c.lhs?.[0], c.Or, c.rhs, (x) => this.andExpr(x));
  }
  private andExpr(n: C.AndExprCstNode): A.Expr {
    const c = n.children;
    return this.chain(c.lhs?.[0], c.And, c.rhs, (x) => this.notExpr(x));
  }
  private notExpr(n: C.NotExprCstNode): A.Expr {
    const c = n.children;
    if (c.Not) {
      const operand = this.notExpr(need(c.operand?.[0]));
      return { kind: 'Unary', op: 'not', operand, span: this.span(c.Not[0], operand.span) };
    }
    return this.comparison(need(c.comparison?.[0]));
  }
  private comparison(n: C.ComparisonCstNode): A.Expr {
    const c = n.children;
    const second = c.Comparison?.[1];
    if (second) this.ctx.diagnostics.push(diagnostic('ChainedComparison', this.span(second)));
    return this.chain(c.lhs?.[0], c.Comparison, c.rhs, (x) => this.additive(x));
  }
  private additive(n: C.AdditiveCstNode): A.Expr {
    const c = n.children;
    return this.chain(c.lhs?.[0], c.AdditionOperator, c.rhs, (x) => this.multiplicative(x));
  }
  private multiplicative(n: C.MultiplicativeCstNode): A.Expr {
    const c = n.children;
    return this.chain(c.lhs?.[0], c.MultiplicationOperator, c.rhs, (x) => this.unary(x));
  }
  private unary(n: C.UnaryCstNode): A.Expr {
    const c = n.children;
    const op = c.AdditionOperator?.[0];
    if (op) {
      const operand = this.unary(need(c.operand?.[0]));
      return { kind: 'Unary', op: op.image as '+' | '-', operand, span: this.span(op, operand.span) };
    }
    return this.power(need(c.power?.[0]));
  }
  private power(n: C.PowerCstNode): A.Expr {
    const c = n.children;
    const base = this.postfix(need(c.lhs?.[0]));
    const caret = c.Caret?.[0];
    if (!caret) return base;
    const exponent = this.unary(need(c.rhs?.[0]));
    return { kind: 'Binary', op: '^', lhs: base, rhs: exponent, opSpan: this.span(caret), span: this.span(base.span, exponent.span) };
  }

  private postfix(n: C.PostfixCstNode): A.Expr {
    const c = n.children;
    let target = this.primary(need(c.primary?.[0]));
    for (const s of c.suffix ?? []) {
      const k = s.children;
      if (k.Dot) {
        const member = this.ident(k.member?.[0]);
        target = { kind: 'Member', target, member, span: this.span(target.span, member.span) };
      } else {
        const indices = (k.index ?? []).map((e) => this.expression(e));
        if (indices.length === 0) throw new Missing('index without indices');
        target = { kind: 'Index', target, indices, span: this.span(target.span, k.RBracket?.[0], indices.at(-1)?.span) };
      }
    }
    return target;
  }

  private primary(n: C.PrimaryCstNode): A.Expr {
    const c = n.children;
    const num = c.NumberLiteral?.[0];
    if (num) return { kind: 'Number', value: Number(num.image), text: num.image, span: this.span(num) };
    if (c.Inf) return { kind: 'Number', value: Infinity, text: c.Inf[0]!.image, span: this.span(c.Inf[0]) };
    if (c.StringLiteral) return this.string(c.StringLiteral[0]!);
    if (c.parenthesized) return this.parenthesized(need(c.parenthesized[0]));
    // `...` names the rest axis (its IR name): an axis argument, refused as a value by the checker.
    if (c.Ellipsis) return { kind: 'Name', name: c.Ellipsis[0]!.image, span: this.span(c.Ellipsis[0]) };
    const k = need(c.nameOrCall?.[0]).children;
    const callee = need(k.callee?.[0]);
    const call = k.callArgs?.[0]?.children;
    if (!call) return { kind: 'Name', name: callee.image, span: this.span(callee) };
    const args = (call.argument ?? []).map((a) => this.argument(a));
    return {
      kind: 'Call',
      callee: this.ident(callee),
      args,
      span: this.span(callee, call.RParen?.[0], args.at(-1)?.span),
    };
  }

  private string(t: IToken): A.StringLit {
    return { kind: 'String', value: unquote(t.image), span: this.span(t) };
  }

  private argument(n: C.ArgumentCstNode): A.Argument {
    const c = n.children;
    const value = this.expression(c.value?.[0]);
    const name = c.name?.[0] ? this.ident(c.name[0]) : undefined;
    return { ...(name ? { name } : {}), value, span: this.span(name?.span, value.span) };
  }

  /** `(e)` is `e` (its span widened to the parentheses); `(a, b)` is a Tuple. */
  private parenthesized(n: C.ParenthesizedCstNode): A.Expr {
    const c = n.children;
    const items = (c.item ?? []).map((e) => this.expression(e));
    const span = this.span(c.LParen?.[0], c.RParen?.[0], ...items.map((i) => i.span));
    if (items.length === 1) return { ...items[0]!, span };
    if (items.length === 0) throw new Missing('empty parentheses');
    return { kind: 'Tuple', items, span };
  }
}

/** A string token's text without its quotes; an unterminated one (E1002, already said) has no closing quote to drop. */
function unquote(image: string): string {
  const closed = image.length >= 2 && image.endsWith(image[0]!);
  return image.slice(1, closed ? -1 : undefined);
}
