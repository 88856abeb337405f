// Syntax error messages. Chevrotain's message provider says only *what was expected*, in
// words; `syntaxDiagnostics` adds what was found, the code and the span.
import {
  EOF, tokenMatcher,
  type IParserErrorMessageProvider, type IRecognitionException, type IToken, type TokenType,
} from './chevrotain.js';
import { diagnostic, type Diagnostic } from '../src/diagnostics/diagnostic.js';
import { offsetSpan, tokenSpan } from './spans.js';
import * as T from './tokens.js';

/** The token vector being parsed, so a message can point back at an opening bracket. */
let currentTokens: readonly IToken[] = [];
/**
 * Per bracket pair, the innermost opener still open before each token (-1: none), computed
 * once: finding it by scanning back from every error is quadratic on a file of garbage.
 */
let openerBefore: Int32Array[] = [];
export function setMessageTokens(tokens: readonly IToken[]): void {
  currentTokens = tokens;
  openerBefore = T.BRACKET_PAIRS.map(([open, close]) => {
    const before = new Int32Array(tokens.length + 1);
    const stack: number[] = [];
    tokens.forEach((t, i) => {
      before[i] = stack.at(-1) ?? -1;
      if (t.tokenType === open) stack.push(i);
      else if (t.tokenType === close) stack.pop();
    });
    before[tokens.length] = stack.at(-1) ?? -1;
    return before;
  });
}

const label = (t: TokenType): string => (t === EOF ? 'the end of the file' : t.LABEL ?? t.name);

/** How a found token reads in a message: `')'`, `name 'foo'`, `number 1.5`. */
export function describeToken(t: IToken): string {
  if (t.tokenType === EOF) return 'the end of the file';
  if (tokenMatcher(t, T.Identifier)) return `name '${t.image}'`;
  if (tokenMatcher(t, T.NumberLiteral)) return `number ${t.image}`;
  if (tokenMatcher(t, T.StringLiteral)) return `string ${t.image}`;
  return `'${t.image}'`;
}

/** 'a', 'a or b', 'a, b or c' */
function oneOf(words: string[]): string {
  const unique = [...new Set(words)];
  return unique.length <= 1 ? unique[0] ?? 'something else' : `${unique.slice(0, -1).join(', ')} or ${unique.at(-1)}`;
}

const firstTokens = (paths: TokenType[][]): string[] => paths.flatMap((p) => (p[0] ? [label(p[0])] : []));

/** What an unclosed bracket belongs to, by the rule that failed to close it. */
function bracketOwner(ruleName: string, opener: number): string {
  const before = currentTokens[opener - 1];
  const name = before && tokenMatcher(before, T.Identifier) ? before.image : undefined;
  switch (ruleName) {
    case 'callArgs': return `the call to '${before?.image ?? '?'}'`;
    case 'definition': return name ? `the parameter list of '${name}'` : 'the parameter list';
    case 'parenthesized': return 'the parenthesis';
    case 'typeExpr': return 'the parameter types of fn';
    case 'shape': return 'the shape';
    case 'suffix': return 'the index';
    case 'binding': return 'the index variables';
    case 'domain': return 'the set';
    case 'importDecl': return 'the import list';
    case 'dimDecl': return 'the component list';
    default: return 'the bracket';
  }
}

/** `')' to close the call to 'mean' opened at line 3 col 5`, when the opener can be found. */
function closing(expected: TokenType, actual: IToken, ruleName: string): string | undefined {
  const k = T.BRACKET_PAIRS.findIndex(([, close]) => close === expected);
  if (k < 0) return undefined;
  const before = openerBefore[k];
  if (!before) return undefined;
  // Not `currentTokens.length`: chevrotain appends EOF tokens to the vector while parsing.
  const at = tokenIndex(actual.startOffset);
  const i = before[currentTokens[at] === actual ? at : before.length - 1] ?? -1;
  const t = currentTokens[i];
  if (!t) return undefined;
  return `${label(expected)} to close ${bracketOwner(ruleName, i)} opened at line ${t.startLine} col ${t.startColumn}`;
}

/** Position of the token starting at `offset` in the current token vector. */
function tokenIndex(offset: number): number {
  let lo = 0;
  let hi = currentTokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (currentTokens[mid]!.startOffset < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export const errorMessageProvider: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, previous, ruleName }) {
    if (expected === T.Identifier && ruleName === 'binding') {
      const after = previous && tokenMatcher(previous, T.Where) ? " after 'where'" : '';
      return `a binding such as 'name = value'${after}`;
    }
    if (expected === EOF) return "'loss', 'def', 'dim' or 'import'";
    return closing(expected, actual, ruleName) ?? label(expected);
  },
  buildNotAllInputParsedMessage() {
    return 'the end of the input';
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, customUserDescription }) {
    return customUserDescription ?? oneOf(expectedPathsPerAlt.flatMap(firstTokens));
  },
  buildEarlyExitMessage({ expectedIterationPaths, customUserDescription }) {
    return customUserDescription ?? oneOf(firstTokens(expectedIterationPaths));
  },
};

/**
 * Parser errors to diagnostics, with the span of the offending token (or a zero-width span
 * at the end of the text when the file ended early).
 */
export function syntaxDiagnostics(
  errors: readonly IRecognitionException[],
  file: string,
  text: string,
  mode: 'module' | 'expression',
): Diagnostic[] {
  const out: Diagnostic[] = [];
  let last = -Infinity;
  for (const e of errors) {
    const token = e.token;
    const atEnd = !token || token.tokenType === EOF || !Number.isFinite(token.startOffset);
    // An error on the same token as the one before, or the token right after it, is a
    // cascade of that one (recovery resumed one token too early) and is not reported.
    const index = atEnd ? currentTokens.length : tokenIndex(token.startOffset);
    const cascade = index <= last + 1;
    last = Math.max(last, index);
    if (cascade) continue;
    const span = (atEnd ? undefined : tokenSpan(file, token)) ?? offsetSpan(file, text, text.length, text.length);
    const expected = e.message;
    const stack = e.context?.ruleStack ?? [];
    if (atEnd) out.push(diagnostic('UnexpectedEnd', span, { expected }));
    else if (e.name === 'NotAllInputParsedException') {
      out.push(diagnostic(mode === 'module' ? 'ExpectedDefinition' : 'TrailingInput', span, { found: describeToken(token) }));
    } else if (mode === 'module' && stack.length <= 1) {
      out.push(diagnostic('ExpectedDefinition', span, { found: describeToken(token) }));
    } else {
      // `sum(x, dim)`: say why a familiar word is not accepted where a name is expected.
      // `loss f(fn: [N])`: a reserved word followed by ':' was meant as a parameter's name.
      const next = currentTokens[index + 1];
      const keyword = tokenMatcher(token, T.Keyword) && (/name|expression|dimension/.test(expected) || (next !== undefined && tokenMatcher(next, T.Colon)));
      const found = describeToken(token) + (keyword ? ` (a reserved word, not a name; reserved: ${T.RESERVED_WORDS.join(', ')})` : '');
      out.push(diagnostic('UnexpectedToken', span, { expected, found }));
    }
  }
  return out;
}
