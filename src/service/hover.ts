// Hover: what a name is (its declaration as written, its doc comment) and what the value is
// (its named axes and the range of values it can hold, from the checker and the compiler's
// range analysis). Builtins get their signature and doc from the BUILTINS table.

import type { Binding, Definition, Expr } from '../../grammar/ast.js';
import { BUILTINS } from '../check/builtins.js';
import { parsed, quickCheck, type Parsed } from './analysis.js';
import { symbolAt, type Workspace } from './navigation.js';
import type { LossSymbol } from './symbols.js';
import { REST } from '../ir/types.js';
import type { TextRange } from './types.js';
import { describeAxes, describeRange, describeValue, ValueFacts, type ValueFact } from './values.js';

export interface HoverInfo {
  readonly range: TextRange;
  /** The declaration or signature, shown as code. */
  readonly signature: string;
  /**
   * The signature's language for highlighting: `loss` for source as written, none for a
   * builtin's notation (`sum(x, axes?, …)`: `?` is no token of the language, and a `loss`
   * highlighter marks it invalid).
   */
  readonly language: 'loss' | '';
  /** Markdown: the doc comment, then the value's axes and range. */
  readonly doc?: string;
}

/** `loss huber(pred: [...], target: [...], delta: real in (0, inf) = 1.0)`: the header as written. */
export function header(text: string, def: Definition): string {
  return text.slice(def.span.start.offset, def.body.span.start.offset).replace(/\s*=\s*$/, '').replace(/\s+/g, ' ').trim();
}

const slice = (text: string, r: { start: { offset: number }; end: { offset: number } }): string => text.slice(r.start.offset, r.end.offset);
const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim();

export function valueFacts(ws: Workspace, doc: Parsed): ValueFacts {
  return new ValueFacts(quickCheck(doc.text, doc.file, ws.host).losses, doc.file);
}

/** Lines saying what the value at `range` is, one per distinct answer (a def in several losses). */
export function valueLines(facts: ValueFacts, range: TextRange): string[] {
  const seen = new Map<string, string[]>();
  for (const f of facts.at(range)) {
    const text = describeFact(f);
    seen.set(text, [...(seen.get(text) ?? []), f.loss]);
  }
  if (seen.size <= 1) return [...seen.keys()].map((t) => `Value: \`${t}\``);
  return [...seen].map(([t, losses]) => `Value in ${losses.join(', ')}: \`${t}\``);
}

function describeFact(f: ValueFact): string {
  if (f.strings) return describeValue(f, false);
  const range = f.dtype === 'bool' ? '' : describeRange(f.range);
  const shape = f.axes.length === 0 ? f.dtype : `${f.dtype}${describeAxes(f.axes, true)}`;
  return `${shape}${range ? ` ${range}` : ''}${range && f.mayBeNaN ? ' (when not NaN)' : ''}`;
}

export function hover(ws: Workspace, doc: Parsed, offset: number): HoverInfo | undefined {
  // The character under the mouse: a name's end is the character after it.
  const builtin = doc.table.builtins.find((b) => b.span.start.offset <= offset && offset < b.span.end.offset);
  if (builtin) {
    const b = BUILTINS[builtin.name]!;
    return { range: { start: builtin.span.start.offset, end: builtin.span.end.offset }, signature: b.signature, language: '', doc: b.doc };
  }
  const found = symbolAt(ws, doc, offset);
  if (!found || found.range.end <= offset) return expressionHover(ws, doc, offset);
  const { symbol, range } = found;
  const home = symbol.file === doc.file ? doc : readParsed(ws, symbol.file);
  if (!home) return undefined;
  const facts = valueFacts(ws, home);
  const docs: string[] = [];
  const signature = signatureOf(home, symbol, facts, docs);
  return { range, signature, language: 'loss', ...(docs.length ? { doc: docs.join('\n\n') } : {}) };
}

function readParsed(ws: Workspace, file: string): Parsed | undefined {
  const text = ws.host.readFile(file);
  return text === undefined ? undefined : parsed(text, file);
}

function signatureOf(home: Parsed, symbol: LossSymbol, facts: ValueFacts, docs: string[]): string {
  const m = home.module;
  const full = { start: symbol.full.start.offset, end: symbol.full.end.offset };
  switch (symbol.kind) {
    case 'loss':
    case 'def': {
      const def = m.definitions.find((d) => d.name.span.start.offset === symbol.span.start.offset)!;
      if (def.doc) docs.push(def.doc);
      const body = { start: def.body.span.start.offset, end: def.body.span.end.offset };
      docs.push(...valueLines(facts, body).map((l) => l.replace(/^Value/, 'Result')));
      if (symbol.file !== home.file || !home.file) docs.push(`Defined in \`${symbol.file}\``);
      return header(home.text, def);
    }
    case 'param': {
      docs.push(...valueLines(facts, full));
      return `(parameter of ${symbol.container}) ${oneLine(slice(home.text, symbol.full))}`;
    }
    case 'binding':
    case 'let': {
      const binding = findBinding(home, symbol);
      if (binding) docs.push(...valueLines(facts, { start: binding.value.span.start.offset, end: binding.value.span.end.offset }));
      const text = oneLine(slice(home.text, symbol.full));
      return `(${symbol.kind === 'binding' ? 'where' : 'let'}) ${text.length > 120 ? `${text.slice(0, 117)}...` : text}`;
    }
    case 'index': {
      if (symbol.name === REST) {
        docs.push("The rest dims: any number of dims, the same in every input of the loss, wherever each input's shape puts them. As an axis (`sum(x, ...)`) it is all of them; as a value, the number of elements they hold.");
        return `(rest dims of ${symbol.container}) ...`;
      }
      const at = facts.at({ start: symbol.span.start.offset, end: symbol.span.end.offset });
      const dims = [...new Set(at.flatMap((f) => f.axes.filter((a) => a.name === symbol.name).map((a) => a.dim)))];
      return `(axis of ${symbol.container}) ${symbol.name}${dims.length === 1 && dims[0] !== symbol.name ? `: ${dims[0]}` : ''}`;
    }
    case 'dim': {
      const decl = m.dims.find((d) => d.name.span.start.offset === symbol.span.start.offset);
      if (decl) {
        if (decl.doc) docs.push(decl.doc);
        return `dim ${decl.name.name} = {${decl.components.map((c) => c.name).join(', ')}}`;
      }
      const places = home.table.occurrences.filter((o) => o.symbol.id === symbol.id).map((o) => o.span.start.offset);
      const params = m.definitions.find((d) => d.name.name === symbol.container)?.params ?? [];
      const users = params.filter((p) => places.some((o) => p.span.start.offset <= o && o < p.span.end.offset));
      if (users.length) docs.push(`Axis of ${users.map((p) => `\`${p.name.name}\``).join(', ')}`);
      return `(dimension of ${symbol.container}) ${symbol.name}`;
    }
    case 'component':
      return `(component of ${symbol.container}) ${symbol.name}`;
  }
}

function findBinding(home: Parsed, symbol: LossSymbol): Binding | undefined {
  let out: Binding | undefined;
  const visit = (x: unknown): void => {
    if (out || !x || typeof x !== 'object') return;
    const node = x as { kind?: string; name?: { span?: { start: { offset: number } } } };
    if (node.kind === 'Binding' && node.name?.span?.start.offset === symbol.span.start.offset) {
      out = x as Binding;
      return;
    }
    for (const v of Object.values(x)) if (v && typeof v === 'object') visit(v);
  };
  visit(home.module.definitions);
  return out;
}


/** Hover over an operator or a call's parentheses: the smallest expression there that the checker lowered. */
function expressionHover(ws: Workspace, doc: Parsed, offset: number): HoverInfo | undefined {
  const def = doc.module.definitions.find((d) => d.span.start.offset <= offset && offset < d.span.end.offset);
  if (!def) return undefined;
  const around: Expr[] = [];
  const visit = (x: unknown): void => {
    if (!x || typeof x !== 'object') return;
    const e = x as Expr;
    if (typeof e.kind === 'string' && e.span && e.kind !== 'Name' && e.kind !== 'Number' && e.kind !== 'String' && e.span.start.offset <= offset && offset < e.span.end.offset) around.push(e);
    for (const v of Object.values(x)) if (v && typeof v === 'object') visit(v);
  };
  visit(def.body);
  def.bindings.forEach((b) => visit(b.value));
  around.sort((a, b) => a.span.end.offset - a.span.start.offset - (b.span.end.offset - b.span.start.offset));
  const facts = valueFacts(ws, doc);
  for (const e of around) {
    const range = { start: e.span.start.offset, end: e.span.end.offset };
    const lines = valueLines(facts, range);
    if (lines.length === 0) continue;
    const text = oneLine(doc.text.slice(range.start, range.end));
    return { range, signature: text.length > 120 ? `${text.slice(0, 117)}...` : text, language: 'loss', doc: lines.join('\n\n') };
  }
  return undefined;
}
