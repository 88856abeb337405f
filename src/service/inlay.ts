// Inlay hints: each binding's named axes and the range of its values, after its left side
// (`dist[i, j]: [i, j] ≥ 0 = norm(...)`): what a named-axis language can show and a tensor
// library cannot. Shown only where every loss computing the binding agrees on the answer,
// and a range only where NaN cannot escape it.

import type { Binding, Expr } from '../../grammar/ast.js';
import type { Parsed } from './analysis.js';
import type { TextRange } from './types.js';
import { occurrenceAt } from './symbols.js';
import { describeValue, type ValueFact, type ValueFacts } from './values.js';

export interface InlayHint {
  /** Where the hint is shown: after the binding's left side. */
  readonly offset: number;
  readonly label: string;
  /** The binding's name, for the tooltip. */
  readonly name: string;
}

function lets(e: Expr, out: Binding[]): void {
  if (e.kind === 'Let') out.push(...e.bindings);
  for (const v of Object.values(e)) {
    if (Array.isArray(v)) for (const x of v) lets(((x as { value?: Expr }).value ?? x) as Expr, out);
    else if (v && typeof v === 'object' && 'kind' in v && typeof (v as { kind: unknown }).kind === 'string' && (v as { span?: unknown }).span) lets(v as Expr, out);
  }
}

/** The end of a binding's left side: after its name, or after the `]` of its index variables. */
function leftSideEnd(text: string, b: Binding): number {
  const last = b.indexVars.at(-1);
  if (!last) return b.name.span.end.offset;
  const close = text.indexOf(']', last.span.end.offset);
  return close >= 0 && close < b.value.span.start.offset ? close + 1 : last.span.end.offset;
}

export function inlayHints(doc: Parsed, facts: ValueFacts, range?: TextRange): InlayHint[] {
  const out: InlayHint[] = [];
  const byName = new Map<number, Binding>();
  /** The value of an expression; a bare name (`v = x`) makes no node of its own: its declaration's. */
  const factOf = (e: Expr, depth = 0): ValueFact | undefined => {
    const own = facts.agreed({ start: e.span.start.offset, end: e.span.end.offset });
    if (own || e.kind !== 'Name' || depth > 16) return own;
    const symbol = occurrenceAt(doc.table, e.span.start.offset)?.symbol;
    if (symbol?.kind === 'param') return facts.agreed({ start: symbol.full.start.offset, end: symbol.full.end.offset });
    const binding = symbol && byName.get(symbol.span.start.offset);
    return binding ? factOf(binding.value, depth + 1) : undefined;
  };
  for (const def of doc.module.definitions) {
    const bindings = [...def.bindings];
    lets(def.body, bindings);
    bindings.forEach((b) => byName.set(b.name.span.start.offset, b));
  }
  for (const def of doc.module.definitions) {
    const bindings = [...def.bindings];
    lets(def.body, bindings);
    for (const b of bindings) {
      const offset = leftSideEnd(doc.text, b);
      if (range && (offset < range.start || offset > range.end)) continue;
      const fact = factOf(b.value);
      if (fact) out.push({ offset, label: `: ${describeValue(fact, false)}`, name: b.name.name });
    }
  }
  return out.sort((a, b) => a.offset - b.offset);
}
