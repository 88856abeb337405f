// What the service knows about one text: its syntax tree and name table (cheap, on every
// request), the checker's diagnostics, and the axes and ranges of its values (from the IR
// the checker lowers, as written: no optimizer, so every node keeps the span it came from).
// Results are memoised by file and text: a keystroke invalidates, a hover after it does not.

import type { Module } from '../../grammar/ast.js';
import { check, parse } from '../api.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { IrFunction } from '../ir/types.js';
import { symbolTable, type SymbolTable } from './symbols.js';
import type { ServiceHost } from './types.js';

export interface Parsed {
  readonly file: string;
  readonly text: string;
  readonly module: Module;
  readonly syntax: readonly Diagnostic[];
  readonly table: SymbolTable;
}

/** A small memo keyed by file and text: the last few texts asked about, least recent out first. */
class Memo<T> {
  private readonly entries = new Map<string, T>();
  constructor(private readonly size: number) {}
  get(file: string, text: string, make: () => T): T {
    const key = `${file}\u0000${text}`;
    if (this.entries.has(key)) {
      const hit = this.entries.get(key)!;
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const value = make();
    this.entries.set(key, value);
    if (this.entries.size > this.size) this.entries.delete(this.entries.keys().next().value!);
    return value;
  }
}

const parsedMemo = new Memo<Parsed>(32);
const quickMemo = new Memo<{ diagnostics: readonly Diagnostic[]; losses: readonly IrFunction[] }>(16);
const fullMemo = new Memo<readonly Diagnostic[]>(16);

export function parsed(text: string, file: string): Parsed {
  return parsedMemo.get(file, text, () => {
    const { module, diagnostics } = parse(text, file);
    return { file, text, module, syntax: diagnostics, table: symbolTable(module) };
  });
}

/**
 * Syntax, names, types and shapes (no optimizer, no stability analysis): the keystroke pass.
 * Its losses are the IR as written, whose nodes carry their source spans.
 */
export function quickCheck(text: string, file: string, host: ServiceHost): { diagnostics: readonly Diagnostic[]; losses: readonly IrFunction[] } {
  return quickMemo.get(file, text, () => {
    const r = check(text, file, { host, optimize: false, stability: false });
    return { diagnostics: r.diagnostics, losses: r.losses };
  });
}

/** Everything `lossc check` reports, stability findings included. */
export function fullCheck(text: string, file: string, host: ServiceHost): readonly Diagnostic[] {
  return fullMemo.get(file, text, () => check(text, file, { host }).diagnostics);
}

/** Diagnostics of `file` itself (an imported file's problems are reported at the import). */
export function ownDiagnostics(diagnostics: readonly Diagnostic[], file: string): Diagnostic[] {
  return diagnostics.filter((d) => !d.span || d.span.file === file);
}
