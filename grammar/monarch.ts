// The Monaco highlighter, derived from the token table (tokens.ts) so the editor colours
// exactly what the lexer reads. Plain objects shaped like monaco's IMonarchLanguage and
// LanguageConfiguration: the playground passes them to monaco without this file importing it.
import { Keyword, TOKEN_INFO, BRACKET_PAIRS, Identifier, INVALID_GROUP, type TokenInfo } from './tokens.js';

type MonarchAction = string | { readonly cases: Record<string, string> } | { readonly token: string; readonly next: string };
type MonarchRule = readonly [RegExp, MonarchAction] | readonly [RegExp, string, string];

export interface MonarchLanguage {
  readonly defaultToken: string;
  readonly tokenPostfix: string;
  readonly unicode: boolean;
  readonly brackets: readonly { readonly open: string; readonly close: string; readonly token: string }[];
  readonly tokenizer: Record<string, readonly MonarchRule[]>;
  /** Keyword lists by class, referenced as `@<class>` from the identifier rule. */
  readonly [list: string]: unknown;
}

const isKeyword = (t: TokenInfo): boolean => t.token.CATEGORIES?.includes(Keyword) ?? false;
const escape = (s: string): RegExp => new RegExp(s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));

/** Keyword spellings grouped by editor class: keyword, type, operator (`and`), number (`inf`). */
const keywordLists: Record<string, string[]> = {};
for (const t of TOKEN_INFO.filter(isKeyword)) (keywordLists[t.monarchClass] ??= []).push(t.text!);
const listName = (cls: string): string => (cls === 'keyword' ? 'keywords' : `${cls}Keywords`);

function rule(t: TokenInfo): MonarchRule[] {
  if (isKeyword(t)) return []; // recognised through the identifier rule's cases
  if (t.token === Identifier) {
    const cases: Record<string, string> = {};
    for (const cls of Object.keys(keywordLists)) cases[`@${listName(cls)}`] = cls;
    return [[t.regex, { cases: { ...cases, '@default': 'identifier' } }]];
  }
  const d = t.delimiters;
  if (d?.close) return [[escape(d.open), 'comment', '@blockComment']];
  // An unterminated block comment is the block-comment state reaching the end of the file.
  if (t.token.GROUP === INVALID_GROUP && t.monarchClass === 'comment') return [];
  if (t.monarchClass === 'delimiter.bracket') return [[t.regex, '@brackets']];
  return [[t.regex, t.monarchClass]];
}

const block = TOKEN_INFO.find((t) => t.delimiters?.close)?.delimiters;
const line = TOKEN_INFO.find((t) => t.delimiters && !t.delimiters.close)?.delimiters;

export const monarchLanguage: MonarchLanguage = {
  defaultToken: 'invalid',
  tokenPostfix: '.loss',
  unicode: true,
  ...Object.fromEntries(Object.entries(keywordLists).map(([cls, words]) => [listName(cls), words])),
  brackets: BRACKET_PAIRS.map(([open, close]) => ({
    open: open.PATTERN as string, close: close.PATTERN as string, token: 'delimiter.bracket',
  })),
  tokenizer: {
    root: TOKEN_INFO.flatMap(rule),
    blockComment: block?.close
      ? [[escape(block.close), 'comment', '@pop'], [new RegExp(`[^\\${block.close[0]}]+`), 'comment'], [/./, 'comment']]
      : [],
  },
};

const pairs = BRACKET_PAIRS.map(([o, c]) => [o.PATTERN as string, c.PATTERN as string] as const);

/** Comment toggling, bracket matching and auto-closing for the editor. */
export const lossLanguageConfiguration = {
  comments: {
    ...(line ? { lineComment: line.open } : {}),
    ...(block?.close ? { blockComment: [block.open, block.close] as const } : {}),
  },
  brackets: pairs,
  // Both quotes: strings are the values of hyperparameters of strings (`'softmax'`) and import paths.
  autoClosingPairs: [...pairs.map(([open, close]) => ({ open, close })), { open: '"', close: '"', notIn: ['string'] }, { open: "'", close: "'", notIn: ['string'] }],
  surroundingPairs: [...pairs.map(([open, close]) => ({ open, close })), { open: '"', close: '"' }, { open: "'", close: "'" }],
};
