// The syntax layer's entry points. They never throw: every problem, including a failure of
// the parser itself, comes back as a diagnostic beside whatever tree could be built.
import { tokenMatcher, type IToken, type TokenType } from './chevrotain.js';
import type { Expr, Module } from './ast.js';
import { AstBuilder, Missing, type BuildContext } from './cst-to-ast.js';
import { attachDocs } from './docs.js';
import { syntaxDiagnostics } from './messages.js';
import { parser, runRule } from './parser.js';
import { offsetSpan, tokenSpan } from './spans.js';
import * as T from './tokens.js';
import { diagnostic, hasErrors, sortDiagnostics, type Diagnostic } from '../src/diagnostics/diagnostic.js';

export { TOKEN_INFO } from './tokens.js';

export interface TokenizeResult {
  /** Tokens for the parser, in source order (comments and whitespace removed). */
  readonly tokens: IToken[];
  /** `///` doc comment tokens. */
  readonly docs: IToken[];
  readonly diagnostics: Diagnostic[];
}

export interface ParseResult {
  readonly module: Module;
  readonly diagnostics: Diagnostic[];
}

export interface ExpressionResult {
  /** Absent when nothing usable could be parsed. */
  readonly expr?: Expr;
  readonly diagnostics: Diagnostic[];
}

/** A token of the error group re-typed as what it was meant to be, so the parser goes on. */
function standIn(t: IToken, as: TokenType): IToken {
  return { ...t, tokenType: as, tokenTypeIdx: as.tokenTypeIdx! };
}

export function tokenize(text: string, file = '<input>'): TokenizeResult {
  const lexed = T.lexer.tokenize(text);
  const diagnostics: Diagnostic[] = lexed.errors.map((e) => {
    const char = String.fromCodePoint(text.codePointAt(e.offset) ?? 0xfffd);
    return diagnostic('UnexpectedCharacter', offsetSpan(file, text, e.offset, e.offset + char.length), { char });
  });
  const tokens = [...lexed.tokens];
  for (const t of (lexed.groups[T.INVALID_GROUP] ?? []) as IToken[]) {
    const span = tokenSpan(file, t);
    if (tokenMatcher(t, T.UnterminatedComment)) {
      diagnostics.push(diagnostic('UnterminatedComment', offsetSpan(file, text, t.startOffset, t.startOffset + 2)));
    } else if (tokenMatcher(t, T.UnterminatedString)) {
      diagnostics.push(diagnostic('UnterminatedString', span, { quote: t.image[0]! }));
      tokens.push(standIn(t, T.StringLiteral));
    } else {
      diagnostics.push(diagnostic('BadNumber', span, { text: t.image }));
      tokens.push(standIn(t, T.NumberLiteral));
    }
  }
  tokens.sort((a, b) => a.startOffset - b.startOffset);
  return { tokens, docs: (lexed.groups[T.DOC_GROUP] ?? []) as IToken[], diagnostics };
}

/**
 * A parse error on the first token after a character the lexer rejected is a cascade of
 * that lexical error (`x $ y` reads as `x y`), so it is not reported again.
 */
function dropCascades(syntax: Diagnostic[], lexical: Diagnostic[], tokens: IToken[]): Diagnostic[] {
  // Binary searches, not scans: a file of garbage has thousands of errors and tokens.
  const badOffsets = lexical.map((d) => d.span?.start.offset ?? -1).sort((a, b) => a - b);
  const starts = tokens.map((t) => t.startOffset);
  return syntax.filter((d) => {
    const at = d.span?.start.offset ?? -1;
    const i = lowerBound(starts, at);
    const prevEnd = i > 0 ? tokens[i - 1]!.endOffset ?? -1 : -1;
    const j = lowerBound(badOffsets, prevEnd + 1);
    return !(j < badOffsets.length && badOffsets[j]! <= at);
  });
}

/** The first index of sorted `xs` holding a value >= `x` (`xs.length` when there is none). */
function lowerBound(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Builds each declaration on its own: one broken by a syntax error is dropped, not fatal. */
function each<N, R>(nodes: N[] | undefined, build: (n: N) => R, tolerate: boolean): R[] {
  const out: R[] = [];
  for (const n of nodes ?? []) {
    try {
      out.push(build(n));
    } catch (e) {
      if (!(e instanceof Missing || tolerate)) throw e;
    }
  }
  return out;
}

/**
 * A failure of the parser itself. Running out of stack (RangeError) means absurdly deep
 * nesting, which gets its own message at the deepest bracket.
 */
function internal(e: unknown, text: string, file: string): Diagnostic {
  if (!(e instanceof RangeError)) {
    return diagnostic('InternalError', undefined, { phase: 'parsing', reason: e instanceof Error ? e.message : String(e) });
  }
  let depth = 0;
  let deepest = { depth: 0, offset: 0 };
  for (const t of T.lexer.tokenize(text).tokens) {
    if (T.BRACKET_PAIRS.some(([open]) => t.tokenType === open)) depth++;
    else if (T.BRACKET_PAIRS.some(([, close]) => t.tokenType === close)) depth--;
    if (depth > deepest.depth) deepest = { depth, offset: t.startOffset };
  }
  const span = offsetSpan(file, text, deepest.offset, deepest.offset + 1);
  return diagnostic('TooDeeplyNested', span);
}

export function parseModule(text: string, file: string): ParseResult {
  const empty: Module = { kind: 'Module', file, imports: [], dims: [], definitions: [], span: offsetSpan(file, text, 0, text.length) };
  const diagnostics: Diagnostic[] = [];
  try {
    const lexed = tokenize(text, file);
    diagnostics.push(...lexed.diagnostics);
    const cst = runRule('module', lexed.tokens);
    const syntax = syntaxDiagnostics(parser.errors, file, text, 'module');
    diagnostics.push(...dropCascades(syntax, lexed.diagnostics, lexed.tokens));
    const docs = attachDocs(lexed.docs, lexed.tokens, file);
    diagnostics.push(...docs.diagnostics);
    const ctx: BuildContext = { file, docs: docs.docs, diagnostics };
    const builder = new AstBuilder(ctx);
    const broken = hasErrors(diagnostics);
    const c = cst?.children ?? {};
    const module: Module = {
      ...empty,
      imports: each(c.importDecl, (n) => builder.importDecl(n), broken),
      dims: each(c.dimDecl, (n) => builder.dimDecl(n), broken),
      definitions: each(c.definition, (n) => builder.definition(n), broken),
    };
    return { module, diagnostics: sortDiagnostics(diagnostics) };
  } catch (e) {
    return { module: empty, diagnostics: sortDiagnostics([...diagnostics, internal(e, text, file)]) };
  }
}

/** One expression, e.g. for the playground or tests; trailing input is an error (E1013). */
export function parseExpression(text: string, file = '<expression>'): ExpressionResult {
  const diagnostics: Diagnostic[] = [];
  try {
    const lexed = tokenize(text, file);
    diagnostics.push(...lexed.diagnostics);
    const cst = runRule('expression', lexed.tokens);
    const syntax = syntaxDiagnostics(parser.errors, file, text, 'expression');
    diagnostics.push(...dropCascades(syntax, lexed.diagnostics, lexed.tokens));
    let expr: Expr | undefined;
    try {
      expr = new AstBuilder({ file, docs: new Map(), diagnostics }).expression(cst);
    } catch (e) {
      if (!(e instanceof Missing || diagnostics.length > 0)) throw e;
    }
    return { ...(expr ? { expr } : {}), diagnostics: sortDiagnostics(diagnostics) };
  } catch (e) {
    return { diagnostics: sortDiagnostics([...diagnostics, internal(e, text, file)]) };
  }
}
