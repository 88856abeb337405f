// Naive formulas and their stable rewrites, as data: when a finding sits in (or just below)
// one of these, its fix names the stable form instead of a generic clamp. Patterns are written
// over IR ops: `?x` matches any subexpression (the same one each time it appears), a number a
// constant; `sum` matches a sum over any axes, `square` also matches `^2`, and `add` and `mul`
// match either operand order. Each row's comment is the derivation of its stable form.

import type { DiagnosticKind } from '../diagnostics/codes.js';
import type { IrFunction, IrNode, NodeId } from '../ir/types.js';
import { render } from './render.js';

interface NaiveForm {
  readonly naive: string;
  /** `?x` is replaced by the matched text, `{axes}` by the axes of the matched reduction. */
  readonly stable: string;
  /** The findings the rewrite removes (log1p does not help a log of a negative number). */
  readonly fixes: readonly DiagnosticKind[];
}

export const NAIVE_FORMS: readonly NaiveForm[] = [
  // log(e^x / Σe^x) = x - logsumexp(x): no exp of a large x, no log of an underflowed 0.
  { naive: 'log(div(exp(?x), sum(exp(?x))))', stable: 'log_softmax(?x, {axes})', fixes: ['Float32Overflow', 'DivisionByZero', 'LogOfZero', 'GuardedGradient'] },
  // e^x / Σe^x = e^(x - max) / Σe^(x - max): the shift keeps every exp in [0, 1].
  { naive: 'div(exp(?x), sum(exp(?x)))', stable: 'softmax(?x, {axes})', fixes: ['Float32Overflow', 'DivisionByZero'] },
  { naive: 'log(softmax(?x))', stable: 'log_softmax(?x, {axes})', fixes: ['LogOfZero', 'GuardedGradient'] },
  // log Σe^x = m + log Σe^(x - m) with m = max x.
  { naive: 'log(sum(exp(?x)))', stable: 'logsumexp(?x, {axes})', fixes: ['Float32Overflow', 'LogOfZero'] },
  // log(σ(x)) = -log(1 + e^-x) = -softplus(-x), never log(0).
  { naive: 'log(sigmoid(?x))', stable: 'log_sigmoid(?x)', fixes: ['LogOfZero', 'GuardedGradient'] },
  // 1 - σ(x) = σ(-x), so log(1 - σ(x)) = log_sigmoid(-x).
  { naive: 'log(sub(1, sigmoid(?x)))', stable: 'log_sigmoid(-?x)', fixes: ['LogOfZero', 'Cancellation', 'GuardedGradient'] },
  { naive: 'sub(1, sigmoid(?x))', stable: 'sigmoid(-?x)', fixes: ['Cancellation'] },
  // log(1 + e^x) = max(x, 0) + log(1 + e^-|x|).
  { naive: 'log(add(1, exp(?x)))', stable: 'softplus(?x)', fixes: ['Float32Overflow', 'LogOfOnePlusSmall'] },
  // log cosh x = |x| + log(1 + e^-2|x|) - log 2, with no cosh to overflow.
  { naive: 'log(cosh(?x))', stable: 'abs(?x) + softplus(-2 * abs(?x)) - log(2)', fixes: ['Float32Overflow'] },
  // log1p and expm1 keep the digits of a small x that 1 + x rounds away.
  { naive: 'log(add(1, ?x))', stable: 'log1p(?x)', fixes: ['LogOfOnePlusSmall'] },
  { naive: 'log(sub(1, ?x))', stable: 'log1p(-?x)', fixes: ['LogOfOnePlusSmall'] },
  { naive: 'sub(exp(?x), 1)', stable: 'expm1(?x)', fixes: ['Cancellation'] },
  { naive: 'sub(1, exp(?x))', stable: '-expm1(?x)', fixes: ['Cancellation'] },
  // max(‖x‖, eps) guards the value of the norm, not the infinite gradient of its sqrt at 0;
  // sqrt(max(‖x‖², eps²)) is the same value with a finite gradient.
  { naive: 'maximum(sqrt(sum(square(?x))), ?eps)', stable: 'sqrt(max(sum(?x^2, {axes}), ?eps^2))', fixes: ['SqrtGradientAtZero'] },
  // ‖x‖ has an infinite gradient at 0; the squared norm or an epsilon inside does not.
  { naive: 'sqrt(sum(square(?x)))', stable: 'sqrt(sum(?x^2, {axes}) + 1e-12)', fixes: ['SqrtGradientAtZero'] },
];

type Pattern = { readonly kind: 'var'; readonly name: string } | { readonly kind: 'num'; readonly value: number } | { readonly kind: 'op'; readonly op: string; readonly args: readonly Pattern[] };

function parse(text: string): Pattern {
  let pos = 0;
  const term = (): Pattern => {
    const m = /^\s*(\?\w+|-?[\d.]+(?:e-?\d+)?|\w+)\s*/.exec(text.slice(pos));
    if (!m) throw new Error(`internal: bad naive-form pattern '${text}' at ${pos}`);
    pos += m[0].length;
    const tok = m[1]!;
    if (tok.startsWith('?')) return { kind: 'var', name: tok.slice(1) };
    if (/^-?[\d.]/.test(tok)) return { kind: 'num', value: Number(tok) };
    const args: Pattern[] = [];
    if (text[pos] === '(') {
      pos++;
      do args.push(term());
      while (text[pos] === ',' && ++pos);
      if (text[pos++] !== ')') throw new Error(`internal: bad naive-form pattern '${text}'`);
      while (text[pos] === ' ') pos++;
    }
    return { kind: 'op', op: tok, args };
  };
  return term();
}

const PARSED = NAIVE_FORMS.map((f) => ({ form: f, pattern: parse(f.naive) }));
const COMMUTATIVE = new Set(['add', 'mul']);

interface Match {
  readonly vars: Map<string, NodeId>;
  reduce?: IrNode;
}

function match(fn: IrFunction, p: Pattern, id: NodeId, m: Match): boolean {
  const node = fn.nodes[id]!;
  if (p.kind === 'var') {
    const bound = m.vars.get(p.name);
    if (bound !== undefined) return bound === id;
    m.vars.set(p.name, id);
    return true;
  }
  if (p.kind === 'num') return node.op === 'const' && node.attrs.value === p.value;
  if (p.op === 'square' && node.op === 'pow') return match(fn, { kind: 'num', value: 2 }, node.args[1]!, m) && match(fn, p.args[0]!, node.args[0]!, m);
  if (node.op !== p.op || node.args.length !== p.args.length) return false;
  if (OPS_REDUCE.has(node.op)) m.reduce ??= node;
  const orders = COMMUTATIVE.has(node.op) ? [[0, 1], [1, 0]] : [p.args.map((_, i) => i)];
  for (const order of orders) {
    const trial: Match = { vars: new Map(m.vars), ...(m.reduce ? { reduce: m.reduce } : {}) };
    if (order.every((k, i) => match(fn, p.args[i]!, node.args[k]!, trial))) {
      trial.vars.forEach((v, k) => m.vars.set(k, v));
      if (trial.reduce) m.reduce = trial.reduce;
      return true;
    }
  }
  return false;
}

const OPS_REDUCE = new Set(['sum', 'mean', 'max', 'min', 'prod', 'logsumexp']);

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
export function naiveFormAround(fn: IrFunction, id: NodeId, kind: DiagnosticKind, consumers: ReadonlyMap<NodeId, readonly NodeId[]>, up = 2): StableForm | undefined {
  const levels: NodeId[][] = [[id]];
  for (let k = 0; k < up; k++) levels.push([...new Set(levels[k]!.flatMap((n) => [...(consumers.get(n) ?? [])]))]);
  for (const level of levels.reverse()) {
    for (const at of level) {
      for (const { form, pattern } of PARSED) {
        const m: Match = { vars: new Map() };
        if (!form.fixes.includes(kind) || !match(fn, pattern, at, m)) continue;
        const axes = m.reduce?.attrs.axes ?? [];
        // A placeholder that is a whole argument needs no parentheses.
        const stable = form.stable
          .replace(/(.)?\?(\w+)(.)?/g, (_, before: string | undefined, v: string, after: string | undefined) => {
            const t = render(fn, m.vars.get(v)!);
            const whole = (before === '(' || before === ' ') && (after === ')' || after === ',');
            return `${before ?? ''}${whole ? t : wrap(t)}${after ?? ''}`;
          })
          .replace('{axes}', axes.length === 1 ? axes[0]! : `(${axes.join(', ')})`);
        return { naive: render(fn, at), stable };
      }
    }
  }
  return undefined;
}

/** Parentheses around a substituted expression unless it is a name, a call or an index. */
function wrap(text: string): string {
  const head = /^[\w.]+/.exec(text)?.[0] ?? '';
  if (head.length === text.length) return text;
  let depth = 0;
  for (let i = head.length; i < text.length; i++) {
    const c = text[i]!;
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    // Closed before the end: `f(a) + g(b)` is not one call.
    if (depth === 0 && i < text.length - 1 && text[i + 1] !== '[') return `(${text})`;
  }
  return head.length > 0 && depth === 0 ? text : `(${text})`;
}
