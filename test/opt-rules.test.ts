// Every rule of the optimizer's table, numerically: a program written the way a user writes
// it is compiled with and without the optimizer; the rule must fire (or must not, where its
// side condition fails), and the float64 reference evaluator must give the same values to
// 1e-12 relative on inputs sampled from the rule's domain. The domains are chosen where the
// written form is itself accurate (log(1 + x) is compared for x away from 0): there the two
// sides must agree; the stable forms' advantage elsewhere is shown in opt-stability.test.ts.
import { describe, expect, it } from 'vitest';
import { evaluateReference, type RefTensor } from '../src/reference/evaluate.js';
import type { IrFunction } from '../src/ir/types.js';
import { RULES } from '../src/opt/rules.js';
import { frontEnd } from '../src/pipeline.js';
import { mulberry32 } from './oracle/tensor.js';

const HEADER = `dim K = {a, b, c}
loss rule_case(x: [N, D], z: [N, D], p: [N, D] in [0, 1], q: [N, D] in [0, inf), v: [N, D, K], w: [N, K],
               t: index[N] of D, k: real = 2, m: real in [0.5, 3] = 1.5) =
  `;
const SIZES: Record<string, number> = { N: 3, D: 4, K: 3 };

/** [lo, hi], or [lo, hi, '±'] for values of either sign with |value| in [lo, hi]. */
type Span = readonly [number, number] | readonly [number, number, '±'];
type Ranges = Partial<Record<'x' | 'z' | 'v' | 'w' | 'q', Span>>;
type Case = readonly [rule: string, body: string, ranges: Ranges, fires: boolean];

const yes = (rule: string, body: string, ranges: Ranges = {}): Case => [rule, body, ranges, true];
const no = (rule: string, body: string, ranges: Ranges = {}): Case => [rule, body, ranges, false];

const CASES: readonly Case[] = [
  // log of a number near 1 (σ(x) for x > 2, softmax with one dominant logit) and 1 - σ(x)
  // for |x| > 2 lose relative accuracy in the written form: the domains stay clear of that.
  yes('log-sigmoid',         'log(sigmoid(x))',                              { x: [-30, 1.5] }),
  yes('log-1-sigmoid',       'log(1 - sigmoid(x))',                          { x: [-1.5, 1.5] }),
  yes('log-gather-sigmoid',  '-log(sigmoid(x)[t])',                          { x: [-30, 1.5] }),
  yes('bce-logits',          'p * log(sigmoid(x)) + (1 - p) * log(1 - sigmoid(x))', { x: [-5, 1] }),
  yes('bce-logits',          'log(sigmoid(x)) * p + log(1 - sigmoid(x)) * (1 - p)', { x: [-5, 1] }),
  no('bce-logits',           'p * log(sigmoid(x)) + (1 - q) * log(1 - sigmoid(x))', { x: [-5, 1], q: [0, 1] }),
  yes('neg-log-sigmoid-neg', '-log(1 - sigmoid(x))',                         { x: [-1.5, 1.5] }),
  yes('log-softmax',         'log(softmax(x, D))',                           { x: [-2, 2] }),
  yes('log-gather-softmax',  '-log(softmax(x, D)[t])',                       { x: [-2, 2] }),
  yes('log-pick-softmax',    'log(softmax(w, K).b)',                         { w: [-2, 2] }),
  yes('softmax',             'exp(x) / sum(exp(x), D)',                      { x: [-20, 20] }),
  no('softmax',              'exp(v) / sum(exp(v), (D, K))'),
  yes('softmax-split',       'exp(z) / sum(exp(x), D)',                      { x: [-20, 20], z: [-20, 20] }),
  yes('softmax-split',       '-log(exp(z[t]) / sum(exp(x), D))',             { x: [-20, 20], z: [-20, 20] }),
  yes('softmax-gather',      'exp(x)[t] / sum(exp(x), D)',                   { x: [-20, 20] }),
  yes('softmax-gather',      '-log(exp(x)[t] / sum(exp(x), D))',             { x: [-20, 20] }),
  no('softmax-gather',       'exp(v)[t] / sum(exp(v), (D, K))'),
  yes('gather-exp',          'exp(x)[t]'),
  yes('pick-exp',            'exp(w).b'),
  yes('rename-exp',          'mean(e[i] * e[j]) where e = exp(sum(x, D))'),
  // A diagonal picks one element per row: s[i, i] of a square matrix.
  yes('diagonal-exp',        'mean(exp(s)[i, i]) where s[i, j] = sum(x[i] * z[j], D)'),
  no('diagonal-exp',         'sum(exp(x), D, where: x > 0)'),
  yes('log-diagonal',        'mean(log(softmax(s[i, j], j)[i, i])) where s[i, j] = sum(x[i] * z[j], D)'),
  no('log-diagonal',         'log(sum(q, D, where: x > 0))'),
  yes('log-prod',            'log(prod(q, D))'),
  no('log-prod',             'log(prod(x, D))'),
  yes('log-prod-masked',     'log(prod(q, D, where: x > 0))'),
  // An 'empty:' of its own is not log's: log 2 would be needed where nothing is selected.
  no('log-prod-masked',      'log(prod(q, D, where: x > 0, empty: 2))'),
  yes('log-mul',             'log(p * q)'),
  no('log-mul',              'log(x * z)',                                   { x: [0.5, 3], z: [0.5, 3] }),
  // Factors bounded away from 0 cannot underflow: the product's log is accurate as written.
  no('log-mul',              'log((q + 1) * (q + 2))'),
  yes('logsumexp',           'log(sum(exp(x), D))',                          { x: [-20, 20] }),
  yes('logsumexp',           'log(sum(exp(v), (D, K)))'),
  // Near 0 both forms lose relative accuracy (log of 1 + x²/2, and a cancelling sum).
  yes('log-cosh',            'log(cosh(x))',                                 { x: [0.1, 300, '±'] }),
  yes('log1p',               'log(1 + q)',                                   { q: [0.5, 50] }),
  yes('log1p',               'log(q + 1)',                                   { q: [0.5, 50] }),
  yes('log1p-neg',           'log(1 - z)',                                   { z: [0.2, 0.9] }),
  yes('expm1',               'exp(x) - 1',                                   { x: [0.5, 5, '±'] }),
  yes('softplus',            'log(1 + exp(x))',                              { x: [-5, 30] }),
  yes('sigmoid',             '1 / (1 + exp(-x))',                            { x: [-30, 30] }),
  yes('sigmoid-neg',         '1 / (1 + exp(x))',                             { x: [-30, 30] }),
  yes('safe-norm',           'norm(x, D)'),
  yes('safe-norm',           'sqrt(sum(x^2, D))'),
  // normalize is lowered as x / sqrt(max(Σx², 1e-24)), safe without the rewrite.
  no('safe-norm',            'normalize(x, D)'),
  // Pairwise products summed over the shared axis: a matrix product (a free axis on each side).
  yes('contract',            'sum(x[i] * z[j], D)'),
  yes('contract',            'dot(normalize(x, D)[i], normalize(z, D)[j], D) / m'),
  // K is a batch axis (both keep it), D contracted, i and j free.
  yes('contract',            'sum(v[i] * v[j], D)'),
  yes('contract',            'sum(exp(x[i] * z[j]), D) + sum(z[i] * x[j], D)'),
  // Identical axes: elementwise, nothing to gain from a matrix product.
  no('contract',             'sum(x * z, D)'),
  // A free axis on one side only (a matrix-vector product): stays a broadcast product.
  no('contract',             'sum(x * sum(z, N), D)'),
  // A masked sum is not a plain contraction.
  no('contract',             'sum(x[i] * z[j], D, where: x[i] > 0)'),
  // A summed axis only one side has.
  no('contract',             'sum(v * w, (D, K))'),
  yes('sqdist-gram',         'sum((x[i] - z[j])^2, D)'),
  yes('sqdist-gram',         'sum((x[j] - x[i])^2, D) + 1'),
  no('sqdist-gram',          'sum((x - z)^2, D)'),
  no('sqdist-gram',          'sum((x[i] - z[j])^2, D, where: z[j] > 0)'),
  yes('safe-sqrt-relu',      'norm(x[i] - z[j], D)'),
  yes('safe-sqrt-relu',      'sqrt(relu(x))'),
  yes('sqrt-square',         'sqrt(x^2)'),
  yes('log-exp',             'log(exp(x))',                                  { x: [-30, 30] }),
  yes('log-reciprocal',      'log(1 / q)',                                   { q: [2, 10] }),
  yes('log-softmax-lse',     'x - logsumexp(x, D)'),
  no('log-softmax-lse',      'x - logsumexp(x, (N, D))'),
  yes('exp-log',             'exp(log(q))'),
  yes('exp-log',             'exp(log(p + q))'),
  no('exp-log',              'exp(log(x))'),
  no('exp-log',              'exp(log(p - 0.5))'),
  yes('square-sqrt',         'square(sqrt(q))'),
  no('square-sqrt',          'square(sqrt(x))'),
  yes('abs-nonneg',          'abs(q)'),
  yes('abs-nonneg',          'abs(exp(x) + p)'),
  no('abs-nonneg',           'abs(x)'),
  no('abs-nonneg',           'abs(p - 0.5)'),
  yes('relu-nonneg',         'relu(p)'),
  no('relu-nonneg',          'relu(x)'),
  no('relu-nonneg',          'relu(sqrt(p - 1))'),
  yes('pow-half',            '(q + 1) ^ 0.5'),
  no('pow-half',             'x ^ 0.5'),
  // q may be 0, where pow's gradient rule gives 0 and √'s ∞.
  no('pow-half',             'q ^ 0.5'),
  yes('pow-2',               'x^2'),
  yes('pow-1',               'x^1'),
  yes('pow-minus-1',         '(q + 0.5)^(-1)'),
  no('pow-minus-1',          'x^(-1)',                                       { x: [0.5, 3, '±'] }),
  yes('mul-self',            'x * x'),
  yes('square-neg',          'square(-x)'),
  yes('square-abs',          'square(abs(x))'),
  yes('abs-neg',             'abs(-x)'),
  yes('neg-neg',             '-(-x)'),
  yes('neg-sub',             '-(x - z)'),
  yes('sub-neg',             'x - (-z)'),
  yes('add-neg',             'x + (-z)'),
  yes('add-neg',             '-z + x'),
  yes('zero-sub',            '0 - x'),
  yes('mul-minus-1',         '-1 * x'),
  yes('add-0',               'x + 0'),
  yes('sub-0',               'x - 0'),
  yes('mul-1',               '1 * x'),
  yes('div-1',               'x / 1'),
  // p in [0, 1] is finite; q in [0, inf) and x (no domain) may be infinite: 0·∞ is NaN.
  yes('add-zero-product',    'x + 0 * p'),
  yes('add-zero-product',    'p * 0 + x'),
  no('add-zero-product',     'x + 0 * q'),
  no('add-zero-product',     'p + 0 * x'),
  no('add-zero-product',     'sum(x, D) + 0 * p'),
  yes('sub-zero-product',    'x - 0 * p'),
  no('sub-zero-product',     'x - 0 * q'),
  yes('mul-zero-product-sum', '(1 + 0 * p) * softplus(x)'),
  yes('mul-zero-product-sum', 'x * (2 + p * 0)'),
  no('mul-zero-product-sum', '(1 + 0 * q) * x'),
  no('mul-zero-product-sum', '(1 + 0 * p) * sum(x, D)'),
  // Positive operands: a sum or difference that cancels has no relative accuracy to compare.
  yes('factor-add',          'x * z + x * q',                                { x: [0.5, 3], z: [0.5, 3] }),
  yes('factor-add',          'z * x + q * x',                                { x: [0.5, 3], z: [0.5, 3] }),
  no('factor-add',           'x * z + q * p',                                { x: [0.5, 3], z: [0.5, 3] }),
  yes('factor-sub',          'x * z - x * q',                                { x: [0.5, 3], z: [20, 30] }),
  yes('factor-add-neg',      '(-x) * q + x * z',                             { x: [0.5, 3], z: [20, 30] }),
  yes('scalars-together',    'k * (2 * x)'),
  no('scalars-together',     'x * (2 * z)'),
  yes('neg-mul-scalar',      '-(m * x)'),
  no('neg-mul-scalar',       '-(z * x)'),
  yes('mul-neg-scalar',      'm * (-x)'),
  no('mul-neg-scalar',       'z * (-x)'),
  yes('mul-reciprocal',      'x * (1 / z)',                                  { z: [0.5, 3, '±'] }),
  yes('select-in-then',      'if x > 0 then (if x > 0 then z else log(x)) else x'),
  yes('select-in-else',      'if x > 0 then z else (if x > 0 then log(x) else x * z)'),
  // Another condition inside decides something.
  no('select-in-then',       'if x > 0 then (if z > 0 then z else x) else x'),
  // The inner branch not taken has an axis neither the condition nor the other branches have: the
  // merged select would lose it.
  no('select-in-then',       'if x > 0 then (if x > 0 then z else v) else z'),
  yes('select-same',         'if x > 0 then z else z'),
  // The condition has axes the branches lack: dropping it would change the shape.
  no('select-same',          'if x > 0 then k else k'),
  // Positive operands: a sum that cancels has no relative accuracy to compare.
  yes('sum-scale',           'sum(2 * x, D)',                                { x: [0.5, 3] }),
  yes('sum-scale',           'sum(x * m, D)',                                { x: [0.5, 3] }),
  no('sum-scale',            'sum(z * x, D)'),
  no('sum-scale',            'sum(k * x, D)'),
  yes('mean-scale',          'mean(m * x, D)',                               { x: [0.5, 3] }),
  no('mean-scale',           'mean(x * z, D)'),
  // A constant spread over axes, as a left-out class weight is filled in.
  yes('gather-uniform',      'x * (if z > 5 then 2 else 2)[t]'),
  no('gather-uniform',       'x * (if z > 5 then x else z)[t]'),
  yes('select-uniform-then', 'if x > 0 then (if z > 5 then 2 else 2) else x'),
  no('select-uniform-then',  'if x > 0 then (if z > 5 then x else z) else x'),
  yes('mul-masked-one',      '(if x > 0 then 1 else 0) * (if x > 0 then z else 0)'),
  // 2·2 is not 2: where the condition fails the product is 4.
  no('mul-masked-one',       '(if x > 0 then 1 else 2) * (if x > 0 then z else 2)'),
  yes('mul-masked-one-scaled', '(m * (if x > 0 then 1 else 0)) * (if x > 0 then z else 0)'),
  no('mul-masked-one-scaled', '(m * (if x > 0 then 1 else 2)) * (if x > 0 then z else 2)'),
  yes('mul-masked-one-neg',  '(-(if x > 0 then 1 else 0)) * (if x > 0 then z else 0)'),
  no('mul-masked-one-neg',   '(-(if x > 0 then 1 else 2)) * (if x > 0 then z else 2)'),
  yes('sum-uniform-scale',   'sum((if z > 5 then 2 else 2) * x, D)',         { x: [0.5, 3] }),
  // The select has K, which x lacks: the sum over (D, K) counts each x K times.
  no('sum-uniform-scale',    'sum((if v > 5 then 2 else 2) * x, (D, K))',    { x: [0.5, 3] }),
  yes('by-one-mask',         'x * mean(z, D, where: z > -2, by: 1)'),
  yes('by-one',              'x * mean(z, D, where: z > -2, by: 1)'),
  no('by-one',               'x * mean(z, D, where: z > -2, by: 2)'),
  yes('by-one-neg',          'x * mean(-z, where: z > -2, by: 1)'),
  yes('by-one-neg',          'mean(-z, where: z > -2, by: 1)'),
  // The loss's outer mean (kept by the engine): made a plain masked mean by opt/denominator.ts.
  yes('by-one',              'mean(z, where: z > -2, by: 1)'),
  yes('sum-of-scalar',       'x * sum(k)'),
  yes('mean-of-scalar',      'x * mean(m)'),
  yes('max-of-scalar',       'x * max(m)'),
  yes('min-of-scalar',       'x * min(k)'),
  no('mean-of-scalar',       'x * mean(v)'),
  no('sum-of-scalar',        'x * sum(v, K)'),
  no('max-of-scalar',        'max(x, D)'),
  no('min-of-scalar',        'min(x, D)'),
  yes('sum-sum',             'sum(sum(v, D), K)',                            { v: [0.5, 3] }),
  yes('mean-mean',           'mean(mean(v, K), D)',                          { v: [0.5, 3] }),
  yes('max-max',             'max(max(v, D), K)'),
  yes('min-min',             'min(min(v, D), K)'),
  yes('prod-prod',           'prod(prod(v, D), K)',                          { v: [0.5, 2] }),
  yes('logsumexp-logsumexp', 'logsumexp(logsumexp(v, D), K)'),
  // The loss's outer mean stays: merging it would change what reduction 'none' returns.
  no('mean-mean',            'mean(mean(x, D))'),
];

function lower(body: string, optimize: boolean): { fn: IrFunction; rules: string[] } {
  const r = frontEnd(HEADER + body, 'rule_case.loss', { optimize, stability: false });
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`${body}: ${errors.map((d) => d.message).join('; ')}`);
  const fn = r.losses[0]!;
  return { fn, rules: (r.rewrites.get(fn.name) ?? []).map((w) => w.rule) };
}

function sample(fn: IrFunction, ranges: Ranges, seed: number): Record<string, RefTensor> {
  const rng = mulberry32(seed);
  const rand = (): number => rng.next();
  const defaults: Record<string, Span> = { x: [-3, 3], z: [-3, 3], v: [-3, 3], w: [-3, 3], q: [0, 10], p: [0, 1] };
  const out: Record<string, RefTensor> = {};
  for (const input of fn.inputs) {
    const shape = input.axes.map((a) => SIZES[a.dim]!);
    const n = shape.reduce((a, b) => a * b, 1);
    const span = (ranges as Record<string, Span>)[input.name] ?? defaults[input.name] ?? [0, 1];
    const draw = (): number => {
      if (input.elem === 'index') return Math.floor(rand() * SIZES[input.indexOf!]!);
      const mag = span[0] + (span[1] - span[0]) * rand();
      return span[2] === '±' && rand() < 0.5 ? -mag : mag;
    };
    out[input.name] = { shape, data: Float64Array.from({ length: n }, draw) };
  }
  return out;
}

/** Equal to 1e-12 relative; non-finite values must be the same non-finite value. */
function agree(a: number, b: number): boolean {
  if (!Number.isFinite(a) || !Number.isFinite(b)) return Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
  return Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b));
}

describe('each rule fires where it should and keeps the value (float64, 1e-12 relative)', () => {
  it.each(CASES.map((c) => [c[0], c[1], c[2], c[3]] as const))('%s: %s', (rule, body, ranges, fires) => {
    const before = lower(body, false).fn;
    const after = lower(body, true);
    if (fires) expect(after.rules, `rewrites of ${body}`).toContain(rule);
    else expect(after.rules, `rewrites of ${body}`).not.toContain(rule);
    for (let seed = 1; seed <= 10; seed++) {
      const inputs = sample(before, ranges, seed);
      const a = evaluateReference(before, inputs, {});
      const b = evaluateReference(after.fn, inputs, {});
      expect(b.shape).toEqual(a.shape);
      a.data.forEach((va, i) => {
        if (fires) expect(Number.isFinite(va), `${body}: the sampled domain must make the written form finite`).toBe(true);
        if (!agree(va, b.data[i]!)) expect.fail(`${body} (seed ${seed}, element ${i}): before ${va}, after ${b.data[i]}`);
      });
    }
  });

  it('every rule in the table has a case where it fires', () => {
    const covered = new Set(CASES.filter((c) => c[3]).map((c) => c[0]));
    expect(RULES.map((r) => r.name).filter((n) => !covered.has(n))).toEqual([]);
  });

  it('every rule with a side condition has a case where it does not fire', () => {
    const refused = new Set(CASES.filter((c) => !c[3]).map((c) => c[0]));
    const conditional = RULES.filter((r) => r.conditions.length > 0).map((r) => r.name);
    expect(conditional.filter((n) => !refused.has(n))).toEqual([]);
  });
});
