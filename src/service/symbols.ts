// Name resolution for the editor: every name of a module's syntax tree, declared or used,
// tied to the one thing it names. Go to definition, find references, rename, document
// highlights and semantic tokens all read this table. It follows the checker's scoping:
// `let` bindings, then a binding's own index variables, then `where` bindings, parameters,
// the dimensions of the definition's shapes, the module's `dim`s, its definitions and its
// imports; a name none of these know (and no builtin) is a fresh axis or index variable,
// declared where it first appears in its expression (`w` in `sum(s[v, a, w, a], w)`).

import type { Binding, Definition, DimExpr, Expr, Module, Param, Span, TypeExpr } from '../../grammar/ast.js';
import { isBuiltin } from '../check/builtins.js';

export type SymbolKind = 'loss' | 'def' | 'param' | 'binding' | 'let' | 'index' | 'dim' | 'component';

export interface LossSymbol {
  /** Unique in a program: file, kind, and the offset of the declaring name. */
  readonly id: string;
  readonly name: string;
  readonly kind: SymbolKind;
  readonly file: string;
  /** The declaring name. */
  readonly span: Span;
  /** The whole declaration (a definition, a binding, a parameter). */
  readonly full: Span;
  /** The definition it belongs to, for locals. */
  readonly container?: string;
}

export interface Occurrence {
  readonly span: Span;
  readonly symbol: LossSymbol;
  readonly declaration: boolean;
}

/** `import { name } from "spec"`: an occurrence naming a definition of another file. */
export interface ImportedName {
  readonly span: Span;
  readonly name: string;
  readonly from: string;
}

export interface SymbolTable {
  readonly file: string;
  readonly symbols: readonly LossSymbol[];
  /** Sorted by offset. */
  readonly occurrences: readonly Occurrence[];
  /** Uses of imported names, resolved against the imported file by the caller (navigation.ts). */
  readonly imported: readonly { readonly span: Span; readonly name: string; readonly from: string; readonly declaration: boolean }[];
  /** Builtin calls and names, for hover and semantic tokens. */
  readonly builtins: readonly { readonly span: Span; readonly name: string }[];
}

type Scope = ReadonlyMap<string, LossSymbol>;

const symbolId = (file: string, kind: SymbolKind, span: Span): string => `${file}#${kind}@${span.start.offset}`;

export function symbolTable(module: Module): SymbolTable {
  return new Resolver(module).run();
}

class Resolver {
  private readonly symbols: LossSymbol[] = [];
  private readonly occurrences: Occurrence[] = [];
  private readonly imported: { span: Span; name: string; from: string; declaration: boolean }[] = [];
  private readonly builtins: { span: Span; name: string }[] = [];
  private readonly file: string;
  private readonly top = new Map<string, LossSymbol>();
  private readonly importedNames = new Map<string, string>();
  private readonly components = new Map<string, LossSymbol>();

  constructor(private readonly module: Module) {
    this.file = module.file;
  }

  run(): SymbolTable {
    const m = this.module;
    for (const imp of m.imports) {
      for (const n of imp.names) {
        if (!this.importedNames.has(n.name)) this.importedNames.set(n.name, imp.from);
        this.imported.push({ span: n.span, name: n.name, from: imp.from, declaration: true });
      }
    }
    for (const dim of m.dims) {
      const sym = this.declare(dim.name.name, 'dim', dim.name.span, dim.span);
      if (!this.top.has(dim.name.name)) this.top.set(dim.name.name, sym);
      for (const c of dim.components) {
        const cs = this.declare(c.name, 'component', c.span, dim.span, dim.name.name);
        if (!this.components.has(c.name)) this.components.set(c.name, cs);
      }
    }
    for (const def of m.definitions) {
      const sym = this.declare(def.name.name, def.defKind, def.name.span, def.span);
      if (!this.top.has(def.name.name) || this.top.get(def.name.name)!.kind === 'dim') this.top.set(def.name.name, sym);
    }
    for (const def of m.definitions) this.definition(def);
    this.occurrences.sort((a, b) => a.span.start.offset - b.span.start.offset);
    return { file: this.file, symbols: this.symbols, occurrences: this.occurrences, imported: this.imported, builtins: this.builtins };
  }

  private declare(name: string, kind: SymbolKind, span: Span, full: Span, container?: string): LossSymbol {
    const sym: LossSymbol = { id: symbolId(this.file, kind, span), name, kind, file: this.file, span, full, ...(container ? { container } : {}) };
    this.symbols.push(sym);
    this.occurrences.push({ span, symbol: sym, declaration: true });
    return sym;
  }

  private use(span: Span, symbol: LossSymbol): void {
    this.occurrences.push({ span, symbol, declaration: false });
  }

  private definition(def: Definition): void {
    const container = def.name.name;
    // Dimensions: declared at their first appearance in the parameters' shapes or the result.
    const dims = new Map<string, LossSymbol>();
    const dimUse = (name: string, span: Span, full: Span): void => {
      const known = dims.get(name) ?? (this.top.get(name)?.kind === 'dim' ? this.top.get(name) : undefined);
      if (known) this.use(span, known);
      else dims.set(name, this.declare(name, 'dim', span, full, container));
    };
    const shape = (list: readonly DimExpr[] | undefined, full: Span): void => {
      for (const d of list ?? []) if (d.kind === 'NamedDim') dimUse(d.name, d.span, full);
    };
    const type = (t: TypeExpr | undefined, full: Span): void => {
      if (!t) return;
      if (t.kind === 'TensorType') {
        // `index[N] of C | [N, C]`: the index form first, as written.
        if (t.orIndices) type(t.orIndices, full);
        shape(t.shape, full);
      } else if (t.kind === 'IndexType') {
        shape(t.shape, full);
        dimUse(t.of.name, t.of.span, full);
      } else if (t.kind === 'FunctionType') {
        t.params.forEach((p) => type(p, full));
        type(t.result, full);
      }
    };
    const params = new Map<string, LossSymbol>();
    for (const p of def.params) {
      type(p.type, p.span);
      const sym = this.declare(p.name.name, 'param', p.name.span, p.span, container);
      if (!params.has(p.name.name)) params.set(p.name.name, sym);
    }
    shape(def.result, def.resultSpan ?? def.span);
    const wheres = new Map<string, LossSymbol>();
    for (const b of def.bindings) {
      const sym = this.declare(b.name.name, 'binding', b.name.span, b.span, container);
      if (!wheres.has(b.name.name)) wheres.set(b.name.name, sym);
    }
    // Outer to inner: the innermost scope wins a lookup.
    const base: Scope = new Map([...dims, ...params, ...wheres]);
    const paramScope: Scope = new Map([...dims, ...params]);
    for (const p of def.params) this.param(p, paramScope, container);
    for (const b of def.bindings) this.binding(b, base, container);
    this.expression(def.body, base, new Map(), container, def.body.span);
  }

  private param(p: Param, scope: Scope, container: string): void {
    const fresh = new Map<string, LossSymbol>();
    if (p.default) this.expression(p.default, scope, fresh, container, p.span);
    const d = p.domain;
    if (d?.kind === 'IntervalDomain') {
      this.expression(d.lo, scope, fresh, container, p.span);
      this.expression(d.hi, scope, fresh, container, p.span);
    } else if (d) d.values.forEach((v) => this.expression(v, scope, fresh, container, p.span));
  }

  /** A binding's index variables scope its value; other new names there are its own too. */
  private binding(b: Binding, scope: Scope, container: string): void {
    const own = new Map<string, LossSymbol>();
    b.indexVars.forEach((iv, k) => {
      const known = own.get(iv.name);
      if (known) this.use(iv.span, known);
      else own.set(iv.name, this.declare(iv.name, 'index', iv.span, b.span, container));
      // `keep[c: C]`: the dim an index variable ranges over (an unknown one is the checker's error).
      const dim = b.indexDims?.[k];
      const dimSymbol = dim && (scope.get(dim.name) ?? this.top.get(dim.name));
      if (dim && dimSymbol?.kind === 'dim') this.use(dim.span, dimSymbol);
    });
    this.expression(b.value, new Map([...scope, ...own]), new Map(), container, b.span);
  }

  /**
   * `fresh` collects the axis and index names an expression root introduces by using them
   * (shared by all of that root's subexpressions).
   */
  private expression(e: Expr, scope: Scope, fresh: Map<string, LossSymbol>, container: string, root: Span): void {
    const name = (n: string, span: Span, s: Scope): void => {
      const sym = s.get(n) ?? fresh.get(n) ?? this.top.get(n);
      if (sym) return this.use(span, sym);
      const from = this.importedNames.get(n);
      if (from !== undefined) return void this.imported.push({ span, name: n, from, declaration: false });
      if (isBuiltin(n)) return void this.builtins.push({ span, name: n });
      fresh.set(n, this.declare(n, 'index', span, root, container));
    };
    const walk = (x: Expr, s: Scope): void => {
      switch (x.kind) {
        case 'Number':
          return;
        case 'Name':
          return name(x.name, x.span, s);
        case 'Unary':
          return walk(x.operand, s);
        case 'Binary':
          walk(x.lhs, s);
          return walk(x.rhs, s);
        case 'Call':
          // A callee is never an axis: an unknown one is left to the checker's error.
          if (s.has(x.callee.name) || this.top.has(x.callee.name) || this.importedNames.has(x.callee.name) || isBuiltin(x.callee.name)) {
            name(x.callee.name, x.callee.span, s);
          }
          for (const a of x.args) walk(a.value, s);
          return;
        case 'Index':
          walk(x.target, s);
          for (const i of x.indices) walk(i, s);
          return;
        case 'Member': {
          walk(x.target, s);
          const c = this.components.get(x.member.name);
          if (c) this.use(x.member.span, c);
          return;
        }
        case 'Tuple':
          for (const i of x.items) walk(i, s);
          return;
        case 'Conditional':
          walk(x.cond, s);
          walk(x.then, s);
          return walk(x.else, s);
        case 'Let': {
          // Each binding sees the ones before it; the body sees them all.
          let inner = new Map(s);
          for (const b of x.bindings) {
            this.binding(b, inner, container);
            const sym = this.declare(b.name.name, 'let', b.name.span, b.span, container);
            inner = new Map([...inner, [b.name.name, sym]]);
          }
          return walk(x.body, inner);
        }
      }
    };
    walk(e, scope);
  }
}

/** The occurrence at `offset` (inside or just after a name), if any. */
export function occurrenceAt(table: SymbolTable, offset: number): Occurrence | undefined {
  let best: Occurrence | undefined;
  for (const o of table.occurrences) {
    if (o.span.start.offset <= offset && offset <= o.span.end.offset) {
      if (!best || o.span.end.offset - o.span.start.offset < best.span.end.offset - best.span.start.offset) best = o;
    }
  }
  return best;
}
