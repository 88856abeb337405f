// The document's outline (dims, defs and losses with their parameters and bindings) and its
// folding ranges (definitions, `where` blocks, runs of comments and doc comments).

import { parsed as parsedText, type Parsed } from './analysis.js';
import { lexWithComments } from './trivia.js';
import type { TextRange } from './types.js';

export interface OutlineItem {
  readonly name: string;
  readonly kind: 'loss' | 'def' | 'dim' | 'param' | 'binding' | 'import';
  readonly detail?: string;
  readonly range: TextRange;
  readonly selection: TextRange;
  readonly children: readonly OutlineItem[];
}

const r = (s: { start: { offset: number }; end: { offset: number } }): TextRange => ({ start: s.start.offset, end: s.end.offset });
const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim();

export function outline(doc: Parsed): OutlineItem[] {
  const m = doc.module;
  const items: OutlineItem[] = [];
  for (const imp of m.imports) {
    for (const n of imp.names) items.push({ name: n.name, kind: 'import', detail: `from "${imp.from}"`, range: r(imp.span), selection: r(n.span), children: [] });
  }
  for (const d of m.dims) {
    items.push({ name: d.name.name, kind: 'dim', detail: `{${d.components.map((c) => c.name).join(', ')}}`, range: r(d.span), selection: r(d.name.span), children: [] });
  }
  for (const def of m.definitions) {
    const children: OutlineItem[] = [
      ...def.params.map((p): OutlineItem => ({ name: p.name.name, kind: 'param', detail: oneLine(doc.text.slice(p.name.span.end.offset, p.span.end.offset)).replace(/^:\s*/, ''), range: r(p.span), selection: r(p.name.span), children: [] })),
      ...def.bindings.map((b): OutlineItem => ({ name: b.name.name, kind: 'binding', ...(b.indexVars.length ? { detail: `[${b.indexVars.map((v) => v.name).join(', ')}]` } : {}), range: r(b.span), selection: r(b.name.span), children: [] })),
    ];
    items.push({ name: def.name.name, kind: def.defKind, ...(def.doc ? { detail: def.doc.split('\n')[0]! } : {}), range: r(def.span), selection: r(def.name.span), children });
  }
  return items.sort((a, b) => a.range.start - b.range.start);
}

export interface FoldingRange {
  /** 0-based lines, as LSP and Monaco (less one) count them. */
  readonly startLine: number;
  readonly endLine: number;
  readonly kind?: 'comment';
}

export function foldingRanges(doc: Parsed): FoldingRange[] {
  const lineOf = (offset: number): number => {
    let n = 0;
    for (let i = 0; i < offset && i < doc.text.length; i++) if (doc.text.charCodeAt(i) === 10) n++;
    return n;
  };
  const out: FoldingRange[] = [];
  const add = (start: number, end: number, kind?: 'comment'): void => {
    const a = lineOf(start);
    const b = lineOf(Math.max(start, end - 1));
    if (b > a) out.push({ startLine: a, endLine: b, ...(kind ? { kind } : {}) });
  };
  for (const def of doc.module.definitions) {
    add(def.span.start.offset, def.span.end.offset);
    const first = def.bindings[0];
    const last = def.bindings.at(-1);
    if (first && last) add(def.body.span.end.offset, last.span.end.offset);
  }
  // Runs of comment lines (line comments and doc comments) on consecutive lines.
  const { tokens, comments } = lexWithComments(doc.text);
  const docs = tokens.filter((t) => t.image.startsWith('///')).map((t) => ({ start: t.startOffset, end: t.startOffset + t.image.length }));
  const runs = [...comments, ...docs].sort((a, b) => a.start - b.start);
  let i = 0;
  while (i < runs.length) {
    let j = i;
    while (j + 1 < runs.length && lineOf(runs[j + 1]!.start) <= lineOf(runs[j]!.end) + 1) j++;
    add(runs[i]!.start, runs[j]!.end, 'comment');
    i = j + 1;
  }
  return out;
}

export interface WorkspaceSymbol {
  readonly name: string;
  readonly kind: 'loss' | 'def' | 'dim';
  readonly file: string;
  readonly range: TextRange;
}

/** Whether the letters of `query` appear in `name` in order (case aside): `bht` finds batch_hard_triplet. */
function fuzzyMatch(query: string, name: string): boolean {
  const q = query.toLowerCase();
  const n = name.toLowerCase();
  let i = 0;
  for (const ch of n) if (ch === q[i]) i++;
  return i === q.length;
}

/** The definitions and dims of the given files (the open ones and the stdlib) matching `query`. */
export function workspaceSymbols(files: readonly { file: string; text: string }[], query: string): WorkspaceSymbol[] {
  const out: WorkspaceSymbol[] = [];
  const seen = new Set<string>();
  for (const { file, text } of files) {
    if (seen.has(file)) continue;
    seen.add(file);
    const doc = parsedText(text, file);
    for (const d of doc.module.definitions) if (fuzzyMatch(query, d.name.name)) out.push({ name: d.name.name, kind: d.defKind, file, range: r(d.name.span) });
    for (const d of doc.module.dims) if (fuzzyMatch(query, d.name.name)) out.push({ name: d.name.name, kind: 'dim', file, range: r(d.name.span) });
  }
  return out;
}
