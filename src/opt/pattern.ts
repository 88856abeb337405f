// The notation of the rule table: terms written as s-expressions over the IR's op names, as
// egg writes them: `(log (sum:r (exp ?x)))`.
//   ?x        any node (the same name twice = the same node; hash-consing makes that
//             structural equality)
//   2, -0.5   a constant node with that value
//   (op:r …)  a node of that op with exactly these operands; `:r` names its attributes
//             (reduction axes, softmax axis, gather axis) so the other side can reuse them.
//             On a right-hand side `:r+s` is the union of the axes of r and s, and
//             `:?a-?b` the axes of ?a's node that ?b's lacks (?a's free axes in a pair).

import { OPS, type OpName } from '../ir/ops.js';

export type Term =
  | { readonly kind: 'var'; readonly name: string }
  | { readonly kind: 'num'; readonly value: number }
  | { readonly kind: 'op'; readonly op: OpName; readonly attrs: readonly string[]; readonly args: readonly Term[] };

/** Parses one term; throws on a malformed rule (a bug in the table, caught by the tests). */
export function parseTerm(text: string): Term {
  const tokens = text.match(/[()]|[^\s()]+/g) ?? [];
  let pos = 0;
  const next = (): string => {
    const t = tokens[pos++];
    if (t === undefined) throw new Error(`rule term '${text}' ends early`);
    return t;
  };
  const term = (): Term => {
    const t = next();
    if (t === '(') {
      const [op, attrText] = next().split(':');
      if (!op || !Object.prototype.hasOwnProperty.call(OPS, op)) throw new Error(`rule term '${text}': unknown op '${op}'`);
      const args: Term[] = [];
      while (tokens[pos] !== ')') args.push(term());
      pos++;
      return { kind: 'op', op: op as OpName, attrs: attrText ? attrText.split('+') : [], args };
    }
    if (t.startsWith('?')) return { kind: 'var', name: t.slice(1) };
    const value = Number(t);
    if (t === ')' || Number.isNaN(value)) throw new Error(`rule term '${text}': unexpected '${t}'`);
    return { kind: 'num', value };
  };
  const result = term();
  if (pos !== tokens.length) throw new Error(`rule term '${text}' has text after its end`);
  return result;
}

/** `?a-?b`: an attribute computed from the axes of two bound nodes (right-hand sides only). */
const AXES_DIFFERENCE = /^\?(\w+)-\?(\w+)$/;

/** The two variables of a computed attribute `?a-?b`, or undefined for a bound name. */
export function axesDifference(attr: string): readonly [string, string] | undefined {
  const m = AXES_DIFFERENCE.exec(attr);
  return m ? [m[1]!, m[2]!] : undefined;
}

/** Number of op and constant nodes: a larger pattern is more specific and is tried first. */
export function termSize(t: Term): number {
  return t.kind === 'op' ? 1 + t.args.reduce((n, a) => n + termSize(a), 0) : t.kind === 'num' ? 1 : 0;
}

export function termVars(t: Term, out = new Set<string>()): Set<string> {
  if (t.kind === 'var') out.add(t.name);
  if (t.kind === 'op') {
    for (const a of t.attrs) axesDifference(a)?.forEach((v) => out.add(v));
    t.args.forEach((a) => termVars(a, out));
  }
  return out;
}

export function termAttrNames(t: Term, out = new Set<string>()): Set<string> {
  if (t.kind === 'op') {
    t.attrs.filter((a) => !axesDifference(a)).forEach((a) => out.add(a));
    t.args.forEach((a) => termAttrNames(a, out));
  }
  return out;
}
