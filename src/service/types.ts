// The language service's vocabulary: plain data over offsets into one text, shared by the
// language server (src/lsp), the playground's Monaco providers and the formatter's callers.
// Positions are UTF-16 offsets, as the lexer counts and as LSP and Monaco convert from.

import type { SourceHost } from '../check/program.js';

/** A half-open range of offsets in one file. */
export interface TextRange {
  readonly start: number;
  readonly end: number;
}

/** A replacement of `range` of `file` by `text`. */
export interface TextEdit {
  readonly file: string;
  readonly range: TextRange;
  readonly text: string;
}

/** One standard-library file, and how a user's file imports it. */
export interface StdlibFile {
  /** The import path a user writes: `lossc/stdlib/regression` (or `./regression` in the playground). */
  readonly spec: string;
  /** The path imports resolve to (what `host.readFile` is asked for). */
  readonly path: string;
  readonly text: string;
}

/**
 * Where the service reads files: the open documents first (their unsaved text), then the
 * disk or the playground's bundled stdlib. `stdlib` lists the files offered for auto-import.
 */
export interface ServiceHost extends SourceHost {
  readonly stdlib: () => readonly StdlibFile[];
}
