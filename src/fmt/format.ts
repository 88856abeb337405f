// The canonical layout of a .loss file. Only whitespace changes: the tokens, the comments and
// the line breaks between them stay (as gofmt, no reflowing), while spacing within a line,
// indentation and blank lines follow one style, the stdlib's:
//   - a definition's body, and its `where`, two spaces in; bindings under a `where` alone on
//     its line four; bindings after `where x = …` under the first; a binding's `=` aligned;
//   - a line inside an open bracket under the first character after it;
//   - `a + b`, `f(x, y)`, `x[i]`, `x^2`, `-x`, `a: [N]`, `{x1, y1}`, `import { a, b }`;
//   - at most one blank line, none at the start, one line break at the end.
// A file with a syntax error is refused, and so is a result that does not parse back to the
// same syntax tree (a safety net: formatting must never change what a program means).

import type { IToken, TokenType } from 'chevrotain';
import type { Binding, Definition, Module } from '../../grammar/ast.js';
import { parseModule } from '../../grammar/index.js';
import * as T from '../../grammar/tokens.js';
import { diagnostic, hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import { lexWithComments } from '../service/trivia.js';
import { sameTree } from './same-tree.js';

export type FormatResult = { readonly text: string } | { readonly diagnostics: readonly Diagnostic[] };

interface Item {
  readonly start: number;
  readonly end: number;
  readonly text: string;
  /** Absent for comments. */
  readonly token?: IToken;
  readonly comment?: 'line' | 'block' | 'doc';
}

const is = (t: IToken | undefined, ...types: TokenType[]): boolean => t !== undefined && types.includes(t.tokenType);
const ELEMENT_TYPES = [T.Real, T.Int, T.Bool];
/** Tokens that end an operand: a `-` after one is binary, else unary. */
const OPERAND_END = [T.Identifier, T.NumberLiteral, T.StringLiteral, T.Inf, T.RParen, T.RBracket, T.RBrace];
/** Tokens a `(` or `[` follows without a space: calls, indexing, `int[N]`, `fn([N])`. */
const CALLABLE = [T.Identifier, T.RParen, T.RBracket, T.Index, T.Fn, ...ELEMENT_TYPES];
const NO_SPACE_BEFORE = [T.Comma, T.RParen, T.RBracket, T.Colon, T.Dot, T.Caret];
const NO_SPACE_AFTER = [T.LParen, T.LBracket, T.Dot, T.Caret];

/** What the layout needs to know about the syntax tree, by token offset. */
interface Layout {
  readonly topLevel: ReadonlySet<number>;
  readonly defs: readonly Definition[];
  /** The `where` keyword opening each definition's bindings. */
  readonly whereOf: ReadonlyMap<number, Definition>;
  readonly bindingStart: ReadonlyMap<number, { def: Definition; binding: Binding }>;
  /** The `=` of each binding, and how many spaces go before it (alignment). */
  readonly bindingEquals: Map<number, number>;
}

export function formatSource(text: string, file = 'input.loss'): FormatResult {
  const parsed = parseModule(text, file);
  if (hasErrors(parsed.diagnostics)) return { diagnostics: parsed.diagnostics };
  const out = layout(text, parsed.module);
  const again = parseModule(out, file);
  if (hasErrors(again.diagnostics) || !sameTree(parsed.module, again.module)) {
    // Reached only by a bug of this file: refuse rather than change the program.
    const reason = `the formatted text does not parse to the same program, so ${file} is left as it is`;
    return { diagnostics: [diagnostic('InternalError', undefined, { phase: `formatting ${file}`, reason })] };
  }
  return { text: out };
}

function items(text: string): Item[] {
  const { tokens, comments } = lexWithComments(text);
  const out: Item[] = tokens.map((t) => ({
    start: t.startOffset,
    end: t.startOffset + t.image.length,
    text: is(t, T.DocComment) ? t.image.trimEnd() : t.image,
    ...(is(t, T.DocComment) ? { comment: 'doc' as const } : { token: t }),
  }));
  for (const c of comments) out.push({ start: c.start, end: c.end, text: c.block ? text.slice(c.start, c.end) : text.slice(c.start, c.end).trimEnd(), comment: c.block ? 'block' : 'line' });
  return out.sort((a, b) => a.start - b.start);
}

function analyse(module: Module, tokens: readonly IToken[]): Layout {
  const topLevel = new Set<number>([...module.imports, ...module.dims, ...module.definitions].map((d) => d.span.start.offset));
  const whereOf = new Map<number, Definition>();
  const bindingStart = new Map<number, { def: Definition; binding: Binding }>();
  const bindingEquals = new Map<number, number>();
  for (const def of module.definitions) {
    const first = def.bindings[0];
    if (!first) continue;
    const where = tokens.find((t) => is(t, T.Where) && t.startOffset >= def.body.span.end.offset && t.startOffset < first.span.start.offset);
    if (where) whereOf.set(where.startOffset, def);
    for (const b of def.bindings) bindingStart.set(b.span.start.offset, { def, binding: b });
  }
  return { topLevel, defs: module.definitions, whereOf, bindingStart, bindingEquals };
}

/** The one-line left side of a binding (`dist[i, j]`), or undefined if it spans lines or holds comments. */
function leftSide(b: Binding, lines: readonly (readonly Item[])[]): { text: string; equals: number } | undefined {
  for (const line of lines) {
    const k = line.findIndex((it) => it.start === b.name.span.start.offset);
    if (k < 0) continue;
    let text = '';
    for (let j = k; j < line.length; j++) {
      const it = line[j]!;
      if (!it.token) return undefined;
      if (is(it.token, T.Equals)) return { text, equals: it.start };
      text += it.text + (is(it.token, T.Comma, T.Colon) ? ' ' : '');
    }
    return undefined;
  }
  return undefined;
}

function layout(text: string, module: Module): string {
  const all = items(text);
  const tokens = all.flatMap((it) => (it.token ? [it.token] : []));
  const info = analyse(module, tokens);
  const previous = new Map<IToken, IToken | undefined>(tokens.map((t, i) => [t, tokens[i - 1]]));
  const tokenBefore = (t: IToken): IToken | undefined => previous.get(t);

  // Split into lines where the source breaks them; remember blank lines before each.
  const lines: Item[][] = [];
  const blankBefore: boolean[] = [];
  let prevEnd = -1;
  for (const it of all) {
    const gap = prevEnd < 0 ? '' : text.slice(prevEnd, it.start);
    const breaks = (gap.match(/\r\n|\r|\n/g) ?? []).length;
    if (prevEnd < 0 || breaks > 0) {
      lines.push([it]);
      blankBefore.push(prevEnd >= 0 && breaks > 1);
    } else lines[lines.length - 1]!.push(it);
    prevEnd = it.end;
  }

  // Alignment of `=` in each definition's bindings that start their own lines.
  for (const def of info.defs) {
    const sides = def.bindings.map((b) => ({ b, side: leftSide(b, lines), starts: lines.some((l) => l[0]!.start === b.span.start.offset || (is(l[0]!.token, T.Where) && l[1]?.start === b.span.start.offset)) }));
    const aligned = sides.filter((s) => s.side && s.starts);
    const width = Math.max(0, ...aligned.map((s) => s.side!.text.length));
    for (const s of sides) if (s.side) info.bindingEquals.set(s.side.equals, s.starts && aligned.length > 1 ? 1 + width - s.side.text.length : 1);
  }

  const out: string[] = [];
  // Open brackets: their output column, and the indent of the line that opened them.
  const open: { column: number; lineIndent: number; hanging: boolean; importBrace: boolean }[] = [];
  // The indent of the line each definition's body starts on: continuation lines go 2 further.
  const bodyLineIndent = new Map<Definition, number>();
  const bindingIndent = new Map<Binding, number>();
  let whereBindingColumn: { def: Definition; column: number } | undefined;
  let prevToken: IToken | undefined;
  /** Output lines ending in a `//` comment after code: where the code ends. */
  const trailing = new Map<number, number>();

  const defAt = (offset: number): Definition | undefined => info.defs.find((d) => d.span.start.offset <= offset && offset < d.span.end.offset);

  const indentFor = (first: Item): number => {
    const t = first.token;
    const at = first.start;
    if (info.topLevel.has(at)) return 0;
    if (open.length > 0) {
      const o = open[open.length - 1]!;
      if (is(t, T.RParen, T.RBracket, T.RBrace)) return o.hanging ? o.lineIndent : o.column - 1;
      return o.hanging ? o.lineIndent + 2 : o.column;
    }
    const def = defAt(at);
    if (!def) return info.topLevel.size > 0 && at < Math.min(...info.topLevel) ? 0 : 2;
    if (info.whereOf.has(at)) return 2;
    const b = info.bindingStart.get(at);
    if (b) return whereBindingColumn?.def === b.def ? whereBindingColumn.column : 4;
    const inBinding = def.bindings.find((x) => x.span.start.offset < at && at < x.span.end.offset);
    if (inBinding) return (bindingIndent.get(inBinding) ?? 4) + 2;
    if (at === def.body.span.start.offset) return 2;
    if (at > def.body.span.start.offset && at < def.body.span.end.offset) return (bodyLineIndent.get(def) ?? 0) + 2;
    return 2;
  };

  for (let li = 0; li < lines.length; li++) {
    const line = lines[li]!;
    if (blankBefore[li] && out.length > 0) out.push('');
    // A line starting with a comment is indented like the code after it.
    const lead = line[0]!.token ? line[0]! : lines.slice(li).map((l) => l[0]!).find((it) => it.token);
    let indent = lead ? indentFor(lead) : 0;
    if (!line[0]!.token && lead && info.topLevel.has(lead.start)) indent = 0;
    let s = ' '.repeat(indent);
    const def = line[0]!.token ? defAt(line[0]!.start) : undefined;
    if (def && line[0]!.start >= def.body.span.start.offset && line[0]!.start < def.body.span.end.offset && !bodyLineIndent.has(def)) bodyLineIndent.set(def, indent);
    for (let k = 0; k < line.length; k++) {
      const it = line[k]!;
      const prev = line[k - 1];
      if (it.comment === 'line' && k > 0) trailing.set(out.length, s.length);
      if (prev) s += spaceBetween(prev, it, tokenBefore, open.at(-1)?.importBrace ?? false, info);
      const b = info.bindingStart.get(it.start);
      if (b) {
        bindingIndent.set(b.binding, s.length);
        if (k > 0 && is(prev?.token, T.Where)) whereBindingColumn = { def: b.def, column: s.length };
        else if (b.binding === b.def.bindings[0]) whereBindingColumn = undefined;
      }
      if (it.token && def && it.start === def.body.span.start.offset && !bodyLineIndent.has(def)) bodyLineIndent.set(def, indent);
      s += it.text;
      if (it.token) {
        if (is(it.token, T.LParen, T.LBracket, T.LBrace)) {
          const importBrace = is(it.token, T.LBrace) && is(prevToken, T.Import);
          // Under the first item: `{ a,` puts it one space after the brace.
          open.push({ column: s.length + (importBrace ? 1 : 0), lineIndent: indent, hanging: k === line.length - 1, importBrace });
        } else if (is(it.token, T.RParen, T.RBracket, T.RBrace)) open.pop();
        prevToken = it.token;
      }
    }
    out.push(s.trimEnd());
  }
  alignTrailingComments(out, trailing);
  return out.length ? `${out.join('\n')}\n` : '';
}

/** Trailing `//` comments of consecutive lines start in one column, one space after the longest code. */
function alignTrailingComments(out: string[], trailing: ReadonlyMap<number, number>): void {
  let i = 0;
  while (i < out.length) {
    if (!trailing.has(i)) {
      i++;
      continue;
    }
    let j = i;
    while (trailing.has(j + 1)) j++;
    const column = Math.max(...Array.from({ length: j - i + 1 }, (_, k) => trailing.get(i + k)!)) + 1;
    for (let k = i; k <= j; k++) {
      const end = trailing.get(k)!;
      out[k] = out[k]!.slice(0, end) + ' '.repeat(column - end) + out[k]!.slice(end).trimStart();
    }
    i = j + 1;
  }
}

function spaceBetween(prev: Item, cur: Item, tokenBefore: (t: IToken) => IToken | undefined, inImport: boolean, info: Layout): string {
  if (cur.comment || prev.comment) return ' ';
  const p = prev.token!;
  const c = cur.token!;
  if (is(c, T.Equals) && info.bindingEquals.has(cur.start)) return ' '.repeat(info.bindingEquals.get(cur.start)!);
  if (is(c, T.RBrace) || is(p, T.LBrace)) return inImport ? ' ' : '';
  if (NO_SPACE_BEFORE.some((t) => is(c, t))) return '';
  if (NO_SPACE_AFTER.some((t) => is(p, t))) return '';
  // `list[K] of ragged [B, ...]`: the word before a type's shape, not a tensor indexed.
  if (is(c, T.LBracket) && p.image === 'ragged' && tokenBefore(p)?.image === 'of') return ' ';
  if (is(c, T.LParen, T.LBracket) && CALLABLE.some((t) => is(p, t))) return '';
  // A sign (`-x`, `2 * -x`) takes no space after it; a binary `-` follows an operand.
  if (is(p, T.Minus, T.Plus) && !OPERAND_END.some((t) => is(tokenBefore(p), t))) return '';
  return ' ';
}
