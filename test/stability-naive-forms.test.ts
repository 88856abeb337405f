// The naive forms behind the fixes of stability findings (src/stability/naive-forms.ts): a row
// that names rewrite rules names rules that exist and compose; a row of its own is a form no
// rule rewrites; and the fix each form suggests, for a program written the naive way, is the
// text below and is valid source that checks in place of the naive text.
import { describe, expect, it } from 'vitest';
import { check } from '../src/api.js';
import { composeRules, matchTerms } from '../src/opt/compose.js';
import { parseTerm } from '../src/opt/pattern.js';
import { RULES } from '../src/opt/rules.js';
import { NAIVE_FORMS, ruleNamed } from '../src/stability/naive-forms.js';

describe('naive-form rows', () => {
  const named = NAIVE_FORMS.flatMap((f) => ('rules' in f ? [f] : []));
  const own = NAIVE_FORMS.flatMap((f) => ('naive' in f ? [f] : []));

  it.each(named.map((f) => [f.rules.join(', '), f] as const))('%s: rules of the table, each following the one before', (_, f) => {
    for (const name of f.rules) expect(RULES.map((r) => r.name)).toContain(name);
    const rules = f.rules.map(ruleNamed);
    expect(rules.slice(1).reduce((r, next) => r && composeRules(r, next), rules[0])).toBeDefined();
  });

  it.each(own.map((f) => [f.naive, f] as const))('%s: no rule rewrites it', (_, f) => {
    const pattern = parseTerm(f.naive);
    expect(RULES.filter((r) => matchTerms(r.pattern, pattern)).map((r) => r.name)).toEqual([]);
  });

  it('most rows name rules', () => {
    expect(named.length).toBeGreaterThanOrEqual(11);
  });
});

// [the loss, the naive text the fix names, the stable text it suggests]
const FIXES: readonly (readonly [string, string, string])[] = [
  ['loss f(x: [N, C]) = mean(log(exp(x) / sum(exp(x), C)))',                    'log(exp(x) / sum(exp(x), C))',            'log_softmax(x, C)'],
  ['loss f(x: [N, C]) = mean(log(exp(2 * x) / sum(exp(2 * x), C)))',            'log(exp(2 * x) / sum(exp(2 * x), C))',    'log_softmax(2 * x, C)'],
  ['loss f(x: [N, C]) = mean(exp(x - 1) / sum(exp(x - 1), C))',                 'exp(x - 1) / sum(exp(x - 1), C)',         'softmax(x - 1, C)'],
  ['loss f(x: [N, C]) = mean(log(sum(exp(x), C)))',                             'log(sum(exp(x), C))',                     'logsumexp(x, C)'],
  ['loss f(x: [N, C]) = log(sum(exp(x)))',                                      'log(sum(exp(x)))',                        'logsumexp(x)'],
  ['loss f(x: [...]) = mean(log(sum(exp(x))))',                                 'log(sum(exp(x)))',                        'logsumexp(x)'],
  ['loss f(x: [N], y: [N]) = -mean(log(sigmoid(x - y)))',                       'log(sigmoid(x - y))',                     'log_sigmoid(x - y)'],
  ['loss f(x: [N], y: [N]) = -mean(log(1 - sigmoid(x * y)))',                   'log(1 - sigmoid(x * y))',                 'log_sigmoid(-(x * y))'],
  ['loss f(x: [N], y: [N], w: [N] in [0, 1]) = mean(w * (1 - sigmoid(x + y)))', '1 - sigmoid(x + y)',                      'sigmoid(-(x + y))'],
  ['loss f(x: [N]) = mean(log(1 + exp(x)))',                                    'log(1 + exp(x))',                         'softplus(x)'],
  ['loss f(x: [N]) = mean(log(exp(x) + 1))',                                    'log(exp(x) + 1)',                         'softplus(x)'],
  ['loss f(x: [N], y: [N]) = mean(log(cosh(x * y)))',                           'log(cosh(x * y))',                        'abs(x * y) + softplus(-2 * abs(x * y)) - log(2)'],
  ['loss f(x: [N] in [0, inf), y: [N] in [0, inf)) = mean(log(1 + x * y))',     'log(1 + x * y)',                          'log1p(x * y)'],
  ['loss f(x: [N] in [0, 1)) = mean(log(1 - x))',                               'log(1 - x)',                              'log1p(-x)'],
  ['loss f(x: [N] in [-1, 1]) = mean(exp(x) - 1)',                              'exp(x) - 1',                              'expm1(x)'],
  ['loss f(x: [N] in [-1, 1], y: [N] in [-1, 1]) = mean(1 - exp(x * y))',       '1 - exp(x * y)',                          '-expm1(x * y)'],
  ['loss f(a: [N, D], p: [N, D]) = mean(max(norm(a - p, D), 1e-8))',            'max(norm(a - p, D), 1e-8)',               'sqrt(max(sum((a - p)^2, D), 1e-8^2))'],
  ['loss f(a: [N, D], eps: real in (0, 1) = 0.001) = mean(max(eps, sqrt(sum(a^2, D))))', 'max(eps, sqrt(sum(a^2, D)))',  'sqrt(max(sum(a^2, D), eps^2))'],
  ['loss f(a: [N, D], p: [N, D]) = mean(sqrt(sum((a - p)^2, D)))',              'sqrt(sum((a - p)^2, D))',                 'sqrt(sum((a - p)^2, D) + 1e-12)'],
  ['loss f(e: [N, D]) = mean(dist)\n  where dist[i, j] = norm(e[i] - e[j], D)', 'norm(e[i] - e[j], D)',                    'sqrt(sum((e[i] - e[j])^2, D) + 1e-12)'],
  // Split across bindings, a gather or a diagonal: the positive term apart from the logsumexp.
  ['loss f(a: [N, D], b: [N, D], t: real in (0, inf) = 0.01) = -mean(log(exp(p / t) / sum(exp(s[i, j] / t), j)))\n  where s[i, j] = dot(a[i], b[j], D)\n        p[i] = s[i, i]',
                                                                                 'log(exp(p / t) / sum(exp(s[i, j] / t), j))', 'p / t - logsumexp(s[i, j] / t, j)'],
  ['loss f(x: [N, C], t: index[N] of C) = -mean(log(e[t] / z))\n  where e = exp(x)\n        z = sum(e, C)', 'log(e[t] / z)',         'x[t] - logsumexp(x, C)'],
  ['loss f(x: [N, C], t: index[N] of C) = -mean(log(exp(x)[t] / sum(exp(x), C)))', 'log(exp(x)[t] / sum(exp(x), C))',         'x[t] - logsumexp(x, C)'],
  ['loss f(p: [N, D] in (0, inf)) = -mean(log(prod(p, D)))',                     'log(prod(p, D))',                         'sum(log(p), D)'],
];

describe('the fix a naive form suggests', () => {
  it.each(FIXES)('%s', (source, naive, stable) => {
    const notes = check(source, 'naive.loss', { optimize: false }).diagnostics.flatMap((d) => d.notes ?? []);
    expect(notes).toContain(`fix: write ${stable} instead of ${naive}`);
    // The suggestion checks where the naive text was.
    expect(source).toContain(naive);
    const fixed = check(source.replace(naive, stable), 'fixed.loss', { optimize: false });
    expect(fixed.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
  });

  it('a softmax over two axes has no one-axis stable form: the generic fix instead', () => {
    const notes = check('loss f(x: [N, C, D]) = mean(exp(x) / sum(exp(x), (C, D)))', 'naive.loss', { optimize: false }).diagnostics.flatMap((d) => d.notes ?? []);
    expect(notes.length).toBeGreaterThan(0);
    expect(notes.filter((n) => n.startsWith('fix: write softmax'))).toEqual([]);
  });
});
