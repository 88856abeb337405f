// Equivalent stable forms whose cost depends on the backend and on what the graph computes
// anyway, as data: one row per pair. Unlike the rewrite rules, neither side is better in
// general: the choice pass (choose.ts) picks, at each node, the side the measured cost model
// (op-costs.ts) says is cheaper. On wasm, tf.softmax is one fused kernel (2 ms per 1M
// elements) and exp 9 ms, so a backward pass recomputes softmax; on cpu softmax costs 200 ms
// and exp 15 ms, so it exponentiates the log-softmax the forward pass kept.

import { parseTerm, termAttrNames, termVars, type Term } from './pattern.js';

export type ChoiceRow = readonly [name: string, one: string, other: string, why: string];

const TABLE: readonly ChoiceRow[] = [
  ['softmax-from-log-softmax', '(softmax:r ?x)', '(exp (log_softmax:r ?x))', 'softmax(x) = e^(log softmax(x)), both accurate: e^ of a log-probability is a probability'],
  ['sigmoid-from-log-sigmoid', '(sigmoid ?x)', '(exp (log_sigmoid ?x))', 'σ(x) = e^(log σ(x)), both accurate'],
  // tf.maximum is a slow kernel on wasm (18 ms per 1M elements against 0.3 for tf.relu).
  ['relu-for-max-zero',        '(maximum ?x 0)', '(relu ?x)', 'max(x, 0) = relu(x), NaN included; both have gradient 0 at the kink'],
  ['relu-for-min-zero',        '(minimum ?x 0)', '(neg (relu (neg ?x)))', 'min(x, 0) = -max(-x, 0), NaN included'],
];

export interface Choice {
  readonly name: string;
  readonly one: Term & { readonly kind: 'op' };
  readonly other: Term & { readonly kind: 'op' };
  readonly why: string;
}

function compileChoice([name, one, other, why]: ChoiceRow): Choice {
  const a = parseTerm(one);
  const b = parseTerm(other);
  if (a.kind !== 'op' || b.kind !== 'op') throw new Error(`choice ${name}: both forms must start with an op`);
  const same = (x: Set<string>, y: Set<string>): boolean => x.size === y.size && [...x].every((v) => y.has(v));
  if (!same(termVars(a), termVars(b)) || !same(termAttrNames(a), termAttrNames(b))) throw new Error(`choice ${name}: both forms must bind the same names`);
  return { name, one: a, other: b, why };
}

export const CHOICES: readonly Choice[] = TABLE.map(compileChoice);
