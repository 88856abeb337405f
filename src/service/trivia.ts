// Comments, which the lexer skips: found in the gaps between the lexer's tokens with the
// token table's own comment patterns, so the formatter and the editor's folding see exactly
// what the lexer skipped.

import type { IToken } from 'chevrotain';
import { tokenize } from '../../grammar/index.js';
import { TOKEN_INFO } from '../../grammar/tokens.js';
import type { TextRange } from './types.js';

export interface Comment extends TextRange {
  /** `//` to the end of the line, or `/* … *\/`. */
  readonly block: boolean;
}

const COMMENT_PATTERNS = TOKEN_INFO.filter((t) => t.monarchClass === 'comment' && t.delimiters).map((t) => ({
  sticky: new RegExp(t.regex.source, 'y'),
  block: t.delimiters!.close !== undefined,
}));

/** The comments of `text`, in order; `tokens` are the lexer's (doc comments included or not). */
export function commentsBetween(text: string, tokens: readonly IToken[]): Comment[] {
  const out: Comment[] = [];
  const sorted = [...tokens].sort((a, b) => a.startOffset - b.startOffset);
  let from = 0;
  const scan = (start: number, end: number): void => {
    let i = start;
    while (i < end) {
      if (/\s/.test(text[i]!)) {
        i++;
        continue;
      }
      const hit = COMMENT_PATTERNS.map((p) => {
        p.sticky.lastIndex = i;
        const m = p.sticky.exec(text);
        return m ? { length: m[0].length, block: p.block } : undefined;
      }).find((m) => m !== undefined);
      if (!hit) {
        i++; // a character the lexer rejected: not a comment
        continue;
      }
      out.push({ start: i, end: Math.min(i + hit.length, end), block: hit.block });
      i += hit.length;
    }
  };
  for (const t of sorted) {
    scan(from, t.startOffset);
    from = Math.max(from, (t.endOffset ?? t.startOffset) + 1);
  }
  scan(from, text.length);
  return out;
}

/** The lexer's tokens with the doc comments among them, and the comments between them. */
export function lexWithComments(text: string): { tokens: IToken[]; comments: Comment[] } {
  const lexed = tokenize(text);
  const tokens = [...lexed.tokens, ...lexed.docs].sort((a, b) => a.startOffset - b.startOffset);
  return { tokens, comments: commentsBetween(text, tokens) };
}
