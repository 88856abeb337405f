// Semantic tokens: what each name is, from the name table (a parameter, a `where` binding, an
// index variable, a dimension, a builtin), beyond what the TextMate grammar can tell.

import type { Parsed } from './analysis.js';
import type { SymbolKind } from './symbols.js';

/** The legend, in LSP's standard token types; indices into it are what the protocol sends. */
export const SEMANTIC_TOKEN_TYPES = ['function', 'parameter', 'variable', 'typeParameter', 'type', 'property'] as const;
export const SEMANTIC_TOKEN_MODIFIERS = ['declaration', 'defaultLibrary', 'readonly'] as const;

type TokenType = (typeof SEMANTIC_TOKEN_TYPES)[number];

const TYPE_OF: Record<SymbolKind, TokenType> = {
  loss: 'function', def: 'function', param: 'parameter', binding: 'variable', let: 'variable', index: 'typeParameter', dim: 'type', component: 'property',
};

export interface SemanticToken {
  readonly start: number;
  readonly length: number;
  readonly type: number;
  /** Bit set over SEMANTIC_TOKEN_MODIFIERS. */
  readonly modifiers: number;
}

const typeIndex = (t: TokenType): number => SEMANTIC_TOKEN_TYPES.indexOf(t);

export function semanticTokens(doc: Parsed): SemanticToken[] {
  const out: SemanticToken[] = [];
  for (const o of doc.table.occurrences) {
    out.push({ start: o.span.start.offset, length: o.span.end.offset - o.span.start.offset, type: typeIndex(TYPE_OF[o.symbol.kind]), modifiers: (o.declaration ? 1 : 0) | (o.symbol.kind === 'dim' ? 4 : 0) });
  }
  for (const i of doc.table.imported) out.push({ start: i.span.start.offset, length: i.span.end.offset - i.span.start.offset, type: typeIndex('function'), modifiers: 0 });
  for (const b of doc.table.builtins) out.push({ start: b.span.start.offset, length: b.span.end.offset - b.span.start.offset, type: typeIndex('function'), modifiers: 2 });
  // One token per place (a name declared and used at once is its declaration).
  const seen = new Set<number>();
  return out.sort((a, b) => a.start - b.start || b.modifiers - a.modifiers).filter((t) => !seen.has(t.start) && (seen.add(t.start), true));
}
