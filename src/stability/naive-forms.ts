// Naive formulas and their stable rewrites, as data: when a finding sits in (or just below)
// one of these, its fix names the stable form instead of a generic clamp. Most are rewrite
// rules of the optimizer, named here (their derivations are in opt/rules.ts): the rule's
// pattern is the naive form, its replacement the stable one, and the optimizer's matcher
// finds them. A chain of rules is the one rule that does both steps (opt/compose.ts):
// log(1 + e^x) is log1p's pattern inside softplus's. The other rows are forms no rule
// rewrites, written in the rules' term notation (opt/pattern.ts). A `square` in a pattern
// also matches `pow` by 2 (x^2 as written, before the optimizer makes it a square).

import type { DiagnosticKind } from '../diagnostics/codes.js';
import { IrBuilder } from '../ir/graph.js';
import type { IrFunction, IrNode, NodeId } from '../ir/types.js';
import { composeRules } from '../opt/compose.js';
import { conditionsHold, type ConditionContext, type ConditionUse } from '../opt/conditions.js';
import { EMPTY_BINDINGS, instantiate, matchTerm, type Bindings } from '../opt/match.js';
import { parseTerm, type Term } from '../opt/pattern.js';
import { RULES, type RewriteRule } from '../opt/rules.js';
import type { RangeAnalysis } from '../ranges/analysis.js';
import { render, renderAround, type Quote } from './render.js';

export type NaiveRow =
  /** Rewrite rules by name, applied in this order; `write` the form to suggest instead of their replacement. */
  | { readonly rules: readonly string[]; readonly fixes: readonly DiagnosticKind[]; readonly write?: string }
  /** A form no rule rewrites: `naive` → `stable`, in term notation. */
  | { readonly naive: string; readonly stable: string; readonly fixes: readonly DiagnosticKind[] };

// `fixes`: the findings the rewrite removes (log1p does not help a log of a negative number).
export const NAIVE_FORMS: readonly NaiveRow[] = [
  { rules: ['softmax', 'log-softmax'], fixes: ['Float32Overflow', 'DivisionByZero', 'LogOfZero', 'GuardedGradient'] },
  { rules: ['softmax'], fixes: ['Float32Overflow', 'DivisionByZero'] },
  { rules: ['log-softmax'], fixes: ['LogOfZero', 'GuardedGradient'] },
  // The numerator apart from the sum (a positive pair s[i, i], a gather): no softmax, but
  // log(e^a / Σ e^x) = a - logsumexp(x).
  { naive: '(log (div (exp ?a) (sum:r (exp ?x))))', stable: '(sub ?a (logsumexp:r ?x))', fixes: ['Float32Overflow', 'DivisionByZero', 'LogOfZero', 'GuardedGradient'] },
  { naive: '(log (div (gather:g (exp ?x) ?t) (sum:r (exp ?x))))', stable: '(sub (gather:g ?x ?t) (logsumexp:r ?x))', fixes: ['Float32Overflow', 'DivisionByZero', 'LogOfZero', 'GuardedGradient'] },
  { rules: ['softmax-split'], fixes: ['Float32Overflow', 'DivisionByZero'] },
  { rules: ['logsumexp'], fixes: ['Float32Overflow', 'LogOfZero'] },
  { rules: ['log-prod'], fixes: ['LogOfZero', 'Float32Overflow'] },
  { rules: ['log-mul'], fixes: ['LogOfZero'] },
  { rules: ['log-sigmoid'], fixes: ['LogOfZero', 'GuardedGradient'] },
  { rules: ['log-1-sigmoid'], fixes: ['LogOfZero', 'Cancellation', 'GuardedGradient'] },
  // 1 - σ(x) = σ(-x), which keeps the digits of a small σ(-x) that the subtraction cancels.
  { naive: '(sub 1 (sigmoid ?x))', stable: '(sigmoid (neg ?x))', fixes: ['Cancellation'] },
  { rules: ['log1p', 'softplus'], fixes: ['Float32Overflow', 'LogOfOnePlusSmall'] },
  { rules: ['log-cosh'], fixes: ['Float32Overflow'] },
  { rules: ['log1p'], fixes: ['LogOfOnePlusSmall'] },
  { rules: ['log1p-neg'], fixes: ['LogOfOnePlusSmall'] },
  { rules: ['expm1'], fixes: ['Cancellation'] },
  // 1 - e^x = -(e^x - 1) = -expm1(x), accurate for small x.
  { naive: '(sub 1 (exp ?x))', stable: '(neg (expm1 ?x))', fixes: ['Cancellation'] },
  // max(‖x‖, eps) guards the value of the norm, not the infinite gradient of its sqrt at 0;
  // sqrt(max(‖x‖², eps²)) is the same value with a finite gradient.
  { naive: '(maximum (sqrt (sum:r (square ?x))) ?eps)', stable: '(sqrt (maximum (sum:r (pow ?x 2)) (pow ?eps 2)))', fixes: ['SqrtGradientAtZero'] },
  // The rule keeps the value exactly with two selects, which is the compiler's form, not one to
  // write: an epsilon inside the root does the same for the gradient.
  { rules: ['safe-norm'], write: '(sqrt (add (sum:r (pow ?x 2)) 1e-12))', fixes: ['SqrtGradientAtZero'] },
];

/** A row ready to match: its patterns (with x^2 for square) and the term to show. */
interface Form {
  readonly patterns: readonly Term[];
  readonly stable: Term;
  readonly conditions: readonly ConditionUse[];
  readonly fixes: readonly DiagnosticKind[];
}

export function ruleNamed(name: string): RewriteRule {
  const rule = RULES.find((r) => r.name === name);
  if (!rule) throw new Error(`internal: naive form names '${name}', which is not a rewrite rule`);
  return rule;
}

function compile(row: NaiveRow): Form {
  if ('naive' in row) return { patterns: squareVariants(parseTerm(row.naive)), stable: parseTerm(row.stable), conditions: [], fixes: row.fixes };
  const [first, ...rest] = row.rules.map(ruleNamed);
  const rule = rest.reduce((r, next) => {
    const c = composeRules(r, next);
    if (!c) throw new Error(`internal: rule '${next.name}' does not follow '${r.name}' in a naive form`);
    return c;
  }, first!);
  return { patterns: squareVariants(rule.pattern), stable: row.write ? parseTerm(row.write) : rule.replacement, conditions: rule.conditions, fixes: row.fixes };
}

/** `t`, and `t` with each `(square ?)` also written `(pow ? 2)`. */
function squareVariants(t: Term): Term[] {
  if (t.kind !== 'op') return [t];
  const argSets = t.args.reduce<Term[][]>((acc, a) => acc.flatMap((prefix) => squareVariants(a).map((v) => [...prefix, v])), [[]]);
  const same = argSets.map((args): Term => ({ ...t, args }));
  if (t.op !== 'square') return same;
  return [...same, ...argSets.map((args): Term => ({ kind: 'op', op: 'pow', attrs: [], args: [args[0]!, { kind: 'num', value: 2 }] }))];
}

let compiled: readonly Form[] | undefined;
const forms = (): readonly Form[] => (compiled ??= NAIVE_FORMS.map(compile));

export interface StableForm {
  /** The naive expression as it appears. */
  readonly naive: string;
  readonly stable: string;
}

/**
 * The naive form that fixes `kind` at `id` or at most `up` consumers above it; the farthest
 * first, since the largest naive expression has the best rewrite (log(exp(x) / Σ exp(x)) is
 * log_softmax, not log of softmax).
 */
export function naiveFormAround(fn: IrFunction, ranges: RangeAnalysis, id: NodeId, kind: DiagnosticKind, consumers: ReadonlyMap<NodeId, readonly NodeId[]>, up = 2, quote?: Quote): StableForm | undefined {
  const levels: NodeId[][] = [[id]];
  for (let k = 0; k < up; k++) levels.push([...new Set(levels[k]!.flatMap((n) => [...(consumers.get(n) ?? [])]))]);
  const node = (n: NodeId): IrNode => fn.nodes[n]!;
  const ctx: ConditionContext = { range: (n) => ranges.range(n), mayBeNaN: (n) => ranges.mayBeNaN(n), type: (n) => node(n).type, node };
  for (const level of levels.reverse()) {
    for (const at of level) {
      for (const form of forms()) {
        if (!form.fixes.includes(kind)) continue;
        for (const pattern of form.patterns) {
          const env = matchTerm(pattern, at, node, EMPTY_BINDINGS).find((e) => conditionsHold(form.conditions, e, ctx));
          const stable = env && show(fn, form.stable, env, quote);
          if (stable) return { naive: render(fn, at, quote), stable };
        }
      }
    }
  }
  return undefined;
}

/** The stable term as source text around the matched subexpressions, or undefined when it does not build. */
function show(fn: IrFunction, term: Term, env: Bindings, quote?: Quote): string | undefined {
  const b = new IrBuilder(fn.nodes);
  let id: NodeId;
  try {
    id = instantiate(term, env, b, undefined, false, false);
  } catch {
    return undefined; // operands that do not line up
  }
  return renderAround({ ...fn, nodes: b.nodes }, id, Object.values(env.nodes), quote);
}
