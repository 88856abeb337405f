// The one token table of the language. The lexer, the parser, error messages and the editor
// highlighter (monarch.ts) are all derived from it; nothing else lists tokens.
import { createToken, Lexer, type TokenType } from './chevrotain.js';

/** How an editor colours a token (Monaco token classes). */
export type MonarchClass =
  | 'keyword' | 'type' | 'identifier' | 'number' | 'string' | 'comment' | 'comment.doc'
  | 'operator' | 'delimiter' | 'delimiter.bracket' | 'white' | 'invalid';

/** Editor metadata kept beside each lexer token, in lexer order. */
export interface TokenInfo {
  readonly token: TokenType;
  readonly monarchClass: MonarchClass;
  /** A regex matching the token at the current position (for editor grammars). */
  readonly regex: RegExp;
  /** The literal spelling, for keywords and punctuation. */
  readonly text?: string;
  /** Comment markers: a line comment has only `open`; a block comment also `close`. */
  readonly delimiters?: { readonly open: string; readonly close?: string };
}

/** Tokens that are errors: the lexer recognises them so the message can be precise. */
export const INVALID_GROUP = 'invalid';
export const DOC_GROUP = 'docs';

export const TOKEN_INFO: TokenInfo[] = [];

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

function tok(
  name: string,
  pattern: RegExp | string | { exec: (text: string, offset: number) => RegExpExecArray | null },
  monarchClass: MonarchClass,
  extra: Partial<Parameters<typeof createToken>[0]> & Pick<TokenInfo, 'delimiters'> & { regex?: RegExp } = {},
): TokenType {
  const { regex, delimiters, ...config } = extra;
  const literal = typeof pattern === 'string' ? pattern : undefined;
  const label = config.label ?? (literal !== undefined ? `'${literal}'` : undefined);
  const token = createToken({ name, pattern, ...config, ...(label ? { label } : {}) });
  const source = regex ?? (pattern instanceof RegExp ? pattern : new RegExp(escape(literal ?? '')));
  TOKEN_INFO.push({
    token, monarchClass, regex: source,
    ...(literal !== undefined ? { text: literal } : {}),
    ...(delimiters ? { delimiters } : {}),
  });
  return token;
}

/** A sticky unicode matcher: chevrotain drops the `u` flag of plain regex patterns. */
function unicodePattern(re: RegExp): { exec: (text: string, offset: number) => RegExpExecArray | null } {
  const sticky = new RegExp(re.source, 'uy');
  return {
    exec(text, offset) {
      sticky.lastIndex = offset;
      return sticky.exec(text);
    },
  };
}

// --- categories (no pattern of their own) -------------------------------------------------
export const Keyword = createToken({ name: 'Keyword', pattern: Lexer.NA });
export const ElementType = createToken({ name: 'ElementType', pattern: Lexer.NA, label: "'real', 'int' or 'bool'" });
export const AdditionOperator = createToken({ name: 'AdditionOperator', pattern: Lexer.NA, label: "'+' or '-'" });
export const MultiplicationOperator = createToken({ name: 'MultiplicationOperator', pattern: Lexer.NA, label: "'*' or '/'" });
export const Comparison = createToken({ name: 'Comparison', pattern: Lexer.NA, label: 'a comparison operator' });

// --- trivia ----------------------------------------------------------------------------------
export const WhiteSpace = tok('WhiteSpace', /\s+/, 'white', { group: Lexer.SKIPPED, line_breaks: true });
// Before LineComment: the first matching pattern wins, so `///` must be tried before `//`.
export const DocComment = tok('DocComment', /\/\/\/[^\n\r]*/, 'comment.doc', { group: DOC_GROUP });
export const LineComment = tok('LineComment', /\/\/[^\n\r]*/, 'comment', {
  group: Lexer.SKIPPED, delimiters: { open: '//' },
});
export const BlockComment = tok('BlockComment', /\/\*[\s\S]*?\*\//, 'comment', {
  group: Lexer.SKIPPED, line_breaks: true, delimiters: { open: '/*', close: '*/' },
});
export const UnterminatedComment = tok('UnterminatedComment', /\/\*[\s\S]*/, 'comment', {
  group: INVALID_GROUP, line_breaks: true,
});

// --- literals ----------------------------------------------------------------------------------
// Either quote: `"softmax"` or `'softmax'` (the spelling Python and TypeScript users bring).
export const StringLiteral = tok('StringLiteral', /"[^"\r\n]*"|'[^'\r\n]*'/, 'string', { label: 'a string' });
export const UnterminatedString = tok('UnterminatedString', /"[^"\r\n]*|'[^'\r\n]*/, 'invalid', { group: INVALID_GROUP });
const NUMBER = /(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?/;
// For the editor grammars, which match with one regex: the number is taken whole first (a
// lookahead does not backtrack; `\1` consumes what it saw), so `1e-6` is never cut back to `1e`.
const BAD_NUMBER = new RegExp(`(?=(${NUMBER.source}))\\1[\\p{L}_][\\p{L}\\p{N}_]*`, 'u');
// `2x`, `1e`, `1.5f`: a number glued to letters is one bad token, not two confusing ones.
// Matched in two steps so `1e-6` is never cut back to `1e` by regex backtracking.
const numberThenLetters = {
  number: new RegExp(NUMBER.source, 'y'),
  letters: /[\p{L}_][\p{L}\p{N}_]*/uy,
  exec(text: string, offset: number): RegExpExecArray | null {
    this.number.lastIndex = offset;
    const n = this.number.exec(text);
    if (!n) return null;
    this.letters.lastIndex = offset + n[0].length;
    const rest = this.letters.exec(text);
    if (!rest) return null;
    n[0] += rest[0];
    return n;
  },
};
export const BadNumber = tok('BadNumber', numberThenLetters, 'invalid', {
  group: INVALID_GROUP, regex: BAD_NUMBER, line_breaks: false, start_chars_hint: [...'0123456789.'],
});
// `...` before Number and Dot: `.5` is a number, `...` a rest dimension, `.` a member access.
export const Ellipsis = tok('Ellipsis', '...', 'operator');
export const NumberLiteral = tok('NumberLiteral', NUMBER, 'number', { label: 'a number' });

// --- names -----------------------------------------------------------------------------------
const IDENT = /[\p{L}_][\p{L}\p{N}_]*/u;
export const Identifier = tok('Identifier', unicodePattern(IDENT), 'identifier', {
  label: 'a name', regex: IDENT, line_breaks: false,
});

// Keywords try Identifier as a longer alternative, so `lossy` and `index2` stay names.
const kw = (word: string, monarchClass: MonarchClass = 'keyword', extra: TokenType[] = []): TokenType =>
  tok(word[0]!.toUpperCase() + word.slice(1), word, monarchClass, {
    longer_alt: Identifier, categories: [Keyword, ...extra],
  });
const firstKeyword = TOKEN_INFO.length;
export const Loss = kw('loss');
export const Def = kw('def');
export const Dim = kw('dim');
export const Import = kw('import');
export const From = kw('from');
export const Where = kw('where');
export const Let = kw('let');
export const In = kw('in');
export const If = kw('if');
export const Then = kw('then');
export const Else = kw('else');
export const And = kw('and', 'operator');
export const Or = kw('or', 'operator');
export const Not = kw('not', 'operator');
export const Param = kw('param');
export const Broadcast = kw('broadcast');
export const Index = kw('index', 'type');
export const Of = kw('of');
export const Real = kw('real', 'type', [ElementType]);
export const Int = kw('int', 'type', [ElementType]);
export const Bool = kw('bool', 'type', [ElementType]);
export const Fn = kw('fn', 'type');
export const Inf = kw('inf', 'number');
// Longest first among keywords: `in` must not cut `int`, `inf` and `index` short.
TOKEN_INFO.push(...TOKEN_INFO.splice(firstKeyword).sort((a, b) => (b.text?.length ?? 0) - (a.text?.length ?? 0)));
/** The words that cannot be names, in alphabetical order (messages and docs list them). */
export const RESERVED_WORDS: readonly string[] = TOKEN_INFO.slice(firstKeyword).map((t) => t.text!).sort();
// Identifier was created first (keywords refer to it) but must be tried after them.
TOKEN_INFO.push(...TOKEN_INFO.splice(TOKEN_INFO.findIndex((t) => t.token === Identifier), 1));

// --- punctuation: longer spellings first (`->` before `-`, `==` before `=`) ------------------
export const Arrow = tok('Arrow', '->', 'operator');
export const EqEq = tok('EqEq', '==', 'operator', { categories: Comparison });
export const NotEq = tok('NotEq', '!=', 'operator', { categories: Comparison });
export const LessEq = tok('LessEq', '<=', 'operator', { categories: Comparison });
export const GreaterEq = tok('GreaterEq', '>=', 'operator', { categories: Comparison });
export const Less = tok('Less', '<', 'operator', { categories: Comparison });
export const Greater = tok('Greater', '>', 'operator', { categories: Comparison });
export const Equals = tok('Equals', '=', 'operator');
export const Plus = tok('Plus', '+', 'operator', { categories: AdditionOperator });
export const Minus = tok('Minus', '-', 'operator', { categories: AdditionOperator });
export const Star = tok('Star', '*', 'operator', { categories: MultiplicationOperator });
export const Slash = tok('Slash', '/', 'operator', { categories: MultiplicationOperator });
export const Caret = tok('Caret', '^', 'operator');
/** Between the strings of an enum type: `"sigmoid" | "softmax"`. */
export const Pipe = tok('Pipe', '|', 'operator');
export const LParen = tok('LParen', '(', 'delimiter.bracket');
export const RParen = tok('RParen', ')', 'delimiter.bracket');
export const LBracket = tok('LBracket', '[', 'delimiter.bracket');
export const RBracket = tok('RBracket', ']', 'delimiter.bracket');
export const LBrace = tok('LBrace', '{', 'delimiter.bracket');
export const RBrace = tok('RBrace', '}', 'delimiter.bracket');
export const Comma = tok('Comma', ',', 'delimiter');
export const Colon = tok('Colon', ':', 'delimiter');
export const Dot = tok('Dot', '.', 'delimiter');

/** Opening and closing brackets, for error messages and editor bracket matching. */
export const BRACKET_PAIRS: readonly (readonly [TokenType, TokenType])[] = [
  [LParen, RParen], [LBracket, RBracket], [LBrace, RBrace],
];

/** Lexer order: the table order. Categories come last (they match nothing themselves). */
export const allTokens: TokenType[] = [
  ...TOKEN_INFO.map((t) => t.token),
  Keyword, ElementType, AdditionOperator, MultiplicationOperator, Comparison,
];

export const lexer = new Lexer(allTokens, {
  positionTracking: 'full',
  // Identifier and BadNumber are custom (unicode) matchers, so the first-char optimisation
  // cannot see all patterns; skip the analysis instead of warning about it.
  safeMode: true,
});
