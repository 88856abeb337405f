// Composing rewrite rules (src/opt/compose.ts): the rule that does two rewrites in one step,
// and term-against-term matching.
import { describe, expect, it } from 'vitest';
import { composeRules, matchTerms, sameTerm } from '../src/opt/compose.js';
import { parseTerm } from '../src/opt/pattern.js';
import { compileRule, RULES } from '../src/opt/rules.js';

const rule = (name: string) => RULES.find((r) => r.name === name)!;

describe('composeRules', () => {
  it.each([
    ['log1p', 'softplus', '(log (add 1 (exp ?x)))', '(softplus ?x)'],
    ['softmax', 'log-softmax', '(log (div (exp ?x) (sum:r (exp ?x))))', '(log_softmax:r ?x)'],
    ['pow-2', 'safe-norm', '(sqrt (sum:r (pow ?x 2)))', '(select (eq (sum:r (square ?x)) 0) 0 (sqrt (select (eq (sum:r (square ?x)) 0) 1 (sum:r (square ?x)))))'],
  ])('%s then %s is %s → %s', (first, then, pattern, replacement) => {
    const c = composeRules(rule(first), rule(then))!;
    expect(sameTerm(c.pattern, parseTerm(pattern))).toBe(true);
    expect(sameTerm(c.replacement, parseTerm(replacement))).toBe(true);
  });

  it('keeps the conditions of both, on the names of the composed pattern', () => {
    expect(composeRules(rule('softmax'), rule('log-softmax'))!.conditions).toEqual([{ name: 'one-axis', arg: 'r' }]);
  });

  it('is undefined when the first replacement is no part of the second pattern', () => {
    expect(composeRules(rule('log-sigmoid'), rule('softplus'))).toBeUndefined();
  });

  it('renames apart what the first rule drops', () => {
    const drop = compileRule(['drop', '(mul ?y (exp ?x))', '(exp ?x)', 'algebra', '', '']);
    const c = composeRules(drop, rule('log-exp'))!;
    expect(sameTerm(c.pattern, parseTerm('(log (mul ?drop/y (exp ?x)))'))).toBe(true);
  });
});

describe('matchTerms', () => {
  it('binds a variable to a whole subterm, the same one each time', () => {
    expect(matchTerms(parseTerm('(sub ?x ?x)'), parseTerm('(sub (exp ?a) (exp ?a))'))).toBeDefined();
    expect(matchTerms(parseTerm('(sub ?x ?x)'), parseTerm('(sub (exp ?a) (exp ?b))'))).toBeUndefined();
  });

  it('matches commutative operands either way round and binds attribute names', () => {
    expect(matchTerms(parseTerm('(add 1 ?x)'), parseTerm('(add (exp ?y) 1)'))).toBeDefined();
    expect(matchTerms(parseTerm('(sum:r ?x)'), parseTerm('(sum:s ?y)'))!.attrs.get('r')).toBe('s');
  });
});
