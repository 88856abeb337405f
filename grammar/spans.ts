// Source positions: chevrotain tokens (inclusive ends) to our half-open Spans.
import type { IToken } from 'chevrotain';
import type { Span } from './ast.js';

type Pos = Span['start'];

/** The span of a real token; undefined for tokens invented by error recovery (no position). */
export function tokenSpan(file: string, t: IToken | undefined): Span | undefined {
  if (!t || t.isInsertedInRecovery || !Number.isFinite(t.startOffset)) return undefined;
  const endOffset = Number.isFinite(t.endOffset) ? t.endOffset! : t.startOffset + t.image.length - 1;
  return {
    file,
    start: { offset: t.startOffset, line: t.startLine ?? 1, col: t.startColumn ?? 1 },
    end: { offset: endOffset + 1, line: t.endLine ?? t.startLine ?? 1, col: (t.endColumn ?? t.startColumn ?? 0) + 1 },
  };
}

/** The smallest span covering all given spans; undefined if none is given. */
export function cover(...spans: (Span | undefined)[]): Span | undefined {
  let out: Span | undefined;
  for (const s of spans) {
    if (!s) continue;
    if (!out) out = s;
    else {
      out = {
        file: out.file,
        start: s.start.offset < out.start.offset ? s.start : out.start,
        end: s.end.offset > out.end.offset ? s.end : out.end,
      };
    }
  }
  return out;
}

/**
 * Where each line of the last text asked about starts: a file with thousands of errors asks
 * thousands of times, and scanning from the top each time is quadratic.
 */
let linesOf: { text: string; starts: number[] } | undefined;

function lineStarts(text: string): number[] {
  if (linesOf?.text === text) return linesOf.starts;
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // \r\n, \r and \n each end one line, as chevrotain's line_breaks counting does.
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) starts.push(i + 1);
  }
  linesOf = { text, starts };
  return starts;
}

/** Line and column of `offset` in `text` (1-based), counting UTF-16 units like the lexer. */
export function positionAt(text: string, offset: number): Pos {
  const starts = lineStarts(text);
  const at = Math.min(offset, text.length);
  // The last line starting at or before `at` (a line break at `at - 1` starts one at `at`).
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= at) lo = mid;
    else hi = mid - 1;
  }
  return { offset, line: lo + 1, col: offset - starts[lo]! + 1 };
}

/** A span from offset `from` to `to` (exclusive), clamped to the text. */
export function offsetSpan(file: string, text: string, from: number, to: number): Span {
  const a = Math.max(0, Math.min(from, text.length));
  const b = Math.max(a, Math.min(to, text.length));
  return { file, start: positionAt(text, a), end: positionAt(text, b) };
}
