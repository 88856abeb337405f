// The TextMate grammar (VS Code, and every editor that reads .tmLanguage.json), derived from
// the token table (tokens.ts) as the Monarch one is (monarch.ts): the same patterns in the
// lexer's order, each named by its token's editor class. grammar/textmate-write.ts writes it
// to grammar/generated/ and editors/vscode/; a test checks the written files are current.
import { Identifier, INVALID_GROUP, Keyword, TOKEN_INFO, type MonarchClass, type TokenInfo } from './tokens.js';

export const SCOPE_NAME = 'source.loss';

/** The TextMate scope of each editor class (the names themes colour). */
export const SCOPES: Readonly<Record<MonarchClass, string>> = {
  keyword: 'keyword.control.loss',
  type: 'storage.type.loss',
  identifier: 'variable.other.loss',
  number: 'constant.numeric.loss',
  string: 'string.quoted.double.loss',
  comment: 'comment.line.double-slash.loss',
  'comment.doc': 'comment.line.documentation.loss',
  operator: 'keyword.operator.loss',
  delimiter: 'punctuation.separator.loss',
  'delimiter.bracket': 'punctuation.section.brackets.loss',
  white: 'text.whitespace.loss',
  invalid: 'invalid.illegal.loss',
};

/** Keywords that read as operators (`and`) or numbers (`inf`) keep that class's scope. */
const KEYWORD_SCOPES: Readonly<Partial<Record<MonarchClass, string>>> = {
  operator: 'keyword.operator.logical.loss',
  number: 'constant.numeric.infinity.loss',
};

interface Rule {
  readonly name: string;
  readonly match?: string;
  readonly begin?: string;
  readonly end?: string;
}

const isKeyword = (t: TokenInfo): boolean => t.token.CATEGORIES?.includes(Keyword) ?? false;
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
/** A name character: a keyword is a keyword only when no name character touches it. */
const NAME_CHAR = '[\\p{L}\\p{N}_]';

/**
 * The source of a token's regex, as Oniguruma reads it. A number glued to letters (`1e`, `2x`)
 * is matched with the number atomic, so `1e-6` cannot backtrack into `1` + `e` (the lexer's
 * custom matcher does the same in two steps).
 */
function source(t: TokenInfo): string {
  const s = t.regex.source;
  if (t.token.GROUP === INVALID_GROUP && t.monarchClass === 'invalid' && /\[\\p\{L\}_\]/.test(s)) {
    const letters = s.indexOf('[\\p{L}_]');
    return `(?>${s.slice(0, letters)})${s.slice(letters)}`;
  }
  return s;
}

function rule(t: TokenInfo): Rule[] {
  if (t.monarchClass === 'white') return [];
  const d = t.delimiters;
  // A block comment runs to its close, or to the end of the file (the lexer's unterminated one).
  if (d?.close) return [{ name: 'comment.block.loss', begin: escape(d.open), end: escape(d.close) }];
  if (t.token.GROUP === INVALID_GROUP && t.monarchClass === 'comment') return [];
  if (isKeyword(t)) {
    const name = KEYWORD_SCOPES[t.monarchClass] ?? SCOPES[t.monarchClass];
    return [{ name, match: `(?<!${NAME_CHAR})${escape(t.text!)}(?!${NAME_CHAR})` }];
  }
  if (t.token === Identifier) return [{ name: SCOPES.identifier, match: source(t) }];
  return [{ name: SCOPES[t.monarchClass], match: source(t) }];
}

export interface TextMateGrammar {
  readonly $schema: string;
  readonly name: string;
  readonly scopeName: string;
  readonly fileTypes: readonly string[];
  readonly patterns: readonly Rule[];
}

export const textmateGrammar: TextMateGrammar = {
  $schema: 'https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json',
  name: 'lossc',
  scopeName: SCOPE_NAME,
  fileTypes: ['loss'],
  // In the lexer's order: at one place the first pattern that matches wins, in both.
  patterns: TOKEN_INFO.flatMap(rule),
};

/** The file as written: a do-not-edit note, then the grammar. */
export function textmateJson(): string {
  return `${JSON.stringify({ information_for_contributors: ['Generated from grammar/tokens.ts by grammar/textmate-write.ts: do not edit.'], ...textmateGrammar }, null, 2)}\n`;
}

/**
 * VS Code's language configuration: comments, brackets and auto-closing from the same table
 * as Monaco's (monarch.ts), and indentation after a line that ends a definition's header
 * (`=`) or opens its bindings (`where`).
 */
export function vscodeLanguageConfiguration(base: {
  readonly comments: object;
  readonly brackets: readonly (readonly [string, string])[];
  readonly autoClosingPairs: readonly object[];
  readonly surroundingPairs: readonly object[];
}, where: string, equals: string): object {
  const ends = `(?:${escape(equals)}|\\b${escape(where)})\\s*(?://.*)?$`;
  return {
    ...base,
    // Names are unicode (`\p{L}`): the `u` flag, which a plain string pattern would not get.
    wordPattern: { pattern: TOKEN_INFO.find((t) => t.token === Identifier)!.regex.source, flags: 'u' },
    indentationRules: { increaseIndentPattern: ends, decreaseIndentPattern: '^\\s*[)\\]}]' },
    onEnterRules: [{ beforeText: ends, action: { indent: 'indent' } }],
  };
}
