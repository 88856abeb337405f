// Rules composed: the one rule that rewrites in a single step what `first` and then `then`
// rewrite in two. log1p then softplus is `(log (add 1 (exp ?x)))` → `(softplus ?x)`: the part
// of softplus's pattern that log1p's replacement matches, `(log1p (exp ?x))`, is replaced by
// what log1p rewrote it from. Used to name a naive formula by the rules that fix it
// (stability/naive-forms.ts). Terms are matched against terms here, not against the IR.

import { COMMUTATIVE } from './match.js';
import { termSize, type Term } from './pattern.js';
import type { RewriteRule } from './rules.js';

/** What a term's variables and attribute names stand for in another term. */
export interface TermSubst {
  readonly vars: ReadonlyMap<string, Term>;
  readonly attrs: ReadonlyMap<string, string>;
}

const EMPTY: TermSubst = { vars: new Map(), attrs: new Map() };

export function sameTerm(a: Term, b: Term): boolean {
  if (a.kind === 'var') return b.kind === 'var' && a.name === b.name;
  if (a.kind === 'num') return b.kind === 'num' && Object.is(a.value, b.value);
  return b.kind === 'op' && a.op === b.op && a.attrs.join('+') === b.attrs.join('+') && a.args.length === b.args.length && a.args.every((x, i) => sameTerm(x, b.args[i]!));
}

/**
 * How `pattern` matches the term `subject` (a variable of the pattern stands for any subterm,
 * the same one each time; commutative ops match either way round), or undefined.
 */
export function matchTerms(pattern: Term, subject: Term, s: TermSubst = EMPTY): TermSubst | undefined {
  switch (pattern.kind) {
    case 'var': {
      const bound = s.vars.get(pattern.name);
      if (bound) return sameTerm(bound, subject) ? s : undefined;
      return { ...s, vars: new Map(s.vars).set(pattern.name, subject) };
    }
    case 'num':
      return subject.kind === 'num' && Object.is(subject.value, pattern.value) ? s : undefined;
    case 'op': {
      if (subject.kind !== 'op' || subject.op !== pattern.op || subject.args.length !== pattern.args.length) return undefined;
      let start = s;
      const name = pattern.attrs[0];
      if (name !== undefined) {
        // Named attributes stand for the subject's (one name each: a union `r+s` is not split).
        if (pattern.attrs.length > 1 || subject.attrs.length !== 1) return undefined;
        const bound = s.attrs.get(name);
        if (bound !== undefined && bound !== subject.attrs[0]) return undefined;
        start = { ...s, attrs: new Map(s.attrs).set(name, subject.attrs[0]!) };
      }
      const orders = COMMUTATIVE.has(pattern.op) ? [subject.args, [...subject.args].reverse()] : [subject.args];
      for (const args of orders) {
        let at: TermSubst | undefined = start;
        for (let i = 0; i < args.length && at; i++) at = matchTerms(pattern.args[i]!, args[i]!, at);
        if (at) return at;
      }
      return undefined;
    }
  }
}

/** `t` with its variables and attribute names replaced; those `s` does not name get `prefix`. */
function substitute(t: Term, s: TermSubst, prefix: string): Term {
  switch (t.kind) {
    case 'var':
      return s.vars.get(t.name) ?? { kind: 'var', name: prefix + t.name };
    case 'num':
      return t;
    case 'op':
      return { ...t, attrs: t.attrs.map((a) => s.attrs.get(a) ?? prefix + a), args: t.args.map((a) => substitute(a, s, prefix)) };
  }
}

/** `t` with the subterm at `path` (argument positions from the root) replaced by `by`. */
function replaceAt(t: Term, path: readonly number[], by: Term): Term {
  if (path.length === 0 || t.kind !== 'op') return by;
  const [i, ...rest] = path;
  return { ...t, args: t.args.map((a, k) => (k === i ? replaceAt(a, rest, by) : a)) };
}

/** Every op subterm of `t` with its path, outermost first. */
function subterms(t: Term, path: number[] = []): [Term, number[]][] {
  if (t.kind !== 'op') return [];
  return [[t, path], ...t.args.flatMap((a, i) => subterms(a, [...path, i]))];
}

/**
 * The rule `first` then `then`, or undefined when `first`'s replacement matches no part of
 * `then`'s pattern (or a condition of `first` would apply to a whole subterm).
 */
export function composeRules(first: RewriteRule, then: RewriteRule): RewriteRule | undefined {
  for (const [part, path] of subterms(then.pattern)) {
    const s = matchTerms(first.replacement, part);
    if (!s) continue;
    // A condition names a variable or attributes: it must still name one.
    const conditions = [];
    for (const c of first.conditions) {
      const v = s.vars.get(c.arg);
      const a = s.attrs.get(c.arg);
      if (v && v.kind !== 'var') return undefined;
      const w = c.other === undefined ? undefined : s.vars.get(c.other);
      if (w && w.kind !== 'var') return undefined;
      const attrs = c.attrs === undefined ? {} : { attrs: s.attrs.get(c.attrs) ?? `${first.name}/${c.attrs}` };
      const other = c.other === undefined ? {} : { other: w?.kind === 'var' ? w.name : `${first.name}/${c.other}` };
      conditions.push({ ...c, arg: v?.kind === 'var' ? v.name : (a ?? `${first.name}/${c.arg}`), ...attrs, ...other });
    }
    // Names of `first` that its replacement drops are renamed apart from `then`'s.
    const pattern = replaceAt(then.pattern, path, substitute(first.pattern, s, `${first.name}/`)) as RewriteRule['pattern'];
    return {
      name: `${first.name}, ${then.name}`,
      pattern,
      replacement: then.replacement,
      category: then.category,
      conditions: [...conditions, ...then.conditions],
      derivation: `${first.derivation}; then ${then.derivation}`,
      size: termSize(pattern),
    };
  }
  return undefined;
}
