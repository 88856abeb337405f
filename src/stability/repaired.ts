// Notes (severity info, never warnings: `--max-warnings` and exit codes ignore them) for the
// naive forms the optimizer repaired: the user's expression, at its place, and the stable form
// it is computed as, so that they learn it (and keep it stable under --no-opt). Only the
// stability rules count, and only in the file being checked: an imported def is not the
// user's to rewrite.

import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { Span } from '../diagnostics/span.js';
import type { IrFunction, NodeId } from '../ir/types.js';
import type { AppliedRewrite } from '../opt/applied.js';
import { RULES } from '../opt/rules.js';
import { quoter, render, type SourceText } from './render.js';

// Stability rules whose pattern is no naive form: safe-norm guards the builtin norm (and
// safe-sqrt-relu the same norm once a pairwise distance is Gram-expanded), and bce-logits
// joins two log_sigmoid terms the user wrote stably (it does follow log-sigmoid on a naive
// BCE, whose place then has those rules too).
const NOT_NAIVE: ReadonlySet<string> = new Set(['safe-norm', 'safe-sqrt-relu', 'bce-logits']);

const spanKey = (s: Span): string => `${s.file}:${s.start.offset}-${s.end.offset}`;
const within = (a: Span, b: Span): boolean => a.file === b.file && a.start.offset >= b.start.offset && a.end.offset <= b.end.offset;

/** One note per place where a stability rule rewrote the user's source in `file`. */
export function repairedForms(fn: IrFunction, rewrites: readonly AppliedRewrite[], file: string, source: SourceText): Diagnostic[] {
  const byPlace = new Map<string, { span: Span; rules: string[] }>();
  for (const w of rewrites) {
    if (w.category !== 'stability' || !w.span || w.span.file !== file) continue;
    const key = spanKey(w.span);
    const place = byPlace.get(key) ?? { span: w.span, rules: [] };
    if (!place.rules.includes(w.rule)) place.rules.push(w.rule);
    byPlace.set(key, place);
  }
  // The node computing each place now: the last (outermost) one with that span.
  const at = new Map<string, NodeId>();
  for (const n of fn.nodes) if (n.span && byPlace.has(spanKey(n.span))) at.set(spanKey(n.span), n.id);
  // A place rewritten away by a rewrite around it (softmax-split's e^(a - lse) inside log-exp's
  // log) is told with that one: its rules first, the steps in the order they were taken.
  for (const [key, place] of byPlace) {
    if (at.has(key)) continue;
    const outer = [...byPlace.entries()].find(([k, o]) => k !== key && at.has(k) && within(place.span, o.span));
    if (outer) outer[1].rules.unshift(...place.rules.filter((r) => !outer[1].rules.includes(r)));
  }
  const text = source(file);
  const out: Diagnostic[] = [];
  for (const [key, { span, rules }] of byPlace) {
    const id = at.get(key);
    const naive = text?.slice(span.start.offset, span.end.offset).replace(/\s+/g, ' ').trim();
    if (id === undefined || !naive) continue; // rewritten away entirely (folded, or a later rewrite)
    if (rules.every((r) => NOT_NAIVE.has(r))) continue;
    // The root's span is the naive source: rendered, not quoted; its parts are quoted.
    const shown: IrFunction = { ...fn, nodes: fn.nodes.map((n) => (n.id === id ? { ...n, span: undefined } : n)) };
    const stable = render(shown, id, quoter(shown, source));
    const why = RULES.find((r) => r.name === rules[0])?.derivation ?? '';
    out.push(diagnostic('RepairedNaiveForm', span, { naive, stable, rules: rules.join(', ') }, why ? [why] : []));
  }
  return out;
}
