// Go to definition, find references and rename, across the files a program imports. A use of
// an imported name leads to the definition in the imported file; references of a definition
// are searched in its own file and in every file the editor has open (and what they import).
// A rename is refused, with the reason, when it would change what any name refers to.

import { tokenize } from '../../grammar/index.js';
import { Identifier } from '../../grammar/tokens.js';
import { isBuiltin } from '../check/builtins.js';
import { resolveImport } from '../check/program.js';
import { parsed, quickCheck, type Parsed } from './analysis.js';
import { occurrenceAt, type LossSymbol, type SymbolTable } from './symbols.js';
import type { ServiceHost, TextEdit, TextRange } from './types.js';

export interface Location {
  readonly file: string;
  readonly range: TextRange;
}

/** The files a search may look in: the editor's open documents, besides the program's own. */
export interface Workspace {
  readonly host: ServiceHost;
  readonly openFiles: () => readonly string[];
}

const rangeOf = (s: { start: { offset: number }; end: { offset: number } }): TextRange => ({ start: s.start.offset, end: s.end.offset });

function read(ws: Workspace, file: string): Parsed | undefined {
  const text = ws.host.readFile(file);
  return text === undefined ? undefined : parsed(text, file);
}

/** The top-level definition (or dim) `name` of `file`. */
function topLevel(ws: Workspace, file: string, name: string): LossSymbol | undefined {
  const p = read(ws, file);
  return p?.table.symbols.find((s) => s.name === name && (s.kind === 'loss' || s.kind === 'def'));
}

/** The symbol named at `offset`: a local one, or the definition an imported name stands for. */
export function symbolAt(ws: Workspace, doc: Parsed, offset: number): { symbol: LossSymbol; range: TextRange } | undefined {
  const own = occurrenceAt(doc.table, offset);
  const imported = doc.table.imported.find((i) => i.span.start.offset <= offset && offset <= i.span.end.offset);
  if (imported && (!own || imported.span.end.offset - imported.span.start.offset <= own.span.end.offset - own.span.start.offset)) {
    const target = topLevel(ws, resolveImport(doc.file, imported.from), imported.name);
    return target ? { symbol: target, range: rangeOf(imported.span) } : undefined;
  }
  return own ? { symbol: own.symbol, range: rangeOf(own.span) } : undefined;
}

export function definition(ws: Workspace, doc: Parsed, offset: number): Location[] {
  const found = symbolAt(ws, doc, offset);
  return found ? [{ file: found.symbol.file, range: rangeOf(found.symbol.span) }] : [];
}

/** The files that may mention a symbol: its own, the open ones, and the files those import. */
function candidateFiles(ws: Workspace, doc: Parsed, symbol: LossSymbol): string[] {
  const out = new Set<string>([symbol.file, doc.file]);
  // Locals can only be used in their own file.
  if (symbol.kind !== 'loss' && symbol.kind !== 'def') return [symbol.file];
  for (const f of ws.openFiles()) {
    out.add(f);
    const p = read(ws, f);
    for (const imp of p?.module.imports ?? []) out.add(resolveImport(f, imp.from));
  }
  return [...out];
}

/** Every place `symbol` is named in `table`'s file (imports of it included). */
function placesIn(table: SymbolTable, symbol: LossSymbol, includeDeclaration: boolean): TextRange[] {
  const out: TextRange[] = [];
  for (const o of table.occurrences) if (o.symbol.id === symbol.id && (includeDeclaration || !o.declaration)) out.push(rangeOf(o.span));
  if (symbol.kind === 'loss' || symbol.kind === 'def') {
    for (const i of table.imported) {
      if (i.name === symbol.name && resolveImport(table.file, i.from) === symbol.file) out.push(rangeOf(i.span));
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

export function references(ws: Workspace, doc: Parsed, offset: number, includeDeclaration: boolean): Location[] {
  const found = symbolAt(ws, doc, offset);
  if (!found) return [];
  return candidateFiles(ws, doc, found.symbol).flatMap((file) => {
    const p = file === doc.file ? doc : read(ws, file);
    return p ? placesIn(p.table, found.symbol, includeDeclaration).map((range) => ({ file, range })) : [];
  });
}

export type RenameResult = { readonly edits: readonly TextEdit[] } | { readonly error: string };

/** Whether a rename can start at `offset`: the name's range, or why not. */
export function prepareRename(ws: Workspace, doc: Parsed, offset: number): { range: TextRange; placeholder: string } | { error: string } {
  const found = symbolAt(ws, doc, offset);
  if (!found) {
    const builtin = doc.table.builtins.find((b) => b.span.start.offset <= offset && offset <= b.span.end.offset);
    return { error: builtin ? `'${builtin.name}' is a builtin function and cannot be renamed` : 'no name to rename here' };
  }
  return { range: found.range, placeholder: found.symbol.name };
}

export function rename(ws: Workspace, doc: Parsed, offset: number, newName: string): RenameResult {
  const found = symbolAt(ws, doc, offset);
  if (!found) return { error: 'no name to rename here' };
  const { symbol } = found;
  const lexed = tokenize(newName);
  if (lexed.diagnostics.length > 0 || lexed.tokens.length !== 1 || lexed.tokens[0]!.tokenType !== Identifier || lexed.tokens[0]!.image !== newName) {
    return { error: `'${newName}' is not a name (a keyword, or not a letter or _ followed by letters, digits and _)` };
  }
  if (isBuiltin(newName)) return { error: `'${newName}' is a builtin function: the renamed ${symbol.kind} would shadow it` };
  if (newName === symbol.name) return { edits: [] };
  const edits: TextEdit[] = [];
  const renamedTexts = new Map<string, { before: string; after: string }>();
  for (const file of candidateFiles(ws, doc, symbol)) {
    const p = file === doc.file ? doc : read(ws, file);
    if (!p) continue;
    const places = placesIn(p.table, symbol, true);
    if (places.length === 0) continue;
    const renamed = applyEdits(p.text, places.map((range) => ({ file, range, text: newName })));
    const problem = sameMeaning(p, parsed(renamed, `${file}\u0000renamed`), places, newName.length - symbol.name.length, symbol, newName);
    if (problem) return { error: `renaming '${symbol.name}' to '${newName}' would change what a name refers to: ${problem}` };
    renamedTexts.set(file, { before: p.text, after: renamed });
    edits.push(...places.map((range) => ({ file, range, text: newName })));
  }
  // The checker too must see no new error (a binding named like a parameter, say), with every
  // renamed file read renamed.
  const renamedHost: ServiceHost = { ...ws.host, readFile: (path) => renamedTexts.get(path)?.after ?? ws.host.readFile(path) };
  for (const [file, { before, after }] of renamedTexts) {
    const errorsIn = (text: string, host: ServiceHost) => quickCheck(text, file, host).diagnostics.filter((d) => d.severity === 'error' && d.span?.file === file);
    const made = errorsIn(after, renamedHost);
    if (made.length > errorsIn(before, ws.host).length) return { error: `renaming '${symbol.name}' to '${newName}' would make an error: ${made[0]!.message}` };
  }
  return { edits };
}

/** `text` with the edits (of one file, not overlapping) applied. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.range.start - a.range.start)) out = out.slice(0, e.range.start) + e.text + out.slice(e.range.end);
  return out;
}

/**
 * Whether every name of the renamed text refers to what the same name referred to before:
 * each occurrence, mapped back to the old offsets, points at the same declaration.
 */
function sameMeaning(before: Parsed, after: Parsed, places: readonly TextRange[], delta: number, symbol: LossSymbol, newName: string): string | undefined {
  const starts = [...places].map((p) => p.start).sort((a, b) => a - b);
  // An offset of the new text → the old one: every renamed place before it moved it by delta.
  const back = (offset: number): number => {
    let shift = 0;
    for (let k = 0; k < starts.length; k++) {
      const newStart = starts[k]! + k * delta;
      if (newStart < offset) shift += delta;
    }
    return offset - shift;
  };
  // Each occurrence's start → what it refers to, and how to say so.
  const meaning = (p: Parsed, map: (o: number) => number): Map<number, { key: string; says: string }> => {
    const out = new Map<number, { key: string; says: string }>();
    for (const o of p.table.occurrences) out.set(map(o.span.start.offset), { key: `${o.symbol.kind}@${map(o.symbol.span.start.offset)}`, says: `the ${o.symbol.kind} '${o.symbol.name}' of line ${o.symbol.span.start.line}` });
    for (const i of p.table.imported) out.set(map(i.span.start.offset), { key: `import ${i.from}`, says: `'${i.name}' imported from "${i.from}"` });
    for (const b of p.table.builtins) out.set(map(b.span.start.offset), { key: `builtin ${b.name}`, says: `the builtin '${b.name}'` });
    return out;
  };
  const old = meaning(before, (o) => o);
  const now = meaning(after, back);
  for (const [at, was] of old) {
    const is = now.get(at);
    if (is?.key !== was.key) {
      const line = before.text.slice(0, at).split('\n').length;
      return `on line ${line}, the name that is ${was.says} would be ${is?.says ?? 'nothing'}`;
    }
  }
  if (now.size !== old.size) return 'a name would appear or disappear';
  // A top-level name must stay unique in its file, and match no import of it.
  if ((symbol.kind === 'loss' || symbol.kind === 'def' || symbol.kind === 'dim') && before.file === symbol.file) {
    const clash = before.table.symbols.find((s) => s.name === newName && (s.kind === 'loss' || s.kind === 'def' || s.kind === 'dim'));
    if (clash) return `'${newName}' is already defined at line ${clash.span.start.line}`;
  }
  return undefined;
}
