// The rewrite rules, as data: one row per rule. The engine (engine.ts) applies them bottom-up
// to a fixed point; at each node the most specific matching pattern wins, so the order of the
// rows does not matter. Notation of the terms: pattern.ts; conditions: conditions.ts.
// Categories: `algebra` (exact identities), `stability` (same value in exact arithmetic,
// finite where the written form overflows, underflows or has a NaN gradient), `cost` (fewer
// or cheaper ops). Every row is checked numerically, before against after, in test/opt-rules.

import { parseConditions, type ConditionUse } from './conditions.js';
import { parseTerm, termAttrNames, termSize, termVars, type Term } from './pattern.js';

export type RuleCategory = 'algebra' | 'stability' | 'cost';

export type RuleRow = readonly [name: string, pattern: string, replacement: string, category: RuleCategory, when: string, why: string];

const TABLE: readonly RuleRow[] = [
  // name                  pattern                                        replacement                               category     condition           derivation
  ['log-sigmoid',          '(log (sigmoid ?x))',                          '(log_sigmoid ?x)',                       'stability', '',                 'log σ(x) = -softplus(-x); σ(x) rounds to 0 for x below about -104 (float32)'],
  ['log-1-sigmoid',        '(log (sub 1 (sigmoid ?x)))',                  '(log_sigmoid (neg ?x))',                 'stability', '',                 '1 - σ(x) = σ(-x), so log(1 - σ(x)) = -softplus(x); 1 - σ(x) rounds to 0 for x above about 17'],
  ['log-gather-sigmoid',   '(log (gather:g (sigmoid ?x) ?t))',            '(gather:g (log_sigmoid ?x) ?t)',         'stability', '',                 'log commutes with picking entries; then log σ = log_sigmoid'],
  // Not TF's relu(x) - x·y + log1p(e^-|x|): the kinks of relu and |x| cancel in value but not
  // in the gradient, which at x = 0 (zero-initialised logits) would be -y instead of ½ - y.
  ['bce-logits',           '(add (mul ?y (log_sigmoid ?x)) (mul (sub 1 ?y) (log_sigmoid (neg ?x))))', '(sub (mul ?y ?x) (softplus ?x))', 'stability', '', 'log σ(x) = x - softplus(x), log σ(-x) = -softplus(x): y·log σ(x) + (1-y)·log σ(-x) = x·y - softplus(x)'],
  ['neg-log-sigmoid-neg',  '(neg (log_sigmoid (neg ?x)))',                '(softplus ?x)',                          'cost',      '',                 '-log σ(-x) = softplus(x) by definition'],
  ['log-softmax',          '(log (softmax:r ?x))',                        '(log_softmax:r ?x)',                     'stability', '',                 'log(exp(x - m) / Σ exp(x - m)) = x - logsumexp(x); softmax rounds to 0 for logits far below the max'],
  ['log-gather-softmax',   '(log (gather:g (softmax:r ?x) ?t))',          '(gather:g (log_softmax:r ?x) ?t)',       'stability', '',                 'log commutes with picking the target class: -log(softmax(x)[t]) = -log_softmax(x)[t]'],
  ['log-pick-softmax',     '(log (pick:k (softmax:r ?x)))',               '(pick:k (log_softmax:r ?x))',            'stability', '',                 'log commutes with picking one position'],
  ['softmax',              '(div (exp ?x) (sum:r (exp ?x)))',             '(softmax:r ?x)',                         'stability', 'one-axis r',       'exp(x) / Σ exp(x) = exp(x - m) / Σ exp(x - m) for m = max x: exp overflows float32 above 88.7'],
  // The positive term of a contrastive loss picked out of the same logits, or any other
  // numerator: e^a / Σ e^x = e^(a - logsumexp(x)) for every a. Written apart from the sum
  // (a binding `pos = s[i, i]`, a gather) it is no softmax, and e^(s/τ) overflows for a
  // cosine of 1 at τ = 0.01 (inf/inf). With a log around it, log-exp leaves a - logsumexp(x).
  ['softmax-split',        '(div (exp ?a) (sum:r (exp ?x)))',             '(exp (sub ?a (logsumexp:r ?x)))',        'stability', '',                 'e^a / Σ e^x = e^a / e^logsumexp(x) = e^(a - logsumexp(x)); logsumexp shifts by the max, and a picked from x is at most logsumexp(x)'],
  // The target logit picked out of the same logits (exp(x)[t] once gather-exp has moved the
  // exp inside): softmax then picked, whose log is log_softmax picked. x[t] - logsumexp(x)
  // would be the same number, but rounds log 2 away at logits of 1e8 (1e8 + 0.69 = 1e8).
  ['softmax-gather',       '(div (exp (gather:g ?x ?t)) (sum:r (exp ?x)))', '(gather:g (softmax:r ?x) ?t)',          'stability', 'one-axis r',       'e^x[t] / Σ e^x = softmax(x)[t], computed from x - max x'],
  // exp commutes with picking entries: moved inside, the picked logits meet the rules above.
  ['gather-exp',           '(gather:g (exp ?x) ?t)',                      '(exp (gather:g ?x ?t))',                 'cost',      '',                 'e^x picked at t is e^(x picked at t): one exp per picked entry'],
  ['pick-exp',             '(pick:k (exp ?x))',                           '(exp (pick:k ?x))',                      'cost',      '',                 'e^x at one position is e^(x at that position)'],
  ['rename-exp',           '(rename:k (exp ?x))',                         '(exp (rename:k ?x))',                    'cost',      '',                 'renaming an axis commutes with exp'],
  ['diagonal-exp',         '(sum:r (exp ?x) ?m)',                         '(exp (sum:r ?x ?m))',                    'cost',      'picks-one ?m r',   'a sum that selects exactly one element per row (the diagonal s[i, i]) is that element, and e^ of it is e^ of the element'],
  ['log-diagonal',         '(log (sum:r ?x ?m))',                         '(sum:r (log ?x) ?m)',                    'stability', 'picks-one ?m r',   'log commutes with picking one element per row: log(softmax(s)[i, i]) becomes log_softmax(s)[i, i]'],
  ['log-prod',             '(log (prod:r ?x))',                           '(sum:r (log ?x))',                       'stability', 'nonneg ?x',        'log Π x = Σ log x for x >= 0; the product overflows or underflows float32 long before the sum of logs does'],
  ['log-prod-masked',      '(log (prod:r ?x ?m))',                        '(sum:r (log ?x) ?m)',                    'stability', 'nonneg ?x & default-empty r', 'log Π x = Σ log x over the selected x >= 0; nothing selected: log 1 = 0, the empty sum'],
  ['log-mul',              '(log (mul ?a ?b))',                           '(add (log ?a) (log ?b))',                'stability', 'nonneg ?a & nonneg ?b & tiny ?a', 'log(a·b) = log a + log b for a, b >= 0 (0·∞ and -∞ + ∞ are both NaN); a·b underflows to 0 when a factor is tiny'],
  ['logsumexp',            '(log (sum:r (exp ?x)))',                      '(logsumexp:r ?x)',                       'stability', '',                 'log Σ exp(x) = m + log Σ exp(x - m) for m = max x'],
  ['log-cosh',             '(log (cosh ?x))',                             '(sub (add (abs ?x) (softplus (mul -2 (abs ?x)))) (log 2))', 'stability', '', 'cosh x = e^|x| (1 + e^-2|x|) / 2, so log cosh x = |x| + softplus(-2|x|) - log 2; cosh overflows float32 above 89'],
  ['log1p',                '(log (add 1 ?x))',                            '(log1p ?x)',                             'stability', '',                 '1 + x rounds away the digits of a small x'],
  ['log1p-neg',            '(log (sub 1 ?x))',                            '(log1p (neg ?x))',                       'stability', '',                 'log(1 - x) = log1p(-x), accurate for small x'],
  ['expm1',                '(sub (exp ?x) 1)',                            '(expm1 ?x)',                             'stability', '',                 'exp(x) - 1 cancels for small x'],
  ['softplus',             '(log1p (exp ?x))',                            '(softplus ?x)',                          'stability', '',                 'log(1 + e^x) = max(x, 0) + log1p(e^-|x|); e^x overflows float32 above 88.7'],
  ['sigmoid',              '(div 1 (add 1 (exp (neg ?x))))',              '(sigmoid ?x)',                           'stability', '',                 '1 / (1 + e^-x) has an inf/inf gradient when e^-x overflows'],
  ['sigmoid-neg',          '(div 1 (add 1 (exp ?x)))',                    '(sigmoid (neg ?x))',                     'stability', '',                 '1 / (1 + e^x) = σ(-x)'],
  // The double select keeps the gradient finite with ops every backend has (no custom op):
  // the outer one gives 0 where s = 0, the inner one keeps √ away from 0 there.
  ['safe-norm',            '(sqrt (sum:r (square ?x)))',                  '(select (eq (sum:r (square ?x)) 0) 0 (sqrt (select (eq (sum:r (square ?x)) 0) 1 (sum:r (square ?x)))))', 'stability', '', 'd√s/ds = ∞ at s = 0 gives 0·∞ = NaN; √ of 1 where s = 0 and the value 0 there: same value, gradient 0 (a subgradient)'],
  // Pairwise forms as contractions (XLA's dot-general): a[i, D]·b[j, D] summed over D is one
  // tf.matMul, never the [i, j, D] product. Derivatives of a contraction are contractions.
  ['contract',             '(sum:r (mul ?a ?b))',                         '(contract:r ?a ?b)',                     'cost',      'pairwise ?a ?b r', 'Σ_K a·b with a free axis on each side is a matrix product; the product tensor (free axes of both times K) is never formed'],
  // Squared distances by the Gram expansion, as torch.cdist's matmul path and every hand-written
  // metric-learning loss, after subtracting ?a's mean over its free axes from both sides
  // (distances do not change). In float32 the difference of ‖a‖² + ‖b‖² and 2a·b cancels: its
  // absolute error is about 1e-7·(‖a‖² + ‖b‖²), so rows far from the origin (unnormalized
  // embeddings that share an offset) would lose every distance below 3e-4·‖a‖; centered, the
  // error scales with the rows' spread instead. What is left, about √D·2^-24·(‖a′‖² + ‖b′‖²),
  // would make equal rows (not only the diagonal) a tiny positive distance, and a guard the user
  // wrote (`if d > 0 then log(d) else 0`) would take the wrong branch: values within 2^-17 of
  // ‖a′‖² + ‖b′‖² (D·2^-24 at D = 128, the worst case of the rounding) are 0, negatives too.
  ['sqdist-gram',          '(sum:r (square (sub ?a ?b)))',                '(relu (select (le (sub (add (sum:r (square (sub ?a (mean:?a-?b ?a)))) (sum:r (square (sub ?b (mean:?a-?b ?a))))) (mul 2 (contract:r (sub ?a (mean:?a-?b ?a)) (sub ?b (mean:?a-?b ?a))))) (mul 0.00000762939453125 (add (sum:r (square (sub ?a (mean:?a-?b ?a)))) (sum:r (square (sub ?b (mean:?a-?b ?a))))))) 0 (sub (add (sum:r (square (sub ?a (mean:?a-?b ?a)))) (sum:r (square (sub ?b (mean:?a-?b ?a))))) (mul 2 (contract:r (sub ?a (mean:?a-?b ?a)) (sub ?b (mean:?a-?b ?a)))))))', 'cost', 'pairwise ?a ?b r', 'Σ_K (a - b)² = Σ_K ((a - c) - (b - c))² = Σ a′² + Σ b′² - 2 Σ a′·b′ with c the mean of a over its free axes; the [i, j, K] difference is never formed; below the expansion\'s rounding (2^-17 of Σ a′² + Σ b′²) the distance is 0, as it is exactly for equal rows'],
  // The safe-norm convention for a clamped value (a Gram-expanded squared distance under a
  // norm): √ of max(x, 0) has an infinite derivative at 0 (0·∞ = NaN); value 0 and gradient 0 there.
  ['safe-sqrt-relu',       '(sqrt (relu ?x))',                            '(select (le ?x 0) 0 (sqrt (select (le ?x 0) 1 ?x)))', 'stability', '', '√max(x, 0) is 0 for x <= 0; √ of 1 there and the value 0: the same value, gradient 0 (a subgradient) at and below 0'],
  ['sqrt-square',          '(sqrt (square ?x))',                          '(abs ?x)',                               'stability', '',                 '√(x²) = |x|, whose gradient at 0 is 0 instead of NaN'],
  ['log-exp',              '(log (exp ?x))',                              '?x',                                     'stability', '',                 'log e^x = x; e^x overflows above 709 (88.7 in float32)'],
  ['log-reciprocal',       '(log (div 1 ?x))',                            '(neg (log ?x))',                         'stability', '',                 'log(1/x) = -log x; 1/x overflows for tiny x'],
  ['log-softmax-lse',      '(sub ?x (logsumexp:r ?x))',                   '(log_softmax:r ?x)',                     'cost',      'one-axis r',       'x - logsumexp(x) along one axis is log_softmax(x)'],
  ['exp-log',              '(exp (log ?x))',                              '?x',                                     'algebra',   'nonneg ?x',        'e^(log x) = x for x >= 0 (log 0 = -inf, e^-inf = 0); NaN below 0'],
  ['square-sqrt',          '(square (sqrt ?x))',                          '?x',                                     'algebra',   'nonneg ?x',        '(√x)² = x for x >= 0; NaN below 0'],
  ['abs-nonneg',           '(abs ?x)',                                    '?x',                                     'algebra',   'nonneg ?x',        '|x| = x for x >= 0'],
  ['relu-nonneg',          '(relu ?x)',                                   '?x',                                     'algebra',   'nonneg ?x',        'max(x, 0) = x for x >= 0'],
  // Both change the gradient where x = 0: pow's rule gives 0 there for an exponent below 1
  // (src/grad/derivatives.ts), √x and 1/x give ∞. A base that may be 0 keeps its pow, so that
  // (1 - p)^0.5 differentiates as (1 - p)^g does at g = 0.5 (a specialised default).
  ['pow-half',             '(pow ?x 0.5)',                                '(sqrt ?x)',                              'cost',      'positive ?x',      'x^0.5 = √x for x > 0 (pow(-inf, 0.5) = inf but √-inf = NaN; at 0 the gradients differ)'],
  ['pow-2',                '(pow ?x 2)',                                  '(square ?x)',                            'cost',      '',                 'x^2 = x·x; pow also costs a log and an exp'],
  ['pow-1',                '(pow ?x 1)',                                  '?x',                                     'algebra',   '',                 'x^1 = x'],
  ['pow-minus-1',          '(pow ?x -1)',                                 '(div 1 ?x)',                             'cost',      'positive ?x',      'x^-1 = 1/x for x > 0 (at 0 the gradients differ)'],
  ['mul-self',             '(mul ?x ?x)',                                 '(square ?x)',                            'cost',      '',                 'x·x = x²'],
  ['square-neg',           '(square (neg ?x))',                           '(square ?x)',                            'algebra',   '',                 '(-x)² = x²'],
  ['square-abs',           '(square (abs ?x))',                           '(square ?x)',                            'algebra',   '',                 '|x|² = x²'],
  ['abs-neg',              '(abs (neg ?x))',                              '(abs ?x)',                               'algebra',   '',                 '|-x| = |x|'],
  ['neg-neg',              '(neg (neg ?x))',                              '?x',                                     'algebra',   '',                 '-(-x) = x'],
  ['neg-sub',              '(neg (sub ?x ?y))',                           '(sub ?y ?x)',                            'algebra',   '',                 '-(x - y) = y - x, exactly in floating point'],
  ['sub-neg',              '(sub ?x (neg ?y))',                           '(add ?x ?y)',                            'algebra',   '',                 'x - (-y) = x + y'],
  ['add-neg',              '(add ?x (neg ?y))',                           '(sub ?x ?y)',                            'algebra',   '',                 'x + (-y) = x - y'],
  ['zero-sub',             '(sub 0 ?x)',                                  '(neg ?x)',                               'algebra',   '',                 '0 - x = -x'],
  ['mul-minus-1',          '(mul -1 ?x)',                                 '(neg ?x)',                               'algebra',   '',                 '-1·x = -x'],
  ['add-0',                '(add ?x 0)',                                  '?x',                                     'algebra',   '',                 'x + 0 = x'],
  ['sub-0',                '(sub ?x 0)',                                  '?x',                                     'algebra',   '',                 'x - 0 = x'],
  ['mul-1',                '(mul ?x 1)',                                  '?x',                                     'algebra',   '',                 'x·1 = x'],
  ['div-1',                '(div ?x 1)',                                  '?x',                                     'algebra',   '',                 'x/1 = x'],
  // A hyperparameter at its default (src/opt/specialise.ts) leaves products with 0: BCE's
  // (1 + (pos_weight - 1)·y)·softplus(x) at pos_weight = 1. 0·y is 0 only where y is finite, and
  // the product may carry axes only y has: folded where another operand already has them.
  ['add-zero-product',     '(add ?a (mul 0 ?y))',                         '?a',                                     'algebra',   'finite ?y & covers ?a ?y', 'a + 0·y = a for finite y, where a has every axis of y'],
  ['sub-zero-product',     '(sub ?a (mul 0 ?y))',                         '?a',                                     'algebra',   'finite ?y & covers ?a ?y', 'a - 0·y = a for finite y, where a has every axis of y'],
  ['mul-zero-product-sum', '(mul (add ?c (mul 0 ?y)) ?z)',                '(mul ?c ?z)',                            'algebra',   'finite ?y & covers ?z ?y', '(c + 0·y)·z = c·z for finite y, where z has every axis of y'],
  // Backward passes sum the shares of one seed: a·b + a·c from a product rule, -a·b + a·c
  // from a difference. Factoring leaves one multiplication by the seed.
  ['factor-add',           '(add (mul ?a ?b) (mul ?a ?c))',               '(mul ?a (add ?b ?c))',                   'cost',      '',                 'a·b + a·c = a·(b + c): one multiplication fewer'],
  ['factor-sub',           '(sub (mul ?a ?b) (mul ?a ?c))',               '(mul ?a (sub ?b ?c))',                   'cost',      '',                 'a·b - a·c = a·(b - c): one multiplication fewer'],
  ['factor-add-neg',       '(add (mul (neg ?a) ?b) (mul ?a ?c))',         '(mul ?a (sub ?c ?b))',                   'cost',      '',                 '(-a)·b + a·c = a·(c - b)'],
  ['scalars-together',     '(mul ?s (mul ?c ?x))',                        '(mul (mul ?s ?c) ?x)',                   'cost',      'scalar ?s & scalar ?c & tensor ?x', 's·(c·x) = (s·c)·x: the numbers multiply once, then one multiplication per element'],
  ['neg-mul-scalar',       '(neg (mul ?s ?x))',                           '(mul (neg ?s) ?x)',                      'cost',      'scalar ?s & tensor ?x', '-(s·x) = (-s)·x: one number negated instead of every element'],
  ['mul-neg-scalar',       '(mul ?s (neg ?x))',                           '(mul (neg ?s) ?x)',                      'cost',      'scalar ?s & tensor ?x', 's·(-x) = (-s)·x: one number negated instead of every element'],
  ['mul-reciprocal',       '(mul ?x (div 1 ?y))',                         '(div ?x ?y)',                            'cost',      '',                 'x·(1/y) = x/y, and 1/y cannot overflow on its own'],
  // Guarded gradients select under the same condition twice (src/grad cleans a share where its
  // guard holds, then the guard's own select): the inner one decides nothing.
  ['select-in-then',       '(select ?c (select ?c ?a ?b) ?d)',            '(select ?c ?a ?d)',                      'cost',      '',                 'where c holds the inner select gives a; elsewhere the outer one gives d'],
  ['select-in-else',       '(select ?c ?d (select ?c ?a ?b))',            '(select ?c ?d ?b)',                      'cost',      '',                 'where c fails the inner select gives b; elsewhere the outer one gives d'],
  ['select-same',          '(select ?c ?x ?x)',                           '?x',                                     'cost',      '',                 'both branches are the same (kept when the condition adds axes)'],
  ['sum-scale',            '(sum:r (mul ?c ?x))',                         '(mul ?c (sum:r ?x))',                    'cost',      'scalar ?c & finite ?c', 'Σ c·x = c·Σ x: one multiplication instead of one per element'],
  ['mean-scale',           '(mean:r (mul ?c ?x))',                        '(mul ?c (mean:r ?x))',                   'cost',      'scalar ?c & finite ?c', 'mean(c·x) = c·mean(x)'],
  // A constant spread over axes (`select(i >= 0, k, k)`, what fills a left-out optional input
  // such as cross_entropy's class weight) read at class indices is k wherever it is read.
  // Class indices are in range by the checker and the boundary check; an ignored one is
  // replaced by 0 before the gather.
  ['gather-uniform',       '(gather:g (select ?c ?k ?k) ?t)',             '(select (eq ?t ?t) ?k ?k)',              'cost',      'scalar ?k',        'every entry of the operand is k, so every entry read is k; the result keeps the axes of the indices (t == t everywhere)'],
  ['select-uniform-then',  '(select ?m (select ?c ?k ?k) ?e)',            '(select ?m ?k ?e)',                      'cost',      'scalar ?k',        'the inner select is k everywhere (it only adds axes, which the outer condition has)'],
  // w[t]·lp[t] with both read at ignorable class indices: each is select(m, …, NaN); with w = 1
  // the product is the second factor.
  ['mul-masked-one',       '(mul (select ?m 1 ?e) (select ?m ?x ?e))',    '(select ?m ?x ?e)',                      'cost',      'idempotent ?e',    'where m holds 1·x = x; elsewhere e·e = e'],
  ['mul-masked-one-scaled', '(mul (mul ?s (select ?m 1 ?e)) (select ?m ?x ?e))', '(mul ?s (select ?m ?x ?e))',     'cost',      'idempotent ?e',    'where m holds s·1·x = s·x; elsewhere s·e·e = s·e'],
  ['mul-masked-one-neg',   '(mul (neg (select ?m 1 ?e)) (select ?m ?x ?e))', '(neg (select ?m ?x ?e))',             'cost',      'idempotent ?e',    'where m holds -1·x = -x; elsewhere -e·e = -e'],
  ['sum-uniform-scale',    '(sum:r (mul (select ?c ?k ?k) ?x))',          '(mul ?k (sum:r ?x))',                    'cost',      'scalar ?k & finite ?k & covers ?x ?c', 'the select is k everywhere and adds no axis x lacks: Σ k·x = k·Σ x'],
  // mean(l, where: m, by: 1) as lowered (src/check/calls.ts, dividedMean): the masked mean of
  // l·n / Σ m·1 under m and Σ m·1 ≠ 0, n = Σ m·1 the number selected.
  ['by-one-mask',          '(and ?m (not (eq (sum:q (select ?m 1 0)) 0)))', '?m',                                  'cost',      '',                 'where m holds the count of m is at least 1, so the second condition holds wherever the first does'],
  ['by-one',               '(mean:r (div (mul ?l (sum:q (select ?m 1 0))) (select (eq (sum:q (select ?m 1 0)) 0) 1 (sum:q (select ?m 1 0)))) ?m)', '(mean:r ?l ?m)', 'cost', '', 'Σ m·l·n/n / Σ m = Σ m·l / Σ m where m selects something (n ≥ 1); where it selects nothing both are the empty value'],
  // The same after mul-neg-scalar moved a negation onto the count (nll's -w[t]·logp[t]).
  ['by-one-neg',           '(mean:r (div (mul (neg (sum:q (select ?m 1 0))) ?l) (select (eq (sum:q (select ?m 1 0)) 0) 1 (sum:q (select ?m 1 0)))) ?m)', '(mean:r (neg ?l) ?m)', 'cost', '', '(-n)·l/n = -l where m selects something (n ≥ 1); where it selects nothing both are the empty value'],
  ['sum-of-scalar',        '(sum:r ?x)',                                  '?x',                                     'algebra',   'no-axes r',        'a reduction over no axes is its operand (a constant or hyperparameter, say)'],
  ['mean-of-scalar',       '(mean:r ?x)',                                 '?x',                                     'algebra',   'no-axes r',        'the mean of one value is that value'],
  ['max-of-scalar',        '(max:r ?x)',                                  '?x',                                     'algebra',   'no-axes r',        'the max of one value is that value'],
  ['min-of-scalar',        '(min:r ?x)',                                  '?x',                                     'algebra',   'no-axes r',        'the min of one value is that value'],
  ['sum-sum',              '(sum:r (sum:s ?x))',                          '(sum:r+s ?x)',                           'cost',      '',                 'one reduction over both sets of axes'],
  ['mean-mean',            '(mean:r (mean:s ?x))',                        '(mean:r+s ?x)',                          'cost',      '',                 'unmasked groups have equal sizes, so the mean of means is the mean'],
  ['max-max',              '(max:r (max:s ?x))',                          '(max:r+s ?x)',                           'cost',      '',                 'max over A then B is the max over both'],
  ['min-min',              '(min:r (min:s ?x))',                          '(min:r+s ?x)',                           'cost',      '',                 'min over A then B is the min over both'],
  ['prod-prod',            '(prod:r (prod:s ?x))',                        '(prod:r+s ?x)',                          'cost',      '',                 'product over A then B is the product over both'],
  ['logsumexp-logsumexp',  '(logsumexp:r (logsumexp:s ?x))',              '(logsumexp:r+s ?x)',                     'cost',      '',                 'log Σ_B e^(log Σ_A e^x) = log Σ_AB e^x'],
];

export interface RewriteRule {
  readonly name: string;
  readonly pattern: Term & { readonly kind: 'op' };
  readonly replacement: Term;
  readonly category: RuleCategory;
  readonly conditions: readonly ConditionUse[];
  readonly derivation: string;
  /** Pattern size: larger (more specific) patterns are tried first at a node. */
  readonly size: number;
}

/** A row of the table, parsed and checked: every name the replacement uses is bound. */
export function compileRule([name, pattern, replacement, category, when, derivation]: RuleRow): RewriteRule {
  const lhs = parseTerm(pattern);
  const rhs = parseTerm(replacement);
  if (lhs.kind !== 'op') throw new Error(`rule ${name}: a pattern must start with an op`);
  const conditions = parseConditions(when);
  // Every name the replacement or a condition uses must be bound by the pattern.
  const vars = termVars(lhs);
  const attrs = termAttrNames(lhs);
  for (const v of termVars(rhs)) if (!vars.has(v)) throw new Error(`rule ${name}: ?${v} is not bound by the pattern`);
  for (const a of termAttrNames(rhs)) if (!attrs.has(a)) throw new Error(`rule ${name}: attributes '${a}' are not bound by the pattern`);
  for (const c of conditions) if (!vars.has(c.arg) && !attrs.has(c.arg)) throw new Error(`rule ${name}: condition on unbound '${c.arg}'`);
  for (const c of conditions) if (c.other !== undefined && !vars.has(c.other)) throw new Error(`rule ${name}: condition on unbound '${c.other}'`);
  return { name, pattern: lhs, replacement: rhs, category, conditions, derivation, size: termSize(lhs) };
}

export const RULES: readonly RewriteRule[] = TABLE.map(compileRule);

/** Rules by the op at the root of their pattern, most specific first (ties: table order). */
export function indexRules(rules: readonly RewriteRule[]): ReadonlyMap<string, readonly RewriteRule[]> {
  const m = new Map<string, RewriteRule[]>();
  for (const r of rules) m.set(r.pattern.op, [...(m.get(r.pattern.op) ?? []), r]);
  for (const list of m.values()) list.sort((a, b) => b.size - a.size);
  return m;
}

export const RULES_BY_OP = indexRules(RULES);
