// `///` doc comments live in their own token group; here they are attached to the `loss`,
// `def` or `dim` that follows them, keyed by the offset of that keyword.
import { tokenMatcher, type IToken } from './chevrotain.js';
import { diagnostic, type Diagnostic } from '../src/diagnostics/diagnostic.js';
import { cover, tokenSpan } from './spans.js';
import * as T from './tokens.js';

export interface AttachedDocs {
  /** Doc text by the start offset of the keyword it documents. */
  readonly docs: Map<number, string>;
  readonly diagnostics: Diagnostic[];
}

/** Index of the first token starting at or after `offset` (tokens are sorted). */
function firstAtOrAfter(tokens: readonly IToken[], offset: number): number {
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid]!.startOffset < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const docText = (t: IToken): string => t.image.replace(/^\/\/\/ ?/, '').trimEnd();

export function attachDocs(docTokens: readonly IToken[], tokens: readonly IToken[], file: string): AttachedDocs {
  const docs = new Map<number, string>();
  const diagnostics: Diagnostic[] = [];
  let i = 0;
  while (i < docTokens.length) {
    // A block: doc lines on consecutive lines with no code between them, so the first
    // token after the block's first line is also the first after the whole block.
    const block = [docTokens[i]!];
    const next = firstAtOrAfter(tokens, block[0]!.startOffset);
    const prev = tokens[next - 1];
    // After code on the same line: not a doc comment for anything, and a block of its own.
    const trailing = prev !== undefined && prev.endLine === block[0]!.startLine;
    while (!trailing && i + 1 < docTokens.length) {
      const cand = docTokens[i + 1]!;
      const last = block.at(-1)!;
      if (cand.startLine !== (last.startLine ?? 0) + 1) break;
      if ((tokens[next]?.startOffset ?? Infinity) < cand.startOffset) break;
      block.push(cand);
      i++;
    }
    i++;
    const target = tokens[next];
    const documents = target && [T.Loss, T.Def, T.Dim].some((k) => tokenMatcher(target, k));
    if (documents && !trailing) docs.set(target.startOffset, block.map(docText).join('\n'));
    else {
      const span = cover(...block.map((t) => tokenSpan(file, t)));
      diagnostics.push(diagnostic('MisplacedDocComment', span));
    }
  }
  return { docs, diagnostics };
}
