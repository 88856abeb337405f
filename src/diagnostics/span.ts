// Where something is in a source file. The bottom of the dependency graph: the grammar, the
// diagnostics table and every phase after it name places with this one type.

export interface Position {
  readonly offset: number;
  readonly line: number;
  readonly col: number;
}

/** A half-open source range; lines and columns are 1-based, offsets 0-based. */
export interface Span {
  readonly file: string;
  readonly start: Position;
  readonly end: Position;
}
